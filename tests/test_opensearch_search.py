"""The OpenSearch backend's search side against the Whoosh backend's answers.

The seeds and the synthetic articles of tests/test_search.py are indexed into both backends
(OpenSearch: unique aliases `nstest-s-<uuid>` on the test cluster, deleted at the end); every
query, filter, sort and page is then asked of both and the answers compared: totals, the
all-words counts, hit sets and top hits, facets, the histogram, did-you-mean. Where OpenSearch
cannot give the same answer (scores, snippet boundaries) the test checks what must still hold.
The unit tests at the top need no cluster.
"""
from __future__ import annotations

import re
import time
import uuid

import pytest
from opensearchpy.exceptions import AuthorizationException

from search import Engine, SearchRequest
from search import querylang as ql
from search.backends.opensearch import search as os_search
from search.backends.opensearch.config import OpenSearchConfig
from search.backends.opensearch.schema import COMBINED_FIELD
from search.ranking import TITLE_BOOST
from search.backends.opensearch.search import OpenSearchSearch
from search.backends.opensearch.snippets import clean_fragment, snippet
from search.backends.opensearch.spelling import correction, suggest
from search.spelling import edit_distance
from search.backends.opensearch.translate import (MATCH_ALL, MATCH_NONE, date_query, plain_word_count,
                                                  texts_to_analyse, to_dsl)
from search.results import (ArticleNotFoundError, BadParameterError, IndexNotFoundError, IndexPermissionError,
                            QuerySyntaxError)
from tests.corpus import url, write_jsonl
from tests.test_search import ARTICLES, SEEDS, SUMMIT_TEXT

STOPS = {"the", "a", "we", "us", "in"}


def fake_analysed(texts: set[str]) -> dict[str, tuple[str, ...]]:
    """Tokens as the index would give them, for the unit tests: lower-cased words, stop words out."""
    return {t: tuple(w for w in re.findall(r"\w+", t.lower()) if w not in STOPS) for t in texts}


def dsl(text: str, any_word: bool = False) -> dict:
    tree = ql.parse(text, any_word=any_word)
    return to_dsl(tree, fake_analysed(texts_to_analyse(tree)), lambda field, value: [value], any_word=any_word)


# ---- translation (no cluster) ----------------------------------------------------------------------


def test_stop_words_leave_an_and_as_in_whoosh():
    assert dsl("the") == MATCH_NONE and dsl("the a") == MATCH_NONE     # nothing searchable: nothing
    assert dsl("-the") == MATCH_NONE and dsl("NOT the") == MATCH_NONE  # excluding nothing is nothing
    assert dsl("the zinc") == dsl("zinc") == dsl("zinc -the") == dsl("the OR zinc") == dsl("(the a) OR zinc")
    assert dsl("the -oil") == {"bool": {"filter": [MATCH_ALL], "must_not": [dsl("oil")]}}  # all but oil
    assert dsl("zinc") == {"match": {COMBINED_FIELD: {"query": "zinc", "operator": "and"}}}


def test_filters_never_score_and_words_count_like_whoosh():
    assert dsl("place:chile") == {"constant_score": {"filter": {"terms": {"place.lower": ["chile"]}}, "boost": 0.0}}
    assert dsl("copper place:chile")["bool"]["filter"] == [{"terms": {"place.lower": ["chile"]}}]
    counts = {q: plain_word_count(ql.parse(q), fake_analysed(texts_to_analyse(ql.parse(q))))
              for q in ("copper", "copper strike", "copper -strike", "title:copper strike", '"copper mine"',
                        '"copper"', "copper copper", "the copper", "long-range")}
    assert counts == {"copper": 1, "copper strike": 2, "copper -strike": 2, "title:copper strike": 1,
                      '"copper mine"': 0, '"copper"': 1, "copper copper": 1, "the copper": 1, "long-range": 2}


