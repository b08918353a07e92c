"""Upkeep of the researcher's store in the cluster (issue 22), where no write spans two documents:
an import that is all or nothing, and the sweep of chunks of ids no saved search names.

An import (cluster_backup.import_rows) keeps a journal in `<alias>-memory-meta`: a document
`import:<id>` (kind "import", state running / rolling back / committed, `touched` every HEARTBEAT
seconds) and, before it overwrites a saved search or collection (`replace`), an undo record of
what was there. Everything it writes carries `import_run: <id>`. Failing half-way, it rolls back
(`roll_back`: undo records put back, then every document marked with its id deleted); if the
process died, or the cluster failed the rollback too, the next store object's first use
(`recover`) rolls back a journal untouched for STALE seconds, and finishes a committed one
(the replaced saved searches' chunks deleted). An importer that a recovery declared dead learns
it at its next heartbeat or at its commit (compare-and-set on the journal) and fails.

The sweep: a save killed between its chunks and its saved search, or a replaced run whose
deletion failed, leaves chunks no saved search names. `sweep` deletes those written more than
GRACE seconds ago (each chunk carries `written`; one from before that field gets it the first
time it is found orphaned, and goes GRACE later), so a save under way in another process is never
touched. It runs after a save or a delete, at most once per SWEEP_EVERY across the deployment (a
meta document holds the last time), and not while an import's journal exists: an import's undo
records name runs that no saved search names for a while.
"""
from __future__ import annotations

import hashlib
import time
import uuid
from typing import TYPE_CHECKING, Any

from opensearchpy.exceptions import ConflictError

from search.memory.store import StoreError

if TYPE_CHECKING:
    from search.memory.cluster import ClusterStore

GRACE = 3600          # an orphaned chunk younger than this may be a save under way: kept
SWEEP_EVERY = 600     # seconds between sweeps across the deployment
SWEEP_RUNS = 500      # orphaned runs deleted per sweep at most (the rest go next time)
HEARTBEAT = 30        # seconds between an import's touches of its journal
STALE = 300           # an import whose journal was not touched for this long has died
MARKED = ("saved", "saved-ids", "tags", "rules", "collections")   # parts an import writes


class Journal:
    """One import's journal (see the module docstring)."""

    def __init__(self, store: ClusterStore) -> None:
        self.store, self.id = store, uuid.uuid4().hex
        self.doc = f"import:{self.id}"
        self.version: dict[str, int] = {}
        self.touched = 0.0

    def begin(self) -> None:
        self._write("running", create=True)

    def touch(self, *, now: bool = False) -> None:
        """Say the import is alive (every HEARTBEAT seconds, or `now`); StoreError when a
        recovery declared it dead meanwhile."""
        if now or time.time() - self.touched >= HEARTBEAT:
            self._write("running")

    def commit(self) -> None:
        self._write("committed")

    def keep(self, part: str, doc_id: str, source: dict[str, Any]) -> None:
        """Record what `doc_id` held before the import overwrites it (one record per document)."""
        key = _undo_id(self.id, part, doc_id)
        self.store._put("meta", key, {"kind": "undo", "key": key, "import": self.id, "part": part, "doc": doc_id,
                                      "source": source})

    def _write(self, state: str, create: bool = False) -> None:
        self.touched = time.time()
        body = {"kind": "import", "import": self.id, "state": state, "touched": int(self.touched)}
        params: dict[str, Any] = {"refresh": "true"}
        params.update({"op_type": "create"} if create else {"if_seq_no": self.version["seq"],
                                                            "if_primary_term": self.version["term"]})
        try:
            answer = self.store.client.index(index=self.store._index("meta"), id=self.doc, body=body, params=params)
        except ConflictError:
            raise StoreError("the import was declared dead by another process (no sign of life for "
                             f"{STALE} s) and rolled back: run it again") from None
        self.version = {"seq": answer["_seq_no"], "term": answer["_primary_term"]}


def _undo_id(import_id: str, part: str, doc_id: str) -> str:
    return f"import:{import_id}:undo:" + hashlib.sha256(f"{part}\x1f{doc_id}".encode()).hexdigest()


def _undo_records(store: ClusterStore, import_id: str) -> list[dict[str, Any]]:
    query = {"bool": {"filter": [{"term": {"kind": "undo"}}, {"term": {"import": import_id}}]}}
    return list(store._scan("meta", query, [{"key": "asc"}]))


def _refresh(store: ClusterStore, parts: tuple[str, ...]) -> None:
    store.client.indices.refresh(index=",".join(store._index(part) for part in parts))


def _stamp(store: ClusterStore, query: dict, now: int) -> None:
    """Set `written` to `now` on the chunks matching `query`."""
    store.client.update_by_query(index=store._index("saved-ids"), body={
        "query": query, "script": {"source": "ctx._source.written = params.now", "params": {"now": now}}},
        params={"refresh": "true", "conflicts": "proceed"})


