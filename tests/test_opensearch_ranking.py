"""The OpenSearch backend's PHRASES and FEEDBACK (RM3) without a cluster: the phrase clauses a
query gets, the feedback model on hand-made term vectors, the expanded query's shape, and the
feedback requests against a stand-in client (answers, failures, the time budget). The ranking
they produce on a real cluster is checked beside Whoosh's in tests/test_ranking_contract.py.
"""
from __future__ import annotations

import json
import time

import pytest
from opensearchpy.exceptions import ConnectionTimeout

from search import querylang as ql
from search import ranking as shared
from search.backends.opensearch import ranking as feedback
from search.backends.opensearch.config import OpenSearchConfig
from search.backends.opensearch.schema import COMBINED_FIELD
from search.backends.opensearch.search import ALL_WORDS_NAME, ALL_WORDS_WEIGHT, OpenSearchSearch
from search.backends.opensearch.translate import analyser, phrase_clauses
from search.ranking import TITLE_BOOST
from search.request import SearchRequest

# What the index analyser makes of the test queries' words (stemmed; stop words give nothing).
ANALYSED = {"graph": ("graph",), "algorithms": ("algorithm",), "for": (), "sparse": ("spars",),
            "matrices": ("matric",), "the": (), "central": ("central",), "bank": ("bank",), "of": (),
            "england": ("england",), "oil": ("oil",), "x": ("x",), "rates": ("rate",), "rate": ("rate",),
            "long-range": ("long", "rang"), "missiles": ("missil",), "banks": ("bank",), "1990": ("1990",),
            "interest rates": ("interest", "rate"), "interest": ("interest",), "system": ("system",),
            "systems": ("system",), "a": (), "b": ("b",), "c": ("c",), "d": ("d",), "e": ("e",)}


def pairs(query: str) -> list[str]:
    """The texts of search.ranking's word pairs, with this index analysis."""
    return [pair.text for pair in shared.word_pairs(ql.parse(query), analyser(ANALYSED))]


# ---- phrases ----------------------------------------------------------------------------------

def test_word_pairs_are_the_plain_words_side_by_side_stop_words_skipped() -> None:
    assert pairs("graph algorithms for sparse matrices") == [
        "graph algorithms", "algorithms for sparse", "sparse matrices"]
    # The stop word stays in the text: Lucene's positions keep its gap, as a quoted phrase's do.
    assert pairs("the central bank of england") == ["central bank", "bank of england"]


def test_excluded_fielded_quoted_and_repeated_words_make_no_pair() -> None:
    assert pairs("central -oil bank") == ["central bank"]  # an excluded word is not in the query's text
    assert pairs("central title:x bank") == []             # a fielded word breaks the chain
    assert pairs('central "interest rates" bank') == []    # so does a phrase (adjacency already)
    assert pairs("bank banks") == []                       # the same word twice is no pair
    assert pairs("central bank central bank") == ["central bank", "bank central"]  # distinct pairs once
    assert pairs("long-range missiles") == []              # a word of several tokens breaks the chain
    assert pairs("central OR bank") == ["central bank"]    # the leaves in order


def test_one_word_or_phrases_off_gives_no_clause() -> None:
    assert phrase_clauses(ql.parse("bank"), ANALYSED, 0.1) == []
    assert phrase_clauses(ql.parse("the bank"), ANALYSED, 0.1) == []
    assert phrase_clauses(ql.parse("central bank"), ANALYSED, 0.0) == []


def test_phrase_clauses_are_slop_0_on_the_combined_field_weighted_by_phrases() -> None:
    """One phrase per pair on `combined` (title TITLE_BOOST times and body): a pair is scored over
    the combined title and body, not a title and a body phrase added."""
    clauses = phrase_clauses(ql.parse("central bank rates"), ANALYSED, 0.1)
    assert clauses == [
        {"match_phrase": {COMBINED_FIELD: {"query": "central bank", "slop": 0, "boost": 0.1}}},
        {"match_phrase": {COMBINED_FIELD: {"query": "bank rates", "slop": 0, "boost": 0.1}}},
    ]


