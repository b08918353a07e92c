"""Ranking behaviour both backends share (contract: runs on Whoosh and on OpenSearch).

The proximity bonus is BM25TP on Whoosh and sloppy phrases of consecutive query words on
OpenSearch (README, "Where OpenSearch's answers differ"); the adjacent-pairs bonus (PHRASES) is
a BM25 term of its own on Whoosh and slop-0 phrases on OpenSearch; feedback (RM3) votes with
stored text on Whoosh and term vectors on OpenSearch (search/backends/opensearch/ranking.py):
the numbers differ, the preference does not. Snowball stemming and query word frequency are
native on both. Each feature's case compares it on with it off (the settings patched on both
backends), so it fails when the feature does nothing.
"""
from __future__ import annotations

import json

import pytest

from search import querylang as ql
from search.backends.opensearch import feedback
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
FEEDBACK_QUERY = "battery makers expand mining plants quarry"


@pytest.fixture(scope="module")
def engine(backend_indexes, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ranking-contract")
    (folder / "records.jsonl").write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n")
    return backend_indexes.build("ranking-contract", [folder])


def ids(results) -> list[str]:
    return [hit.id for hit in results.hits]


def scores(engine, query: str) -> dict[str, float]:
    return {hit.id: hit.score for hit in engine.search(query, page_size=50).hits}


def ranking_settings(monkeypatch, **values) -> None:
    """Set ranking settings on both backends: Whoosh's ranking module, and where the OpenSearch
    backend reads them (PHRASES and PROXIMITY in its search module, FEEDBACK* in feedback.py)."""
    import search.backends.opensearch.search as opensearch_search
    from search.backends.whoosh import ranking
    for name, value in values.items():
        monkeypatch.setattr(ranking, name, value)
        monkeypatch.setattr(feedback if name.startswith("FEEDBACK") else opensearch_search, name, value)


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
