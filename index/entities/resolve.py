"""One article's entities: recognised spans + source-given names -> clean facet values.

Two stages, so that a corpus-level pass can redo the second without NER:
  `article_evidence(spans, source, table)`: the article's mentions, in text order, cleaned and
  noise-filtered (`noise.filter_span`), each with the kind the model gave it, plus the names
  the source itself gave (first, as if they preceded the text), and for an article no model
  reads the names known from the archive found in its text ("k", index/entities/known.py:
  kinds by the corpus's votes, no votes of their own, vouched for as source names are).
  JSON-able: the corpus pass keeps it (index/entities/corpus.py).
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

import re
from collections import Counter
from collections.abc import Callable
from typing import Required, TypedDict
from dataclasses import dataclass

from index.entities import reuters_codes
from index.entities.aliases import KINDS, AliasTable, key
from index.entities.canonical import TITLES as PERSON_TITLES, clean, normalise
from index.entities.noise import CORPORATE_FORMS, common_word, filter_span, table_only
from index.entities.orglinks import abbreviations, short_form_of
from index.entities.prose import occurrences

# English (OntoNotes) labels, and the French model's (WikiNER: PER, ORG, LOC, MISC).
LABEL_KINDS = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place", "FAC": "place", "PER": "person"}
# Labels of names that are none of our kinds: nationalities and parties (NORP), events, works
# (films, books), products, laws, languages. They are kept as mentions of kind OTHER so that
# they vote: a name the model mostly calls a product or a work ("Xbox", "Harry Potter",
# "Oscar") is no person even where it once says PERSON (rule 1). OTHER is never a facet value.
OTHER = "other"
OTHER_LABELS = frozenset({"NORP", "EVENT", "WORK_OF_ART", "PRODUCT", "LAW", "LANGUAGE", "MISC"})
_TIE_ORDER = {"person": 0, "place": 1, "org": 2, OTHER: 3}
# Last words that make a "person" an organisation: legal forms ("Courier Corp") and the words
# of club names ("Manchester United", "Blackburn Rovers").
_ORG_LAST_WORDS = CORPORATE_FORMS | frozenset("""
group holdings partners associates bank airlines industries
united rovers wanderers athletic albion hotspur fc afc rangers
dems democrats republicans tories conservatives socialists liberals party na
""".split())

Span = tuple[str, str]  # (text as in the document, spaCy label)


class Evidence(TypedDict, total=False):
    """What an article says about its names, as stored in the entity corpus (JSON)."""

    m: Required[list[list[str]]]  # [[name, kind], ...]: mentions, in order
    s: Required[list[list[str]]]  # [[name, kind], ...]: source-given names
    t: list[str]                  # keys of one-word names a title vouches for ("President Suharto")
    a: list[list[str]]            # [[abbreviation, full organisation name], ...] the article spells out
    k: list[list[str]]            # [[name, kind], ...]: names known from the archive found in the text
    #                               (an article no model reads: index/entities/known.py); no votes


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
                     steps: Steps = ALL_STEPS, article_text: str = "", english: bool = True) -> Evidence:
    """The article's cleaned mentions in text order and its source-given names (see module doc).
    `article_text`, what the recogniser read, lets the noise filter see a name written in lower
    case. `english=False` (another language's model read the text) skips the rule that reads
    English: a table is told from prose by English function words (`noise.table_only`)."""
    mentions: list[list[str]] = []
    names = {text for text, _ in spans}
    titled: set[str] = set()
    for text, label in spans:
        kind = LABEL_KINDS.get(label) or (OTHER if label in OTHER_LABELS and steps.types else None)
        if kind is None or "\n\n" in text or "\n \n" in text:
            continue  # a span across a paragraph break glues a dateline to a headline
        if kind == OTHER:
            name = clean(kind, text)
            if name is not None and not table.kinds_of(name):
                mentions.append([name, kind])
            continue
        if kind in ("org", "person") and steps.noise and article_text:
            company = company_name(text, article_text, names)
            if company is not None:
                text, kind = company, "org"
        name = clean(kind, text)
        if name is not None and steps.noise:
            name = filter_span(name, kind)
            if name is not None and article_text and (common_word(name, kind, article_text)
                                                      or (english and table_only(name, kind, article_text))):
                name = None
        if name is None:
            continue
        if kind == "person" and " " not in name and (clean("org", text) != name or _titled(name, article_text)):
            titled.add(key(name))  # "President Suharto": a one-word name a title vouches for
        if kind == "person" and steps.noise and name.casefold().replace(".", "").split(" ")[-1] in _ORG_LAST_WORDS \
                and " " in name:
            kind = "org"  # "Courier Corp", "Manchester United"
        known = table.kinds_of(name)
        if label == "FAC" and "place" not in known:
            continue  # a building or a bridge, not a place to facet on
        if known and kind not in known and len(known) == 1:
            name = clean(known[0], text) or name
            if steps.noise:
                name = filter_span(name, known[0]) or name
        if kind == "place" and name.isupper() and len(name) > 4 and not known:
            name = name.title()  # "PORTLAND" in a capitalised line is Portland, not an acronym
        elif kind == "place" and name.isalpha() and name.isupper() and not known and steps.noise:
            kind = "org"  # an acronym no alias names as a place ("BT") is a company or a body
        mentions.append([name, kind])
    if steps.noise:  # "Rexnord" beside "Rexnord Inc": the company, whatever the model said
        companies = [_words(n) for n, k in mentions if k == "org" and _last(n) in CORPORATE_FORMS]
        surnames = {_words(n)[-1] for n, k in mentions if k == "person" and " " in n}
        for mention in mentions:
            if mention[1] == "person" and any(c[:len(_words(mention[0]))] == _words(mention[0])
                                              and len(c) > len(_words(mention[0])) for c in companies):
                mention[1] = "org"
            elif mention[1] in ("org", "place") and " " not in mention[0] and _words(mention[0])[0] in surnames \
                    and not table.kinds_of(mention[0]):
                mention[1] = "person"  # "Ferguson" after "Sir Alex Ferguson": him, not a club
    evidence: Evidence = {"m": mentions, "s": [list(pair) for pair in _source_names(source or {})]}
    if titled:
        evidence["t"] = sorted(titled)
    if steps.corpus and article_text:
        orgs = [text for text, label in spans if label == "ORG"]
        links = abbreviations(article_text, orgs)
        if links:
            evidence["a"] = [[a, clean("org", f) or f] for a, f in links]
    return evidence


_CAP_RUN = r"[A-Z][\w'.&-]*(?:\s+(?:[A-Z][\w'.&-]*|of|de))*"
_AND = r"\s+(?:and|&)\s+"
_RIGHT = re.compile(_AND + "(" + _CAP_RUN + ")")
_LEFT = re.compile("(" + _CAP_RUN + ")" + _AND + "$")


def joined_name(span: str, text: str, spans: set[str]) -> str:
    """An organisation's whole name when the model cut it at its "and" ("American Telephone"
    of "American Telephone and Telegraph Co", "Poor's Corp" of "Standard and Poor's Corp",
    "Co Inc" of "Bear Stearns and Co Inc"), else the span. The text must show the whole name,
    and the other half must be no name of its own in the article (not "IBM and Apple Computer
    Inc"), except a half made only of legal-form words ("Co Inc"), which is never a name."""
    words = span.replace(".", "").split()
    if not words:
        return span
    tail_only = all(w.casefold() in CORPORATE_FORMS for w in words)
    complete = words[-1].casefold() in CORPORATE_FORMS  # "Norwest Corp" ends as a name ends
    possessive = words[0].endswith(("'s", "\u2019s"))  # "Poor's Corp" begins mid-name
    for start, end in occurrences(span, text):
        right = _RIGHT.match(text, end)
        if right and not complete and _last(right.group(1)) in CORPORATE_FORMS and (
                right.group(1) not in spans or all(w.casefold() in CORPORATE_FORMS for w in right.group(1).split())):
            return text[start:right.end()]
        left = _LEFT.search(text[max(0, start - 80):start])
        if left and (tail_only or (possessive and left.group(1) not in spans)) \
                and _last(left.group(1)) not in CORPORATE_FORMS:
            return left.group(0) + span
    return span


_LEGAL_AFTER = re.compile(r"(?:\s+(?:" + "|".join(sorted(CORPORATE_FORMS, key=len, reverse=True)) + r")\.?)+(?!\w)",
                          re.IGNORECASE)
_COMPANY_BEFORE = re.compile(r"\b(?:company|firm|group|bank|carrier|airline|concern|subsidiary|unit|club|side|"
                             r"maker|producer|retailer|insurer|utility|conglomerate|brokerage|newspaper)\s+$")


def company_name(span: str, text: str, spans: set[str]) -> str | None:
    """The company a span (of any kind) is part of, as the text shows it, else None: its
    legal form follows ("Rexnord" of "Rexnord Inc", "Phelps" of "Phelps Corp"), it is half of
    an "and" name (`joined_name`), or a company noun precedes it ("the state oil company
    Petrobras", "Premiership side Everton"): then the name is an organisation's."""
    for start, end in occurrences(span, text):
        legal = _LEGAL_AFTER.match(text, end)
        if legal and text[start:legal.end()] in spans:
            continue  # the model has the whole name here: this occurrence is not the span's
        if legal and span.replace(".", "").split()[-1].casefold() not in CORPORATE_FORMS:
            return joined_name(text[start:legal.end()], text, spans)
        if _COMPANY_BEFORE.search(text, max(0, start - 20), start):
            return joined_name(span, text, spans)
    joined = joined_name(span, text, spans)
    return joined if joined != span else None


def _titled(name: str, text: str) -> bool:
    """The text puts a person's title right before the name ("Energy Minister Subroto")."""
    for start, _ in occurrences(name, text):
        before = _WORD_BEFORE.search(text, max(0, start - 30), start)
        if before and before.group(1).rstrip(".").casefold() in PERSON_TITLES:
            return True
    return False


_WORD_BEFORE = re.compile(r"([A-Z][a-z]+\.?)\s+$")


def _last(name: str) -> str:
    return name.replace(".", "").split()[-1].casefold()


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
    # The source says what its own names are ("Fort Wayne" of a dateline is a place).
    decided: dict[str, str] = {key(n): kind for n, kind in evidence["s"]}
    typed: list[tuple[str, str]] = [(n, k) for n, k in evidence["s"]]
    for name, label_kind in evidence["m"] + evidence.get("k", []):
        k = key(name)
        if k not in decided:
            known = table.kinds_of(name)
            if len(known) == 1:
                decided[k] = known[0]
            else:
                count = Counter(votes(k)) if votes is not None else Counter()
                if not count:
                    count = local.get(k) or Counter({label_kind: 1})  # a known name: the kind it is known as
                if known:  # the table knows it under several kinds: only those compete
                    count = Counter({kind: count.get(kind, 0) for kind in known}) if any(
                        count.get(kind) for kind in known) else count
                decided[k] = max(count, key=lambda kind: (count[kind], -_TIE_ORDER[kind]))
        kind = decided[k]
        if kind == OTHER:
            continue  # mostly a nationality, event, work or product: no facet value
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
            bare_lookup: Callable[[str], str | None] | None = None,
            org_lookup: Callable[[str], str | None] | None = None) -> dict[str, list[str]]:
    """The article's facet values {"person": [...], "org": [...], "place": [...]}.
    `org_lookup`: the full name the corpus links an organisation's short name to (orglinks.py)."""
    typed = _kinds(evidence, table, votes if steps.types else None)
    abbreviated = {key(a): f for a, f in evidence.get("a", [])}
    titled = set(evidence.get("t", ()))
    # Names a source gave, and names known from the archive (found in two articles at least when
    # one word: known.matchable), are vouched for: a lone word of them is kept unexpanded.
    given = {key(n) for n, _ in evidence["s"] + evidence.get("k", [])}
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
                if value is None and steps.noise and key(target) not in titled and key(target) not in given:
                    continue  # a lone word no article expands and no title vouches for: "Duff" of
                    # "Duff and Phelps", "Brown" of "Alex. Brown and Sons", not a known person
            if value is None and kind == "org" and steps.corpus:
                value = abbreviated.get(key(target))
                if value is None and org_lookup is not None and key(target) == key(name):
                    value = org_lookup(target)
                value = table.lookup(kind, value) or value if value else None
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


def org_links(evidence: Evidence, table: AliasTable) -> dict[str, str]:
    """short key -> full name, the organisations' links this article shows (orglinks.py):
    bracketed abbreviations, and short forms beside their full names."""
    links = {key(a): f for a, f in evidence.get("a", [])}
    seq = [n for n, k in _kinds(evidence, table, None) if k == "org"]
    for name, target in zip(seq, _short_targets(seq, "org", table, news_style=True)):
        if target is not None and key(target) != key(name) and table.lookup("org", name) is None \
                and short_form_of(name, target, table):
            links.setdefault(key(name), target)
    return links


def resolve_article(spans: list[Span], source: dict[str, list[str]] | None,
                    table: AliasTable, steps: Steps = ALL_STEPS) -> dict[str, list[str]]:
    """One article alone (no corpus): evidence, then resolution."""
    return resolve(article_evidence(spans, source, table, steps), table, steps)