def test_query_words_and_length(monkeypatch) -> None:
    tree, analyse = ql.parse("system systems -oil title:x graph"), analyser(ANALYSED)
    assert shared.query_words(tree, analyse) == ["system", "graph"]  # no excluded, no title: word
    assert shared.query_words(tree, analyse, excluded=True) == ["system", "graph", "oil"]
    assert shared.query_length(tree, analyse) == 3                   # "system" said twice
    monkeypatch.setattr(shared, "QUERY_TF", False)
    assert shared.query_length(tree, analyse) == 2                   # said once each


# ---- the feedback model -------------------------------------------------------------------------

@pytest.fixture
def settings(monkeypatch):
    """Feedback on, with the shipped method (likelihood votes, smoothing 1), in search.ranking."""
    for name, value in {"FEEDBACK": True, "FEEDBACK_DOCS": 10, "FEEDBACK_TERMS": 10, "FEEDBACK_ORIGINAL": 0.5,
                        "FEEDBACK_WEIGHTS": "likelihood", "FEEDBACK_SMOOTHING": 1.0,
                        "FEEDBACK_MIN_WORDS": 5}.items():
        monkeypatch.setattr(shared, name, value)
    return monkeypatch


def test_an_article_well_ahead_dominates_the_vote(settings) -> None:
    model = feedback.feedback_model([(12.0, {"lithium": 5, "battery": 5}), (8.0, {"granite": 10})], 10.0)
    assert model["lithium"] > 10 * model["granite"]
    settings.setattr(shared, "FEEDBACK_WEIGHTS", "share")  # Anserini's votes: 12 : 8
    model = feedback.feedback_model([(12.0, {"lithium": 5, "battery": 5}), (8.0, {"granite": 10})], 10.0)
    assert model["granite"] == pytest.approx(model["lithium"] * 2 * 8 / 12)


def test_a_short_record_does_not_outvote_a_long_article_when_smoothed(settings) -> None:
    articles = [(5.0, {"code": 1, "r408": 1}), (5.0, {"rocket": 30, "engine": 30, "fuel": 40})]
    assert max(feedback.feedback_model(articles, 100.0), key=feedback.feedback_model(articles, 100.0).get) == "fuel"
    settings.setattr(shared, "FEEDBACK_SMOOTHING", 0.0)  # tf / length: the record's words lead
    unsmoothed = feedback.feedback_model(articles, 100.0)
    assert unsmoothed["code"] > unsmoothed["fuel"]


def test_digits_are_skipped_and_weights_sum_to_one(settings) -> None:
    settings.setattr(shared, "FEEDBACK_TERMS", 2)
    model = feedback.feedback_model([(3.0, {"1990": 9, "oil": 3, "price": 2, "rose": 1})], 5.0)
    assert list(model) == ["oil", "price"]
    assert sum(model.values()) == pytest.approx(1.0)
    assert feedback.feedback_model([], 5.0) == {}
    assert feedback.feedback_model([(1.0, {})], 5.0) == {}


def vectors(doc_id: str, title: dict[str, int], body: dict[str, int], stats=((4, 12), (4, 40))) -> dict:
    (title_docs, title_ttf), (body_docs, body_ttf) = stats
    fields = {"body": {"field_statistics": {"doc_count": body_docs, "sum_ttf": body_ttf},
                       "terms": {w: {"term_freq": n} for w, n in body.items()}}}
    if title:  # a derived title is not indexed: no title vectors
        fields["title"] = {"field_statistics": {"doc_count": title_docs, "sum_ttf": title_ttf},
                           "terms": {w: {"term_freq": n} for w, n in title.items()}}
    return {"_index": "ix", "_id": doc_id, "found": True, "term_vectors": fields}


def test_term_vectors_give_title_and_body_words_and_the_average_length() -> None:
    doc = vectors("1", {"oil": 1, "2020": 1}, {"oil": 2, "price": 1})
    assert feedback.article_words(doc) == {"oil": 3, "price": 1}
    # Per field, each shard's words / articles averaged over the documents; the title's x TITLE_BOOST.
    other = vectors("2", {"x": 1}, {"x": 1}, stats=((3, 6), (5, 20)))
    assert feedback.average_length([doc, other]) == pytest.approx(
        TITLE_BOOST * (12 / 4 + 6 / 5) / 2 + (40 / 4 + 20 / 5) / 2)
    derived = vectors("3", {}, {"x": 1}, stats=((3, 6), (5, 20)))  # no title vectors: tells the body's only
    assert feedback.average_length([doc, derived]) == pytest.approx(TITLE_BOOST * 12 / 4 + (40 / 4 + 20 / 5) / 2)
    assert feedback.average_length([]) == 0.0


