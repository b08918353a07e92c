"""Our numpy query evaluation must match Whoosh: same documents, same BM25F scores.

`search.backends.whoosh.scoring` re-implements matching and scoring for speed; Whoosh's own `searcher.search`
is the reference implementation it is checked against, on real Reuters articles when the shared
data is present and on generated articles otherwise.
"""
from __future__ import annotations

import json
import random

import numpy as np
import pytest
from whoosh.qparser import AndGroup, MultifieldParser, OrGroup
from whoosh.scoring import BM25F

from newsearch.indexing import index_paths
from search.backends.whoosh.search import WhooshSearch as Engine  # its internals are under test
from search.backends.whoosh.scoring import Evaluator
from search.ranking import BM25_B as B, BM25_K1 as K1
from tests.conftest import SHARED_DATA

WORDS = ("oil price market bank rate trade export wheat gold dollar yen summit talks minister "
         "government company shares profit loss tax budget deficit growth coffee sugar japan").split()


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    index_dir = tmp_path_factory.mktemp("scoring-index")
    reuters = SHARED_DATA / "reuters21578" / "reut2-000.sgm.gz"
    if reuters.exists():
        sources = [reuters]
    else:  # generated articles: varied lengths and term frequencies
        folder = tmp_path_factory.mktemp("scoring-corpus")
        rng = random.Random(7)
        with open(folder / "articles.jsonl", "w") as handle:
            for n in range(400):
                body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 200)))
                title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 8)))
                handle.write(json.dumps({"title": title, "body": body, "url": f"http://x/{n}"}) + "\n")
        sources = [folder]
    index_paths(sources, index_dir, entities=False, show_progress=False)
    return Engine(index_dir)


@pytest.fixture
def whoosh_scoring(monkeypatch) -> None:
    """The new ranking features off: Whoosh's idf, a BM25 score per field added, no re-ranking."""
    import search.ranking as ranking
    import search.backends.whoosh.scoring as scoring
    from search import stopwords
    monkeypatch.setattr(scoring, "IDF", "whoosh")
    monkeypatch.setattr(scoring, "FIELDS", "sum")
    monkeypatch.setattr(ranking, "QUERY_TF", False)
    monkeypatch.setattr(ranking, "PROXIMITY", 0.0)
    monkeypatch.setattr(ranking, "PHRASES", 0.0)
    monkeypatch.setattr(ranking, "FEEDBACK", False)
    monkeypatch.setattr(stopwords, "APPLY_TO_LONG_QUERIES", False)


@pytest.mark.usefixtures("whoosh_scoring")
@pytest.mark.parametrize("text", ["oil", "oil prices", "bank rate", "trade deficit japan", "gold -dollar",
                                  "wheat OR sugar", "title:profit", "(coffee OR sugar) export"])
@pytest.mark.parametrize("group", [AndGroup, OrGroup])
def test_scores_match_whoosh(engine: Engine, text: str, group) -> None:
    searcher = engine._searcher()
    _, postings = engine._generation(searcher)
    q = MultifieldParser(["title", "body"], searcher.schema, group=group).parse(text)
    ours = Evaluator(searcher, postings, engine._tables_for(searcher).timestamps).run(q)
    with engine._ix.searcher(weighting=BM25F(B=B, K1=K1)) as reference_searcher:
        reference = [(hit.docnum, hit.score) for hit in reference_searcher.search(q, limit=None)]
    whoosh_scores = dict(reference)
    assert set(ours.docs.tolist()) == set(whoosh_scores), "different documents match"
    assert len(whoosh_scores) > 0, f"query {text!r} should match something in the test corpus"
    ours_by_doc = dict(zip(ours.docs.tolist(), ours.scores.tolist()))
    for docnum, score in whoosh_scores.items():
        assert ours_by_doc[docnum] == pytest.approx(score, rel=1e-9, abs=1e-9)


