"""The search API over real indexes: the seeds (with entity recognition) and small synthetic
JSONL articles written here, whose words, dates and entities are known exactly.

A contract suite: the tests that take `seeds_engine`, `synthetic` or `backend_indexes` run on
every storage backend (tests/conftest.py `backend_indexes`); the few that test how the
embedded Whoosh index behaves on disk build their own index folders.
"""
from __future__ import annotations

import html
import re
from collections import Counter
from pathlib import Path

import pytest

from newsearch.indexing import index_paths
from search import (ArticleNotFoundError, BadParameterError, Engine, QuerySyntaxError)
from tests.corpus import generate_corpus, record, url, write_jsonl

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


def run(path, ix, entities=False):
    return index_paths([Path(path)], ix, entities=entities, show_progress=False)


@pytest.fixture(scope="session")
def seeds_engine(backend_indexes):
    assert backend_indexes.index("seeds", [SEEDS], entities=True).added == 2
    return backend_indexes.engine("seeds")


SUMMIT_TEXT = " ".join(
    f"Paragraph {n}: the leaders held summits in Hanoi, and the {word} summit ended. " + "Filler words " * 30
    for n, word in enumerate(["first", "second", "third", "fourth", "fifth"]))

ARTICLES = [
    record("a1", "Copper mine strike ends", "Workers at the copper mine ended their strike after talks.",
           "2020-03-01", person=["Ana Perez"], org=["Codelco"], place=["Chile"], source="Reuters"),
    record("a2", "Zinc prices climb", "Zinc prices rose as the strike at a copper smelter continued.",
           "2020-03-05", place=["Peru"], source="AP"),
    record("a3", "Gold rush", "Prospectors found gold near the river; no copper was found.",
           "2020-04-10", person=["Ana Perez"], org=["Codelco"], place=["Chile"], source="AP"),
    record("a4", "Strike over", "The dock strike is over, said the union.", "2021-01-01",
           person=["Luis Soto"], place=["Chile"], source="Reuters"),
    record("a5", "Script test", "Researchers found <script>alert(1)</script> in the page & more.",
           "2020-03-02T23:30:00Z"),
    record("a6", "Leaders meet", SUMMIT_TEXT, "2019-02-27", person=["Kim Jong Un"], place=["U.S."]),
    record("a7", "Twin report", "Identical twin report about harbour tariffs.", "2018-01-01"),
    record("a8", "Twin report", "Identical twin report about harbour tariffs.", "2018-06-01"),
    record("a9", "Undated memo", "Undated memo about harbour tariffs and copper."),
    record("a10", "Archive story", "An archive story about tin and lead.", "2005-05-05", source="AP"),
]


@pytest.fixture(scope="module")
def synthetic(backend_indexes, tmp_path_factory):
    root = tmp_path_factory.mktemp("synthetic")
    write_jsonl(root / "data" / "articles.jsonl", ARTICLES)
    summary = backend_indexes.index("synthetic", [root / "data"])
    assert summary.added == len(ARTICLES) and summary.failed == 0
    return backend_indexes.engine("synthetic")


def ids(results) -> set[str]:
    return {h.id.rsplit("/", 1)[-1] for h in results.hits}


def all_hits(engine, query="", **kwargs):
    hits, page = [], 1
    while True:
        results = engine.search(query, page=page, page_size=3, **kwargs)  # really page through
        hits += results.hits
        if page >= results.pages:
            return hits, results
        page += 1


# ---- acceptance --------------------------------------------------------------------------------


def test_kim_hanoi_finds_both_seeds_with_marks(seeds_engine):
    results = seeds_engine.search("Kim Hanoi")
    assert results.total == 2 and len(results.hits) == 2 and results.all_words
    for hit in results.hits:
        assert "<mark>Kim</mark>" in hit.snippet or "<mark>Hanoi</mark>" in hit.snippet
        assert hit.date.date().isoformat() == "2019-02-23"
    assert {h.source for h in results.hits} >= {"Reuters"}


def test_seed_entity_fields_case_insensitive_and_aliases(seeds_engine):
    # Both seeds: seed 000's bare "Kim" is Kim Jong Un through seed 002 (issue 12).
    hits = seeds_engine.search('person:"kim jong un"').hits
    assert len(hits) == 2 and all("Kim Jong Un" in hit.entities["person"] for hit in hits)
    assert seeds_engine.search('place:"U.S."').total == seeds_engine.search("", place="United States").total == 2


