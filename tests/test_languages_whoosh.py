"""The Whoosh backend in every language (issue 21): each article analysed, indexed and searched in
its own language, on short news paragraphs written for these tests (German, French, Spanish,
Russian, Arabic, Chinese, Japanese, English).

What a reader of a multilingual archive expects: inflected forms found (Häuser -> Haus), a
two-character Chinese or Japanese word finds its article, Zürich = Zurich with the exact spelling
first, English results untouched by the other languages, the language filter and facet, snippets
marked in the hit's language, did-you-mean from the searched language's words, and no crash on
mixed, tiny or undetermined texts.
"""
from __future__ import annotations

import json
import pickle

import pytest
from whoosh import query as wq

from search import analysis as rules
from search.backends.whoosh.analysis import SEPARATOR, LanguageText, NewsAnalyzer, NewsText
from search.backends.whoosh.schema import SCHEMA_VERSION, build_schema, fields_to_document
from search.backends.whoosh.translate import to_whoosh
from search import querylang as ql
from search.results import IncompatibleIndexError

from .conftest import whoosh_engine_over
from .language_texts import CHINESE_LONG

ENGLISH = [
    {"url": "en:housing", "language": "en", "title": "Government announces housing measures",
     "body": "The government announced new housing measures on Tuesday. Several houses in the city "
             "centre were sold last year, officials said, and rents rose again."},
    {"url": "en:floods", "language": "en", "title": "Floods hit northern England",
     "body": "Three people die as floods hit northern England. Rescue teams worked through the night "
             "to reach villages cut off by the water."},
    {"url": "en:zurich", "language": "en", "title": "Zurich Insurance profits rise",
     "body": "Zurich Insurance reported higher quarterly profits on Thursday, helped by strong demand "
             "in Asia and lower claims from storms."},
    {"url": "en:stocks", "language": "en", "title": "Asian stocks rise",
     "body": "Stock markets in Asia rose on Wednesday as investors welcomed signs of economic "
             "recovery. The government bond market was calm."},
]
OTHERS = [
    {"url": "de:mieten", "language": "de", "title": "Mieten in Berlin steigen weiter",
     "body": "Die Mieten in Berlin steigen weiter. Viele Häuser in der Innenstadt wurden im "
             "vergangenen Jahr verkauft, und die Regierungen der Länder streiten über eine Mietpreisbremse."},
    {"url": "de:zuerich", "language": "de", "title": "Nationalbank lässt Leitzins unverändert",
     "body": "Die Schweizer Nationalbank hat am Donnerstag in Zürich den Leitzins unverändert "
             "gelassen. Die Entscheidung war von Ökonomen erwartet worden."},
    {"url": "de:zurich", "language": "de", "title": "Unfall auf der Autobahn",
     "body": "Die Polizei in Zurich meldete am Montag einen Verkehrsunfall auf der Autobahn. Zwei "
             "Menschen wurden leicht verletzt, die Strecke war stundenlang gesperrt."},
    {"url": "de:museum", "language": "de", "title": "Haus der Geschichte wird erweitert",
     "body": "Die Bundesregierung will das Haus der Geschichte in Bonn erweitern. Der Bau soll im "
             "kommenden Jahr beginnen, teilte die Regierung mit."},
    {"url": "fr:budget", "language": "fr", "title": "Le gouvernement présente son budget",
     "body": "Le gouvernement français a présenté mercredi son projet de budget pour l'année "
             "prochaine. Les élections régionales auront lieu en mars, a rappelé le gouvernement."},
    {"url": "fr:elections", "language": "fr", "title": "Élections municipales sous tension",
     "body": "Les élections municipales se sont déroulées dimanche dans un climat tendu. Le "
             "gouvernement appelle au calme et promet une enquête."},
    {"url": "es:vivienda", "language": "es", "title": "Nueva ley de vivienda",
     "body": "El Gobierno de España aprobó el martes una nueva ley de vivienda. Las viviendas vacías "
             "pagarán más impuestos a partir del próximo año."},
    {"url": "es:lluvias", "language": "es", "title": "Inundaciones en Valencia",
     "body": "Las lluvias torrenciales causaron inundaciones en Valencia. Los bomberos rescataron a "
             "varios vecinos atrapados en sus casas."},
    {"url": "ru:economy", "language": "ru", "title": "Правительство объявило о мерах поддержки",
     "body": "Правительство России объявило о новых мерах поддержки экономики. Министр финансов "
             "заявил, что выборы пройдут в сентябре."},
    {"url": "ru:moscow", "language": "ru", "title": "Выборы мэра в Москве",
     "body": "В Москве прошли выборы мэра. Жители города голосовали на избирательных участках весь день."},
    {"url": "ar:economy", "language": "ar", "title": "الحكومة تعلن خطة لدعم الاقتصاد",
     "body": "أعلنت الحكومة المصرية اليوم عن خطة جديدة لدعم الاقتصاد. وقال وزير المالية إن "
             "الانتخابات ستجرى في الربيع المقبل."},
    {"url": "zh:metro", "language": "zh", "title": "北京将扩建地铁网络",
     "body": "北京市政府周二宣布，将在明年扩建城市地铁网络。新线路预计将连接机场和市中心。"},
    {"url": "zh:stocks", "language": "zh", "title": "上海股市收涨",
     "body": "上海股市周三收盘上涨，科技股领涨。分析人士认为，投资者对经济前景的信心有所恢复。"},
    {"url": "ja:disaster", "language": "ja", "title": "東京都が防災計画を発表",
     "body": "東京都は月曜日、新しい防災計画を発表した。大地震に備えて、避難所の数を増やす方針だ。"},
    {"url": "ja:osaka", "language": "ja", "title": "大阪で国際会議",
     "body": "大阪で開かれた国際会議には、三十か国以上の代表が参加した。気候変動への対策が主な議題となった。"},
]
# Bad input: a mixed-language article, a very short one, one with an empty body, an undetermined one.
ODD = [
    {"url": "odd:mixed", "language": "de", "title": "Merkel in Washington",
     "body": "Angela Merkel sagte: Wir schaffen das. The chancellor then spoke to reporters in English "
             "about trade, 北京 and Zürich."},
    {"url": "odd:short", "language": "fr", "title": "Oui", "body": "Non."},
    {"url": "odd:empty", "language": "ja", "title": "速報", "body": ""},
    {"url": "odd:und", "language": "und", "title": "x", "body": "42 ½ — !!"},
]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    engine = whoosh_engine_over(ENGLISH + OTHERS + ODD, tmp_path_factory, "languages-mixed")
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def english_only(tmp_path_factory):
    engine = whoosh_engine_over(ENGLISH, tmp_path_factory, "languages-english")
    yield engine
    engine.close()


