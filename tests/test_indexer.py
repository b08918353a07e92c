"""The indexer, end to end: real files, a real Whoosh index, real child processes.

Covers incremental runs, every kind of bad input next to good files, the single-writer rule,
searching while a run commits, crash safety under `kill -9`, and the whole Reuters collection.
"""
from __future__ import annotations

import glob
import gzip
import json
import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import shared_path
from tests.corpus import bump_mtime, generate_corpus, record, start_index_child, url, write_jsonl
from newsearch.indexing import index_paths, write_problems
from search.backends.whoosh.locking import IndexLockedError, RunLock
from search.backends.whoosh.store import open_index
from search import Engine

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


def run(paths, index_dir, **kwargs):
    kwargs.setdefault("entities", False)
    kwargs.setdefault("show_progress", False)
    return index_paths([Path(p) for p in (paths if isinstance(paths, list) else [paths])], index_dir, **kwargs)


def doc_ids(index_dir: Path) -> list[str]:
    """Every live document's id, read straight from the index."""
    ix = open_index(index_dir)
    with ix.searcher() as searcher:
        return [fields["id"] for fields in searcher.all_stored_fields()]


def doc_count(index_dir: Path) -> int:
    return Engine(index_dir).search("", page_size=1).total


# ---- incremental runs ----------------------------------------------------------------------------


def test_seeds_index_then_rerun_adds_nothing(tmp_path):
    ix = tmp_path / "ix"
    first = run(SEEDS, ix)
    assert (first.added, first.updated, first.failed, first.files_read) == (2, 0, 0, 2)
    assert doc_count(ix) == 2
    again = run(SEEDS, ix)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    assert (again.files_read, again.files_unchanged) == (0, 2)
    assert doc_count(ix) == 2


def test_touched_file_is_reread_but_unchanged(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    ix = tmp_path / "ix"
    run(seeds, ix)
    bump_mtime(sorted(seeds.iterdir())[0])
    summary = run(seeds, ix)
    assert (summary.files_read, summary.files_unchanged) == (1, 1)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 2)
    assert doc_count(ix) == 2


def test_changed_seed_replaces_its_old_version(tmp_path):
    # A seed article's id is its content hash: a changed text is a new document, and the old
    # version (same path, older file version) must be deleted, not left as a stale duplicate.
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    ix = tmp_path / "ix"
    run(seeds, ix)
    target = sorted(seeds.iterdir())[0]
    target.write_text(target.read_text("utf-8") + "\nZanzibarian postscript paragraph.\n", "utf-8")
    bump_mtime(target)
    summary = run(seeds, ix)
    assert summary.added + summary.updated == 1
    assert doc_count(ix) == 2
    assert Engine(ix).search("Zanzibarian").total == 1


def test_changed_record_is_updated_and_vanished_records_deleted(tmp_path):
    data = tmp_path / "data"
    feed = write_jsonl(data / "feed.jsonl", [
        record("a", "Alpha title", "Alpha body text about copper.", "2020-01-01"),
        record("b", "Bravo title", "Bravo body text about zinc.", "2020-01-02"),
        record("c", "Charlie title", "Charlie body text about tin.", "2020-01-03"),
    ])
    ix = tmp_path / "ix"
    assert run(data, ix).added == 3

    write_jsonl(feed, [
        record("a", "Alpha title", "Alpha body text about copper.", "2020-01-01"),
        record("b", "Bravo title", "Bravo body now about nickel.", "2020-01-02"),
        record("c", "Charlie title", "Charlie body text about tin.", "2020-01-03"),
    ])
    bump_mtime(feed)
    summary = run(data, ix)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 2)
    engine = Engine(ix)
    assert engine.search("nickel").total == 1 and engine.search("zinc").total == 0

    # Rewritten with fewer records: the vanished ones leave the index.
    write_jsonl(feed, [record("a", "Alpha title", "Alpha body text about copper.", "2020-01-01")])
    bump_mtime(feed, 20)
    summary = run(data, ix)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 1)
    assert sorted(doc_ids(ix)) == [url("a")]

    # A new file is added; the old one is not re-read.
    write_jsonl(data / "more.jsonl", [record("d", "Delta title", "Delta body about lead.", "2020-02-01")])
    summary = run(data, ix)
    assert (summary.added, summary.files_read, summary.files_unchanged) == (1, 1, 1)
    assert sorted(doc_ids(ix)) == [url("a"), url("d")]