def test_module_level_search_function(seeds_engine, backend_indexes):
    from search import search
    results = search("Kim Hanoi", backend=backend_indexes.backend, backend_options=backend_indexes.location("seeds"),
                     page_size=1)
    assert results.total == 2 and len(results.hits) == 1 and results.pages == 2
    assert results.to_dict()["hits"][0]["id"] == seeds_engine.search("Kim Hanoi").hits[0].id


def test_suggestion_for_a_misspelling(seeds_engine):
    results = seeds_engine.search("sumit")
    assert results.suggestion is not None and "summit" in results.suggestion
    assert seeds_engine.search("summit").suggestion is None


# ---- query language ----------------------------------------------------------------------------


@pytest.mark.parametrize("query, expected", [
    ('"copper mine"', {"a1"}),
    ("copper -strike", {"a3", "a9"}),
    ("zinc OR gold", {"a2", "a3"}),
    ("title:strike", {"a1", "a4"}),
    ("body:zinc", {"a2"}),
    ('person:"ana perez"', {"a1", "a3"}),
    ("Person:ANA", set()),  # a facet term is a whole name, not a word of it
    ("org:codelco", {"a1", "a3"}),
    ('place:"U.S."', {"a6"}),
    ("place:usa", {"a6"}),
    ("source:ap", {"a2", "a3", "a10"}),
    ("date:[2020-03-01 TO 2020-03-31]", {"a1", "a2", "a5"}),
    ("cop*", {"a1", "a2", "a3", "a9"}),
    ("tariffs place:chile", set()),
])
def test_query_language(synthetic, query, expected):
    results = synthetic.search(query, page_size=100)
    assert ids(results) == expected and results.total == len(expected)


def test_unknown_field_names_it(synthetic):
    with pytest.raises(QuerySyntaxError, match="author"):
        synthetic.search("author:smith copper")


def test_bad_date_in_date_range(synthetic):
    with pytest.raises(QuerySyntaxError):
        synthetic.search("date:[2020-13-45 TO 2020-14-01]")


def first_ids(results, n: int) -> set[str]:
    return {h.id.rsplit("/", 1)[-1] for h in results.hits[:n]}


@pytest.mark.parametrize("query, expected", [
    ("copper strike", {"a1", "a2"}),
    ('"copper mine', {"a1"}),  # unbalanced quote: plain words copper AND mine
    ("(copper strike", {"a1", "a2"}),
    ("copper strike)", {"a1", "a2"}),
])
def test_plain_words_all_first(synthetic, query, expected):
    # Fewer than RELAX_BELOW articles have all the words, so those come first and the articles
    # with some of the words follow (all_words False); see test_plain_words_are_and.
    results = synthetic.search(query, page_size=100)
    assert first_ids(results, len(expected)) == expected
    assert results.all_words is False and results.total == len(ids(results))
    assert ids(results) == {"a1", "a2", "a3", "a9"} | ({"a4"} if "strike" in query else set())


def test_plain_words_are_and(backend_indexes, tmp_path):
    from search.backend import RELAX_BELOW
    both = [record(f"b{i}", f"Report {i}", f"Walrus census and narwhal survey number {i}.", "2022-02-02")
            for i in range(RELAX_BELOW)]
    one = [record("w", "Walrus only", "A walrus census.", "2022-02-03"),
           record("n", "Narwhal only", "A narwhal survey.", "2022-02-04")]
    write_jsonl(tmp_path / "data" / "x.jsonl", both + one)
    results = backend_indexes.build("and", [tmp_path / "data"]).search("walrus narwhal", page_size=100)
    assert results.all_words is True and results.total == RELAX_BELOW
    assert ids(results) == {f"b{i}" for i in range(RELAX_BELOW)}


def test_overlong_query_is_refused(synthetic):
    with pytest.raises(QuerySyntaxError):
        synthetic.search("copper " * 300)


def test_any_word_fallback(synthetic):
    results = synthetic.search("copper zebra", page_size=100)
    assert results.all_words is False
    assert ids(results) == {"a1", "a2", "a3", "a9"}
    assert synthetic.search('"copper mine"').all_words is True


