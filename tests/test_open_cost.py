"""Opening an index is cheap and safe (issue 20): each segment's tables (facets, dates, field
lengths, article ids) are cached beside the index, a damaged or foreign cache is rebuilt, a
merge takes its retired segments' caches with it, concurrent searches and an index run do not
disturb one another, and the request's time budget starts once the index is open."""
from __future__ import annotations

import io
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import whoosh.reading

from newsearch.indexing import index_paths
from search import Engine
from search.backend import REQUEST_BUDGET_S
from search.backends.whoosh import search as engine_module
from search.backends.whoosh import stories
from search.backends.whoosh import tablecache
from search.backends.whoosh.mapped import MappedFile
from search.backends.whoosh.schema import FACET_FIELDS
from search.backends.whoosh.store import open_index
from tests.corpus import record, write_jsonl

PLACES = ["Chile", "Peru", "Brazil", "Canada"]
PEOPLE = ["Ana Perez", "Luis Soto", "Kim Jong Un"]
QUERIES = ["", "copper", "copper prices", "\"copper mine\"", "strike OR flood", "petroleom"]


@pytest.fixture(autouse=True)
def cache_small_segments(monkeypatch):
    """Test segments are tiny: cache them anyway (real ones are thousands of articles)."""
    monkeypatch.setattr(tablecache, "MIN_CACHED_DOCS", 1)


def articles(batch: int, count: int = 30) -> list[dict]:
    out = []
    for n in range(count):
        words = ["copper", "mine", "strike", "prices", "flood", "petroleum", "harvest"]
        text = " ".join(words[(n + k) % len(words)] for k in range(5 + n % 4)) + f". Report {batch}-{n}."
        out.append(record(f"b{batch}/{n}", f"Copper report {batch} {n}", text,
                          f"20{10 + batch}-{1 + n % 12:02d}-{1 + n % 27:02d}",
                          place=[PLACES[(n + batch) % len(PLACES)]], person=[PEOPLE[n % len(PEOPLE)]],
                          source=["Reuters", "AP"][n % 2]))
    return out


def build(root: Path) -> tuple[Path, list[dict]]:
    """Three commits (three segments), then a fourth that replaces an article of the first (a
    deletion in an older segment). Returns the index and the live articles."""
    data, ix = root / "data", root / "ix"
    live: dict[str, dict] = {}
    for batch in range(3):
        records = articles(batch)
        write_jsonl(data / f"batch-{batch}.jsonl", records)
        index_paths([data / f"batch-{batch}.jsonl"], ix, entities=False, show_progress=False)
        live.update((r["url"], r) for r in records)
    changed = dict(articles(0)[0], text="Copper flood in the valley.", place=["Canada"])
    write_jsonl(data / "batch-0.jsonl", [changed] + articles(0)[1:])
    index_paths([data / "batch-0.jsonl"], ix, entities=False, show_progress=False)
    live[changed["url"]] = changed
    return ix, list(live.values())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tablecache, "MIN_CACHED_DOCS", 1)
        return build(tmp_path_factory.mktemp("open"))


def answers(engine: Engine) -> list:
    out = []
    for q in QUERIES:
        result = engine.search(q, page_size=20).to_dict()
        result.pop("took_ms")
        out.append(result)
    out.append(engine.search("copper", place="chile", sort="newest").to_dict() | {"took_ms": 0})
    out.append(engine.search("copper", collapse=True).to_dict() | {"took_ms": 0})
    stats = engine.stats()
    stats.pop("size_bytes")  # the cache files are part of the folder
    out.append(stats)
    out.append([s.to_dict() for s in engine.stories()])
    return out


def cache_files(ix: Path) -> list[Path]:
    return sorted(ix.glob(f"*{tablecache.SUFFIX}"))


def test_facets_from_the_cache_count_the_live_articles(built):
    ix, live = built
    for path in cache_files(ix):
        path.unlink()
    first = Engine(ix).search("", page_size=1, facet_top=50)  # builds and writes the cache
    assert cache_files(ix), "no table cache was written"
    second = Engine(ix).search("", page_size=1, facet_top=50)  # reads it
    for results in (first, second):
        assert results.total == len(live)
        for field in ("place", "person", "source"):
            expected = Counter(v for r in live for v in (r[field] if isinstance(r[field], list) else [r[field]]))
            assert {f.value: f.count for f in getattr(results.facets, field)} == dict(expected), field
        assert sum(b.count for b in results.facets.dates.buckets) == len(live)


