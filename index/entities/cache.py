"""NER cache: recognised spans per text and recogniser, in one SQLite file.

Why: NER runs at ~47k characters/s on two cores, by far the slowest indexing step, and
re-indexing mostly meets unchanged articles. We store the raw spans (not the facet values), so a
change to the alias table or the canonicalisation rules needs no NER re-run.
Keyed by (`recognizer.text_key` of the text the model reads, `recognizer.cache_name` of the
recogniser): a change to how an article is prepared for the model, or another model version,
finds nothing stored instead of another text's or another model's spans; results of two model
versions live side by side, so switching back needs no re-run.
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
_SCHEMA = """CREATE TABLE IF NOT EXISTS spans (
    text_key TEXT NOT NULL, recogniser TEXT NOT NULL, spans TEXT NOT NULL,
    PRIMARY KEY (text_key, recogniser)) WITHOUT ROWID"""
# The first format's table, keyed by a hash of title and body, not of what the model read: its
# rows can answer for nothing now, so they go.
_OLD_TABLE = "DROP TABLE IF EXISTS ner"
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
            conn.execute(_OLD_TABLE)
            conn.execute(_SCHEMA)
            conn.execute("SELECT text_key, recogniser, spans FROM spans LIMIT 1").fetchall()
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

    def _db(self) -> sqlite3.Connection:
        """The open connection. A use after `close` is the caller's bug, not a damaged file: it
        raises outside the handlers that discard the file."""
        if self._conn is None:
            raise RuntimeError(f"NER cache {self.path} is used after close()")
        return self._conn

    def get_many(self, keys: Iterable[str]) -> dict[str, dict[str, Spans]]:
        """{text_key: {recogniser: spans}} for the keys the cache holds."""
        keys = list(dict.fromkeys(keys))
        found: dict[str, dict[str, Spans]] = {}
        conn = self._db()
        try:
            for i in range(0, len(keys), _CHUNK):
                part = keys[i:i + _CHUNK]
                rows = conn.execute(
                    f"SELECT text_key, recogniser, spans FROM spans WHERE text_key IN ({','.join('?' * len(part))})",
                    part).fetchall()
                for text_key, recogniser, spans in rows:
                    found.setdefault(text_key, {})[recogniser] = [(text, label) for text, label in json.loads(spans)]
        except (sqlite3.DatabaseError, ValueError, TypeError) as exc:
            self._reset(exc)
            return {}
        return found

    def known(self, keys: Iterable[str], recogniser: str) -> set[str]:
        """The keys among `keys` whose spans `recogniser` stored: what an index run's NER
        worker pool (index/ner_pool.py) need not send to its workers. Reads no spans."""
        keys = list(dict.fromkeys(keys))
        found: set[str] = set()
        conn = self._db()
        try:
            for i in range(0, len(keys), _CHUNK):
                part = keys[i:i + _CHUNK]
                found.update(row[0] for row in conn.execute(
                    f"SELECT text_key FROM spans WHERE recogniser = ? AND text_key IN ({','.join('?' * len(part))})",
                    [recogniser, *part]))
        except sqlite3.DatabaseError as exc:
            self._reset(exc)
            return set()
        return found

    def put_many(self, rows: Iterable[tuple[str, str, Spans]]) -> None:
        """Store (text_key, recogniser, spans); a failure costs a warning, never the run."""
        data = [(key, recogniser, json.dumps(spans, ensure_ascii=False)) for key, recogniser, spans in rows]
        conn = self._db()
        try:
            with conn:
                conn.executemany("INSERT OR REPLACE INTO spans (text_key, recogniser, spans) VALUES (?, ?, ?)", data)
        except sqlite3.DatabaseError as exc:
            self._reset(exc)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
