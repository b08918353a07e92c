"""Language detection (index/language.py): real news paragraphs in 19 languages, hints, bad input."""
from __future__ import annotations

import functools
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index.language import (
    LANGUAGES,
    SAMPLE_CHARS,
    UNDETERMINED,
    _identifier,
    detect_language,
    detect_languages,
    normalise_language,
)

DATA = Path(__file__).resolve().parent / "data" / "languages" / "news.tsv"


def _paragraphs() -> list[tuple[str, str]]:
    lines = DATA.read_text(encoding="utf-8").splitlines()[1:]
    return [(code, text) for code, text in (line.split("\t") for line in lines)]


PARAGRAPHS = _paragraphs()
BY_LANGUAGE: dict[str, list[str]] = {}
for _code, _text in PARAGRAPHS:
    BY_LANGUAGE.setdefault(_code, []).append(_text)
# Bosnian, Croatian and Serbian (Latin script) are standards of one language that the detector
# cannot reliably tell apart; the page's declaration decides between them.
SERBO_CROATIAN = {"bs", "hr", "sr"}


def test_the_sample_covers_the_required_languages() -> None:
    assert {"de", "fr", "es", "ru", "ar", "zh", "ja", "en"} <= set(BY_LANGUAGE)
    assert len(BY_LANGUAGE) >= 8


@pytest.mark.parametrize("code,text", PARAGRAPHS, ids=[f"{c}{i}" for i, (c, _) in enumerate(PARAGRAPHS)])
def test_each_paragraph_is_detected_in_its_language(code: str, text: str) -> None:
    got = detect_language(text)
    if code in SERBO_CROATIAN:
        assert got in SERBO_CROATIAN
    else:
        assert got == code


@pytest.mark.parametrize("code", sorted(BY_LANGUAGE))
def test_an_agreeing_hint_in_any_form_is_kept(code: str) -> None:
    text = BY_LANGUAGE[code][0]
    assert detect_language(text, hint=code) == code
    assert detect_language(text, hint=f"{code.upper()}-XX") == code  # a BCP 47 tag with a region
    assert detect_language(text, hint=f"{code}_XX") == code  # an og:locale


def test_a_template_default_hint_is_overruled_by_a_long_text() -> None:
    """`<html lang="en">` on every page of a site: the German, Arabic, Chinese... text wins."""
    for code, text in PARAGRAPHS:
        if code in SERBO_CROATIAN or code == "en":
            continue
        assert detect_language(text, hint="en") == code, code
    assert detect_language(BY_LANGUAGE["de"][0], hint="fr-FR") == "de"


def test_a_hint_decides_between_close_relatives() -> None:
    """The detector hesitates between Indonesian and Malay, and between Croatian and Bosnian: the
    page's own declaration is kept there, where it knows better."""
    indonesian, croatian = BY_LANGUAGE["id"][0], BY_LANGUAGE["hr"][0]
    assert detect_language(indonesian) == "id"
    assert detect_language(indonesian, hint="ms") == "ms"
    assert detect_language(indonesian, hint="Malay") == "ms"
    assert detect_language(croatian, hint="hr-HR") == "hr"
    assert detect_language(croatian, hint="bs") == "bs"
    assert detect_language(croatian, hint="en") in SERBO_CROATIAN


def test_a_short_text_keeps_its_hint_and_is_undetermined_without_one() -> None:
    assert detect_language("Berlin", hint="de") == "de"
    assert detect_language("Berlin") == UNDETERMINED
    assert detect_language("Bonjour", hint="en") == "en"  # too short to contradict a declaration
    assert detect_language("Wetter") == UNDETERMINED


@pytest.mark.parametrize("hint", ["", "   ", "xx-YY", "zz", "Klingon", "und", "mul", "x-default", "*", 42, 3.5,
                                  ["de"], {"lang": "de"}, b"de", "d" * 200, "en\x00", "e"])