# ---- snippets ----------------------------------------------------------------------------------


def test_snippet_escapes_article_html(synthetic):
    [hit] = synthetic.search("researchers").hits
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hit.snippet
    assert "<script" not in hit.snippet
    assert set(re.findall(r"<[^>]*>", hit.snippet)) == {"<mark>", "</mark>"}
    assert "&amp; more" in hit.snippet


def test_snippet_marks_stemmed_variants_in_at_most_three_fragments(synthetic):
    [hit] = synthetic.search("summits").hits
    assert "<mark>summit</mark>" in hit.snippet and "<mark>summits</mark>" in hit.snippet
    fragments = re.split(r"…\s*…", hit.snippet)  # each fragment is cut with an ellipsis
    assert 2 <= len(fragments) <= 3 and all("<mark>" in f for f in fragments)
    assert len(hit.snippet) < len(SUMMIT_TEXT)


# ---- one definition of each rule, one parse per request ---------------------------------------


def test_snippet_and_spelling_settings_are_read_from_search_on_every_backend(synthetic, monkeypatch):
    """search/snippets.py and search/spelling.py define the rules once: a setting changed there
    changes every backend's answers."""
    from search import snippets, spelling

    [summit] = synthetic.search("summits").hits
    leads = {h.id: h.snippet for h in synthetic.search("", source="AP", page_size=100).hits}
    assert synthetic.search("sumit").suggestion == "summit"
    monkeypatch.setattr(snippets, "MAX_FRAGMENTS", 1)
    monkeypatch.setattr(snippets, "LEAD_CHARS", 20)
    monkeypatch.setattr(spelling, "MAX_WORD", 4)  # "sumit" is too long to be a typo now
    [one] = synthetic.search("summits").hits
    assert summit.snippet.count("<mark>") > one.snippet.count("<mark>") > 0 and one.snippet.count("…") <= 2
    assert {h.id: h.snippet for h in synthetic.search("", source="AP", page_size=100).hits} == {
        id_: "Zinc prices rose as …" if id_.endswith("/a2") else snippets.lead(html.unescape(lead))
        for id_, lead in leads.items()}
    assert synthetic.search("sumit").suggestion is None


def test_recency_settings_are_read_from_search_on_every_backend(synthetic, monkeypatch):
    """search/recency.py's floor: an identical article five months older than the newest match
    keeps about RECENCY_FLOOR of its score, on every backend."""
    from search import recency

    def older_share() -> float:
        scores = {h.id.rsplit("/", 1)[-1]: h.score for h in synthetic.search("twin report", recency=10).hits}
        return scores["a7"] / scores["a8"]

    assert older_share() == pytest.approx(0.5, abs=0.01)
    monkeypatch.setattr(recency, "RECENCY_FLOOR", 0.2)
    assert older_share() == pytest.approx(0.2, abs=0.01)


def test_the_query_is_parsed_once_when_the_request_is_built(synthetic, monkeypatch):
    """Building a request parses its query twice (all words, any word); running it, marking an
    article and its top words parse it no more: only the suggestion's corrected text is parsed."""
    from search import SearchRequest, querylang
    from search.topwords import top_words

    parsed: list[str] = []

    class Counting(querylang._Parser):  # every parse, however `parse` was imported
        def __init__(self, text: str, original: str, any_word: bool) -> None:
            parsed.append(original)
            super().__init__(text, original, any_word)

    monkeypatch.setattr(querylang, "_Parser", Counting)
    query = "harbour tarifs copper"  # relaxed (no article has all three), re-ranked, misspelt
    request = SearchRequest.build(query)
    assert parsed == [query, query]
    parsed.clear()
    results = synthetic.run(request)
    assert not results.all_words and results.suggestion == "harbour tariffs copper"
    assert parsed == ["harbour tariffs copper"]  # the suggestion, checked for what it finds
    parsed.clear()
    synthetic.run(request.with_changes(page=2, sort="newest", collapse=True))
    assert parsed == ["harbour tariffs copper"]
    parsed.clear()
    synthetic.stories("copper")
    assert parsed == ["copper", "copper"]  # the stories' request, built
    parsed.clear()
    top_words(synthetic, request.with_changes(page=3))
    assert query not in parsed  # (its sample search checks the suggestion again)
    parsed.clear()
    synthetic.article(url("a1"), query)
    assert parsed == [query]


