"""Noise filter: recognised spans that cannot be names, in one list of rules.

Why: the small model labels sports results and tables as names ("Cairns 8 1 35 1" as a person,
"Davis Cup" as a person, "Attendance" as an organisation). Each rule below is a small function
of the cleaned span and its kind that either returns the span (possibly trimmed) or None (drop);
`filter_span` applies them in order; `common_word` needs the article's text. Every rule is
tested (tests/test_entity_noise.py).
No spaCy import.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from index.entities.prose import is_prose, occurrences

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")

MAX_TOKENS = 6
# A name followed by figures: "Cairns 8 1 35 1", "G. Kersey 63", "Mexico 2 0".
_TRAILING_FIGURES = re.compile(r"(?:\s+[-+]?[\d.,:/()\-]+%?)+$")
_DIGIT = re.compile(r"\d")
# Words of results tables and sports pages that the model reads as names; a span that is one
# of these, or ends in one of them ("New York results"), names nothing.
_BOILERPLATE = frozenset("""
attendance scorer scorers schedule schedules result results standings halftime half-time
fixtures table tables summary summaries gmt rbi era pct gb innings wickets overs points pts
""".split())
# Row labels of financial tables ("Shr 1.20 dlrs vs 98 cts", "Avg shrs", "Revs") and units.
_TABLE_WORDS = frozenset("""
shr shrs avg revs rev qtr qtrs mths mth oper dlr dlrs cts pct vs
""".split())
_BOILERPLATE = _BOILERPLATE | _TABLE_WORDS
# Events are not people, places or organisations ("Davis Cup", "Hong Kong Open").
_EVENT_WORDS = frozenset("""
cup open championship championships games olympics olympiad tournament trophy classic
grand prix series rally marathon invitational masters derby league
""".split())
# One-word competitions ("Premiership" is England's football league, not a club or a person).
_EVENT_NAMES = frozenset("premiership olympics paralympics superbowl".split())


def _figures(name: str, kind: str) -> str | None:
    """Trailing figures are a score line's, not the name's; figures inside drop the span."""
    name = _TRAILING_FIGURES.sub("", name).strip()
    if not name or _DIGIT.search(name):
        return None
    return name


def _lowercase_word(name: str, kind: str) -> str | None:
    """A single word starting lower-case ("meth", "scorer") is a word, not a name."""
    words = name.split(" ")
    if len(words) == 1 and not name[:1].isupper():
        return None
    return name


def _too_long(name: str, kind: str) -> str | None:
    """Over six words: a headline or a table row, not one name."""
    return None if len(name.split(" ")) > MAX_TOKENS else name


def _boilerplate(name: str, kind: str) -> str | None:
    """Results-page words ("Attendance", "New York results")."""
    words = name.casefold().split(" ")
    if words[-1] in _BOILERPLATE or all(w in _BOILERPLATE for w in words):
        return None
    return name


def _event(name: str, kind: str) -> str | None:
    """A competition ("Davis Cup", "Hong Kong Open", "Singer World Series") is none of our kinds."""
    words = name.casefold().split(" ")
    if name.casefold() in _EVENT_NAMES:
        return None
    if len(words) > 1 and (words[-1] in _EVENT_WORDS or " ".join(words[-2:]) == "grand prix"):
        return None
    return name


# Currency words: "U.S. Dlrs", "N.Z. Dlrs", "U.S. Dollar", "Swiss Francs" name money, not an entity.
_CURRENCY_WORDS = frozenset("""
dlr dlrs dollar dollars yen marks deutschemark deutschemarks franc francs pounds sterling lira
lire peso pesos rupee rupees guilder guilders crowns krona kronor krone kroner schilling
schillings escudo escudos peseta pesetas yuan ringgit baht rupiah riyal riyals dinar dinars euro
euros cents
""".split())  # not "pound", "rand", "mark", "crown", "won": surnames and words (Ezra Pound, Ayn Rand)
# Words of a company's legal form; a name made only of them ("Co Inc", "Corp") is the tail of a
# name cut off ("Bear Stearns and Co Inc" read as "Bear Stearns" + "Co Inc").
CORPORATE_FORMS = frozenset("""
co corp corporation inc incorporated ltd limited plc llc lp llp sa ag nv bv spa gmbh kk
company cos cie bros
""".split())
# Calendar names: months (and their wire abbreviations), weekdays, holidays.
_CALENDAR = frozenset("""
january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday
saturday sunday easter christmas xmas ramadan passover thanksgiving hanukkah
""".split())


# Words of institutions' generic descriptions. An organisation named only by them ("State",
# "Finance Ministry", "Central Bank", "District Court", "Agriculture Department") is a
# description that means a different body in each country or article, not a name: the
# model cut the country off ("Japan's Finance Ministry") or read a title ("Secretary of State").
_GENERIC_ORG_WORDS = frozenset("""
state states finance ministry ministries department government central bank court courts
district supreme appeals federal national embassy cabinet council committee commission agency
board treasury foreign trade interior defence defense justice economy economic agriculture
commerce energy industry labour labor health education environment transport public works
office authority police army navy customs parliament senate house assembly legislature
administration regional provincial municipal city county general budget
""".split())
# Credit ratings read as organisations ("rated AAA by Standard and Poor's").
_RATINGS = re.compile(r"^(?:A{1,3}|B{1,3}|C{1,3}|Aa|Baa|Ba|Caa|Ca)[-+]?\d?$")


def _generic_org(name: str, kind: str) -> str | None:
    """An organisation named only by generic words ("Finance Ministry", "State") or a credit
    rating ("AAA") is no organisation's name. One word of a real name is enough to keep it:
    "Bank of England", "U.S. Treasury", "Supreme Soviet"."""
    if kind != "org":
        return name
    words = name.casefold().replace(".", "").split(" ")
    generic = all(w in _GENERIC_ORG_WORDS or w in ("of", "the", "and", "for") for w in words)
    if generic and (len(words) == 1 and words[0] not in _SINGLE_ORGS or _GENERIC_MULTI & set(words)):
        return None
    return None if _RATINGS.match(name) else name


# One-word names an archive uses for one body of its own country: a legislature's chamber,
# the finance ministry of English-speaking governments.
_SINGLE_ORGS = frozenset("senate house treasury".split())
# Generic descriptions of several words that stay generic: a ministry or court, a central bank
# ("Finance Ministry" is Japan's in one article, Brazil's in the next). "Commerce Department"
# stays: English-language news uses it for the U.S. department.
_GENERIC_MULTI = frozenset("ministry court courts bank government".split())


def _currency(name: str, kind: str) -> str | None:
    """Money, not an entity: a name ending in a currency word ("U.S. Dlrs", "H.K. Dollar")."""
    return None if name.casefold().split(" ")[-1] in _CURRENCY_WORDS else name


def _fragment(name: str, kind: str) -> str | None:
    """Not a name alone: a single letter ("P"), or only legal-form words ("Co Inc", "Corp")."""
    words = name.casefold().replace(".", "").split(" ")
    if sum(c.isalpha() for c in name) < 2 or all(w in CORPORATE_FORMS for w in words):
        return None
    return name


def _calendar(name: str, kind: str) -> str | None:
    """A month, weekday or holiday ("Mar", "Easter") is a date, none of our kinds."""
    return None if all(w in _CALENDAR for w in name.casefold().rstrip(".").split(" ")) else name


def _all_caps_person(name: str, kind: str) -> str | None:
    """A person in capitals across several words is a headline ("LEICESTERSHIRE TAKE OVER")."""
    if kind == "person" and " " in name and name.isupper():
        return None
    return name


# Lower-case words that belong inside names ("Osama bin Laden", "Ludwig van Beethoven").
_PARTICLES = frozenset("de da di del della der den van von bin ibn al el le la du dos das y e ben ter".split())


def _lowercase_inside_person(name: str, kind: str) -> str | None:
    """A "person" with a lower-case word that is no name particle spans two names and a word
    between them ("Yorkshire at Headingley")."""
    words = name.split(" ")
    if kind == "person" and any(w[:1].islower() and w.casefold() not in _PARTICLES for w in words[1:]):
        return None
    return name


# Institutions whose name the model glues to the next capitalised word ("the White House. Hitler
# ..." read as the person "House Hitler"): as a person's first word they are never the name's.
_INSTITUTION_WORDS = frozenset("""
house senate congress parliament court ministry pentagon kremlin cabinet council assembly
government police army navy embassy
""".split())


def _institution_prefix(name: str, kind: str) -> str | None:
    """A "person" that starts with an institution ("House Hitler", "Senate Smith") is the end of
    the institution's name run into a person's: the person is what follows it."""
    if kind != "person":
        return name
    words = name.split(" ")
    while len(words) > 1 and words[0].casefold() in _INSTITUTION_WORDS:
        words = words[1:]
    if words[0].casefold() in _INSTITUTION_WORDS:
        return None
    return " ".join(words)


_DESCRIPTOR = re.compile(r"\s+(?:news agency|news service)$", re.IGNORECASE)


def _descriptor(name: str, kind: str) -> str | None:
    """"KCNA news agency", "Interfax news agency": the agency's name is the name."""
    return _DESCRIPTOR.sub("", name) or name


