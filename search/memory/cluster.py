"""The researcher's memory in the OpenSearch cluster (issue 22): one store per deployment, beside
the articles' alias, that every web server reaches; no file on any machine.

Seven small indices named from the alias (`<alias>-memory-saved`, `-saved-ids`, `-tags`,
`-rules`, `-collections`, `-accounts`, `-meta`), each made on its first use with explicit
keyword mappings. They are not the articles' versioned indices (`<alias>-v*`), so an index run, a
`--rebuild` and its clean-up of old versions never touch them.

How each promise of the SQLite store is kept without transactions:
- A change is visible to every server at once: writes ask for a refresh (`REFRESH`), and what
  is read by name (a saved search, a collection, an account, a token, a meta value, a chunk of
  frozen ids) is read with a real-time GET.
- A name taken is refused atomically across servers: a new saved search is created with
  op_type=create on the name's document id (the cluster lets exactly one creation win);
  replacing one is a compare-and-set on its sequence number, tried again on a conflict, so two
  servers replacing at once leave one complete saved search, never a mix.
- The frozen ids are written first, in chunks of `CHUNK` ids under a fresh run id, and the saved
  search's document naming that run is written last: a reader sees the old set or the new one,
  whole. The replaced run's chunks are deleted after. A crash between the two leaves unnamed
  chunks (no saved search points at them), never a partial set; they are swept later
  (cluster_upkeep.sweep: older than an hour, after a save or delete). Ids stream both ways, a chunk
  at a time (bounded memory), and are read by GET (by chunk number: offset and limit cost
  only the chunks they touch).
- A tag on an article is one document whose id is the hash of (tag, article), created with
  op_type=create: tagging twice keeps the first author and time, two servers tagging at once
  count each new tag once. Rule ids come from a counter document's version (atomic).
- The index identity of a saved search is the uuid of the concrete index behind the alias: a
  `--rebuild` (a new concrete index) or an index deleted and made again is said on reopening.
- An import (backup.py, cluster_backup.py) checks the whole file before writing, and is all or
  nothing: a journal, and a rollback on failure (or on the next store's first use if the
  process died; cluster_upkeep.py).
"""
from __future__ import annotations

import hashlib
import inspect
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from functools import wraps
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy.exceptions import AuthorizationException, ConflictError, RequestError, TransportError

from search.memory.cluster_upkeep import maybe_sweep, recover, sweep
from search.memory.store import BATCH, SAVED_COLUMNS, TABLES, MemoryStore, StoreError, taken_message
from search.results import IndexNotFoundError

CHUNK = 1000          # frozen ids per document (10,000 ids: 10 documents of ~70 KB)
SCAN = 1000           # hits per page when a list is read (search_after)
REFRESH = "true"      # writes are refreshed at once: the next read on any server sees them
PARTS = ("saved", "saved-ids", "tags", "rules", "collections", "accounts", "meta")


def _keyword() -> dict:
    return {"type": "keyword"}


# Explicit mappings: names and ids are keywords (exact, sortable); JSON kept as text and other
# values read only from _source are not mapped ("dynamic": false keeps them unindexed).
# `import_run` marks what an import wrote (rolled back by it: cluster_upkeep.py); `written` is a
# chunk's time (epoch seconds: the sweep's grace period; chunks written before it have none).
MAPPINGS: dict[str, dict[str, dict]] = {
    "saved": {"name": _keyword(), "saved_at": _keyword(), "author": _keyword(), "total": {"type": "long"},
              "frozen": {"type": "long"}, "index_identity": _keyword(), "index_generation": {"type": "long"},
              "version": _keyword(), "run": _keyword(), "import_run": _keyword()},
    "saved-ids": {"name": _keyword(), "run": _keyword(), "chunk": {"type": "integer"}, "written": {"type": "long"},
                  "import_run": _keyword()},
    "tags": {"tag": _keyword(), "article": _keyword(), "author": _keyword(), "tagged_at": _keyword(),
             "rule": {"type": "long"}, "import_run": _keyword()},
    "rules": {"id": {"type": "long"}, "tag": _keyword(), "reapply": {"type": "integer"}, "author": _keyword(),
              "created_at": _keyword(), "import_run": _keyword()},
    "collections": {"name": _keyword(), "author": _keyword(), "created_at": _keyword(), "sources": _keyword(),
                    "import_run": _keyword()},
    "accounts": {"kind": _keyword(), "name": _keyword(), "account": _keyword(), "created_at": _keyword()},
    "meta": {"kind": _keyword(), "key": _keyword(), "import": _keyword(), "state": _keyword(),
             "touched": {"type": "long"}},
}


