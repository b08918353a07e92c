"""One article's entities: recognised spans + source-given names -> clean facet values.

Two stages, so that a corpus-level pass can redo the second without NER:
  `article_evidence(spans, source, table)`: the article's mentions, in text order, cleaned and
  noise-filtered (`noise.filter_span`), each with the kind the model gave it, plus the names
  the source itself gave (first, as if they preceded the text). JSON-able: the corpus pass
  keeps it (index/entities/corpus.py).
  `resolve(evidence, table, ...)`: the facet values. Rules, in order:
  1. Kinds. A name the alias table (or the shipped known-types list) knows under exactly one
     kind gets that kind ("Twitter" is an organisation, whatever the model says). Otherwise the
     majority of the name's labels: across the corpus when `votes` is given (type voting), else
     in the article (ties: person, place, org).
  2. Short names, news style (person and org): a name whose words occur, in order, inside a
     longer name of the same kind refers to the nearest preceding such name ("Kim" after "Kim
     Jong Un" is him, even if "Kim Yong Chol" comes later); with none preceding, to the one
     longer name that follows; with several following and none preceding it is ambiguous and
     dropped. A well-known expansion from the alias table competes ("Reagan" beside only
     "Nancy Reagan" is dropped, not made Nancy). For orgs the alias table is asked first ("Fed"
     is the Federal Reserve even beside "New York Fed"). Places are not merged this way:
     "China" is not "South China Sea".
  3. A one-word person name left bare (no longer name in the article, none in the alias table)
     is offered to `bare_lookup` (the corpus pass: the same story, else the corpus).
  4. Every name goes through the alias table, and each value is kept once, first mention first.
`resolve_article` does both stages without a corpus (one article alone). No spaCy import.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from index.entities import reuters_codes
from index.entities.aliases import KINDS, AliasTable, key
from index.entities.canonical import clean, normalise
from index.entities.noise import common_word, filter_span

LABEL_KINDS = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place", "FAC": "place"}
_TIE_ORDER = {"person": 0, "place": 1, "org": 2}

Span = tuple[str, str]  # (text as in the document, spaCy label)
Evidence = dict  # {"m": [[name, kind], ...] mentions in order, "s": [[name, kind], ...] source-given}
Votes = Callable[[str], dict[str, int]]  # name key -> {kind: labels counted in the corpus}


@dataclass(frozen=True)
class Steps:
    """Which steps run (all by default; bench/ner.py measures each alone). Off means the
    earlier rule: no noise filter, unique-containment short names, per-article type majority,
    no cross-article resolution, no dateline place."""

    noise: bool = True
    coref: bool = True
    types: bool = True
    corpus: bool = True
    dateline: bool = True  # the dateline's place is a place (applied by extractor.py)


ALL_STEPS = Steps()


def article_evidence(spans: list[Span], source: dict[str, list[str]] | None, table: AliasTable,
                     steps: Steps = ALL_STEPS, article_text: str = "") -> Evidence:
    """The article's cleaned mentions in text order and its source-given names (see module doc).
    `article_text`, what the recogniser read, lets the noise filter see a name written in lower
    case."""
    mentions: list[list[str]] = []
    for text, label in spans:
        kind = LABEL_KINDS.get(label)
        if kind is None or "\n\n" in text or "\n \n" in text:
            continue  # a span across a paragraph break glues a dateline to a headline
        name = clean(kind, text)
        if name is not None and steps.noise:
            name = filter_span(name, kind)
            if name is not None and article_text and common_word(name, kind, article_text):
                name = None
        if name is None:
            continue
        known = table.kinds_of(name)
        if label == "FAC" and "place" not in known:
            continue  # a building or a bridge, not a place to facet on
        if known and kind not in known and len(known) == 1:
            name = clean(known[0], text) or name
            if steps.noise:
                name = filter_span(name, known[0]) or name
        if kind == "place" and name.isupper() and len(name) > 4 and not known:
            name = name.title()  # "PORTLAND" in a capitalised line is Portland, not an acronym
        mentions.append([name, kind])
    return {"m": mentions, "s": [list(pair) for pair in _source_names(source or {})]}


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


def label_counts(evidence: Evidence) -> dict[str, Counter]:
    """key -> Counter of the kinds the model gave the name's mentions in this article."""
    counts: dict[str, Counter] = {}
    for name, kind in evidence["m"]:
        counts.setdefault(key(name), Counter())[kind] += 1
    return counts


def _kinds(evidence: Evidence, table: AliasTable, votes: Votes | None) -> list[tuple[str, str]]:
    """(name, kind) per mention, source names first, after rule 1."""
    local = label_counts(evidence)
    decided: dict[str, str] = {}
    typed: list[tuple[str, str]] = [(n, k) for n, k in evidence["s"]]
    for name, label_kind in evidence["m"]:
        k = key(name)
        if k not in decided:
            known = table.kinds_of(name)
            if len(known) == 1:
                decided[k] = known[0]
            else:
                count = Counter(votes(k)) if votes is not None else Counter()
                if not count:
                    count = local[k]
                if known:  # the table knows it under several kinds: only those compete
                    count = Counter({kind: count.get(kind, 0) for kind in known}) if any(
                        count.get(kind) for kind in known) else count
                decided[k] = max(count, key=lambda kind: (count[kind], -_TIE_ORDER[kind]))
        kind = decided[k]
        if kind != label_kind:
            name = _retype(name, kind)
        typed.append((name, kind))
    return typed


