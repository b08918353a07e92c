"""Entity recognition in worker processes (index/ner_pool.py, `--workers N`).

The same entities and entity-corpus statistics with 1 or N workers; the NER cache is shared
(cached texts are never sent to a worker, and a fully cached run starts none); a worker that dies
stops the run, and the next run completes; kill -9 of the run takes its workers with it.
"""
from __future__ import annotations

import ctypes
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index import ner_pool
from index.entities.recognizer import installed_model
from newsearch.indexing import RunFailedError, index_paths
from index.readers import ReadOptions, read_file
from index.readers.base import Problem
from search.backends.whoosh.locking import RunLock
from search.backends.whoosh.store import open_index
from tests.conftest import shared_path
from tests.corpus import REPO, record, write_jsonl

ARTICLES = 160   # real wire copy, a few seconds of NER
FILES = 8

pytestmark = pytest.mark.skipif(installed_model() is None, reason="no spaCy NER model installed: "
                                "the pool runs the rule-based fallback in-process")


@pytest.fixture(scope="module")
def news(tmp_path_factory) -> Path:
    """The first ARTICLES Reuters articles, as JSON Lines files (a run reads them in order)."""
    articles = [item for item in read_file(shared_path("reuters21578") / "reut2-000.sgm.gz", ReadOptions(), "reuters")
                if not isinstance(item, Problem) and item.body][:ARTICLES]
    folder = tmp_path_factory.mktemp("ner-news")
    per_file = len(articles) // FILES
    for f in range(FILES):
        write_jsonl(folder / f"part-{f}.jsonl",
                    [record(f"reuters/{f}/{n}", title=a.title, text=a.body,
                            date=a.date.date().isoformat() if a.date else None)
                     for n, a in enumerate(articles[f * per_file:(f + 1) * per_file])])
    return folder


def _run(paths, ix: Path, **kwargs):
    kwargs.setdefault("show_progress", False)
    return index_paths(paths if isinstance(paths, list) else [paths], ix, **kwargs)


def _entities(ix: Path) -> dict[str, tuple]:
    with open_index(ix).searcher() as searcher:
        return {fields["id"]: tuple(fields.get(kind) for kind in ("person", "org", "place"))
                for fields in searcher.all_stored_fields()}


