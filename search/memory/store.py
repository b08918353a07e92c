"""The researcher's memory: what every store keeps (`MemoryStore`), and its SQLite file beside a
Whoosh index (`research.sqlite`, `ResearchStore`); on OpenSearch the store is in the cluster
(search/memory/cluster.py). `store_for(engine)` picks the one of the engine's backend.

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

The modules (saved, tags, collections, accounts, backup) speak to a store only through
`MemoryStore`'s operations, never in SQL, so both stores answer alike: rows are dicts with the
columns of `TABLES` (JSON kept as text), names already checked (`check_name`).
"""
from __future__ import annotations

import sqlite3
import threading
import unicodedata
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

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


# The rows a store keeps and exports (backup.py), table by table in an order that satisfies their
# references: each table's columns. Accounts, tokens and meta values stay with their store.
TABLES: dict[str, tuple[str, ...]] = {
    "saved": ("name", "parameters", "saved_at", "author", "total", "frozen", "facets", "index_identity",
              "index_generation", "version"),
    "saved_article": ("name", "rank", "id"),
    "tag_rule": ("id", "tag", "parameters", "reapply", "author", "created_at"),
    "tag": ("tag", "article", "author", "tagged_at", "rule"),
    "collection": ("name", "author", "created_at"),
    "collection_source": ("name", "source"),
}
SAVED_COLUMNS = TABLES["saved"]
BATCH = 1000   # rows written or read at a time (bounded memory for 10,000-id sets)


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


def taken_message(name: str, saved_at: str, author: str) -> str:
    """What a second save of a name is told (every store says it alike)."""
    return (f"a saved search named {name!r} exists (saved {saved_at} by {author}): choose another name, "
            f"or replace it")


class MemoryStore(Protocol):
    """What a researcher's store does: the operations the memory modules need, each one change
    that is all made or not made. Names come checked; rows are dicts of `TABLES`' columns.
    `transactional`: the store's own transaction undoes an import that fails half-way, so a
    broken line needs no check first; without it (the cluster's store, which undoes a failed
    import from its journal: cluster_upkeep.py) backup.py checks the whole file before it writes
    a row, as that is cheaper than writing and undoing."""

    transactional: bool

    def index_identity(self) -> str: ...
    def meta_value(self, key: str, make: Callable[[], str]) -> str: ...
    # Saved searches: the row (without `frozen`), the ids streamed in rank order; how many frozen.
    def put_saved(self, row: dict[str, Any], ids: Iterable[str], *, replace: bool) -> int: ...
    def get_saved(self, name: str) -> dict[str, Any] | None: ...
    def list_saved(self) -> list[dict[str, Any]]: ...   # newest first, then by name
    def delete_saved(self, name: str) -> bool: ...
    def saved_ids(self, name: str, offset: int = 0, limit: int | None = None) -> Iterator[str]: ...
    # Tags and their rules.
    def add_tags(self, tag: str, ids: Iterable[str], author: str, rule: int | None = None) -> int: ...
    def add_rule(self, rule: dict[str, Any], ids: Iterable[str]) -> tuple[int, int]: ...
    def remove_tags(self, tag: str, ids: Iterable[str]) -> int: ...
    def delete_tag(self, tag: str) -> int: ...
    def tag_known(self, tag: str) -> bool: ...
    def tag_counts(self) -> list[tuple[str, int]]: ...
    def tagged(self, tag: str) -> Iterator[str]: ...
    def tags_of(self, ids: list[str]) -> dict[str, list[str]]: ...
    def rules(self, tag: str | None = None) -> list[dict[str, Any]]: ...
    # Collections.
    def put_collection(self, row: dict[str, Any], sources: list[str]) -> None: ...
    def get_collection(self, name: str) -> tuple[dict[str, Any], list[str]] | None: ...
    def collection_names(self) -> list[str]: ...
    def delete_collection(self, name: str) -> bool: ...
    # Accounts and API tokens (hashes only).
    def put_account(self, name: str, password: str, created_at: str, *, replace: bool) -> bool: ...
    def delete_account(self, name: str) -> bool: ...
    def account_names(self) -> list[str]: ...
    def account_password(self, name: str) -> str | None: ...
    def put_token(self, digest: str, account: str, label: str, created_at: str) -> bool: ...
    def token_account(self, digest: str) -> str | None: ...
    def revoke_tokens(self, account: str) -> int: ...
    # Backup: every row of TABLES, streamed; rows merged in (line number, table, row).
    def export_rows(self) -> Iterator[tuple[str, dict[str, Any]]]: ...
    def import_rows(self, rows: Iterable[tuple[int, str, dict[str, Any]]], *, replace: bool) -> dict[str, int]: ...
    def close(self) -> None: ...


