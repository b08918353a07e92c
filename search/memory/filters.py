"""`tag:` and `collection:` in a query: the researcher's names written out before a backend reads
the tree (issue 22).

The query language parses `tag:NAME` and `collection:NAME` like facet values (search.querylang
MEMORY_FIELDS), but the names live in the researcher's store, not in the index. The engine
(`Engine.run`, `Engine.stories`) hands such a request here first: a collection becomes any of its
sources (`source:` values, which both backends resolve as they always do), a tag the ids of its
articles (`ArticleIds`, which both backends translate to an id filter). So every interface, the
trends, top words, exports, stories and saved searches read them alike, and a backend never meets
a name it cannot know. A request without them is returned as it is (no store opened).
"""
from __future__ import annotations

from collections.abc import Callable

from search import querylang as ql
from search.memory.store import StoreError
from search.request import SearchRequest
from search.results import BadParameterError, QuerySyntaxError

MAX_TAGGED_IDS = 10_000   # a tag's articles a filter takes (a tag by query holds at most this many)


def mentions_memory(node: ql.Node) -> bool:
    """Whether a tree names a tag or a collection anywhere."""
    if isinstance(node, (ql.FieldValue, ql.Prefix)):
        return node.field in ql.MEMORY_FIELDS
    if isinstance(node, (ql.And, ql.Or)):
        return any(mentions_memory(child) for child in node.children)
    if isinstance(node, ql.AndMaybe):
        return mentions_memory(node.required) or mentions_memory(node.optional)
    if isinstance(node, ql.Not):
        return mentions_memory(node.child)
    return False


def resolve(request: SearchRequest, open_store: Callable[[], object]) -> SearchRequest:
    """The request with its `tag:` and `collection:` values written out (see the module
    docstring); an unknown name is a BadParameterError naming it and the known ones."""
    if not (mentions_memory(request.tree) or mentions_memory(request.any_tree)):
        return request
    try:
        store = open_store()
    except StoreError as error:
        raise BadParameterError(f"tag: and collection: need the researcher's store: {error}") from None
    cache: dict[tuple[str, str], ql.Node] = {}

    def leaf(node: ql.FieldValue) -> ql.Node:
        key = (node.field, node.value)
        if key not in cache:
            cache[key] = _written_out(node, store)
        return cache[key]

    def walk(node: ql.Node) -> ql.Node:
        if isinstance(node, ql.Prefix) and node.field in ql.MEMORY_FIELDS:
            raise QuerySyntaxError(f"{node.field}: takes a whole name, not {node.text}*: "
                                   f'write {node.field}:"{node.text} ..." with the full name')
        if isinstance(node, ql.FieldValue) and node.field in ql.MEMORY_FIELDS:
            return leaf(node)
        if isinstance(node, ql.And):
            return ql.And(tuple(walk(child) for child in node.children))
        if isinstance(node, ql.Or):
            return ql.Or(tuple(walk(child) for child in node.children))
        if isinstance(node, ql.AndMaybe):
            return ql.AndMaybe(walk(node.required), walk(node.optional))
        if isinstance(node, ql.Not):
            return ql.Not(walk(node.child))
        return node
    return request.with_changes(tree=walk(request.tree), any_tree=walk(request.any_tree))


def _written_out(node: ql.FieldValue, store) -> ql.Node:
    from search.memory import collections, tags

    try:
        if node.field == "collection":
            sources = collections.get(store, node.value).sources
            values = tuple(ql.FieldValue("source", source) for source in sources)
            return values[0] if len(values) == 1 else ql.Or(values)
        ids = []
        for article_id in tags.tagged(store, node.value):
            ids.append(article_id)
            if len(ids) >= MAX_TAGGED_IDS:
                break
        return ql.ArticleIds(tuple(ids), node.value)
    except StoreError as error:
        raise BadParameterError(str(error)) from None


__all__ = ["mentions_memory", "resolve", "MAX_TAGGED_IDS"]