@pytest.mark.usefixtures("whoosh_scoring")
@pytest.mark.parametrize("text", ["oil prices", "trade deficit japan", "bank rate of the central bank today"])
def test_search_scores_equal_whoosh_with_the_features_off(engine: Engine, text: str) -> None:
    """The whole request (matching, any-word fallback, re-ranking hook) adds nothing to BM25F
    when the new features are off."""
    from search.request import SearchRequest
    searcher = engine._searcher()
    q = MultifieldParser(["title", "body"], searcher.schema, group=OrGroup).parse(text)
    with engine._ix.searcher(weighting=BM25F(B=B, K1=K1)) as reference_searcher:
        whoosh_scores = {hit.docnum: hit.score for hit in reference_searcher.search(q, limit=None)}
    hits = engine.run(SearchRequest.build(text, page_size=100, facets=False, snippets=False)).hits
    assert hits
    by_id = {searcher.stored_fields(d)["id"]: score for d, score in whoosh_scores.items()}
    for hit in hits:
        assert hit.score == pytest.approx(round(by_id[hit.id], 4), abs=1e-4)


def test_bm25f_combined_by_hand(engine: Engine, monkeypatch) -> None:
    """FIELDS "combined" (the shipped form): one word's boosted title and body frequencies added,
    normalised by the boosted combined length, saturated once, times Lucene's idf over the
    articles having it in either field."""
    import math

    import search.backends.whoosh.scoring as scoring
    from whoosh import query as wq
    monkeypatch.setattr(scoring, "IDF", "lucene")
    monkeypatch.setattr(scoring, "FIELDS", "combined")
    searcher = engine._searcher()
    cache = scoring.PostingsCache(searcher)
    evaluator = Evaluator(searcher, cache, engine._tables_for(searcher).timestamps)
    found = evaluator.run(wq.Or([wq.Term("title", "oil"), wq.Term("body", "oil")]))
    boost = searcher.schema["title"].format.field_boost
    reader = searcher.reader()
    have = set(reader.postings("body", b"oil").all_ids()) | set(reader.postings("title", b"oil").all_ids())
    n = cache.doc_count_all
    idf = math.log(1 + (n - len(have) + 0.5) / (len(have) + 0.5))
    lengths = cache.lengths["title"] * boost + cache.lengths["body"]
    avg = lengths[cache.live].mean()
    assert set(found.docs.tolist()) == have
    for doc, score in list(zip(found.docs.tolist(), found.scores.tolist()))[:50]:
        tf = 0.0  # the weights Whoosh stored: the title's already carry its boost
        for f in ("title", "body"):
            postings = reader.postings(f, b"oil") if (f, b"oil") in reader else None
            if postings is not None and postings.supports("weight"):
                postings.skip_to(doc)
                if postings.is_active() and postings.id() == doc:
                    tf += postings.weight()
        norm_tf = tf / ((1 - B) + B * lengths[doc] / avg)
        assert score == pytest.approx(idf * norm_tf * (K1 + 1) / (norm_tf + K1), rel=1e-9)


def test_matches_are_sorted_unique(engine: Engine) -> None:
    searcher = engine._searcher()
    _, postings = engine._generation(searcher)
    q = MultifieldParser(["title", "body"], searcher.schema, group=OrGroup).parse("oil OR bank OR gold")
    docs = Evaluator(searcher, postings, engine._tables_for(searcher).timestamps).run(q).docs
    assert np.all(np.diff(docs) > 0)


@pytest.mark.usefixtures("whoosh_scoring")
@pytest.mark.parametrize("text", ['"oil prices"', '"mln dlrs"', '"bank of england"', '"crude oil prices"',
                                  'title:"trade deficit"', '"oil price" "crude oil"'])
def test_phrases_match_whoosh(engine: Engine, text: str) -> None:
    searcher = engine._searcher()
    _, postings = engine._generation(searcher)
    q = MultifieldParser(["title", "body"], searcher.schema).parse(text)
    ours = Evaluator(searcher, postings, engine._tables_for(searcher).timestamps).run(q)
    assert set(ours.docs.tolist()) == set(searcher.docs_for_query(q))


