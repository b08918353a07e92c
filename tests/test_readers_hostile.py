"""Hostile and odd input around the readers: a broken reader install, odd things in folders
(missing paths, symlink loops, FIFOs, devices, unreadable folders), gzip bombs, undeclared
legacy encodings and giant records. Each must cost a reported Problem, never the run."""
from __future__ import annotations

import gzip
import json
import os
import sys
from pathlib import Path

import pytest

import index.readers as readers
import index.readers.base as base
from index.article import Article
from index.readers import MAX_ARTICLE_CHARS, MAX_TITLE_CHARS, iter_files, read_file
from index.readers.base import Problem

STORY = "Oil prices rise\n\nCrude rose on Monday as traders bet on tighter supply. Dealers said so.\n"


def split(items: list) -> tuple[list[Article], list[Problem]]:
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Problem)]


def walk(paths: list, **kwargs: object) -> tuple[list[tuple[Path, str | None]], list[Problem]]:
    problems: list[Problem] = []
    files = list(iter_files(paths, on_problem=problems.append, **kwargs))
    return files, problems


# ---- a reader module that cannot be imported --------------------------------------------------------


def test_reader_that_fails_to_import_is_a_problem_for_each_file(tmp_path: Path, monkeypatch) -> None:
    # As with trafilatura 2.3.1 when lxml.html.clean is missing: importing index.readers.html fails.
    monkeypatch.setattr(readers, "_IMPORT_FAILURES", {})
    monkeypatch.delitem(sys.modules, "index.readers.html", raising=False)
    monkeypatch.setitem(sys.modules, "trafilatura", None)  # "import trafilatura" raises ImportError
    pages = [tmp_path / "a.html", tmp_path / "b.htm"]
    for page in pages:
        page.write_text("<html><body><p>Kim met Trump in Hanoi.</p></body></html>")
    story = tmp_path / "story.txt"
    story.write_text(STORY)
    for page in pages:
        found, (problem,) = split(list(read_file(page)))
        assert found == [] and problem.severity == "error" and problem.path == str(page)
        assert "html reader" in problem.reason and "trafilatura" in problem.reason
    (article,), _ = split(list(read_file(story)))  # other formats are unaffected
    assert article.title == "Oil prices rise"
    # A sniffed file (no extension) that turns out to be HTML gets the same report.
    noext = tmp_path / "page"
    noext.write_text("<!DOCTYPE html><html><body><p>Text.</p></body></html>")
    found, (problem,) = split(list(read_file(noext)))
    assert not found and "trafilatura" in problem.reason


# ---- folder walking ------------------------------------------------------------------------------------


