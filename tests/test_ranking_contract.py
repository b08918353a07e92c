"""Ranking behaviour both backends share (contract: runs on Whoosh and on OpenSearch).

The proximity bonus is BM25TP on Whoosh and sloppy phrases of consecutive query words on
OpenSearch (docs/opensearch.md, "Where its answers differ from Whoosh's"); the adjacent-pairs bonus (PHRASES) is
a BM25 term of its own on Whoosh and slop-0 phrases on OpenSearch; feedback (RM3) votes with
stored text on Whoosh and term vectors on OpenSearch (search/backends/opensearch/ranking.py):
the numbers differ, the preference does not. Snowball stemming and query word frequency are
native on both. Each feature's case compares it on with it off, so it fails when the feature
does nothing. The settings are changed in one place, search.ranking, which both backends read.
"""
from __future__ import annotations

import json

import pytest

from search import querylang as ql
from search import ranking as shared
from search.backends.opensearch.translate import proximity_clauses

FILLER = "alpha beta gamma delta epsilon zeta theta kappa lambda sigma"
RECORDS = [
    {"url": "http://t/near", "title": "Report", "body": f"The central bank said {FILLER} {FILLER} today.",
     "date": "2020-01-01"},
    {"url": "http://t/far", "title": "Report", "body": f"The central {FILLER} {FILLER} bank said today.",
     "date": "2020-01-01"},
    {"url": "http://t/copper2", "title": "Metals", "body": "Copper copper tin output rose.", "date": "2020-01-01"},
    {"url": "http://t/tin2", "title": "Metals", "body": "Copper tin tin output rose.", "date": "2020-01-01"},
    {"url": "http://t/investigating", "title": "Probe", "body": "Police are investigating the fire.",
     "date": "2020-01-01"},
    # Phrases: the same words, the same length; side by side in one only.
    {"url": "http://t/pair-apart", "title": "Markets", "body": f"Interest {FILLER} rates moved.", "date": "2020-01-01"},
    {"url": "http://t/pair-together", "title": "Markets", "body": f"Interest rates {FILLER} moved.",
     "date": "2020-01-01"},
    # Feedback: the best matches of the long query all speak of "lithium"; of two articles that
    # match the same query words alike, the one about lithium moves up.
    {"url": "http://t/fb-top1", "title": "Battery makers",
     "body": "Battery makers expand mining plants; lithium lithium lithium supply.", "date": "2020-01-01"},
    {"url": "http://t/fb-top2", "title": "Battery makers",
     "body": "Battery makers expand mining plants; lithium lithium lithium prices.", "date": "2020-01-01"},
    {"url": "http://t/fb-lithium", "title": "Quarry", "body": "Mining lithium lithium lithium lithium quarry output.",
     "date": "2020-01-01"},
    {"url": "http://t/fb-plain", "title": "Quarry", "body": "Mining granite granite granite granite quarry output.",
     "date": "2020-01-01"},
]
# Crafted English records (filler words, repeated words) declare their language: a made-up
# sentence of a few words is no sample for the detector (one read as Latin once), and these tests
# are about ranking, not detection (tests/test_indexing_languages.py tests that).
RECORDS = [dict(record, language="en") for record in RECORDS]
FEEDBACK_QUERY = "battery makers expand mining plants quarry"


@pytest.fixture(scope="module")
def engine(backend_indexes):
    return backend_indexes.build_records("ranking-contract", RECORDS)


def ids(results) -> list[str]:
    return [hit.id for hit in results.hits]


def scores(engine, query: str) -> dict[str, float]:
    return {hit.id: hit.score for hit in engine.search(query, page_size=50).hits}


def ranking_settings(monkeypatch, **values) -> None:
    """Set ranking settings for every backend: in search.ranking, the one place they live."""
    for name, value in values.items():
        monkeypatch.setattr(shared, name, value)


def test_words_close_together_rank_first_with_proximity_on(engine, monkeypatch) -> None:
    """Proximity ships off (leave-one-collection-out); turned on, it orders the same way on both."""
    ranking_settings(monkeypatch, PROXIMITY=1.0, PHRASES=0.0)  # "central bank" is a pair as well
    assert ids(engine.search("central bank"))[:2] == ["http://t/near", "http://t/far"]


