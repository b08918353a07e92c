"""The alias table: many spellings of one entity -> one canonical display form.

Why a table and not more NER: "U.S.", "US" and "United States" are the same facet value, and
only knowledge says so. The table is built, lowest priority first, from
  1. every Reuters-21578 code (`usa` -> United States, `reagan` -> Ronald Reagan), so tags merge
     with text;
  2. the known places of the shipped fallback patterns (countries, capitals), as identity entries,
     so a FAC span or a wrongly typed span can be recognised as a place;
  3. the shipped `data/aliases.tsv`, then `data/known_types.tsv` (news agencies, publishers and
     platforms the small model types as people or places: its names are organisations);
  4. an optional user file in the same format (kind<TAB>alias<TAB>canonical).
Lookup keys ignore case, dots, hyphens and repeated spaces ("U.S." == "us", "Kim Jong-un" ==
"Kim Jong Un"). No spaCy import: the search side loads this on every query path.
"""
from __future__ import annotations

import json
import logging
import re
from functools import lru_cache
from pathlib import Path

from index.article import ENTITY_TYPES
from index.entities import reuters_codes

log = logging.getLogger("newsearch.entities")

DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED_ALIASES = DATA_DIR / "aliases.tsv"
KNOWN_TYPES = DATA_DIR / "known_types.tsv"
FALLBACK_PATTERNS = DATA_DIR / "fallback_patterns.jsonl"
KINDS = ENTITY_TYPES  # the entity types an alias may name (index.article)

_KEY_DROP = re.compile(r"[.\u00b7]")
_KEY_SPACE = re.compile(r"[\s\-\u2010-\u2014_]+")


@lru_cache(maxsize=1 << 17)
def key(name: str) -> str:
    """Comparison key of a name: case, dots, hyphens and spacing don't distinguish names.
    Cached: resolution compares every name with every other, many times per article."""
    name = name.replace("\u2019", "'").casefold()
    return _KEY_SPACE.sub(" ", _KEY_DROP.sub("", name)).strip()


class AliasTable:
    """Kind-specific map from a name's key to its canonical display form."""

    def __init__(self) -> None:
        self._map: dict[str, dict[str, str]] = {kind: {} for kind in KINDS}

    def add(self, kind: str, alias: str, canonical: str) -> None:
        """Later additions win, so a user file can override the shipped table."""
        if kind not in self._map:
            raise ValueError(f"unknown entity kind {kind!r} (expected one of {', '.join(KINDS)})")
        canonical = canonical.strip()
        self._map[kind][key(alias)] = canonical
        # The canonical form is itself a known name (restores case of "united states").
        self._map[kind].setdefault(key(canonical), canonical)

    def lookup(self, kind: str, name: str) -> str | None:
        """Canonical form of `name` as a `kind`, or None if the table doesn't know it."""
        return self._map.get(kind, {}).get(key(name))

    def kinds_of(self, name: str) -> list[str]:
        """Kinds under which the table knows `name` (to correct a model's wrong label)."""
        k = key(name)
        return [kind for kind in KINDS if k in self._map[kind]]

    def load_file(self, path: Path) -> int:
        """Add `kind<TAB>alias<TAB>canonical` lines from a file; returns the number added.

        Bad lines are skipped with a warning naming the line: a typo in a user's alias file
        must not stop indexing.
        """
        added = 0
        for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = [p.strip() for p in line.split("\t")]
            if len(parts) != 3 or not all(parts) or parts[0] not in KINDS:
                log.warning("%s:%d: ignored alias line (want kind<TAB>alias<TAB>canonical, "
                            "kind one of %s): %r", path, lineno, "/".join(KINDS), line)
                continue
            self.add(*parts)
            added += 1
        return added


def _add_reuters_codes(table: AliasTable) -> None:
    for kind, codes in reuters_codes.CODES.items():
        for code in codes:
            display = reuters_codes.display_name(kind, code)
            if kind == "person" and code in reuters_codes.COMMON_SURNAMES:
                # Keep the full name known, but a bare common surname must not expand.
                table.add(kind, display, display)
            elif kind == "person" and display == code.capitalize():
                # A surname we could not attribute: knowing it would only mislabel other
                # entities ("Ferrari" the company), so the table stays silent about it.
                continue
            else:
                table.add(kind, code, display)


def _add_fallback_places(table: AliasTable) -> None:
    """Countries and capitals the fallback ruler knows are known places, whatever the model says."""
    if not FALLBACK_PATTERNS.exists():
        return
    for line in FALLBACK_PATTERNS.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry.get("label") == "GPE" and isinstance(entry.get("pattern"), str):
            table.add("place", entry["pattern"], entry.get("id") or entry["pattern"])


@lru_cache(maxsize=8)
def load_aliases(user_file: Path | None = None) -> AliasTable:
    """The shipped table, extended by `user_file` if given (cached: called on every query)."""
    table = AliasTable()
    _add_reuters_codes(table)
    _add_fallback_places(table)
    table.load_file(SHIPPED_ALIASES)
    table.load_file(KNOWN_TYPES)
    if user_file is not None:
        n = table.load_file(Path(user_file))
        log.info("loaded %d aliases from %s", n, user_file)
    return table
