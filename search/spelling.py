"""Did-you-mean: the decision, the same on every backend. A backend only gathers candidates.

Which words of a query are checked: its plain words *as typed* (search.ranking's PLAIN_WORD and
`correctable`: words of any script's letters, not a field value such as person:Kim, not a
wildcard, not a number, not an operator, not a stop word of a language the query searches, not
Chinese, Japanese, Korean or Thai, which are written without spaces), at most MAX_SPELL_WORDS
occurrences. Correcting the parsed query would correct stems ("prics" -> "pric" -> "april").

Which correction a word gets (`best_correction`): among the indexed words one edit away (deletes,
inserts, replaces, swaps of neighbours), the most common; if none, for words up to
MAX_WORD_DISTANCE_2 letters that the index does not have, among those two edits away; taken
only when it is RATIO times as common as the word itself (a rare word is taken as a typo only
next to a much commoner one).

Whether the corrected query is offered (`suggest`): only when it finds more articles than the
query did.

What a backend supplies: the candidates a given number of edits away with their article counts
and the word's own count (the Whoosh backend from its vocabulary dict by generating edits, the
OpenSearch backend from the cluster's term suggester), and a count of what a parsed query finds.

Languages: a query is corrected in the languages it searches (`search.languages.searched`: its
language filter, else every language the index holds). The backend's candidates come from those
languages' words only (its `corrections`), so a French query gets no English suggestion; the
backend passes the same languages to `suggest`, which leaves their stop words alone.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

import unicodedata
from collections.abc import Sequence

from search import querylang as ql
from search.backend import MAX_SPELL_WORDS, SUGGEST_BELOW
from search.ranking import PLAIN_WORD, correctable
from search.results import SearchError

RATIO = 20       # a rare word is taken as a typo only if a close word is this many times more common
MAX_WORD = 30    # longer "words" are not typos worth correcting
# Distance 2 is tried only for words up to this long: its candidates grow with the square of the
# length (measured ~0.04 s for an 8-letter word, ~0.1 s for 10 letters, per unknown word, on the
# Whoosh backend's vocabulary).
MAX_WORD_DISTANCE_2 = 8

Q = TypeVar("Q")  # a backend's query (a Whoosh query, an OpenSearch query body)
# Candidates `edits` away from a word (1 or 2) -> {candidate: articles using it}.
Nearby = Callable[[int], dict[str, int]]
# The distinct lower-case words to check -> ({word: correction}, whether the time budget ran out).
Corrections = Callable[[list[str]], tuple[dict[str, str], bool]]


def checkable(word: str) -> bool:
    """Whether a lower-case word may be corrected at all: letters of any script (a letter first,
    then letters and combining marks: "हिन्दी", "العربيّة"), at most MAX_WORD of them."""
    return (0 < len(word) <= MAX_WORD and word[0].isalpha()
            and all(c.isalpha() or unicodedata.category(c).startswith("M") for c in word))


def best_correction(word: str, known: int, nearby: Nearby) -> str | None:
    """A better spelling of a lower-case `word` used by `known` articles, or None if it looks
    meant: the most common of `nearby(1)` (ties: the alphabetically last), else for short words
    the index does not have, of `nearby(2)`; if RATIO times as common as the word."""
    if not checkable(word):
        return None
    candidates = {w: n for w, n in nearby(1).items() if w != word}
    if not candidates and not known and len(word) <= MAX_WORD_DISTANCE_2:
        candidates = {w: n for w, n in nearby(2).items() if w != word}
    if not candidates:
        return None
    best = max(candidates, key=lambda w: (candidates[w], w))
    return best if candidates[best] >= max(RATIO * known, 1) else None


def edit_distance(a: str, b: str) -> int:
    """Edits between two words: deletes, inserts, replaces and swaps of neighbours (optimal
    string alignment distance): what "one edit away" means here."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def words_to_check(text: str, languages: Sequence[str] = ("en",)) -> tuple[list[str], bool]:
    """The distinct lower-case words of the query to check, in order, and whether it has more
    than MAX_SPELL_WORDS (the rest are left as typed). `languages`: the analysis languages the
    query searches (their stop words are not checked)."""
    occurrences = [m.group(0) for m in PLAIN_WORD.finditer(text) if correctable(m.group(0), languages)]
    words = list(dict.fromkeys(w.lower() for w in occurrences[:MAX_SPELL_WORDS]))
    return words, len(occurrences) > MAX_SPELL_WORDS


def corrected(text: str, fixes: dict[str, str], languages: Sequence[str] = ("en",)) -> str:
    """The query as typed with the first MAX_SPELL_WORDS checked words (`words_to_check`'s, for
    the same `languages`) replaced by their fixes."""
    left = MAX_SPELL_WORDS

    def fix(match: re.Match[str]) -> str:
        nonlocal left
        word = match.group(0)
        if not correctable(word, languages) or left <= 0:
            return word
        left -= 1
        return fixes.get(word.lower(), word)

    return PLAIN_WORD.sub(fix, text)


def offered(query: str, *, snippets: bool, found: int, relaxed: bool) -> bool:
    """Whether a search looks for a did-you-mean at all: a typed query that found fewer than
    SUGGEST_BELOW articles, or only articles with some of its words (`relaxed`). It is a reader's
    aid, as snippets are: a request without snippets (top words' sample, exports, counts, trends)
    does not pay for it."""
    return snippets and bool(query.strip()) and (found < SUGGEST_BELOW or relaxed)


def suggest(text: str, corrections: Corrections, translate: Callable[[ql.Node], Q], count: Callable[[Q], int],
            found: int, languages: Sequence[str] = ("en",)) -> tuple[str | None, bool]:
    """The query with unknown or rare words replaced by close common ones, if it finds more
    than `found` articles (`count` of the backend's `translate` of its tree; a corrected query
    that cannot be parsed or translated is not offered); and whether the time budget or
    MAX_SPELL_WORDS cut the checking short. `languages`: the analysis languages the query
    searches (search.languages.searched; `corrections` gives candidates from those languages'
    words only): their stop words are left as typed."""
    words, cut_short = words_to_check(text, languages)
    if not words:
        return None, cut_short
    fixes, late = corrections(words)
    cut_short = cut_short or late
    suggested = corrected(text, fixes, languages)
    if suggested == text:
        return None, cut_short
    try:
        query = translate(ql.parse(suggested))
    except SearchError:
        return None, cut_short
    return (suggested if count(query) > found else None), cut_short


__all__ = ["offered", "suggest", "best_correction", "checkable", "edit_distance", "words_to_check", "corrected",
           "RATIO", "MAX_WORD", "MAX_WORD_DISTANCE_2"]
