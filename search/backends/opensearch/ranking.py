"""Pseudo-relevance feedback (RM3, `search.ranking` explains the method and holds its settings)
on the OpenSearch backend, computed from what the cluster returns.

For a relevance-sorted search that takes feedback (`search.ranking.takes_feedback`), before the
page request:
1. the FEEDBACK_DOCS best articles by the query's own score (the page's query and filters, plus
   the phrase clauses: the articles vote with the score the word pairs have added to; no
   all-words weight, recency or proximity, which come after feedback): ids and scores only;
2. their analysed words and counts, from `_mtermvectors` on title and body. The mapping stores no
   term vectors: the cluster analyses their `_source` again with the index analyser, so the words
   are the index's terms (stemmed, stop words out). A derived title is not indexed (it is in
   `display_title`), so it does not vote;
3. the model (`feedback_model`, pure) and the page's query becomes
   bool{must: [the query (and its phrases), boost FEEDBACK_ORIGINAL], should: [per feedback
   word, a `term` on `combined` (the title TITLE_BOOST times and the body: feedback words are
   scored like the query's words), boost (1 - FEEDBACK_ORIGINAL) x query length x weight]}: the
   same articles match (the feedback words only add score), and a hit's score is the mix.

The smoothing prior needs the average article length (title words counting TITLE_BOOST times).
It comes free with step 2: term vectors carry their shard's field statistics (sum_ttf: indexed
words in the field; doc_count: articles that have it), so each voting article gives its shard's
average per field, sum_ttf / max(doc_count), and the estimate is TITLE_BOOST x the mean of the
title's + the mean of the body's. No extra request and no cache to go stale; the shards of one
index are filled by hashing ids, so their averages agree closely. Deleted articles not yet
merged away still count in sum_ttf, and when some articles lack the title and others the body,
max(doc_count) undercounts the articles and the average comes out a little large: it only
scales the prior.

Both requests are optional parts under the request's time budget (REQUEST_BUDGET_S, shared with
did-you-mean): no retries, a timeout of what is left of it; when one fails, times out, or the
budget is spent, the search goes on without feedback and says it is `partial`.
"""
from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from opensearchpy.exceptions import OpenSearchException

from search import querylang as ql
from search import ranking as shared
from search.backend import relevance_model
from search.analysis import DEFAULT_LANGUAGE
from search.backends.opensearch.languages import field as language_field
from search.backends.opensearch.schema import COMBINED_FIELD, TEXT_FIELDS
from search.backends.opensearch.translate import DSL, Analysed, analyser

if TYPE_CHECKING:
    from search.backends.opensearch.search import OpenSearchSearch

__all__ = ["article_words", "term_vector_parameters", "average_length", "feedback_model", "expansion_clauses", "ranked_query", "expand",
           "feedback_length"]

TERM_VECTOR_PARAMETERS = {"fields": list(TEXT_FIELDS), "positions": False, "offsets": False, "payloads": False,
                          "term_statistics": False, "field_statistics": True}


def feedback_length(tree: ql.Node, analysed: Analysed) -> int:
    """The query's length for the mix (`search.ranking.query_length`) when feedback applies to it
    (`takes_feedback`, and an original part below 1: else the mix is the query alone), else 0."""
    analyse = analyser(analysed)
    if shared.FEEDBACK_ORIGINAL >= 1 or not shared.takes_feedback(tree, analyse):
        return 0
    return shared.query_length(tree, analyse)


def term_vector_parameters(language: str = DEFAULT_LANGUAGE) -> dict:
    """TERM_VECTOR_PARAMETERS on a language's title and body fields."""
    return {**TERM_VECTOR_PARAMETERS, "fields": [language_field(name, language) for name in TEXT_FIELDS]}


def article_words(doc: Mapping, language: str = DEFAULT_LANGUAGE) -> dict[str, int]:
    """One `_mtermvectors` document's words (title and body together: the article's text, in
    `language`'s fields) and how often each occurs; digits are skipped (`relevance_model`
    neither counts nor weighs them)."""
    counts: dict[str, int] = {}
    for field in TEXT_FIELDS:
        terms = doc.get("term_vectors", {}).get(language_field(field, language), {}).get("terms", {})
        for word, info in terms.items():
            if not word.isdigit():
                counts[word] = counts.get(word, 0) + int(info.get("term_freq", 0))
    return counts


def average_length(docs: Sequence[Mapping], language: str = DEFAULT_LANGUAGE) -> float:
    """The average article length (title words TITLE_BOOST times) from the term vectors' field
    statistics: per field, the mean over the documents of their shard's sum_ttf / articles (the
    largest doc_count the document reports); a document without title vectors (a derived or
    empty title) tells only the body's. See the module docstring."""
    per_field: dict[str, list[float]] = {field: [] for field in TEXT_FIELDS}
    for doc in docs:
        vectors = doc.get("term_vectors", {})
        stats = {field: found for field in TEXT_FIELDS
                 if (found := vectors.get(language_field(field, language), {}).get("field_statistics"))}
        articles = max((int(s.get("doc_count", 0) or 0) for s in stats.values()), default=0)
        if articles > 0:
            for field, s in stats.items():
                per_field[field].append(float(s.get("sum_ttf", 0) or 0) / articles)
    return sum((shared.TITLE_BOOST if field == "title" else 1.0) * sum(values) / len(values)
               for field, values in per_field.items() if values)


