"""Keyword in context: every occurrence of a search's words in its matching articles, with the
words to its left and right, aligned on the keyword (the concordance of corpus linguistics).

Each line is one occurrence (search.context.occurrences: the query's words as the index matches
them, in each article's language) with `width` words each side, cut at the edges of its field
(a title's line never runs into the body). Lines sort by the article order (the search's),
or by the words to the left, nearest first (what precedes "oil": "crude oil", "heating oil"...),
or by the words to the right ("oil prices", "oil output"...), or by the keyword's form (the
forms the stemmer joined: "plan", "planned", "plans", each by its right words), compared
lower-cased and folded; ties keep the article order. Lines come a page at a time, or all as CSV.

Bounded: at most `articles` matching articles are read (search.context) and at most `MAX_LINES`
lines kept; the answer says when either cut. Answers are kept per index generation (a reader
pages through one concordance: each page would otherwise read the articles again).
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from weakref import WeakKeyDictionary

from search.context import (DEFAULT_ARTICLES, Term, analysis, check_articles, fold, generation, matching_articles,
                            occurrences, query_texts, read_notice, segment, terms_in)
from search.export import csv_lines
from search.parameters import whole_number
from search.request import SearchRequest
from search.results import BadParameterError

SORTS = ("article", "left", "right", "keyword")
DEFAULT_WIDTH = 8        # words each side: a line of a page or a terminal
MAX_WIDTH = 30
DEFAULT_LINES = 50       # lines per page
MAX_LINES_PER_PAGE = 500
MAX_LINES = 20_000       # lines kept from one result set (a few MB)
CACHED_ANSWERS = 16      # whole concordances kept per index, least recently used out
CSV_COLUMNS = ("article_id", "date", "source", "title", "field", "left", "keyword", "right")
_SPACE = re.compile(r"\s+")
_ANSWERS: WeakKeyDictionary[object, OrderedDict[tuple, "Concordance"]] = WeakKeyDictionary()
_ANSWERS_LOCK = threading.Lock()


@dataclass
class KwicLine:
    """One occurrence: `keyword` as written in the article, `left`/`right` its context (text as
    written, spaces collapsed), in the article `article_id`'s `field`."""
    article_id: str
    title: str
    date: datetime | None
    source: str | None
    language: str
    field: str
    left: str
    keyword: str
    right: str
    term: str                      # the query's word (or phrase, prefix) it matched
    order: int = 0                 # article order, then position: the "article" sort
    left_key: str = ""   # the left words, nearest first, folded, joined by \x00 (below every letter)
    right_key: str = ""  # the right words, in order, likewise: compared as the words one by one

    def to_dict(self) -> dict:
        return {"article_id": self.article_id, "title": self.title,
                "date": self.date.isoformat() if self.date else None, "source": self.source,
                "language": self.language, "field": self.field, "left": self.left, "keyword": self.keyword,
                "right": self.right, "term": self.term}


@dataclass
class Concordance:
    """Every line found (up to MAX_LINES) in article order, and what was read."""
    lines: list[KwicLine]
    articles_read: int
    total: int                       # matching articles
    articles_with_lines: int
    terms: list[str]                 # what was looked for
    lines_cut: bool = False


@dataclass
class KwicPage:
    """One page of a concordance in the asked order."""
    lines: list[KwicLine]
    total_lines: int
    page: int
    page_size: int
    sort: str
    width: int
    articles_read: int
    total: int
    articles_with_lines: int
    terms: list[str] = field(default_factory=list)
    lines_cut: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total_lines // self.page_size))

    @property
    def notice(self) -> str | None:
        """What the reader must know about what was read (cut articles or lines, no words)."""
        notes = []
        if not self.terms:
            notes.append("The search has no words to show in context (add words to the query; filters alone "
                         "select articles but mark no words).")
        cut = read_notice(self.articles_read, self.total)
        if cut:
            notes.append(cut)
        if self.lines_cut:
            notes.append(f"Only the first {MAX_LINES:,} lines are kept (in article order).")
        return " ".join(notes) or None

    def to_dict(self) -> dict:
        return {"terms": self.terms, "sort": self.sort, "width": self.width, "page": self.page,
                "page_size": self.page_size, "pages": self.pages, "total_lines": self.total_lines,
                "articles_read": self.articles_read, "total": self.total,
                "articles_with_lines": self.articles_with_lines, "lines_cut": self.lines_cut,
                "notice": self.notice, "lines": [line.to_dict() for line in self.lines]}


def check_sort(value: object, name: str = "sort") -> str:
    text = str(value or "article").strip().lower()
    if text not in SORTS:
        raise BadParameterError(f"{name} must be one of {', '.join(SORTS)}, not {str(value)[:20]!r}")
    return text


def check_width(value: object, name: str = "width") -> int:
    return whole_number(value, name, high=MAX_WIDTH)


def concordance(engine, request: SearchRequest, *, width: int = DEFAULT_WIDTH,
                articles: int = DEFAULT_ARTICLES) -> Concordance:
    """Every occurrence of the request's words in its first `articles` matching articles, in
    article order (cached per index generation)."""
    width, articles = check_width(width), check_articles(articles)
    token = generation(engine)
    key = (token, request.with_changes(page=1, page_size=1, snippets=False, facets=False, interval=None,
                                       collapse=False), width, articles)
    backend = getattr(engine, "backend", engine)
    if token is not None:
        with _ANSWERS_LOCK:
            kept = _ANSWERS.setdefault(backend, OrderedDict())
            found = kept.get(key)
            if found is not None:
                kept.move_to_end(key)
                return found
    found = _concordance(engine, request, width, articles)
    if token is not None:
        with _ANSWERS_LOCK:
            kept[key] = found
            while len(kept) > CACHED_ANSWERS:
                kept.popitem(last=False)
    return found


