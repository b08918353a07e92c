"""Collocations: the words most associated with a search's words, within a window of a few
words on either side, by log-likelihood (Dunning's G², as search/topwords.py explains why).

In the first `articles` matching articles (search.context), every occurrence of the query's
words (matched as the index matches them, in each article's language) opens a window of
`window` words on each side. Words are the index's (search.context: stemmed, folded, the
index's stop words skipped as its positions skip them); a window stops at its field's edge
(title, body). Each word position is counted once even where windows overlap, and the query's
own occurrences are no one's context. Then, for each word w of the sample:

                      in a window    elsewhere
      w               a = together   c = total - together
      other words     b              d

`a + b` is the number of window positions, `a + c` is w's count in the sample, `a+b+c+d` every
word position of the sample outside the query's own occurrences. G² = 2 Σ O ln(O / E) over the
four cells (E from the margins), kept when w is more frequent in the windows than elsewhere
(a > E); a word seen fewer than `min_count` times in the windows is left out (two sightings are
noise whatever their score). Function words (the language's stop list; for English, Snowball's
list too), numbers and the query's own words are never listed, but they fill window positions
as they fill the text. A word is listed by its most frequent spelling (lower-cased), with how
many of its sightings were before an occurrence (`left`: "crude" oil) and after one (`right`:
oil "prices"); a word between two close occurrences is both.
"""
from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from itertools import compress

from search.context import (DEFAULT_ARTICLES, Analysis, Term, analysis, check_articles, matching_articles,
                            occurrences, query_texts, read_notice, segment, terms_in)
from search.parameters import MAX_TOP, whole_number
from search.request import SearchRequest
from search.stopwords import SNOWBALL_ENGLISH

DEFAULT_WINDOW = 5
MAX_WINDOW = 10
DEFAULT_MIN_COUNT = 3
TOP = 30


@dataclass
class Collocate:
    word: str        # its most frequent spelling in the windows
    term: str        # the indexed form (stem) it was counted under
    language: str
    score: float     # G²
    together: int    # times within the window of the query's words
    total: int       # times in the articles read
    left: int = 0    # of `together`, before an occurrence ("crude" oil)
    right: int = 0   # after one (oil "prices"); between two occurrences a word is both

    def to_dict(self) -> dict:
        return {"word": self.word, "term": self.term, "language": self.language, "score": round(self.score, 2),
                "together": self.together, "total": self.total, "left": self.left, "right": self.right}


@dataclass
class Collocations:
    words: list[Collocate]
    window: int
    min_count: int
    occurrences: int         # occurrences of the query's words found
    window_words: int        # word positions in the windows (a + b)
    sample_words: int        # word positions in the articles read (a + b + c + d)
    articles_read: int
    total: int               # matching articles
    terms: list[str] = field(default_factory=list)

    @property
    def notice(self) -> str | None:
        if not self.terms:
            return "The search has no words to find collocations of (add words to the query)."
        return read_notice(self.articles_read, self.total)

    def to_dict(self) -> dict:
        return {"terms": self.terms, "window": self.window, "min_count": self.min_count,
                "occurrences": self.occurrences, "window_words": self.window_words,
                "sample_words": self.sample_words, "articles_read": self.articles_read, "total": self.total,
                "notice": self.notice, "words": [w.to_dict() for w in self.words]}


def g2(a: int, b: int, c: int, d: int) -> float:
    """Dunning's log-likelihood ratio G² of a 2x2 table [[a, c], [b, d]] (rows: the word, other
    words; columns: in a window, elsewhere); 0 when the word is not more frequent in the windows
    than elsewhere."""
    n = a + b + c + d
    if n <= 0 or (a + b) <= 0 or (a + c) <= 0:
        return 0.0
    expected_a = (a + b) * (a + c) / n
    if a <= expected_a:
        return 0.0
    total = 0.0
    for observed, row, column in ((a, a + c, a + b), (b, b + d, a + b), (c, a + c, c + d), (d, b + d, c + d)):
        if observed > 0:
            total += observed * math.log(observed * n / (row * column))
    return 2.0 * total


def _function_words(language: Analysis) -> frozenset[str]:
    words = language.rules.stop_words
    return words | SNOWBALL_ENGLISH if language.code == "en" else words


