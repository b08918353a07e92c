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
from search.memory.store import ResearchStore, StoreError, check_name
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


def _insert(db, tag: str, ids: Iterable[str], author: str, rule: int | None) -> int:
    """Tag `ids` (already tagged ones keep their first author and time); how many were new."""
    added, batch, now = 0, [], _now()
    for article_id in ids:
        batch.append((tag, article_id, author, now, rule))
        if len(batch) >= 1000:
            added += _flush(db, batch)
    return added + _flush(db, batch)


def _flush(db, batch: list[tuple]) -> int:
    before = db.total_changes
    db.executemany("INSERT OR IGNORE INTO tag VALUES (?,?,?,?,?)", batch)
    batch.clear()
    return db.total_changes - before


def tag_articles(store: ResearchStore, tag: str, article_ids: Iterable[str], *, author: str) -> int:
    """Tag articles by hand; returns how many were not tagged so before."""
    tag = check_name(tag, "tag")
    ids = [check_article_id(a) for a in article_ids]
    with store.transaction() as db:
        return _insert(db, tag, ids, author, None)


def untag_articles(store: ResearchStore, tag: str, article_ids: Iterable[str]) -> int:
    """Take a tag off articles; how many had it (StoreError for a tag nobody uses)."""
    tag = _known(store, tag)
    with store.transaction() as db:
        before = db.total_changes
        db.executemany("DELETE FROM tag WHERE tag = ? AND article = ?", [(tag, a) for a in article_ids])
        return db.total_changes - before


def delete_tag(store: ResearchStore, tag: str) -> int:
    """Remove a tag from every article and drop its rules; how many articles had it."""
    tag = _known(store, tag)
    with store.transaction() as db:
        removed = db.execute("DELETE FROM tag WHERE tag = ?", (tag,)).rowcount
        db.execute("DELETE FROM tag_rule WHERE tag = ?", (tag,))
        return removed


def tag_by_query(engine: "Engine", store: ResearchStore, tag: str, request: SearchRequest, *, author: str,
                 reapply: bool = False) -> tuple[TagRule, int]:
    """Tag every article `request` matches now (its first MAX_TAGGED) and record the rule; returns
    the rule and how many articles were newly tagged."""
    tag = check_name(tag, "tag")
    ids = (article_id for article_id, _ in ranked_ids(engine, request, MAX_TAGGED))
    with store.transaction() as db:
        cursor = db.execute("INSERT INTO tag_rule (tag, parameters, reapply, author, created_at) VALUES (?,?,?,?,?)",
                            (tag, json.dumps(request_parameters(request), ensure_ascii=False), int(reapply), author,
                             _now()))
        rule_id = int(cursor.lastrowid or 0)
        added = _insert(db, tag, ids, author, rule_id)
    return rules(store, tag)[-1], added


def reapply_rules(engine: "Engine", store: ResearchStore) -> dict[str, int]:
    """Run every rule marked `reapply` again and tag what it matches now: {tag: newly tagged}."""
    out: dict[str, int] = {}
    for rule in rules(store):
        if not rule.reapply:
            continue
        request = rebuild_request(rule.parameters)
        ids = (article_id for article_id, _ in ranked_ids(engine, request, MAX_TAGGED))
        with store.transaction() as db:
            out[rule.tag] = out.get(rule.tag, 0) + _insert(db, rule.tag, ids, rule.author, rule.id)
    return out


def rules(store: ResearchStore, tag: str | None = None) -> list[TagRule]:
    sql = "SELECT id, tag, parameters, reapply, author, created_at FROM tag_rule"
    rows = store.read(sql + (" WHERE tag = ? ORDER BY id" if tag else " ORDER BY id"), (tag,) if tag else ())
    return [TagRule(r[0], r[1], json.loads(r[2]), bool(r[3]), r[4], r[5]) for r in rows]


def tags(store: ResearchStore) -> list[tuple[str, int]]:
    """Every tag with its article count, most used first."""
    return [(r[0], r[1]) for r in store.read(
        "SELECT tag, COUNT(*) AS n FROM tag GROUP BY tag ORDER BY n DESC, tag")]


def tagged(store: ResearchStore, tag: str) -> Iterator[str]:
    """The ids of the articles with a tag, streamed (StoreError for a tag nobody uses)."""
    tag = _known(store, tag)
    for (article_id,) in store.iterate("SELECT article FROM tag WHERE tag = ? ORDER BY tagged_at, article", (tag,)):
        yield article_id


def tags_of(store: ResearchStore, article_ids: Iterable[str]) -> dict[str, list[str]]:
    """Each article's tags (for showing them on hits and on the article page)."""
    ids = list(article_ids)
    out: dict[str, list[str]] = {a: [] for a in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for tag, article in store.read(f"SELECT tag, article FROM tag WHERE article IN ({marks}) "
                                               f"ORDER BY tag", tuple(chunk)):
            out[article].append(tag)
    return out


def check_article_id(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 2000:
        raise StoreError(f"an article id must be non-empty text of at most 2,000 characters, not {str(value)[:40]!r}")
    return value


def _known(store: ResearchStore, tag: str) -> str:
    tag = check_name(tag, "tag")
    if not store.read("SELECT 1 FROM tag WHERE tag = ? UNION SELECT 1 FROM tag_rule WHERE tag = ? LIMIT 1",
                              (tag, tag)):
        known = [name for name, _ in tags(store)[:10]]
        raise StoreError(f"no tag named {tag!r}" + (f" (tags: {', '.join(known)})" if known else " (no tags yet)"))
    return tag


__all__ = ["TagRule", "tag_articles", "untag_articles", "delete_tag", "tag_by_query", "reapply_rules", "rules",
           "tags", "tagged", "tags_of", "MAX_TAGGED"]
