"""Reading one big file costs memory in proportion to what is kept, not to the file (issue 23.6:
a 20 MB page took 62 s and 1.75 GB, a 50 MB .txt 1.6 GB, to keep 500,000 characters of each).

Peak memory is measured with tracemalloc (Python allocations: the file's bytes, its text and what
the readers build from it), not timed: bench/reader_memory.py has the wall times and RSS."""
from __future__ import annotations

import gzip
import tracemalloc
from pathlib import Path

import pytest

from index.article import Article
from index.readers import MAX_ARTICLE_CHARS, read_file
from index.readers.base import ARTICLE_READ_BYTES, Problem

PARAGRAPH = ("SEOUL, Feb 26 - North Korean leader Kim Jong Un arrived in Vietnam on Tuesday for a second summit "
             "with U.S. President Donald Trump, officials said, as the two sides sought to narrow differences.")
MB = 1024 * 1024


def peak_of_reading(path: Path) -> tuple[list[Article], list[Problem], int]:
    tracemalloc.start()
    try:
        items = list(read_file(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Problem)], peak


def big_text(size: int) -> str:
    block = "".join(f"{PARAGRAPH} ({n})\n\n" for n in range(1000))
    return "A very long text\n\n" + block * (size // len(block) + 1)


@pytest.mark.parametrize("name", ["big.txt", "big.txt.gz"])
def test_a_60_mb_text_file_costs_what_one_article_keeps(tmp_path: Path, name: str) -> None:
    text = big_text(60 * MB)
    path = tmp_path / name
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data, 1) if name.endswith(".gz") else data)
    del data
    [article], problems, peak = peak_of_reading(path)
    assert len(article.body) <= MAX_ARTICLE_CHARS and article.body.startswith(PARAGRAPH + " (0)")
    assert len(article.body) > MAX_ARTICLE_CHARS * 0.9
    assert any(p.severity == "warning" and f"only the first {ARTICLE_READ_BYTES:,} bytes" in p.reason
               for p in problems), problems
    # The whole file read would be 60 MB of bytes and 60 MB of text before any parsing.
    assert peak < 12 * ARTICLE_READ_BYTES, f"peak {peak / MB:.1f} MB"


def test_a_24_mb_page_costs_what_one_article_keeps(tmp_path: Path) -> None:
    from index.readers.html import READ_BYTES

    paragraph = " ".join([PARAGRAPH] * 100)  # 20 KB paragraphs: few elements, a quick parse
    count = 24 * MB // (len(paragraph) + 8)
    path = tmp_path / "big.html"
    path.write_text("<!doctype html><html><head><title>A very long page</title></head><body><article>\n"
                    + "".join(f"<p>{paragraph}</p>\n" for _ in range(count)) + "</article></body></html>\n",
                    encoding="utf-8")
    [article], problems, peak = peak_of_reading(path)
    assert article.title == "A very long page" and article.body.startswith(PARAGRAPH)
    assert any(f"only the first {READ_BYTES:,} bytes" in p.reason for p in problems), problems
    assert peak < 20 * READ_BYTES, f"peak {peak / MB:.1f} MB"


def test_a_cut_never_splits_a_character(tmp_path: Path) -> None:
    from index.readers.base import whole_characters

    text = "Zürich 朝鲜 😀"
    raw = text.encode("utf-8")
    for end in range(len(raw) + 1):
        whole_characters(raw[:end]).decode("utf-8")  # raises on a split character
    assert whole_characters(raw) == raw
    path = tmp_path / "cjk.txt"
    path.write_text("朝鲜\n\n" + "朝鲜领导人金正恩周二乘火车抵达越南。" * (ARTICLE_READ_BYTES // 40), encoding="utf-8")
    [article], problems, _ = peak_of_reading(path)
    assert [p for p in problems if "not valid UTF-8" in p.reason] == [] and "\ufffd" not in article.body


def test_json_lines_are_still_read_whole(tmp_path: Path) -> None:
    """Files of many articles keep them all: no read limit."""
    path = tmp_path / "many.jsonl"
    line = '{"title": "T", "body": "' + " ".join([PARAGRAPH] * 20) + '"}\n'
    count = 3 * ARTICLE_READ_BYTES // len(line)
    path.write_text(line * count, encoding="utf-8")
    items = list(read_file(path))
    assert len(items) == count and all(isinstance(i, Article) for i in items)


def test_a_file_whose_name_says_nothing_is_read_by_what_it_holds(tmp_path: Path) -> None:
    """No extension: a big text is read only as far as a page could keep; records, whole."""
    from index.readers.base import PAGE_READ_BYTES

    text = tmp_path / "NOTES"
    text.write_text(big_text(30 * MB), encoding="utf-8")
    [article], problems, peak = peak_of_reading(text)
    assert any(f"only the first {PAGE_READ_BYTES:,} bytes" in p.reason for p in problems), problems
    assert peak < 12 * PAGE_READ_BYTES, f"peak {peak / MB:.1f} MB"
    records = tmp_path / "DUMP"
    line = '{"title": "T", "body": "' + " ".join([PARAGRAPH] * 20) + '"}'
    count = 2 * PAGE_READ_BYTES // len(line)
    records.write_text("[" + ",\n".join([line] * count) + "]", encoding="utf-8")
    items = list(read_file(records))
    assert len(items) == count and all(isinstance(i, Article) for i in items)
