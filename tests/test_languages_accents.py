"""Accent-less queries in stemmed languages (issue 21), on Whoosh and on OpenSearch.

People type without accents: "sequia" for "sequía", "publicacao" for "publicação". A stemmed
language's word is stemmed in its own spelling, then folded ("sequía" -> "sequ"), and the same
word typed without its accent stems otherwise ("sequia" -> "sequi"); the index keeps that form
too, at the word's position (search.analysis.word_forms, KEEP_UNACCENTED), so the unaccented query
finds the accented article, while the accented query still ranks the accented spelling first.
English folds before stemming and never needs it: its analysis is unchanged.

The paragraphs are short news texts written for these tests.
"""
from __future__ import annotations

import pickle

import pytest

from search import analysis
from search.backends.whoosh.analysis import SEPARATOR, NewsAnalyzer, NewsText, LanguageText, fold, snowball_stemmer

ARTICLES = [
    {"url": "t:es-sequia", "language": "es", "title": "La sequía castiga a Andalucía",
     "body": "La sequía obliga a restringir el riego en Andalucía. Los embalses están al 25 por ciento "
             "de su capacidad y el precio de la energía sube, según la Junta."},
    {"url": "t:es-sequia-plain", "language": "es", "title": "Agricultores piden ayudas",
     "body": "Los agricultores de Murcia piden ayudas por la sequia, escrita sin tilde en este teletipo. "
             "El Gobierno estudiara la peticion la proxima semana."},
    {"url": "t:fr-salaries", "language": "fr", "title": "Les salariés de l'usine en grève",
     "body": "Les salariés de l'usine automobile se sont mis en grève lundi pour réclamer l'égalité "
             "des salaires entre les sites."},
    {"url": "t:pt-publicacao", "language": "pt", "title": "Nova publicação sobre educação",
     "body": "O ministério anunciou a publicação de um relatório sobre a educação pública nas "
             "escolas do interior do país."},
    {"url": "t:de-strassen", "language": "de", "title": "Straßen nach Unwetter gesperrt",
     "body": "Nach dem Unwetter bleiben mehrere Straßen im Süden gesperrt, teilte die Polizei am "
             "Dienstag mit."},
    {"url": "t:cs-nemocnice", "language": "cs", "title": "Řidiči na silnicích u nemocnic",
     "body": "Řidiči musí na silnicích u nemocnic zpomalit. V nemocnicích chybí parkovací místa, "
             "uvedlo ministerstvo."},
    {"url": "t:pl-wybory", "language": "pl", "title": "Wyniki wyborów samorządowych",
     "body": "Państwowa Komisja Wyborcza ogłosiła wyniki wyborów. Kilka protestów trafi do sądów "
             "okręgowych."},
    {"url": "t:en-resume", "language": "en", "title": "Talks resume in Geneva",
     "body": "Peace talks resumed in Geneva on Monday after a café meeting between the two envoys."},
]

# (query typed without accents, the article whose words carry them)
UNACCENTED = [
    ("sequia", "t:es-sequia"), ("Andalucia", "t:es-sequia"), ("energia", "t:es-sequia"),
    ("salaries", "t:fr-salaries"), ("egalite", "t:fr-salaries"),
    ("publicacao", "t:pt-publicacao"), ("educacao", "t:pt-publicacao"),
    ("Strassen", "t:de-strassen"),
    ("nemocnicich", "t:cs-nemocnice"), ("ridici", "t:cs-nemocnice"), ("silnicich", "t:cs-nemocnice"),
    ("wyborow", "t:pl-wybory"), ("sadow", "t:pl-wybory"),
]


# ---- the rule --------------------------------------------------------------------------------------------

def test_the_rule_adds_the_unaccented_stem_where_it_differs() -> None:
    spanish = snowball_stemmer("spanish")
    assert analysis.word_forms("sequía", spanish, fold) == ("sequ", "sequía", "sequi")
    assert analysis.word_forms("sequia", spanish, fold) == ("sequi", None, None)  # what the query gives
    assert analysis.word_forms("sequía", spanish, fold, keep_unaccented=False) == ("sequ", "sequía", None)
    # A word whose unaccented spelling stems alike, or a language without a stemmer: nothing added.
    assert analysis.word_forms("países", spanish, fold)[2] is None
    assert analysis.word_forms("東京", None, fold) == ("東京", None, None)


def test_whoosh_indexes_the_unaccented_form_at_the_word_s_position_uncounted() -> None:
    analyzer = NewsAnalyzer()
    es = "es" + SEPARATOR
    found, others = analyzer.postings("la sequía sigue", "es")
    assert found == {es + "sequ": [1], es + "sig": [2]}  # "la": a stop word
    assert others == {es + "sequía": [1], es + "sequi": [1]}
    assert analyzer.query_forms("sequia", "es") == [(es + "sequi", ())]
    assert analyzer.query_forms("sequía", "es") == [(es + "sequ", (es + "sequía", es + "sequi"))]
    # Field lengths count words: the extra forms' frequency is 0.
    field = NewsText(analyzer=analyzer, phrase=True)
    rows = {word.decode(): frequency for word, frequency, _, _ in field.index(LanguageText("la sequía", "es"))}
    assert rows == {es + "sequ": 1, es + "sequía": 0, es + "sequi": 0}
    # English folds first: the unaccented form never arises, its tokens are what they were.
    assert analyzer.analysis("en")("Résumés").unaccented is None
    assert [t.text for t in analyzer("café résumés", mode="index")] == \
        [t.text for t in NewsAnalyzer(keep_unaccented=False)("café résumés", mode="index")]


def test_an_index_pickled_before_keeps_its_analysis() -> None:
    analyzer = NewsAnalyzer()
    state = analyzer.__getstate__()
    assert state["keep_unaccented"] is analysis.KEEP_UNACCENTED
    del state["keep_unaccented"]
    old = pickle.loads(pickle.dumps(analyzer))
    old.__setstate__(state)
    assert old.analysis("es")("sequía").unaccented is None
    assert pickle.loads(pickle.dumps(analyzer)).analysis("es")("sequía").unaccented == "es" + SEPARATOR + "sequi"


# ---- on both backends --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def engine(backend_indexes):
    return backend_indexes.build_records("accents", ARTICLES)


def ids(results) -> list[str]:
    return [hit.id for hit in results.hits]


@pytest.mark.parametrize("query, found", UNACCENTED, ids=[q for q, _ in UNACCENTED])
def test_a_query_typed_without_accents_finds_the_accented_words(engine, query: str, found: str) -> None:
    assert found in ids(engine.search(query))


def test_the_accented_spelling_still_ranks_first(engine) -> None:
    both = {"t:es-sequia", "t:es-sequia-plain"}
    accented = engine.search("sequía")
    assert set(ids(accented)) == both and ids(accented)[0] == "t:es-sequia"
    assert accented.hits[0].score > accented.hits[1].score
    assert set(ids(engine.search("sequia"))) == both


def test_the_unaccented_query_is_marked_in_the_snippet(engine) -> None:
    hit = next(h for h in engine.search("publicacao").hits if h.id == "t:pt-publicacao")
    assert "<mark>publicação</mark>" in hit.snippet


def test_english_is_as_before(engine) -> None:
    assert ids(engine.search("resume")) == ["t:en-resume"]
    assert ids(engine.search("cafe")) == ["t:en-resume"] == ids(engine.search("café"))