def test_words_side_by_side_rank_first_with_phrases(engine, monkeypatch) -> None:
    ranking_settings(monkeypatch, PROXIMITY=0.0, PHRASES=0.0)
    off = scores(engine, "interest rates")
    assert off["http://t/pair-together"] == pytest.approx(off["http://t/pair-apart"])  # BM25 alone: a tie
    ranking_settings(monkeypatch, PHRASES=0.1)
    on = scores(engine, "interest rates")
    assert on["http://t/pair-together"] > on["http://t/pair-apart"] == pytest.approx(off["http://t/pair-apart"])
    assert ids(engine.search("interest rates"))[:2] == ["http://t/pair-together", "http://t/pair-apart"]


def no_time_limit(monkeypatch) -> None:
    """OpenSearch's feedback is an optional part under the request's time budget: a slow test
    machine must not turn it off (Whoosh's is not timed)."""
    import search.backends.opensearch.search as opensearch_search
    monkeypatch.setattr(opensearch_search, "REQUEST_BUDGET_S", 60.0)


def test_feedback_moves_up_what_the_best_matches_talk_about(engine, monkeypatch) -> None:
    no_time_limit(monkeypatch)
    ranking_settings(monkeypatch, PROXIMITY=0.0, FEEDBACK=False)
    off = scores(engine, FEEDBACK_QUERY)
    assert off["http://t/fb-lithium"] == pytest.approx(off["http://t/fb-plain"])
    ranking_settings(monkeypatch, FEEDBACK=True, FEEDBACK_DOCS=2)
    on = scores(engine, FEEDBACK_QUERY)
    assert on["http://t/fb-lithium"] > on["http://t/fb-plain"]
    assert set(on) == set(off)  # the same articles: feedback re-orders, it does not add


def test_feedback_waits_for_long_queries(engine, monkeypatch) -> None:
    no_time_limit(monkeypatch)
    ranking_settings(monkeypatch, PROXIMITY=0.0, FEEDBACK=True)
    short = scores(engine, "mining quarry")
    ranking_settings(monkeypatch, FEEDBACK=False)
    assert scores(engine, "mining quarry") == short


def test_a_word_said_twice_counts_twice(engine) -> None:
    assert ids(engine.search("copper coppers tin"))[:2] == ["http://t/copper2", "http://t/tin2"]
    assert ids(engine.search("tin tins copper"))[:2] == ["http://t/tin2", "http://t/copper2"]


def test_snowball_joins_investigation_and_investigating(engine) -> None:
    assert ids(engine.search("investigation")) == ["http://t/investigating"]


def test_proximity_clauses_pair_consecutive_plain_words() -> None:
    analysed = {"central": ("central",), "bank": ("bank",), "the": (), "rates": ("rate",), "rate": ("rate",)}
    tree = ql.parse("the central bank rates rate -oil title:x")
    clauses = proximity_clauses(tree, analysed, 5, 1.0)
    assert [c["match_phrase"]["body"]["query"] for c in clauses] == ["central bank", "bank rates"]
    assert all(c["match_phrase"]["body"]["slop"] == 4 for c in clauses)
    assert proximity_clauses(tree, analysed, 5, 0.0) == []


# ---- one setting, one place, both backends --------------------------------------------------------

@pytest.mark.parametrize("setting, value, query, article", [
    ("PHRASES", 0.3, "interest rates", "http://t/pair-together"),   # read by the pairs' scoring
    ("FEEDBACK_ORIGINAL", 0.5, FEEDBACK_QUERY, "http://t/fb-lithium"),  # read by feedback's mix
])
def test_a_setting_changed_in_search_ranking_changes_this_backend_s_answers(
        engine, monkeypatch, setting, value, query, article) -> None:
    """search.ranking is where each backend reads its ranking settings when it searches: set
    there alone, the setting moves this backend's scores (Whoosh always, OpenSearch when a
    cluster is set)."""
    no_time_limit(monkeypatch)
    shipped = scores(engine, query)
    ranking_settings(monkeypatch, **{setting: value})
    changed = scores(engine, query)
    assert set(changed) == set(shipped)  # ranking settings re-order, they do not match
    assert changed[article] != pytest.approx(shipped[article])


def test_query_word_frequency_is_one_setting_on_both_backends(engine, monkeypatch) -> None:
    """QUERY_TF on: a word said twice adds its score twice; off, it counts once (Whoosh's query
    normalisation keeps one copy, OpenSearch's translation leaves the second clause out)."""
    ranking_settings(monkeypatch, PROXIMITY=0.0, PHRASES=0.0)
    once = scores(engine, "copper tin")
    twice = scores(engine, "copper coppers tin")
    assert set(twice) == set(once) and twice["http://t/copper2"] > once["http://t/copper2"]
    ranking_settings(monkeypatch, QUERY_TF=False)
    assert scores(engine, "copper coppers tin") == pytest.approx(once)


