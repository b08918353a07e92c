"""Rows out of and into the researcher's store in the cluster (issue 22; backup.py's
`export-state` / `import-state`), moved out of cluster.py.

An import is all or nothing without transactions: it runs under a journal
(cluster_upkeep.Journal), marks everything it writes with its id, records what it overwrites, and
on any failure rolls back (or, if the process died, the next store opened does). Saved searches
are written after their ids, collections with all their sources, both only at the end, so
nothing half-imported is ever read: tags and rules are visible while the import runs, and taken
away again if it fails.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from opensearchpy.exceptions import ConflictError, TransportError

from search.memory.cluster import CHUNK, ClusterStore, tag_id
from search.memory.cluster_upkeep import Journal, finish, roll_back
from search.memory.store import BATCH, SAVED_COLUMNS, TABLES


def export_rows(store: ClusterStore) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every row of every table (the SQLite store's order), streamed."""
    by_name = [{"name": "asc"}]
    for source in store._scan("saved", {"match_all": {}}, by_name):
        yield "saved", {c: source.get(c) for c in SAVED_COLUMNS}
    for source in store._scan("saved", {"match_all": {}}, by_name, ["name"]):
        for rank, article_id in enumerate(store.saved_ids(source["name"])):
            yield "saved_article", {"name": source["name"], "rank": rank, "id": article_id}
    for rule in store.rules():
        yield "tag_rule", rule
    for source in store._scan("tags", {"match_all": {}}, [{"tag": "asc"}, {"article": "asc"}]):
        yield "tag", {c: source.get(c) for c in TABLES["tag"]}
    for source in store._scan("collections", {"match_all": {}}, by_name):
        yield "collection", {c: source.get(c) for c in TABLES["collection"]}
    for source in store._scan("collections", {"match_all": {}}, by_name, ["name", "sources"]):
        for name in sorted(source.get("sources", [])):
            yield "collection_source", {"name": source["name"], "source": name}


def _place(store: ClusterStore, journal: Journal, part: str, doc_id: str, body: dict, replace: bool) -> bool:
    """Write an imported saved search or collection: created, or (`replace`) put over the one
    there after recording it for a rollback (compare-and-set: a change meanwhile is looked at
    again). False: the name exists and is kept."""
    while True:
        found = store._get(part, doc_id)
        if found is None:
            if store._create(part, doc_id, body):
                return True
            continue
        if not replace:
            return False
        journal.keep(part, doc_id, found["_source"])
        try:
            store.client.index(index=store._index(part), id=doc_id, body=body, params={
                "if_seq_no": found["_seq_no"], "if_primary_term": found["_primary_term"], "refresh": "true"})
        except ConflictError:
            continue
        return True


def import_rows(store: ClusterStore, rows: Iterable[tuple[int, str, dict[str, Any]]], *,
                replace: bool) -> dict[str, int]:
    """Merge checked rows (backup.py checked the whole file first), all or nothing: {table: rows
    added} plus "skipped". Any failure (the cluster going away included) rolls back what was
    written and is raised; the same import can then be run again."""
    journal = Journal(store)
    journal.begin()
    try:
        added = _write_rows(store, journal, rows, replace)
        journal.commit()
    except BaseException:
        try:
            roll_back(store, journal.id)
        except Exception:  # noqa: BLE001 (the cluster failed again: the next store opened rolls it back)
            pass
        raise
    try:
        finish(store, journal.id)
    except TransportError:
        pass  # imported; the next store opened deletes the replaced chunks and the journal
    return added


def _write_rows(store: ClusterStore, journal: Journal, rows: Iterable[tuple[int, str, dict[str, Any]]],
                replace: bool) -> dict[str, int]:
    mark = {"import_run": journal.id}
    added: dict[str, int] = {table: 0 for table in TABLES}
    added["skipped"] = 0
    rule_ids: dict[int, int] = {}
    saved: dict[str, dict[str, Any]] = {}        # name -> its row, written at the end
    chunks: dict[str, list[str]] = {}            # name -> ids not yet written
    written: dict[str, int] = {}                 # name -> chunks written
    counts: dict[str, int] = {}                  # name -> ids
    found_collections: dict[str, tuple[dict[str, Any], list[str]]] = {}
    tag_rows: list[dict[str, Any]] = []

    def send_chunk(name: str) -> None:
        journal.touch()
        number = written.get(name, 0)
        store.send_chunk(name, saved[name]["run"], number, chunks.pop(name), journal.id)
        written[name] = number + 1

    def send_tags() -> None:
        index = store._index("tags")
        actions: list[dict] = []
        for row in tag_rows:
            actions += [{"create": {"_index": index, "_id": tag_id(row["tag"], row["article"])}}, row]
        added["tag"] += sum(item.get("status") == 201 for item in store._bulk(actions))
        tag_rows.clear()

    for _number, table, row in rows:
        journal.touch()   # every HEARTBEAT seconds: alive (a long run of rules writes no chunk)
        name = str(row.get("name"))
        if table == "saved":
            if store._get("saved", name) is not None and not replace:
                added["skipped"] += 1
                continue
            saved[name] = {**row, "run": uuid.uuid4().hex, **mark}
            added["saved"] += 1
        elif table == "saved_article":
            if name not in saved:
                continue
            chunks.setdefault(name, []).append(str(row["id"]))
            counts[name] = counts.get(name, 0) + 1
            added["saved_article"] += 1
            if len(chunks[name]) >= CHUNK:
                send_chunk(name)
        elif table == "tag_rule":
            old = int(row.pop("id", None) or 0)
            rule_ids[old], _ = store.add_rule({**row, "reapply": int(row.get("reapply") or 0), **mark}, [])
            added["tag_rule"] += 1
        elif table == "tag":
            rule = row.get("rule")
            tag_rows.append({**row, "rule": rule_ids.get(int(rule)) if rule is not None else None, **mark})
            if len(tag_rows) >= BATCH:
                send_tags()
        elif table == "collection":
            if store._get("collections", name) is not None and not replace:
                added["skipped"] += 1
                continue
            found_collections[name] = (row, [])
            added["collection"] += 1
        elif table == "collection_source" and name in found_collections:
            found_collections[name][1].append(str(row["source"]))
            added["collection_source"] += 1
    send_tags()
    for name in list(chunks):
        send_chunk(name)
    journal.touch(now=True)   # still ours (not declared dead) before anything is put in view
    for name, row in saved.items():
        journal.touch()
        if not _place(store, journal, "saved", name, {**row, "frozen": counts.get(name, 0)}, replace):
            added["saved"], added["skipped"] = added["saved"] - 1, added["skipped"] + 1   # saved meanwhile
            added["saved_article"] -= counts.get(name, 0)
            store.drop_run(row["run"], counts.get(name, 0))
    for name, (row, sources) in found_collections.items():
        journal.touch()
        if not _place(store, journal, "collections", name, {**row, "sources": sorted(sources), **mark}, replace):
            added["collection"], added["skipped"] = added["collection"] - 1, added["skipped"] + 1
            added["collection_source"] -= len(sources)
    return added


__all__ = ["export_rows", "import_rows"]