def test_answers_are_the_same_with_and_without_the_cache(built):
    ix, _ = built
    for path in cache_files(ix):
        path.unlink()
    without = answers(Engine(ix))
    assert cache_files(ix)
    assert answers(Engine(ix)) == without


def lexicon_walks(monkeypatch) -> list[str]:
    """The facet and id fields whose lexicon anything walks from now on (what made opening cost
    seconds before the table cache), recorded in the returned list."""
    walked: list[str] = []
    for cls in (whoosh.reading.SegmentReader, whoosh.reading.MultiReader):
        for name in ("lexicon", "iter_field"):
            original = getattr(cls, name)

            def spy(self, fieldname, *args, _original=original, **kwargs):
                if fieldname in FACET_FIELDS or fieldname == "id":
                    walked.append(fieldname)
                return _original(self, fieldname, *args, **kwargs)
            monkeypatch.setattr(cls, name, spy)
    return walked


def test_an_open_with_the_cache_walks_no_lexicon(built, monkeypatch):
    """What made opening cost seconds: every facet value's and article id's postings read at
    each open. With the cache, opening reads no facet or id lexicon at all."""
    ix, _ = built
    Engine(ix).search("copper", collapse=True)  # the cache is complete
    walked = lexicon_walks(monkeypatch)
    engine = Engine(ix)
    assert engine.search("copper", collapse=True).total > 0
    assert engine.stories()
    assert walked == []