def test_article_moved_to_a_new_file_replaces_the_indexed_one(tmp_path):
    """The id lookup against the run's starting state: a later run's new file can carry an id
    already indexed from another file (a re-saved page); it must replace, not duplicate, it."""
    data = tmp_path / "data"
    write_jsonl(data / "old.jsonl", [record("a", "Alpha title", "Alpha about copper.", "2020-01-01"),
                                     record("b", "Bravo title", "Bravo about zinc.", "2020-01-02")])
    ix = tmp_path / "ix"
    assert run(data, ix).added == 2
    write_jsonl(data / "new.jsonl", [record("b", "Bravo title", "Bravo now about nickel.", "2020-01-02")])
    summary = run(data, ix)
    assert (summary.added, summary.updated, summary.files_read) == (0, 1, 1)
    assert sorted(doc_ids(ix)) == [url("a"), url("b")]
    engine = Engine(ix)
    assert engine.search("nickel").total == 1 and engine.search("zinc").total == 0


def test_duplicate_ids_in_one_run_warn_and_keep_one(tmp_path):
    data = tmp_path / "data"
    write_jsonl(data / "one.jsonl", [record("same", "First copy", "The first copy of the story.")])
    write_jsonl(data / "two.jsonl", [record("same", "Second copy", "The second copy of the story."),
                                     record("other", "Other", "Another story entirely.")])
    summary = run(data, tmp_path / "ix")
    assert summary.warnings == 1 and summary.failed == 0
    [problem] = summary.problems
    assert "duplicate article id" in problem.reason and url("same") in problem.reason
    assert problem.path.endswith("two.jsonl") and problem.location == "line 1"
    ids = doc_ids(tmp_path / "ix")
    assert sorted(ids) == [url("other"), url("same")]
    assert Engine(tmp_path / "ix").search("first copy").total == 1