def roll_back(store: ClusterStore, import_id: str) -> None:
    """Leave the store as it was before import `import_id` (idempotent: a rollback cut short is
    run again whole). A document overwritten by the import is put back unless someone changed it
    since; the runs put back are stamped fresh first, so no sweep deletes them meanwhile."""
    for record in _undo_records(store, import_id):
        part, doc_id, source = record["part"], record["doc"], record["source"]
        current = store._get(part, doc_id)
        if current is None or current["_source"].get("import_run") == import_id:
            if part == "saved":
                _refresh(store, ("saved-ids",))
                _stamp(store, {"term": {"run": source["run"]}}, int(time.time()))
            store._put(part, doc_id, source)
    _refresh(store, MARKED)
    for part in MARKED:
        store._delete_where(part, {"term": {"import_run": import_id}})
    _forget(store, import_id)


def finish(store: ClusterStore, import_id: str) -> None:
    """After a commit: delete the chunks of the saved searches the import replaced, then the journal."""
    for record in _undo_records(store, import_id):
        if record["part"] == "saved":
            store.drop_run(record["source"]["run"], int(record["source"].get("frozen") or 0))
    _forget(store, import_id)


def _forget(store: ClusterStore, import_id: str) -> None:
    store._delete_where("meta", {"bool": {"filter": [{"term": {"kind": "undo"}}, {"term": {"import": import_id}}]}})
    store._delete("meta", f"import:{import_id}")


def _journals(store: ClusterStore) -> list[dict[str, Any]]:
    found = store.client.search(index=store._index("meta"), body={
        "query": {"term": {"kind": "import"}}, "size": 100, "seq_no_primary_term": True})["hits"]["hits"]
    return list(found)


def recover(store: ClusterStore) -> None:
    """Finish committed imports and roll back those that died (untouched for STALE seconds)."""
    for hit in _journals(store):
        journal, import_id = hit["_source"], hit["_source"]["import"]
        if journal.get("state") == "committed":
            finish(store, import_id)
        elif time.time() - float(journal.get("touched") or 0) >= STALE:
            try:  # a late heartbeat of the importer now fails: it is declared dead
                store.client.index(index=store._index("meta"), id=hit["_id"],
                                   body={**journal, "state": "rolling back"},
                                   params={"if_seq_no": hit["_seq_no"], "if_primary_term": hit["_primary_term"],
                                           "refresh": "true"})
            except ConflictError:
                continue  # alive after all, or another process is at it
            roll_back(store, import_id)


def maybe_sweep(store: ClusterStore) -> int:
    """Sweep when none was done in the last SWEEP_EVERY seconds (by any process)."""
    now = time.time()
    if now < store.next_sweep:
        return 0
    store.next_sweep = now + SWEEP_EVERY
    last = store._get("meta", "chunk-sweep")
    if last is not None and now - float(last["_source"].get("value") or 0) < SWEEP_EVERY:
        return 0
    store._put("meta", "chunk-sweep", {"value": str(now)})
    return sweep(store)


def sweep(store: ClusterStore) -> int:
    """Delete orphaned chunks older than GRACE, at most SWEEP_RUNS runs of them; chunks deleted.
    Skipped while an import's journal exists (looked at before and after the saved searches are
    read: an import under way may hold a replaced run only in its undo records), and where the
    store's older mappings could not be given the new fields."""
    recover(store)
    for part in ("saved", "saved-ids"):
        store._index(part)
    if store.unmapped & {"saved", "saved-ids", "meta"} or _journals(store):
        return 0   # new fields not mapped (this user may not: every chunk would look untimed), or an import
    now = int(time.time())
    live = {s.get("run") for s in store._scan("saved", {"match_all": {}}, [{"name": "asc"}], ["run"])}
    _refresh(store, ("saved-ids",))
    old = {"bool": {"should": [{"range": {"written": {"lt": now - GRACE}}},
                               {"bool": {"must_not": {"exists": {"field": "written"}}}}]}}
    orphans: list[str] = []
    composite: dict = {"size": 1000, "sources": [{"run": {"terms": {"field": "run"}}}]}
    while len(orphans) < SWEEP_RUNS:
        answer = store.client.search(index=store._index("saved-ids"), body={
            "size": 0, "query": old, "aggs": {"runs": {"composite": composite}}})["aggregations"]["runs"]
        orphans += [b["key"]["run"] for b in answer["buckets"] if b["key"]["run"] not in live]
        if len(answer["buckets"]) < composite["size"] or "after_key" not in answer:
            break
        composite["after"] = answer["after_key"]
    if not orphans or _journals(store):
        return 0
    deleted = 0
    for start in range(0, min(len(orphans), SWEEP_RUNS), 100):
        runs = {"terms": {"run": orphans[start:start + 100]}}
        deleted += store._delete_where("saved-ids", {"bool": {"filter": [
            runs, {"range": {"written": {"lt": now - GRACE}}}]}})
        _stamp(store, {"bool": {"filter": [runs], "must_not": [{"exists": {"field": "written"}}]}}, now)
    return deleted


__all__ = ["Journal", "roll_back", "finish", "recover", "sweep", "maybe_sweep", "GRACE", "STALE"]