# ---- the expanded query -------------------------------------------------------------------------

QUERY = {"match": {"body": {"query": "oil"}}}
FILTERS = [{"terms": {"place.lower": ["iran"]}}]
PHRASE = [{"match_phrase": {"body": {"query": "oil price", "slop": 0, "boost": 0.1}}}]


def test_expansion_clauses_weigh_the_words_by_the_mix(settings) -> None:
    """Each feedback word once, on `combined`: scored as the query's words are (Whoosh: BM25F)."""
    clauses = feedback.expansion_clauses({"lithium": 0.75, "mine": 0.25}, 6)
    assert clauses == [
        {"term": {COMBINED_FIELD: {"value": "lithium", "boost": pytest.approx(0.5 * 6 * 0.75)}}},
        {"term": {COMBINED_FIELD: {"value": "mine", "boost": pytest.approx(0.5 * 6 * 0.25)}}},
    ]


def test_ranked_query_without_and_with_feedback(settings) -> None:
    assert feedback.ranked_query(QUERY, FILTERS, [], []) == {"bool": {"must": [QUERY], "filter": FILTERS}}
    assert feedback.ranked_query(QUERY, FILTERS, PHRASE, []) == {
        "bool": {"must": [QUERY], "filter": FILTERS, "should": PHRASE}}
    expansion = feedback.expansion_clauses({"lithium": 1.0}, 5)
    assert feedback.ranked_query(QUERY, FILTERS, PHRASE, expansion) == {"bool": {
        "must": [{"bool": {"must": [QUERY], "should": PHRASE, "boost": 0.5}}],  # the original part, phrases in it
        "filter": FILTERS, "should": expansion}}


def test_the_page_keeps_all_words_first_and_proximity_outside_the_mix(settings, monkeypatch) -> None:
    monkeypatch.setattr(shared, "PROXIMITY", 1.0)
    backend = OpenSearchSearch(OpenSearchConfig(url="http://127.0.0.1:1", index="unused"), client=object())
    expansion = feedback.expansion_clauses({"lithium": 1.0}, 5)
    all_q = {"match": {"body": {"query": "oil gas", "operator": "and"}}}
    tree = ql.parse("central bank", any_word=True)
    ranked = feedback.ranked_query(QUERY, FILTERS, PHRASE, expansion)
    body = backend._page_body(SearchRequest(query="central bank"), ranked, all_q, None, ANALYSED, tree)
    scored = body["query"]["function_score"]
    assert scored["functions"] == [{"filter": all_q, "weight": ALL_WORDS_WEIGHT}]
    inner = scored["query"]["bool"]
    assert inner["must"][0]["bool"]["boost"] == 0.5 and inner["filter"] == FILTERS
    should = inner["should"]
    assert should[:len(expansion)] == expansion
    assert should[len(expansion)]["match_phrase"]["body"]["slop"] == 4  # proximity: added after the mix, as on Whoosh
    assert should[-1]["constant_score"]["_name"] == ALL_WORDS_NAME


# ---- the feedback requests ----------------------------------------------------------------------

class StandInClient:
    """Answers the top-articles search and `_mtermvectors` with canned documents."""

    def __init__(self, hits: list[tuple[str, float]], docs: list[dict], fail: Exception | None = None) -> None:
        self.hits, self.docs, self.fail = hits, docs, fail
        self.calls: list[tuple[str, dict, dict]] = []

    def search(self, index: str, body: dict, params: dict) -> dict:
        self.calls.append(("search", body, params))
        if self.fail:
            raise self.fail
        return {"timed_out": False, "hits": {"hits": [{"_index": "ix", "_id": i, "_score": s} for i, s in self.hits]}}

    def mtermvectors(self, body: dict, params: dict) -> dict:
        self.calls.append(("mtermvectors", body, params))
        return {"docs": self.docs}


class StandIn:
    def __init__(self, client: StandInClient) -> None:
        self.budget_client = client
        self.config = OpenSearchConfig(url="http://127.0.0.1:1", index="news")


LONG = "battery makers expand mining plants"
LONG_ANALYSED = {"battery": ("batteri",), "makers": ("maker",), "expand": ("expand",), "mining": ("mine",),
                 "plants": ("plant",)}


