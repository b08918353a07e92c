"""The OpenSearch backend's search side (meets `search.backend.SearchBackend`): the answers
that search/ defines (ranking, relaxation, did-you-mean, snippets), computed by a cluster.

Before them, the query is read in the languages it searches (reading.py: the index's languages,
counted once a second at most, and each language's analysis of the query's words, cached); then
one search is two requests (three or four when "did you mean" is tried):
1. an overview (size 0): how many articles have all the words and how many some of them, and the
   first and last matching date (the histogram's interval, recency's "newest");
2. the page: the ranked hits with their highlighted snippets, the facets over the whole result
   set and the date histogram.
A relevance-sorted query of FEEDBACK_MIN_WORDS words or more adds two before the page when
FEEDBACK is on (its best articles and their words: feedback.py). Relevance is BM25 with the
index's K1/B, a plain word's over the `combined` field (the title TITLE_BOOST times and the
body, mapping.COMBINED_FIELD), plus the query's adjacent words as phrases
(translate.phrase_clauses), computed with `dfs_query_then_fetch` so that every shard scores
with the whole index's statistics (with per-shard statistics, identical articles on two shards
get different scores, and small indexes rank erratically).

When fewer than RELAX_BELOW articles have all the words, the any-word query is searched and the
all-words articles are put first by multiplying their score by ALL_WORDS_WEIGHT (a power of two,
so the multiplication and the division that reports the real score are exact in floating point);
a zero-boost named clause tells which hits have all the words.
"""
from __future__ import annotations

import copy
import hashlib
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from opensearchpy import OpenSearch
from opensearchpy.exceptions import RequestError

from index.article import ENTITY_TYPES
from search import querylang as ql, recency
from search.backend import RELAX_BELOW, REQUEST_BUDGET_S
from search.backends.opensearch import facets as ag, ranking as feedback, records, stories
# A page past MAX_RESULT_WINDOW (the cluster's result window) is refused here with a message.
from search.backends.opensearch.backend import CAPABILITIES, MAX_RESULT_WINDOW
from search.backends.opensearch.client import (ClusterUnavailableError, error_reason, index_not_found, make_client,
                                               with_backoff)
from search.backends.opensearch.config import OpenSearchConfig
from search.backends.opensearch.languages import field, field_language
from search.languages import language_code
from search.backends.opensearch.reading import Analyses, Reading
from search.backends.opensearch.schema import check_layout, doc_id, title_of
from search.backends.opensearch.snippets import article_html, article_request, hit_snippet, page_request
from search.backends.opensearch.spelling import suggest
from search.spelling import offered
from search.backends.opensearch.translate import (Analysed, MATCH_NONE, Resolver, filter_clauses, highlight_dsl,
                                                  languages_dsl, phrase_clauses, plain_word_count,
                                                  proximity_clauses)
from search.request import SearchRequest
from search.snippets import marked_query
if TYPE_CHECKING:  # the entity package is loaded only when a query names an entity
    from index.entities.aliases import AliasTable
from search.results import (ArticleNotFoundError, ArticleRecord, BadParameterError, Facets, Hit, IndexNotFoundError,
                            IndexPermissionError, QuerySyntaxError, SearchError, SearchResults, StoryInfo)

# All-words articles first: their score times 2**40 outranks any any-word article (BM25 scores of
# a 64-word query stay far below 2**40 times the smallest all-words score), and a power of two
# keeps the multiplication and the division exact.
ALL_WORDS_WEIGHT = float(2 ** 40)
ALL_WORDS_NAME = "all_words"
# Attempts for a search's calls (client.with_backoff): one wait of ~0.5 s when the cluster is
# busy or electing a manager; a person waiting for results is better served by a quick 503 than
# by the indexer's minute of patience.
SEARCH_ATTEMPTS = 2
SETTINGS_TTL_S = 30.0        # how long the index run's recorded settings (aliases file) are reused
# A hit's stored fields: its title in any language's field too ("title_*"; title_derived is one).
HIT_SOURCE = ["id", "title", "display_title", "title_derived", "url", "date", "source", *ENTITY_TYPES, "language",
              "title_*"]