def test_malformed_hints_are_ignored(hint: object) -> None:
    assert normalise_language(hint) is None
    assert detect_language(BY_LANGUAGE["fr"][0], hint=hint) == "fr"
    assert detect_language("", hint=hint) == UNDETERMINED


@pytest.mark.parametrize("declared,code", [
    ("en", "en"), ("EN", "en"), (" en ", "en"), ("en-GB", "en"), ("en_US", "en"), ("pt_BR", "pt"),
    ("pt-BR", "pt"), ("zh-Hant-TW", "zh"), ("zh-CN", "zh"), ("eng", "en"), ("ger", "de"), ("deu", "de"),
    ("fre", "fr"), ("fil", "tl"), ("English", "en"), ("german", "de"), ("Norwegian Bokmål", "no"),
    ("nb", "no"), ("nb-NO", "no"), ("nn", "nn"), ("iw", "he"), ("in", "id"), ("mi", "mi"), ("yi", "yi"),
    ("Malay", "ms"), ("spa", "es"), ("ara", "ar"), ("jpn", "ja"), ("en-Latn-US", "en"), ("fr-CA,fr;q=0.9", "fr"),
])
def test_declarations_are_normalised_to_iso_639_1(declared: str, code: str) -> None:
    assert normalise_language(declared) == code


def test_a_declared_language_the_detector_does_not_know_is_kept_unless_it_is_sure() -> None:
    assert "mi" not in LANGUAGES  # Maori: a valid ISO 639-1 code outside the model
    assert detect_language("Kua tae mai te wā ki te whakatau i te take nui mō te iwi katoa.", hint="mi") == "mi"
    assert detect_language(BY_LANGUAGE["de"][0], hint="mi") == "de"


@pytest.mark.parametrize("text", ["", " ", "\n\t ", "12345", "12 345,67 - 8.9 %", "!!! ??? ...", "2026-12-05",
                                  "€ 100", "\U0001F600\U0001F44D", "\u200b\u200b", "\x00\x01\x02", "OK", "a b c"])
def test_empty_short_or_letterless_text_is_undetermined(text: str) -> None:
    assert detect_language(text) == UNDETERMINED


@pytest.mark.parametrize("value", [None, 42, 3.14, ["Die Inflation liegt über dem Zielwert"], {"text": "x"}, object()])
def test_non_text_input_is_undetermined_not_an_error(value: object) -> None:
    assert detect_language(value) == UNDETERMINED
    assert detect_language(value, hint="de") == UNDETERMINED


def test_bytes_are_read_as_utf8_even_when_broken() -> None:
    german = BY_LANGUAGE["de"][0].encode("utf-8")
    assert detect_language(german) == "de"
    assert detect_language(bytearray(german)) == "de"
    assert detect_language(german[:-1] + b"\xff\xfe" + german) == "de"
    assert detect_language(b"\xff\xfe\xfd") == UNDETERMINED


def test_mixed_language_text_never_fails_and_the_main_language_wins() -> None:
    german, english = BY_LANGUAGE["de"], BY_LANGUAGE["en"]
    half = german[0] + " " + english[0]
    assert detect_language(half) in {"de", "en", UNDETERMINED}
    quoted = f'{german[0]} "We are watching the situation closely," said a spokesman. {german[1]}'
    assert detect_language(quoted) == "de"
    scripts = BY_LANGUAGE["zh"][0] + BY_LANGUAGE["ar"][0] + BY_LANGUAGE["ru"][0] + BY_LANGUAGE["ja"][0]
    assert detect_language(scripts) in {"zh", "ar", "ru", "ja", UNDETERMINED}
    assert detect_language(BY_LANGUAGE["ja"][0] + " Tokyo Stock Exchange (TSE) 2026") == "ja"
    # A page's English menus around a Hindi or Arabic article: no script leads, the detector is sure.
    menus = "Share to Twitter Share to Facebook Share to Pinterest Home News Sport Business "
    assert detect_language(menus + BY_LANGUAGE["hi"][0]) == "hi"
    assert detect_language(menus + BY_LANGUAGE["ar"][0]) == "ar"