def test_phrases_match_whoosh_across_segments_with_deletions(tmp_path) -> None:
    """Phrase positions per segment (doc-number offsets), and the stepping path that segments
    with deleted documents take, against Whoosh on generated text full of repeated words."""
    rng = random.Random(11)
    words = WORDS[:8]

    def write(name: str, seed_offset: int, n: int) -> None:
        with open(tmp_path / "data" / name, "w") as handle:
            for i in range(n):
                body = " ".join(rng.choice(words) for _ in range(rng.randint(3, 120)))
                handle.write(json.dumps({"title": " ".join(rng.choice(words) for _ in range(4)),
                                         "body": body, "url": f"http://x/{name}/{i + seed_offset}"}) + "\n")

    (tmp_path / "data").mkdir()
    index_dir = tmp_path / "ix"
    write("a.jsonl", 0, 300)
    index_paths([tmp_path / "data"], index_dir, entities=False, show_progress=False)
    write("b.jsonl", 0, 300)
    index_paths([tmp_path / "data"], index_dir, entities=False, show_progress=False)
    write("a.jsonl", 150, 200)  # rewritten: half its old articles are deleted, new ones added
    index_paths([tmp_path / "data"], index_dir, entities=False, show_progress=False)
    engine = Engine(index_dir)
    searcher = engine._searcher()
    assert len(searcher.reader().leaf_readers()) >= 2 and searcher.reader().has_deletions()
    _, postings = engine._generation(searcher)
    evaluator = Evaluator(searcher, postings, engine._tables_for(searcher).timestamps)
    parser = MultifieldParser(["title", "body"], searcher.schema)
    for text in ['"oil price"', '"price oil"', '"oil oil"', '"bank rate trade"', '"market bank oil price"',
                 'title:"oil price"', '"oil summit"']:
        q = parser.parse(text)
        assert set(evaluator.run(q).docs.tolist()) == set(searcher.docs_for_query(q)), text


def test_sorted_common_equals_numpy_intersect1d() -> None:
    from search.backends.whoosh.scoring import sorted_common, sorted_member

    rng = np.random.default_rng(3)
    for size_a, size_b in ((0, 5), (5, 0), (1, 1), (50, 5000), (5000, 50), (3000, 3000)):
        a = np.unique(rng.integers(0, 10_000, size_a))
        b = np.unique(rng.integers(0, 10_000, size_b))
        common, ia, ib = sorted_common(a, b)
        expected, ea, eb = np.intersect1d(a, b, assume_unique=True, return_indices=True)
        assert common.tolist() == expected.tolist()
        assert ia.tolist() == ea.tolist() and ib.tolist() == eb.tolist()
        assert sorted_member(a, b).tolist() == np.isin(a, b).tolist()


def test_postings_cache_evicts_terms_and_phrases_within_budget(engine: Engine, monkeypatch) -> None:
    """The 1M-article run overflowed the cache budget and crashed evicting a phrase entry."""
    import search.backends.whoosh.scoring as scoring

    monkeypatch.setattr(scoring, "CACHE_POSTINGS", 50)
    searcher = engine._searcher()
    cache = scoring.PostingsCache(searcher)
    evaluator = Evaluator(searcher, cache, engine._tables_for(searcher).timestamps)
    parser = MultifieldParser(["title", "body"], searcher.schema, group=OrGroup)
    for text in ['"oil prices"', "bank rate", '"trade deficit"', "gold dollar", '"oil prices"', "wheat"]:
        evaluator.run(parser.parse(text))
    lru = cache._entries
    assert lru.size == sum(lru.sizes.values()) and set(lru.sizes) == set(lru.entries)
    assert lru.size <= 50 or len(lru.entries) == 1
