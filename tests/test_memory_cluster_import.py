"""`import-state` into the cluster's store is all or nothing (issue 22): the cluster failing half-way
(injected: the client's writes raise after some calls, or at the commit) leaves the store listing
exactly what it listed before (saved searches and their ids, tags, rules, collections), also when
the rollback fails too and the next store opened completes it; the same import then runs whole.

Live cluster ($NEWSEARCH_TEST_OPENSEARCH_URL; skipped with the reason when none answers); ids
paged by a made-up engine (tests/test_saved_searches.PagingEngine), a rule, hand tags and
collections as the modules write them.
"""
from __future__ import annotations

import json
import uuid

import pytest
from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConnectionError as ClusterGone

from search.memory import backup, cluster_upkeep, collections, saved, tags
from search.memory.cluster import CHUNK, ClusterStore, memory_index
from search.memory.store import StoreError
from search.request import SearchRequest
from search.results import IndexNotFoundError

from tests.test_saved_searches import PagingEngine


@pytest.fixture
def stores(opensearch):
    """(a filled store's export, a store with its own memory, the client, its alias)."""
    client = OpenSearch(opensearch)
    prefix = f"nstest-import-{uuid.uuid4().hex[:10]}"
    source, target = ClusterStore(client, f"{prefix}-a"), ClusterStore(client, f"{prefix}-b")
    _save(source, "everything", 2 * CHUNK + 300)
    _save(source, "few", 6)
    source.add_rule({"tag": "grain", "parameters": json.dumps({"q": "wheat"}), "reapply": 1, "author": "ana",
                     "created_at": "2026-12-01T00:00:00+00:00"}, [f"article-{i:05d}" for i in range(40)])
    tags.tag_articles(source, "to read", [f"article-{i:05d}" for i in range(30, 45)], author="ben")
    collections.define(source, "wires", ["Wire A", "Wire B"], author="ana")
    collections.define(source, "agencies", ["AP"], author="ana")
    # The target's own memory: a saved search and a collection the import replaces, others it keeps.
    _save(target, "few", 3)
    _save(target, "mine", 1200)
    tags.tag_articles(target, "to read", [f"article-{i:05d}" for i in range(40, 50)], author="zoe")
    tags.tag_articles(target, "mine", ["article-09999"], author="zoe")
    collections.define(target, "wires", ["Wire C"], author="zoe")
    lines = list(backup.export_lines(source))
    yield lines, target, client, prefix
    client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True, expand_wildcards="all")
    client.close()


def _save(store, name: str, total: int) -> None:
    saved.save(PagingEngine(total), store, name, SearchRequest.build(""), author="ana", replace=True)  # type: ignore[arg-type]


def _listed(store) -> dict:
    """What the store lists: saved searches with their ids, tags (without rule ids, which an
    import renumbers), rules, collections with their sources."""
    return {"saved": {s["name"]: (s["saved_at"], s["frozen"], list(store.saved_ids(s["name"])))
                      for s in store.list_saved()},
            "tags": sorted((t, a) for t, _ in store.tag_counts() for a in store.tagged(t)),
            "rules": [(r["tag"], r["parameters"], r["reapply"]) for r in store.rules()],
            "collections": {n: store.get_collection(n)[1] for n in store.collection_names()}}


