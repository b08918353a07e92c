"""The contract every storage backend meets: what search and indexing ask of the index.

newsearch keeps its index in a backend: Whoosh embedded in the process by default (zero set-up),
and a search cluster for archives that outgrow one machine. Everything above this line — the
query language, the request, the result types, the readers and entity recognition, the CLI and
the web app — is written once, against these two protocols; a backend only stores, matches,
ranks and counts.

- `SearchBackend` answers a checked `SearchRequest` with `SearchResults` (hits with snippets,
  facets over the whole result set, the date histogram, did-you-mean), one article, related
  articles and statistics.
- The indexing side (add/replace/delete articles, commit, which file versions are indexed) is
  still Whoosh's own in `index/indexer.py`; it becomes a protocol here with the second backend.
"""
from __future__ import annotations

from typing import Protocol, runtime_checkable

from search.request import SearchRequest
from search.results import ArticleRecord, Hit, SearchResults


@runtime_checkable
class SearchBackend(Protocol):
    """Answers searches over one index; safe to call from many threads."""

    name: str

    def run(self, request: SearchRequest) -> SearchResults:
        """The results of a checked request. Raises `QuerySyntaxError` for a query the language
        cannot read, `IndexNotFoundError` when there is no index yet."""

    def article(self, article_id: str, query: str = "") -> tuple[ArticleRecord, str]:
        """One article, and its body as safe HTML with the words of `query` marked. Raises
        `ArticleNotFoundError`."""

    def related(self, article_id: str, top: int = 5) -> list[Hit]:
        """Articles like this one, preferring ones close in date."""

    def stats(self, top: int = 10) -> dict:
        """Document count, date range, top entities, size, last update, recogniser."""

    def close(self) -> None:
        """Release what the backend holds open (files, connections)."""


__all__ = ["SearchBackend"]