# The cluster's refusal of a query with more clauses than indices.query.bool.max_clause_count.
_TOO_MANY_CLAUSES = re.compile(r"too_many_\w*clauses")
# search.recency's recency_factor and closeness, on the cluster (their settings are the params).
RECENCY_SCRIPT = ("if (doc['date'].size() == 0) { return params.floor; } "
                  "double age = Math.max(0.0, (params.newest - doc['date'].value.toInstant().toEpochMilli()) "
                  "/ 86400000.0); return params.floor + (1 - params.floor) * Math.pow(0.5, age / params.half_life);")
CLOSENESS_SCRIPT = ("double days = doc['date'].size() == 0 ? params.undated : Math.abs(doc['date'].value"
                    ".toInstant().toEpochMilli() - params.origin) / 86400000.0; "
                    "return 1.0 / Math.sqrt(1.0 + days / params.scale);")


def alias_table(content: str) -> AliasTable:
    """The shipped alias table extended by a user's aliases file given as its content (the
    lines `AliasTable.load_file` reads: kind<TAB>alias<TAB>canonical; others are skipped)."""
    from index.entities.aliases import KINDS, load_aliases

    table = copy.deepcopy(load_aliases(None))
    for line in content.splitlines():
        parts = [part.strip() for part in line.split("\t")]
        if not line.lstrip().startswith("#") and len(parts) == 3 and all(parts) and parts[0] in KINDS:
            table.add(*parts)
    return table


