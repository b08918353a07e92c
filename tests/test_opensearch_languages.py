"""The OpenSearch backend in every language (issue 21): each article analysed, indexed and
searched in its own language's fields, by search/analysis.py's rules.

Short news paragraphs written for these tests in German, French, Spanish, Russian, Arabic,
Chinese, Japanese and English, each record declaring its language (the detector keeps a
declaration its text does not contradict). Two indexes on the test cluster: the multilingual
archive, and its English and undetermined articles alone (to show that the other languages
change nothing for English).
The unit tests at the top need no cluster.
"""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from search import SearchRequest
from search import querylang as ql
from search.backends.opensearch import languages as langs, schema as m
from search.backends.opensearch.client import make_client
from search.backends.opensearch.config import OpenSearchConfig
from search.backends.opensearch.search import OpenSearchSearch
from search.backends.opensearch.translate import languages_dsl, to_dsl
from search.results import IncompatibleIndexError
from tests.conftest import IndexMaker
from tests.language_texts import CHINESE_LONG

ENGLISH = [
    {"url": "http://t/en-bank", "language": "en", "date": "2024-03-07", "title": "Central bank raises interest rates",
     "body": "The central bank raised interest rates by half a point on Thursday, citing persistent inflation. "
             "Economists expect further increases this year as wages keep rising."},
    {"url": "http://t/en-floods", "language": "en", "date": "2024-03-08", "title": "Dozens die in floods",
     "body": "At least thirty people die in floods after days of heavy rain in the north of the country. "
             "Rescue teams are searching for those still missing, the interior ministry said."},
    {"url": "http://t/en-vote", "language": "en", "date": "2024-03-09", "title": "Voters head to the polls",
     "body": "Millions of voters head to the polls on Sunday in elections that will decide the next government. "
             "Turnout was high in the morning, officials said."},
]
OTHERS = [
    {"url": "http://t/de-wahl", "language": "de", "date": "2024-03-01", "title": "Parteien ringen um Stimmen",
     "body": "Vor der Bundestagswahl werben die Parteien in allen Ländern um Wähler. Die Wahl findet im September "
             "statt. Die Regierung werde die Steuern für kleine Betriebe senken, sagte die Kanzlerin am Montag."},
    {"url": "http://t/de-haus", "language": "de", "date": "2024-03-02", "title": "Immobilienpreise steigen weiter",
     "body": "In München und Hamburg sind die Preise für Häuser und Wohnungen im vergangenen Jahr erneut gestiegen. "
             "Der Verband der Makler rechnet auch für dieses Jahr mit höheren Mieten."},
    {"url": "http://t/fr-zurich-exact", "language": "fr", "date": "2024-03-03",
     "title": "Sommet européen à Zürich",
     "body": "Les dirigeants européens se réunissent à Zürich cette semaine pour discuter du climat et de "
             "l'énergie. La banque publique financera de nouveaux projets."},
    {"url": "http://t/fr-zurich-plain", "language": "fr", "date": "2024-03-03",
     "title": "Sommet européen à Zurich",
     "body": "Les ministres européens se réunissent à Zurich cette semaine pour discuter du climat et de "
             "l'énergie. La banque publique financera de nouveaux projets."},
    {"url": "http://t/es-campo", "language": "es", "date": "2024-03-04",
     "title": "El Gobierno aprueba nuevas ayudas para el campo",
     "body": "El Consejo de Ministros aprobó este martes un paquete de ayudas para los agricultores afectados por "
             "la sequía. Las organizaciones agrarias consideran insuficientes las medidas."},
    {"url": "http://t/ru-vybory", "language": "ru", "date": "2024-03-05", "title": "Выборы в Москве",
     "body": "В воскресенье в Москве прошли выборы в городскую думу. По данным избирательной комиссии, явка "
             "составила около тридцати процентов. Новые депутаты приступят к работе в октябре."},
    {"url": "http://t/ar-naft", "language": "ar", "date": "2024-03-05", "title": "ارتفاع أسعار النفط في الأسواق العالمية",
     "body": "ارتفعت أسعار النفط اليوم في الأسواق العالمية بعد قرار الدول المنتجة خفض الإنتاج. وقال محللون إن "
             "الأسعار قد تواصل الارتفاع خلال الأسابيع المقبلة."},
    {"url": "http://t/zh-luntan", "language": "zh", "date": "2024-03-06", "title": "北京举行国际经济论坛",
     "body": "国际经济论坛今天在北京开幕，来自四十多个国家的代表出席了会议。与会者讨论了全球贸易和气候变化等问题。"},
    {"url": "http://t/ja-ooame", "language": "ja", "date": "2024-03-06", "title": "東京で大雨、交通に影響",
     "body": "気象庁によると、東京都内では昨夜から激しい雨が降り続き、電車の運転見合わせが相次いだ。"
             "政府は住民に警戒を呼びかけている。"},
    # Bad input: too short to tell (undetermined: analysed as English), and almost nothing.
    {"url": "http://t/und-short", "language": "und", "date": "2024-03-06", "title": "", "body": "北京。"},
    {"url": "http://t/tiny", "date": "2024-03-06", "title": "", "body": "Ok."},
]
UNDETERMINED = {"http://t/und-short", "http://t/tiny"}
CODES = {"en": 3, "de": 2, "fr": 2, "es": 1, "ru": 1, "ar": 1, "zh": 1, "ja": 1}