def test_words_are_scored_on_the_combined_field_as_whoosh_s_bm25f():
    """A plain word is one BM25 over the title TITLE_BOOST times and the body (Whoosh's combined
    BM25F); a word of several tokens needs them all in one field, as Whoosh's And per field,
    which Whoosh scores field by field; any of them (any-word) is the combined field's; fielded
    words keep their field."""
    assert dsl("zinc", any_word=True) == {"match": {COMBINED_FIELD: {"query": "zinc", "operator": "or"}}}
    assert dsl("long-range") == {"bool": {"should": [
        {"match": {"title": {"query": "long-range", "operator": "and", "boost": TITLE_BOOST}}},
        {"match": {"body": {"query": "long-range", "operator": "and"}}}], "minimum_should_match": 1}}
    assert dsl("long-range", any_word=True) == {"match": {COMBINED_FIELD: {"query": "long-range", "operator": "or"}}}
    assert dsl("title:zinc") == {"match": {"title": {"query": "zinc", "operator": "and", "boost": TITLE_BOOST}}}
    assert dsl("body:zinc") == {"match": {"body": {"query": "zinc", "operator": "and"}}}
    assert dsl('"zinc mine"')["bool"]["should"][0] == {"match_phrase": {"title": {"query": "zinc mine",
                                                                                  "boost": TITLE_BOOST}}}


def test_any_word_and_prefixes():
    assert dsl("+copper zinc", any_word=True) == {"bool": {"must": [dsl("copper", any_word=True)],
                                                           "should": [dsl("zinc", any_word=True)]}}
    assert dsl("person:Kim*") == {"prefix": {"person": {"value": "Kim", "boost": 1.0}}}  # case as typed
    assert dsl("in*")["bool"]["should"][0] == {"prefix": {"title": {"value": "in", "boost": 1.0}}}


def test_date_bounds_are_inclusive_to_the_millisecond():
    start, end = ql.parse("date:2020-03").start, ql.parse("date:2020-03").end
    assert date_query(start, end) == {"range": {"date": {"format": "strict_date_optional_time",
                                                         "gte": "2020-03-01T00:00:00.000+00:00",
                                                         "lte": "2020-03-31T23:59:59.999+00:00"}}}
    assert date_query(None, None) == {"exists": {"field": "date"}}


def test_fragments_are_escaped_as_ours():
    lucene = "<mark>Researchers</mark> found &lt;script&gt;alert(1)&lt;&#x2F;script&gt; &amp; &#x27;more&#x27;\n x"
    assert clean_fragment(lucene, collapse=True) == \
        "<mark>Researchers</mark> found &lt;script&gt;alert(1)&lt;/script&gt; &amp; 'more' x"
    assert clean_fragment("&lt;mark&gt;", collapse=False) == "&lt;mark&gt;"  # an article's own tag stays text


def test_snippets_take_our_form():
    body = "First sentence here. The middle has the word copper in it. Last words."
    fragments = ["First sentence here.", "The middle has the word <mark>copper</mark> in it.", "Last words."]
    assert snippet(fragments[1:2], body, body) == "…The middle has the word <mark>copper</mark> in it.…"
    assert snippet(["<mark>First</mark> sentence here.", fragments[2]], body, body) == \
        "<mark>First</mark> sentence here.… …Last words."
    assert snippet(["<mark>x</mark>"]) == "…<mark>x</mark>…"  # edges unknown: cut
    # nothing marked: the opening lines (search.snippets.lead), unescaped from the highlighter first
    assert snippet(["word " * 100]) == ("word " * 48).strip() + " …" and snippet(["a &amp; b\n c"]) == "a &amp; b c"


def test_spelling_decides_among_the_suggesters_candidates():
    assert edit_distance("sumit", "summit") == 1 and edit_distance("teh", "the") == 1
    assert edit_distance("sumit", "summits") == 2
    options = [{"text": "summits", "freq": 9}, {"text": "summit", "freq": 2}]
    assert correction("sumit", options, known=0) == "summit"     # one edit beats a commoner two
    assert correction("sumit", options, known=1) is None         # 2 < 20 x 1: looks meant
    assert correction("sumit", [{"text": "summits", "freq": 9}], known=0) == "summits"
    assert correction("sumit", [{"text": "summits", "freq": 90}], known=1) is None  # known: one edit only


