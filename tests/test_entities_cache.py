"""The NER cache answers only for the text the model reads and the recogniser that read it.

A recording stand-in for the model (no spaCy) shows what the model was given on each run.
"""
from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from index.article import Article
from index.entities import EntityExtractor, extractor, recognizer
from index.entities.cache import NerCache


class _RecordingModel:
    """Labels every run of capitalised words a PERSON and keeps each text it was given."""

    def __init__(self) -> None:
        self.read: list[str] = []

    def pipe(self, texts: Iterable[str], batch_size: int) -> Iterator[SimpleNamespace]:
        for text in texts:
            self.read.append(text)
            names = re.findall(r"[A-Z][a-z]+(?: [A-Z][a-z]+)+", text)
            yield SimpleNamespace(ents=[SimpleNamespace(text=name, label_="PERSON") for name in names])


def _extractor(cache: Path, name: str = "fake_model 1.0") -> tuple[EntityExtractor, _RecordingModel]:
    model = _RecordingModel()
    ex = EntityExtractor(cache_path=cache)
    ex._recogniser = recognizer.Recogniser(model, name, degraded=False)
    return ex, model


def _article() -> Article:
    return Article(title="", body="SEOUL (Reuters) - Kim Jong Un met Moon Jae In at the border.")


def test_a_change_to_what_the_model_reads_is_not_answered_from_the_cache(tmp_path, monkeypatch):
    cache = tmp_path / "ner.sqlite"
    first, model = _extractor(cache)
    first.recognise([_article()])
    assert model.read == ["Seoul (Reuters) - Kim Jong Un met Moon Jae In at the border."]
    first.close()

    # Same article, same model, but the text prepared for the model changes (as if the dateline
    # rule were dropped): the model must read the new text, not be answered with the old spans.
    monkeypatch.setattr(extractor, "_dateline_case", lambda body: body)
    second, model = _extractor(cache)
    spans = second.recognise([_article()])
    assert second.ner_calls == 1 and second.cache_hits == 0
    assert model.read == ["SEOUL (Reuters) - Kim Jong Un met Moon Jae In at the border."]
    assert ("Seoul", "PERSON") not in spans[0] and ("Kim Jong Un", "PERSON") in spans[0]
    second.close()

    third, model = _extractor(cache)  # and that text is cached in its turn
    assert third.recognise([_article()]) == spans and third.ner_calls == 0 and model.read == []
    third.close()


def test_results_of_two_model_versions_are_kept_side_by_side(tmp_path):
    cache = tmp_path / "ner.sqlite"
    for name, calls in (("fake_model 1.0", 1), ("fake_model 2.0", 1), ("fake_model 1.0", 0), ("fake_model 2.0", 0)):
        ex, model = _extractor(cache, name)
        ex.recognise([_article()])
        assert ex.ner_calls == calls, name
        ex.close()


def test_a_degraded_run_takes_a_real_models_cached_result(tmp_path, monkeypatch):
    cache = tmp_path / "ner.sqlite"
    real, _ = _extractor(cache)
    expected = real.recognise([_article()])
    real.close()
    monkeypatch.setattr(recognizer, "_warned_degraded", True)
    degraded = EntityExtractor(cache_path=cache, model_order=("no_such_model_xyz",))
    assert degraded.degraded
    assert degraded.recognise([_article()]) == expected
    assert degraded.ner_calls == 0 and degraded._recogniser is None  # nothing loaded
    degraded.close()


def test_the_key_is_what_the_model_reads_of_a_long_text(monkeypatch):
    short = "Kim Jong Un arrived in Hanoi."
    long = "\n\n".join(f"Paragraph {i} names Kim Jong Un." for i in range(400))
    before = recognizer.text_key(short), recognizer.text_key(long)
    monkeypatch.setattr(recognizer, "MAX_CHUNK", 2_000)  # the long text is now read in other pieces
    assert recognizer.text_key(short) == before[0]
    assert recognizer.text_key(long) != before[1]


def test_editing_the_fallback_patterns_retires_their_cached_results(tmp_path, monkeypatch):
    patterns = tmp_path / "patterns.jsonl"
    patterns.write_text('{"label": "GPE", "pattern": "Hanoi"}\n')
    monkeypatch.setattr(recognizer, "FALLBACK_PATTERNS", patterns)
    recognizer._patterns_digest.cache_clear()
    try:
        first = recognizer.cache_name(recognizer.FALLBACK_NAME)
        patterns.write_text('{"label": "GPE", "pattern": "Hanoi"}\n{"label": "GPE", "pattern": "Seoul"}\n')
        recognizer._patterns_digest.cache_clear()
        second = recognizer.cache_name(recognizer.FALLBACK_NAME)
    finally:
        recognizer._patterns_digest.cache_clear()
    assert first != second and recognizer.is_fallback(first) and recognizer.is_fallback(second)
    assert recognizer.cache_name("fake_model 1.0") == "fake_model 1.0"
    assert not recognizer.is_fallback("fake_model 1.0")


def test_a_cache_of_the_first_format_is_emptied(tmp_path):
    """Its rows were keyed by a hash of title and body, not of what the model read."""
    path = tmp_path / "ner.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE ner (text_hash TEXT PRIMARY KEY, recogniser TEXT NOT NULL, spans TEXT NOT NULL)")
        conn.execute("INSERT INTO ner VALUES ('abc', 'fake_model 1.0', '[]')")
    cache = NerCache(path)
    assert cache.get_many(["abc"]) == {}
    cache.close()
    with sqlite3.connect(path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"spans"}


def test_a_closed_cache_refuses_work_and_keeps_its_file(tmp_path):
    cache = NerCache(tmp_path / "ner.sqlite")
    cache.put_many([("key", "fake_model 1.0", [("Kim Jong Un", "PERSON")])])
    cache.close()
    with pytest.raises(RuntimeError):
        cache.get_many(["key"])
    again = NerCache(tmp_path / "ner.sqlite")
    assert again.get_many(["key"]) == {"key": {"fake_model 1.0": [("Kim Jong Un", "PERSON")]}}
    again.close()
