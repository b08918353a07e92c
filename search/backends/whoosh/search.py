"""The Whoosh backend's search side: one long-lived object per index, safe to call from many threads.

Each thread gets its own Whoosh searcher (one shared across threads raised rare UnpicklingErrors
in our measurements) and opens a new one when a new commit appears, so an index run in progress
never disturbs searches and its commits show up without a restart. The per-generation
`IndexTables` (facets, dates) are shared read-only by all threads.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.ma  # noqa: F401  (numpy 2's np.unique imports it on first use: ~20 ms, or more on a busy
# machine, that would otherwise be spent inside the first request's time budget)
from whoosh import query as wq  # type: ignore[import-untyped]

from index.article import ENTITY_TYPES
from search.backends.whoosh.schema import FACET_FIELDS, from_index_datetime
from search.backends.whoosh.store import default_index_dir, index_size_bytes, open_index, read_meta
from search.backends.whoosh.spelling import Speller, load_vocabulary
from search.backends.whoosh.facets import UNDATED, IndexTables, recency_factors, timestamp_to_datetime
from search.backends.whoosh.scoring import Evaluator, Matches, PostingsCache, sorted_member
from search.backends.whoosh.ranking import body_analyser, related_articles, rerank
from search.backends.whoosh.query import date_range_query, facet_query
from search.backends.whoosh.translate import to_whoosh
from search.backend import RELAX_BELOW, REQUEST_BUDGET_S
from search.backends.whoosh.backend import CAPABILITIES
from search.request import SearchRequest
from search.results import ArticleNotFoundError, ArticleRecord, Facets, Hit, SearchResults, StoryInfo
from search import querylang as ql, ranking, spelling
from search.analysis import analysis_language
from search.languages import language_code, ranking_language, searched
from search.backends.whoosh.snippets import highlight_full_text, highlight_terms, make_snippet
from search.snippets import marked_query
from search.backends.whoosh import records
from search.backends.whoosh.stories import collapsed_page, largest_stories, story_info, story_table

OPEN_RETRIES = 50   # attempts to open the newest commit while commits keep replacing it
KEEP_GENERATIONS = 2
# A new commit whose predecessor's tables were built in less CPU time than this is switched to
# at once (the stall is this short); slower ones (a big index whose new segments have no cached
# tables yet: seconds at a million articles) are built in the background while the previous
# commit goes on serving. CPU time of the building thread, not wall time: on a busy machine a
# small index's build waits for a core, and its commits would be seen late for no gain.
SYNC_BUILD_BELOW_S = 0.05

log = logging.getLogger("newsearch.search")


def _generation_of(searcher) -> int:
    """The commit a searcher reads; an index without segments reads as generation -1."""
    generation = searcher.reader().generation()
    return -1 if generation is None else generation


def _iso(seconds: int) -> str | None:
    moment = timestamp_to_datetime(seconds)
    return moment.isoformat() if moment is not None else None


def first_rows(keys: tuple[np.ndarray, ...], primary: np.ndarray, needed: int) -> np.ndarray:
    """Indices of the first `needed` rows in `np.lexsort(keys)` order, without sorting them all.

    `primary` must order rows as the lexsort's last (most significant) keys do, ties allowed.
    Rows up to the needed-th smallest primary value (ties included) are the only candidates,
    and only they are lex-sorted: sorting all 700k matches of a common word on four keys took
    120 ms at a million articles.
    """
    if len(primary) <= 4 * needed + 1_000:
        return np.lexsort(keys)[:needed]
    kth = np.partition(primary, needed - 1)[needed - 1]
    candidates = np.flatnonzero(primary <= kth)
    return candidates[np.lexsort(tuple(key[candidates] for key in keys))[:needed]]


class WhooshSearch:
    """The embedded Whoosh backend's search side (meets `search.backend.SearchBackend`): one
    index folder. Create once and reuse: opening and table building are amortised."""

    name = "whoosh"
    capabilities = CAPABILITIES

    def __init__(self, index_dir: Path | str | None = None) -> None:
        self.index_dir = Path(index_dir) if index_dir is not None else default_index_dir()
        self._ix = None
        self._local = threading.local()
        self._lock = threading.Lock()
        self._generations: dict[int, tuple[IndexTables, PostingsCache]] = {}
        self._building: threading.Thread | None = None
        self._last_build_s = 0.0  # CPU seconds the newest generation's tables took to build
        self._spellers: dict[int, Speller] = {}

    # ---- plumbing -----------------------------------------------------------------------------

    def _open_searcher(self):
        """A searcher on the newest commit, retrying while a commit removes the files it opens.

        Whoosh readers find the newest table of contents by listing the folder and then open it;
        a commit landing in between deletes that file (FileNotFoundError). Like Lucene's
        commit-point retry, we start again on the newer commit: each retry means one did land.
        """
        for attempt in range(OPEN_RETRIES):
            try:
                if self._ix is None:
                    with self._lock:
                        if self._ix is None:
                            self._ix = open_index(self.index_dir)
                return self._ix.searcher()
            except FileNotFoundError:
                if attempt == OPEN_RETRIES - 1:
                    raise
                time.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    def _searcher(self):
        """This thread's searcher, moved to a newer commit once that commit's tables are ready.

        A new commit's tables are built in a background thread while the thread's current
        searcher goes on serving the commit it has (at a million articles the build takes
        seconds). A thread without a searcher yet opens the newest commit and, if nobody has
        built its tables, builds them before answering.
        """
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            current, latest = _generation_of(searcher), self._ix.latest_generation()
            if current == latest:
                return searcher
            # Small indexes (tables built in milliseconds) switch at once, so that a commit is
            # seen by the very next search; big ones keep serving while the tables build.
            wait = current == -1 or self._last_build_s < SYNC_BUILD_BELOW_S
            if not wait and latest not in self._generations:
                self._build_in_background()
                return searcher
            newer = self._open_searcher()
            if wait or _generation_of(newer) in self._generations:
                # The old searcher is not closed: its generation's tables may still be serving
                # other threads, and they hold its reader; it is released when they let go.
                self._local.searcher = newer
                return newer
            self._build_in_background()
            return searcher
        searcher = self._open_searcher()
        self._local.searcher = searcher
        self._generation(searcher)
        return searcher

    def _tables_for(self, searcher) -> IndexTables:
        return self._generation(searcher)[0]

    def _generation(self, searcher) -> tuple[IndexTables, PostingsCache]:
        """Tables and postings cache of the searcher's index generation, built once and shared."""
        generation = _generation_of(searcher)
        state = self._generations.get(generation)
        if state is None:
            with self._lock:
                state = self._generations.get(generation)
                if state is None:
                    state = self._build(searcher)
                    self._keep(generation, state)
        return state

    def _build(self, searcher) -> tuple[IndexTables, PostingsCache]:
        started = time.thread_time()
        tables = IndexTables(searcher.reader())
        state = (tables, PostingsCache(searcher, tables))
        self._last_build_s = time.thread_time() - started
        return state

    def _keep(self, generation: int, state: tuple[IndexTables, PostingsCache]) -> None:
        """Add a built state, keeping the newest two (call with `_lock` held): threads still
        on the previous generation finish with it."""
        newest = sorted([*self._generations, generation])[-KEEP_GENERATIONS:]
        self._generations = {g: st for g, st in self._generations.items() if g in newest}
        self._generations[generation] = state

    def _build_in_background(self) -> None:
        """Start building the newest commit's state unless a build is already running."""
        with self._lock:
            if self._building is not None:
                return
            self._building = threading.Thread(target=self._build_newest, name="newsearch-tables", daemon=True)
            self._building.start()

    def _build_newest(self) -> None:
        try:
            searcher = self._open_searcher()
            generation = _generation_of(searcher)
            if generation not in self._generations:
                state = self._build(searcher)
                with self._lock:
                    self._keep(generation, state)
        except Exception:  # the next request tries again; searches go on meanwhile
            log.exception("building the tables of a new index commit failed")
        finally:
            with self._lock:
                self._building = None

    def wait_for_tables(self, timeout: float | None = None) -> None:
        """Wait for a background table build to finish (tests, benchmarks)."""
        building = self._building
        if building is not None:
            building.join(timeout)

    def generation(self) -> int:
        """The index commit this thread's searches read now: answers cached under it (top words)
        stay right until a new commit is searched."""
        return _generation_of(self._searcher())

    def _resolver(self, tables: IndexTables):
        def resolve(fieldname: str, value: str) -> list[str]:
            """Indexed display forms for a typed value: any case, or via a known alias."""
            table = tables.fields[fieldname]
            candidates = [value.strip()]
            if fieldname == "language":  # "German", "DE", "de-AT" -> the stored code "de"
                candidates.append(language_code(value))
            if fieldname in ENTITY_TYPES:
                # Imported here: the entity package is only needed when a query names an entity.
                from index.entities import canonical_name

                aliases_file = read_meta(self.index_dir).get("aliases_file")  # the index's own
                candidates.append(canonical_name(fieldname, value, aliases_file=aliases_file))
            forms: dict[str, None] = {}
            for candidate in candidates:
                for form in table.by_lower.get(" ".join(candidate.split()).lower(), ()):
                    forms[form] = None
            return list(forms)
        return resolve

    # ---- searching ----------------------------------------------------------------------------

    def run(self, request: SearchRequest) -> SearchResults:
        """Answer a checked request."""
        started = time.perf_counter()
        query, sort, page, page_size = request.query, request.sort, request.page, request.page_size
        half_life = request.recency
        date_q = date_range_query(request.date_from, request.date_to)
        searcher = self._searcher()
        tables, postings = self._generation(searcher)
        # The budget starts once the index is open: opening is not the request's work, and
        # a first request that spent its budget opening would answer without snippets.
        deadline = time.perf_counter() + REQUEST_BUDGET_S
        evaluator = Evaluator(searcher, postings, tables.timestamps)
        resolve = self._resolver(tables)
        filters = [facet_query(field, resolve(field, value))
                   for field, values in request.filters.items() for value in values]
        if date_q is not None:
            filters.append(date_q)
        allowed = evaluator.run(wq.And(filters)).docs if filters else None
        stories = story_table(searcher, self.index_dir, _generation_of(searcher), tables) \
            if request.collapse or request.story else None
        if stories is not None and request.story:
            in_stories = stories.docs_of(request.story)
            allowed = in_stories if allowed is None else np.intersect1d(allowed, in_stories)

        def matches(q: wq.Query) -> Matches:
            found = evaluator.run(q)
            if allowed is not None:
                keep = sorted_member(found.docs, allowed)
                found = Matches(found.docs[keep], found.scores[keep])
            return found

        # The languages the query is analysed in, and the one its ranking features use.
        present = tables.language_counts()
        languages = searched(request.language, request.tree, present)
        ranked_in = ranking_language(languages, present)

        def translate(tree: ql.Node, any_word: bool = False) -> wq.Query:
            return to_whoosh(tree, searcher.schema, resolve, any_word=any_word, languages=languages, present=present)

        user_q = translate(request.tree)
        found = matches(user_q)
        all_words, preferred = True, None
        if (len(found.docs) < RELAX_BELOW
                and len(ranking.query_words(request.tree, body_analyser(searcher.schema, ranked_in), excluded=True)) > 1):
            # Few or no articles have every word: show those first, then those with some words
            # (search.ranking.query_words decides whether an any-word search can find more).
            any_q = translate(request.any_tree, any_word=True)
            relaxed = matches(any_q)
            if len(relaxed.docs) > len(found.docs):
                preferred, found, user_q, all_words = found.docs, relaxed, any_q, False
        docs = found.docs
        if sort == "relevance":  # proximity and feedback re-order the same articles
            found = rerank(evaluator, user_q, found, preferred, tree=request.tree, language=ranked_in)

        if half_life is not None and sort == "relevance":
            found = Matches(found.docs, found.scores * recency_factors(tables.timestamps[found.docs], half_life))
        story_count = None
        collapse = stories if request.collapse else None
        if collapse is not None:
            page_items, story_count = collapsed_page(
                lambda needed: self._rank(tables, found, preferred, sort, needed), found.docs, collapse,
                page, page_size)
        else:
            ranked = self._rank(tables, found, preferred, sort, page * page_size)
            page_items = ranked[(page - 1) * page_size: page * page_size]
        terms = highlight_terms(user_q, searcher.reader()) if request.snippets else None
        hits, partial = [], False
        for docnum, score in page_items:
            if terms and time.perf_counter() > deadline:
                terms, partial = frozenset(), True  # the rest get their opening lines instead
            hits.append(self._hit(searcher, docnum, score, terms))
            if collapse is not None:
                hits[-1].story = story_info(searcher, tables, collapse, docnum, hits[-1])
        facet_counts = Facets()
        if request.facets:
            mask = tables.mask(docs)
            facet_counts = Facets(**{f: tables.facet(f, mask, request.facet_top) for f in FACET_FIELDS},
                                  dates=tables.histogram(mask, request.interval))
        suggestion = None
        with_all_words = len(docs) if all_words or preferred is None else len(preferred)
        if spelling.offered(query, snippets=request.snippets, found=len(docs), relaxed=not all_words):
            suggestion, cut_short = self._suggest(
                searcher, query, translate, lambda q: len(matches(q).docs), with_all_words, deadline, languages)
            partial = partial or cut_short
        return SearchResults(query=query, total=int(len(docs)), page=page, page_size=page_size,
                             took_ms=(time.perf_counter() - started) * 1000, hits=hits, facets=facet_counts,
                             suggestion=suggestion, all_words=all_words, with_all_words=int(with_all_words),
                             partial=partial, collapsed=request.collapse, stories=story_count)

    @staticmethod
    def _rank(tables: IndexTables, found: Matches, preferred: np.ndarray | None, sort: str,
              needed: int) -> list[tuple[int, float | None]]:
        """(docnum, score) of the first `needed` results in the requested order.

        Relevance: articles with all the words first (when some have only a few), then by
        BM25F score, equal scores newest first. Dates: undated articles last either way.
        """
        docs = found.docs
        if not len(docs) or needed <= 0:
            return []
        stamps = tables.timestamps[docs]
        # Negatable dates: UNDATED is int64's minimum, whose negation overflows to itself.
        newest_first = -np.where(stamps == UNDATED, np.iinfo(np.int64).min + 1, stamps)
        if sort == "newest":
            order = first_rows((docs, newest_first), newest_first, needed)
            return [(int(docs[i]), None) for i in order]
        if sort == "oldest":
            oldest_first = np.where(stamps == UNDATED, np.iinfo(np.int64).max, stamps)
            order = first_rows((docs, oldest_first), oldest_first, needed)
            return [(int(docs[i]), None) for i in order]
        scores = np.round(found.scores, 6)
        has_all = sorted_member(docs, preferred) if preferred is not None else np.zeros(len(docs), dtype=bool)
        # All-words articles first, then by score: one number that orders (has_all, score) alike.
        primary = -scores + (~has_all) * (float(scores.max(initial=0.0)) - float(scores.min(initial=0.0)) + 1.0)
        order = first_rows((docs, newest_first, -scores, ~has_all), primary, needed)
        return [(int(docs[i]), float(found.scores[i])) for i in order]

    def _hit(self, searcher, docnum: int, score: float | None, terms: frozenset[str] | None) -> Hit:
        """A result; `terms=None` means no snippet was asked for (else marked in the article's
        own language)."""
        stored = searcher.stored_fields(docnum)
        analysis = searcher.schema["body"].analyzer.analysis(stored.get("language")) if terms else None
        return Hit(
            id=stored["id"], title=stored.get("title", ""), url=stored.get("url"),
            date=from_index_datetime(stored.get("date")), source=stored.get("source"),
            score=round(score, 4) if score is not None else None,
            snippet=make_snippet(stored.get("body", ""), terms, analysis) if terms is not None else "",
            entities=records.entities_of(stored), title_derived=bool(stored.get("title_derived")),
            language=stored.get("language"),
        )

    def _suggest(self, searcher, text: str, translate: Callable[[ql.Node], wq.Query],
                 count: Callable[[wq.Query], int], found: int, deadline: float,
                 languages: list[str]) -> tuple[str | None, bool]:
        """Did-you-mean (`search.spelling.suggest` decides), the candidates from the vocabulary of
        words as written in the searched `languages`; and whether the time budget or
        MAX_SPELL_WORDS cut the checking short."""
        loading = time.perf_counter()
        speller = self._speller(searcher).searching(languages)
        deadline += time.perf_counter() - loading  # loading the vocabulary is opening, too

        def corrections(words: list[str]) -> tuple[dict[str, str], bool]:
            fixes: dict[str, str] = {}
            for word in words:
                if time.perf_counter() > deadline:
                    return fixes, True
                better = speller.correct(word)
                if better is not None:
                    fixes[word] = better
            return fixes, False

        return spelling.suggest(text, corrections, translate, count, found, languages)

    def _speller(self, searcher) -> Speller:
        """The vocabulary of the searcher's generation, loaded on the first suggestion it needs."""
        generation = searcher.reader().generation()
        with self._lock:
            if self._spellers.get(generation) is None:
                self._spellers = {generation: Speller(load_vocabulary(self.index_dir))}
            return self._spellers[generation]

    # ---- articles and statistics --------------------------------------------------------------

    def article(self, article_id: str, query: str = "") -> tuple[ArticleRecord, str]:
        """One article, and its body as safe HTML with the words of `query` marked."""
        tree = marked_query(query)
        searcher = self._searcher()
        docnum = searcher.document_number(id=article_id)
        if docnum is None:
            raise ArticleNotFoundError(f"no article with id {article_id!r}")
        record = records.record_from_stored(searcher.stored_fields(docnum))
        terms: frozenset[str] = frozenset()
        language = analysis_language(record.language)  # the query's words as this article's language has them
        if tree is not None:
            resolve = self._resolver(self._tables_for(searcher))
            try:
                terms = highlight_terms(to_whoosh(tree, searcher.schema, resolve, languages=[language]),
                                        searcher.reader())
            except Exception:  # a wildcard too broad to expand, say: nothing is marked
                terms = frozenset()
        analysis = searcher.schema["body"].analyzer.analysis(language)
        return record, highlight_full_text(record.body, terms, analysis)

    def related(self, article_id: str, top: int = 5) -> list[Hit]:
        """Articles like this one (its key body terms), preferring ones close in date.

        Whoosh picks the key terms (Bo1 over the stored text); our evaluator scores them
        (Whoosh's `more_like` took ~16 ms of a ~18 ms article page on Reuters).
        """
        searcher = self._searcher()
        docnum = searcher.document_number(id=article_id)
        if docnum is None:
            raise ArticleNotFoundError(f"no article with id {article_id!r}")
        tables, postings = self._generation(searcher)
        found = related_articles(Evaluator(searcher, postings, tables.timestamps), tables.timestamps, docnum, top)
        return [self._hit(searcher, docnum, score, None) for docnum, score in found]

    def stats(self, top: int = 10) -> dict:
        searcher = self._searcher()
        tables = self._tables_for(searcher)
        mask = tables.mask(tables.live)
        stamps = tables.timestamps[mask]
        dated = stamps[stamps != UNDATED]
        meta = read_meta(self.index_dir)
        return {
            "index_dir": str(self.index_dir.resolve()),
            "documents": int(mask.sum()),
            "undated": int(len(stamps) - len(dated)),
            "date_from": _iso(int(dated.min())) if len(dated) else None,
            "date_to": _iso(int(dated.max())) if len(dated) else None,
            "top": {field: [{"value": v.value, "count": v.count} for v in tables.facet(field, mask, top)]
                    for field in FACET_FIELDS},
            "size_bytes": index_size_bytes(self.index_dir),
            "segments": len(searcher.reader().leaf_readers()) if hasattr(searcher.reader(), "leaf_readers") else 1,
            "last_update": meta.get("last_update"),
            # Articles per language code ("und" included), most first.
            "languages": tables.language_counts(),
            "recogniser": meta.get("recogniser"),
        }

    def articles(self, article_ids: list[str]) -> list[ArticleRecord]:
        """The indexed ones of `article_ids`, whole, in order (see `records`)."""
        return records.articles(self._searcher(), article_ids)

    def document_frequencies(self, words: list[str], language: str = "en") -> tuple[dict[str, tuple[str, int]], int]:
        """Each word's body term and document frequency in `language`'s analysis and articles,
        and the live article count."""
        searcher = self._searcher()
        return records.document_frequencies(searcher, self._generation(searcher)[1], words, language)

    def stories(self, request: SearchRequest, top: int = 10) -> list[StoryInfo]:
        """The `top` stories with most articles among the request's matches (all words, no
        relaxation; an empty query: the whole index)."""
        searcher = self._searcher()
        tables, postings = self._generation(searcher)
        resolve = self._resolver(tables)
        parts = [facet_query(field, resolve(field, value))
                 for field, values in request.filters.items() for value in values]
        date_q = date_range_query(request.date_from, request.date_to)
        parts += [date_q] if date_q is not None else []
        present = tables.language_counts()
        parts.append(to_whoosh(request.tree, searcher.schema, resolve, present=present,
                               languages=searched(request.language, request.tree, present)))
        docs = Evaluator(searcher, postings, tables.timestamps).run(wq.And(parts)).docs
        table = story_table(searcher, self.index_dir, _generation_of(searcher), tables)
        if request.story:
            docs = np.intersect1d(docs, table.docs_of(request.story))
        return largest_stories(searcher, tables, table, docs, top)

    def close(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
            self._local.searcher = None


__all__ = ["WhooshSearch"]