def ids(results) -> list[str]:
    return [hit.id.split(":", 1)[1] if hit.id.count(":") > 1 else hit.id for hit in results.hits]


def urls(engine, query: str, **parameters) -> list[str]:
    results = engine.search(query, page_size=50, **parameters)
    return [engine.article(hit.id)[0].url for hit in results.hits]


# ---- the analyser -------------------------------------------------------------------------------

def test_each_language_stems_in_its_own_spelling_then_folds() -> None:
    analyzer = NewsAnalyzer()
    de = f"de{SEPARATOR}"
    assert [t.text for t in analyzer("Die Häuser der Regierungen", language="de")] == [de + "haus", de + "regier"]
    assert [t.text for t in analyzer("das Haus, die Regierung", language="de")] == [de + "haus", de + "regier"]
    ru = [t.text for t in analyzer("выборы выборах правительства правительство", language="ru")]
    assert ru[0] == ru[1] and ru[2] == ru[3] and ru[0].startswith(f"ru{SEPARATOR}")
    es = [t.text for t in analyzer("vivienda viviendas", language="es")]
    assert es[0] == es[1]
    # German stop words are German's: "die" and "der" are dropped in German, kept in English.
    assert [t.text for t in analyzer("die der", language="de")] == []
    assert [t.text for t in analyzer("die der")] == ["die", "der"]
    # Undetermined is English, as every index had it.
    assert [t.text for t in analyzer("Summits", language="und")] == [t.text for t in analyzer("Summits")] == ["summit"]


