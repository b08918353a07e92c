"""Chunks of frozen ids that no saved search names (issue 22, cluster store): a save killed
between its chunks and its saved search, or a replace whose deletion of the old chunks failed,
leaves them; the sweep deletes them once older than the grace period, and never touches a save
under way (fresh chunks), a live saved search's chunks, nor anything while an import runs.

Live cluster ($NEWSEARCH_TEST_OPENSEARCH_URL; skipped with the reason when none answers); a
made-up engine pages the ids (tests/test_saved_searches.PagingEngine); orphans are planted as a
dead process would leave them.
"""
from __future__ import annotations

import time
import uuid

import pytest
from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConnectionError as ClusterGone

from search.memory import cluster_upkeep, saved
from search.memory.cluster import CHUNK, ClusterStore, memory_index
from search.request import SearchRequest

from tests.test_saved_searches import PagingEngine


@pytest.fixture
def store(opensearch):
    client = OpenSearch(opensearch)
    alias = f"nstest-sweep-{uuid.uuid4().hex[:10]}"
    yield ClusterStore(client, alias)
    client.indices.delete(index=f"{alias}-memory-*", ignore_unavailable=True, expand_wildcards="all")
    client.close()


def _save(store, name: str, total: int, replace: bool = False) -> None:
    saved.save(PagingEngine(total), store, name, SearchRequest.build(""), author="ana", replace=replace)  # type: ignore[arg-type]


def _plant(store, run: str, chunks: int, written: int | None) -> None:
    """Chunks of a run no saved search names, as a killed save leaves them (None: written
    before chunks had a time)."""
    for number in range(chunks):
        body: dict = {"name": "killed", "run": run, "chunk": number, "ids": [f"article-{number}"]}
        if written is not None:
            body["written"] = written
        store.client.index(index=memory_index(store.alias, "saved-ids"), id=f"{run}-{number}", body=body)


def _runs(store) -> dict[str, int]:
    """Chunks per run in the store."""
    index = memory_index(store.alias, "saved-ids")
    store.client.indices.refresh(index=index)
    answer = store.client.search(index=index, body={"size": 0, "aggs": {"runs": {"terms": {"field": "run",
                                                                                         "size": 100}}}})
    return {b["key"]: b["doc_count"] for b in answer["aggregations"]["runs"]["buckets"]}