class _Refusing:
    """A client that answers every search with 403, as a cluster with security would."""

    def search(self, **kwargs):
        raise AuthorizationException(403, "security_exception", {"error": {"type": "security_exception",
                                                                         "reason": "no permissions"}})

    indices = property(lambda self: self)
    analyze = search


def test_permission_denied_is_an_index_permission_error():
    backend = OpenSearchSearch(OpenSearchConfig(index="x"), client=_Refusing())
    with pytest.raises(IndexPermissionError, match="permission denied"):
        backend.run(SearchRequest.build("copper"))


def test_no_cluster_is_a_clear_index_not_found_error():
    backend = OpenSearchSearch(OpenSearchConfig(url="http://127.0.0.1:1", index="x", timeout=2))
    with pytest.raises(IndexNotFoundError, match="127.0.0.1:1"):
        backend.run(SearchRequest.build("copper"))
    backend.close()


# ---- both backends over the same articles -----------------------------------------------------------


def _cleanup(client, alias: str) -> None:
    client.indices.delete(index=f"{alias}-*", ignore_unavailable=True, expand_wildcards="all")
    client.indices.delete_index_template(name=f"{alias}-template", ignore=[404])


@pytest.fixture(scope="module")
def pair(opensearch, tmp_path_factory):
    """{name: (OpenSearchSearch, Whoosh Engine)} for "synthetic" and "seeds"."""
    from newsearch.indexing import index_paths

    root = tmp_path_factory.mktemp("os-search")
    write_jsonl(root / "synthetic" / "articles.jsonl", ARTICLES)
    sources = {"synthetic": (root / "synthetic", False), "seeds": (SEEDS, True)}
    aliases = {name: f"nstest-s-{uuid.uuid4().hex[:8]}" for name in sources}
    backends: dict[str, tuple[OpenSearchSearch, Engine]] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(root / "cache"))  # the writer's local entity caches
        try:
            for name, (path, entities) in sources.items():
                config = OpenSearchConfig(url=opensearch, index=aliases[name])
                summary = index_paths([path], backend="opensearch", backend_options={"url": opensearch,
                                      "index": aliases[name]}, entities=entities, show_progress=False)
                assert summary.failed == 0 and summary.added == (len(ARTICLES) if name == "synthetic" else 2)
                index_paths([path], root / f"whoosh-{name}", entities=entities, show_progress=False)
                backends[name] = (OpenSearchSearch(config), Engine(root / f"whoosh-{name}"))
            yield backends
        finally:
            for name, alias in aliases.items():
                backend = backends.get(name, (OpenSearchSearch(OpenSearchConfig(url=opensearch, index=alias)),))[0]
                _cleanup(backend.client, alias)
                backend.close()


def os_run(backend: OpenSearchSearch, query: str = "", **kwargs):
    return backend.run(SearchRequest.build(query, **kwargs))


def short(results) -> set[str]:
    return {h.id.rsplit("/", 1)[-1] for h in results.hits}


def assert_same(ours, theirs, *, order: bool = False) -> None:
    """The same answer but scores and snippets: counts, hit sets (and top hit), facets, histogram."""
    assert (ours.total, ours.all_words, ours.with_all_words) == (theirs.total, theirs.all_words, theirs.with_all_words)
    assert short(ours) == short(theirs)
    if order:
        assert [h.id for h in ours.hits] == [h.id for h in theirs.hits]
    elif theirs.hits and (len(theirs.hits) == 1 or theirs.hits[0].score != theirs.hits[1].score):
        assert ours.hits[0].id == theirs.hits[0].id
    assert ours.facets == theirs.facets
    assert ours.suggestion == theirs.suggestion