def _corpus_rows(ix: Path) -> list[tuple]:
    """Every row of the entity-corpus statistics, table by table, in storage order."""
    with sqlite3.connect(ix / "entity-corpus.sqlite") as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return [(table, *row) for table in tables for row in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")]


def test_one_or_two_workers_give_the_same_entities_and_statistics(news, tmp_path):
    one = _run(news, tmp_path / "one", workers=1)
    two = _run(news, tmp_path / "two", workers=2)
    assert (one.ner_workers, two.ner_workers) == (0, 2)
    assert one.added == two.added == ARTICLES // FILES * FILES
    entities = _entities(tmp_path / "one")
    assert sum(1 for values in entities.values() if any(values)) > ARTICLES // 2  # NER really ran
    assert _entities(tmp_path / "two") == entities
    assert _corpus_rows(tmp_path / "two") == _corpus_rows(tmp_path / "one")


def _page_faults(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[7])  # minflt


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads page faults from /proc (Linux)")
def test_workers_reuse_the_memory_a_chunk_frees(news, tmp_path):
    """A worker keeps the memory one chunk's NER frees for the next: with glibc's defaults it
    faulted ~350 times per text (~9% of its CPU in the kernel), once its heap has grown, ~0."""
    texts = [a.body for a in read_file(shared_path("reuters21578") / "reut2-000.sgm.gz", ReadOptions(), "reuters")
             if not isinstance(a, Problem) and a.body][:4 * ner_pool.CHUNK_TEXTS]
    if not hasattr(ctypes.CDLL(None), "mallopt"):
        pytest.skip("not glibc: the allocator's settings are left alone")
    pool = ner_pool.NerPool(2)
    try:
        model = pool.load()
        assert isinstance(model, ner_pool.PoolModel) and model.pool is pool  # runs in the workers
        first = model.spans(texts)
        before = [_page_faults(worker.process.pid) for worker in pool._workers]
        assert model.spans(texts) == first
        after = [_page_faults(worker.process.pid) for worker in pool._workers]
    finally:
        pool.close()
    assert sum(after) - sum(before) < 50 * len(texts)


def test_workers_share_the_ner_cache(news, tmp_path, monkeypatch):
    first = _run(news, tmp_path / "ix", workers=2)
    assert first.ner_workers == 2
    # The same texts in new files: read again, recognised by nobody (no model load, no worker).
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in sorted(news.iterdir()):
        (copy / path.name).write_text(path.read_text().replace("example.test/", "example.test/copy/"))
    sent = []
    original = ner_pool.NerPool._dispatch
    monkeypatch.setattr(ner_pool.NerPool, "_dispatch", lambda self: (sent.append(len(self._todo)), original(self)))
    second = _run(copy, tmp_path / "ix", workers=2)
    assert second.added == first.added and second.ner_workers == 0 and second.ner_seconds == 0
    assert not any(sent)


def test_a_worker_that_dies_stops_the_run_and_the_next_run_completes(news, tmp_path, monkeypatch):
    ix = tmp_path / "ix"
    original = ner_pool.NerPool.prefetch
    killed = []

    def prefetch(self, articles):
        ticket = original(self, articles)
        if self._workers and not killed:
            killed.append(self._workers[0].process.pid)
            os.kill(killed[0], signal.SIGKILL)
        return ticket

    monkeypatch.setattr(ner_pool.NerPool, "prefetch", prefetch)
    with pytest.raises(RunFailedError) as failure:
        _run(news, ix, workers=2)
    assert killed and "entity recognition worker" in str(failure.value) and "SIGKILL" in str(failure.value)
    monkeypatch.undo()

    summary = _run(news, ix, workers=2)
    assert summary.failed == 0
    ids = list(_entities(ix))
    assert len(ids) == len(set(ids)) == ARTICLES // FILES * FILES
    assert _entities(ix) == _entities_of_fresh_run(news, tmp_path / "fresh")


def _entities_of_fresh_run(news: Path, ix: Path) -> dict[str, tuple]:
    _run(news, ix, workers=1)
    return _entities(ix)


def _descendants(pid: int) -> list[int]:
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat", "rb") as handle:
                        fields = handle.read().rsplit(b")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == parent and fields[0] != b"Z":
                    found.append(int(entry))
                    frontier.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def test_kill_9_of_the_run_takes_its_ner_workers_with_it(news, tmp_path):
    ix = tmp_path / "ix"
    child = subprocess.Popen([sys.executable, "-c", "import sys; from newsearch.cli import main; sys.exit(main())",
                              "index", str(news), "--index-dir", str(ix), "--workers", "2"],
                             cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and child.poll() is None:
            if len(_descendants(child.pid)) >= 3:
                break  # the story process and the two NER workers (then the Whoosh writers)
            time.sleep(0.05)
        assert child.poll() is None, "the run ended before it could be killed"
        family = _descendants(child.pid)
        assert len(family) >= 3, family
        os.kill(child.pid, signal.SIGKILL)  # the run alone, as `kill -9 PID` does
        child.wait(timeout=10)
        deadline = time.monotonic() + 5
        while any(map(_alive, family)) and time.monotonic() < deadline:
            time.sleep(0.05)
        survivors = [pid for pid in family if _alive(pid)]
        for pid in survivors:
            os.kill(pid, signal.SIGKILL)
        assert not survivors, f"processes {survivors} outlived the run"
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    with RunLock(ix, timeout=2):
        pass
    summary = _run(news, ix, workers=2)
    assert summary.failed == 0 and len(_entities(ix)) == ARTICLES // FILES * FILES


def test_workers_on_opensearch_with_parts(news, opensearch, tmp_path):
    """`--backend opensearch --part K/N` with workers: each part's entities as with one process."""
    from tests.conftest import IndexMaker

    maker = IndexMaker("opensearch", tmp_path, opensearch)
    try:
        for k in (1, 2):
            maker.index("pool", [news], entities=True, workers=2, part=(k, 2))
            maker.index("single", [news], entities=True, workers=1, part=(k, 2))
        found = {}
        for name in ("pool", "single"):
            engine = maker.engine(name)
            hits = []
            page = 1
            while True:
                results = engine.search("", page=page, page_size=50, sort="oldest")
                hits += results.hits
                if page * 50 >= results.total:
                    break
                page += 1
            found[name] = {hit.id: hit.entities for hit in hits}
        assert len(found["pool"]) == ARTICLES // FILES * FILES
        assert found["pool"] == found["single"]
    finally:
        maker.cleanup()
