"""The product's ranking defaults, on articles written by the test so each case is exact."""
from __future__ import annotations

import json

import pytest

from newsearch.indexing import index_paths
from search import BadParameterError, Engine

ARTICLES = [
    {"url": "http://t/plural", "title": "Harvest report", "body": "Farmers sold their wheat harvests early.", "date": "2020-01-01"},
    {"url": "http://t/singular", "title": "Harvest news", "body": "The wheat harvest was poor this year.", "date": "2020-01-02"},
    {"url": "http://t/phrase", "title": "Markets", "body": "Crude oil rose while palm oil fell.", "date": "2020-01-03"},
    {"url": "http://t/words-apart", "title": "Markets", "body": "Oil rose, said crude estimates of the day.", "date": "2020-01-03"},
    {"url": "http://t/title-match", "title": "Copper prices climb", "body": "Metals traders were busy on Monday with many orders.", "date": "2020-02-01"},
    {"url": "http://t/body-match", "title": "Metals roundup", "body": "Traders said copper was busy on Monday with many orders.", "date": "2020-02-01"},
    # Identical text, different dates: a tie that must go to the newer article.
    {"url": "http://t/tie-old", "title": "Zinc supply", "body": "Zinc supply tightened.", "date": "2019-05-01"},
    {"url": "http://t/tie-new", "title": "Zinc supply", "body": "Zinc supply tightened.", "date": "2021-05-01"},
    # Older but a better match (the word twice) vs newer with it once: recency reorders them.
    {"url": "http://t/nickel-old", "title": "Nickel", "body": "Nickel output and nickel demand.", "date": "2010-01-01"},
    {"url": "http://t/nickel-new", "title": "Nickel", "body": "Output and demand of nickel rose.", "date": "2021-01-01"},
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    folder = tmp_path_factory.mktemp("ranking")
    (folder / "articles.jsonl").write_text("\n".join(json.dumps(a) for a in ARTICLES) + "\n")
    index_dir = tmp_path_factory.mktemp("ranking-index")
    summary = index_paths([folder], index_dir, entities=False, show_progress=False)
    assert summary.added == len(ARTICLES)
    return Engine(index_dir)


def ids(results) -> list[str]:
    return [hit.id for hit in results.hits]


def test_ranking_defaults_are_pinned() -> None:
    """Every ranking setting's shipped value, as chosen by leave-one-collection-out over
    Cranfield, CISI and CACM (bench/relevance.py, bench/RESULTS.md). Changing one is a decision
    to re-measure and record there, not a refactoring. Both backends read them from
    search.ranking (tests/test_ranking_contract.py: one setting changed there changes both)."""
    from search import ranking as shared
    from search import stopwords
    from search.backend import RELAX_BELOW
    from search import analysis
    from search.backends.whoosh import ranking, scoring

    assert analysis.STEMMER == "snowball"
    assert (shared.BM25_K1, shared.BM25_B, scoring.IDF, scoring.FIELDS) == (1.5, 0.75, "lucene", "combined")
    assert shared.TITLE_BOOST == 3.0
    assert shared.QUERY_TF is True
    assert (shared.PROXIMITY, shared.PROXIMITY_WINDOW, ranking.RERANK_DEPTH) == (0.25, 5, 100)
    assert shared.PHRASES == 0.1
    assert (stopwords.APPLY_TO_LONG_QUERIES, stopwords.LONG_QUERY_WORDS) == (True, 5)
    assert shared.FEEDBACK is True
    assert (shared.FEEDBACK_DOCS, shared.FEEDBACK_TERMS, shared.FEEDBACK_ORIGINAL,
            shared.FEEDBACK_MIN_WORDS) == (10, 10, 0.85, 5)
    assert (shared.FEEDBACK_WEIGHTS, shared.FEEDBACK_SMOOTHING) == ("likelihood", 1.0)
    assert RELAX_BELOW == 10


def test_plural_and_singular_meet(engine: Engine) -> None:
    for query in ("harvest", "harvests"):
        assert {"http://t/plural", "http://t/singular"} <= set(ids(engine.search(query)))


def test_phrase_matches_only_adjacent_words(engine: Engine) -> None:
    found = ids(engine.search('"crude oil"'))
    assert "http://t/phrase" in found and "http://t/words-apart" not in found
    assert "http://t/words-apart" in ids(engine.search("crude oil"))


def test_title_match_outranks_body_only_match(engine: Engine) -> None:
    assert ids(engine.search("copper"))[:2] == ["http://t/title-match", "http://t/body-match"]


def test_equal_scores_put_the_newer_article_first(engine: Engine) -> None:
    results = engine.search("zinc")
    assert ids(results) == ["http://t/tie-new", "http://t/tie-old"]
    assert results.hits[0].score == pytest.approx(results.hits[1].score)


def test_recency_reorders_and_is_off_by_default(engine: Engine) -> None:
    assert ids(engine.search("nickel"))[0] == "http://t/nickel-old"
    assert ids(engine.search("nickel", recency=365))[0] == "http://t/nickel-new"


@pytest.mark.parametrize("bad", [0, -5, "soon"])
def test_recency_must_be_positive_days(engine: Engine, bad) -> None:
    with pytest.raises(BadParameterError, match="recency"):
        engine.search("nickel", recency=bad)


def test_undated_article_comes_after_dated_equals(tmp_path) -> None:
    folder = tmp_path / "a"
    folder.mkdir()
    rows = [{"url": "http://t/undated", "title": "Tin", "body": "Tin output."},
            {"url": "http://t/dated", "title": "Tin", "body": "Tin output.", "date": "1990-01-01"}]
    (folder / "a.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    index_paths([folder], tmp_path / "ix", entities=False, show_progress=False)
    assert ids(Engine(tmp_path / "ix").search("tin")) == ["http://t/dated", "http://t/undated"]


def test_first_rows_equals_a_full_lexsort_with_many_ties() -> None:
    """The partial sort behind ranking gives exactly the full sort's first rows, ties included."""
    import numpy as np

    from search.backends.whoosh.search import first_rows

    rng = np.random.default_rng(5)
    for size, needed in ((50, 10), (20_000, 10), (20_000, 500), (50_000, 1)):
        docs = np.arange(size)
        stamps = rng.integers(0, 30, size)                    # many equal dates
        scores = np.round(rng.choice([0.5, 1.0, 1.25, 2.0], size) * rng.integers(1, 3, size), 6)
        has_all = rng.random(size) < 0.3
        keys = (docs, -stamps, -scores, ~has_all)
        primary = -scores + (~has_all) * (scores.max() - scores.min() + 1.0)
        assert first_rows(keys, primary, needed).tolist() == np.lexsort(keys)[:needed].tolist()
        assert first_rows((docs, -stamps), -stamps, needed).tolist() == np.lexsort((docs, -stamps))[:needed].tolist()