QUERIES = ["", "copper", "copper strike", '"copper mine"', '"copper mine', "(copper strike", "copper -strike",
           "zinc OR gold", "title:strike", "body:zinc", 'person:"ana perez"', "Person:ANA", "org:codelco",
           'place:"U.S."', "place:usa", "source:ap", "date:[2020-03-01 TO 2020-03-31]", "date:2020-03", "cop*",
           "summits*", "tariffs place:chile", "copper zebra", "harbour", "twin report", "the -oil", "the a", "-the",
           "NOT the", "the OR zinc", "we us zinc", "(the a) OR zinc", "-copper", "+copper zinc", "zinc -the",
           "place:nowhere OR zinc", "date:[2020-03-01 TO]", 'title:"strike"', "strikes", "Korea's copper",
           "NOT copper AND harbour", "person:Ana*", "researchers", "leaders summit hanoi"]


def snippets(results) -> dict[str, str]:
    """Each hit's snippet, for the short articles only: their snippet is the whole body on both
    backends, while long ones are cut at different places."""
    return {h.id: h.snippet for h in results.hits if h.id != url("a6")}


@pytest.mark.parametrize("query", QUERIES)
def test_queries_answer_as_whoosh(pair, query):
    ours, theirs = pair["synthetic"]
    mine, reference = os_run(ours, query, page_size=100), theirs.search(query, page_size=100)
    assert_same(mine, reference)
    assert snippets(mine) == snippets(reference)


FUZZ_ATOMS = ("copper strike zinc gold the a we us in tariffs harbour twin report summit summits Hanoi leaders mine "
              "prices found archive tin lead memo undated script page more").split() + [
    '"copper mine"', '"the strike"', '"summit ended"', "cop*", "summ*", "in*", "title:strike", "body:copper",
    "place:chile", 'person:"ana perez"', "source:ap", "date:2020", "date:[2020-03-01 TO 2020-04-30]", "-copper",
    "-the", "OR", "AND", "NOT", "(", ")", "+gold", "person:Ana*"]


def test_random_queries_match_whoosh(pair):
    """Seeded random queries of words, stop words, operators, fields and wildcards: the same
    counts, sets, facets and suggestions (the order may differ: the two BM25s differ)."""
    import random

    ours, theirs = pair["synthetic"]
    rng = random.Random(20261201)
    for _ in range(60):
        query = " ".join(rng.choice(FUZZ_ATOMS) for _ in range(rng.randint(1, 5)))
        mine, reference = os_run(ours, query, page_size=100), theirs.search(query, page_size=100)
        assert (mine.total, mine.all_words, mine.with_all_words, short(mine), mine.facets, mine.suggestion) == \
            (reference.total, reference.all_words, reference.with_all_words, short(reference), reference.facets,
             reference.suggestion), query


@pytest.mark.parametrize("kwargs", [
    {"person": "Ana Perez"}, {"person": "ana perez", "org": "CODELCO"}, {"place": ["Chile", "Peru"]},
    {"place": "Chile", "source": "Reuters"}, {"place": "USA"}, {"place": "u.s."}, {"person": "Nobody Known"},
    {"date_from": "2020"}, {"date_from": "2020", "date_to": "2020"}, {"date_from": "2020-03", "date_to": "2020-03"},
    {"date_from": "2020-03-01", "date_to": "2020-03-02"}, {"date_to": "2018-01-01"},
    {"date_to": "2020-12"}, {"facet_top": 1}, {"facet_top": 0},
])
def test_filters_answer_as_whoosh(pair, kwargs):
    ours, theirs = pair["synthetic"]
    for query in ("", "copper", "copper strike"):
        assert_same(os_run(ours, query, page_size=100, **kwargs), theirs.search(query, page_size=100, **kwargs))