# ---- facets and the date histogram -------------------------------------------------------------


def test_facets_count_the_whole_result_set(synthetic):
    full = synthetic.search("", page_size=100)
    one = synthetic.search("", page_size=1)
    assert len(one.hits) == 1 and one.total == full.total == len(ARTICLES)
    assert one.facets == full.facets
    hits, _ = all_hits(synthetic, "")
    for kind in ("person", "org", "place"):
        expected = Counter(v for h in hits for v in h.entities[kind])
        assert {f.value: f.count for f in getattr(full.facets, kind)} == expected
    assert {f.value: f.count for f in full.facets.source} == Counter(h.source for h in hits if h.source)
    assert {f.value: f.count for f in full.facets.place}["United States"] == 1  # "U.S." canonicalised
    assert full.facets.place[0].value == "Chile" and full.facets.place[0].count == 3


def test_facets_of_a_query(synthetic):
    results = synthetic.search("copper", page_size=1)
    assert {f.value: f.count for f in results.facets.place} == {"Chile": 2, "Peru": 1}
    assert {f.value: f.count for f in results.facets.source} == {"Reuters": 1, "AP": 2}


@pytest.mark.parametrize("query, kwargs, interval", [
    ("copper", {"date_to": "2020-12"}, "day"),
    ("harbour", {}, "month"),
    ("", {}, "year"),
])
def test_date_histogram(synthetic, query, kwargs, interval):
    results = synthetic.search(query, page_size=1, **kwargs)
    hits, _ = all_hits(synthetic, query, **kwargs)
    histogram = results.facets.dates
    assert histogram.interval == interval
    dated = [h for h in hits if h.date is not None]
    assert sum(b.count for b in histogram.buckets) == len(dated)
    assert histogram.undated == len(hits) - len(dated)
    for bucket in histogram.buckets:
        assert bucket.count == sum(1 for h in dated if bucket.start <= h.date.date() <= bucket.end)
    assert histogram.buckets[0].count and histogram.buckets[-1].count


def test_histogram_buckets_cover_the_span_contiguously(synthetic):
    buckets = synthetic.search("", page_size=1).facets.dates.buckets
    assert [b.label for b in buckets] == [str(y) for y in range(2005, 2022)]
    assert synthetic.search("harbour").facets.dates.undated == 1


# ---- filters -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, expected", [
    ({"person": "Ana Perez"}, {"a1", "a3"}),
    ({"person": "ana perez", "org": "CODELCO"}, {"a1", "a3"}),
    ({"place": ["Chile", "Peru"]}, set()),  # several values: all must apply
    ({"place": "Chile", "source": "Reuters"}, {"a1", "a4"}),
    ({"place": "USA"}, {"a6"}),
    ({"person": "Nobody Known"}, set()),
    ({"date_from": "2020"}, {"a1", "a2", "a3", "a4", "a5"}),
    ({"date_from": "2020", "date_to": "2020"}, {"a1", "a2", "a3", "a5"}),
    ({"date_from": "2020-03", "date_to": "2020-03"}, {"a1", "a2", "a5"}),
    ({"date_from": "2020-03-01", "date_to": "2020-03-02"}, {"a1", "a5"}),
    ({"date_to": "2018-01-01"}, {"a7", "a10"}),
])
def test_filters(synthetic, kwargs, expected):
    assert ids(synthetic.search("", page_size=100, **kwargs)) == expected


@pytest.mark.parametrize("kwargs, name", [
    ({"date_from": "2020-13"}, "date_from"),
    ({"date_to": "yesterday"}, "date_to"),
    ({"date_from": "2020-02-30"}, "date_from"),
])
def test_bad_date_parameter_names_it(synthetic, kwargs, name):
    with pytest.raises(BadParameterError, match=name):
        synthetic.search("", **kwargs)


def test_date_from_after_date_to(synthetic):
    with pytest.raises(BadParameterError):
        synthetic.search("", date_from="2021", date_to="2020")


# ---- sorting and pagination --------------------------------------------------------------------


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_date_sorts_put_undated_last(synthetic, sort):
    hits = synthetic.search("", sort=sort, page_size=100).hits
    assert hits[-1].id == url("a9") and hits[-1].date is None
    dates = [h.date for h in hits[:-1]]
    assert dates == sorted(dates, reverse=(sort == "newest"))