def ids(results) -> list[str]:
    return [hit.id for hit in results.hits]


# ---- no cluster -------------------------------------------------------------------------------------

def test_every_language_has_its_analyser_and_fields() -> None:
    settings, props = m.analysis_settings(), m.mappings()["properties"]
    german = settings["analyzer"]["news_de"]["filter"]
    # stop check, then (one multiplexer) stem in the language's spelling and fold keeping the exact
    # form; and the unaccented word's stem (search.analysis.word_forms)
    assert german == ["cjk_width", "lowercase", "cjk_bigram", "news_min_length_2", "news_stop_de", "news_forms_de"]
    assert settings["filter"]["news_forms_de"] == {
        "type": "multiplexer", "preserve_original": False,
        "filters": [f"news_stem_de, {langs.FOLD_FILTER}", "asciifolding, news_stem_de, asciifolding"]}
    polish = settings["analyzer"]["news_pl"]["filter"]  # no stemmer: folded, exact form kept
    assert polish[-2:] == ["news_stop_pl", langs.FOLD_FILTER]
    assert settings["filter"]["news_stem_de"] == {"type": "snowball", "language": "German"}
    assert settings["filter"]["news_stem_cs"] == {"type": "stemmer", "language": "czech"}
    assert "news_stem_pl" not in settings["filter"] and "news_stop_pl" in settings["filter"]  # no Polish stemmer
    assert "für" in settings["filter"]["news_stop_de"]["stopwords"]
    assert settings["filter"][langs.FOLD_FILTER] == {"type": "asciifolding", "preserve_original": True}
    assert props["body_de"]["analyzer"] == "news_de" and props["title_de"]["copy_to"] == ["combined_de"] * 3
    assert props["body_ja"]["analyzer"] == langs.NEUTRAL_ANALYZER and "fields" not in props["body_ja"]
    assert props["body"]["analyzer"] == m.ANALYZER and props["title"]["copy_to"] == ["combined"] * 3
    assert props["language"]["fields"]["lower"]["normalizer"] == m.NORMALIZER  # a facet like the others
    assert m.TEMPLATE_VERSION == 5


def test_an_article_s_text_goes_to_its_language_s_fields() -> None:
    from index.article import Article

    german = m.article_to_source(Article(title="Wahl", body="Die Wahl.", language="de"), "a", "k", "h")
    assert (german["title_de"], german["body_de"], "title" in german, "body" in german) == \
        ("Wahl", "Die Wahl.", False, False)
    for code in ("en", "und", None, "xx"):  # English, undetermined, none, no fields: English's
        source = m.article_to_source(Article(title="T", body="B", language=code), "a", "k", "h")
        assert (source["title"], source["body"]) == ("T", "B")
    assert langs.field_language("de-AT") == "de" and m.title_of({"language": "de", "title_de": "Wahl"}) == "Wahl"