def test_histogram_intervals_and_buckets(pair):
    ours, theirs = pair["synthetic"]
    for query, kwargs, interval in (("copper", {"date_to": "2020-12"}, "day"), ("harbour", {}, "month"),
                                    ("", {}, "year")):
        mine = os_run(ours, query, page_size=1, **kwargs).facets.dates
        assert mine == theirs.search(query, page_size=1, **kwargs).facets.dates and mine.interval == interval
    everything = os_run(ours, "", page_size=1).facets.dates
    assert [b.label for b in everything.buckets] == [str(y) for y in range(2005, 2022)]
    assert os_run(ours, "harbour").facets.dates.undated == 1


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_date_sorts_as_whoosh_with_undated_last(pair, sort):
    ours, theirs = pair["synthetic"]
    for query in ("", "harbour", "copper strike"):
        mine = os_run(ours, query, sort=sort, page_size=100)
        assert_same(mine, theirs.search(query, sort=sort, page_size=100), order=True)
        assert all(h.score is None for h in mine.hits)
    assert os_run(ours, "", sort=sort, page_size=100).hits[-1].id == url("a9")


def test_relevance_ties_go_to_the_newer_article(pair):
    hits = os_run(pair["synthetic"][0], "twin report").hits
    assert [h.id for h in hits] == [url("a8"), url("a7")] and hits[0].score == hits[1].score


def test_relaxed_all_words_first_with_their_real_scores(pair):
    ours, theirs = pair["synthetic"]
    mine = os_run(ours, "copper strike", page_size=100)
    assert {h.id for h in mine.hits[:2]} == {url("a1"), url("a2")} and not mine.all_words
    assert all(0 < h.score < 100 for h in mine.hits)  # divided back: no 2**40 in what is shown
    alone = {h.id: h.score for h in os_run(ours, "copper OR strike", page_size=100).hits}
    assert {h.id: h.score for h in mine.hits} == alone  # the any-word query's own scores


def test_recency_reorders_as_whoosh(pair):
    ours, theirs = pair["synthetic"]
    plain = {h.id: h.score for h in os_run(ours, "harbour tariffs", page_size=100).hits}
    newer = os_run(ours, "harbour tariffs", recency=30, page_size=100)
    assert [h.id for h in newer.hits] == [h.id for h in theirs.search("harbour tariffs", recency=30,
                                                                      page_size=100).hits]
    newest = max(h.date for h in newer.hits if h.date)
    for hit in newer.hits:  # our factor exactly: 0.5 + 0.5 * 0.5 ** (age / half-life); undated 0.5
        factor = 0.5 if hit.date is None else 0.5 + 0.5 * 0.5 ** ((newest - hit.date).days / 30)
        assert hit.score == pytest.approx(plain[hit.id] * factor, rel=1e-3)


def test_pagination_and_past_the_end(pair):
    ours, _ = pair["synthetic"]
    first, second = os_run(ours, "", sort="oldest", page_size=3), os_run(ours, "", sort="oldest", page_size=3, page=2)
    assert len(first.hits) == len(second.hits) == 3 and first.pages == 4
    everything = os_run(ours, "", sort="oldest", page_size=100).hits
    assert [h.id for h in first.hits + second.hits] == [h.id for h in everything[:6]]
    beyond = os_run(ours, "", page=50, page_size=3)
    assert beyond.hits == [] and beyond.total == len(ARTICLES) and beyond.facets == first.facets


def test_pages_past_the_result_window_are_refused_with_a_message(pair, monkeypatch):
    ours, _ = pair["synthetic"]
    monkeypatch.setattr(os_search, "MAX_RESULT_WINDOW", 5)  # the cluster's 10,000, scaled to 10 articles
    assert len(os_run(ours, "", page=1, page_size=5).hits) == 5
    with pytest.raises(BadParameterError, match="beyond the first 5 results"):
        os_run(ours, "", page=2, page_size=5)
    assert os_run(ours, "", page=3, page_size=5).hits == []  # past the end: an empty page, as always


