"""The tag and collection facets of a search (issue 22): how many of its matches each of the
researcher's tags and collections holds.

Tags are not in the index, so a tag's count is a search of its own (the request AND `tag:NAME`,
no snippets, no facets): one per tag, for the `TOP_TAGS` most used tags only. A collection's
count is the sum of its sources' counts in the request's own source facet (exact: an article has
one source), read with every source counted (`facet_top` = ALL_SOURCES).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from search import querylang as ql
from search.memory import collections, tags
from search.request import SearchRequest

if TYPE_CHECKING:
    from search.engine import Engine

TOP_TAGS = 10        # tags counted per search (each one is a search)
ALL_SOURCES = 1000   # source facet values read for collection counts


def memory_facets(engine: "Engine", request: SearchRequest, store) -> dict[str, list[dict]]:
    """{"tags": [{"value", "count"}], "collections": [...]}, most first, zero counts left out."""
    out: dict[str, list[dict]] = {"tags": [], "collections": []}
    for tag, _ in tags.tags(store)[:TOP_TAGS]:
        narrowed = request.with_changes(
            tree=ql.And((request.tree, ql.FieldValue("tag", tag))),
            any_tree=ql.And((request.any_tree, ql.FieldValue("tag", tag))),
            page=1, page_size=1, snippets=False, facets=False)
        count = engine.run(narrowed).total
        if count:
            out["tags"].append({"value": tag, "count": count})
    if collections.collections(store):
        sources = engine.run(request.with_changes(page=1, page_size=1, snippets=False, facet_top=ALL_SOURCES))
        counted = collections.counts(store, {f.value: f.count for f in sources.facets.source})
        out["collections"] = [{"value": name, "count": n} for name, n in counted if n]
    out["tags"].sort(key=lambda item: (-item["count"], item["value"]))
    return out


__all__ = ["memory_facets", "TOP_TAGS"]