def test_chinese_and_japanese_are_cut_into_pairs_with_positions() -> None:
    analyzer = NewsAnalyzer()
    zh = analyzer.positions("北京市政府", "zh")
    assert zh == {f"zh{SEPARATOR}北京": [0], f"zh{SEPARATOR}京市": [1], f"zh{SEPARATOR}市政": [2],
                  f"zh{SEPARATOR}政府": [3]}
    ja = [(t.text, t.startchar, t.endchar) for t in analyzer("東京都", language="ja", chars=True)]
    assert ja == [(f"ja{SEPARATOR}東京", 0, 2), (f"ja{SEPARATOR}京都", 1, 3)]


def test_exact_form_at_the_same_position_and_not_counted_in_the_length() -> None:
    analyzer = NewsAnalyzer()
    tokens = [(t.text, t.pos) for t in analyzer("Zürich meldet", language="de", positions=True, mode="index")]
    de = f"de{SEPARATOR}"
    # German's stemmer folds umlauts itself: the exact form is the word as written.
    assert tokens == [(de + "zurich", 0), (de + "zürich", 0), (de + "meld", 1)]
    fr = [(t.text, t.pos) for t in analyzer("Des élections", language="fr", positions=True, mode="index")]
    assert fr == [(f"fr{SEPARATOR}elect", 1), (f"fr{SEPARATOR}élect", 1)]  # French keeps its accents: the stem
    # Queries ask for the exact forms themselves (query mode gives one token a word).
    assert [t.text for t in analyzer("Zürich", language="de", mode="query")] == [de + "zurich"]
    field = NewsText(analyzer=analyzer)
    postings = {word.decode(): (freq, weight) for word, freq, weight, _ in
                field.index(LanguageText("Zürich meldet Zürich", "de"))}
    assert postings == {de + "zurich": (2, 2.0), de + "meld": (1, 1.0), de + "zürich": (0, 2.0)}
    # The field's length (Whoosh sums the frequencies) counts three words, as for "Zurich meldet Zurich".
    assert sum(freq for freq, _ in postings.values()) == 3
    # English keeps its old analysis, with the exact form on top.
    assert [t.text for t in analyzer("Zürich", mode="index")] == ["zurich", "zürich"]


def test_the_schema_keeps_every_language_s_rules_and_the_text_its_language() -> None:
    analyzer = build_schema()["body"].analyzer
    copy = pickle.loads(pickle.dumps(analyzer))
    assert copy == analyzer and copy.languages["de"][0] == "german"
    assert "und" in copy.languages["de"][1].split()
    text = pickle.loads(pickle.dumps(LanguageText("Häuser", "de")))
    assert type(text) is LanguageText and text.language == "de" and text == "Häuser"
    doc = fields_to_document({"title": "Häuser", "body": "Die Häuser", "language": "de"})
    assert doc["body"].language == "de" and type(doc["_stored_body"]) is str
    english = fields_to_document({"title": "Houses", "body": "The houses", "language": "en"})
    assert type(english["body"]) is str and "_stored_body" not in english


def test_an_english_only_index_gets_the_query_it_always_got() -> None:
    schema = build_schema()
    q = to_whoosh(ql.parse("housing measures"), schema, lambda field, value: [value], languages=["en"],
                  present={"en": 4})
    assert q == wq.And([wq.Or([wq.Term("title", "hous"), wq.Term("body", "hous")]),
                        wq.Or([wq.Term("title", "measur"), wq.Term("body", "measur")])])


# ---- searching ----------------------------------------------------------------------------------

def test_inflected_forms_are_found_in_their_language(mixed) -> None:
    assert "de:mieten" in urls(mixed, "Haus") and "de:museum" in urls(mixed, "Haus")
    assert "de:mieten" in urls(mixed, "Regierung")
    assert "ru:economy" in urls(mixed, "правительство")      # "Правительство", "правительства"
    assert set(urls(mixed, "выборов")) >= {"ru:economy", "ru:moscow"}
    assert "es:vivienda" in urls(mixed, "viviendas")
    assert set(urls(mixed, "élection")) == {"fr:budget", "fr:elections"}
    assert "ar:economy" in urls(mixed, "الحكومة")