def test_one_language_translates_as_before_and_several_are_held_to_their_articles() -> None:
    tree = ql.parse("die wahl")
    english = {"die": ("die",), "wahl": ("wahl",)}
    german = {"die": (), "wahl": ("wahl",)}  # a German stop word
    resolve = lambda field, value: [value]  # noqa: E731
    assert languages_dsl(tree, {"en": english}, resolve) == to_dsl(tree, english, resolve)
    both = languages_dsl(tree, {"en": english, "de": german}, resolve, codes={"en": ["en", "und"], "de": ["de"]})
    english_part, german_part = both["bool"]["should"]
    assert german_part == {"bool": {"must": [{"match": {"combined_de": {"query": "wahl", "operator": "and"}}}],
                                    "filter": [{"terms": {"language": ["de"]}}]}}
    assert english_part["bool"]["filter"] == [{"bool": {"must_not": [{"terms": {"language": ["de"]}}]}}]
    assert english_part["bool"]["must"] == [to_dsl(tree, english, resolve)]


# ---- on the cluster -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def maker(opensearch: str, tmp_path_factory) -> IndexMaker:
    made = IndexMaker("opensearch", tmp_path_factory.mktemp("languages"), opensearch)
    yield made
    made.cleanup()


@pytest.fixture(scope="module")
def engine(maker: IndexMaker):
    return maker.build_records("multilingual", ENGLISH + OTHERS)


@pytest.fixture(scope="module")
def english_engine(maker: IndexMaker):
    """The multilingual archive's articles that are in English's fields: the English ones and
    the undetermined ones (analysed as English)."""
    return maker.build_records("english", ENGLISH + [r for r in OTHERS if r["url"] in UNDETERMINED])


def test_languages_are_counted_faceted_and_filtered(engine) -> None:
    counts = engine.stats()["languages"]
    assert {code: counts.get(code) for code in CODES} == CODES
    assert counts.get("und", 0) >= 1 and sum(counts.values()) == len(ENGLISH) + len(OTHERS)
    facet = {v.value: v.count for v in engine.run(SearchRequest.build("", facet_top=50)).facets.language}
    assert {code: facet.get(code) for code in CODES} == CODES
    assert set(ids(engine.search("language:de"))) == {"http://t/de-wahl", "http://t/de-haus"}
    assert set(ids(engine.search("", language=["German"]))) == {"http://t/de-wahl", "http://t/de-haus"}
    assert set(ids(engine.search("Wahl language:de"))) == {"http://t/de-wahl"}
    assert all(h.language == "de" for h in engine.search("language:DE").hits)
    # Names, as the URL and CLI filter read them (search.languages.language_code), on this backend too.
    for value in ("German", "de-AT", "german"):
        assert set(ids(engine.search(f"language:{value}"))) == {"http://t/de-wahl", "http://t/de-haus"}, value
    assert set(ids(engine.search("Wahl language:German"))) == {"http://t/de-wahl"}
    assert "http://t/de-wahl" not in ids(engine.search("Wahl -language:German"))
    assert ids(engine.search("language:und")) and ids(engine.search("language:Klingon")) == []


@pytest.mark.parametrize("query, found", [
    ("Wahlen", "http://t/de-wahl"),           # Wahl
    ("Steuer", "http://t/de-wahl"),           # Steuern
    ("Haus", "http://t/de-haus"),             # Häuser: the German stemmer drops the umlaut
    ("выборах", "http://t/ru-vybory"),        # выборы
    ("Москва", "http://t/ru-vybory"),         # Москве
    ("agricultor", "http://t/es-campo"),      # agricultores
    ("الأسعار", "http://t/ar-naft"),           # أسعار, the article's definite form too
])
def test_inflected_forms_are_found_in_their_language(engine, query: str, found: str) -> None:
    assert ids(engine.search(query))[:1] == [found]


@pytest.mark.parametrize("query, found", [
    ("北京", {"http://t/zh-luntan", "http://t/und-short"}),  # the undetermined snippet is paired too
    ("经济", {"http://t/zh-luntan"}),
    ("東京", {"http://t/ja-ooame"}),
    ("気象庁", {"http://t/ja-ooame"}),                       # three characters: both pairs side by side
])
def test_two_character_chinese_and_japanese_queries(engine, query: str, found: set[str]) -> None:
    assert set(ids(engine.search(query))) == found


