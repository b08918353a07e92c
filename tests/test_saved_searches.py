"""Saved searches (issue 22): frozen result sets that stay as saved, and say what changed since.

Real data: Reuters articles (reut2-000.sgm.gz, read by the product's reader) written as JSON Lines
records, so that a test can remove some of them from the file and re-index (the index run deletes
a changed file's articles that are gone) and add a second batch that matches the same query.

Every test runs on both backends (tests/conftest.py's `backend_indexes`): the Whoosh index's
research.sqlite and the OpenSearch cluster's store. `Archive` and `forget` serve the other memory
test modules too: an index built once per module, its store emptied after each test.
"""
from __future__ import annotations

import csv
import io
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from index.article import Article
from index.readers import read_file
from newsearch.indexing import index_paths
from search import Engine
from search.memory import saved
from search.memory import collections, tags
from search.memory.store import MAX_NAME, ResearchStore, StoreError, check_name, store_for
from search.request import SearchRequest

from tests.conftest import IndexMaker, shared_path


def _reuters_records(count: int, skip: int = 0) -> list[dict]:
    sgm = shared_path("reuters21578") / "reut2-000.sgm.gz"
    if not sgm.exists():
        pytest.skip(f"Reuters-21578 is not at {sgm.parent} (shared test data; see tests/conftest.py)")
    out = []
    for item in read_file(sgm):
        if isinstance(item, Article) and item.body:
            out.append({"title": item.title, "body": item.body,
                        "date": item.date.isoformat() if item.date else None, "source": "Reuters"})
    return out[skip: skip + count]


def _write(folder: Path, name: str, records: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("\n".join(json.dumps(r) for r in records) + "\n")


@dataclass
class Archive:
    """A test index of Reuters records on one backend, its engine and its researcher's store."""

    maker: IndexMaker
    name: str
    source: Path
    engine: Any = None
    store: Any = None
    records: list[dict] = field(default_factory=list)

    @classmethod
    def build(cls, maker: IndexMaker, name: str, files: dict[str, list[dict]]) -> "Archive":
        source = maker.root / f"{name}-source"
        for file_name, records in files.items():
            _write(source, file_name, records)
        maker.index(name, [source])
        return cls(maker, name, source, records=[r for records in files.values() for r in records]).open()

    def open(self) -> "Archive":
        self.engine = self.maker.engine(self.name)
        self.store = store_for(self.engine)
        return self

    def reindex(self) -> "Archive":
        """Run the indexer again over the source folder (changed files) and reopen."""
        self.close()
        self.maker.index(self.name, [self.source])
        return self.open()

    def close(self) -> None:
        self.store.close()
        self.engine.close()

    @property
    def where(self) -> tuple[str, ...]:
        """The command line's options naming this index."""
        location = self.maker.location(self.name)
        if self.maker.backend == "whoosh":
            return ("--index-dir", str(location["index_dir"]))
        return ("--backend", "opensearch", "--opensearch-url", location["url"], "--opensearch-index",
                location["index"])

    def other_store(self, name: str):
        """The store of another (empty) index on the same backend."""
        return store_for(self.maker.engine(name))


def forget(store) -> None:
    """Empty a store of saved searches, tags, rules and collections (between tests sharing it)."""
    for kept in saved.saved_searches(store):
        saved.delete(store, kept.name)
    for name in {t for t, _ in tags.tags(store)} | {r.tag for r in tags.rules(store)}:
        tags.delete_tag(store, name)
    for collection in collections.collections(store):
        collections.delete(store, collection.name)


@pytest.fixture(scope="module")
def base(backend_indexes):
    """300 Reuters articles indexed once per backend for this module."""
    archive = Archive.build(backend_indexes, "memsaved-base", {"first.jsonl": _reuters_records(300)})
    yield archive
    archive.close()


@pytest.fixture
def archive(base):
    """(engine, store, Archive): the module's index, its store emptied after the test."""
    yield base.engine, base.store, base
    forget(base.store)


@pytest.fixture
def fresh(backend_indexes, request):
    """An index of its own for a test that re-indexes (300 Reuters articles)."""
    archive = Archive.build(backend_indexes, "memsaved-" + re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())[:40],
                            {"first.jsonl": _reuters_records(300)})
    yield archive
    archive.close()