RULES: tuple[Callable[[str, str], str | None], ...] = (
    _figures, _lowercase_word, _too_long, _boilerplate, _event, _all_caps_person, _descriptor,
    _lowercase_inside_person, _institution_prefix, _currency, _fragment, _calendar, _generic_org)


def table_only(name: str, kind: str, text: str) -> bool:
    """A one-word "person" that the article writes only in paragraphs that are no prose
    (`prose.is_prose`: "Revs 12.4 mln vs 10.1 mln", "Avg shrs 5.6 mln") is a table's row
    label, not a name. Multi-word names in tables stay (a results table's "Colin
    Montgomerie 69 70"): a row label is one word, and a person is rarely named by surname
    alone in a table with no sentence about them."""
    if kind != "person" or " " in name or not text:
        return False
    paragraphs = [p for p in _PARAGRAPH_BREAK.split(text) if next(occurrences(name, p), None)]
    return bool(paragraphs) and not any(is_prose(p) for p in paragraphs)


def common_word(name: str, kind: str, text: str) -> bool:
    """A one-word "person" the same article also writes in lower case mid-sentence ("Meth use
    rose ... the meth trade") is a common word that opened a sentence, not a name: names are
    capitalised everywhere. (Not organisations: "the Treasury" sits beside "treasury bills".)"""
    if kind != "person" or " " in name or not name[:1].isupper() or len(name) < 3:
        return False
    return re.search(r"(?<=[a-z,;:] )" + re.escape(name.lower()) + r"\b", text) is not None


def filter_span(name: str, kind: str) -> str | None:
    """The cleaned span, trimmed of score figures, or None when a rule says it is no name."""
    for rule in RULES:
        kept = rule(name, kind)
        if kept is None:
            return None
        name = kept
    return name


__all__ = ["filter_span", "common_word", "table_only", "RULES", "MAX_TOKENS", "CORPORATE_FORMS"]