def test_two_character_chinese_and_japanese_queries_find_their_articles(mixed) -> None:
    assert urls(mixed, "地铁") == ["zh:metro"]
    assert urls(mixed, "股市") == ["zh:stocks"]
    assert urls(mixed, "大阪") == ["ja:osaka"]
    assert "ja:disaster" in urls(mixed, "東京")
    assert urls(mixed, "防災計画") == ["ja:disaster"]  # a longer word: its pairs, all required


def test_accents_fold_and_the_exact_spelling_ranks_first(mixed) -> None:
    found = urls(mixed, "Zürich", language="de")
    assert found[0] in {"de:zuerich", "odd:mixed"} and "de:zurich" in found
    assert found.index("de:zuerich") < found.index("de:zurich")
    assert set(urls(mixed, "Zurich", language="de")) == set(found)
    assert "en:zurich" in urls(mixed, "Zürich")                # English folds as it always did


def test_no_cross_language_harm(mixed, english_only) -> None:
    for query in ["government", "housing measures", "stocks rise Asia", "floods", "die"]:
        on_mixed = [u for u in urls(mixed, query) if u.startswith("en:")]
        assert on_mixed == urls(english_only, query), query
    # "die", an English word and a German stop word: only the English article has it.
    assert urls(mixed, "die") == ["en:floods"]
    # German words the German analysis drops do not keep German articles out of an And.
    assert "de:museum" in urls(mixed, "das Haus der Geschichte")
    # Words German drops alone do not match every German article (the English one has "die").
    assert urls(mixed, "die der das") == ["en:floods"]


def test_language_filter_and_facet(mixed) -> None:
    german = urls(mixed, "", language="de", sort="newest")
    assert set(german) == {"de:mieten", "de:zuerich", "de:zurich", "de:museum", "odd:mixed"}
    assert set(urls(mixed, "language:de")) == set(german)
    # The query language reads names as the URL and CLI filter do (search.languages.language_code).
    for value in ("German", "DE", "de-AT", "german"):
        assert set(urls(mixed, f"language:{value}")) == set(german), value
    assert set(urls(mixed, "-language:German", sort="newest")) == set(urls(mixed, "", sort="newest")) - set(german)
    assert set(urls(mixed, "Häuser language:German")) == set(urls(mixed, "Häuser language:de")) != set()
    assert set(urls(mixed, "language:und")) == set(urls(mixed, "", language="und", sort="newest")) != set()
    assert urls(mixed, "language:Klingon") == []
    assert urls(mixed, "Regierung language:fr") == []
    facet = {v.value: v.count for v in mixed.search("", facets=True).facets.language}
    assert facet["en"] == 4 and facet["de"] == 5 and facet["zh"] == 2 and facet["ja"] == 3 and facet["fr"] == 3
    assert sum(facet.values()) == len(ENGLISH + OTHERS + ODD)
    stats = mixed.backend.stats()
    assert stats["languages"] == dict(sorted(stats["languages"].items(), key=lambda item: -item[1]))
    assert stats["languages"]["de"] == 5 and "und" in stats["languages"]


def test_snippets_and_article_page_mark_words_in_the_hit_s_language(mixed) -> None:
    hit = next(h for h in mixed.search("haus").hits if mixed.article(h.id)[0].url == "de:mieten")
    assert "<mark>Häuser</mark>" in hit.snippet
    zh = mixed.search("地铁").hits[0]
    assert "<mark>地铁</mark>" in zh.snippet
    record, html = mixed.article(zh.id, "城市地铁")
    assert "<mark>城市地铁</mark>" in html  # overlapping pairs: one mark
    ru = next(h for h in mixed.search("выборов").hits if mixed.article(h.id)[0].url == "ru:moscow")
    assert "<mark>выборы</mark>" in ru.snippet.lower()


