"""The query language on the Whoosh backend: our parsed tree as a Whoosh query, and what the
engine asks of it.

Parsing is `search.querylang`'s (pure Python, shared by every backend, so every backend accepts
the same language and reports the same errors); `search.backends.whoosh.translate` builds the Whoosh
query, node for node what Whoosh's own parser built (tests/test_querylang.py checks it).
"""
from __future__ import annotations

from datetime import datetime

from whoosh import query as wq  # type: ignore[import-untyped]

from search import querylang as ql
from search.backends.whoosh.schema import to_index_datetime
from search.querylang import MAX_QUERY_CHARS, MAX_QUERY_TERMS, QUERY_FIELDS
from search.backends.whoosh.translate import Resolver, facet_query, to_whoosh

# A wildcard may stand for at most this many different indexed words: "co*" is ~900 words on
# Reuters; a prefix that needs more is too broad to mean anything (and each word is a postings
# read, so an unbounded one could hold a request for seconds on a big index).
MAX_WILDCARD_TERMS = 5_000


def parse_query(text: str, schema, resolve: Resolver, *, any_word: bool = False) -> wq.Query:
    """A Whoosh query for `text` (for callers with only the text: a search translates its
    request's trees); an empty query matches every article (browse by filters)."""
    return to_whoosh(ql.parse(text, any_word=any_word), schema, resolve, any_word=any_word)


def date_range_query(date_from: datetime | None, date_to: datetime | None) -> wq.Query | None:
    """The `date_from`/`date_to` parameters (checked, order included, by `SearchRequest`) as a
    Whoosh range."""
    if date_from is None and date_to is None:
        return None
    return wq.DateRange("date", to_index_datetime(date_from) if date_from else None,
                        to_index_datetime(date_to) if date_to else None)


__all__ = ["parse_query", "date_range_query", "facet_query", "MAX_WILDCARD_TERMS",
           "MAX_QUERY_CHARS", "MAX_QUERY_TERMS", "QUERY_FIELDS"]
