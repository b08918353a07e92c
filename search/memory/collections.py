"""Collections: named sets of sources ("UK nationals" = bbc.co.uk, theguardian.com, ...) (issue 22).

A collection narrows a search to any of its sources. It is kept in the researcher's store, not
in the index, so it can change without re-indexing, and it becomes query language the backends
already read: the engine writes `collection:"UK nationals"` out as `(source:"bbc.co.uk" OR
source:"theguardian.com")` before a backend reads the tree (search/memory/filters.py), so it works on both backends,
in trends and top words, and in saved searches (which keep the query as typed: a saved search
that names a collection keeps its frozen set; re-running it uses the collection as it is now).
A collection's facet count is the sum of its sources' counts (`counts`).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from search.memory.store import MemoryStore, StoreError, check_name

MAX_SOURCES = 500   # sources in one collection: its expansion is a query of that many terms


@dataclass
class Collection:
    name: str
    sources: list[str]
    author: str
    created_at: str

    def to_dict(self) -> dict:
        return {"name": self.name, "sources": self.sources, "author": self.author, "created_at": self.created_at}


def define(store: MemoryStore, name: str, sources: Iterable[str], *, author: str) -> Collection:
    """Make (or replace) a collection of sources, as they appear in the source facet."""
    name = check_name(name, "collection's name")
    kept = list(dict.fromkeys(" ".join(s.split()) for s in sources if isinstance(s, str) and s.strip()))
    if not kept:
        raise StoreError(f"the collection {name!r} needs at least one source")
    if len(kept) > MAX_SOURCES:
        raise StoreError(f"the collection {name!r} has {len(kept):,} sources: at most {MAX_SOURCES}")
    for source in kept:
        if '"' in source or len(source) > 200:
            raise StoreError(f"the source {source[:40]!r} cannot be in a collection (a double quote, or "
                             f"over 200 characters)")
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    store.put_collection({"name": name, "author": author, "created_at": now}, kept)
    return Collection(name, kept, author, now)


def get(store: MemoryStore, name: str) -> Collection:
    key = check_name(name, "collection's name")
    found = store.get_collection(key)
    if found is None:
        known = [c.name for c in collections(store)[:10]]
        raise StoreError(f"no collection named {key!r}" +
                         (f" (collections: {', '.join(known)})" if known else " (none defined yet)"))
    row, sources = found
    return Collection(row["name"], sorted(sources), row["author"], row["created_at"])


def collections(store: MemoryStore) -> list[Collection]:
    return [get(store, name) for name in store.collection_names()]


def delete(store: MemoryStore, name: str) -> None:
    key = check_name(name, "collection's name")
    if not store.delete_collection(key):
        raise StoreError(f"no collection named {key!r}")


def counts(store: MemoryStore, source_counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """Each collection's article count from the source facet's counts (an article has one
    source, so the sum is exact when `source_counts` holds every source), most first."""
    out = [(c.name, sum(source_counts.get(s, 0) for s in c.sources)) for c in collections(store)]
    return sorted(out, key=lambda item: (-item[1], item[0]))


__all__ = ["Collection", "define", "get", "collections", "delete", "counts", "MAX_SOURCES"]