def test_document_frequencies_per_language(mixed) -> None:
    german, total = mixed.backend.document_frequencies(["Häuser", "Regierung", "die"], language="de")
    assert german == {"Häuser": ("haus", 2), "Regierung": ("regier", 2)} and total == len(ENGLISH + OTHERS + ODD)
    english, _ = mixed.backend.document_frequencies(["houses", "government"])
    assert english == {"houses": ("hous", 1), "government": ("govern", 2)}


def test_did_you_mean_from_the_searched_language_only(mixed) -> None:
    french = mixed.search("gouvernment", language="fr")
    assert french.suggestion == "gouvernement"
    english = mixed.search("governmnt", language="en")
    assert english.suggestion == "government"
    assert mixed.search("governmnt", language="fr").suggestion is None


def test_odd_texts_never_crash(mixed) -> None:
    for query in ["Merkel", "schaffen", "Non", "速報", "42", "北京 Zürich", "\u0301", "x", "!!",
                  "language:und", "Zür*", "\"Wir schaffen das\"", "-Zürich", "Häuser OR 東京"]:
        mixed.search(query)
    assert "odd:mixed" in urls(mixed, "schaffen")      # German analysis of its German words
    assert "odd:mixed" in urls(mixed, "北京")           # and Chinese pairs inside a German article
    assert urls(mixed, "速報") == ["odd:empty"]
    assert "odd:und" in urls(mixed, "", language="und")
    assert set(urls(mixed, "\"Wir schaffen das\"")) == {"odd:mixed"}


def test_an_index_of_schema_version_4_is_refused(tmp_path_factory) -> None:
    engine = whoosh_engine_over(ENGLISH[:1], tmp_path_factory, "languages-old")
    folder = engine.index_dir
    engine.close()
    meta = json.loads((folder / "newsearch.json").read_text())
    assert meta["schema_version"] == SCHEMA_VERSION == 5
    meta["schema_version"] = 4
    (folder / "newsearch.json").write_text(json.dumps(meta))
    from search import Engine

    with pytest.raises(IncompatibleIndexError, match="schema version 4, this newsearch needs 5: delete the folder"):
        Engine(folder).search("government")


def test_rules_of_search_analysis_reach_the_analyser() -> None:
    analyzer = NewsAnalyzer()
    for code, language in rules.LANGUAGES.items():
        if code != "en":
            snowball, stops, minsize = analyzer.languages[code]
            assert (snowball, frozenset(stops.split()), minsize) == \
                (language.snowball, language.stop_words, language.min_word)


def test_snippet_words_are_read_in_the_text_s_language() -> None:
    from search.backends.whoosh.snippets import make_snippet

    analyzer = NewsAnalyzer()
    german = make_snippet("Die Häuser in Zürich sind teuer.", frozenset({"de\x1fhaus"}), analyzer.analysis("de"))
    assert german == "Die <mark>Häuser</mark> in Zürich sind teuer."
    # The same word read as English is another term: nothing is marked.
    assert "<mark>" not in make_snippet("Die Häuser sind teuer.", frozenset({"de\x1fhaus"}), analyzer.analysis("en"))
    # Chinese pairs inside an English text are marked as the index has them.
    english = make_snippet("Officials in 北京市 met traders.", frozenset({"北京"}), analyzer.analysis("en"))
    assert english == "Officials in <mark>北京</mark>市 met traders."


def test_a_rewritten_article_keeps_its_language(tmp_path_factory) -> None:
    """`update_fields` (the archive's entity pass) writes the stored article again: its words
    must be indexed in its language again, not as English."""
    from search.backends import open_writer

    engine = whoosh_engine_over([OTHERS[0], ENGLISH[0]], tmp_path_factory, "languages-update")
    folder = engine.index_dir
    german = next(h.id for h in engine.search("", page_size=5).hits if engine.article(h.id)[0].url == "de:mieten")
    engine.close()
    with open_writer("whoosh", index_dir=folder) as writer:
        assert writer.update_fields(german, {"place": ["Berlin"]})
        writer.commit()
    engine = type(engine)(folder)
    try:
        assert [h.id for h in engine.search("Häuser").hits] == [german]
        assert [h.id for h in engine.search("Regierung", place=["Berlin"]).hits] == [german]
        hit = engine.search("haus").hits[0]
        assert "<mark>Häuser</mark>" in hit.snippet and engine.article(german)[0].body == OTHERS[0]["body"]
    finally:
        engine.close()


