"""Tags: a researcher's own categories on articles, by hand or by query (issue 22).

A tag is a name on a set of article ids (stable across re-indexing), with who put it there and
when. Tagging by query tags every article the search matches now and records the search as a
rule; a rule the user marks `reapply` also tags the articles later index runs add that match it
(`reapply_rules`), one that is not stays a record of how the tag was first filled. Removing a tag
from an article is remembered as such only by its absence: a reapplied rule tags it again if it
still matches (say so in the interfaces: remove the rule to stop that).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from search.memory.saved import MAX_FROZEN, ranked_ids, rebuild_request, request_parameters
from search.memory.store import MemoryStore, StoreError, check_name
from search.request import SearchRequest

if TYPE_CHECKING:
    from search.engine import Engine

MAX_TAGGED = MAX_FROZEN   # articles a query tags at once (the export's cap)


@dataclass
class TagRule:
    id: int
    tag: str
    parameters: dict[str, Any]
    reapply: bool
    author: str
    created_at: str

    def to_dict(self) -> dict:
        return {"id": self.id, "tag": self.tag, "parameters": self.parameters, "reapply": self.reapply,
                "author": self.author, "created_at": self.created_at}



def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def tag_articles(store: MemoryStore, tag: str, article_ids: Iterable[str], *, author: str) -> int:
    """Tag articles by hand; returns how many were not tagged so before (already tagged ones keep
    their first author and time)."""
    tag = check_name(tag, "tag")
    ids = [check_article_id(a) for a in article_ids]
    return store.add_tags(tag, ids, author, None)


def untag_articles(store: MemoryStore, tag: str, article_ids: Iterable[str]) -> int:
    """Take a tag off articles; how many had it (StoreError for a tag nobody uses)."""
    tag = _known(store, tag)
    return store.remove_tags(tag, list(article_ids))


def delete_tag(store: MemoryStore, tag: str) -> int:
    """Remove a tag from every article and drop its rules; how many articles had it."""
    return store.delete_tag(_known(store, tag))


def tag_by_query(engine: "Engine", store: MemoryStore, tag: str, request: SearchRequest, *, author: str,
                 reapply: bool = False) -> tuple[TagRule, int]:
    """Tag every article `request` matches now (its first MAX_TAGGED) and record the rule; returns
    the rule and how many articles were newly tagged."""
    tag = check_name(tag, "tag")
    ids = (article_id for article_id, _ in ranked_ids(engine, request, MAX_TAGGED))
    rule = {"tag": tag, "parameters": json.dumps(request_parameters(request), ensure_ascii=False),
            "reapply": int(reapply), "author": author, "created_at": _now()}
    rule_id, added = store.add_rule(rule, ids)
    return _rule({**rule, "id": rule_id}), added


def reapply_rules(engine: "Engine", store: MemoryStore) -> dict[str, int]:
    """Run every rule marked `reapply` again and tag what it matches now: {tag: newly tagged}."""
    out: dict[str, int] = {}
    for rule in rules(store):
        if not rule.reapply:
            continue
        request = rebuild_request(rule.parameters)
        ids = (article_id for article_id, _ in ranked_ids(engine, request, MAX_TAGGED))
        out[rule.tag] = out.get(rule.tag, 0) + store.add_tags(rule.tag, ids, rule.author, rule.id)
    return out


def _rule(row: dict[str, Any]) -> TagRule:
    return TagRule(int(row["id"]), row["tag"], json.loads(row["parameters"]), bool(row["reapply"]), row["author"],
                   row["created_at"])


def rules(store: MemoryStore, tag: str | None = None) -> list[TagRule]:
    return [_rule(row) for row in store.rules(tag)]


def tags(store: MemoryStore) -> list[tuple[str, int]]:
    """Every tag with its article count, most used first."""
    return store.tag_counts()


def tagged(store: MemoryStore, tag: str) -> Iterator[str]:
    """The ids of the articles with a tag, streamed (StoreError for a tag nobody uses)."""
    tag = _known(store, tag)
    yield from store.tagged(tag)


def tags_of(store: MemoryStore, article_ids: Iterable[str]) -> dict[str, list[str]]:
    """Each article's tags (for showing them on hits and on the article page)."""
    return store.tags_of(list(article_ids))


def check_article_id(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 2000:
        raise StoreError(f"an article id must be non-empty text of at most 2,000 characters, not {str(value)[:40]!r}")
    return value


def _known(store: MemoryStore, tag: str) -> str:
    tag = check_name(tag, "tag")
    if not store.tag_known(tag):
        known = [name for name, _ in tags(store)[:10]]
        raise StoreError(f"no tag named {tag!r}" + (f" (tags: {', '.join(known)})" if known else " (no tags yet)"))
    return tag


__all__ = ["TagRule", "tag_articles", "untag_articles", "delete_tag", "tag_by_query", "reapply_rules", "rules",
           "tags", "tagged", "tags_of", "MAX_TAGGED"]
