"""Languages, the contract both backends keep (issue 21): runs on Whoosh and on OpenSearch.

The index is the shipped multilingual sample, tests/data/languages/news/ (real news paragraphs in
eleven languages, each item's source and licence in SOURCE.md): 41 articles, some declaring their
language as a page would (`language`, one of them wrongly: "en" on a German text), most not, and
three items of bad input (two languages in one article, a five-character text, a line of numbers).
Each record's `expected_language` is what detection must find (the reader ignores the field);
queries.json holds the retrieval cases shared with bench/languages.py: a query in a form the
articles do not use, and the articles its language's analysis must find.

Each case fails without the feature it checks: with every article analysed as English, German,
Russian, Spanish and French inflections are not joined, a Chinese pair finds nothing (a run of
Chinese is one "word"), German stop words top a German set's top words, and the French query's
suggestion is the English word.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from search.analysis import rules
from search.results import SearchError

SAMPLE_DIR = Path(__file__).resolve().parent / "data" / "languages" / "news"
SAMPLE = SAMPLE_DIR / "articles.jsonl"
RECORDS = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
EXPECTED = {r["url"]: r["expected_language"] for r in RECORDS}
QUERIES = json.loads((SAMPLE_DIR / "queries.json").read_text(encoding="utf-8"))
MIXED = "urn:newsearch-test:mixed-de-zh"
MIXED_MAY_BE = {"de", "zh", "und"}  # a German paragraph and two Chinese ones: either, or undetermined
ALL = 100  # page size that holds the whole sample


def url_of(title_start: str) -> str:
    """The url of the sample's record whose title or body starts with `title_start`."""
    return next(r["url"] for r in RECORDS if (r.get("title") or r["body"]).startswith(title_start))


WIKITRIBUNE = url_of("Le fondateur de Wikipédia")
WIKINOTICIAS = url_of("Wikinotícias em português")
WIKINOTIZIE = url_of("Wikinotizie: Sala stampa")
BUNDESLIGA = url_of("In der diesjährigen Fußballsaison")
MONUSCO = url_of("Attaque à l’encontre de la MONUSCO")
FIVE_CHARACTERS = "urn:newsearch-test:five-characters"
NUMBERS_ONLY = "urn:newsearch-test:numbers-only"


@pytest.fixture(scope="module")
def engine(backend_indexes):
    """The whole sample, indexed by the product's index run (entities off) from the shipped file."""
    return backend_indexes.build("languages-sample", [SAMPLE])


@pytest.fixture(scope="module")
def english_engine(backend_indexes):
    """The sample's English articles alone, as an English archive would hold them."""
    english = [{k: v for k, v in r.items() if k != "expected_language"} for r in RECORDS
               if r["expected_language"] == "en"]
    return backend_indexes.build_records("languages-english", english)


@pytest.fixture(scope="module")
def languages(engine) -> dict[str, str]:
    """Each article's stored language, read back through the API."""
    return {record.id: record.language for record in engine.articles(list(EXPECTED))}


def ids(results) -> list[str]:
    return [hit.id for hit in results.hits]


def found(engine, query: str, **parameters) -> list[str]:
    return ids(engine.search(query, page_size=ALL, **parameters))


# ---- detection: stored per article, counted, filtered ---------------------------------------

def test_every_article_gets_its_language(languages) -> None:
    """Detected at indexing, declarations as hints: ISO 639-1 codes, a wrong "en" on a long German
    text overruled, "pt-BR"/"de-DE"/"zh-CN" declarations stored as "pt"/"de"/"zh", "und" for a
    five-character text and for a text without letters."""
    assert set(languages) == set(EXPECTED)
    wrong = {url: (languages[url], expected) for url, expected in EXPECTED.items()
             if url != MIXED and languages[url] != expected}
    assert not wrong, f"(stored, expected) per article: {wrong}"
    assert languages[MIXED] in MIXED_MAY_BE


def test_language_facet_counts_every_article(engine, languages) -> None:
    counts = {value.value: value.count for value in engine.search("", page_size=1, facet_top=50).facets.language}
    assert counts == dict(Counter(languages.values()))
    assert counts["de"] >= 6 and counts["en"] == 5 and counts["und"] >= 2
    stats = engine.stats().get("languages")
    assert stats is not None, "stats() lists the archive's languages"
    assert dict(stats) == counts


def test_language_in_the_query_and_as_a_filter(engine, languages) -> None:
    german = sorted(url for url, code in languages.items() if code == "de")
    assert sorted(found(engine, "language:de")) == german
    assert sorted(found(engine, "", language="de")) == german
    assert sorted(found(engine, "", language="German")) == german
    assert {hit.language for hit in engine.search("language:de", page_size=ALL).hits} == {"de"}
    # A word of a German article, with a filter that excludes German: nothing.
    assert found(engine, "Fußballvereine", language="fr") == []
    assert found(engine, "language:de Fußballverein") == [BUNDESLIGA]
    undetermined = sorted(url for url, code in languages.items() if code == "und")
    assert {FIVE_CHARACTERS, NUMBERS_ONLY} <= set(undetermined)
    assert sorted(found(engine, "language:und")) == undetermined


# ---- analysis per language --------------------------------------------------------------------

INFLECTED = [q for q in QUERIES if q["language"] in ("de", "ru", "es", "fr")]