def _retype(name: str, kind: str) -> str:
    return clean(kind, name) or name


def _words(name: str) -> list[str]:
    """Key words without possessives: "Moody" is inside "Moody's Investors Service"."""
    return [w[:-2] if w.endswith("'s") else w for w in key(name).split(" ")]


def _contains(short: list[str], long: list[str]) -> bool:
    n = len(short)
    return any(long[i:i + n] == short for i in range(len(long) - n + 1))


def _longer_forms(names: list[str]) -> dict[str, list[str]]:
    """key -> the maximal longer names containing it ("Jong Un" inside "Kim Jong Un" is not a
    second candidate for "Kim")."""
    words = {key(n): _words(n) for n in names}
    out: dict[str, list[str]] = {}
    for name in names:
        k = key(name)
        longer = [m for m in names if len(words[key(m)]) > len(words[k]) and _contains(words[k], words[key(m)])]
        out[k] = [m for m in longer
                  if not any(len(words[key(o)]) > len(words[key(m)]) and _contains(words[key(m)], words[key(o)])
                             for o in longer)]
    return out


def _short_targets(seq: list[str], kind: str, table: AliasTable, news_style: bool) -> list[str | None]:
    """Per mention of `seq` (one kind, text order): the name it stands for, or None (ambiguous)."""
    names = list(dict.fromkeys(seq))
    forms = _longer_forms(names)
    out: list[str | None] = []
    last_seen: dict[str, int] = {}
    for pos, name in enumerate(seq):
        k = key(name)
        longer = forms[k]
        known = table.lookup(kind, name)
        if not longer or (kind == "org" and known):
            out.append(name)
        else:
            targets = {key(table.lookup(kind, m) or m): m for m in longer}
            if known and len(_words(known)) > len(_words(name)):
                targets.setdefault(key(known), known)
            preceding = [m for m in longer if key(m) in last_seen]
            if len(targets) == 1:
                out.append(next(iter(targets.values())))
            elif news_style and preceding and len(targets) == len(longer):
                out.append(max(preceding, key=lambda m: last_seen[key(m)]))
            else:
                out.append(None)
        last_seen[k] = pos
    return out


def resolve(evidence: Evidence, table: AliasTable, steps: Steps = ALL_STEPS, votes: Votes | None = None,
            bare_lookup: Callable[[str], str | None] | None = None) -> dict[str, list[str]]:
    """The article's facet values {"person": [...], "org": [...], "place": [...]}."""
    typed = _kinds(evidence, table, votes if steps.types else None)
    result: dict[str, list[str]] = {}
    for kind in KINDS:
        seq = [n for n, k in typed if k == kind]
        if kind in ("person", "org"):
            targets = _short_targets(seq, kind, table, news_style=steps.coref)
        else:
            targets = list(seq)
        values: dict[str, str] = {}
        for name, target in zip(seq, targets):
            if target is None:
                continue  # ambiguous short form: better absent than wrong
            value = table.lookup(kind, target)
            if value is None and kind == "person" and bare_lookup is not None and steps.corpus \
                    and is_bare(target, table):
                value = bare_lookup(target)
            value = value or target
            values.setdefault(key(value), value)
        result[kind] = list(values.values())
    return result


def is_bare(name: str, table: AliasTable) -> bool:
    """A one-word person name the alias table does not expand ("Kim", not "Trump")."""
    return " " not in name.strip() and table.lookup("person", name) is None


def local_resolutions(evidence: Evidence, table: AliasTable) -> dict[str, str]:
    """bare key -> the full name it stands for in this article (rule 2 with the article's own
    kinds), the evidence other articles of the corpus resolve their bare names with."""
    typed = _kinds(evidence, table, None)
    seq = [n for n, k in typed if k == "person"]
    counts: dict[str, Counter] = {}
    for name, target in zip(seq, _short_targets(seq, "person", table, news_style=True)):
        if target is not None and is_bare(name, table) and key(target) != key(name):
            counts.setdefault(key(name), Counter())[target] += 1
    # The name it stands for most often, the first of equals (Counter keeps first-seen order).
    return {k: c.most_common(1)[0][0] for k, c in counts.items()}


def resolve_article(spans: list[Span], source: dict[str, list[str]] | None,
                    table: AliasTable, steps: Steps = ALL_STEPS) -> dict[str, list[str]]:
    """One article alone (no corpus): evidence, then resolution."""
    return resolve(article_evidence(spans, source, table, steps), table, steps)