def test_snippets_mark_words_and_escape_the_article(pair):
    ours, theirs = pair["synthetic"]
    [hit] = os_run(ours, "researchers").hits
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hit.snippet and "&amp; more" in hit.snippet
    assert set(re.findall(r"<[^>]*>", hit.snippet)) == {"<mark>", "</mark>"}
    [hit] = os_run(ours, "summits").hits
    assert "<mark>summit</mark>" in hit.snippet and "<mark>summits</mark>" in hit.snippet
    fragments = re.split(r"…\s*…", hit.snippet)  # each fragment is cut with an ellipsis, as ours
    assert 2 <= len(fragments) <= 3 and all("<mark>" in f for f in fragments) and len(hit.snippet) < len(SUMMIT_TEXT)
    [lead] = os_run(ours, "place:usa").hits  # no word to mark: the opening lines, cut as ours
    assert lead.snippet == theirs.search("place:usa").hits[0].snippet and lead.snippet.endswith(" …")
    short_leads = {h.id: h.snippet for h in theirs.search("source:ap", page_size=100).hits}
    assert {h.id: h.snippet for h in os_run(ours, "source:ap", page_size=100).hits} == short_leads
    [title_only] = os_run(ours, "title:leaders").hits  # a title word is marked in the body too, as in Whoosh
    assert "<mark>leaders</mark>" in title_only.snippet
    assert all(h.snippet == "" for h in os_run(ours, "copper", snippets=False).hits)


def test_article_page_marks_as_whoosh(pair):
    ours, theirs = pair["synthetic"]
    for key, query in (("a1", "copper strike"), ("a1", '"copper mine"'), ("a5", ""), ("a5", "page"),
                       ("a6", "summits hanoi"), ("a1", "copper -strike"), ("a1", "title:strike"), ("a1", "date:["),
                       ("a6", "summ*"), ("a1", "cop* -strike"), ("a6", "Summits*"), ("a6", '"summit ended"')):
        record, body_html = ours.article(url(key), query)
        assert (record, body_html) == theirs.article(url(key), query)
    assert ours.article(url("a5"))[1].count("&lt;script&gt;") == 1


def test_unknown_articles(pair):
    ours, _ = pair["synthetic"]
    with pytest.raises(ArticleNotFoundError):
        ours.article("https://example.test/nope")
    with pytest.raises(ArticleNotFoundError):
        ours.related("https://example.test/nope")


def test_related_prefers_the_twin(pair):
    ours, _ = pair["synthetic"]
    related = ours.related(url("a7"))
    assert url("a8") in [h.id for h in related[:2]] and url("a7") not in [h.id for h in related]
    assert len(related) <= 5 and all(h.score is not None and h.snippet == "" for h in related)
    assert ours.related(url("a7"), top=1)[0].id == url("a8")


def test_stats_as_whoosh(pair):
    ours, theirs = pair["synthetic"]
    mine, reference = ours.stats(), theirs.stats()
    for key in ("documents", "undated", "date_from", "date_to", "top", "languages"):
        assert mine[key] == reference[key], key
    assert mine["size_bytes"] > 0 and mine["segments"] >= 1 and mine["last_update"]
    # recognition_by_language: added by the Engine (theirs), not by a backend.
    assert "index_dir" not in mine and set(mine) == set(reference) - {"index_dir", "recognition_by_language"}


def test_query_errors_are_whooshs(pair):
    ours, theirs = pair["synthetic"]
    for query in ("author:smith copper", "date:[2020-13-45 TO 2020-14-01]", "a*", "copper " * 300):
        with pytest.raises(QuerySyntaxError) as mine:
            os_run(ours, query)
        with pytest.raises(QuerySyntaxError) as reference:
            theirs.search(query)
        assert str(mine.value) == str(reference.value)


def test_seeds_as_whoosh(pair):
    ours, theirs = pair["seeds"]
    for query, kwargs in (("Kim Hanoi", {}), ('person:"kim jong un"', {}), ('place:"U.S."', {}),
                          ("", {"place": "United States"}), ("sumit", {}), ("summit", {}), ("trump kim", {})):
        assert_same(os_run(ours, query, **kwargs), theirs.search(query, **kwargs))
    results = os_run(ours, "Kim Hanoi")
    assert results.total == 2 and all("<mark>Kim</mark>" in h.snippet or "<mark>Hanoi</mark>" in h.snippet
                                      for h in results.hits)
    assert "summit" in os_run(ours, "sumit").suggestion and os_run(ours, "summit").suggestion is None


