"""The OpenSearch backend's indexing side: one run's writes, as bulk requests into the concrete
index behind the alias (meets `search.backend.IndexWriter`).

Guarantees, and how they are kept:
- Re-runs are idempotent: an article's `_id` is its article id (`mapping.doc_id`), so writing it
  again replaces it. Two runs on the same files (or N runs on overlapping parts) only repeat
  work; no lock is needed.
- "A file is done" means all its articles were accepted and its stale articles deleted: only
  then does `commit` write the file's marker to `<alias>-files` (per concrete index). The next
  run, on any machine, skips a file by its marker (`file_articles`). A crash after some of a
  file's bulk landed but before its marker leaves articles that a re-run writes again (same ids)
  and a file that is read again: nothing lost, nothing duplicated.
- Visibility at commit, as far as OpenSearch allows: the index has no periodic refresh
  (`mapping.REFRESH_INTERVAL`), so bulk batches sent before `commit` become searchable at its
  refresh (or at another writer's, or a shard recovery's: OpenSearch cannot hold them back).
  `cancel` drops what was not sent yet; what was sent stays, unmarked, and is rewritten by the
  next run.
- Faults: requests are retried on other nodes, then with backoff (client.py); a bulk item the
  cluster rejects for being busy (429/503) is sent again with backoff; any other rejected item
  is reported through `on_problem` with the article's path and location, and counted.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any

from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import TransportError

from index.article import Article
from index.readers.base import Problem
from search.backends.opensearch.backend import CAPABILITIES
from search.backends.opensearch.client import (BACKOFF_ATTEMPTS, backoff_delays, index_not_found,
                                               make_client, with_backoff)
from search.backends.opensearch.config import OpenSearchConfig
from search.backends.opensearch.schema import (DEFAULT_REPLICAS, DEFAULT_SHARDS, FILES_PROPERTIES, META_PROPERTIES,
                                                alias_indexes, article_to_source, check_version, doc_id,
                                                ensure_index, ensure_state_index, files_index, meta_index, new_index,
                                                index_date, one_index, swap_alias)
from search.results import IndexPermissionError

log = logging.getLogger("newsearch.index")

# A bulk request is sent when its buffer holds BATCH_DOCS articles or BATCH_BYTES of JSON,
# whichever comes first. Measured with all of Reuters-21578 (21,577 articles, 1.1 KB of JSON each
# on average) into the 3-node dev cluster (3 shards, 1 replica, 2 cores shared with the cluster):
# 250 docs 2,300 docs/s, 500 docs 2,600-2,800, 1,000 docs 3,000-3,250, 2,000 docs (10 MiB)
# 3,400. 1,000 takes most of the gain while a batch retried after a node died stays small; for
# long articles (web pages, 5-20 KB) the byte bound takes over, at 5 MiB (the usual advice: 5-15
# MB per bulk). A single article over BATCH_BYTES goes alone (http.max_content_length is 100 MB;
# an article is at most ~2 MB, MAX_ARTICLE_CHARS).
BATCH_DOCS = 1000
BATCH_BYTES = 5 * 1024 * 1024
# Item statuses sent again with backoff: the shard's queue was full (429), its primary was
# being moved or promoted after a node died (503, or 500 for a node that left mid-request);
# indexing by id is idempotent, so a repeat is harmless. Any other status (400: the document
# does not fit the mapping) would fail again, and is reported at once.
ITEM_RETRY_STATUS = (429, 500, 502, 503, 504)
MGET_CHUNK = 1000          # ids per stored-hash lookup (one round trip each)
DELETE_CHUNK = 1000        # files per stale-article delete_by_query (terms queries allow 65,536)
# Client timeouts for calls that do real work on the cluster (the config's timeout is for
# searches): a bulk that waits for a new primary after a node died, a delete_by_query over a
# large index, a refresh of every shard.
BULK_TIMEOUT_S = 120.0
DELETE_TIMEOUT_S = 600.0
REFRESH_TIMEOUT_S = 120.0
CACHE_ENV = "XDG_CACHE_HOME"
# An aliases file is kept in the cluster by content up to this size (ours is ~10 KB; a user's
# list of thousands of aliases is well under it), so searches on any machine can use it.
MAX_ALIASES_BYTES = 4 * 1024 * 1024


def cache_dir(config: OpenSearchConfig) -> Path:
    """This user's folder for the run's local caches (recognised entities) of this alias:
    `~/.cache/newsearch/opensearch/<alias>` (or under $XDG_CACHE_HOME)."""
    base = Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache")
    return base / "newsearch" / "opensearch" / re.sub(r"[^A-Za-z0-9._-]", "_", config.index)


def read_settings(client: OpenSearch, config: OpenSearchConfig) -> dict:
    """The settings index runs recorded for the index behind the alias (`aliases_file`,
    `recogniser`, `last_update`, ...); {} if none were. Raises `IndexNotFoundError` when the
    alias does not exist."""
    indexes = alias_indexes(client, config.index)
    if not indexes:
        raise index_not_found(config)
    index = one_index(config, indexes)
    found = with_backoff(lambda: client.get(index=meta_index(config.index), id=index, ignore=404),
                         f"read the settings of {config.index!r} at {config.url}")
    return dict(found.get("_source", {}).get("settings") or {}) if found.get("found") else {}


@dataclass
class _File:
    """One file version's articles in this commit."""

    path: str
    accepted: int = 0
    failed: bool = False   # an article was not indexed for a reason a re-run may not have