def _leftovers(store) -> dict:
    """Documents an import leaves behind besides what is listed: journals and undo records,
    chunks no saved search names, anything marked with an import's id that failed."""
    indices = ",".join(memory_index(store.alias, part) for part in ("saved-ids", "meta"))
    store.client.indices.refresh(index=indices)
    journals = store.client.count(index=memory_index(store.alias, "meta"),
                                  body={"query": {"terms": {"kind": ["import", "undo"]}}})["count"]
    chunks = store.client.count(index=memory_index(store.alias, "saved-ids"))["count"]
    named = sum(-(-int(s["frozen"]) // CHUNK) for s in store.list_saved())
    return {"journals": journals, "unnamed chunks": chunks - named}


class Failing:
    """The client's writes (index, bulk) raise as if the cluster went away: at call number
    `after` + 1 or at the import's commit, once or (`lasting`) from then on."""

    def __init__(self, store, monkeypatch, *, after: int | None = None, lasting: bool = False) -> None:
        self.calls, self.after, self.lasting, self.failed = 0, after, lasting, False
        for method in ("index", "bulk"):
            real = getattr(store.client, method)
            monkeypatch.setattr(store.client, method, self._wrap(real))

    def _wrap(self, real):
        def call(*args, **kwargs):
            self.calls += 1
            body = kwargs.get("body")
            due = (self.calls > self.after if self.after is not None
                   else isinstance(body, dict) and body.get("state") == "committed")
            if (due and not self.failed) or (self.failed and self.lasting):
                self.failed = True
                raise ClusterGone("N/A", "injected: the cluster went away", None)
            return real(*args, **kwargs)
        return call


def test_an_import_failing_after_some_writes_leaves_the_store_as_it_was_and_runs_again(stores, monkeypatch):
    lines, target, _, _ = stores
    before = _listed(target)
    failing = Failing(target, monkeypatch, after=4)   # the journal, two chunks of ids, the rule counter
    with pytest.raises(IndexNotFoundError, match="injected"):
        backup.import_lines(target, lines)
    assert failing.failed                             # failed half-way, then rolled back
    monkeypatch.undo()
    assert _listed(target) == before
    assert _leftovers(target) == {"journals": 0, "unnamed chunks": 0}

    added = backup.import_lines(target, lines)        # the same import again: everything
    assert (added["saved"], added["skipped"], added["tag_rule"], added["collection"]) == (1, 2, 1, 1)
    after = _listed(target)
    assert after["saved"]["everything"][2] == [f"article-{i:05d}" for i in range(2 * CHUNK + 300)]
    assert after["saved"]["few"] == before["saved"]["few"] and after["saved"]["mine"] == before["saved"]["mine"]
    assert set(after["tags"]) == set(before["tags"]) | {("grain", f"article-{i:05d}") for i in range(40)} | {
        ("to read", f"article-{i:05d}") for i in range(30, 45)}
    assert after["collections"] == {"wires": ["Wire C"], "agencies": ["AP"]}
    assert _leftovers(target) == {"journals": 0, "unnamed chunks": 0}


def test_an_import_failing_at_its_commit_puts_back_what_it_replaced(stores, monkeypatch):
    lines, target, _, _ = stores
    before = _listed(target)
    Failing(target, monkeypatch)                      # every row written, every replace done
    with pytest.raises(IndexNotFoundError, match="injected"):
        backup.import_lines(target, lines, replace=True)
    monkeypatch.undo()
    assert _listed(target) == before                  # "few" and "wires" put back, ids and all
    assert _leftovers(target) == {"journals": 0, "unnamed chunks": 0}

    added = backup.import_lines(target, lines, replace=True)
    assert (added["saved"], added["skipped"], added["collection"]) == (2, 0, 2)
    after = _listed(target)
    assert after["saved"]["few"][1:] == (6, [f"article-{i:05d}" for i in range(6)])
    assert after["saved"]["mine"] == before["saved"]["mine"]
    assert after["collections"] == {"wires": ["Wire A", "Wire B"], "agencies": ["AP"]}
    assert _leftovers(target) == {"journals": 0, "unnamed chunks": 0}   # the replaced chunks deleted


def test_an_import_whose_rollback_fails_too_is_rolled_back_by_the_next_store_opened(stores, monkeypatch):
    lines, target, client, prefix = stores
    before = _listed(target)
    Failing(target, monkeypatch, lasting=True)        # the cluster stays away: the rollback fails too
    with pytest.raises(IndexNotFoundError, match="injected"):
        backup.import_lines(target, lines, replace=True)
    monkeypatch.undo()
    assert _listed(target) != before                  # half-imported: "few" replaced, a journal kept
    assert _leftovers(target)["journals"] > 0

    fresh = ClusterStore(client, f"{prefix}-b")       # another process, within STALE: the import may be alive
    assert _listed(fresh) != before
    monkeypatch.setattr(cluster_upkeep, "STALE", 0)   # ... and after STALE seconds without a sign of life
    reopened = ClusterStore(client, f"{prefix}-b")
    assert _listed(reopened) == before
    assert _leftovers(reopened) == {"journals": 0, "unnamed chunks": 0}
    added = backup.import_lines(reopened, lines, replace=True)
    assert (added["saved"], added["skipped"], added["collection"]) == (2, 0, 2)


def test_an_import_declared_dead_by_another_process_stops_and_leaves_nothing(stores, monkeypatch, opensearch):
    """Another process finds the import silent for STALE seconds (here: at once) and rolls it
    back meanwhile; the importer's next sign of life fails and it cleans up what it wrote since."""
    lines, target, _, prefix = stores
    before = _listed(target)
    monkeypatch.setattr(cluster_upkeep, "HEARTBEAT", 0)   # a sign of life at every row
    monkeypatch.setattr(cluster_upkeep, "STALE", 0)
    other_client = OpenSearch(opensearch)
    real_index, calls = target.client.index, []

    def index(*args, **kwargs):
        calls.append(kwargs.get("index"))
        if len(calls) == 6:   # the importer is writing its chunks of ids
            cluster_upkeep.recover(ClusterStore(other_client, f"{prefix}-b"))
        return real_index(*args, **kwargs)

    monkeypatch.setattr(target.client, "index", index)
    with pytest.raises(StoreError, match="declared dead by another process"):
        backup.import_lines(target, lines, replace=True)
    monkeypatch.undo()
    other_client.close()
    assert _listed(target) == before
    assert _leftovers(target) == {"journals": 0, "unnamed chunks": 0}
    added = backup.import_lines(target, lines, replace=True)
    assert (added["saved"], added["skipped"], added["collection"]) == (2, 0, 2)
