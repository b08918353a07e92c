"""Short names of organisations joined to their full names, as the archive itself shows them.

Why: a facet that lists "GM" and "General Motors Corp", or "Moody" and "Moody's Investors Service
Inc", counts one company twice and splits its articles. Two kinds of evidence, both read from
the archive's own text, never guessed:
  - an abbreviation given in brackets right after the full name: "General Motors Corp (GM)",
    "International Business Machines Corp <IBM>", "Petroleo Brasileiro SA (Petrobras)"; the
    abbreviation must be spelt from the starts of the name's words (`spelt_from`), so a
    bracketed ticker like "<T>" or a bracketed place is not taken;
  - a short form beside its full name in one article (news style: "Chrysler Corp said ...
    Chrysler added"): the full name is the short form and a legal form ("Chrysler Corp",
    "Merrill Lynch and Co Inc"), at most one word more.
Each article's links (`article_links`) are counted by the corpus (index/entities/corpus.py); an
article that uses a short form alone gets the full name most articles linked it to (a tie joins
nothing). The alias table still comes first (`data/aliases.tsv`). No spaCy import.
"""
from __future__ import annotations

import re
from functools import lru_cache

from index.entities.aliases import AliasTable, key
from index.entities.prose import occurrences

PREFIX = "org:"  # link keys share the corpus's resolution table with bare person names
_SKIPPABLE = frozenset("of and the & for de du la".split())
_ABBREVIATION = re.compile(r"\s*[(<]([A-Z][A-Za-z&.]{1,11})[)>]")
_LEGAL = frozenset("co corp corporation inc ltd plc sa ag nv spa llc company group".split())


def _spellable(abbr: str, words: tuple[str, ...]) -> bool:
    @lru_cache(maxsize=None)
    def fits(i: int, j: int) -> bool:
        if i == len(abbr):
            return all(w in _SKIPPABLE or w in _LEGAL for w in words[j:])
        if j == len(words):
            return False
        word = words[j]
        if (word in _SKIPPABLE or word in _LEGAL) and fits(i, j + 1):
            return True
        return any(abbr[i:i + n] == word[:n] and fits(i + n, j + 1)
                   for n in range(1, min(len(word), len(abbr) - i) + 1))
    return fits(0, 0)


def spelt_from(abbr: str, name: str) -> bool:
    """True when `abbr` is made of the starts of `name`'s words, in order, every word used
    except "of", "and" and legal forms: GM <- General Motors Corp, USDA <- U.S. Department of
    Agriculture, Petrobras <- Petroleo Brasileiro SA."""
    letters = re.sub(r"[^a-z]", "", abbr.casefold())
    words = tuple(w for w in re.sub(r"[^a-z& ]", "", name.casefold().replace("&", " & ")).split() if w)
    if len(letters) < 2 or len(words) < 2 or len(letters) > 12:
        return False
    return _spellable(letters, words)


def abbreviations(text: str, names: list[str]) -> list[list[str]]:
    """[abbreviation, full name] pairs the text shows: a name followed by its bracketed
    abbreviation ("General Motors Corp (GM)")."""
    links: dict[str, str] = {}
    for name in dict.fromkeys(names):
        for _, end in occurrences(name, text):
            match = _ABBREVIATION.match(text, end)
            if match is None:
                continue
            abbr = match.group(1).rstrip(".")
            if key(abbr) != key(name) and spelt_from(abbr, name):
                links.setdefault(abbr, name)
    return [[a, f] for a, f in links.items()]


def short_form_of(short: str, full: str, table: AliasTable) -> bool:
    """True when `short` may stand for `full` in other articles too: the full name is the short
    form and its legal form ("Chrysler" / "Chrysler Corp"). Not "House" of "White House", nor a
    body's part ("White House" / "White House Economic Policy Council")."""
    s, f = key(short).split(" "), key(full).replace("'s ", " ").split(" ")
    if len(s) >= len(f) or s[-1] in _LEGAL:  # "Ford Motor Co" is a whole name already
        return False
    if f[:len(s)] == s:
        # The rest is the legal form, with at most one word more ("Chrysler" / "Chrysler Corp",
        # "Merrill Lynch" / "Merrill Lynch and Co Inc"); not a part of the body ("White House" /
        # "White House Economic Policy Council", "Ford Motor Co" / "Ford Motor Co of Canada").
        rest = f[len(s):]
        return rest[-1] in _LEGAL and sum(w not in _LEGAL and w not in _SKIPPABLE for w in rest) <= 1
    # Not "Treasury" / "U.S. Treasury": an archive of British and U.S. news has both treasuries,
    # and the majority would rename one after the other.
    return False


__all__ = ["PREFIX", "abbreviations", "short_form_of", "spelt_from"]
