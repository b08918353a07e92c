"""The researcher's memory on disk: one SQLite file beside the index (`research.sqlite`).

What it keeps (issue 22): saved searches with their frozen result sets, tags on articles (by
hand, or by a query rule), and collections of sources. All of it is keyed on stable article ids
and names, never on an index's internal document numbers, so it survives re-indexing; it is
not in the index itself because an index run may rebuild or rewrite that at any time.

Why SQLite, as stories.sqlite: embedded and zero set-up; WAL journaling lets readers (every web
server thread) read while one writer writes; each change is one transaction, so a kill -9
leaves either all of it or none (WAL with synchronous=NORMAL loses nothing on a process crash:
only an operating system crash can drop the last transactions). Two writers wait for each other
(`BUSY_TIMEOUT_S`) instead of failing.

A connection per thread: sqlite3 connections must not be shared across threads while writing.
"""
from __future__ import annotations

import sqlite3
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STORE_NAME = "research.sqlite"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 30.0
MAX_NAME = 100   # characters in a saved search's, tag's or collection's name

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # A saved search: its parameters (JSON, the search/parameters.py names), when and by whom it
    # was saved, and what it found then: the total, the facet counts (JSON), the index it ran on.
    """CREATE TABLE IF NOT EXISTS saved (
        name TEXT PRIMARY KEY,
        parameters TEXT NOT NULL,
        saved_at TEXT NOT NULL,        -- ISO 8601, UTC
        author TEXT NOT NULL,
        total INTEGER NOT NULL,        -- matching articles when saved
        frozen INTEGER NOT NULL,       -- article ids kept (the first `frozen` of `total`)
        facets TEXT NOT NULL,          -- JSON: Facets.to_dict() when saved
        index_identity TEXT NOT NULL,
        index_generation INTEGER,
        version TEXT NOT NULL)""",
    # The frozen result set, in its order.
    """CREATE TABLE IF NOT EXISTS saved_article (
        name TEXT NOT NULL REFERENCES saved(name) ON DELETE CASCADE,
        rank INTEGER NOT NULL,
        id TEXT NOT NULL,
        PRIMARY KEY (name, rank))""",
    "CREATE INDEX IF NOT EXISTS saved_article_id ON saved_article(name, id)",
    # Tags (search/memory/tags.py): a name on an article, by hand (rule NULL) or by a query rule.
    """CREATE TABLE IF NOT EXISTS tag (
        tag TEXT NOT NULL,
        article TEXT NOT NULL,
        author TEXT NOT NULL,
        tagged_at TEXT NOT NULL,
        rule INTEGER,                 -- the tag_rule that put it there; NULL: by hand
        PRIMARY KEY (tag, article))""",
    "CREATE INDEX IF NOT EXISTS tag_article ON tag(article)",
    """CREATE TABLE IF NOT EXISTS tag_rule (
        id INTEGER PRIMARY KEY,
        tag TEXT NOT NULL,
        parameters TEXT NOT NULL,     -- the search, as saved searches keep it (JSON)
        reapply INTEGER NOT NULL,     -- 1: tag new matching articles after each index run
        author TEXT NOT NULL,
        created_at TEXT NOT NULL)""",
    # Accounts and API tokens (search/memory/accounts.py): who may write on a server that
    # listens beyond localhost. Passwords and tokens are kept as hashes only.
    """CREATE TABLE IF NOT EXISTS account (
        name TEXT PRIMARY KEY,
        password TEXT NOT NULL,       -- scrypt$n$r$p$salt$hash
        created_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS token (
        hash TEXT PRIMARY KEY,        -- sha256 of the token
        account TEXT NOT NULL REFERENCES account(name) ON DELETE CASCADE,
        label TEXT NOT NULL,
        created_at TEXT NOT NULL)""",
    # Collections (search/memory/collections.py): named sets of sources.
    """CREATE TABLE IF NOT EXISTS collection (
        name TEXT PRIMARY KEY,
        author TEXT NOT NULL,
        created_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS collection_source (
        name TEXT NOT NULL REFERENCES collection(name) ON DELETE CASCADE,
        source TEXT NOT NULL,
        PRIMARY KEY (name, source))""",
)


class StoreError(Exception):
    """A request the store cannot honour (unknown name, name taken, bad name): the message says
    what and which, for every interface to show as it is."""


def check_name(value: object, what: str = "name") -> str:
    """A saved search's, tag's or collection's name, as stored: Unicode NFC, spaces collapsed.
    Any script and punctuation are fine (names reach URLs quoted); control characters, empty
    names and names over MAX_NAME characters are refused with a message saying which."""
    if not isinstance(value, str):
        raise StoreError(f"the {what} must be text, not {type(value).__name__}")
    name = " ".join(unicodedata.normalize("NFC", value).split())
    if not name:
        raise StoreError(f"the {what} is empty: give it a name")
    if len(name) > MAX_NAME:
        raise StoreError(f"the {what} is {len(name)} characters long: at most {MAX_NAME}")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in name):
        raise StoreError(f"the {what} {name[:40]!r} has control or unassigned characters: use letters, "
                         f"digits, spaces and punctuation")
    return name


class ResearchStore:
    """The SQLite file; thread-safe (a connection per thread). `path` is the file (made with its
    folder when missing)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.transaction() as db:
            for statement in _SCHEMA:
                db.execute(statement)
            row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if row is None:
                db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            elif int(row[0]) > SCHEMA_VERSION:
                raise StoreError(f"{self.path} was written by a newer newsearch (store schema {row[0]}, "
                                 f"this one reads {SCHEMA_VERSION}): upgrade newsearch")

    @classmethod
    def beside(cls, index_dir: Path | str) -> "ResearchStore":
        """The store of a Whoosh index folder (`research.sqlite` in it)."""
        return cls(Path(index_dir) / STORE_NAME)

    def connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            self._local.db = db
        return db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE: a second writer waits here, not mid-way)."""
        db = self.connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def read(self, sql: str, parameters: tuple = ()) -> list[tuple]:
        return self.connection().execute(sql, parameters).fetchall()

    def iterate(self, sql: str, parameters: tuple = (), batch: int = 1000) -> Iterator[tuple]:
        """Rows streamed `batch` at a time (bounded memory for 10,000-id sets)."""
        cursor = self.connection().execute(sql, parameters)
        while rows := cursor.fetchmany(batch):
            yield from rows

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


def store_for(engine: object) -> ResearchStore:
    """The store of an engine's index: `research.sqlite` in a Whoosh index's folder, else the
    file $NEWSEARCH_STATE names (an OpenSearch deployment, until its store lives in the cluster)."""
    import os

    index_dir = getattr(engine, "index_dir", None)
    if index_dir is not None:
        return ResearchStore.beside(index_dir)
    path = os.environ.get("NEWSEARCH_STATE")
    if not path:
        raise StoreError("this backend keeps no researcher's store beside its index: set NEWSEARCH_STATE to "
                         "the SQLite file to keep saved searches, tags and collections in")
    return ResearchStore(path)


__all__ = ["store_for", "ResearchStore", "StoreError", "check_name", "STORE_NAME", "MAX_NAME"]
