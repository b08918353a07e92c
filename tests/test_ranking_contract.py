"""Ranking behaviour both backends share (contract: runs on Whoosh and on OpenSearch).

The proximity bonus is BM25TP on Whoosh and sloppy phrases of consecutive query words on
OpenSearch (README, "Where OpenSearch's answers differ"): the numbers differ, the preference
does not. Snowball stemming and query word frequency are native on both.
"""
from __future__ import annotations

import json

import pytest

from search import querylang as ql
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
]


@pytest.fixture(scope="module")
def engine(backend_indexes, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ranking-contract")
    (folder / "records.jsonl").write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n")
    return backend_indexes.build("ranking-contract", [folder])


def ids(results) -> list[str]:
    return [hit.id for hit in results.hits]


def test_words_close_together_rank_first_with_proximity_on(engine, monkeypatch) -> None:
    """Proximity ships off (leave-one-collection-out); turned on, it orders the same way on both."""
    import search.backends.opensearch.search as opensearch_search
    from search.backends.whoosh import ranking
    monkeypatch.setattr(ranking, "PROXIMITY", 1.0)
    monkeypatch.setattr(opensearch_search, "PROXIMITY", 1.0)
    assert ids(engine.search("central bank"))[:2] == ["http://t/near", "http://t/far"]


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