class ResearchStore:
    """The SQLite file; thread-safe (a connection per thread). `path` is the file (made with its
    folder when missing)."""

    transactional = True

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

    def iterate(self, sql: str, parameters: tuple = (), batch: int = BATCH) -> Iterator[tuple]:
        """Rows streamed `batch` at a time (bounded memory for 10,000-id sets)."""
        cursor = self.connection().execute(sql, parameters)
        while rows := cursor.fetchmany(batch):
            yield from rows

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # ---- meta -------------------------------------------------------------------------------

    def meta_value(self, key: str, make: Callable[[], str]) -> str:
        """The value kept under `key`, made (once, whoever asks first) when there is none."""
        with self.transaction() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            if row:
                return str(row[0])
            value = make()
            db.execute("INSERT INTO meta VALUES (?, ?)", (key, value))
            return value

    def index_identity(self) -> str:
        """A random identity made with the store, which lives in the index's folder and goes with
        it: an index built again from scratch has another one."""
        return self.meta_value("index_identity", lambda: uuid.uuid4().hex)

    # ---- saved searches ---------------------------------------------------------------------

    def put_saved(self, row: dict[str, Any], ids: Iterable[str], *, replace: bool) -> int:
        """Keep a saved search and its ids in one transaction (a name taken: StoreError unless
        `replace`); the ids are written BATCH at a time as `ids` yields them."""
        name = row["name"]
        with self.transaction() as db:
            taken = db.execute("SELECT saved_at, author FROM saved WHERE name = ?", (name,)).fetchone()
            if taken and not replace:
                raise StoreError(taken_message(name, taken[0], taken[1]))
            db.execute("DELETE FROM saved WHERE name = ?", (name,))
            values = {**row, "frozen": 0}
            db.execute(f"INSERT INTO saved ({', '.join(SAVED_COLUMNS)}) VALUES ({','.join('?' * len(SAVED_COLUMNS))})",
                       tuple(values[c] for c in SAVED_COLUMNS))
            frozen, batch = 0, list[tuple[str, int, str]]()
            for rank, article_id in enumerate(ids):
                batch.append((name, rank, article_id))
                if len(batch) >= BATCH:
                    db.executemany("INSERT INTO saved_article VALUES (?,?,?)", batch)
                    batch.clear()
                frozen = rank + 1
            db.executemany("INSERT INTO saved_article VALUES (?,?,?)", batch)
            db.execute("UPDATE saved SET frozen = ? WHERE name = ?", (frozen, name))
        return frozen

    def get_saved(self, name: str) -> dict[str, Any] | None:
        rows = self.read(f"SELECT {', '.join(SAVED_COLUMNS)} FROM saved WHERE name = ?", (name,))
        return dict(zip(SAVED_COLUMNS, rows[0])) if rows else None

    def list_saved(self) -> list[dict[str, Any]]:
        return [dict(zip(SAVED_COLUMNS, row)) for row in
                self.read(f"SELECT {', '.join(SAVED_COLUMNS)} FROM saved ORDER BY saved_at DESC, name")]

    def delete_saved(self, name: str) -> bool:
        with self.transaction() as db:
            return db.execute("DELETE FROM saved WHERE name = ?", (name,)).rowcount > 0

    def saved_ids(self, name: str, offset: int = 0, limit: int | None = None) -> Iterator[str]:
        sql = "SELECT id FROM saved_article WHERE name = ? ORDER BY rank LIMIT ? OFFSET ?"
        for (article_id,) in self.iterate(sql, (name, -1 if limit is None else limit, offset)):
            yield article_id

    # ---- tags -------------------------------------------------------------------------------

    @staticmethod
    def _insert_tags(db: sqlite3.Connection, tag: str, ids: Iterable[str], author: str, rule: int | None,
                     now: str) -> int:
        """Tag `ids` (already tagged ones keep their first author and time); how many were new."""
        before, batch = db.total_changes, list[tuple]()
        for article_id in ids:
            batch.append((tag, article_id, author, now, rule))
            if len(batch) >= BATCH:
                db.executemany("INSERT OR IGNORE INTO tag VALUES (?,?,?,?,?)", batch)
                batch.clear()
        db.executemany("INSERT OR IGNORE INTO tag VALUES (?,?,?,?,?)", batch)
        return db.total_changes - before

    def add_tags(self, tag: str, ids: Iterable[str], author: str, rule: int | None = None) -> int:
        with self.transaction() as db:
            return self._insert_tags(db, tag, ids, author, rule, _now())

    def add_rule(self, rule: dict[str, Any], ids: Iterable[str]) -> tuple[int, int]:
        """Record a rule and tag its articles in one transaction: (the rule's id, newly tagged)."""
        with self.transaction() as db:
            cursor = db.execute("INSERT INTO tag_rule (tag, parameters, reapply, author, created_at) "
                                "VALUES (?,?,?,?,?)", (rule["tag"], rule["parameters"], int(rule["reapply"]),
                                                       rule["author"], rule["created_at"]))
            rule_id = int(cursor.lastrowid or 0)
            return rule_id, self._insert_tags(db, rule["tag"], ids, rule["author"], rule_id, _now())

    def remove_tags(self, tag: str, ids: Iterable[str]) -> int:
        with self.transaction() as db:
            before = db.total_changes
            db.executemany("DELETE FROM tag WHERE tag = ? AND article = ?", [(tag, a) for a in ids])
            return db.total_changes - before

    def delete_tag(self, tag: str) -> int:
        with self.transaction() as db:
            removed = db.execute("DELETE FROM tag WHERE tag = ?", (tag,)).rowcount
            db.execute("DELETE FROM tag_rule WHERE tag = ?", (tag,))
            return removed

    def tag_known(self, tag: str) -> bool:
        return bool(self.read("SELECT 1 FROM tag WHERE tag = ? UNION SELECT 1 FROM tag_rule WHERE tag = ? LIMIT 1",
                              (tag, tag)))

    def tag_counts(self) -> list[tuple[str, int]]:
        return [(r[0], r[1]) for r in self.read("SELECT tag, COUNT(*) AS n FROM tag GROUP BY tag ORDER BY n DESC, tag")]

    def tagged(self, tag: str) -> Iterator[str]:
        for (article_id,) in self.iterate("SELECT article FROM tag WHERE tag = ? ORDER BY tagged_at, article", (tag,)):
            yield article_id

    def tags_of(self, ids: list[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {a: [] for a in ids}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for tag, article in self.read(f"SELECT tag, article FROM tag WHERE article IN ({marks}) ORDER BY tag",
                                          tuple(chunk)):
                out[article].append(tag)
        return out

    def rules(self, tag: str | None = None) -> list[dict[str, Any]]:
        columns = TABLES["tag_rule"]
        sql = f"SELECT {', '.join(columns)} FROM tag_rule"
        rows = self.read(sql + (" WHERE tag = ? ORDER BY id" if tag else " ORDER BY id"), (tag,) if tag else ())
        return [dict(zip(columns, row)) for row in rows]

    # ---- collections ------------------------------------------------------------------------

    def put_collection(self, row: dict[str, Any], sources: list[str]) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM collection WHERE name = ?", (row["name"],))
            db.execute("INSERT INTO collection VALUES (?,?,?)", (row["name"], row["author"], row["created_at"]))
            db.executemany("INSERT INTO collection_source VALUES (?,?)", [(row["name"], s) for s in sources])

    def get_collection(self, name: str) -> tuple[dict[str, Any], list[str]] | None:
        rows = self.read("SELECT name, author, created_at FROM collection WHERE name = ?", (name,))
        if not rows:
            return None
        sources = [r[0] for r in self.read("SELECT source FROM collection_source WHERE name = ? ORDER BY source",
                                           (name,))]
        return dict(zip(TABLES["collection"], rows[0])), sources

    def collection_names(self) -> list[str]:
        return [r[0] for r in self.read("SELECT name FROM collection ORDER BY name")]

    def delete_collection(self, name: str) -> bool:
        with self.transaction() as db:
            return db.execute("DELETE FROM collection WHERE name = ?", (name,)).rowcount > 0

    # ---- accounts and tokens ----------------------------------------------------------------

    def put_account(self, name: str, password: str, created_at: str, *, replace: bool) -> bool:
        with self.transaction() as db:
            if not replace and db.execute("SELECT 1 FROM account WHERE name = ?", (name,)).fetchone():
                return False
            db.execute("INSERT OR REPLACE INTO account VALUES (?,?,?)", (name, password, created_at))
            return True

    def delete_account(self, name: str) -> bool:
        with self.transaction() as db:
            return db.execute("DELETE FROM account WHERE name = ?", (name,)).rowcount > 0

    def account_names(self) -> list[str]:
        return [row[0] for row in self.read("SELECT name FROM account ORDER BY name")]

    def account_password(self, name: str) -> str | None:
        rows = self.read("SELECT password FROM account WHERE name = ?", (name,))
        return str(rows[0][0]) if rows else None

    def put_token(self, digest: str, account: str, label: str, created_at: str) -> bool:
        with self.transaction() as db:
            if not db.execute("SELECT 1 FROM account WHERE name = ?", (account,)).fetchone():
                return False
            db.execute("INSERT INTO token VALUES (?,?,?,?)", (digest, account, label, created_at))
            return True

    def token_account(self, digest: str) -> str | None:
        rows = self.read("SELECT account FROM token WHERE hash = ?", (digest,))
        return str(rows[0][0]) if rows else None

    def revoke_tokens(self, account: str) -> int:
        with self.transaction() as db:
            return db.execute("DELETE FROM token WHERE account = ?", (account,)).rowcount

    # ---- backup -----------------------------------------------------------------------------

    def export_rows(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for table, columns in TABLES.items():
            for values in self.iterate(f"SELECT {', '.join(columns)} FROM {table}"):
                yield table, dict(zip(columns, values))

    def import_rows(self, rows: Iterable[tuple[int, str, dict[str, Any]]], *, replace: bool) -> dict[str, int]:
        """Merge rows in one transaction (see backup.py): {table: rows added, "skipped": names kept}."""
        added: dict[str, int] = {table: 0 for table in TABLES}
        added["skipped"] = 0
        skipped: set[tuple[str, str]] = set()
        rule_ids: dict[int, int] = {}
        with self.transaction() as db:
            for number, table, row in rows:
                if table == "tag_rule":  # rules get new ids here; their tags follow them
                    old = row.pop("id", None)
                    cursor = db.execute(f"INSERT INTO tag_rule ({', '.join(row)}) VALUES ({','.join('?' * len(row))})",
                                        tuple(row.values()))
                    rule_ids[int(old or 0)] = int(cursor.lastrowid or 0)
                    added[table] += 1
                    continue
                if table == "tag" and row.get("rule") is not None:
                    row["rule"] = rule_ids.get(int(row["rule"]))
                owner = _owner(table, row)
                if table in ("saved", "collection"):
                    exists = db.execute(f"SELECT 1 FROM {table} WHERE name = ?", (row.get("name"),)).fetchone()
                    if exists and not replace:
                        skipped.add((table, str(row.get("name"))))
                        added["skipped"] += 1
                        continue
                    if exists:
                        db.execute(f"DELETE FROM {table} WHERE name = ?", (row.get("name"),))
                elif owner in skipped:
                    continue
                verb = "INSERT OR IGNORE" if table == "tag" else "INSERT"
                try:
                    cursor = db.execute(f"{verb} INTO {table} ({', '.join(row)}) VALUES ({','.join('?' * len(row))})",
                                        tuple(row.values()))
                except sqlite3.Error as error:  # IntegrityError and friends: a row that cannot be
                    raise StoreError(f"line {number}: {error}: nothing was imported") from None
                added[table] += cursor.rowcount
        return added


def _owner(table: str, row: dict[str, Any]) -> tuple[str, str] | None:
    """The saved search or collection a row belongs to (skipped with it)."""
    if table in ("saved", "saved_article"):
        return "saved", str(row.get("name"))
    if table in ("collection", "collection_source"):
        return "collection", str(row.get("name"))
    return None


def _now() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


_OPENED: "weakref.WeakKeyDictionary[object, MemoryStore]" = weakref.WeakKeyDictionary()
_OPENED_LOCK = threading.Lock()


def store_for(engine: object) -> MemoryStore:
    """The store of an engine's index: `research.sqlite` in a Whoosh index's folder; on the
    OpenSearch backend the store in the cluster beside the index's alias (search/memory/cluster.py:
    one per deployment, which every web server reaches; opened once per search side, sharing its
    client); on any other backend the SQLite file $NEWSEARCH_STATE names."""
    import os

    index_dir = getattr(engine, "index_dir", None)
    if index_dir is not None:
        return ResearchStore.beside(index_dir)
    backend = getattr(engine, "backend", None)
    if getattr(backend, "name", None) == "opensearch":
        with _OPENED_LOCK:
            found = _OPENED.get(backend)
            if found is None:
                from search.memory.cluster import ClusterStore

                found = _OPENED[backend] = ClusterStore.of_backend(backend)
            return found
    path = os.environ.get("NEWSEARCH_STATE")
    if not path:
        raise StoreError("this backend keeps no researcher's store beside its index: set NEWSEARCH_STATE to "
                         "the SQLite file to keep saved searches, tags and collections in")
    return ResearchStore(path)


__all__ = ["store_for", "MemoryStore", "ResearchStore", "StoreError", "check_name", "taken_message", "TABLES",
           "SAVED_COLUMNS", "STORE_NAME", "MAX_NAME", "BATCH"]