def _concordance(engine, request: SearchRequest, width: int, limit: int) -> Concordance:
    texts = query_texts(request.tree)
    lines: list[KwicLine] = []
    read = total = with_lines = 0
    cut = False
    by_language: dict[str, list[Term]] = {}  # the query's terms in each article language met
    if not texts:  # nothing to mark: say how many match, read nothing
        total = engine.run(request.with_changes(page=1, page_size=1, snippets=False, facets=False)).total
        return Concordance([], 0, total, 0, [])
    for records, total in matching_articles(engine, request, limit):  # noqa: B007 - the last page's total
        for record in records:
            read += 1
            language = analysis(record.language)
            terms = by_language.get(language.code)
            if terms is None:
                terms = by_language[language.code] = terms_in(language, texts)
            before = len(lines)
            for name, text in (("title", record.title), ("body", record.body)):
                if text:
                    lines.extend(_lines(record, language.code, name, text, terms, width, len(lines)))
            with_lines += len(lines) > before
            if len(lines) >= MAX_LINES:
                del lines[MAX_LINES:]
                cut = True
                break
        if cut:
            break
    return Concordance(lines, read, total, with_lines, [text + ("*" if prefix and not text.endswith("*") else "")
                                                         for text, _, prefix in texts], cut)


def _lines(record, language: str, name: str, text: str, terms, width: int, order: int) -> Iterator[KwicLine]:
    seg = segment(analysis(record.language), name, text)
    found_here = list(occurrences(seg, terms))
    if not found_here:
        return
    spans, surfaces = seg.spans, seg.surfaces
    last_word = len(surfaces) - 1
    for n, found in enumerate(found_here):
        start, end = spans[found.first][0], spans[found.last][1]
        lo = max(0, found.first - width)
        hi = min(last_word, found.last + width)
        left = _SPACE.sub(" ", text[spans[lo][0]:start]).strip() if found.first > 0 else ""
        right = _SPACE.sub(" ", text[end:spans[hi][1]]).strip() if found.last < last_word else ""
        yield KwicLine(
            article_id=record.id, title=record.title, date=record.date, source=record.source, language=language,
            field=name, left=left, keyword=_SPACE.sub(" ", text[start:end]), right=right, term=found.term.text,
            order=order + n,
            left_key=fold("\x00".join(reversed(surfaces[lo:found.first])).lower()),
            right_key=fold("\x00".join(surfaces[found.last + 1:hi + 1]).lower()))


def sorted_lines(lines: list[KwicLine], sort: str) -> list[KwicLine]:
    """The lines in the asked order; equal contexts keep the article order."""
    if sort == "left":
        return sorted(lines, key=lambda line: (line.left_key, line.order))
    if sort == "right":
        return sorted(lines, key=lambda line: (line.right_key, line.order))
    if sort == "keyword":  # the forms found together ("plan", "planned", "plans"), each by its right words
        return sorted(lines, key=lambda line: (fold(line.keyword.lower()), line.right_key, line.order))
    return lines


def kwic(engine, request: SearchRequest, *, sort: str = "article", width: int = DEFAULT_WIDTH,
         page: int = 1, page_size: int = DEFAULT_LINES, articles: int = DEFAULT_ARTICLES) -> KwicPage:
    """One page of the request's concordance (see the module docstring). Raises
    `BadParameterError` for a sort, width, page, page size or article count out of bounds."""
    sort = check_sort(sort)
    page = whole_number(page, "page")
    page_size = whole_number(page_size, "page_size", high=MAX_LINES_PER_PAGE)
    found = concordance(engine, request, width=width, articles=articles)
    ordered = sorted_lines(found.lines, sort)
    start = (page - 1) * page_size
    return KwicPage(ordered[start:start + page_size], len(ordered), page, page_size, sort, check_width(width),
                    found.articles_read, found.total, found.articles_with_lines, found.terms, found.lines_cut)


def kwic_csv(engine, request: SearchRequest, *, sort: str = "article", width: int = DEFAULT_WIDTH,
             articles: int = DEFAULT_ARTICLES) -> Iterator[str]:
    """Every line of the concordance as CSV (search.export's one CSV writer: no formulas), in
    the asked order; a last line says when articles or lines were cut."""
    sort = check_sort(sort)
    found = concordance(engine, request, width=width, articles=articles)
    rows: list[list[str]] = [list(CSV_COLUMNS)]
    rows += [[line.article_id, line.date.isoformat() if line.date else "", line.source or "", line.title,
              line.field, line.left, line.keyword, line.right] for line in sorted_lines(found.lines, sort)]
    notice = KwicPage([], len(found.lines), 1, 1, sort, width, found.articles_read, found.total,
                      found.articles_with_lines, found.terms, found.lines_cut).notice
    if notice:
        rows.append(["# " + notice])
    return csv_lines(rows)


__all__ = ["kwic", "kwic_csv", "concordance", "sorted_lines", "KwicLine", "KwicPage", "Concordance", "SORTS",
           "DEFAULT_WIDTH", "MAX_WIDTH", "DEFAULT_LINES", "MAX_LINES", "check_sort", "check_width"]