def test_accents_fold_and_the_exact_form_ranks_first(engine) -> None:
    both = {"http://t/fr-zurich-exact", "http://t/fr-zurich-plain"}
    exact = engine.search("Zürich")
    assert set(ids(exact)) == both and ids(exact)[0] == "http://t/fr-zurich-exact"
    assert exact.hits[0].score > exact.hits[1].score
    assert set(ids(engine.search("Zurich"))) == both
    assert set(ids(engine.search("energie language:fr"))) == both  # l'énergie: the apostrophe separates


def test_no_cross_language_harm(engine, english_engine) -> None:
    # A German stop word is an English word: it finds the English article, not the German ones.
    assert ids(engine.search("die")) == ["http://t/en-floods"]
    # ...and it leaves the German reading of a query instead of emptying it.
    reading = engine.search("die Wahl")
    assert ids(reading)[:1] == ["http://t/de-wahl"] and reading.with_all_words == 1
    assert ids(engine.search("elections")) == ["http://t/en-vote"]
    # English answers, scores and snippets are those of the English archive alone.
    for query in ("central bank interest rates", "voters polls", "floods rain -bank", "rain OR inflation"):
        mine, alone = engine.search(query), english_engine.search(query)
        assert [(h.id, h.score, h.snippet) for h in mine.hits] == [(h.id, h.score, h.snippet) for h in alone.hits]
        assert (mine.total, mine.all_words) == (alone.total, alone.all_words)


def test_snippets_mark_words_in_the_hit_s_language(engine) -> None:
    german = engine.search("Wahlen").hits[0]
    assert "<mark>Wahl</mark>" in german.snippet and german.title == "Parteien ringen um Stimmen"
    japanese = engine.search("東京").hits[0]
    assert "<mark>東京</mark>" in japanese.snippet
    record, marked = engine.article("http://t/ru-vybory", "выборах")
    assert record.language == "ru" and record.body.startswith("В воскресенье") and "<mark>выборы</mark>" in marked


def test_ranking_features_work_in_the_filtered_language(engine, monkeypatch) -> None:
    """A German-only search ranks with German word pairs and feedback (its articles' words, from
    the German fields): long enough for feedback, and none of it left out."""
    import search.backends.opensearch.search as opensearch_search

    from search.backends.opensearch import ranking as feedback

    monkeypatch.setattr(opensearch_search, "REQUEST_BUDGET_S", 60.0)  # a busy test machine
    expanded: list = []
    expand = feedback.expand
    monkeypatch.setattr(feedback, "expand", lambda *a, **k: expanded.append(expand(*a, **k)) or expanded[-1])
    results = engine.search("Parteien werben um Wähler, Regierung senkt Steuern für Betriebe", language=["de"])
    assert ids(results)[:1] == ["http://t/de-wahl"] and not results.partial
    clauses, cut_short = expanded[0]
    assert clauses and not cut_short and all(set(c["term"]) == {"combined_de"} for c in clauses)
    assert [r.body[:7] for r in engine.backend.articles(["http://t/de-wahl", "http://t/zh-luntan"])] == \
        ["Vor der", "国际经济论坛今"]


def test_did_you_mean_looks_in_the_searched_languages_only(engine) -> None:
    assert engine.search("banqe", language=["fr"]).suggestion == "banque"
    assert engine.search("banqe", language=["en"]).suggestion == "bank"


def test_document_frequencies_per_language(engine) -> None:
    known, articles = engine.backend.document_frequencies(["Wahlen", "Steuern", "die"], language="de")
    assert known == {"Wahlen": ("wahl", 1), "Steuern": ("steu", 1)}  # "die": a German stop word
    assert articles == CODES["de"]
    english, total = engine.backend.document_frequencies(["die", "rates"], language="en")
    assert english["die"][1] == 1 and english["rates"][1] == 1 and total >= len(ENGLISH)


