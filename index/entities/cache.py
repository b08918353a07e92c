"""NER cache: recognised spans per text hash, in one SQLite file.

Why: NER runs at ~47k characters/s on two cores, by far the slowest indexing step, and
re-indexing mostly meets unchanged articles. We store the raw spans (not the facet values), so a
change to the alias table or the canonicalisation rules needs no NER re-run.
Why tolerant: the cache is only an accelerator. A corrupt or unreadable file (crash mid-write,
disk trouble) is discarded and rebuilt with a warning; it never stops indexing.
"""
from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger("newsearch.entities")

Spans = list[tuple[str, str]]
_SCHEMA = """CREATE TABLE IF NOT EXISTS ner (
    text_hash TEXT PRIMARY KEY, recogniser TEXT NOT NULL, spans TEXT NOT NULL)"""
_CHUNK = 500  # SQLite's variable limit is 999 on old builds


class NerCache:
    """`get_many` / `put_many` over a WAL-mode SQLite file at `path`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._open()

    def _open(self) -> None:
        try:
            self._conn = self._connect()
        except sqlite3.DatabaseError as exc:
            self._discard(exc)
            self._conn = self._connect()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(_SCHEMA)
            conn.execute("SELECT text_hash, recogniser, spans FROM ner LIMIT 1").fetchall()
            conn.commit()
        except sqlite3.DatabaseError:
            conn.close()
            raise
        return conn

    def _discard(self, exc: Exception) -> None:
        log.warning("NER cache %s is unreadable (%s); discarding it and rebuilding", self.path, exc)
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
            self._conn = None
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def _reset(self, exc: Exception) -> None:
        self._discard(exc)
        self._conn = self._connect()

    def get_many(self, hashes: Iterable[str]) -> dict[str, tuple[str, Spans]]:
        """{text_hash: (recogniser, spans)} for the hashes the cache holds."""
        hashes = list(dict.fromkeys(hashes))
        found: dict[str, tuple[str, Spans]] = {}
        try:
            for i in range(0, len(hashes), _CHUNK):
                part = hashes[i:i + _CHUNK]
                rows = self._conn.execute(
                    f"SELECT text_hash, recogniser, spans FROM ner WHERE text_hash IN ({','.join('?' * len(part))})",
                    part).fetchall()
                for text_hash, recogniser, spans in rows:
                    found[text_hash] = (recogniser, [tuple(s) for s in json.loads(spans)])
        except (sqlite3.DatabaseError, ValueError, TypeError) as exc:
            self._reset(exc)
            return {}
        return found

    def known(self, hashes: Iterable[str], recogniser: str) -> set[str]:
        """The hashes among `hashes` whose spans `recogniser` stored: what an index run's NER
        worker pool (index/ner_pool.py) need not send to its workers. Reads no spans."""
        hashes = list(dict.fromkeys(hashes))
        found: set[str] = set()
        try:
            for i in range(0, len(hashes), _CHUNK):
                part = hashes[i:i + _CHUNK]
                found.update(row[0] for row in self._conn.execute(
                    f"SELECT text_hash FROM ner WHERE recogniser = ? AND text_hash IN ({','.join('?' * len(part))})",
                    [recogniser, *part]))
        except sqlite3.DatabaseError as exc:
            self._reset(exc)
            return set()
        return found

    def put_many(self, rows: Iterable[tuple[str, str, Spans]]) -> None:
        """Store (text_hash, recogniser, spans); a failure costs a warning, never the run."""
        data = [(h, r, json.dumps(s, ensure_ascii=False)) for h, r, s in rows]
        try:
            with self._conn:
                self._conn.executemany(
                    "INSERT OR REPLACE INTO ner (text_hash, recogniser, spans) VALUES (?, ?, ?)", data)
        except sqlite3.DatabaseError as exc:
            self._reset(exc)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