def test_a_saved_search_keeps_its_set_and_says_what_changed_after_reindexing(fresh):
    engine, store, source, records = fresh.engine, fresh.store, fresh.source, fresh.records
    request = SearchRequest.build("oil", sort="newest")
    before = engine.run(request.with_changes(page_size=100))
    assert before.total > 10
    kept = saved.save(engine, store, "Oil, 1987", request, author="ana")
    assert (kept.total, kept.frozen) == (before.total, before.total)
    assert kept.facets["source"] and kept.parameters == {"query": "oil", "sort": "newest"}
    ids = list(saved.frozen_ids(store, "Oil, 1987"))
    assert ids == [hit.id for hit in before.hits][: len(ids)] or len(ids) > 100
    assert ids[:100] == [hit.id for hit in before.hits]

    # Re-index: 5 of the saved articles leave the archive, and 300 more articles arrive.
    removed = set(ids[:5])
    removed_bodies = {record.body for record in engine.articles(ids[:5])}
    assert len(removed_bodies) == 5
    _write(source, "first.jsonl", [r for r in records if r["body"] not in removed_bodies])
    more = _reuters_records(300, skip=300)
    _write(source, "second.jsonl", more)
    engine, store = fresh.reindex().engine, fresh.store

    now = engine.run(request.with_changes(page_size=100))
    reopened = saved.reopen(engine, store, "Oil, 1987")
    # The frozen set is exactly what was saved, in its order.
    assert list(saved.frozen_ids(store, "Oil, 1987")) == ids
    assert saved.get(store, "Oil, 1987").total == before.total
    assert reopened.gone == 5
    new_now = [hit_id for hit_id in _all_ids(engine, request) if hit_id not in set(ids)]
    assert reopened.new_total == len(new_now) == now.total - (before.total - 5) > 0
    assert reopened.new_ids == new_now[: saved.NEW_LISTED]
    assert reopened.same_index
    summary = reopened.summary()
    assert f"{reopened.new_total:,} new articles match since" in summary
    assert "5 of the saved articles are no longer in the index" in summary

    # The export is the frozen set, gone articles included and marked.
    rows = list(csv.DictReader(io.StringIO("".join(saved.export_frozen(engine, store, "Oil, 1987", "csv")))))
    assert [row["id"] for row in rows] == ids
    assert {row["id"] for row in rows if row["missing"] == "yes"} == removed
    lines = [json.loads(line) for line in saved.export_frozen(engine, store, "Oil, 1987", "jsonl")]
    assert [line["id"] for line in lines] == ids and sum(line["missing"] for line in lines) == 5


def _all_ids(engine: Engine, request: SearchRequest) -> list[str]:
    out, page = [], 1
    while True:
        results = engine.run(request.with_changes(page=page, page_size=100, snippets=False, facets=False))
        out += [hit.id for hit in results.hits]
        if page * 100 >= results.total:
            return out
        page += 1


def test_every_filter_is_kept_and_runs_again(archive):
    engine, store, _ = archive
    request = SearchRequest.build("prices", date_from="1987-02-26", date_to="1987-03-31", sort="relevance",
                                  collapse=True, recency=30)
    kept = saved.save(engine, store, "prices", request, author="ana")
    again = saved.rebuild_request(kept.parameters)
    assert again == request
    assert engine.run(again).total == kept.total


def test_a_name_taken_is_refused_unless_replaced_and_two_tabs_never_overwrite(archive):
    engine, store, _ = archive
    saved.save(engine, store, "wheat", SearchRequest.build("wheat"), author="ana")
    with pytest.raises(StoreError, match="a saved search named 'wheat' exists"):
        saved.save(engine, store, "wheat", SearchRequest.build("corn"), author="ben")
    assert saved.get(store, "wheat").query == "wheat"
    saved.save(engine, store, "wheat", SearchRequest.build("corn"), author="ben", replace=True)
    assert saved.get(store, "wheat").query == "corn" and saved.get(store, "wheat").author == "ben"

    # Two tabs save the same new name at once: one wins, the other is told, nothing is mixed.
    outcomes: list[str] = []

    def tab(query: str) -> None:
        try:
            saved.save(engine, store, "race", SearchRequest.build(query), author=query)
            outcomes.append("saved")
        except StoreError as error:
            outcomes.append(str(error))
    threads = [threading.Thread(target=tab, args=(q,)) for q in ("oil", "gold")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o == "saved" for o in outcomes) == [False, True]
    winner = saved.get(store, "race")
    assert list(saved.frozen_ids(store, "race")) == _all_ids(engine, SearchRequest.build(winner.query))


