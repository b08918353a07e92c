"""A writer process that dies is never reported as success; hostile file names index safely.

Before: a file whose name is not valid UTF-8 killed a Whoosh writer process (lone surrogates
cannot be encoded), its share of the run vanished (alone, 0 documents; beside 300 good files,
201 of 301 kept) while the run said "added 301, failed 0" and exited 0, and every re-run of the
folder then crashed. A writer process killed mid-run was just as silent.
"""
from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from newsearch.indexing import RunFailedError, index_paths
from newsearch.cli import main
from search.backends.whoosh import writer as whoosh_writer
from search.backends.whoosh.store import open_index
from tests.corpus import generate_corpus

HOSTILE = b"bad\nname\xff\xfe.txt"  # not UTF-8, and a newline in it
GOOD_FILES = 300


def _text_file(folder: Path, name: bytes, n: int) -> None:
    with open(os.path.join(os.fsencode(folder), name), "w", encoding="utf-8") as handle:
        handle.write(f"Markets story number {n}\n\nShares in market number {n} rose today as traders "
                     f"bought stocks after the central bank held its rates.\n")


def _stored(index_dir: Path) -> list[dict]:
    with open_index(index_dir).searcher() as searcher:
        return list(searcher.all_stored_fields())


def _run(folder: Path, index_dir: Path):
    return index_paths([folder], index_dir, entities=False, show_progress=False, lock_timeout=5)


@pytest.mark.parametrize("good", [0, GOOD_FILES])
def test_hostile_file_name_is_indexed_under_a_safe_name_and_reruns_work(tmp_path, good):
    folder = tmp_path / "in"
    folder.mkdir()
    _text_file(folder, HOSTILE, 0)
    for n in range(1, good + 1):
        _text_file(folder, f"good{n:03d}.txt".encode(), n)
    ix = tmp_path / "ix"

    summary = _run(folder, ix)
    stored = _stored(ix)
    assert summary.added == len(stored) == good + 1 and summary.failed == 0
    hostile = [fields["path"] for fields in stored if "bad" in fields["path"]]
    assert hostile == [str(folder / "bad\\x0aname\\xff\\xfe.txt")]  # every byte kept, readable
    assert all(fields["path"].encode("utf-8") for fields in stored)
    assert [p.path for p in summary.problems] == hostile  # and the run says how it was named
    assert "not valid UTF-8" in str(summary.problems[0])
    assert summary.format().endswith(f"  warning: {hostile[0]}: {summary.problems[0].reason}")  # one line

    again = _run(folder, ix)  # crashed with a traceback every time before
    assert (again.added, again.unchanged, again.failed) == (0, good + 1, 0)
    assert len(_stored(ix)) == good + 1


def test_a_name_whose_safe_form_is_another_file_is_reported_and_skipped(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _text_file(folder, b"a\xff.txt", 1)
    _text_file(folder, b"a\\xff.txt", 2)  # a real file named with the escape itself
    summary = _run(folder, tmp_path / "ix")
    assert summary.added == 1 and summary.failed == 1
    assert "another file" in summary.problems[0].reason
    assert [fields["path"] for fields in _stored(tmp_path / "ix")] == [str(folder / "a\\xff.txt")]


def _kill_a_writer_process_after(monkeypatch, documents: int) -> list[int]:
    """Make the run SIGKILL one of its Whoosh writer processes once it has written `documents`."""
    killed: list[int] = []
    original = whoosh_writer.WhooshWriter.write

    def write(self, *args, **kwargs):
        original(self, *args, **kwargs)
        write.count += 1
        tasks = getattr(self.writer, "tasks", [])
        if write.count >= documents and tasks and not killed:
            killed.append(tasks[0].pid)
            os.kill(tasks[0].pid, signal.SIGKILL)

    write.count = 0
    monkeypatch.setattr(whoosh_writer.WhooshWriter, "write", write)
    return killed


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("writer-kill")
    return folder, generate_corpus(folder, 6, 300, seed=11)


@pytest.mark.parametrize("when", ["mid-run", "at the last document"])
def test_a_killed_writer_process_fails_the_run_and_the_next_run_completes(tmp_path, corpus, monkeypatch, when):
    folder, total = corpus
    ix = tmp_path / "ix"
    killed = _kill_a_writer_process_after(monkeypatch, 700 if when == "mid-run" else total)
    with pytest.raises(RunFailedError) as failure:
        _run(folder, ix)
    assert killed, "no writer process was killed"
    message = str(failure.value)
    assert "writer process" in message and "SIGKILL" in message and "run the same command again" in message
    monkeypatch.undo()

    summary = _run(folder, ix)
    ids = [fields["id"] for fields in _stored(ix)]
    assert len(ids) == len(set(ids)) == total
    assert summary.failed == 0


def test_the_command_exits_non_zero_and_says_what_was_lost(tmp_path, corpus, monkeypatch, capsys):
    folder, total = corpus
    ix = tmp_path / "ix"
    _kill_a_writer_process_after(monkeypatch, 700)
    assert main(["index", str(folder), "--index-dir", str(ix), "--no-entities"]) == 1
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith("newsearch: indexing stopped: a Whoosh writer process") and "Not indexed: " in error
    monkeypatch.undo()
    assert main(["index", str(folder), "--index-dir", str(ix), "--no-entities"]) == 0
    ids = [fields["id"] for fields in _stored(ix)]
    assert len(ids) == len(set(ids)) == total