def test_random_unicode_never_fails() -> None:
    rng = random.Random(21)
    for _ in range(300):
        size = rng.choice([1, 5, 40, 300, 3000])
        text = "".join(chr(rng.choice([rng.randrange(32, 0x250), rng.randrange(0x370, 0x3000),
                                       rng.randrange(0x4e00, 0x9fff), rng.randrange(0xd800, 0xe000),
                                       rng.randrange(0x1f300, 0x1f6ff)])) for _ in range(size))
        got = detect_language(text, hint=rng.choice([None, "en", "xx", "de-DE"]))
        assert got == UNDETERMINED or got in LANGUAGES or got == "en"


def test_only_the_start_of_a_long_text_is_read() -> None:
    """The sample cap keeps the cost per article bounded whatever the article's length."""
    english, german = BY_LANGUAGE["en"][0], BY_LANGUAGE["de"][0]
    long = (english + " ") * (SAMPLE_CHARS // len(english) + 1) + german * 2000
    assert detect_language(long) == "en"
    detect_language(long)
    started = time.perf_counter()
    detect_language(long)
    assert time.perf_counter() - started < 0.5


def test_the_first_look_gives_the_whole_samples_answers(monkeypatch) -> None:
    """Two looks (`FIRST_LOOK_CHARS`, then the whole sample for what the first leaves in doubt)
    answer as one whole look does on every paragraph, with and without declarations (a right one,
    a template's wrong "en"), and the first look does settle most declared paragraphs."""
    import index.language as language

    texts = [text for _, text in PARAGRAPHS]
    hints: list[list[object]] = [[None] * len(texts), [code for code, _ in PARAGRAPHS], ["en"] * len(texts)]
    identifier = _identifier()
    read: list[int] = []
    whole = identifier.probabilities

    def counted(samples: list[str]) -> np.ndarray:
        read.append(sum(len(sample) for sample in samples))
        return whole(samples)

    monkeypatch.setattr(identifier, "probabilities", counted)
    two_looks = [detect_languages(texts, hint) for hint in hints]
    # News-length texts (each paragraph twice: 380-940 characters), declared: what was read.
    news = [f"{text} {text}" for text in texts]
    read.clear()
    detect_languages(news, hints[1])
    declared_read = sum(read)
    monkeypatch.setattr(language, "FIRST_LOOK_CHARS", SAMPLE_CHARS)
    assert [detect_languages(texts, hint) for hint in hints] == two_looks
    read.clear()
    detect_languages(news, hints[1])
    assert declared_read < 0.6 * sum(read)


def test_an_opening_in_the_declared_language_does_not_hide_the_rest() -> None:
    """A declared text whose opening puts another language first is read whole: a German article
    under a site's "en" default is German even when its first look is mixed."""
    german = BY_LANGUAGE["de"][0]
    opening = "Berlin (dpa) - " + german
    assert detect_language(opening, hint="en") == "de"


def test_answers_are_iso_639_1_codes_of_the_model() -> None:
    labels = set(_reference()._full_model[2])  # every label of the model, before the restriction
    assert set(LANGUAGES) == {code for code in labels if len(code) == 2}
    assert all(len(code) == 2 and code.isalpha() for code in LANGUAGES)


# The fast automaton walk must count exactly what py3langid's own walk counts.

@functools.lru_cache(maxsize=1)
def _reference() -> Any:
    """py3langid's own classifier, restricted to the same languages."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped]

    model = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    model.set_languages(list(LANGUAGES))
    return model


def _py3langid_counts(text: str) -> dict[int, int]:
    from py3langid.langid import visit_counts  # type: ignore[import-untyped]

    model = _reference()
    found = visit_counts(model.tk_nextmove, model._rowbase, model.tk_output, model._encode(text))
    return dict(found or {})


def _fast_counts(text: str) -> dict[int, int]:
    identifier = _identifier()
    owner, found, counts = identifier.visits([identifier.encode(text)])
    assert not owner.any()
    return dict(zip(found.tolist(), counts.tolist()))


def test_the_vectorised_walk_counts_what_py3langid_counts() -> None:
    rng = random.Random(7)
    texts = [text for _, text in PARAGRAPHS]
    texts += [text[i:i + n] for text in texts for i, n in ((0, 1), (0, 2), (0, 5), (3, 7), (10, 40))]
    texts += ["", "\x00", "\x00\x00abc", "ÄÖÜ ẞ", "\U0001F600 test \U0001F44D"]
    texts += ["".join(chr(rng.randrange(32, 0x3000)) for _ in range(rng.randrange(1, 200))) for _ in range(200)]
    for text in texts:
        assert _fast_counts(text) == _py3langid_counts(text), repr(text[:40])


def test_the_models_deepest_automaton_state_fits_the_walk() -> None:
    """The walk runs `_DEPTH` steps from the start: every state must be reachable within them
    (breadth-first over the automaton's transitions), or a deeper n-gram would be missed."""
    identifier = _identifier()
    depth = np.full(len(identifier.rowbase), -1)
    depth[0], frontier, level = 0, np.array([0]), 0
    while len(frontier):
        targets = np.unique(identifier.moves[(identifier.rowbase[frontier][:, None] + np.arange(256)).ravel()])
        frontier = targets[depth[targets] < 0]
        level += 1
        depth[frontier] = level
    assert depth.min() >= 0
    assert depth.max() <= identifier._DEPTH


def test_probabilities_pick_what_py3langid_picks() -> None:
    reference = _reference()
    identifier = _identifier()
    for _, text in PARAGRAPHS:
        probabilities = identifier.probabilities([text])[0]
        assert abs(float(probabilities.sum()) - 1.0) < 1e-4
        label, confidence = reference.classify(text)
        best = int(probabilities.argmax())
        assert identifier.nb_classes[best] == label
        assert abs(float(probabilities[best]) - confidence) < 0.02


def test_a_batch_gives_each_text_its_own_answer() -> None:
    """Texts are walked together, separated by pad bytes: no n-gram may cross from one to the next."""
    texts: list[object] = [text for _, text in PARAGRAPHS]
    texts += ["", "Berlin", None, "12345", BY_LANGUAGE["zh"][0] + BY_LANGUAGE["ar"][0] + BY_LANGUAGE["ru"][0]]
    hints = [None, "en", "de", "xx"] * (len(texts) // 4 + 1)
    alone = [detect_language(text, hint) for text, hint in zip(texts, hints)]
    assert detect_languages(texts, hints[:len(texts)]) == alone
    assert detect_languages(texts) == [detect_language(text) for text in texts]
    assert detect_languages([]) == []
    identifier = _identifier()
    datas = [identifier.encode(text) for _, text in PARAGRAPHS[:6]]
    owner, found, counts = identifier.visits(datas)
    for i, (_, text) in enumerate(PARAGRAPHS[:6]):
        mine = owner == i
        assert dict(zip(found[mine].tolist(), counts[mine].tolist())) == _py3langid_counts(text)
    with pytest.raises(ValueError):
        detect_languages(["a", "b"], ["en"])


def test_more_texts_than_one_walk_takes() -> None:
    from index.language import _BATCH

    texts = [BY_LANGUAGE["de"][0]] * (_BATCH + 2) + [BY_LANGUAGE["fr"][0]]
    assert detect_languages(texts) == ["de"] * (_BATCH + 2) + ["fr"]


# A group (indexing: the articles of one file) settles the texts that cannot speak for themselves.
_TABLE = ("ROCHESTER GAS AND ELECTRIC CORP IN PAYOUT\n\nROCHESTER, N.Y., March 18 - Qtly div 55 cts vs 55 cts "
          "prior\n\nPay April 25\n\nRecord March 31")  # Reuters-21578: the detector is unsure
_LATIN_LOOKING = "An Undergraduate Curriculum in Numerical Analysis"  # CACM: read as Latin alone
_GERMAN_HEADLINE = "Bundesregierung beschließt höhere Steuern auf Zigaretten"


def test_a_groups_main_language_settles_its_short_and_unsure_texts() -> None:
    english = BY_LANGUAGE["en"] * 3
    odd = [_TABLE, _LATIN_LOOKING, _GERMAN_HEADLINE, "Wetter", "12 345", ""]
    assert detect_languages(odd) == [UNDETERMINED, "la", "de", UNDETERMINED, UNDETERMINED, UNDETERMINED]
    texts = english + odd
    got = detect_languages(texts, None, ["file"] * len(texts))
    # Unsure, too short and short-but-possible texts take English; a German headline (English all
    # but ruled out) stays German; letterless text stays "und".
    assert got == ["en"] * len(english) + ["en", "en", "de", "en", UNDETERMINED, UNDETERMINED]


def test_a_group_changes_nothing_without_a_clear_main_language() -> None:
    odd = [_TABLE, _LATIN_LOOKING, "Wetter"]
    alone = detect_languages(odd)
    mixed = [text for _, text in PARAGRAPHS[:12]]  # two per language
    assert detect_languages(mixed + odd, None, [1] * 15)[12:] == alone
    few = BY_LANGUAGE["en"] * 2  # fewer than GROUP_MIN_TEXTS texts speak for themselves
    assert detect_languages(few + odd, None, [1] * 7)[4:] == alone
    # Groups are separate: the English file's main language does not reach another file.
    english = BY_LANGUAGE["en"] * 3
    assert detect_languages(english + odd, None, [1] * 6 + [2] * 3)[6:] == alone


def test_a_declaration_is_never_replaced_by_its_groups_language() -> None:
    english = BY_LANGUAGE["en"] * 3
    texts = english + ["Bonjour Berlin", _TABLE]
    got = detect_languages(texts, [None] * 6 + ["de", "fr"], ["f"] * 8)
    assert got[6:] == ["de", "fr"]
    with pytest.raises(ValueError):
        detect_languages(texts, None, ["f"] * 3)


def test_the_detector_is_cached_between_processes_and_rebuilt_when_damaged(tmp_path, monkeypatch) -> None:
    """Building the detector from py3langid's compressed model takes ~1.5 s a process; its
    arrays are kept under $XDG_CACHE_HOME/newsearch and read back in a fraction of that."""
    from py3langid.langid import LanguageIdentifier  # type: ignore[import-untyped]

    from index.language import _FastIdentifier

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    built = []
    original = LanguageIdentifier.from_model_file.__func__

    def counting(cls, *args, **kwargs):
        built.append(1)
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(LanguageIdentifier, "from_model_file", classmethod(counting))
    texts = [text for _, text in PARAGRAPHS]
    fresh = _FastIdentifier.load()
    (folder,) = (tmp_path / "newsearch").iterdir()
    assert len(built) == 1 and (folder / "table.npy").stat().st_size > 10_000_000
    cached = _FastIdentifier.load()
    assert len(built) == 1  # read, not built
    assert np.array_equal(cached.probabilities(texts), fresh.probabilities(texts))
    assert detect_languages(texts) == [_decided(cached, text) for text in texts]
    # A damaged cache (a disk full mid-write by an older version, say) is built again.
    (folder / "table.npy").write_bytes((folder / "table.npy").read_bytes()[:1000])
    again = _FastIdentifier.load()
    assert len(built) == 2 and np.array_equal(again.probabilities(texts), fresh.probabilities(texts))
    _FastIdentifier.load()
    assert len(built) == 2  # the damaged copy was replaced
    # Nowhere to write: built in memory, no error.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    (tmp_path / "file").write_text("not a folder")
    assert np.array_equal(_FastIdentifier.load().probabilities(texts), fresh.probabilities(texts))
    assert len(built) == 3


def _decided(identifier: Any, text: str) -> str:
    best = identifier.probabilities([text])[0].argmax()
    return identifier.nb_classes[int(best)]