@dataclass
class _Item:
    """One buffered bulk action, and what a rejection must name."""

    data: bytes
    path: str
    location: str | None
    file_key: str
    article_id: str


class OpenSearchWriter:
    """One index run into `config.index`; `with OpenSearchWriter(config) as writer:`.

    `target_index` writes into that concrete index instead of the alias's (a re-index:
    `mapping.new_index`, fill it, then `mapping.swap_alias`). `part` (k, n) is recorded with
    the file markers. `on_problem` receives each rejected article (also kept in `problems`,
    counted in `rejected`); it may be set after construction.
    """

    # Story ids (index.stories) are kept in the documents' `story` field: written with the
    # article, and by partial updates when a later article changes its story.
    capabilities = CAPABILITIES

    def __init__(self, config: OpenSearchConfig, *, part: tuple[int, int] | None = None,
                 batch_docs: int = BATCH_DOCS, batch_bytes: int = BATCH_BYTES,
                 on_problem: Callable[[Problem], None] | None = None, target_index: str | None = None,
                 shards: int = DEFAULT_SHARDS, replicas: int = DEFAULT_REPLICAS,
                 client: OpenSearch | None = None, rebuild: bool = False) -> None:
        self.config = config
        self.rebuild = rebuild
        self._replaces: str | None = None  # a rebuild: the index the alias points at until the swap
        self.part = part
        self.batch_docs, self.batch_bytes = batch_docs, batch_bytes
        self.on_problem = on_problem
        self.shards, self.replicas = shards, replicas
        self.local_dir = cache_dir(config)
        self.client = client
        self._own_client = client is None
        self.index = target_index or ""
        self.started_empty = False
        self.rejected = 0
        self.rejected_ids: list[str] = []        # the articles of `rejected`, for the run's counts
        self.problems: list[Problem] = []
        self._done: dict[str, int] = {}          # file_key -> articles, for files marked done
        self._hashes: dict[str, str | None] = {}  # article id -> stored content hash (this commit)
        self._buffer: list[_Item] = []
        self._buffer_bytes = 0
        self._files: dict[str, _File] = {}       # file_key -> state, since the last commit
        self._stale: dict[str, str] = {}         # path -> the file_key whose articles stay
        self._sent = False                       # a bulk went out since the last commit
        self._updates: list[bytes] = []          # partial updates (update_fields) not sent yet
        self.missing_updates = 0                 # updates for articles the index does not hold

    # ---- the run ----------------------------------------------------------------------------------

    def __enter__(self) -> "OpenSearchWriter":
        try:
            self.local_dir.mkdir(parents=True, exist_ok=True)
        except PermissionError:
            raise IndexPermissionError(f"permission denied: cannot create the cache folder {self.local_dir}") from None
        if self.client is None:
            self.client = make_client(self.config)
        try:
            if self.rebuild:
                current = alias_indexes(self._cluster, self.config.index)
                self._replaces = one_index(self.config, current) if current else None
                self.index = new_index(self._cluster, self.config, shards=self.shards, replicas=self.replicas,
                                       alias=self._replaces is None)
            elif not self.index:
                self.index = ensure_index(self._cluster, self.config, shards=self.shards, replicas=self.replicas)
            check_version(self._cluster, self.config, self.index)
            ensure_state_index(self._cluster, meta_index(self.config.index), META_PROPERTIES)
            ensure_state_index(self._cluster, files_index(self.config.index), FILES_PROPERTIES)
            # A crashed run's unrefreshed bulk is counted (and its stale articles found) too.
            self._refresh()
            count = with_backoff(lambda: self._cluster.count(index=self.index), self._what("count the articles in"))
            # An article can only replace one indexed before the run: a run that starts on an
            # empty index skips the stored-hash lookups and stale deletes.
            self.started_empty = count["count"] == 0
            self._done = self._load_markers()
        except BaseException:
            self._close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()
        try:
            if exc[0] is None and self._replaces is not None:
                self._switch_to_rebuilt()
        finally:
            self._close()

    def _switch_to_rebuilt(self) -> None:
        """A finished rebuild: move the alias to the new index in one atomic call (searches see
        the old index or the new one, never neither), and delete the versions before the one
        just replaced (that one is kept until the next rebuild, for searches still on it)."""
        swap_alias(self._cluster, self.config.index, self._replaces, self.index)
        keep = {self.index, self._replaces}
        versions = with_backoff(lambda: self._cluster.indices.get(
            index=f"{self.config.index}-v*", params={"allow_no_indices": "true", "expand_wildcards": "all"}),
            self._what("list the versions of"))
        older = sorted(name for name in versions if name not in keep)
        for name in older:
            with_backoff(partial(self._cluster.indices.delete, index=name, ignore=404), self._what(f"delete {name!r} of"))
        if older:
            with_backoff(lambda: self._cluster.delete_by_query(
                index=files_index(self.config.index), body={"query": {"terms": {"index": older}}},
                params={"refresh": "true", "conflicts": "proceed"}), self._what("forget the files of old versions of"))

    def _close(self) -> None:
        if self._own_client and self.client is not None:
            self.client.close()
            self.client = None

    @property
    def _cluster(self) -> OpenSearch:
        """The client, while the run is open (between `__enter__` and `__exit__`)."""
        if self.client is None:
            raise RuntimeError("the OpenSearch writer is used outside its `with` block")
        return self.client

    def _what(self, doing: str) -> str:
        return f"{doing} {self.index!r} at {self.config.url}"

    def remember(self, **settings: str) -> None:
        """Keep `settings` in the cluster for the search side, which may run on another machine:
        an `aliases_file` is kept by path and, up to MAX_ALIASES_BYTES, by content
        (`aliases_tsv`), since the path may not exist where the searches run."""
        path = settings.get("aliases_file")
        if path:
            try:
                with open(path, "rb") as handle:
                    data = handle.read(MAX_ALIASES_BYTES + 1)
                if len(data) <= MAX_ALIASES_BYTES:
                    settings = {**settings, "aliases_tsv": data.decode("utf-8", "replace")}
                else:
                    log.warning("aliases file %s is over %d bytes: only its path is kept with the index",
                                path, MAX_ALIASES_BYTES)
            except OSError as exc:
                log.warning("cannot read the aliases file %s (%s): only its path is kept with the index", path, exc)
        self._record(settings)

    def _record(self, settings: dict) -> None:
        """Merge `settings` into this index's settings document (a partial update: concurrent
        writers' keys are kept; the same key is last-writer-wins)."""
        now = datetime.now(timezone.utc).isoformat()
        body = {"doc": {"index": self.index, "updated": now, "settings": settings}, "doc_as_upsert": True}
        meta = meta_index(self.config.index)
        with_backoff(lambda: self._cluster.update(index=meta, id=self.index, body=body,
                                                params={"retry_on_conflict": 5, "refresh": "true"}),
                     self._what("record the settings of"))

    # ---- what is indexed --------------------------------------------------------------------------

    def _marker_id(self, file_key: str) -> str:
        return hashlib.sha1(f"{self.index}\n{file_key}".encode("utf-8", "surrogatepass")).hexdigest()

    def _load_markers(self) -> dict[str, int]:
        """Every done file of this index (one scroll at the start: a lookup per file would be a
        round trip per file, ~1 ms each, an hour on a million single-article files)."""
        def scan() -> dict[str, int]:
            hits = helpers.scan(self._cluster, index=files_index(self.config.index), size=5000,
                                query={"query": {"term": {"index": self.index}},
                                       "_source": ["file_key", "articles"]})
            return {hit["_source"]["file_key"]: int(hit["_source"]["articles"]) for hit in hits}
        return with_backoff(scan, self._what("read which files are done in"))

    def file_articles(self, file_key: str) -> int:
        return self._done.get(file_key, 0)

    def stored_hash(self, article_id: str) -> str | None:
        if self.started_empty:
            return None
        if article_id not in self._hashes:
            self.stored_hashes([article_id])
        return self._hashes.get(article_id)

    def stored_hashes(self, article_ids: Iterable[str]) -> dict[str, str]:
        """The stored content hash of each of these ids that is indexed, in one round trip per
        MGET_CHUNK ids; later `stored_hash` calls for them are answered from memory."""
        ids = list(dict.fromkeys(article_ids))
        if not self.started_empty:
            missing = [aid for aid in ids if aid not in self._hashes]
            for start in range(0, len(missing), MGET_CHUNK):
                chunk = missing[start:start + MGET_CHUNK]
                by_doc = {doc_id(aid): aid for aid in chunk}
                found = with_backoff(partial(self._cluster.mget, index=self.index, body={"ids": list(by_doc)},
                                             params={"_source_includes": "content_hash"}),
                                     self._what("look up articles in"))
                for aid in chunk:
                    self._hashes[aid] = None
                for doc in found["docs"]:
                    if doc.get("found"):
                        self._hashes[by_doc[doc["_id"]]] = doc["_source"].get("content_hash")
        return {aid: h for aid in ids if (h := self._hashes.get(aid)) is not None}

    # ---- writing ----------------------------------------------------------------------------------

    def write(self, article: Article, article_id: str, file_key: str, content_hash: str,
              story: str | None = None) -> None:
        action = {"index": {"_index": self.index, "_id": doc_id(article_id)}}
        source = article_to_source(article, article_id, file_key, content_hash)
        if story is not None:
            source["story"] = story
        # backslashreplace: a lone surrogate (undecodable input) becomes a JSON \u escape
        # instead of invalid UTF-8, which would fail the whole request, not just this article.
        data = (json.dumps(action) + "\n" + json.dumps(source, ensure_ascii=False) + "\n").encode(
            "utf-8", "backslashreplace")
        self._files.setdefault(file_key, _File(article.path))
        if self._buffer and (len(self._buffer) >= self.batch_docs or self._buffer_bytes + len(data) > self.batch_bytes):
            self._flush()
        self._buffer.append(_Item(data, article.path, article.location, file_key, article_id))
        self._buffer_bytes += len(data)

    def update_fields(self, article_id: str, fields: dict) -> bool:
        """A partial update (bulk "update" action: OpenSearch merges the fields into the stored
        `_source` and re-indexes it), sent in batches and at the commit. An article the index
        does not hold is only known when the batch is answered: it is counted in
        `missing_updates` and skipped, so this returns True."""
        if "title" in fields or "body" in fields or "id" in fields:
            raise ValueError("update_fields cannot change an article's id, title or body: write it again")
        doc = {name: (None if value == [] else value) for name, value in fields.items()}
        when = doc.get("date")
        if when is not None:
            doc["date"] = index_date(when)
        action = {"update": {"_index": self.index, "_id": doc_id(article_id)}}
        self._updates.append((json.dumps(action) + "\n" + json.dumps({"doc": doc}, ensure_ascii=False) + "\n")
                             .encode("utf-8", "backslashreplace"))
        if len(self._updates) >= self.batch_docs:
            self._flush()  # the articles written before: an update must not reach the cluster first
            self._flush_updates()
        return True

    def _flush_updates(self) -> None:
        updates, self._updates = self._updates, []
        if not updates:
            return
        self._sent = True
        response = with_backoff(lambda: self._cluster.bulk(body=b"".join(updates), params={
            "filter_path": "errors,items.*.status,items.*.error", "request_timeout": BULK_TIMEOUT_S}),
            self._what("update articles in"))
        for entry in response.get("items", []):
            result = next(iter(entry.values()))
            status = int(result.get("status", 500))
            if status == 404:
                self.missing_updates += 1
            elif status >= 300:
                raise TransportError(status, "partial update refused", result.get("error"))

    def delete_stale(self, path: str, file_key: str) -> None:
        self._files.setdefault(file_key, _File(path))
        if not self.started_empty:
            self._stale[path] = file_key

    def _flush(self) -> None:
        """Send the buffer as one bulk request; items the cluster was too busy for go again
        with backoff, and every other rejection is reported."""
        items, self._buffer, self._buffer_bytes = self._buffer, [], 0
        if not items:
            return
        self._sent = True
        delays = backoff_delays()
        for attempt in range(BACKOFF_ATTEMPTS):
            body = b"".join(item.data for item in items)
            response = with_backoff(partial(self._cluster.bulk, body=body, params={
                "filter_path": "errors,items.*.status,items.*.error", "request_timeout": BULK_TIMEOUT_S}),
                self._what("bulk-index into"))
            results = [next(iter(entry.values())) for entry in response.get("items", [])]
            if len(results) != len(items):  # never seen; would mean the answer cannot be matched up
                raise RuntimeError(f"bulk answer lists {len(results)} items for {len(items)} sent")
            again = []
            for item, result in zip(items, results):
                status = int(result.get("status", 500))
                if status < 300:
                    self._files[item.file_key].accepted += 1
                elif status in ITEM_RETRY_STATUS and attempt < BACKOFF_ATTEMPTS - 1:
                    again.append(item)
                else:
                    self._reject(item, status, result.get("error"))
            if not again:
                return
            log.warning("%d of %d bulk items rejected by a busy cluster; sending them again in %.1f s",
                        len(again), len(items), delays[attempt])
            time.sleep(delays[attempt])
            items = again

    def _reject(self, item: _Item, status: int, error: object) -> None:
        if isinstance(error, dict):
            reason = f"{error.get('type', 'error')}: {error.get('reason', '')}"
            cause = error.get("caused_by")
            if isinstance(cause, dict) and cause.get("reason"):
                reason += f" ({cause['reason']})"
        else:
            reason = str(error or f"status {status}")
        retry = status in ITEM_RETRY_STATUS
        if retry:
            reason += "; the cluster stayed busy, a re-run will try again"
        # A rejection a re-run may not repeat keeps the file unmarked, so the re-run reads it.
        self._files[item.file_key].failed |= retry
        problem = Problem(item.path, f"not indexed: OpenSearch rejected the article ({reason})", item.location)
        self.rejected += 1
        self.rejected_ids.append(item.article_id)
        self.problems.append(problem)
        if self.on_problem is not None:
            self.on_problem(problem)

    def _refresh(self) -> None:
        with_backoff(lambda: self._cluster.indices.refresh(index=self.index, params={"request_timeout": REFRESH_TIMEOUT_S}),
                     self._what("refresh"))

    def _delete_stale(self) -> None:
        """Run the queued deletes: articles from these paths whose file version is not the one
        just written (one delete_by_query per DELETE_CHUNK files). A file key names its path, so
        "path in P and file_key not in K" is exactly "for each file, path = p and key != k"."""
        stale = [(p, k) for p, k in self._stale.items() if not self._files.get(k, _File(p)).failed]
        for start in range(0, len(stale), DELETE_CHUNK):
            chunk = stale[start:start + DELETE_CHUNK]
            query: dict[str, Any] = {"query": {"bool": {"filter": [{"terms": {"path": [p for p, _ in chunk]}}],
                                        "must_not": [{"terms": {"file_key": [k for _, k in chunk]}}]}}}
            result = with_backoff(partial(self._cluster.delete_by_query, index=self.index, body=query, params={
                "conflicts": "proceed", "refresh": "true", "slices": "auto", "request_timeout": DELETE_TIMEOUT_S}),
                self._what("delete stale articles from"))
            if result.get("failures"):
                log.warning("deleting stale articles from %s failed on some shards (%s); their files will be "
                            "read again by the next run", self.index, result["failures"][0])
                for _, key in chunk:
                    if key in self._files:
                        self._files[key].failed = True
            # The old versions' markers go with their articles: a file restored to an old version
            # (a backup keeps its size and mtime) must be read again, not skipped.
            query["query"]["bool"]["filter"].append({"term": {"index": self.index}})
            with_backoff(partial(self._cluster.delete_by_query, index=files_index(self.config.index), body=query, params={
                "conflicts": "proceed", "refresh": "true", "request_timeout": DELETE_TIMEOUT_S}),
                self._what("forget the old file versions of"))

    def _mark_done(self) -> None:
        """Write the markers of the files whose articles all landed (after the refresh and the
        deletes: a marker promises the file is complete)."""
        now = datetime.now(timezone.utc).isoformat()
        part = f"{self.part[0]}/{self.part[1]}" if self.part else None
        done = {key: state for key, state in self._files.items() if not state.failed and state.accepted}
        if not done:
            return
        actions = [{"_index": files_index(self.config.index), "_id": self._marker_id(key),
                    "_source": {"index": self.index, "file_key": key, "path": state.path, "part": part,
                                "articles": state.accepted, "done_at": now}} for key, state in done.items()]
        def mark() -> None:
            _, failed = helpers.bulk(self._cluster, actions, refresh="true", request_timeout=BULK_TIMEOUT_S,
                                     raise_on_error=False)
            if failed:  # e.g. 503 while a replica is promoted: all markers again (they are idempotent)
                first = next(iter(failed[0].values()))
                raise TransportError(int(first.get("status", 503)), "marker not written", first.get("error"))
        with_backoff(mark, self._what("mark files done in"))
        self._done.update((key, state.accepted) for key, state in done.items())

    def commit(self, **settings: str) -> None:
        """Send the rest, refresh (everything sent becomes searchable at once), delete the
        stale articles, mark the complete files done, then record `settings` and last_update.
        A crash in between loses no article: unmarked files are read again by the next run."""
        if not (self._buffer or self._files or self._stale or self._sent or self._updates):
            return
        self._flush()
        self._flush_updates()
        self._refresh()
        self._delete_stale()
        self._mark_done()
        self._record({**settings, "last_update": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        self._reset()

    def cancel(self) -> None:
        """Drop what was not sent yet. Bulk batches already sent stay in the index (OpenSearch
        cannot take them back); their files have no marker, so the next run writes them again."""
        self._reset()

    def _reset(self) -> None:
        self._buffer, self._buffer_bytes, self._updates = [], 0, []
        self._files, self._stale, self._hashes = {}, {}, {}
        self._sent = False


__all__ = ["OpenSearchWriter", "read_settings", "cache_dir", "BATCH_DOCS", "BATCH_BYTES", "ITEM_RETRY_STATUS"]