def test_expand_asks_for_the_best_articles_and_their_words(settings) -> None:
    settings.setattr(shared, "FEEDBACK_DOCS", 2)
    client = StandInClient([("1", 9.0), ("2", 8.5)], [
        vectors("1", {"batteri": 1}, {"lithium": 3, "mine": 1}), vectors("2", {"batteri": 1}, {"lithium": 3})])
    clauses, cut = feedback.expand(StandIn(client), QUERY, FILTERS, PHRASE, ql.parse(LONG), LONG_ANALYSED,
                                   time.perf_counter() + 5)
    assert not cut
    (_, search, params), (_, termvectors, _) = client.calls
    assert search == {"query": {"bool": {"must": [QUERY], "filter": FILTERS, "should": PHRASE}}, "size": 2,
                      "_source": False, "track_total_hits": False}
    assert params["search_type"] == "dfs_query_then_fetch" and 0 < params["request_timeout"] <= 5
    assert [(d["_index"], d["_id"], d["fields"]) for d in termvectors["docs"]] == [
        ("ix", "1", ["title", "body"]), ("ix", "2", ["title", "body"])]
    words = [c["term"][COMBINED_FIELD]["value"] for c in clauses]
    assert words[0] == "lithium" and set(words) == {"lithium", "batteri", "mine"}


def test_no_feedback_for_short_queries_or_when_off(settings) -> None:
    client = StandInClient([("1", 1.0)], [vectors("1", {}, {"oil": 1})])
    assert feedback.expand(StandIn(client), QUERY, [], [], ql.parse("mining plants"), LONG_ANALYSED,
                           time.perf_counter() + 5) == ([], False)
    settings.setattr(shared, "FEEDBACK", False)
    assert feedback.expand(StandIn(client), QUERY, [], [], ql.parse(LONG), LONG_ANALYSED,
                           time.perf_counter() + 5) == ([], False)
    assert client.calls == []


def test_a_failed_or_late_feedback_is_left_out_and_said(settings) -> None:
    failing = StandInClient([], [], fail=ConnectionTimeout("TIMEOUT", "timed out", None))
    assert feedback.expand(StandIn(failing), QUERY, [], [], ql.parse(LONG), LONG_ANALYSED,
                           time.perf_counter() + 5) == ([], True)
    late = StandInClient([("1", 1.0)], [vectors("1", {}, {"oil": 1})])
    assert feedback.expand(StandIn(late), QUERY, [], [], ql.parse(LONG), LONG_ANALYSED,
                           time.perf_counter() - 1) == ([], True)
    assert late.calls == []


# ---- on a cluster: a failing feedback request does not fail the search --------------------------

@pytest.fixture(scope="module")
def cluster_engine(opensearch, tmp_path_factory):
    from tests.conftest import IndexMaker
    from tests.test_ranking_contract import RECORDS

    folder = tmp_path_factory.mktemp("opensearch-ranking")
    (folder / "records.jsonl").write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n")
    maker = IndexMaker("opensearch", tmp_path_factory.mktemp("opensearch-ranking-index"), opensearch)
    yield maker.build("opensearch-ranking", [folder])
    maker.cleanup()


def test_a_search_whose_feedback_fails_answers_without_it(cluster_engine, settings) -> None:
    from tests.test_ranking_contract import FEEDBACK_QUERY

    import search.backends.opensearch.search as os_search
    settings.setattr(os_search, "REQUEST_BUDGET_S", 60.0)  # a slow machine must not cut it short
    settings.setattr(shared, "FEEDBACK_DOCS", 2)
    settings.setattr(shared, "FEEDBACK", False)
    without = cluster_engine.search(FEEDBACK_QUERY, page_size=50)
    settings.setattr(shared, "FEEDBACK", True)
    backend = cluster_engine.backend
    with_it = cluster_engine.search(FEEDBACK_QUERY, page_size=50)
    assert [h.score for h in with_it.hits] != [h.score for h in without.hits]
    assert not with_it.partial and not without.partial

    def refuse(*args, **kwargs):
        raise ConnectionTimeout("TIMEOUT", "timed out", None)
    settings.setattr(backend.budget_client, "mtermvectors", refuse)
    failed = cluster_engine.search(FEEDBACK_QUERY, page_size=50)
    assert failed.partial
    assert [(h.id, h.score) for h in failed.hits] == [(h.id, h.score) for h in without.hits]
