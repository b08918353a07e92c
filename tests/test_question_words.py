"""A long query leaves out its question words (search.stopwords, applied by querylang.parse), on
both backends alike: "what are the effects of X on Y" is searched as "effects X Y"."""
from __future__ import annotations

import pytest

from search import Engine, analysis, stopwords
from search.querylang import And, AndMaybe, Not, Or, Phrase, Word, parse
from tests.conftest import whoosh_engine_over


@pytest.mark.parametrize("text, expected", [
    # "are", "the", "of", "on" stay: the analysers drop them themselves (keeping phrase gaps).
    ("what are the effects of weather on crops", And(tuple(Word(w) for w in ("are", "the", "effects", "of", "weather", "on", "crops")))),
    # Short queries are kept as typed: four plain words or fewer.
    ("what about the crops", And((Word("what"), Word("about"), Word("the"), Word("crops")))),
    # Quoted phrases, fielded, excluded words stay; only plain positive words go.
    ('"what about" title:which oil gas coal from prices -where',
     And((Phrase(("what", "about")), Word("which", "title"), Word("oil"), Word("gas"), Word("coal"), Word("from"), Word("prices"),
          Not(Word("where"))))),
    # A query of nothing but stop words is kept (it would otherwise search for nothing).
    ("who what which where when", And(tuple(Word(w) for w in ("who", "what", "which", "where", "when")))),
    # Snowball's list keeps "us" (the U.S.), "may", "will", "can".
    ("will us trade talks may resume", And(tuple(Word(w) for w in ("will", "us", "trade", "talks", "may", "resume")))),
    ("Which Way Did The Markets Go", And((Word("Way"), Word("The"), Word("Markets"), Word("Go")))),
])
def test_long_queries_leave_out_question_words(text: str, expected) -> None:
    assert parse(text) == expected


def test_any_word_and_required_words() -> None:
    assert parse("what are the effects of weather on crops", any_word=True) == Or(
        tuple(Word(w) for w in ("are", "the", "effects", "of", "weather", "on", "crops")))
    # `+what` was asked for with a `+`: it stays required.
    assert parse("+what effects of the weather on crops", any_word=True) == AndMaybe(
        Word("what"), Or(tuple(Word(w) for w in ("effects", "of", "the", "weather", "on", "crops"))))


@pytest.mark.parametrize("text, language, asked", [
    # Spanish: "once" is eleven, not an English question word.
    ("los once mineros atrapados en la mina de carbón", "es", ""),
    # German: "Most" is cider ("wo" is in German's stop list: its analysers drop it).
    ("wo wird in Österreich der beste Most gepresst", "de", ""),
    ("warum wird in Österreich der beste Most gepresst", "de", "warum"),
    ("quels sont les effets de la réforme des retraites sur les femmes", "fr", "quels"),
    ("pourquoi et comment les agriculteurs bloquent les autoroutes", "fr", "pourquoi comment"),
    ("¿Cuándo y dónde votan los venezolanos en Estados Unidos?", "es", "cuándo dónde"),
    ("как центральный банк России повысил ставку в пятницу", "ru", ""),
    ("почему центральный банк России повысил ставку в пятницу", "ru", "почему"),
])
def test_a_long_query_in_another_language_leaves_out_its_own_question_words(
        text: str, language: str, asked: str, monkeypatch) -> None:
    """A long query's question words are its own language's (told by its function words): the
    question words its stop list does not drop already (search.stopwords.INTERROGATIVES) go,
    every other word stays as typed, English's question words included."""
    assert analysis.query_language(text.lower().split(), ["de", "fr", "es", "ru", "en"]) == language
    monkeypatch.setattr(stopwords, "APPLY_TO_LONG_QUERIES", False)
    as_typed = parse(text)
    monkeypatch.setattr(stopwords, "APPLY_TO_LONG_QUERIES", True)
    kept = tuple(word for word in as_typed.children if word.text.lower().strip("¿?") not in asked.split())
    assert len(kept) == len(as_typed.children) - len(asked.split())
    assert parse(text) == parse(text, languages=[language, "en"]) == (And(kept) if asked else as_typed)
    english_rule = parse(text, languages=["en"])
    assert english_rule == as_typed or len(english_rule.children) < len(as_typed.children)
    if " once " in text or " Most " in text:  # read as English, it would lose "once" / "Most"
        assert english_rule != as_typed