def test_missing_path_and_symlink_loop_are_reported_and_the_rest_is_walked(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(STORY)
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    pair_a, pair_b = tmp_path / "pa", tmp_path / "pb"
    pair_a.symlink_to(pair_b)
    pair_b.symlink_to(pair_a)
    dangling = tmp_path / "dangling.txt"
    dangling.symlink_to(tmp_path / "gone.txt")
    # Raw argument paths, as a user typed them: iter_files resolves them itself.
    files, problems = walk([str(tmp_path / "missing"), loop, str(pair_a), dangling, "bad\0name", good])
    assert files == [(good.resolve(), "text")]
    reasons = {Path(p.path).name: p.reason for p in problems}
    assert reasons["missing"] == "no such file or folder"
    assert reasons["bad\0name"].startswith("not a usable path")
    assert "symlink loop" in reasons["loop"] and "symlink loop" in reasons["pa"]
    assert "broken symlink" in reasons["dangling.txt"]
    assert all(p.severity == "error" for p in problems)


def test_symlink_loops_inside_a_folder(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(STORY)
    (tmp_path / "self.txt").symlink_to(tmp_path / "self.txt")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path)  # a folder link back up: not followed
    files, problems = walk([tmp_path])
    assert [p.name for p, _ in files] == ["a.txt"]
    reasons = {Path(p.path).name: p.reason for p in problems}
    assert "symlink loop" in reasons["self.txt"]
    assert reasons["up"].startswith("symlink to a folder: not followed")  # said, not silently skipped
    assert len(problems) == 2


def test_fifo_and_device_are_skipped_without_opening_them(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    (tmp_path / "story.txt").write_text(STORY)
    files, problems = walk([tmp_path])
    assert [p.name for p, _ in files] == ["story.txt"]
    reasons = {Path(p.path).name: p.reason for p in problems}
    assert "named pipe" in reasons["pipe.txt"] and "not a regular file" in reasons["pipe.txt"]
    assert "character device" in reasons["zero.txt"]
    # Named explicitly, too.
    files, problems = walk([tmp_path / "pipe.txt", tmp_path / "zero.txt"])
    assert files == [] and len(problems) == 2


def test_read_file_refuses_fifo_and_device(tmp_path: Path) -> None:
    """read_file checks for itself: a FIFO is never opened, /dev/zero never read."""
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")
    for path in (fifo, zero):
        found, (problem,) = split(list(read_file(path)))
        assert not found and "not a regular file" in problem.reason


def test_unreadable_folder_is_reported(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "a.txt").write_text(STORY)
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "b.txt").write_text(STORY)
    real_scandir = os.scandir

    def scandir(path):  # tests run as root, where chmod 000 does not stop reading
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    files, (problem,) = walk([tmp_path])
    assert [p.name for p, _ in files] == ["a.txt"]
    assert problem.path == str(locked) and "cannot read folder" in problem.reason
    assert "Permission denied" in problem.reason


def test_old_call_form_still_works(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(STORY)
    os.mkfifo(tmp_path / "pipe.txt")
    assert [p.name for p, _ in iter_files([tmp_path.resolve()])] == ["a.txt"]


# ---- size limits ---------------------------------------------------------------------------------------


def test_gzip_bomb_is_cut_off_at_the_decompressed_limit(tmp_path: Path, monkeypatch) -> None:
    """A file of many articles (JSON Lines) is read whole, up to the cap; a text file, one
    article, only up to what that article can keep (test_readers_memory.py)."""
    monkeypatch.setattr(base, "MAX_DECOMPRESSED_BYTES", 1 << 20)
    bomb = tmp_path / "bomb.jsonl.gz"
    bomb.write_bytes(gzip.compress(b'{"title": "Oil prices rise"}\n' * 200_000))  # 5.8 MB in ~20 KB
    found, (problem,) = split(list(read_file(bomb)))
    assert not found and problem.severity == "error"
    assert problem.reason == f"decompressed size over {1 << 20} bytes (the limit for one file)"
    text_bomb = tmp_path / "bomb.txt.gz"
    text_bomb.write_bytes(gzip.compress(b"Oil prices rise. " * (200_000)))  # 3.4 MB of text in ~10 KB
    found, problems = split(list(read_file(text_bomb)))
    assert len(found) == 1 and all(p.severity == "warning" for p in problems)
    small = tmp_path / "small.txt.gz"
    small.write_bytes(gzip.compress(STORY.encode()))
    (article,), problems = split(list(read_file(small)))
    assert not problems and article.title == "Oil prices rise"


def test_raw_size_limit(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(base, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "big.jsonl"
    path.write_text('{"title": "Oil prices rise", "body": "Crude rose."}\n' * 100)
    found, (problem,) = split(list(read_file(path)))
    assert not found and "over the 1000-byte limit" in problem.reason
    text = tmp_path / "big.txt"  # one article: its first bytes are read, whatever the file's size
    text.write_text(STORY * 100)
    (article,), [] = split(list(read_file(text)))
    assert article.title == "Oil prices rise"


def test_limits_are_sane() -> None:
    assert base.MAX_DECOMPRESSED_BYTES <= base.MAX_FILE_BYTES <= 256 * 1024 * 1024
    assert 100_000 < MAX_ARTICLE_CHARS <= 1_000_000 and 300 <= MAX_TITLE_CHARS <= 10_000


def test_giant_record_is_cut_at_a_paragraph_with_a_warning(tmp_path: Path) -> None:
    paragraph = "Crude oil prices rose again on Monday as traders weighed the supply outlook. " * 10
    body = "\n\n".join([paragraph.strip()] * (2 * MAX_ARTICLE_CHARS // len(paragraph)))
    path = tmp_path / "dump.jsonl"
    path.write_text(json.dumps({"title": "T " * MAX_TITLE_CHARS, "body": body}) + "\n"
                    + json.dumps({"title": "Small", "body": "Small body."}) + "\n")
    (giant, small), problems = split(list(read_file(path)))
    assert len(giant.body) <= MAX_ARTICLE_CHARS and body.startswith(giant.body)
    assert body[len(giant.body):].startswith("\n\n")  # cut between paragraphs
    assert len(giant.title) <= MAX_TITLE_CHARS + 1 and giant.title.endswith("…")
    assert small.body == "Small body."
    assert [(p.location, p.severity) for p in problems] == [("line 1", "warning"), ("line 1", "warning")]
    assert f"body cut from {len(body)} to {len(giant.body)} characters" in problems[1].reason
    assert "title cut from" in problems[0].reason


def test_giant_text_without_paragraphs_is_cut_at_a_word(tmp_path: Path) -> None:
    path = tmp_path / "one.txt"
    path.write_text("Headline\n\n" + "word " * (MAX_ARTICLE_CHARS // 4))
    (article,), (problem,) = split(list(read_file(path)))
    assert len(article.body) <= MAX_ARTICLE_CHARS and article.body.endswith("word")
    assert problem.severity == "warning" and "body cut from" in problem.reason


# ---- encodings -------------------------------------------------------------------------------------------


def test_invalid_utf8_is_decoded_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_bytes("Café talks\n\nThe café in São Paulo reopened on Monday.".encode("cp1252"))
    (article,), (problem,) = split(list(read_file(path)))
    assert article.title == "Café talks"  # nothing lost
    assert problem.severity == "warning" and problem.location == "line 1"
    assert problem.reason.startswith("not valid UTF-8 (byte 0xe9 at offset 3); decoded as cp1252")


def test_declared_encodings_are_not_reported(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes("<html><head><meta charset='windows-1252'><title>Café</title></head><body><p>"
                     "The café in São Paulo reopened on Monday, its owner said.</p></body></html>".encode("cp1252"))
    found, problems = split(list(read_file(page)))
    assert found and not problems
    sgm = tmp_path / "reut2-017.sgm"  # latin-1 by the collection's own definition
    sgm.write_bytes('<REUTERS NEWID="1"><DATE>26-FEB-1987 15:01:01.79</DATE><TEXT><TITLE>M\xfcnchen</TITLE>'
                    "<BODY>Body.</BODY></TEXT></REUTERS>".encode("latin-1"))
    found, problems = split(list(read_file(sgm)))
    assert found[0].title == "München" and not problems



def test_file_without_a_known_size_is_read_whole(tmp_path: Path) -> None:
    status = Path("/proc/self/status")  # a regular file whose size reads as 0
    if not status.exists():
        pytest.skip("no /proc on this system")
    (article,), _ = split(list(read_file(status, fmt="text")))
    assert article.title.startswith("Name:") and "VmRSS" in article.body