def feedback_model(articles: Sequence[tuple[float, Mapping[str, int]]], avg_length: float) -> dict[str, float]:
    """RM1 (`search.backend.relevance_model`, with `search.ranking`'s settings) over the voting
    articles: (score, word counts) of each, best first.

    The scores are OpenSearch's own: Lucene's BM25 leaves out the (k1 + 1) factor (and its idfs
    count the articles that have the field). Measured when a word's title and body scores were
    still added (before `combined`), the best articles' scores came out 2-3 times the Whoosh
    backend's on Cranfield, and rescaling them (x 0.4 or x 2.5) moved nDCG@10 with feedback by
    under 0.005, so they are used unscaled.
    """
    return relevance_model(list(articles)[:shared.FEEDBACK_DOCS], avg_length, terms=shared.FEEDBACK_TERMS,
                           weights=shared.FEEDBACK_WEIGHTS, smoothing=shared.FEEDBACK_SMOOTHING)


def expansion_clauses(model: Mapping[str, float], length: int, language: str = DEFAULT_LANGUAGE) -> list[DSL]:
    """The feedback words as optional clauses: each a `term` (the words are index terms already:
    analysing a stem again could change it) on `combined` (one BM25 over the title TITLE_BOOST
    times and the body, as a query word), boosted (1 - FEEDBACK_ORIGINAL) x `length` x its
    weight, the query length putting the words' part on the scale of the query's. `language`:
    whose combined field (the ranking language's)."""
    combined = language_field(COMBINED_FIELD, language)
    return [{"term": {combined: {"value": word, "boost": boost}}} for word, weight in model.items()
            if (boost := (1 - shared.FEEDBACK_ORIGINAL) * length * weight) > 0]


def ranked_query(query: DSL, filters: list[DSL], phrases: list[DSL], expansion: list[DSL]) -> DSL:
    """The scored query of a relevance-sorted page: `query` within `filters`, the phrase clauses
    adding to its score; with feedback clauses, that part weighs FEEDBACK_ORIGINAL and the
    feedback words the rest. Every addition is a `should` beside a `must`: it adds score and
    never a match."""
    if expansion:
        original: DSL = {"bool": {"must": [query], "boost": shared.FEEDBACK_ORIGINAL}}
        if phrases:
            original["bool"]["should"] = list(phrases)
        should = list(expansion)
    else:
        original, should = query, list(phrases)
    ranked: DSL = {"bool": {"must": [original], "filter": list(filters)}}
    if should:
        ranked["bool"]["should"] = should
    return ranked


def expand(backend: OpenSearchSearch, query: DSL, filters: list[DSL], phrases: list[DSL], tree: ql.Node,
           analysed: Analysed, deadline: float, language: str = DEFAULT_LANGUAGE) -> tuple[list[DSL], bool]:
    """(The feedback clauses for the page's query, whether feedback was wanted but left out):
    ([], False) when the query does not take feedback; ([], True) when a request failed or the
    time budget (`deadline`, a perf_counter time) ran out. `analysed` and `language`: the
    ranking language's (its articles' words vote; another language's have none there)."""
    length = feedback_length(tree, analysed)
    if not length:
        return [], False
    try:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return [], True
        body = {"query": ranked_query(query, filters, phrases, []), "size": shared.FEEDBACK_DOCS, "_source": False,
                "track_total_hits": False}
        answer = backend.budget_client.search(index=backend.config.index, body=body, params={
            "search_type": "dfs_query_then_fetch", "request_timeout": remaining})
        hits = answer["hits"]["hits"]
        if answer.get("timed_out"):
            return [], True
        if not hits:
            return [], False
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return [], True
        # The parameters go in each doc: a top-level "parameters" applies to the `ids` form only,
        # and without "fields" a doc gets the stored term vectors (none: an empty answer).
        vectors = backend.budget_client.mtermvectors(body={
            "docs": [{"_index": hit["_index"], "_id": hit["_id"], **term_vector_parameters(language)} for hit in hits]},
            params={"request_timeout": remaining})
        found = {(doc.get("_index"), doc.get("_id")): doc for doc in vectors.get("docs", []) if doc.get("found")}
        docs = [found.get((hit["_index"], hit["_id"]), {}) for hit in hits]
        model = feedback_model([(float(hit["_score"] or 0.0), article_words(doc, language))
                                for hit, doc in zip(hits, docs)], average_length([doc for doc in docs if doc], language))
    except (OpenSearchException, KeyError, TypeError, ValueError):  # an optional part: left out, said so
        return [], True
    return expansion_clauses(model, length, language), False