def memory_index(alias: str, part: str) -> str:
    """The name of one of the store's indices: `<alias>-memory-<part>`."""
    return f"{alias}-memory-{part}"


def tag_id(tag: str, article: str) -> str:
    """A tag's document id: the hash of (tag, article)."""
    return hashlib.sha256(f"{tag}\x1f{article}".encode()).hexdigest()


def _now() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class ClusterStore:
    """The store in the cluster of `alias` (meets search.memory.store.MemoryStore). Thread-safe:
    the client is; the indices are made once per store object."""

    transactional = False

    def __init__(self, client: OpenSearch, alias: str) -> None:
        self.client, self.alias = client, alias
        self._ready: set[str] = set()
        self._lock = threading.RLock()
        self._recovered = False      # imports that died: finished or rolled back on first use
        self.next_sweep = 0.0        # this object's next look at whether a sweep is due
        self.unmapped: set[str] = set()   # parts whose new fields could not be mapped

    @classmethod
    def of_backend(cls, backend: Any) -> "ClusterStore":
        """The store beside an OpenSearch search side's alias, over its client."""
        return cls(backend.client, backend.config.index)

    def close(self) -> None:
        """Nothing to do: the client is the search side's, closed with it."""

    # ---- plumbing ---------------------------------------------------------------------------

    def _index(self, part: str) -> str:
        """The part's index, made on its first use (a web server that only signs sessions makes
        only `-memory-meta`). The store's first use also completes an import that died half-way
        (cluster_upkeep.recover), before anything is read."""
        name = memory_index(self.alias, part)
        if part not in self._ready or not self._recovered:
            with self._lock:
                if part not in self._ready:
                    self._make_index(name, part)
                    self._ready.add(part)
                if not self._recovered:
                    self._recovered = True
                    try:
                        recover(self)
                    except TransportError:
                        pass  # best effort: the call itself says whether the cluster answers
        return name

    def _make_index(self, name: str, part: str) -> None:
        if self.client.indices.exists(index=name):  # made by an older version: add new fields
            try:
                self.client.indices.put_mapping(index=name, body={"properties": MAPPINGS[part]})
            except AuthorizationException:
                self.unmapped.add(part)  # this user may not: the old mappings serve, but no sweep
            return
        body = {"settings": {"index": {"number_of_shards": 1, "auto_expand_replicas": "0-1"}},
                "mappings": {"dynamic": False, "properties": MAPPINGS[part]}}
        try:
            self.client.indices.create(index=name, body=body, params={"wait_for_active_shards": "1"})
        except RequestError as exc:  # another server made it first: fine
            if "resource_already_exists_exception" not in str(exc.error):
                raise

    def _get(self, part: str, doc_id: str) -> dict | None:
        found = self.client.get(index=self._index(part), id=doc_id, ignore=404)
        return found if found.get("found") else None

    def _create(self, part: str, doc_id: str, body: dict) -> bool:
        """Create a document unless one has that id (False: it exists)."""
        try:
            self.client.index(index=self._index(part), id=doc_id, body=body,
                              params={"op_type": "create", "refresh": REFRESH})
        except ConflictError:
            return False
        return True

    def _put(self, part: str, doc_id: str, body: dict) -> None:
        self.client.index(index=self._index(part), id=doc_id, body=body, params={"refresh": REFRESH})

    def _delete(self, part: str, doc_id: str) -> bool:
        found = self.client.delete(index=self._index(part), id=doc_id, ignore=404, params={"refresh": REFRESH})
        return found.get("result") == "deleted"

    def _delete_where(self, part: str, query: dict) -> int:
        answer = self.client.delete_by_query(index=self._index(part), body={"query": query},
                                             params={"refresh": "true", "conflicts": "proceed"})
        return int(answer.get("deleted", 0))

    def _count(self, part: str, query: dict) -> int:
        return int(self.client.count(index=self._index(part), body={"query": query})["count"])

    def _scan(self, part: str, query: dict, sort: list[dict], source: list[str] | None = None) -> Iterator[dict]:
        """Every matching document's _source in `sort` order (which must end on a unique field),
        SCAN at a time (search_after)."""
        body: dict = {"query": query, "sort": sort, "size": SCAN}
        if source is not None:
            body["_source"] = source
        while True:
            hits = self.client.search(index=self._index(part), body=body)["hits"]["hits"]
            for hit in hits:
                yield hit["_source"]
            if len(hits) < SCAN:
                return
            body["search_after"] = hits[-1]["sort"]

    def _bulk(self, actions: list[dict], refresh: bool = True) -> list[dict]:
        """Send bulk lines; each item's result (status, result)."""
        if not actions:
            return []
        answer = self.client.bulk(body=actions, params={"refresh": REFRESH if refresh else "false"})
        return [next(iter(item.values())) for item in answer["items"]]

    # ---- meta -------------------------------------------------------------------------------

    def meta_value(self, key: str, make: Callable[[], str]) -> str:
        """The value kept under `key`, made once: the first server to create it wins, the others
        read its value."""
        for _ in range(3):
            found = self._get("meta", key)
            if found is not None:
                return str(found["_source"]["value"])
            if self._create("meta", key, {"value": make()}):
                continue  # read back what won
        raise StoreError(f"cannot keep {key!r} in the cluster's store: it keeps vanishing")

    def index_identity(self) -> str:
        """The uuid of the concrete index behind the alias ("" when there is none yet)."""
        found = self.client.indices.get_settings(index=self.alias, name="index.uuid", ignore=404)
        uuids = sorted(info["settings"]["index"]["uuid"] for name, info in found.items()
                       if isinstance(info, dict) and "settings" in info)
        return ",".join(uuids)

    # ---- saved searches ---------------------------------------------------------------------

    def send_chunk(self, name: str, run: str, number: int, ids: list[str], import_run: str | None = None) -> None:
        """Write chunk `number` of a run (unrefreshed: chunks are read by id), with its time."""
        body: dict = {"name": name, "run": run, "chunk": number, "ids": ids, "written": int(time.time())}
        if import_run:
            body["import_run"] = import_run
        self.client.index(index=self._index("saved-ids"), id=f"{run}-{number}", body=body)

    def _write_ids(self, name: str, run: str, ids: Iterable[str]) -> int:
        chunk, count, number = list[str](), 0, 0
        for article_id in ids:
            chunk.append(article_id)
            count += 1
            if len(chunk) >= CHUNK:
                self.send_chunk(name, run, number, chunk)
                chunk, number = [], number + 1
        if chunk:
            self.send_chunk(name, run, number, chunk)
        return count

    def drop_run(self, run: str, frozen: int | None = None) -> None:
        """Delete a run's chunks of ids: by their ids when the count is known (real-time), else
        by a query after a refresh (the chunks are written unrefreshed: they are read by id)."""
        index = self._index("saved-ids")
        if frozen is not None:
            self._bulk([{"delete": {"_index": index, "_id": f"{run}-{n}"}} for n in range(-(-frozen // CHUNK))])
            return
        self.client.indices.refresh(index=index)
        self._delete_where("saved-ids", {"term": {"run": run}})

    def put_saved(self, row: dict[str, Any], ids: Iterable[str], *, replace: bool) -> int:
        name, run = row["name"], uuid.uuid4().hex
        index = self._index("saved")
        try:
            frozen = self._write_ids(name, run, ids)
            document = {**row, "frozen": frozen, "run": run}
            while True:
                found = self._get("saved", name)
                if found is not None and not replace:
                    raise StoreError(taken_message(name, found["_source"]["saved_at"], found["_source"]["author"]))
                try:
                    if found is None:
                        self.client.index(index=index, id=name, body=document,
                                          params={"op_type": "create", "refresh": REFRESH})
                    else:
                        self.client.index(index=index, id=name, body=document, params={
                            "if_seq_no": found["_seq_no"], "if_primary_term": found["_primary_term"],
                            "refresh": REFRESH})
                except ConflictError:
                    continue  # another server saved it meanwhile: look again
                break
        except BaseException:
            try:
                self.drop_run(run)
            except TransportError:
                pass  # left to the sweep
            raise
        if found is not None:
            try:
                self.drop_run(found["_source"]["run"], int(found["_source"]["frozen"]))
            except TransportError:
                pass  # saved all the same; the sweep deletes the replaced chunks later
        self._upkeep()
        return frozen

    def get_saved(self, name: str) -> dict[str, Any] | None:
        found = self._get("saved", name)
        return {c: found["_source"].get(c) for c in SAVED_COLUMNS} if found else None

    def list_saved(self) -> list[dict[str, Any]]:
        return [{c: s.get(c) for c in SAVED_COLUMNS} for s in self._scan(
            "saved", {"match_all": {}}, [{"saved_at": "desc"}, {"name": "asc"}])]

    def delete_saved(self, name: str) -> bool:
        found = self._get("saved", name)
        if found is None or not self._delete("saved", name):
            return False
        try:
            self.drop_run(found["_source"]["run"], int(found["_source"]["frozen"]))
        except TransportError:
            pass  # deleted all the same; the sweep deletes its chunks later
        self._upkeep()
        return True

    def saved_ids(self, name: str, offset: int = 0, limit: int | None = None) -> Iterator[str]:
        found = self._get("saved", name)
        if found is None:
            return
        run, frozen = found["_source"]["run"], int(found["_source"]["frozen"])
        end = frozen if limit is None else min(frozen, offset + max(0, limit))
        index = self._index("saved-ids")
        for number in range(max(0, offset) // CHUNK, (end + CHUNK - 1) // CHUNK):
            chunk = self.client.get(index=index, id=f"{run}-{number}", ignore=404)
            ids = chunk.get("_source", {}).get("ids", []) if chunk.get("found") else []
            first = number * CHUNK
            yield from ids[max(0, offset - first): max(0, end - first)]

    # ---- tags -------------------------------------------------------------------------------

    def add_tags(self, tag: str, ids: Iterable[str], author: str, rule: int | None = None) -> int:
        index, added, batch, now = self._index("tags"), 0, list[dict](), _now()
        for article_id in ids:
            batch += [{"create": {"_index": index, "_id": tag_id(tag, article_id)}},
                      {"tag": tag, "article": article_id, "author": author, "tagged_at": now, "rule": rule}]
            if len(batch) >= 2 * BATCH:
                added += sum(item.get("status") == 201 for item in self._bulk(batch))
                batch = []
        return added + sum(item.get("status") == 201 for item in self._bulk(batch))

    def add_rule(self, rule: dict[str, Any], ids: Iterable[str]) -> tuple[int, int]:
        counter = self.client.index(index=self._index("meta"), id="tag-rule-counter", body={"value": "rules"})
        rule_id = int(counter["_version"])
        self._put("rules", str(rule_id), {**rule, "id": rule_id, "reapply": int(rule["reapply"])})
        return rule_id, self.add_tags(rule["tag"], ids, rule["author"], rule_id)

    def remove_tags(self, tag: str, ids: Iterable[str]) -> int:
        index = self._index("tags")
        actions = [{"delete": {"_index": index, "_id": tag_id(tag, a)}} for a in ids]
        removed = 0
        for start in range(0, len(actions), BATCH):
            removed += sum(item.get("result") == "deleted" for item in self._bulk(actions[start:start + BATCH]))
        return removed

    def delete_tag(self, tag: str) -> int:
        removed = self._delete_where("tags", {"term": {"tag": tag}})
        self._delete_where("rules", {"term": {"tag": tag}})
        return removed

    def tag_known(self, tag: str) -> bool:
        query = {"term": {"tag": tag}}
        return self._count("tags", query) > 0 or self._count("rules", query) > 0

    def tag_counts(self) -> list[tuple[str, int]]:
        """Every tag and its count (a composite aggregation, paged: any number of tags)."""
        out: list[tuple[str, int]] = []
        composite: dict = {"size": SCAN, "sources": [{"tag": {"terms": {"field": "tag"}}}]}
        while True:
            answer = self.client.search(index=self._index("tags"), body={
                "size": 0, "aggs": {"tags": {"composite": composite}}})["aggregations"]["tags"]
            out += [(b["key"]["tag"], int(b["doc_count"])) for b in answer["buckets"]]
            if len(answer["buckets"]) < SCAN or "after_key" not in answer:
                return sorted(out, key=lambda item: (-item[1], item[0]))
            composite["after"] = answer["after_key"]

    def tagged(self, tag: str) -> Iterator[str]:
        for source in self._scan("tags", {"term": {"tag": tag}}, [{"tagged_at": "asc"}, {"article": "asc"}],
                                 ["article"]):
            yield source["article"]

    def tags_of(self, ids: list[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {a: [] for a in ids}
        for start in range(0, len(ids), 500):
            for source in self._scan("tags", {"terms": {"article": ids[start:start + 500]}},
                                     [{"tag": "asc"}, {"article": "asc"}], ["tag", "article"]):
                out[source["article"]].append(source["tag"])
        return out

    def rules(self, tag: str | None = None) -> list[dict[str, Any]]:
        query = {"term": {"tag": tag}} if tag else {"match_all": {}}
        return [{c: s.get(c) for c in TABLES["tag_rule"]} for s in self._scan("rules", query, [{"id": "asc"}])]

    # ---- collections ------------------------------------------------------------------------

    def put_collection(self, row: dict[str, Any], sources: list[str]) -> None:
        self._put("collections", row["name"], {**row, "sources": sorted(sources)})

    def get_collection(self, name: str) -> tuple[dict[str, Any], list[str]] | None:
        found = self._get("collections", name)
        if found is None:
            return None
        source = found["_source"]
        return {c: source.get(c) for c in TABLES["collection"]}, sorted(source.get("sources", []))

    def collection_names(self) -> list[str]:
        return [s["name"] for s in self._scan("collections", {"match_all": {}}, [{"name": "asc"}], ["name"])]

    def delete_collection(self, name: str) -> bool:
        return self._delete("collections", name)

    # ---- accounts and tokens ----------------------------------------------------------------

    def put_account(self, name: str, password: str, created_at: str, *, replace: bool) -> bool:
        body = {"kind": "account", "name": name, "password": password, "created_at": created_at}
        if replace:
            self._put("accounts", f"account:{name}", body)
            return True
        return self._create("accounts", f"account:{name}", body)

    def delete_account(self, name: str) -> bool:
        if not self._delete("accounts", f"account:{name}"):
            return False
        self.revoke_tokens(name)
        return True

    def account_names(self) -> list[str]:
        return [s["name"] for s in self._scan("accounts", {"term": {"kind": "account"}}, [{"name": "asc"}], ["name"])]

    def account_password(self, name: str) -> str | None:
        found = self._get("accounts", f"account:{name}")
        return str(found["_source"]["password"]) if found else None

    def put_token(self, digest: str, account: str, label: str, created_at: str) -> bool:
        if self._get("accounts", f"account:{account}") is None:
            return False
        self._put("accounts", f"token:{digest}", {"kind": "token", "account": account, "label": label,
                                                  "created_at": created_at})
        return True

    def token_account(self, digest: str) -> str | None:
        found = self._get("accounts", f"token:{digest}")
        return str(found["_source"]["account"]) if found else None

    def revoke_tokens(self, account: str) -> int:
        return self._delete_where("accounts", {"bool": {"filter": [{"term": {"kind": "token"}},
                                                                   {"term": {"account": account}}]}})

    # ---- backup and upkeep (cluster_backup.py, cluster_upkeep.py) ------------------------------

    def export_rows(self) -> Iterator[tuple[str, dict[str, Any]]]:
        from search.memory.cluster_backup import export_rows

        yield from export_rows(self)

    def import_rows(self, rows: Iterable[tuple[int, str, dict[str, Any]]], *, replace: bool) -> dict[str, int]:
        """Merge checked rows, all or nothing (cluster_backup.import_rows)."""
        from search.memory.cluster_backup import import_rows

        return import_rows(self, rows, replace=replace)

    def sweep(self) -> int:
        """Delete chunks of ids no saved search names, older than the grace period (now, not
        waiting for SWEEP_EVERY); chunks deleted."""
        return sweep(self)

    def _upkeep(self) -> None:
        """After a write: sweep orphaned chunks, at most once per SWEEP_EVERY across the
        deployment. Best effort: the write has succeeded whatever happens here."""
        try:
            maybe_sweep(self)
        except TransportError:
            pass


def _explained(method: Callable) -> Callable:
    """`method` with the cluster's failures (no node answers, permission denied, a refused
    request) said as the project's IndexNotFoundError, naming the store: the command line exits
    1 and the web answers 503 with the message, as for the articles' index."""
    def unavailable(store: ClusterStore, exc: TransportError) -> IndexNotFoundError:
        status = f"status {exc.status_code}: " if isinstance(exc.status_code, int) else ""
        return IndexNotFoundError(f"the researcher's store in the cluster ({store.alias}-memory-*) did not answer "
                                  f"or refused the request ({method.__name__}): {status}{exc.error}")
    if inspect.isgeneratorfunction(method):
        @wraps(method)
        def streamed(self: ClusterStore, *args: Any, **kwargs: Any) -> Iterator:
            try:
                yield from method(self, *args, **kwargs)
            except TransportError as exc:
                raise unavailable(self, exc) from None
        return streamed

    @wraps(method)
    def call(self: ClusterStore, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except TransportError as exc:
            raise unavailable(self, exc) from None
    return call


for _name in (n for n in vars(MemoryStore) if not n.startswith("_") and callable(getattr(MemoryStore, n))):
    setattr(ClusterStore, _name, _explained(getattr(ClusterStore, _name)))

__all__ = ["ClusterStore", "memory_index", "MAPPINGS", "PARTS", "CHUNK"]
