"""newsearch's public Python API: `search()` and the long-lived `Engine` behind it.

    >>> from search import search
    >>> results = search("Kim Hanoi", index_dir="newsearch-index")
    >>> results.hits[0].title, results.hits[0].snippet

Everything else (the command line, the web app) adapts this API; no Whoosh type leaks out.
"""
from __future__ import annotations

from pathlib import Path
from typing import Unpack

from search.engine import Engine, engine_for
from search.parameters import SearchParameters
from search.request import MAX_PAGE_SIZE, SORTS, SearchRequest
from search.results import (ArticleNotFoundError, ArticleRecord, BadParameterError, DateBucket,
                            DateHistogram, FacetValue, Facets, Hit, IncompatibleIndexError, IndexLockedError,
                            IndexNotFoundError, IndexPermissionError, QuerySyntaxError, SearchError,
                            SearchResults)


def search(query: str = "", *, index_dir: Path | str | None = None, backend: str | None = None,
           backend_options: dict | None = None, **parameters: Unpack[SearchParameters]) -> SearchResults:
    """Search a newsearch index.

    `query` uses the query language (words, "phrases", -excluded, OR, field:value,
    date:[A TO B], prefix*); an empty query matches every article. The other parameters
    (`date_from`/`date_to`, `person`/`org`/`place`/`source`, `language` (ISO 639-1: "de"), `sort`, `page`, `page_size`,
    `recency`, `collapse`, `story`, ...) are listed with their types, defaults and meaning in
    docs/parameters.md, made from the one table in search/parameters.py. Raises `QuerySyntaxError` or `BadParameterError` with a message fit to show a person.
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
    "IndexLockedError", "SORTS", "MAX_PAGE_SIZE", "SearchParameters",
]