def collocations(engine, request: SearchRequest, *, window: int = DEFAULT_WINDOW, top: int = TOP,
                 min_count: int = DEFAULT_MIN_COUNT, articles: int = DEFAULT_ARTICLES) -> Collocations:
    """The request's collocates (see the module docstring). Raises `BadParameterError` for a
    window, top, minimum count or article count out of bounds."""
    window = whole_number(window, "window", high=MAX_WINDOW)
    top = whole_number(top, "top", high=MAX_TOP)
    min_count = whole_number(min_count, "min_count", high=1_000_000)
    limit = check_articles(articles)
    texts = query_texts(request.tree)
    if not texts:
        total = engine.run(request.with_changes(page=1, page_size=1, snippets=False, facets=False)).total
        return Collocations([], window, min_count, 0, 0, 0, 0, total)
    everywhere: dict[str, Counter[str]] = {}  # per language: each indexed form's positions
    near: dict[str, Counter[str]] = {}        # per language: each spelling's positions in a window
    before: dict[str, Counter[str]] = {}      # ... in a window before an occurrence
    after: dict[str, Counter[str]] = {}       # ... after one
    found = window_words = sample_words = read = total = 0
    by_language: dict[str, list[Term]] = {}  # the query's terms in each article language met
    for records, total in matching_articles(engine, request, limit):  # noqa: B007 - the last page's total
        for record in records:
            read += 1
            language = analysis(record.language)
            terms = by_language.get(language.code)
            if terms is None:
                terms = by_language[language.code] = terms_in(language, texts)
            for name, text in (("title", record.title), ("body", record.body)):
                if not text:
                    continue
                seg = segment(language, name, text)
                keys = seg.keys
                content = list(compress(range(len(keys)), keys))  # the positions of the index's words
                nodes: set[int] = set()
                lefts: set[int] = set()
                rights: set[int] = set()
                for occurrence in occurrences(seg, terms):
                    if not keys[occurrence.first]:
                        continue  # a prefix matching a word the index drops: no position
                    found += 1
                    first, last = bisect_left(content, occurrence.first), bisect_left(content, occurrence.last)
                    nodes.update(range(first, last + 1))
                    lefts.update(range(max(0, first - window), first))
                    rights.update(range(last + 1, min(len(content), last + 1 + window)))
                lefts -= nodes
                rights -= nodes
                windows = lefts | rights
                sample_words += len(content) - len(nodes)
                window_words += len(windows)
                counts = everywhere.setdefault(language.code, Counter())
                counts.update(filter(None, keys))  # every word position, then the nodes taken off
                for n in nodes:
                    counts[keys[content[n]]] -= 1
                for by_code, positions in ((near, windows), (before, lefts), (after, rights)):
                    by_code.setdefault(language.code, Counter()).update(
                        map(seg.surfaces.__getitem__, map(content.__getitem__, positions)))
    scored = []
    for code, spelled_near in near.items():
        language = analysis(code)
        function_words = _function_words(language)
        own = {key for term in by_language[code] for key in term.keys}
        together: Counter[str] = Counter()
        spellings: dict[str, Counter[str]] = {}
        refused: set[str] = set()
        sides: dict[str, list[int]] = {}  # key -> [left, right]
        for side, spelled_side in enumerate((before.get(code, Counter()), after.get(code, Counter()))):
            for surface, n in spelled_side.items():
                sides.setdefault(language.key(surface), [0, 0])[side] += n
        for surface, n in spelled_near.items():
            key, lower = language.key(surface), surface.lower()
            together[key] += n
            spellings.setdefault(key, Counter())[lower] += n
            if lower in function_words or key in own or any(ch.isdigit() for ch in key):
                refused.add(key)
        for key, a in together.items():
            if a < min_count or key in refused:
                continue
            b = window_words - a
            c = everywhere[code][key] - a
            d = sample_words - a - b - c
            score = g2(a, b, c, d)
            if score > 0:
                spelled = spellings[key]
                word = min(spelled, key=lambda w: (-spelled[w], w))
                left, right = sides.get(key, (0, 0))
                scored.append(Collocate(word, key, code, score, a, everywhere[code][key], left, right))
    scored.sort(key=lambda c: (-c.score, c.word))
    return Collocations(scored[:top], window, min_count, found, window_words, sample_words, read, total,
                        [text + ("*" if prefix and not text.endswith("*") else "") for text, _, prefix in texts])


__all__ = ["collocations", "Collocations", "Collocate", "g2", "DEFAULT_WINDOW", "MAX_WINDOW", "DEFAULT_MIN_COUNT",
           "TOP"]
