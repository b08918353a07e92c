"""Each ranking feature changes the order the way it claims, on articles written for the case.

Every case compares the feature on with it off (the module setting patched for the test) on the
same index, so what moves is the feature's doing. The defaults themselves are pinned in
tests/test_ranking.py.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from newsearch.indexing import index_paths
from search import Engine
from search import querylang as ql
from search import ranking as shared
from search.backends.whoosh import ranking, scoring
from tests.conftest import whoosh_engine_over

FILLER = "alpha beta gamma delta epsilon zeta theta kappa lambda sigma"

ARTICLES = [
    # Proximity: the same words, the same length; together in one, far apart in the other.
    {"url": "http://t/near", "title": "Report", "body": f"The central bank said {FILLER} {FILLER} today."},
    {"url": "http://t/far", "title": "Report", "body": f"The central {FILLER} {FILLER} bank said today."},
    # Query word frequency: "copper" twice in one, "tin" twice in the other, same length.
    {"url": "http://t/copper2", "title": "Metals", "body": "Copper copper tin output rose."},
    {"url": "http://t/tin2", "title": "Metals", "body": "Copper tin tin output rose."},
    # Feedback: the best matches of the long query all speak of "lithium"; of two articles that
    # match one query word alike, the one about lithium moves up.
    {"url": "http://t/fb-top1", "title": "Battery makers", "body": "Battery makers expand mining plants; lithium lithium lithium supply."},
    {"url": "http://t/fb-top2", "title": "Battery makers", "body": "Battery makers expand mining plants; lithium lithium lithium prices."},
    {"url": "http://t/fb-lithium", "title": "Quarry", "body": "Mining lithium lithium lithium lithium quarry output."},
    {"url": "http://t/fb-plain", "title": "Quarry", "body": "Mining granite granite granite granite quarry output."},
    # Stemming: Snowball joins what Whoosh's Porter kept apart.
    {"url": "http://t/investigating", "title": "Probe", "body": "Police are investigating the fire."},
    {"url": "http://t/planned", "title": "Budget", "body": "The city planned new roads."},
    {"url": "http://t/news", "title": "Media", "body": "The news agency opened an office."},
]
# Crafted English records (filler words, repeated words) declare their language: a made-up
# sentence of a few words is no sample for the detector (one read as Latin once), and these tests
# are about ranking, not detection (tests/test_indexing_languages.py tests that).
ARTICLES = [dict(article, language="en") for article in ARTICLES]


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    return whoosh_engine_over(ARTICLES, tmp_path_factory, "features")


@pytest.fixture(autouse=True)
def features_off(monkeypatch) -> None:
    """Every re-ranking feature off; each test turns on the one it is about."""
    for name, off in (("PROXIMITY", 0.0), ("PHRASES", 0.0), ("FEEDBACK", False)):
        monkeypatch.setattr(shared, name, off)


def scores(engine: Engine, query: str) -> dict[str, float]:
    return {hit.id: hit.score for hit in engine.search(query, page_size=50).hits}


def test_proximity_puts_words_that_stand_together_first(engine: Engine, monkeypatch) -> None:
    monkeypatch.setattr(shared, "PROXIMITY", 0.0)
    off = scores(engine, "central bank")
    assert off["http://t/near"] == pytest.approx(off["http://t/far"])  # BM25F alone cannot tell them apart
    monkeypatch.setattr(shared, "PROXIMITY", 1.0)
    on = scores(engine, "central bank")
    assert on["http://t/near"] > on["http://t/far"] == pytest.approx(off["http://t/far"])


def test_a_word_said_twice_counts_twice(engine: Engine, monkeypatch) -> None:
    monkeypatch.setattr(shared, "PROXIMITY", 0.0)
    monkeypatch.setattr(shared, "QUERY_TF", False)
    off = scores(engine, "copper coppers tin")  # "coppers" is "copper" again once stemmed
    assert off["http://t/copper2"] == pytest.approx(off["http://t/tin2"])
    monkeypatch.setattr(shared, "QUERY_TF", True)
    on = scores(engine, "copper coppers tin")
    assert on["http://t/copper2"] > on["http://t/tin2"]
    assert scores(engine, "copper tin") == off  # said once each: nothing changes


def test_feedback_moves_up_what_the_best_matches_talk_about(engine: Engine, monkeypatch) -> None:
    query = "battery makers expand mining plants quarry"
    monkeypatch.setattr(shared, "PROXIMITY", 0.0)
    monkeypatch.setattr(shared, "FEEDBACK", False)
    off = scores(engine, query)
    assert off["http://t/fb-lithium"] == pytest.approx(off["http://t/fb-plain"])
    monkeypatch.setattr(shared, "FEEDBACK", True)
    monkeypatch.setattr(shared, "FEEDBACK_DOCS", 2)
    on = scores(engine, query)
    assert on["http://t/fb-lithium"] > on["http://t/fb-plain"]
    assert set(on) == set(off)  # the same articles: feedback re-orders, it does not add


def test_feedback_waits_for_long_queries(engine: Engine, monkeypatch) -> None:
    monkeypatch.setattr(shared, "PROXIMITY", 0.0)
    monkeypatch.setattr(shared, "FEEDBACK", True)
    short = scores(engine, "mining quarry")
    monkeypatch.setattr(shared, "FEEDBACK", False)
    assert scores(engine, "mining quarry") == short


@pytest.mark.parametrize("query, url", [("investigation", "http://t/investigating"), ("plans", "http://t/planned")])
def test_snowball_stems_join_inflections(engine: Engine, query: str, url: str) -> None:
    results = engine.search(query)
    assert url in [hit.id for hit in results.hits]
    assert "<mark>" in next(hit.snippet for hit in results.hits if hit.id == url)


def test_news_is_not_new(engine: Engine) -> None:
    assert "http://t/news" not in [hit.id for hit in engine.search("new").hits]  # Porter: "news" -> "new"


def test_idf_forms(engine: Engine, monkeypatch) -> None:
    """Lucene's idf is log(1 + (N - df + 0.5) / (df + 0.5)); Whoosh's is log(N / (df + 1)) + 1."""
    import math
    cache = scoring.PostingsCache(engine.backend._searcher())
    n = cache.doc_count_all
    monkeypatch.setattr(scoring, "IDF", "lucene")
    assert cache.idf(3) == pytest.approx(math.log(1 + (n - 3 + 0.5) / 3.5))
    monkeypatch.setattr(scoring, "IDF", "whoosh")
    assert cache.idf(3) == pytest.approx(math.log(n / 4) + 1)


def test_lucene_idf_lets_a_word_in_every_article_weigh_almost_nothing(tmp_path, monkeypatch) -> None:
    """"market" is in every article, "zinc" in half. With Whoosh's idf (never below 1) the
    article that says "market" seven times beats the one that says "zinc" twice; with Lucene's,
    "market" weighs almost nothing and the order turns."""
    rows = [{"url": "http://t/common", "title": "Report", "body": "Market market market market market market market zinc."},
            {"url": "http://t/rare", "title": "Report", "body": "Market zinc zinc output moved today notes."}]
    rows += [{"url": f"http://t/other{i}", "title": "Report",
              "body": f"Market notes number {i} today" + (" zinc." if i < 3 else ".")} for i in range(8)]
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    index_paths([tmp_path / "a.jsonl"], tmp_path / "ix", entities=False, show_progress=False)
    engine = Engine(tmp_path / "ix")

    def order() -> list[str]:
        found = [h.id for h in engine.search("market zinc").hits]
        return sorted(["http://t/common", "http://t/rare"], key=found.index)
    monkeypatch.setattr(scoring, "IDF", "whoosh")
    assert order() == ["http://t/common", "http://t/rare"]
    monkeypatch.setattr(scoring, "IDF", "lucene")
    assert order() == ["http://t/rare", "http://t/common"]


def test_combined_fields_saturate_a_word_once(tmp_path, monkeypatch) -> None:
    """A word once in the title and once in the body: per-field sums give it two saturations (two
    idfs), so it beats an article that says it more often in the body; as one combined field
    (the title's occurrence counting TITLE_BOOST times) the more frequent one is not behind."""
    rows = [{"url": "http://t/both", "title": "Tin news", "body": "Tin output rose quickly late today."},
            {"url": "http://t/body", "title": "Metal news", "body": "Tin tin tin tin tin output."}]
    rows += [{"url": f"http://t/other{i}", "title": "Metal news", "body": f"Copper output {i} rose today."}
             for i in range(8)]
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    index_paths([tmp_path / "a.jsonl"], tmp_path / "ix", entities=False, show_progress=False)
    engine = Engine(tmp_path / "ix")
    monkeypatch.setattr(scoring, "FIELDS", "sum")
    assert [h.id for h in engine.search("tin").hits] == ["http://t/both", "http://t/body"]
    monkeypatch.setattr(scoring, "FIELDS", "combined")
    assert [h.id for h in engine.search("tin").hits] == ["http://t/body", "http://t/both"]


def test_phrases_put_the_query_s_word_pairs_first(engine: Engine, monkeypatch) -> None:
    """"central bank" side by side in one article, the same words far apart in the other."""
    monkeypatch.setattr(shared, "PROXIMITY", 0.0)
    monkeypatch.setattr(shared, "PHRASES", 0.0)
    off = scores(engine, "central bank")
    assert off["http://t/near"] == pytest.approx(off["http://t/far"])
    monkeypatch.setattr(shared, "PHRASES", 0.1)
    on = scores(engine, "central bank")
    assert on["http://t/near"] > on["http://t/far"] == pytest.approx(off["http://t/far"])
    assert scores(engine, "bank central") == pytest.approx(off)  # the pair reversed is not the phrase


@pytest.mark.parametrize("query, pairs", [
    ("graph algorithms for sparse matrices", [("graph", "algorithm"), ("algorithm", "spars"), ("spars", "matric")]),
    ('"sparse matrices" graph theory', [("graph", "theori")]),  # a quoted phrase matches adjacency already
    ("title:graph algorithms theory", [("algorithm", "theori")]),  # a fielded word is not a plain word
    ("rates rates", []),  # a word beside itself is no pair
    ("long-range missile tests", [("missil", "test")]),  # a word of several tokens breaks the chain
])
def test_word_pairs_are_the_plain_words_side_by_side(engine: Engine, query: str, pairs: list) -> None:
    """search.ranking.word_pairs with the Whoosh index's analyser (the pairs Whoosh scores)."""
    analyse = ranking.body_analyser(engine.backend._searcher().schema)
    assert [pair[:2] for pair in shared.word_pairs(ql.parse(query), analyse)] == pairs


FEEDBACK_ARTICLES = [
    # A long article that says "lithium" 8 times in 45 words, and a three-word record.
    {"url": "http://t/long", "title": "Mining report",
     "body": "Lithium " * 8 + " ".join(f"word{chr(97 + i)}{chr(97 + j)}" for i in range(6) for j in range(6)) + " 2024 2024."},
    {"url": "http://t/short", "title": "", "body": "Granite granite quarry."},
]
FEEDBACK_ARTICLES = [dict(article, language="en") for article in FEEDBACK_ARTICLES]  # see ARTICLES


@pytest.fixture(scope="module")
def feedback_case(tmp_path_factory):
    from search.backends.whoosh.scoring import Evaluator
    backend = whoosh_engine_over(FEEDBACK_ARTICLES, tmp_path_factory, "feedback").backend
    searcher = backend._searcher()
    tables, postings = backend._generation(searcher)
    docs = {searcher.stored_fields(d)["id"]: d for d in range(searcher.doc_count_all())}
    return Evaluator(searcher, postings, tables.timestamps), docs


def vote(feedback_case, scores: dict[str, float], monkeypatch, **settings) -> dict[str, float]:
    evaluator, docs = feedback_case
    for name, value in settings.items():
        monkeypatch.setattr(shared, name, value)
    order = sorted(scores, key=lambda url: docs[url])
    found = scoring.Matches(np.array([docs[u] for u in order]), np.array([scores[u] for u in order], dtype=float))
    return ranking.feedback_model(evaluator, found)


def test_feedback_smoothing_keeps_a_short_record_from_outvoting_an_article(feedback_case, monkeypatch) -> None:
    equal = {"http://t/long": 5.0, "http://t/short": 5.0}
    raw = vote(feedback_case, equal, monkeypatch, FEEDBACK_SMOOTHING=0.0)
    assert raw["granit"] > raw["lithium"]  # 2 of 3 words beat 8 of 45
    smoothed = vote(feedback_case, equal, monkeypatch, FEEDBACK_SMOOTHING=1.0)
    assert smoothed["lithium"] > smoothed["granit"]
    assert sum(smoothed.values()) == pytest.approx(1.0) and "2024" not in smoothed  # numbers don't vote


def test_feedback_likelihood_lets_the_clearly_best_article_speak(feedback_case, monkeypatch) -> None:
    ahead = {"http://t/long": 9.0, "http://t/short": 5.0}
    share = vote(feedback_case, ahead, monkeypatch, FEEDBACK_SMOOTHING=0.0, FEEDBACK_WEIGHTS="share")
    assert share["granit"] > share["lithium"]  # 9/14 and 5/14 of the vote
    likelihood = vote(feedback_case, ahead, monkeypatch, FEEDBACK_SMOOTHING=0.0, FEEDBACK_WEIGHTS="likelihood")
    assert likelihood["lithium"] > likelihood.get("granit", 0.0)  # e^9 : e^5: granite is not among the ten