def _live_runs(store) -> dict[str, int]:
    """Chunks per run of the saved searches."""
    out: dict[str, int] = {}
    for row in store.list_saved():
        found = store._get("saved", row["name"])["_source"]
        out[found["run"]] = -(-int(found["frozen"]) // CHUNK)
    return out


def _age_everything(store, seconds: int) -> None:
    """Make every chunk look written `seconds` ago (a store that has been there a while)."""
    index = memory_index(store.alias, "saved-ids")
    store.client.indices.refresh(index=index)
    store.client.update_by_query(index=index, body={"query": {"match_all": {}}, "script": {
        "source": "ctx._source.written = params.t", "params": {"t": int(time.time()) - seconds}}},
        params={"refresh": "true", "conflicts": "proceed"})


def test_orphaned_chunks_older_than_the_grace_period_are_swept_after_a_save(store):
    _save(store, "big", 2 * CHUNK + 500)
    _save(store, "small", 7)
    _save(store, "doomed", 10)
    _age_everything(store, cluster_upkeep.GRACE + 100)   # live chunks old too: kept all the same
    small_run = store._get("saved", "small")["_source"]["run"]
    store.client.update_by_query(index=memory_index(store.alias, "saved-ids"), body={   # as written before
        "query": {"term": {"run": small_run}}, "script": {"source": "ctx._source.remove('written')"}},
        params={"refresh": "true"})
    _plant(store, "killedlongago", 3, int(time.time()) - cluster_upkeep.GRACE - 10)
    _plant(store, "savingnow", 2, int(time.time()))       # a save under way in another process
    _plant(store, "olderformat", 2, None)                 # written before chunks had a time
    live = _live_runs(store)
    assert len(live) == 3 and set(live.items()) <= set(_runs(store).items())

    # A delete triggers the sweep (none was done in the last SWEEP_EVERY seconds).
    store._delete("meta", "chunk-sweep")
    store.next_sweep = 0.0
    saved.delete(store, "doomed")
    runs = _runs(store)
    live = _live_runs(store)
    assert "killedlongago" not in runs
    assert runs == {**live, "savingnow": 2, "olderformat": 2}
    assert list(saved.frozen_ids(store, "big")) == [f"article-{i:05d}" for i in range(2 * CHUNK + 500)]
    assert list(saved.frozen_ids(store, "small")) == [f"article-{i:05d}" for i in range(7)]   # untimed: read whole

    # The older chunks got their time when first found orphaned: gone a grace period later, not
    # in a sweep right away.
    assert store.sweep() == 0 and _runs(store) == runs
    _age_everything(store, cluster_upkeep.GRACE + 100)
    store.next_sweep = 0.0
    _save(store, "another", 3)                          # saving triggers it too, when due
    assert _runs(store) == {**runs, **_live_runs(store)}   # not due yet: swept a moment ago
    store._delete("meta", "chunk-sweep")
    store.next_sweep = 0.0
    _save(store, "one more", 4)
    assert _runs(store) == _live_runs(store) and len(_live_runs(store)) == 4
    assert list(saved.frozen_ids(store, "big")) == [f"article-{i:05d}" for i in range(2 * CHUNK + 500)]


def test_a_replace_whose_deletion_of_the_old_chunks_fails_is_saved_and_the_old_chunks_swept(store, monkeypatch):
    _save(store, "oil", 1500)
    old_run = store._get("saved", "oil")["_source"]["run"]
    real_bulk = store.client.bulk

    def failing_bulk(*args, **kwargs):
        raise ClusterGone("N/A", "injected: the cluster went away", None)

    monkeypatch.setattr(store.client, "bulk", failing_bulk)   # the old run is deleted by bulk
    _save(store, "oil", 20, replace=True)                      # saved all the same
    monkeypatch.setattr(store.client, "bulk", real_bulk)
    assert store.get_saved("oil")["frozen"] == 20
    assert _runs(store)[old_run] == 2                          # left behind
    _age_everything(store, cluster_upkeep.GRACE + 100)
    assert store.sweep() == 2
    assert _runs(store) == _live_runs(store)
    assert list(saved.frozen_ids(store, "oil")) == [f"article-{i:05d}" for i in range(20)]


def test_nothing_is_swept_while_an_import_keeps_a_journal(store):
    _save(store, "kept", 5)
    _plant(store, "killedlongago", 2, int(time.time()) - cluster_upkeep.GRACE - 10)
    journal = cluster_upkeep.Journal(store)
    journal.begin()          # an import under way (its undo records may name runs no saved search names)
    assert store.sweep() == 0 and "killedlongago" in _runs(store)
    cluster_upkeep.roll_back(store, journal.id)
    assert store.sweep() == 2 and _runs(store) == _live_runs(store)


def test_no_sweep_where_this_user_may_not_add_the_new_fields_to_older_mappings(store, monkeypatch):
    """A store made by an older version (no `written`, no journal fields in its mappings), used by
    someone without the right to change mappings: every chunk would look untimed, a save under way
    included, so nothing is swept; saving and reading work as before."""
    from opensearchpy.exceptions import AuthorizationException

    older = {"saved-ids": {"name": {"type": "keyword"}, "run": {"type": "keyword"}, "chunk": {"type": "integer"}},
             "meta": {}}
    for part, properties in older.items():
        store.client.indices.create(index=memory_index(store.alias, part), body={
            "mappings": {"dynamic": False, "properties": properties}})

    def refused(*args, **kwargs):
        raise AuthorizationException(403, "security_exception", {})

    monkeypatch.setattr(store.client.indices, "put_mapping", refused)
    _save(store, "kept", 5)
    _plant(store, "killedlongago", 2, int(time.time()) - cluster_upkeep.GRACE - 10)
    _plant(store, "savingnow", 1, int(time.time()))
    assert store.sweep() == 0 and {"saved-ids", "meta"} <= store.unmapped
    assert {"killedlongago", "savingnow"} <= set(_runs(store))
    assert list(saved.frozen_ids(store, "kept")) == [f"article-{i:05d}" for i in range(5)]
