"""newsearch's public Python API: `search()` and the long-lived `Engine` behind it.

    >>> from search import search
    >>> results = search("Kim Hanoi", index_dir="newsearch-index")
    >>> results.hits[0].title, results.hits[0].snippet

Everything else (the command line, the web app) adapts this API; no Whoosh type leaks out.
"""
from __future__ import annotations

from pathlib import Path

from search.engine import Engine, engine_for
from search.request import MAX_PAGE_SIZE, SORTS, SearchRequest
from search.results import (ArticleNotFoundError, ArticleRecord, BadParameterError, DateBucket,
                            DateHistogram, FacetValue, Facets, Hit, IncompatibleIndexError, IndexLockedError,
                            IndexNotFoundError, IndexPermissionError, QuerySyntaxError, SearchError,
                            SearchResults)


def search(query: str = "", *, index_dir: Path | str | None = None, backend: str | None = None,
           backend_options: dict | None = None, **parameters: object) -> SearchResults:
    """Search a newsearch index.

    `query` uses the query language (words, "phrases", -excluded, OR, field:value,
    date:[A TO B], prefix*); an empty query matches every article. The parameters are those of
    `SearchRequest.build`: `date_from`/`date_to` (dates, datetimes or "YYYY[-MM[-DD]]" strings,
    inclusive), `person`/`org`/`place`/`source` (a name or several, all must apply), `sort`
    ("relevance", "newest", "oldest"), `page`, `page_size`, and `recency` (a half-life in days,
    off by default, that lets newer articles win over slightly better-matching older ones).
    Raises `QuerySyntaxError` or `BadParameterError` with a message fit to show a person.
    `backend` ("whoosh", the default, or "opensearch") and `backend_options` (e.g.
    `{"url": ..., "index": ...}`) say where the index is; see `search.backends`.
    """
    options = dict(backend_options or {})
    if index_dir is not None:
        options["index_dir"] = index_dir
    return engine_for(backend=backend, **options).search(query, **parameters)


__all__ = [
    "search", "Engine", "SearchRequest", "engine_for", "SearchResults", "Hit", "Facets", "FacetValue", "DateHistogram",
    "DateBucket", "ArticleRecord", "SearchError", "QuerySyntaxError", "BadParameterError",
    "ArticleNotFoundError", "IndexNotFoundError", "IncompatibleIndexError", "IndexPermissionError",
    "IndexLockedError", "SORTS", "MAX_PAGE_SIZE",
]
