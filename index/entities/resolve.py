"""One article's entities: recognised spans + source-given names -> clean facet values.

Why per article: "Kim" means Kim Jong Un only in an article that names him in full, and means
nobody we can tell in an article that also names Kim Yong Chol. Rules, in order:
  1. Spans are typed (PERSON -> person, ORG -> org, GPE/LOC -> place, FAC -> place only if the
     alias table knows it as a place; NORP and the rest are dropped) and cleaned. A span that
     crosses a paragraph break is dropped (it glues a dateline to a headline).
  2. Where the alias table knows a name under exactly one kind, that kind wins over the model's
     label ("Trump" labelled ORG is a person). Otherwise one name gets one kind per article by
     majority of its mentions (ties: person, place, org).
  3. Person and org names: a short name whose words occur, in order, inside exactly one longer
     name of the same kind maps to it ("Trump" -> "Donald Trump"); inside several distinct
     longer names it is ambiguous and dropped ("Kim" with Kim Jong Un and Kim Yong Chol). A
     well-known expansion from the alias table counts as one more candidate ("Reagan" beside
     only "Nancy Reagan" is dropped, not made Nancy). For
     orgs the alias table is asked first ("Fed" is the Federal Reserve even beside "New York
     Fed"). Places are not merged this way: "China" is not "South China Sea".
  4. Every name goes through the alias table (which also expands well-known bare surnames,
     "Reagan" -> "Ronald Reagan"), and each value is kept once per article, first mention first.
Source-given names (Reuters codes, JSON fields) keep their kind and join steps 3-4.
No spaCy import.
"""
from __future__ import annotations

from collections import Counter

from index.entities import reuters_codes
from index.entities.aliases import KINDS, AliasTable, key
from index.entities.canonical import clean, normalise

LABEL_KINDS = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place", "FAC": "place"}
_TIE_ORDER = {"person": 0, "place": 1, "org": 2}

Span = tuple[str, str]  # (text as in the document, spaCy label)


def _typed_mentions(spans: list[Span], table: AliasTable) -> list[tuple[str, str]]:
    """(clean name, kind) per recognised mention, after steps 1-2 above."""
    mentions: list[tuple[str, str]] = []
    for text, label in spans:
        kind = LABEL_KINDS.get(label)
        if kind is None or "\n\n" in text or "\n \n" in text:
            continue
        name = clean(kind, text)
        if name is None:
            continue
        known = table.kinds_of(name)
        if label == "FAC" and "place" not in known:
            continue  # a building or a bridge, not a place to facet on
        if known and kind not in known and len(known) == 1:
            kind = known[0]
            name = clean(kind, text) or name
        if kind == "place" and name.isupper() and len(name) > 4 and not known:
            name = name.title()  # "PORTLAND" in a capitalised line is Portland, not an acronym
        mentions.append((name, kind))
    votes: dict[str, Counter] = {}
    for name, kind in mentions:
        votes.setdefault(key(name), Counter())[kind] += 1
    winner = {k: max(c, key=lambda kind: (c[kind], -_TIE_ORDER[kind])) for k, c in votes.items()}
    return [(name, kind) for name, kind in mentions if winner[key(name)] == kind]


def _source_names(source: dict[str, list[str]]) -> list[tuple[str, str]]:
    names: list[tuple[str, str]] = []
    for kind in KINDS:
        for value in source.get(kind, []) or []:
            if not isinstance(value, str):
                continue
            value = normalise(value)
            if reuters_codes.is_code(kind, value):
                value = reuters_codes.display_name(kind, value)
            name = clean(kind, value)
            if name:
                names.append((name, kind))
    return names


def _words(name: str) -> list[str]:
    """Key words without possessives: "Moody" is inside "Moody's Investors Service"."""
    return [w[:-2] if w.endswith("'s") else w for w in key(name).split(" ")]


def _contains(short: list[str], long: list[str]) -> bool:
    n = len(short)
    return any(long[i:i + n] == short for i in range(len(long) - n + 1))


def _expand_short_names(names: list[str], kind: str, table: AliasTable) -> dict[str, str | None]:
    """Map key -> the longer name it abbreviates, or None if ambiguous (step 3)."""
    words = {key(n): _words(n) for n in names}
    result: dict[str, str | None] = {}
    for name in names:
        k = key(name)
        if kind == "org" and table.lookup(kind, name):
            continue
        longer = [m for m in names if len(words[key(m)]) > len(words[k]) and _contains(words[k], words[key(m)])]
        # Only the longest forms count: "Jong Un" inside "Kim Jong Un" is not a second candidate.
        maximal = [m for m in longer
                   if not any(len(words[key(o)]) > len(words[key(m)]) and _contains(words[key(m)], words[key(o)])
                              for o in longer)]
        targets = {key(table.lookup(kind, m) or m): m for m in maximal}
        known = table.lookup(kind, name)
        if targets and known and len(_words(known)) > len(words[k]):
            # A well-known expansion competes with the article's: "Reagan" beside only
            # "Nancy Reagan" could be either, so it is ambiguous rather than Nancy.
            targets.setdefault(key(known), known)
        if len(targets) == 1:
            result[k] = next(iter(targets.values()))
        elif len(targets) > 1:
            result[k] = None
    return result


def resolve_article(spans: list[Span], source: dict[str, list[str]] | None,
                    table: AliasTable) -> dict[str, list[str]]:
    """The article's facet values {"person": [...], "org": [...], "place": [...]}."""
    named = _source_names(source or {}) + _typed_mentions(spans, table)
    result: dict[str, list[str]] = {}
    for kind in KINDS:
        names = list(dict.fromkeys(n for n, k in named if k == kind))
        expand = _expand_short_names(names, kind, table) if kind in ("person", "org") else {}
        values: dict[str, str] = {}
        for name in names:
            target = expand.get(key(name), name)
            if target is None:
                continue  # ambiguous short form: better absent than wrong
            value = table.lookup(kind, target) or target
            values.setdefault(key(value), value)
        result[kind] = list(values.values())
    return result