def test_an_index_run_leaves_every_table_cached(tmp_path, monkeypatch):
    """The run pays for the tables, not the first search after it: once a run has committed,
    every segment's tables and ids are on disk before anything searches, and the first search
    walks no facet or id lexicon."""
    ix, _ = build(tmp_path)
    segments = {path.name.split(".")[0] for path in ix.glob("*.seg")}
    cached = {(path.name.split(".")[0], path.name.split(".")[1]) for path in cache_files(ix)}
    assert segments and {(segment, part) for segment in segments for part in ("tables", "ids")} <= cached
    walked = lexicon_walks(monkeypatch)
    assert Engine(ix).search("copper").total > 0
    assert walked == []


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "garbage", "other segment", "old version"])
def test_a_damaged_cache_is_ignored_and_rebuilt(built, damage):
    ix, _ = built
    for path in cache_files(ix):
        path.unlink()
    expected = answers(Engine(ix))
    files = cache_files(ix)
    tables = [p for p in files if ".tables." in p.name]
    assert len(tables) >= 2
    for path in files:
        data = path.read_bytes()
        if damage == "flip":
            broken = bytearray(data)
            broken[len(data) * 2 // 3] ^= 0x01
            data = bytes(broken)
        elif damage == "truncate":
            data = data[:len(data) // 2]
        elif damage == "empty":
            data = b""
        elif damage == "garbage":
            data = b"not a table cache" * 10
        elif damage == "old version":
            data = data[:8] + (tablecache.CACHE_VERSION + 1).to_bytes(4, "little") + data[12:]
        else:  # a well-formed file of another segment, renamed onto this one's name
            same_part = [p for p in files if p != path and p.name.split(".")[1] == path.name.split(".")[1]]
            data = same_part[0].read_bytes() if same_part else b""
        path.write_bytes(data)
    stories._tables.clear()  # story tables are kept per process: read the damaged files again
    assert answers(Engine(ix)) == expected
    for path in cache_files(ix):  # rewritten whole
        assert tablecache._load(path) is not None, path


def test_a_merge_takes_its_retired_segments_caches_with_it(tmp_path):
    data, ix = tmp_path / "data", tmp_path / "ix"
    engine = Engine(ix)
    for batch in range(12):  # Whoosh merges small segments as commits pile up
        write_jsonl(data / f"batch-{batch}.jsonl", articles(batch, 5))
        index_paths([data], ix, entities=False, show_progress=False)
        engine.search("", page_size=1)  # a loaded machine may build the new commit's tables in the background
        engine.backend.wait_for_tables(30)
        assert engine.search("", page_size=1).total == 5 * (batch + 1)
    segments = {s.segment_id() for s in open_index(ix)._segments()}
    cached = {p.name.split(".")[0] for p in cache_files(ix)}
    assert cached and cached <= segments
    assert not list(ix.glob(".*.tmp"))


def test_concurrent_searches_while_an_index_run_commits(tmp_path):
    data, ix = tmp_path / "data", tmp_path / "ix"
    write_jsonl(data / "batch-0.jsonl", articles(0, 20))
    index_paths([data], ix, entities=False, show_progress=False)
    engines = [Engine(ix), Engine(ix)]  # two engines: two builders of the same cache files
    seen, errors, stop = [], [], threading.Event()

    def search(engine: Engine) -> None:
        while not stop.is_set():
            try:
                results = engine.search("copper", page_size=5)
                seen.append((results.total, sum(f.count for f in results.facets.source)))
            except Exception as exc:  # pragma: no cover - the failure is reported below
                errors.append(repr(exc))

    threads = [threading.Thread(target=search, args=(e,)) for e in engines for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        for batch in range(1, 6):
            write_jsonl(data / f"batch-{batch}.jsonl", articles(batch, 20))
            index_paths([data], ix, entities=False, show_progress=False)
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    assert not errors, errors[:3]
    assert seen and all(total % 20 == 0 and facets == total for total, facets in seen)
    final = Engine(ix).search("copper")
    assert final.total == 120
    assert not list(ix.glob(".*.tmp"))


# ---- the budget starts once the index is open -------------------------------------------------

def test_opening_does_not_count_against_the_budget(built, monkeypatch):
    """A slow open (a big index's first search, or a loaded machine) used to spend the whole
    budget: the answer came back partial, with opening lines instead of highlighted snippets and
    no did-you-mean."""
    ix, _ = built
    real_tables = engine_module.IndexTables

    def slow_tables(reader):
        time.sleep(REQUEST_BUDGET_S + 0.2)
        return real_tables(reader)

    monkeypatch.setattr(engine_module, "IndexTables", slow_tables)
    results = Engine(ix).search("copper prices")
    assert not results.partial
    assert all("<mark>" in hit.snippet for hit in results.hits)
    misspelt = Engine(ix).search("petroleom")
    assert not misspelt.partial and misspelt.suggestion == "petroleum"


def test_loading_the_spelling_vocabulary_does_not_count_against_the_budget(built, monkeypatch):
    ix, _ = built
    real_load = engine_module.load_vocabulary

    def slow_load(index_dir):
        time.sleep(REQUEST_BUDGET_S + 0.2)
        return real_load(index_dir)

    monkeypatch.setattr(engine_module, "load_vocabulary", slow_load)
    results = Engine(ix).search("petroleom")
    assert results.suggestion == "petroleum" and not results.partial


# ---- segments are read from the memory map, not copied ----------------------------------------

def test_mapped_file_reads_like_a_bytes_file():
    data = b"first line\nsecond line\n" + bytes(range(256)) * 4
    mapped, reference = MappedFile(memoryview(data)), io.BytesIO(data)
    for step in [("read", 5), ("readline",), ("tell",), ("seek", 7), ("read", 3), ("seek", -4, 2), ("read", -1),
                 ("seek", 3, 0), ("seek", 5, 1), ("readline",), ("read", 10_000), ("read", 1), ("tell",)]:
        assert getattr(mapped, step[0])(*step[1:]) == getattr(reference, step[0])(*step[1:]), step
    mapped.seek(10)
    reference.seek(10)
    into, expected = bytearray(6), bytearray(6)
    assert mapped.readinto(into) == reference.readinto(expected) and into == expected


def test_opening_an_index_does_not_copy_its_segments(built):
    ix, _ = built
    reader = open_index(ix).reader()
    leaves = [leaf for leaf, _ in reader.leaf_readers()] if hasattr(reader, "leaf_readers") else [reader]
    postings = [leaf._terms._postfile for leaf in leaves]
    assert postings and all(isinstance(f.file, MappedFile) for f in postings if hasattr(f, "_buf"))