def test_relevance_ties_go_to_the_newer_article(synthetic):
    hits = synthetic.search("twin report").hits
    assert [h.id for h in hits] == [url("a8"), url("a7")]
    assert hits[0].score == hits[1].score


def test_pagination(synthetic):
    first = synthetic.search("", sort="oldest", page_size=3)
    second = synthetic.search("", sort="oldest", page_size=3, page=2)
    assert len(first.hits) == len(second.hits) == 3 and first.pages == 4
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}
    everything = synthetic.search("", sort="oldest", page_size=100).hits
    assert [h.id for h in first.hits + second.hits] == [h.id for h in everything[:6]]
    beyond = synthetic.search("", page=50, page_size=3)
    assert beyond.hits == [] and beyond.total == len(ARTICLES)


@pytest.mark.parametrize("kwargs", [{"page_size": 101}, {"page_size": 0}, {"page": 0}, {"page": -1},
                                    {"sort": "random"}, {"page": "two"}])
def test_bad_paging_parameters(synthetic, kwargs):
    with pytest.raises(BadParameterError):
        synthetic.search("copper", **kwargs)


def test_page_size_100_is_allowed(synthetic):
    assert len(synthetic.search("", page_size=100).hits) == len(ARTICLES)


# ---- articles, related, stats ------------------------------------------------------------------


def test_article_with_marks(synthetic):
    record_, body_html = synthetic.article(url("a1"), "copper strike")
    assert record_.title == "Copper mine strike ends" and record_.body == ARTICLES[0]["text"]
    assert record_.entities["person"] == ["Ana Perez"] and record_.source == "Reuters"
    assert body_html == ("Workers at the <mark>copper</mark> mine ended their <mark>strike</mark> "
                         "after talks.")
    _, escaped = synthetic.article(url("a5"))
    assert "&lt;script&gt;" in escaped and "<script" not in escaped


def test_unknown_article(synthetic):
    with pytest.raises(ArticleNotFoundError):
        synthetic.article("https://example.test/nope")
    with pytest.raises(ArticleNotFoundError):
        synthetic.related("https://example.test/nope")


def test_related(synthetic):
    related = synthetic.related(url("a7"))
    assert url("a8") in [h.id for h in related[:2]]  # the identical twin (the undated memo may lead)
    assert url("a7") not in [h.id for h in related]
    assert len(related) <= 5


def test_stats(synthetic):
    stats = synthetic.stats()
    assert stats["documents"] == len(ARTICLES) and stats["undated"] == 1
    assert stats["date_from"].startswith("2005-05-05") and stats["date_to"].startswith("2021-01-01")
    assert {"value": "Chile", "count": 3} in stats["top"]["place"]
    assert stats["size_bytes"] > 0


# ---- a live index ------------------------------------------------------------------------------


def test_engine_sees_a_new_commit_without_restart(backend_indexes, tmp_path):
    data = tmp_path / "data"
    write_jsonl(data / "one.jsonl", [record("n1", "First", "Quokka sighting reported.", "2022-01-01")])
    engine = backend_indexes.build("commit", [data])
    assert engine.search("quokka").total == 1
    write_jsonl(data / "two.jsonl", [record("n2", "Second", "Another quokka sighting.", "2022-01-02")])
    backend_indexes.index("commit", [data])
    results = engine.search("quokka")
    assert results.total == 2 and ids(results) == {"n1", "n2"}
    assert engine.stats()["documents"] == 2


def test_long_lived_engine_after_segments_merge(tmp_path):
    generate_corpus(tmp_path / "data", 12, 40)
    engine = None
    for n, path in enumerate(sorted((tmp_path / "data").iterdir()), start=1):
        run(path, tmp_path / "ix")  # one commit (one new segment) per file; Whoosh merges some
        engine = engine or Engine(tmp_path / "ix")
        assert engine.search("", page_size=1).total == n * 40 == Engine(tmp_path / "ix").search("").total


def test_engine_over_an_empty_index(backend_indexes, tmp_path):
    (tmp_path / "empty").mkdir()
    engine = backend_indexes.build("empty", [tmp_path / "empty"])
    assert engine.search("").total == 0
    assert engine.search("anything").total == 0
