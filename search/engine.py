"""`Engine`: one index, through the storage backend that holds it; what `search()` and the
command line and the web app call.

The engine checks a search's parameters once (`SearchRequest`) and hands the request to its
backend (`search.backend.SearchBackend`); it holds no search logic of its own.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

from search.backend import SearchBackend
from search.backends import open_search
from search.parameters import DateValue, SearchParameters
from search.request import SearchRequest
from search.results import ArticleRecord, Hit, SearchResults, StoryInfo

if TYPE_CHECKING:
    from search.collocations import Collocations
    from search.cooccurrence import Cooccurrence
    from search.kwic import KwicPage
    from search.trends import Trends


class Engine:
    """Search one index. Create once and reuse (thread-safe): opening is amortised.

    `backend` names the storage backend: "whoosh" (the default; the index folder `index_dir`,
    else `$NEWSEARCH_INDEX`, else ./newsearch-index) or "opensearch" (`options`: url, index,
    username, password, ca_certs, verify_certs; see `search.backends`).
    """

    def __init__(self, index_dir: Path | str | None = None, *, backend: str | None = None,
                 **options: object) -> None:
        if index_dir is not None:
            options["index_dir"] = index_dir
        self.backend: SearchBackend = open_search(backend, **options)

    @property
    def index_dir(self) -> Path | None:
        return getattr(self.backend, "index_dir", None)

    def search(self, query: str = "", **parameters: Unpack[SearchParameters]) -> SearchResults:
        """Search; the parameters are `SearchRequest.build`'s: search/parameters.py's table,
        docs/parameters.md.

        `snippets=False` leaves `Hit.snippet` empty and `facets=False` the facets empty, for
        callers that don't show them (and for measuring what each part costs).
        """
        return self.run(SearchRequest.build(query, **parameters))

    def run(self, request: SearchRequest) -> SearchResults:
        """Answer a request already checked by `SearchRequest.build`."""
        return self.backend.run(self._written_out(request))

    def _written_out(self, request: SearchRequest) -> SearchRequest:
        """The request with `tag:` and `collection:` read from the researcher's store
        (search/memory/filters.py); any other request as it is, no store opened."""
        from search.memory.filters import mentions_memory, resolve

        if not (mentions_memory(request.tree) or mentions_memory(request.any_tree)):
            return request
        from search.memory.store import store_for

        def store():
            if getattr(self, "_memory_store", None) is None:
                self._memory_store = store_for(self)
            return self._memory_store
        return resolve(request, store)

    def article(self, article_id: str, query: str = "") -> tuple[ArticleRecord, str]:
        """One article, and its body as safe HTML with the words of `query` marked."""
        return self.backend.article(article_id, query)

    def related(self, article_id: str, top: int = 5) -> list[Hit]:
        """Articles like this one, preferring ones close in date."""
        return self.backend.related(article_id, top)

    def stats(self, top: int = 10) -> dict:
        """Document count, date range, top entities, size, last update, recogniser; `languages`
        ({code: articles}, most first) and `recognition_by_language` ({code: what finds names
        in it}, None where index.entities does not say)."""
        from search.language_info import language_counts, recognition

        stats = self.backend.stats(top)
        stats["languages"] = language_counts(self, stats)
        stats["recognition_by_language"] = {code: recognition(code, stats.get("recogniser"))
                                            for code in stats["languages"]}
        return stats

    def articles(self, article_ids: list[str]) -> list[ArticleRecord]:
        """The indexed ones of `article_ids`, whole, in order, in one batch."""
        return self.backend.articles(article_ids)

    def document_frequencies(self, words: list[str]) -> tuple[dict[str, tuple[str, int]], int]:
        """Each word's indexed body term and document frequency, and the article count."""
        return self.backend.document_frequencies(words)

    # ---- the researcher's tools (search/trends.py, topwords.py, export.py) --------------------

    def trends(self, queries: list[str], *, interval: str | None = None, normalise: bool = True,
               date_from: DateValue = None, date_to: DateValue = None) -> "Trends":
        """Matching articles per day/week/month/year for up to 5 queries, as counts and as a
        share of all articles per bucket (`normalise`, the default, says which to plot)."""
        from search.trends import trends

        return trends(self, queries, interval=interval, normalise=normalise, date_from=date_from, date_to=date_to)

    def top_words(self, query: str = "", top: int = 20, **parameters: Unpack[SearchParameters]) -> dict:
        """The words most over-represented in the results against the whole index (G²)."""
        from search.topwords import top_words

        return top_words(self, SearchRequest.build(query, **parameters), top)

    def export(self, query: str = "", fmt: str = "csv", *, limit: int | None = None, text: bool = False,
               say_cut: bool = True, **parameters: Unpack[SearchParameters]) -> Iterator[str]:
        """Every matching article (up to `limit`, default 10,000) as CSV or JSON Lines lines,
        streamed page by page; `text` adds the article text; the last line says when the limit
        cut the list (unless `say_cut` is False)."""
        from search.export import EXPORT_LIMIT, export_lines

        request = SearchRequest.build(query, **parameters)
        return export_lines(self, request, fmt, limit=limit or EXPORT_LIMIT, text=text, say_cut=say_cut)

    def stories(self, query: str = "", top: int = 10, **parameters: Unpack[SearchParameters]) -> list[StoryInfo]:
        """The largest stories of the index, or of a query's results (`SearchRequest.build`'s
        filters apply): each with its size, date span, sources and representative's title."""
        return self.backend.stories(self._written_out(SearchRequest.build(query, **parameters)), top)

    # ---- words in context (search/kwic.py, collocations.py, cooccurrence.py; docs/context.md) ----------

    def kwic(self, query: str, *, by: str = "article", width: int = 8, lines_page: int = 1, lines: int = 50,
             articles: int = 1_000, **parameters: Unpack[SearchParameters]) -> "KwicPage":
        """Page `lines_page` (of `lines` lines) of every occurrence of the query's words in its
        first `articles` matching articles (in the search's `sort`), with `width` words each side,
        in article order or sorted `by` the "left" or "right" words."""
        from search.kwic import kwic

        return kwic(self, SearchRequest.build(query, **parameters), sort=by, width=width, page=lines_page,
                    page_size=lines, articles=articles)

    def collocations(self, query: str, *, window: int = 5, top: int = 30, min_count: int = 3,
                     articles: int = 1_000, **parameters: Unpack[SearchParameters]) -> "Collocations":
        """The words most associated with the query's words within `window` words (G²), with counts."""
        from search.collocations import collocations

        return collocations(self, SearchRequest.build(query, **parameters), window=window, top=top,
                            min_count=min_count, articles=articles)

    def cooccurrence(self, query: str = "", *, top: int = 50, kinds: tuple[str, ...] | None = None,
                     articles: int = 1_000, **parameters: Unpack[SearchParameters]) -> "Cooccurrence":
        """The pairs of people, organisations and places named together in the matching articles
        (`search.cooccurrence.gexf` writes them as a network)."""
        from search.cooccurrence import cooccurrence

        return cooccurrence(self, SearchRequest.build(query, **parameters), top=top, kinds=kinds, articles=articles)

    def close(self) -> None:
        self.backend.close()


_engines: dict[tuple[str, str], Engine] = {}
_engines_lock = threading.Lock()


def engine_for(index_dir: Path | str | None = None, *, backend: str | None = None,
               **options: Any) -> Engine:
    """The shared Engine of an index, so repeated `search()` calls reuse the open index."""
    from search.backends import backend_name, index_location

    if index_dir is not None:
        options["index_dir"] = index_dir
    name = backend_name(backend)
    key = (name, index_location(name, options))
    with _engines_lock:
        if key not in _engines:
            _engines[key] = Engine(backend=name, **options)
        return _engines[key]


__all__ = ["Engine", "engine_for"]
