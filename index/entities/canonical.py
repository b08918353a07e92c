"""Cleaning of entity spans and the canonical display form of one name.

A recogniser returns spans as they sit in the text ("North Korea's", "the U.S.", "President
Trump", "“Hanoi"); a facet needs one value per entity. This module turns one span into a clean
name and maps it through the alias table. It never imports spaCy: the search side calls
`canonical_name` on every query.
"""
from __future__ import annotations

import re
from pathlib import Path

from index.entities import reuters_codes
from index.entities.aliases import AliasTable, load_aliases

_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u00a0": " ", "\u2009": " ", "\u202f": " ",
})
_SPACE = re.compile(r"\s+")
_LEAD_PUNCT = "\"'([{<*\u2022-\u2013\u2014,;:.!?/"
_TRAIL_PUNCT = "\"'()[]{}<>*,;:!?/-\u2013\u2014"
_POSSESSIVE = re.compile(r"(?:'s|(?<=s)')$", re.IGNORECASE)
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
# "U.S." keeps its dot; "Reuters." does not.
_INITIALISM = re.compile(r"(?:[A-Za-z]\.)+$")
_ABBREVIATIONS = frozenset("inc corp co ltd jr sr bros plc st mt ft cie"
                           " ag sa nv bv spa dept univ intl assn".split())
# Words that precede a person's name but are not part of it ("President Trump" -> "Trump").
_TITLES = frozenset("""
mr mrs ms miss dr prof president vice premier chancellor senator sen rep gov governor secretary
minister prime chairman chairwoman chief mayor judge justice general gen lieutenant col colonel
treasury finance foreign trade state ambassador envoy leader commissioner spokesman
spokeswoman deputy director sheikh treasurer energy agriculture economy economics commerce
industry defence defense interior oil petroleum mines labour labor
""".split())
TITLES = _TITLES  # public: resolve.py reads a title before a one-word name as its warrant
# Lone words a model sometimes labels as a place or name but that name nothing by themselves.
_STOPNAMES = frozenset("north south east west northern southern eastern western central".split())
MAX_TOKENS = 8


def normalise(text: str) -> str:
    """Straight quotes, single spaces: two spellings of one name differ only in what matters."""
    return _SPACE.sub(" ", text.translate(_QUOTES)).strip()


def _strip_once(name: str, kind: str) -> str:
    name = name.lstrip(_LEAD_PUNCT).rstrip(_TRAIL_PUNCT).strip()
    name = _POSSESSIVE.sub("", name).rstrip(_TRAIL_PUNCT).strip()
    if name.endswith("."):
        last = name.split(" ")[-1]
        if not _INITIALISM.match(last) and last[:-1].casefold() not in _ABBREVIATIONS:
            name = name[:-1].rstrip()
    name = _LEADING_THE.sub("", name)
    if kind == "person":
        words = name.split(" ")
        while len(words) > 1 and words[0].rstrip(".").casefold() in _TITLES:
            words.pop(0)
        # "AFP Kim": an all-caps acronym glued to the front of a name is the source, not the name.
        if len(words) > 1 and _is_acronym(words[0]) and not all(_is_acronym(w) for w in words[1:]):
            words.pop(0)
        name = " ".join(words)
    return name


def _is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters) and "." not in word


def clean(kind: str, span: str) -> str | None:
    """A recognised span as a bare name, or None if nothing name-like is left.

    Removes possessive 's (straight or curly), a leading "the", surrounding punctuation and
    quotes, person titles ("President"), and normalises whitespace and quotes.
    """
    name = normalise(span)
    while True:
        stripped = _strip_once(name, kind)
        if stripped == name:
            break
        name = stripped
    if not any(c.isalpha() for c in name) or (not any(c.isupper() for c in name)
                                              and any(c.islower() for c in name)):
        return None  # lower-case or symbol-only spans are model noise, not names; a name in a
        # script without case (Chinese, Arabic: "习近平" as a source's tag) is a name
    if len(name.split(" ")) > MAX_TOKENS or name.casefold() in _STOPNAMES:
        return None
    return name


def canonical_name(kind: str, name: str, aliases_file: Path | None = None,
                   table: AliasTable | None = None) -> str:
    """The canonical display form of a name, e.g. a user's filter value.

    canonical_name("place", "U.S.") -> "United States"; ("place", "us") -> "United States";
    ("person", "james-baker") -> "James Baker". Unknown names come back cleaned but otherwise
    as typed (a filter for "Smith" stays "Smith"). `aliases_file` is the user's alias file, the
    same one given to `EntityExtractor`, so filters and index agree.
    """
    table = table or load_aliases(Path(aliases_file) if aliases_file else None)
    text = normalise(name)
    found = table.lookup(kind, text)
    if found:
        return found
    if reuters_codes.is_code(kind, text):
        text = reuters_codes.display_name(kind, text)
        return table.lookup(kind, text) or text
    cleaned = _clean_typed(kind, text)
    return table.lookup(kind, cleaned) or cleaned


def _clean_typed(kind: str, text: str) -> str:
    """Like `clean`, but keeps lower-case input: a user may type "hanoi"."""
    while True:
        stripped = _strip_once(text, kind)
        if stripped == text:
            return stripped
        text = stripped
