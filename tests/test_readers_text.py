"""The seed format and plain .txt articles, on the shipped seeds and on files written here."""
from __future__ import annotations

import gzip
from datetime import datetime, timezone
from pathlib import Path

from index.article import Article
from index.readers import read_file
from index.readers.base import Problem
from index.readers.seed import derive_title, first_sentence, trim_title
from tests.conftest import SEEDS


def read(path: Path) -> tuple[list[Article], list[Problem]]:
    items = list(read_file(path))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Problem)]


def test_shipped_seed_with_dateline() -> None:
    (article,), problems = read(SEEDS / "002_e700dba6e5dfa365.txt")
    assert not problems
    assert article.date == datetime(2019, 2, 23, tzinfo=timezone.utc)
    assert article.source == "Reuters"  # from "SEOUL (Reuters) -"
    # The title is the lede after the dateline, not the photo caption that opens the file.
    assert article.title.startswith("North Korea confirmed leader Kim Jong Un")
    assert len(article.title) <= 111
    assert article.body.startswith("A train believed to carry North Korean leader Kim Jong Un")
    assert "\n\n" in article.body and "  " not in article.body


def test_shipped_seed_without_dateline() -> None:
    (article,), _ = read(SEEDS / "000_98b6e6b0778aaca6.txt")
    assert article.source is None
    assert article.title.startswith("North Korea's will soon make an official visit")


def test_plain_text_first_line_is_the_title(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_bytes("Oil prices rise\r\n\r\nCrude rose on Monday.\r\nTraders said so.\r\n\r\nMore text.\r\n".encode())
    (article,), problems = read(path)
    assert not problems and article.date is None
    assert article.title == "Oil prices rise"
    assert article.body == "Crude rose on Monday. Traders said so.\n\nMore text."


def test_one_paragraph_file_keeps_all_its_text(tmp_path: Path) -> None:
    text = "Zinc output rose sharply in March. " + "Miners said demand was strong. " * 30
    path = tmp_path / "one.txt"
    path.write_text(text)
    (article,), _ = read(path)
    assert article.body == text.strip()
    assert article.title == "Zinc output rose sharply in March."


def test_bad_seed_date_is_a_warning_and_the_article_is_undated(tmp_path: Path) -> None:
    path = tmp_path / "seed.txt"
    path.write_text(" date 2019-02-30 Kim met Trump in Hanoi.\n\nTalks went on.")
    (article,), (problem,) = read(path)
    assert article.date is None and article.body.startswith("Kim met Trump")
    assert problem.severity == "warning" and problem.location == "line 1" and "2019-02-30" in problem.reason


def test_seed_header_without_text_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty-seed.txt"
    path.write_text(" date 2019-02-23 \n\n")
    articles, (problem,) = read(path)
    assert not articles and problem.severity == "error" and "no article text" in problem.reason


def test_gzipped_and_legacy_encoded_text(tmp_path: Path) -> None:
    path = tmp_path / "story.txt.gz"
    path.write_bytes(gzip.compress("Café talks\n\nThe café in São Paulo reopened.".encode("cp1252")))
    (article,), (problem,) = read(path)
    assert article.title == "Café talks" and "São Paulo" in article.body
    # Read whole, and reported: nothing declared the encoding, so cp1252 is a guess.
    assert problem.severity == "warning" and "not valid UTF-8" in problem.reason and "cp1252" in problem.reason


def test_utf16_text(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_bytes("Hanoi summit\n\nLeaders met in Hanoi.".encode("utf-16"))
    (article,), _ = read(path)
    assert article.title == "Hanoi summit"


def test_title_helpers() -> None:
    assert first_sentence("The U.S. said on Feb. 3 it would go. Then more.") == "The U.S. said on Feb. 3 it would go."
    assert trim_title("word " * 40, 30).endswith("…") and len(trim_title("word " * 40, 30)) <= 31
    assert derive_title("Caption text here.\n\nHANOI (AFP) - Leaders met. Then left.") == "Leaders met."
