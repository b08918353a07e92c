"""When a search with few all-words matches is relaxed to any word (contract: both backends).

The decision is search.ranking.query_words(tree, analyse, excluded=True): more than one distinct
body word, excluded ones included, lets an any-word search find more. Both backends ask it (the
Whoosh backend used to count the Whoosh query's body terms, which differed on "oil NOT oil" only:
two terms, one word; it relaxed that query to "oil OR NOT oil", every article, where OpenSearch
found none).
"""
from __future__ import annotations


import pytest

from search import ranking as shared

RECORDS = [
    {"url": "http://t/oil", "title": "Oil prices rise", "body": "Oil prices rose on Monday.", "date": "2020-01-01"},
    {"url": "http://t/gas", "title": "Gas output", "body": "Gas output fell.", "date": "2020-01-02"},
    {"url": "http://t/coal", "title": "Coal", "body": "Coal mines closed.", "date": "2020-01-03"},
    {"url": "http://t/both", "title": "Oil and gas", "body": "Oil and gas shares.", "date": "2020-01-04"},
]


@pytest.fixture(scope="module")
def engine(backend_indexes):
    return backend_indexes.build_records("relax-decision", RECORDS)


def urls(results) -> set[str]:
    return {hit.url for hit in results.hits}


def test_two_words_relax_one_word_excluded_again_does_not(engine) -> None:
    relaxed = engine.search("oil coal")
    assert (relaxed.total, relaxed.all_words, relaxed.with_all_words) == (3, False, 0)
    assert urls(relaxed) == {"http://t/oil", "http://t/both", "http://t/coal"}
    for query in ("oil NOT oil", "oil -oil"):
        results = engine.search(query)
        assert (results.total, results.all_words) == (0, True), query


def test_the_decision_is_search_ranking_s(engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """With query_words counting one word where there are two, neither backend relaxes."""
    real = shared.query_words

    def one_excluded_word(tree, analyse, *, excluded: bool = False) -> list[str]:
        return real(tree, analyse, excluded=excluded)[:1] if excluded else real(tree, analyse)

    monkeypatch.setattr(shared, "query_words", one_excluded_word)
    results = engine.search("oil coal")
    assert (results.total, results.all_words) == (0, True)