# ---- bad input next to good files ----------------------------------------------------------------


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    """A folder of good files and every kind of bad one, indexed once."""
    root = tmp_path_factory.mktemp("messy")
    data = root / "data"
    data.mkdir()
    shutil.copy(SEEDS / sorted(os.listdir(SEEDS))[0], data / "seed.txt")
    write_jsonl(data / "good.jsonl", [
        record("good1", "Good one", "A perfectly fine article about harbour dredging.", "2021-05-01"),
        record("good2", "Good two", "Another fine article about harbour cranes.", "2021-05-02"),
    ])
    (data / "empty.txt").write_bytes(b"")
    (data / "binary.json").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    whole = gzip.compress(b"".join(json.dumps(record(f"gz{i}", f"Gz {i}", "text " * 200)).encode() + b"\n"
                                   for i in range(50)))
    (data / "truncated.jsonl.gz").write_bytes(whole[: len(whole) // 2])
    (data / "cp1252.txt").write_bytes(
        "Caf\u00e9 owners protest\n\nThe caf\u00e9 owners of Mont\u00e9r\u00e9al said \u201cnon\u201d "
        "to the new na\u00efve tax \u2014 a r\u00e9sum\u00e9 of grievances followed.\n".encode("cp1252"))
    (data / "broken.jsonl").write_text(
        json.dumps(record("line1", "Line one", "First record is fine, about tugboats.")) + "\n"
        + '{"url": "https://example.test/line2", "title": "Broken", "text": "no closing brace"\n'
        + json.dumps(record("line3", "Line three", "Third record is fine, about ferries.")) + "\n",
        "utf-8")
    write_jsonl(data / "baddate.jsonl", [
        record("undated", "Undated lighthouse", "The lighthouse keeper retired.", "the day after tomorrow-ish"),
    ])
    (data / "notes.xyz").write_text("not an article format", "utf-8")
    problems_seen = []
    ix = root / "ix"
    summary = run(data, ix, on_problem=problems_seen.append)
    return {"data": data, "ix": ix, "summary": summary, "seen": problems_seen, "root": root}


def _problem(messy, name):
    found = [p for p in messy["summary"].problems if Path(p.path).name == name]
    assert found, f"no problem reported for {name}: {messy['summary'].problems}"
    return found


def test_good_files_are_all_indexed_next_to_bad_ones(messy):
    ids = set(doc_ids(messy["ix"]))
    assert {url("good1"), url("good2"), url("line1"), url("line3"), url("undated")} <= ids
    assert len(ids) == 7  # + the seed + the cp1252 article
    summary = messy["summary"]
    assert summary.added == 7
    assert summary.files_skipped == 1  # notes.xyz
    assert not [p for p in summary.problems if Path(p.path).name == "notes.xyz"]
    # Warnings: the unparseable date, and cp1252.txt decoded by a guess (its text is indexed).
    assert summary.failed == 4 and summary.warnings == 2
    assert messy["seen"] == summary.problems  # on_problem called once per problem, in order


def test_empty_binary_and_truncated_files_are_reported(messy):
    [empty] = _problem(messy, "empty.txt")
    assert empty.severity == "error" and "empty" in empty.reason
    [binary] = _problem(messy, "binary.json")
    assert binary.severity == "error" and "binary" in binary.reason
    [truncated] = _problem(messy, "truncated.jsonl.gz")
    assert truncated.severity == "error" and "gzip" in truncated.reason


def test_undecodable_bytes_fall_back_and_are_indexed(messy):
    [guess] = _problem(messy, "cp1252.txt")
    assert guess.severity == "warning" and "cp1252" in guess.reason
    engine = Engine(messy["ix"])
    results = engine.search("grievances")
    assert results.total == 1
    record_, _ = engine.article(results.hits[0].id)
    assert record_.title == "Caf\u00e9 owners protest"
    assert "\u201cnon\u201d" in record_.body and "\u2014 a r\u00e9sum\u00e9 of" in record_.body
    assert engine.search("cafe").total == 1  # accent folding on top of the right decoding


WESTERN_CP1252 = ("Na\u00efve caf\u00e9 d\u00e9j\u00e0 vu \u2014 \u201cquoted\u201d. The pi\u00f1ata and the "
                  "fa\u00e7ade were sold in S\u00e3o Paulo for 5\u20ac.")


def test_cp1252_text_is_decoded_exactly(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "western.txt").write_bytes(("Western story\n\n" + WESTERN_CP1252 + "\n").encode("cp1252"))
    assert run(data, tmp_path / "ix").added == 1
    [hit] = Engine(tmp_path / "ix").search("").hits
    record_, _ = Engine(tmp_path / "ix").article(hit.id)
    assert record_.body == WESTERN_CP1252


def test_malformed_json_line_names_its_line(messy):
    [broken] = _problem(messy, "broken.jsonl")
    assert broken.severity == "error" and broken.location == "line 2" and "JSON" in broken.reason
    assert "broken.jsonl:line 2" in str(broken)


def test_unparseable_date_is_a_warning_and_article_is_undated(messy):
    [warning] = _problem(messy, "baddate.jsonl")
    assert warning.severity == "warning" and warning.location == "line 1"
    assert "undated" in warning.reason
    engine = Engine(messy["ix"])
    results = engine.search("lighthouse")
    assert [h.id for h in results.hits] == [url("undated")]
    assert results.hits[0].date is None
    assert results.facets.dates.undated == 1 and results.facets.dates.buckets == []
    everything = engine.search("")
    # Undated: the lighthouse, the two date-less JSON lines, and the cp1252 .txt (no date line).
    assert everything.facets.dates.undated == 4
    assert sum(b.count for b in everything.facets.dates.buckets) == everything.total - 4


def test_write_problems_writes_json_lines(messy):
    out = messy["root"] / "problems.jsonl"
    write_problems(messy["summary"].problems, out)
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(lines) == len(messy["summary"].problems) == 6
    for line in lines:
        assert {"path", "location", "reason", "severity"} <= set(line)
        assert Path(line["path"]).is_absolute() and line["reason"]
    assert {"path": str(messy["data"] / "broken.jsonl"), "location": "line 2"}.items() <= \
        next(line for line in lines if line["path"].endswith("broken.jsonl")).items()


def test_missing_path_is_a_problem_not_an_exception(tmp_path):
    summary = run([SEEDS, tmp_path / "nope"], tmp_path / "ix")
    assert summary.added == 2 and summary.failed >= 1
    assert "no such file" in summary.problems[0].reason


def test_missing_path_is_reported_once(tmp_path):
    summary = run([SEEDS, tmp_path / "nope"], tmp_path / "ix")
    assert summary.failed == 1 and len(summary.problems) == 1


def test_run_of_only_undated_articles_after_dated_ones(tmp_path):
    ix = tmp_path / "ix"
    run(SEEDS, ix)
    data = tmp_path / "data"
    write_jsonl(data / "undated.jsonl", [record("u", "Undated note", "An article without any date.")])
    assert run(data, ix).added == 1
    results = Engine(ix).search("")
    assert results.total == 3 and results.facets.dates.undated == 1
    assert sum(b.count for b in results.facets.dates.buckets) == 2


# ---- one writer at a time ------------------------------------------------------------------------


def test_second_run_waits_for_the_lock_or_gives_up_clearly(tmp_path):
    ix = tmp_path / "ix"
    run(SEEDS, ix)
    data = tmp_path / "data"
    write_jsonl(data / "x.jsonl", [record("x", "Locked out", "Written after the lock is released.", "2022-03-04")])

    with RunLock(ix, timeout=1):
        started = time.monotonic()
        with pytest.raises(IndexLockedError) as info:
            run(data, ix, lock_timeout=1)
        assert 0.9 <= time.monotonic() - started < 5
    message = str(info.value)
    assert "another `newsearch index`" in message and str(ix) in message and "--lock-timeout" in message
    assert doc_count(ix) == 2  # nothing written by the refused run

    held = RunLock(ix, timeout=1).__enter__()
    releaser = threading.Timer(1.5, held.__exit__, args=(None, None, None))
    releaser.start()
    started = time.monotonic()
    summary = run(data, ix, lock_timeout=30)
    waited = time.monotonic() - started
    releaser.join()
    assert waited >= 1.4, "the run did not wait for the lock"
    assert summary.added == 1
    assert url("x") in doc_ids(ix) and doc_count(ix) == 3


def test_lock_held_by_a_real_index_process(tmp_path, corpus):
    ix = tmp_path / "ix"
    child = start_index_child(corpus["dir"], ix)
    try:
        assert child.stdout.readline().strip() == "START"
        # Mid-run by the run's own marker (its first commit), not by a delay: runs got faster.
        assert _wait_for(child, lambda line: line.startswith("COMMIT "), 60), "no commit seen"
        with pytest.raises(IndexLockedError):
            run(SEEDS, ix, lock_timeout=0.3)
        assert child.poll() is None, "the child finished too early for this test to mean anything"
        summary = run(SEEDS, ix, lock_timeout=120)  # waits for the child, then runs
        assert child.wait(timeout=5) == 0
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    assert summary.added == 2
    ids = doc_ids(ix)
    assert len(ids) == len(set(ids)) == corpus["total"] + 2


# ---- concurrency and crashes over a generated corpus ---------------------------------------------

PER_FILE = 300


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """30 files of 300 articles, committed every 2 files: a run of a few seconds with 15 commits."""
    folder = tmp_path_factory.mktemp("corpus")
    return {"dir": folder, "total": generate_corpus(folder, 30, PER_FILE, seed=11), "files": 30}


def test_search_keeps_working_while_indexing(tmp_path, corpus):
    ix = tmp_path / "ix"
    run(SEEDS, ix)  # an index to search from the start
    long_lived = Engine(ix)
    child = start_index_child(corpus["dir"], ix)
    totals, errors = [], []
    try:
        while child.poll() is None:
            try:
                results = long_lived.search("harvest OR summit", page_size=5)
                assert len(results.hits) == min(5, results.total)
                total = Engine(ix).search("", page_size=1).total  # as a fresh CLI process would
                assert (total - 2) % PER_FILE == 0, f"{total} documents is not a committed state"
                totals.append(total)
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(repr(exc))
            time.sleep(0.05)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    assert child.returncode == 0, child.stderr.read()
    assert not errors, errors[:3]
    assert totals == sorted(totals), "a search saw the committed count go down"
    assert len(set(totals)) >= 3, f"commits were not seen while the run was going on: {sorted(set(totals))}"
    assert Engine(ix).search("", page_size=1).total == corpus["total"] + 2


def _wait_for(child, predicate, timeout: float) -> str | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            return None
        if predicate(line.strip()):
            return line.strip()
    return None


def _check_committed_state(ix: Path, total: int) -> int:
    """The index opens, searches, and holds whole files only (commits are at file boundaries)."""
    # A fresh Engine per search, as separate CLI calls would make (a long-lived Engine over an
    # index with no segments yet has its own bug, see test_search.py).
    results = Engine(ix).search("", page_size=3)
    count = results.total
    assert len(results.hits) == min(3, count)
    assert count % PER_FILE == 0 and count <= total, f"{count} is not a committed state"
    ids = doc_ids(ix)
    assert len(ids) == len(set(ids)) == count
    files = {i.split("/")[-2] for i in ids}
    assert len(files) * PER_FILE == count, "a file is partly indexed"
    assert Engine(ix).search("harvest").total <= count
    return count


def test_kill_9_at_any_moment_leaves_a_committed_state(tmp_path, corpus):
    ix = tmp_path / "ix"
    total = corpus["total"]
    counts = []
    # Kills tied to the run's own commit markers, not to wall-clock delays, so that they land
    # mid-run however fast indexing gets: while writing the batch after a commit, in the middle
    # of a commit, and during the final commit. Each run resumes from the last committed state.
    moments = [("0.2 s after the commit at file 6 began", 6, 0.2),
               ("0.05 s into the commit at file 16", 16, 0.05),
               ("during the final commit", corpus["files"], 0.05)]

    def commit_at_or_after(files: int):
        return lambda line: line.startswith("COMMIT ") and int(line.split()[1]) >= files

    for label, files, delay in moments:
        child = start_index_child(corpus["dir"], ix)
        try:
            assert _wait_for(child, lambda line: line == "START", 30)
            assert _wait_for(child, commit_at_or_after(files), 120), f"no commit seen {label}"
            time.sleep(delay)
            assert child.poll() is None, f"the run finished before the kill {label}"
            os.killpg(child.pid, signal.SIGKILL)
        finally:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()
        assert child.returncode == -signal.SIGKILL
        if not (ix / "newsearch.json").exists() and not list(ix.glob("*.toc")):
            counts.append(0)
            continue
        counts.append(_check_committed_state(ix, total))
    print("committed counts after each kill:", counts)
    assert counts == sorted(counts)
    assert counts[-1] < total or counts[-1] == total  # the final commit may or may not have landed

    summary = run(corpus["dir"], ix)
    assert summary.failed == 0
    assert summary.added == total - counts[-1]
    assert summary.files_unchanged == counts[-1] // PER_FILE
    ids = doc_ids(ix)
    assert len(ids) == len(set(ids)) == total
    assert Engine(ix).search("", page_size=1).total == total
    assert Engine(ix).stats()["documents"] == total


# ---- Reuters-21578 -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reuters_index(tmp_path_factory):
    reuters_dir = shared_path("reuters21578")  # skips when the data set is absent
    files = sorted(glob.glob(str(reuters_dir / "reut2-*.sgm.gz")))
    assert len(files) == 22
    ix = tmp_path_factory.mktemp("reuters") / "ix"
    summary = run(files, ix)
    started = time.monotonic()
    again = run(files, ix)
    rerun_seconds = time.monotonic() - started
    return {"ix": ix, "summary": summary, "again": again, "rerun_seconds": rerun_seconds, "files": files}


def test_reuters_whole_collection(reuters_index):
    summary = reuters_index["summary"]
    assert summary.added == 21_577
    errors = [p for p in summary.problems if p.severity == "error"]
    assert len(errors) == 1 and errors[0].location == "NEWID 12793"
    assert "neither title nor body" in errors[0].reason
    assert doc_count(reuters_index["ix"]) == 21_577


def test_reuters_rerun_adds_nothing_and_is_fast(reuters_index):
    again = reuters_index["again"]
    assert (again.added, again.updated, again.unchanged, again.files_unchanged) == (0, 0, 21_577, 22)
    assert reuters_index["rerun_seconds"] * 10 <= reuters_index["summary"].elapsed


def test_reuters_spot_check_date_and_places(reuters_index):
    engine = Engine(reuters_index["ix"])
    record_, _ = engine.article("reuters-21578:1")
    assert record_.date.date().isoformat() == "1987-02-26"
    assert "El Salvador" in record_.entities["place"]
    assert record_.title == "BAHIA COCOA REVIEW"
    results = engine.search("cocoa", place="El Salvador")
    assert "reuters-21578:1" in [h.id for h in results.hits]
    assert all("El Salvador" in h.entities["place"] for h in results.hits)


def test_commits_skip_merging_until_the_segment_threshold(tmp_path, monkeypatch):
    """Whoosh merges in one slow process; we let segments pile up to MERGE_ABOVE_SEGMENTS first."""
    import search.backends.whoosh.writer as whoosh_writer
    from search.backends.whoosh.store import open_index

    ix = tmp_path / "ix"
    data = tmp_path / "data"
    data.mkdir()

    def run(n: int) -> int:
        write_jsonl(data / f"f{n}.jsonl", [record(f"{n}-{i}", f"title {n} {i}", "oil prices") for i in range(3)])
        index_paths([data], ix, entities=False, show_progress=False)
        return len(open_index(ix)._segments())

    counts = [run(n) for n in range(12)]
    assert counts == sorted(counts) and counts[-1] >= 12, counts      # never merged below 100
    monkeypatch.setattr(whoosh_writer, "MERGE_ABOVE_SEGMENTS", 5)
    assert run(12) < counts[-1]                                       # Whoosh's policy merges now
    assert Engine(ix).search("oil").total == 13 * 3