def test_a_word_said_twice_in_english_counts_once_when_other_languages_are_searched(mixed, monkeypatch) -> None:
    """"houses housing" is "hous" twice in English (matched once; query word frequency is the
    ranking's own feature) but two words in German: the German forms must not make the English
    word count twice."""
    from search import ranking

    for name, value in [("QUERY_TF", False), ("PROXIMITY", 0.0), ("PHRASES", 0.0), ("FEEDBACK", False)]:
        monkeypatch.setattr(ranking, name, value)

    def score(query: str) -> float:
        hit = next(h for h in mixed.search(query).hits if mixed.article(h.id)[0].url == "en:housing")
        assert hit.score is not None
        return hit.score
    assert score("houses housing") == pytest.approx(score("houses"))
    assert score("houses housing government") == pytest.approx(score("houses government"))


def test_related_articles_are_found_through_the_article_s_own_words(mixed) -> None:
    german = next(h.id for h in mixed.search("Geschichte").hits if mixed.article(h.id)[0].url == "de:museum")
    related = [mixed.article(hit.id)[0].url for hit in mixed.related(german)]
    assert related and related[0] == "de:mieten"  # "Haus", "Regierung", "Jahr": German words, read as German


def test_an_english_stop_word_another_language_keeps_leaves_english_articles_found(mixed) -> None:
    """"this" is an English stop word and a plain word in the other languages: English articles
    must still be found by the rest of the query (an empty per-field Or once hid that English
    had dropped the word: "qtr this" found nothing on an index holding one Portuguese article)."""
    assert "en:housing" in urls(mixed, "housing this")
    assert urls(mixed, "this housing") == urls(mixed, "housing this")
    assert "en:housing" in urls(mixed, "housing")




def _shown(snippet: str) -> str:
    return snippet.replace("<mark>", "").replace("</mark>", "").replace("…", "")


def test_snippet_fragments_are_measured_in_columns(monkeypatch) -> None:
    """A Chinese character is two columns wide (search.snippets.width): a fragment of Chinese
    holds about half the characters of an English one, so both are as wide on the page."""
    from search import snippets as shared
    from search.backends.whoosh import snippets

    analyzer = NewsAnalyzer()
    chinese = analyzer.analysis("zh")
    terms = frozenset({chinese("驾驶").term})
    shown = _shown(snippets.make_snippet(CHINESE_LONG, terms, chinese))
    assert "驾驶" in shown and not CHINESE_LONG.startswith(shown) and not CHINESE_LONG.endswith(shown)
    assert 100 <= shared.width(shown) <= 2 * snippets.SURROUND_CHARS + shared.width("驾驶")
    # Measured in characters (as before), the same fragment was about twice as wide.
    columns = shared.width
    monkeypatch.setattr(shared, "width", len)
    assert columns(_shown(snippets.make_snippet(CHINESE_LONG, terms, chinese))) > 3 * snippets.SURROUND_CHARS


def test_english_snippets_are_what_characters_made_them(monkeypatch) -> None:
    """No wide character: columns are characters, so English snippets are what they were."""
    from search import snippets as shared
    from search.backends.whoosh import snippets

    english = NewsAnalyzer().analysis("en")
    body = " ".join(r["body"] for r in ENGLISH) + " Café résumés from Zürich. " + " ".join(r["body"] for r in ENGLISH)
    queries = [["government"], ["floods", "profits"], ["zurich", "investors"], ["resume", "asia"], ["water"]]
    made = [snippets.make_snippet(body, frozenset(english(w).term for w in words), english) for words in queries]
    monkeypatch.setattr(shared, "width", len)
    assert made == [snippets.make_snippet(body, frozenset(english(w).term for w in words), english) for words in queries]
    assert all("…" in snippet and "<mark>" in snippet for snippet in made)