def test_did_you_mean_within_the_budget(pair):
    ours, _ = pair["seeds"]
    assert suggest(ours, "sumit", [], 0, time.perf_counter() - 1) == (None, True)  # budget spent: partial
    # found=-1: any count is more, so the suggestion is offered whatever the corrected query finds
    suggestion, cut = suggest(ours, "sumit " * 9, [], -1, time.perf_counter() + 5)
    assert cut and suggestion.split() == ["summit"] * 8 + ["sumit"]  # MAX_SPELL_WORDS words checked


def test_analysis_is_the_index_analysers_token_for_token(pair):
    ours, _ = pair["synthetic"]
    texts = {"😀emoji", "thé", "Korea's", "long-range", "U.S.", "the", "--", "Summits", "naïve café"}
    together = ours.analyse(texts)
    ours._analysed = {}
    assert together == {t: ours.analyse({t})[t] for t in texts}
    assert together["Summits"] == ("summit",) and together["the"] == () and together["Korea's"] == ("korea",)


def test_an_empty_index(opensearch, tmp_path, monkeypatch):
    from newsearch.indexing import index_paths

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "empty").mkdir()
    config = OpenSearchConfig(url=opensearch, index=f"nstest-s-{uuid.uuid4().hex[:8]}")
    backend = OpenSearchSearch(config)
    try:
        index_paths([tmp_path / "empty"], backend="opensearch", backend_options={"url": opensearch,
                    "index": config.index}, entities=False, show_progress=False)
        for query in ("", "anything", "anything else", "sumit"):
            results = os_run(backend, query, recency=10)
            assert results.total == 0 and results.hits == [] and results.facets.dates.buckets == []
        assert backend.stats()["documents"] == 0 and backend.stats()["date_from"] is None
    finally:
        _cleanup(backend.client, config.index)
        backend.close()


def test_aliases_file_of_the_index_run_even_where_it_is_not(opensearch, tmp_path, monkeypatch):
    """`--aliases FILE` works for searches as for Whoosh, and on machines without the file (the
    index run keeps its content in the cluster)."""
    from newsearch.indexing import index_paths

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    write_jsonl(tmp_path / "data" / "a.jsonl", ARTICLES[:4])
    aliases = tmp_path / "aliases.tsv"
    aliases.write_text("place\tBananaland\tChile\n# a comment\nbad line\n", encoding="utf-8")
    config = OpenSearchConfig(url=opensearch, index=f"nstest-s-{uuid.uuid4().hex[:8]}")
    try:
        index_paths([tmp_path / "data"], backend="opensearch", backend_options={"url": opensearch,
                    "index": config.index}, entities=False, show_progress=False, aliases_file=aliases)
        index_paths([tmp_path / "data"], tmp_path / "ix", entities=False, show_progress=False, aliases_file=aliases)
        expected = {"a1", "a3", "a4"}
        assert short(Engine(tmp_path / "ix").search("", place="bananaland")) == expected
        with_file = OpenSearchSearch(config)
        assert short(os_run(with_file, "", place="bananaland")) == short(os_run(with_file, "place:Bananaland")) \
            == expected and with_file.aliases() == (aliases.resolve(), None)
        aliases.unlink()
        elsewhere = OpenSearchSearch(config)  # as on a machine without the file
        assert short(os_run(elsewhere, "", place="bananaland")) == expected and elsewhere.aliases()[1] is not None
        with_file.close(), elsewhere.close()
    finally:
        cleaner = OpenSearchSearch(config)
        _cleanup(cleaner.client, config.index)
        cleaner.close()


def test_missing_alias_says_how_to_create_it(opensearch):
    backend = OpenSearchSearch(OpenSearchConfig(url=opensearch, index=f"nstest-s-missing-{uuid.uuid4().hex[:8]}"))
    for call in (lambda: os_run(backend, "copper"), lambda: os_run(backend, ""), backend.stats,
                 lambda: backend.article("x")):
        with pytest.raises(IndexNotFoundError, match="no newsearch index .* --backend opensearch"):
            call()
    backend.close()
