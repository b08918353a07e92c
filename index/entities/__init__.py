"""Named entities for the index: recognised by spaCy NER, named consistently.

Public API:
  - `EntityExtractor(cache_path=None, enabled=True, aliases_file=None)`: `annotate(articles)`
    fills `article.entities`; exposes `recogniser`, `degraded`, `ner_seconds`, `ner_calls`,
    `cache_hits`, `stats()`, `close()`.
  - `canonical_name(kind, name)`: the canonical display form of a user-typed filter value.
Importing this package does not import spaCy (only a cache miss in `annotate` does), so the
search side can use `canonical_name` on every query.
"""
from __future__ import annotations

from index.entities.canonical import canonical_name
from index.entities.extractor import EntityExtractor

__all__ = ["EntityExtractor", "canonical_name"]