@pytest.mark.parametrize("text", ["what are the effects of weather on crops", "Which Way Did The Markets Go",
                                  "will us trade talks may resume", "who what which where when"])
def test_an_english_question_beside_other_languages_is_read_as_before(text: str) -> None:
    """Searched with other languages (or all of them), an English question leaves out English's
    question words exactly as on an English index."""
    assert analysis.query_language(text.lower().split()) == "en"
    assert parse(text) == parse(text, languages=["en"]) == parse(text, languages=["de", "fr", "en", "es"])


def test_the_searched_languages_decide() -> None:
    """Searched in French alone, an English-looking question is a French query: French rules
    (no question words of its own) keep it whole; a stop-word-only query stays whole too."""
    text = "what are the effects of weather on crops"
    assert parse(text, languages=["fr"]) == And(tuple(Word(w) for w in text.split()))
    assert analysis.query_language(["die", "der", "und", "oil", "gas"], ["de", "en"]) == "de"
    assert analysis.query_language(["the", "oil", "die", "of", "gas"], ["de", "en"]) == "en"
    assert analysis.query_language(["oil", "die", "gas", "coal", "prices"], ["en", "de"]) == "de"  # no English
    # words to leave out: German rules, which leave out nothing but what the analysers drop


def test_setting_off_keeps_the_query_as_typed(monkeypatch) -> None:
    monkeypatch.setattr(stopwords, "APPLY_TO_LONG_QUERIES", False)
    assert parse("what are the effects of weather on crops") == And(tuple(
        Word(w) for w in ("what", "are", "the", "effects", "of", "weather", "on", "crops")))


ARTICLES = [
    {"url": "http://t/answer", "title": "Drought report", "body": "The drought cut the wheat harvest in Kansas by a third."},
    {"url": "http://t/other", "title": "Drought", "body": "Which farmers were hurt, and what did they do about it?"},
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    return whoosh_engine_over(ARTICLES, tmp_path_factory, "questions")


def test_a_question_finds_the_article_about_its_topic_first(engine: Engine, monkeypatch) -> None:
    """With the question words kept, the article that repeats them ("which", "what", "about")
    wins; left out, the one about the drought and the harvest does."""
    assert _first_hits(engine, "which drought did what about the wheat harvest", monkeypatch) == (
        "http://t/other", "http://t/answer")


def _first_hits(engine: Engine, question: str, monkeypatch) -> tuple[str, str]:
    """The first hit for `question` with its question words kept, and with them left out."""
    monkeypatch.setattr(stopwords, "APPLY_TO_LONG_QUERIES", False)
    kept = engine.search(question).hits[0].id
    monkeypatch.setattr(stopwords, "APPLY_TO_LONG_QUERIES", True)
    return kept, engine.search(question).hits[0].id


FRENCH = [
    {"url": "http://t/reponse", "language": "fr", "title": "Les agriculteurs bloquent les autoroutes",
     "body": "Des centaines d'agriculteurs bloquent les autoroutes autour de Lyon contre la baisse du prix "
             "du lait ; les agriculteurs promettent de bloquer les autoroutes toute la semaine."},
    {"url": "http://t/autre", "language": "fr", "title": "Courrier des lecteurs",
     "body": "Pourquoi les agriculteurs bloquent-ils les autoroutes, et comment rentrer chez soi ? Nos "
             "lecteurs demandent pourquoi, et comment."},
]


def test_a_french_question_finds_the_article_about_its_topic_first(tmp_path_factory, monkeypatch) -> None:
    """As the English question above: "pourquoi" and "comment" (French question words its stop
    list does not drop) left out, the article about the blockade wins over the one that asks."""
    engine = whoosh_engine_over(FRENCH, tmp_path_factory, "questions-fr")
    assert _first_hits(engine, "pourquoi et comment les agriculteurs bloquent les autoroutes", monkeypatch) == (
        "http://t/autre", "http://t/reponse")