@pytest.mark.parametrize("case", INFLECTED, ids=[f"{q['language']}-{q['query']}" for q in INFLECTED])
def test_a_query_finds_its_inflected_forms(engine, case) -> None:
    """The query's form is not in the articles (queries.json says which forms are): the
    language's stemmer joins them."""
    hits = found(engine, case["query"])
    missing = [url for url in case["finds"] if url not in hits]
    assert not missing, f"{case['query']!r} (text has {case['forms_in_text']}) missed {missing}; found {hits}"
    assert set(case["finds"]) <= set(found(engine, case["query"], language=case["language"]))


CJK_CASES = [q for q in QUERIES if q["language"] in ("zh", "ja")]


@pytest.mark.parametrize("case", CJK_CASES, ids=[f"{q['language']}-{q['query']}" for q in CJK_CASES])
def test_a_two_character_chinese_or_japanese_query_finds_its_articles(engine, case) -> None:
    """Chinese and Japanese are written without spaces: the text is cut into character pairs, so
    a two-character word is found inside a sentence, and only where it occurs."""
    assert sorted(found(engine, case["query"])) == sorted(case["finds"])


def test_accents_fold_and_the_exact_form_ranks_first(engine) -> None:
    """"Wikipédia" (French and Portuguese articles) = "Wikipedia" (the Italian one); typed with
    its accent, the articles that spell it so come first."""
    plain = found(engine, "Wikipedia")
    assert {WIKITRIBUNE, WIKINOTICIAS, WIKINOTIZIE} <= set(plain)
    accented = found(engine, "Wikipédia")
    assert {WIKITRIBUNE, WIKINOTICIAS, WIKINOTIZIE} <= set(accented)
    assert accented.index(WIKINOTIZIE) > max(accented.index(WIKITRIBUNE), accented.index(WIKINOTICIAS))
    # Typed without the accents the text has: still found.
    assert BUNDESLIGA in found(engine, "Fussballvereine")
    assert set(found(engine, "departement", language="fr")) >= {
        url_of("Point de presse du département d’État du 8"), url_of("Point de presse du département d’État du 2")}


ENGLISH_QUERIES = ["embassies", "Switzerland democracy", "coronavirus Italy", "pasta wheat protein",
                   "president", "Liechtenstein partners", "the president of the united states"]


@pytest.mark.parametrize("query", ENGLISH_QUERIES)
def test_other_languages_do_no_harm_to_english_results(engine, english_engine, languages, query) -> None:
    """An English query on the mixed archive finds the same English articles, in the same order,
    as on an archive of the English articles alone (words of other languages may add their own
    articles: "president" is also the stem of Spanish "presidente")."""
    alone = found(english_engine, query)
    assert alone, f"{query!r} finds nothing: not a test"
    mixed = found(engine, query)
    assert [url for url in mixed if languages[url] == "en"] == alone
    assert found(engine, query, language="en") == alone


def test_snippets_mark_the_words_their_language_matched(engine) -> None:
    """A German hit marks the inflected form it was found by; a Chinese hit marks the pair."""
    hit = next(h for h in engine.search("Fußballverein", page_size=ALL).hits if h.id == BUNDESLIGA)
    assert "<mark>Fußballvereine</mark>" in hit.snippet
    russian = engine.search("Украина", language="ru", page_size=ALL).hits
    assert russian and all("<mark>Украин" in h.snippet for h in russian)
    chinese = [h for h in engine.search("记者", page_size=ALL).hits if h.language == "zh"]
    assert chinese and all("<mark>记者</mark>" in h.snippet for h in chinese)


# ---- words in the article's language ----------------------------------------------------------

def test_top_words_of_a_german_set_hold_no_german_stop_words(engine) -> None:
    words = [w.word for w in engine.top_words("", top=20, language="de")["words"]]
    assert words, "the German articles have top words"
    stop = rules("de").stop_words
    assert not [w for w in words if w.casefold() in stop], words


def test_did_you_mean_offers_no_english_word_for_a_french_query(engine) -> None:
    """"gouvernment" is one letter from the French "gouvernement" (the MONUSCO statement) and from
    the English "government" (the Bern embassy's message): a French query is offered the French."""
    results = engine.search("gouvernment", language="fr")
    assert results.suggestion == "gouvernement"
    assert found(engine, "gouvernement", language="fr") == [MONUSCO]


# ---- bad input ---------------------------------------------------------------------------------

def test_bad_input_is_indexed_and_found_never_a_crash(engine, languages) -> None:
    """Two languages in one article: stored under one of them (or und) and found by words of
    both; a five-character text and a line of numbers: und, still searchable."""
    assert languages[MIXED] in MIXED_MAY_BE
    assert MIXED in found(engine, "Nordkorea")
    assert MIXED in found(engine, "记者")
    assert languages[FIVE_CHARACTERS] == "und"
    assert FIVE_CHARACTERS in found(engine, "Kabul")
    assert languages[NUMBERS_ONLY] == "und"
    assert NUMBERS_ONLY in found(engine, "25.432,10") or NUMBERS_ONLY in found(engine, "language:und")
    # Queries of every kind answer in every language filter: results, or a message for a person
    # (SearchError: a value that names no language is refused), never another exception.
    for query in ("", "的", "а", "ا", "Zürich", "\u200f", "Kabul language:xx-YY", "language:und 12.345,67"):
        for language in (None, "und", "ja", "ar"):
            try:
                engine.search(query, **({"language": language} if language else {}))
            except SearchError:
                pass