def test_related_articles_are_found_in_the_article_s_language(engine) -> None:
    related = ids_of(engine.related("http://t/fr-zurich-exact"))
    assert related[:1] == ["http://t/fr-zurich-plain"]


def ids_of(hits) -> list[str]:
    return [hit.id for hit in hits]


def test_bad_input_never_crashes(engine) -> None:
    assert ids(engine.search("Ok")) == ["http://t/tiny"]
    assert set(ids(engine.search("language:und"))) >= {"http://t/und-short"}
    for query in ("的", "ё", "ـ", "a", "\u0301", "東", "Zü*", "title:Wahl", '"die Wahl"'):
        engine.search(query)  # an answer, whatever it is


def test_an_index_of_the_previous_template_version_is_refused(opensearch: str, tmp_path: Path,
                                                              monkeypatch) -> None:
    """An index of version 3 (English fields only) holding a German article: searching it says
    to re-index, before any language's analyser (which it lacks) is asked for."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    config = OpenSearchConfig(url=opensearch, index=f"nstest-l-{uuid.uuid4().hex[:8]}")
    client = make_client(config)
    mappings = m.mappings()
    mappings["_meta"] = {"newsearch_template_version": 3}
    mappings["properties"] = {k: v for k, v in mappings["properties"].items()
                              if not any(k.startswith(f"{base}_") for base in ("title", "body", "combined"))
                              or k == "title_derived"}
    old = f"{config.index}-v3-old"
    analysis = m.analysis_settings()
    analysis["analyzer"] = {k: v for k, v in analysis["analyzer"].items() if k in (m.ANALYZER, m.WORDS_ANALYZER)}
    try:
        client.indices.create(index=old, body={"settings": {"index": {
            "analysis": analysis, "number_of_shards": 1, "number_of_replicas": 0}},
            "mappings": mappings, "aliases": {config.index: {}}})
        client.index(index=old, body={"id": "x", "title": "Wahl", "body": "Die Wahl.", "language": "de"},
                     params={"refresh": "true"})
        backend = OpenSearchSearch(config)
        with pytest.raises(IncompatibleIndexError, match=f"layout version 3 and this newsearch uses {m.TEMPLATE_VERSION}.*re-index"):
            backend.run(SearchRequest.build("Wahl"))
        backend.close()
    finally:
        client.indices.delete(index=f"{config.index}-*", ignore_unavailable=True, expand_wildcards="all")
        client.close()


# ---- snippet widths ---------------------------------------------------------------------------------

def test_fragments_of_wide_languages_ask_for_half_the_characters() -> None:
    from search import snippets as rules
    from search.backends.opensearch.snippets import page_request

    fields = page_request({"body": {"match_all": {}}, "body_zh": {"match_all": {}}, "body_ja": {"match_all": {}},
                           "body_de": {"match_all": {}}})["highlight"]["fields"]
    assert {name: field["fragment_size"] for name, field in fields.items()} == {
        "body": rules.FRAGMENT_CHARS, "body_de": rules.FRAGMENT_CHARS,
        "body_zh": rules.FRAGMENT_CHARS // 2, "body_ja": rules.FRAGMENT_CHARS // 2}
    # English alone: the request it always was.
    english = page_request({"match": {"body": "oil"}})["highlight"]["fields"]["body"]
    assert english["fragment_size"] == rules.FRAGMENT_CHARS and english["number_of_fragments"] == rules.MAX_FRAGMENTS


def test_a_chinese_snippet_is_as_wide_as_an_english_one(maker: IndexMaker) -> None:
    from search import snippets as rules

    engine = maker.build_records("wide", [
        {"url": "http://t/zh-ditie", "language": "zh", "date": "2024-03-07", "title": "北京扩建地铁", "body": CHINESE_LONG}])
    hit = engine.search("驾驶").hits[0]
    shown = hit.snippet.replace("<mark>", "").replace("</mark>", "").replace("…", "")
    assert "<mark>驾驶</mark>" in hit.snippet and len(shown) < len(CHINESE_LONG)
    # About FRAGMENT_CHARS columns (the highlighter keeps whole sentences: up to ~1.5 x), not twice that.
    assert rules.width(shown) <= 1.5 * rules.FRAGMENT_CHARS