class OpenSearchSearch:
    """Searches the articles behind `config.index` (an alias). Thread-safe; create once."""

    name = "opensearch"
    capabilities = CAPABILITIES

    def __init__(self, config: OpenSearchConfig | None = None, *, client: OpenSearch | None = None) -> None:
        self.config = config or OpenSearchConfig.from_options()
        self._client = client
        self._budget: OpenSearch | None = client
        self._own_client = client is None
        self._lock = threading.Lock()
        self.analyses = Analyses(self._call, lambda: self.client, lambda: self.config.index)
        self._settings: tuple[float, dict] | None = None
        self._layout_checked = -SETTINGS_TTL_S  # when the index's layout version was last found right
        self._alias_table: tuple[str, AliasTable] | None = None  # (content digest, table)

    # ---- plumbing -----------------------------------------------------------------------------

    @property
    def client(self) -> OpenSearch:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = make_client(self.config)
        return self._client

    @property
    def budget_client(self) -> OpenSearch:
        """A client for the optional parts under the request's time budget (did-you-mean): no
        retries, since a retry after a timeout would spend the budget a second time."""
        if self._budget is None:
            with self._lock:
                if self._budget is None:
                    client = make_client(self.config)
                    client.transport.max_retries = 0
                    client.transport.retry_on_timeout = False
                    self._budget = client
        return self._budget

    def _call(self, what: str, call: Callable[[], dict]) -> dict:
        """A request, with the project's errors: IndexNotFoundError naming the alias when it does
        not exist, IndexPermissionError on 401/403, ClusterUnavailableError when no node answers."""
        try:
            return with_backoff(call, f"{what} {self.config.describe()}", attempts=SEARCH_ATTEMPTS)
        except (ClusterUnavailableError, IndexPermissionError):
            raise
        except IndexNotFoundError:
            raise index_not_found(self.config) from None
        except RequestError as exc:
            if _TOO_MANY_CLAUSES.search(str(exc.info)) or "maxClauseCount" in error_reason(exc):
                raise QuerySyntaxError("The query expands to too many words for the cluster; add letters "
                                       "before a *, or use fewer words.") from None
            raise

    def _search(self, what: str, body: dict, *, scored: bool = False) -> dict:
        """A search on the alias; `scored` ones use the whole index's term statistics (dfs)."""
        params = {"search_type": "dfs_query_then_fetch"} if scored else {}
        return self._call(what, lambda: self.client.search(index=self.config.index, body=body, params=params))

    def count(self, query: dict) -> int:
        """How many articles match a query."""
        answer = self._search("count the matches in", {"size": 0, "track_total_hits": True, "query": query})
        return int(answer["hits"]["total"]["value"])

    def recorded_settings(self) -> dict:
        """What the index runs recorded (aliases file, recogniser, last update), reused briefly."""
        cached = self._settings
        if cached is not None and time.monotonic() - cached[0] < SETTINGS_TTL_S:
            return cached[1]
        from search.backends.opensearch.writer import read_settings

        settings = read_settings(self.client, self.config)
        self._settings = (time.monotonic(), settings)
        return settings

    def check_layout(self) -> None:
        """Refuse an index of another layout version (IncompatibleIndexError, as the writer does):
        the queries name fields an older one lacks and would find nothing. Checked again after
        SETTINGS_TTL_S, as a re-index may move the alias."""
        if time.monotonic() - self._layout_checked >= SETTINGS_TTL_S:
            # Only the version (the whole mapping of every language's fields is ~100 KB); an
            # index without one answers nothing, and is refused as of no known version.
            found = self._call("read the layout of", lambda: self.client.indices.get_mapping(
                index=self.config.index, filter_path="*.mappings._meta"))
            check_layout(found or {self.config.index: {}}, self.config)
            self._layout_checked = time.monotonic()

    def analyse(self, texts: set[str], language: str = "en") -> Analysed:
        """Each text's tokens by the index's analyser of `language` (reading.Analyses.analyse)."""
        return self.analyses.analyse(texts, language)

    def read(self, request_languages: tuple[str, ...], *trees: ql.Node) -> Reading:
        """A query's trees read in the languages it searches (reading.Reading)."""
        return self.analyses.read(request_languages, *trees)

    def translate(self, tree: ql.Node, reading: Reading, resolve: Resolver, *, any_word: bool = False) -> dict:
        """A tree as the query on its languages' fields (translate.languages_dsl)."""
        return languages_dsl(tree, reading.analysed, resolve, any_word=any_word, codes=reading.codes)

    def aliases(self) -> tuple[Path | None, AliasTable | None]:
        """(aliases file, alias table) for `canonical_name`: the file the index was built with when
        it is on this machine, else a table from its content kept in the cluster (`aliases_tsv`:
        searches may run where the index run did not), else neither (the shipped aliases)."""
        settings = self.recorded_settings()
        path, content = settings.get("aliases_file"), settings.get("aliases_tsv")
        if path and Path(path).is_file():
            return Path(path), None
        if not content:
            return None, None
        digest = hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest()
        with self._lock:
            if self._alias_table is None or self._alias_table[0] != digest:
                self._alias_table = (digest, alias_table(content))
            return None, self._alias_table[1]

    def resolver(self) -> Resolver:
        """A typed facet value -> the forms to look for: as typed, and for people, organisations
        and places its canonical name through the aliases the index was built with."""
        from index.entities import canonical_name

        aliases: list[tuple[Path | None, AliasTable | None]] = []

        def resolve(field: str, value: str) -> list[str]:
            forms = [" ".join(value.split())]
            if field == "language":  # "German", "DE", "de-AT" -> the stored code "de"
                forms.append(language_code(value))
            if field in ENTITY_TYPES:
                if not aliases:
                    aliases.append(self.aliases())
                path, table = aliases[0]
                forms.append(canonical_name(field, value, aliases_file=path, table=table))
            return [form for form in dict.fromkeys(forms) if form]
        return resolve

    # ---- searching ----------------------------------------------------------------------------

    def run(self, request: SearchRequest) -> SearchResults:
        """Answer a checked request."""
        started = time.perf_counter()
        deadline = started + REQUEST_BUDGET_S
        tree, any_tree = request.tree, request.any_tree
        self.analyses.present()  # the index's languages (and a refused or missing index said at once)
        self.check_layout()  # then: an older index lacks the languages' analysers the reading asks for
        reading = self.read(request.language, tree, any_tree)
        resolve = self.resolver()
        filters = filter_clauses(request.filters, request.date_from, request.date_to, resolve)
        filters += stories.story_filters(request)
        all_q = self.translate(tree, reading, resolve)
        # Relaxing, word pairs, proximity and feedback: in the ranking language (search.languages).
        analysed, ranking = reading.ranked, reading.ranking
        any_q = self.translate(any_tree, reading, resolve, any_word=True) if plain_word_count(tree, analysed) > 1 \
            else None
        relevance = request.sort == "relevance"

        with_all, bounds, relaxed = None, None, False
        if any_q is not None or request.facets or (relevance and request.recency):
            with_all, _, bounds, relaxed = self._overview(all_q, any_q, filters)
        query = any_q if relaxed and any_q is not None else all_q
        # The query's adjacent words as phrases and (long queries) feedback: re-scoring only.
        phrases = phrase_clauses(tree, analysed, language=ranking) if relevance else []
        expansion, cut_short = feedback.expand(self, query, filters, phrases, tree, analysed, deadline,
                                               language=ranking) if relevance else ([], False)
        body = self._page_body(request, feedback.ranked_query(query, filters, phrases, expansion),
                               all_q if relaxed else None, bounds, analysed, any_tree if relaxed else tree,
                               reading=reading)
        start = (request.page - 1) * request.page_size
        if start + request.page_size > MAX_RESULT_WINDOW:
            total = self._check_window(request, body["query"], start)
            body.update({"from": 0, "size": 0} if start >= total else {"size": MAX_RESULT_WINDOW - start})
        if request.collapse:
            stories.add_collapse(body)
        answer = self._search("search", body, scored=relevance)
        total = int(answer["hits"]["total"]["value"])
        hits = [self._hit(raw, relevance, relaxed, request.snippets) for raw in answer["hits"]["hits"]]
        story_count = None
        if request.collapse:
            story_count = stories.story_count(answer)
            found = stories.summaries(self, [stories.hit_story(raw) for raw in answer["hits"]["hits"]])
            for hit, raw in zip(hits, answer["hits"]["hits"]):
                stories.with_story(hit, found.get(stories.hit_story(raw) or ""))
        aggs = answer.get("aggregations", {})
        facets = ag.read_facets(aggs, bounds, request.interval) if request.facets else Facets()
        with_all_words = int(with_all) if relaxed and with_all is not None else total
        suggestion, partial = None, cut_short
        if offered(request.query, snippets=request.snippets, found=total, relaxed=relaxed):
            suggestion, cut = suggest(self, request.query, filters, with_all_words, deadline, reading)
            partial = partial or cut
        return SearchResults(query=request.query, total=total, page=request.page, page_size=request.page_size,
                             took_ms=(time.perf_counter() - started) * 1000, hits=hits, facets=facets,
                             suggestion=suggestion, all_words=not relaxed, with_all_words=with_all_words,
                             partial=partial, collapsed=request.collapse, stories=story_count)

    def _overview(self, all_q: dict, any_q: dict | None,
                  filters: list[dict]) -> tuple[int, int, tuple[int, int] | None, bool]:
        """(all-words count, any-word count, date bounds of the result set, relaxed?)."""
        if any_q is None:
            body = {"size": 0, "track_total_hits": True, "aggs": ag.bounds_aggs(),
                    "query": {"bool": {"filter": [*filters, all_q]}}}
            answer = self._search("count the matches in", body)
            total = int(answer["hits"]["total"]["value"])
            return total, total, ag.read_bounds(answer.get("aggregations", {})), False
        either = {"bool": {"should": [all_q, any_q], "minimum_should_match": 1}}
        body = {"size": 0, "track_total_hits": False, "query": {"bool": {"filter": [*filters, either]}},
                "aggs": {"all": {"filter": all_q, "aggs": ag.bounds_aggs()},
                         "any": {"filter": any_q, "aggs": ag.bounds_aggs()}}}
        aggs = self._search("count the matches in", body).get("aggregations", {})
        n_all, n_any = int(aggs["all"]["doc_count"]), int(aggs["any"]["doc_count"])
        relaxed = n_all < RELAX_BELOW and n_any > n_all
        return n_all, n_any, ag.read_bounds(aggs["any" if relaxed else "all"]), relaxed

    def _page_body(self, request: SearchRequest, ranked: dict, all_q: dict | None,
                   bounds: tuple[int, int] | None, analysed: Analysed, tree: ql.Node,
                   reading: Reading | None = None) -> dict:
        """The page request: ranking, sort, snippets, facets; `ranked` is the query within its
        filters (`feedback.ranked_query`); `analysed` is the ranking language's analysis, `reading`
        every searched language's (English alone when not given)."""
        reading = reading or Reading({"en": analysed})
        if request.sort == "relevance":
            near = proximity_clauses(tree, analysed, language=reading.ranking)
            if near:  # optional clauses: they add to the score, never to the matches
                ranked["bool"]["should"] = [*ranked["bool"].get("should", []), *near]
            functions: list[dict] = []
            if all_q is not None:
                functions.append({"filter": all_q, "weight": ALL_WORDS_WEIGHT})
                ranked["bool"]["should"] = [*ranked["bool"].get("should", []),
                                            {"constant_score": {"filter": all_q, "boost": 0.0, "_name": ALL_WORDS_NAME}}]
            if request.recency:
                functions.append({"script_score": {"script": {"source": RECENCY_SCRIPT, "params": {
                    "newest": bounds[1] if bounds else 0, "half_life": float(request.recency),
                    "floor": recency.RECENCY_FLOOR}}}})
            if functions:
                ranked = {"function_score": {"query": ranked, "functions": functions, "score_mode": "multiply",
                                           "boost_mode": "multiply"}}
            sort = [{"_score": "desc"}, {"date": {"order": "desc", "missing": "_last"}}, {"id": "asc"}]
        else:
            order = "desc" if request.sort == "newest" else "asc"
            sort = [{"date": {"order": order, "missing": "_last"}}, {"id": "asc"}]
        body: dict = {"query": ranked, "sort": sort, "track_total_hits": True, "_source": HIT_SOURCE,
                      "from": (request.page - 1) * request.page_size, "size": request.page_size}
        if request.snippets:
            body.update(page_request(self._marks(tree, reading)))
        if request.facets:
            body["aggs"] = ag.facet_aggs(request.facet_top, bounds, request.interval)
        return body

    @staticmethod
    def _marks(tree: ql.Node, reading: Reading) -> dict:
        """What to mark: the query's words in each searched language's body field, by that
        language's analysis (an article has one body field: its language's); English's alone is
        the query itself (as before languages)."""
        marks = {field("body", language): highlight_dsl(tree, analysed, field("body", language)) or MATCH_NONE
                 for language, analysed in reading.analysed.items()}
        return marks["body"] if list(marks) == ["body"] else marks

    def _check_window(self, request: SearchRequest, query: dict, start: int) -> int:
        """The total, after refusing a page the cluster cannot reach (hits past MAX_RESULT_WINDOW);
        a page past the end is not refused: it is an empty page, as every page past the end is."""
        total = self.count(query)
        if start < total and start + min(request.page_size, total - start) > MAX_RESULT_WINDOW:
            raise BadParameterError(
                f"page {request.page} (results {start + 1:,}-{start + request.page_size:,}) is beyond the first "
                f"{MAX_RESULT_WINDOW:,} results that the OpenSearch backend can page to; narrow the search "
                f"with words, filters or dates, or sort the other way")
        return total

    def _hit(self, raw: dict, relevance: bool, relaxed: bool, snippets: bool) -> Hit:
        """A result; an all-words hit's score is divided back by ALL_WORDS_WEIGHT."""
        source = raw.get("_source", {})
        score = None
        if relevance and raw.get("_score") is not None:
            score = float(raw["_score"])
            if relaxed and ALL_WORDS_NAME in raw.get("matched_queries", ()):
                score /= ALL_WORDS_WEIGHT
            score = round(score, 4)
        return Hit(id=source.get("id", ""), title=title_of(source), url=source.get("url"),
                   date=records.stored_date(source.get("date")), source=source.get("source"), score=score,
                   snippet=hit_snippet(raw) if snippets else "",
                   entities=records.entities_of(source), title_derived=bool(source.get("title_derived")),
                   language=source.get("language"))

    # ---- articles and statistics --------------------------------------------------------------

    def _find(self, article_id: str, body: dict) -> dict:
        """The one indexed document of an article id, or ArticleNotFoundError."""
        answer = self._search("look up an article in", {"query": {"ids": {"values": [doc_id(article_id)]}},
                                                         "size": 1, **body})
        for raw in answer["hits"]["hits"]:
            if raw.get("_source", {}).get("id", article_id) == article_id:
                return raw
        raise ArticleNotFoundError(f"no article with id {article_id!r}")

    def article(self, article_id: str, query: str = "") -> tuple[ArticleRecord, str]:
        """One article, and its body as safe HTML with the words of `query` marked."""
        tree, marks = marked_query(query), None
        if tree is not None:
            try:
                marks = self._marks(tree, self.read((), tree))
            except SearchError:
                marks = None
        raw = self._find(article_id, article_request(marks) if marks else {})
        record = records.record_from_source(raw["_source"], article_id)
        return record, article_html(raw, record.body)

    def related(self, article_id: str, top: int = 5) -> list[Hit]:
        """Articles like this one (more_like_this on its key title and body terms), preferring
        ones close in date (`search.recency.closeness`)."""
        raw = self._find(article_id, {"_source": ["id", "date", "language"]})
        language = field_language(raw["_source"].get("language"))  # its own language's words
        like = {"more_like_this": {"fields": [field("title", language), field("body", language)], "like": [{"_index": raw["_index"], "_id": raw["_id"]}],
                                   "min_term_freq": 1, "min_doc_freq": 1, "max_query_terms": recency.RELATED_TERMS,
                                   "minimum_should_match": 1}}
        query: dict = {"bool": {"must": [like], "must_not": [{"term": {"id": article_id}}]}}
        own = records.stored_date(raw["_source"].get("date"))
        if own is not None:
            query = {"function_score": {"query": query, "boost_mode": "multiply", "functions": [{"script_score": {
                "script": {"source": CLOSENESS_SCRIPT, "params": {
                    "origin": int(own.timestamp() * 1000), "scale": recency.CLOSENESS_DAYS,
                    "undated": recency.UNDATED_DAYS}}}}]}}
        body = {"query": query, "size": max(0, top), "_source": HIT_SOURCE,
                "sort": [{"_score": "desc"}, {"id": "asc"}]}
        answer = self._search("find related articles in", body, scored=True)
        return [self._hit(hit, True, False, False) for hit in answer["hits"]["hits"]]

    def stats(self, top: int = 10) -> dict:
        """Document count, undated count, date range, top entities, size, last update, recogniser
        (no `index_dir`: there is no folder; `size_bytes` counts the primary shards)."""
        answer = self._search("read the statistics of", {"size": 0, "track_total_hits": True,
                                                         "aggs": ag.stats_aggs(top)})
        aggs = answer.get("aggregations", {})
        sizes = self._call("read the size of", lambda: self.client.indices.stats(
            index=self.config.index, metric="store,segments"))
        primaries = sizes.get("_all", {}).get("primaries", {})
        settings = self.recorded_settings()
        bounds = ag.read_bounds(aggs)
        return {
            "documents": int(answer["hits"]["total"]["value"]),
            "undated": int(aggs.get("undated", {}).get("doc_count", 0)),
            "date_from": ag.iso_or_none(bounds[0] if bounds else None),
            "date_to": ag.iso_or_none(bounds[1] if bounds else None),
            "top": {field: [{"value": v.value, "count": v.count} for v in ag.facet_values(aggs, field)]
                    for field in ag.FACET_FIELDS},
            "size_bytes": int(primaries.get("store", {}).get("size_in_bytes", 0)),
            "segments": int(primaries.get("segments", {}).get("count", 0)),
            "last_update": settings.get("last_update"),
            "recogniser": settings.get("recogniser"),
            # Articles per language, most first (the stored codes: ISO 639-1, "und").
            "languages": dict(sorted(self.analyses.present().items(), key=lambda item: (-item[1], item[0]))),
        }

    def articles(self, article_ids: list[str]) -> list[ArticleRecord]:
        """The indexed ones of `article_ids`, whole, in order, in one request (see `records`)."""
        return records.articles(self, article_ids)

    def document_frequencies(self, words: list[str], language: str = "en") -> tuple[dict[str, tuple[str, int]], int]:
        """Each word's body term and document frequency in `language`'s articles (analysed as
        they are), and the article count (one request besides the analysis)."""
        return records.document_frequencies(self, words, language)

    def stories(self, request: SearchRequest, top: int = 10) -> list[StoryInfo]:
        """The `top` stories with most articles among the request's matches (all words)."""
        resolve = self.resolver()
        filters = filter_clauses(request.filters, request.date_from, request.date_to, resolve)
        filters += stories.story_filters(request)
        query = self.translate(request.tree, self.read(request.language, request.tree), resolve)
        return stories.largest(self, {"bool": {"filter": [*filters, query]}}, top)

    def close(self) -> None:
        if self._own_client:
            for client in {id(c): c for c in (self._client, self._budget) if c is not None}.values():
                client.close()
            self._client = self._budget = None


__all__ = ["OpenSearchSearch", "ALL_WORDS_WEIGHT", "MAX_RESULT_WINDOW"]
