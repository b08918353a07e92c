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
# Events are not people, places or organisations ("Davis Cup", "Hong Kong Open").
_EVENT_WORDS = frozenset("""
cup open championship championships games olympics olympiad tournament trophy classic
grand prix series rally marathon invitational masters derby
""".split())


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
    if len(words) > 1 and (words[-1] in _EVENT_WORDS or " ".join(words[-2:]) == "grand prix"):
        return None
    return name


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
    _lowercase_inside_person, _institution_prefix)


def common_word(name: str, kind: str, text: str) -> bool:
    """A one-word "person" the same article also writes in lower case mid-sentence ("Meth use
    rose ... the meth trade") is a common word that opened a sentence, not a name: names are
    capitalised everywhere."""
    if kind != "person" or " " in name or not name[:1].isupper() or len(name) < 3:
        return False
    return re.search(r"(?<=[a-z,;:] )" + re.escape(name.lower()) + r"\b", text) is not None


def filter_span(name: str, kind: str) -> str | None:
    """The cleaned span, trimmed of score figures, or None when a rule says it is no name."""
    for rule in RULES:
        name = rule(name, kind)
        if name is None:
            return None
    return name


__all__ = ["filter_span", "common_word", "RULES", "MAX_TOKENS"]