ANALYSED = {"interest": ("interest",), "rates": ("rate",), "zinc": ("zinc",), "central": ("central",),
            "bank": ("bank",), "copper": ("copper",), "coppers": ("copper",)}


def test_opensearch_query_body_follows_search_ranking_without_a_cluster(monkeypatch) -> None:
    """The OpenSearch backend's request is built from search.ranking's settings of the moment:
    the page body (phrases, proximity), the title boost, feedback's mix and the index template
    (title copies, BM25 k1 and b, taken when an index is created). No cluster needed."""
    from search.backends.opensearch import ranking as feedback, schema
    from search.backends.opensearch.config import OpenSearchConfig
    from search.backends.opensearch.search import OpenSearchSearch
    from search.backends.opensearch.translate import to_dsl
    from search.request import SearchRequest

    backend = OpenSearchSearch(OpenSearchConfig(url="http://127.0.0.1:1", index="unused"), client=object())
    tree = ql.parse("interest rates")

    def body() -> dict:
        from search.backends.opensearch.translate import phrase_clauses
        ranked = feedback.ranked_query({"match_all": {}}, [], phrase_clauses(tree, ANALYSED),
                                       feedback.expansion_clauses({"lithium": 1.0}, 5))
        return backend._page_body(SearchRequest(query="interest rates"), ranked, None, None, ANALYSED, tree)

    def title_boost() -> float:
        return to_dsl(ql.parse("title:zinc"), ANALYSED, lambda field, value: [value])["match"]["title"]["boost"]

    def similarity() -> dict:
        return schema.template_body("unused")["template"]["settings"]["index"]["similarity"]["default"]

    before = (body(), title_boost(), similarity(), schema.mappings()["properties"]["title"]["copy_to"])
    ranking_settings(monkeypatch, PHRASES=0.3, PROXIMITY=0.5, FEEDBACK_ORIGINAL=0.5, TITLE_BOOST=2.0,
                     BM25_K1=1.2, BM25_B=0.5)
    after = (body(), title_boost(), similarity(), schema.mappings()["properties"]["title"]["copy_to"])
    text = json.dumps(after[0])
    assert before[0] != after[0]
    assert '"slop": 0, "boost": 0.3' in text        # the word pair, PHRASES
    assert '"slop": 4, "boost": 0.5' in text        # proximity, PROXIMITY
    mix = [before[0]["query"]["bool"], after[0]["query"]["bool"]]  # feedback's mix, FEEDBACK_ORIGINAL
    assert [m["must"][0]["bool"]["boost"] for m in mix] == [0.85, 0.5]
    assert [m["should"][0]["term"]["combined"]["boost"] for m in mix] == pytest.approx([0.15 * 5, 0.5 * 5])
    assert (before[1], after[1]) == (3.0, 2.0)
    assert (before[2]["k1"], before[2]["b"], after[2]["k1"], after[2]["b"]) == (1.5, 0.75, 1.2, 0.5)
    assert (len(before[3]), len(after[3])) == (3, 2)  # the title's copies in `combined`
    said_twice = ql.parse("copper coppers")
    assert len(to_dsl(said_twice, ANALYSED, lambda field, value: [value])["bool"]["must"]) == 2
    ranking_settings(monkeypatch, QUERY_TF=False)                   # a word said twice counts once
    assert to_dsl(said_twice, ANALYSED, lambda field, value: [value]) == to_dsl(ql.parse("copper"), ANALYSED,
                                                                             lambda field, value: [value])


def test_whoosh_scores_and_index_layout_follow_search_ranking(tmp_path_factory, monkeypatch) -> None:
    """The Whoosh backend reads BM25's k1 and b at each search and takes the title boost into a
    new index's schema from search.ranking: the same settings the OpenSearch template takes."""
    from search.backends.whoosh.schema import build_schema
    from tests.conftest import whoosh_engine_over

    engine = whoosh_engine_over(RECORDS, tmp_path_factory, "one-place")
    shipped = scores(engine, "copper tin")
    ranking_settings(monkeypatch, BM25_K1=1.2)
    changed = scores(engine, "copper tin")
    assert set(changed) == set(shipped) and changed != pytest.approx(shipped)
    assert build_schema()["title"].format.field_boost == 3.0
    ranking_settings(monkeypatch, TITLE_BOOST=2.0)
    assert build_schema()["title"].format.field_boost == 2.0
