"""Entity co-occurrence: which people, organisations and places appear together in a result
set's articles, with counts, as a table and a network (GEXF 1.3 for Gephi and the like).

The entities are each article's stored ones (Hit.entities: what the recogniser found, merged
with the source's own tags, e.g. Reuters' PLACES/ORGS/PEOPLE: an index built without
recognition still has those), read with the matching hits, page by page (search.context): no
article text is read. Two entities co-occur in an article when both are among its entities;
a pair is counted once per article. An entity is (kind, name): the place "Georgia" and the
person "Georgia" stay apart.

The table lists the `top` pairs with most articles (then by names), each with both entities'
own article counts; the network has those pairs as edges (weight: the articles they share)
and their entities as nodes (with kind and article count).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import combinations
from xml.sax.saxutils import quoteattr

from index.article import ENTITY_TYPES
from search.context import DEFAULT_ARTICLES, check_articles, matching_hits, read_notice
from search.export import csv_lines
from search.parameters import whole_number
from search.request import SearchRequest
from search.results import BadParameterError

TOP = 50
MAX_PAIRS = 500
MAX_ENTITIES_PER_ARTICLE = 50  # an article naming more (a list, a table) adds its first 50: 1,225 pairs at most
GEXF_NAMESPACE = "http://gexf.net/1.3"
CSV_COLUMNS = ("kind_a", "entity_a", "kind_b", "entity_b", "articles", "articles_a", "articles_b")

Entity = tuple[str, str]  # (kind, name)


@dataclass
class Pair:
    a: Entity
    b: Entity
    count: int       # articles with both
    count_a: int     # articles with a
    count_b: int     # articles with b

    def to_dict(self) -> dict:
        return {"a": {"kind": self.a[0], "name": self.a[1], "articles": self.count_a},
                "b": {"kind": self.b[0], "name": self.b[1], "articles": self.count_b}, "articles": self.count}


@dataclass
class Cooccurrence:
    pairs: list[Pair]
    entities: dict[Entity, int]      # every entity of the listed pairs, with its article count
    kinds: tuple[str, ...]
    articles_read: int
    articles_with_entities: int
    total: int                       # matching articles
    distinct_pairs: int = 0          # pairs found in all, listed or not
    query: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def notice(self) -> str | None:
        return " ".join(filter(None, [read_notice(self.articles_read, self.total), *self.notes])) or None

    def to_dict(self) -> dict:
        return {"kinds": list(self.kinds), "articles_read": self.articles_read,
                "articles_with_entities": self.articles_with_entities, "total": self.total,
                "distinct_pairs": self.distinct_pairs, "notice": self.notice,
                "pairs": [p.to_dict() for p in self.pairs],
                "nodes": [{"kind": kind, "name": name, "articles": n} for (kind, name), n in self.entities.items()]}


def check_kinds(values: object, name: str = "kind") -> tuple[str, ...]:
    """Entity kinds to pair (person, org, place); none given: all three."""
    given = [values] if isinstance(values, str) else list(values or [])  # type: ignore[call-overload]
    kinds: dict[str, None] = {}
    for value in given:
        for part in str(value).replace(",", " ").split():
            if part.lower() not in ENTITY_TYPES:
                raise BadParameterError(f"{name} must be among {', '.join(ENTITY_TYPES)}, not {part[:20]!r}")
            kinds[part.lower()] = None
    return tuple(kinds) or ENTITY_TYPES


def cooccurrence(engine, request: SearchRequest, *, top: int = TOP, kinds: object = None,
                 articles: int = DEFAULT_ARTICLES) -> Cooccurrence:
    """The request's entity pairs (see the module docstring). Raises `BadParameterError` for a
    top, kind or article count out of bounds."""
    top = whole_number(top, "top", high=MAX_PAIRS)
    chosen = check_kinds(kinds)
    limit = check_articles(articles)
    singles: Counter[Entity] = Counter()
    pairs: Counter[tuple[Entity, Entity]] = Counter()
    read = with_entities = total = 0
    crowded = 0
    for hits, total in matching_hits(engine, request, limit):  # noqa: B007 - the last page's total
        for hit in hits:
            read += 1
            found = sorted({(kind, name) for kind in chosen for name in hit.entities.get(kind, []) if name})
            if not found:
                continue
            with_entities += 1
            if len(found) > MAX_ENTITIES_PER_ARTICLE:
                crowded += 1
                found = found[:MAX_ENTITIES_PER_ARTICLE]
            singles.update(found)
            pairs.update(combinations(found, 2))
    ranked = sorted(pairs.items(), key=lambda item: (-item[1], item[0]))[:top]
    listed = [Pair(a, b, n, singles[a], singles[b]) for (a, b), n in ranked]
    entities: dict[Entity, int] = {}
    for pair in listed:
        entities.setdefault(pair.a, pair.count_a)
        entities.setdefault(pair.b, pair.count_b)
    notes = []
    if crowded:
        notes.append(f"{crowded:,} articles name more than {MAX_ENTITIES_PER_ARTICLE} entities: their first "
                     f"{MAX_ENTITIES_PER_ARTICLE} (by kind and name) were paired.")
    return Cooccurrence(listed, entities, chosen, read, with_entities, total, len(pairs), request.query, notes)


def cooccurrence_csv(found: Cooccurrence) -> str:
    """The table as CSV (search.export's one CSV writer: no formulas)."""
    rows = [list(CSV_COLUMNS)] + [[p.a[0], p.a[1], p.b[0], p.b[1], str(p.count), str(p.count_a), str(p.count_b)]
                                  for p in found.pairs]
    if found.notice:
        rows.append(["# " + found.notice])
    return "".join(csv_lines(rows))


def gexf(found: Cooccurrence, *, description: str = "") -> str:
    """The network as a GEXF 1.3 document: undirected, static; nodes carry `kind` and `articles`,
    edges a `weight` (articles with both)."""
    today = datetime.now(timezone.utc).date().isoformat()
    ids = {entity: f"n{i}" for i, entity in enumerate(found.entities)}
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<gexf xmlns="{GEXF_NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           f'xsi:schemaLocation="{GEXF_NAMESPACE} {GEXF_NAMESPACE}/gexf.xsd" version="1.3">',
           f'  <meta lastmodifieddate="{today}">',
           "    <creator>newsearch</creator>",
           f"    <description>{_text(description or _describe(found))}</description>",
           "  </meta>",
           '  <graph mode="static" defaultedgetype="undirected">',
           '    <attributes class="node">',
           '      <attribute id="kind" title="kind" type="string"/>',
           '      <attribute id="articles" title="articles" type="integer"/>',
           "    </attributes>",
           "    <nodes>"]
    for entity, n in found.entities.items():
        out.append(f"      <node id=\"{ids[entity]}\" label={quoteattr(_clean(entity[1]))}><attvalues>"
                   f"<attvalue for=\"kind\" value=\"{entity[0]}\"/><attvalue for=\"articles\" value=\"{n}\"/>"
                   f"</attvalues></node>")
    out.append("    </nodes>")
    out.append("    <edges>")
    for i, pair in enumerate(found.pairs):
        out.append(f'      <edge id="e{i}" source="{ids[pair.a]}" target="{ids[pair.b]}" weight="{pair.count}.0"/>')
    out += ["    </edges>", "  </graph>", "</gexf>", ""]
    return "\n".join(out)


def _describe(found: Cooccurrence) -> str:
    what = f"query {found.query!r}" if found.query else "all articles"
    return (f"Entity co-occurrence in {found.articles_read:,} of {found.total:,} articles matching {what} "
            f"(newsearch); edge weight: articles naming both.")


def _clean(text: str) -> str:
    """Text without the characters XML 1.0 cannot carry (control characters)."""
    return "".join(ch for ch in text if ch in "\t\n\r" or (ord(ch) >= 0x20 and ch not in "\ufffe\uffff"))


def _text(text: str) -> str:
    return _clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["cooccurrence", "Cooccurrence", "Pair", "gexf", "cooccurrence_csv", "check_kinds", "TOP", "MAX_PAIRS",
           "GEXF_NAMESPACE"]