def test_unknown_and_odd_names_get_clear_answers(archive):
    engine, store, _ = archive
    with pytest.raises(StoreError, match=r"no saved search named 'nothing' \(none saved yet\)"):
        saved.get(store, "nothing")
    name = "Öl & Gas / „Preise“ 1987 — 石油"
    saved.save(engine, store, name, SearchRequest.build("oil"), author="ana")
    assert saved.get(store, "  Öl & Gas /   „Preise“ 1987 — 石油 ").name == name
    with pytest.raises(StoreError, match="no saved search named 'nothing' \\(saved: "):
        saved.get(store, "nothing")
    for bad, message in (("", "is empty"), ("a\x00b", "control"), ("x" * (MAX_NAME + 1), "at most"),
                         (None, "must be text")):
        with pytest.raises(StoreError, match=message):
            check_name(bad)
    with pytest.raises(StoreError, match="no saved search named"):
        saved.delete(store, "nothing")
    saved.delete(store, name)
    assert saved.saved_searches(store) == []


def test_the_citation_names_the_query_filters_date_counts_and_index(archive):
    engine, store, _ = archive
    kept = saved.save(engine, store, "cocoa", SearchRequest.build("cocoa", place=["ghana"]), author="ana")
    line = kept.citation()
    assert "“cocoa”" in line and "place: ghana" in line and f"{kept.total:,} articles" in line
    assert kept.index_identity[:12] in line and f"{kept.saved_at:%Y-%m-%d}" in line
    assert kept.to_dict()["citation"] == line


def test_a_new_index_in_place_of_the_old_one_is_said_and_the_frozen_list_kept(archive, tmp_path):
    """SQLite's identity lives in the file (the cluster's is the index's uuid: a --rebuild is
    tests/test_memory_opensearch.py's)."""
    engine, store, base = archive
    if base.maker.backend != "whoosh":
        pytest.skip("the identity kept in research.sqlite")
    saved.save(engine, store, "oil", SearchRequest.build("oil"), author="ana")
    ids = list(saved.frozen_ids(store, "oil"))
    # The saved searches move (export/import of the store's rows: here the file itself) to an
    # index built from other articles: none of the frozen ids is there.
    other_source, other_index = tmp_path / "other", tmp_path / "other-index"
    _write(other_source, "x.jsonl", _reuters_records(50, skip=700))
    index_paths([other_source], other_index, entities=False, show_progress=False)
    other = Engine(other_index)
    moved = ResearchStore(store.path)
    with moved.transaction() as db:
        db.execute("UPDATE meta SET value = 'another-index' WHERE key = 'index_identity'")
    reopened = saved.reopen(other, moved, "oil")
    assert not reopened.same_index and reopened.gone == len(ids)
    assert "built again from scratch" in reopened.summary()
    assert list(saved.frozen_ids(moved, "oil")) == ids
    other.close()


class PagingEngine:
    """A stand-in engine that pages `total` made-up article ids ("article-00042" + `pad` x's), as
    a backend pages a big result set: for the memory's bounded-memory and kill tests."""

    class backend:  # noqa: N801  (the attribute the memory reads: engine.backend.capabilities)
        class capabilities:  # noqa: N801
            max_results = None

    def __init__(self, total: int, pad: int = 0) -> None:
        self.total, self.pad = total, pad

    def run(self, request):
        from search.results import Facets, Hit, SearchResults

        start = (request.page - 1) * request.page_size
        hits = [Hit(id=f"article-{i:05d}" + ("-" + "x" * self.pad if self.pad else ""), title="", url=None,
                    date=None, source=None, snippet="", entities={}, score=None)
                for i in range(start, min(start + request.page_size, self.total))]
        return SearchResults(query=request.query, total=self.total, page=request.page,
                             page_size=request.page_size, took_ms=0.0, hits=hits, facets=Facets())


def test_ten_thousand_ids_are_frozen_in_bounded_memory(tmp_path):
    """The ids are written as the backend pages them (never a whole result list): a fake engine
    pages 10,000 ids, and the saving's peak memory stays far below the list's size x 10."""
    import tracemalloc

    store = ResearchStore(tmp_path / "research.sqlite")
    saved.save(PagingEngine(10_000, pad=60), store, "warm-up", SearchRequest.build(""), author="ana")  # type: ignore[arg-type]
    tracemalloc.start()
    kept = saved.save(PagingEngine(10_000, pad=60), store, "everything", SearchRequest.build(""), author="ana")  # type: ignore[arg-type]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert kept.frozen == 10_000
    assert next(saved.frozen_ids(store, "everything", offset=9_999)) == "article-09999-" + "x" * 60
    # The ids alone take ~1.3 MB as a list; paging keeps the peak at a few hundred kilobytes.
    assert peak < 1_000_000, f"saving 10,000 ids peaked at {peak:,} bytes"
