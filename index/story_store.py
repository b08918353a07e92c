"""The stories' persistent state: one SQLite file beside the index (`stories.sqlite`).

Why a side file and not only fields in the index: a new article can merge two stories or become
a story's earliest article, which changes the story id of articles indexed in earlier runs.
Whoosh cannot change one field of a stored document (it would have to re-add the whole article,
and an uncommitted one not at all), so on Whoosh this file is what searches read (per index
generation, see `search.backends.whoosh.stories`); OpenSearch copies each change into the
documents' `story` field with partial updates. The file also keeps each article's MinHash
signatures, so a later run joins new articles to existing stories without re-reading or
re-clustering anything.

Crash safety: the indexer saves this file *before* the index commit (like the vocabulary). A
crash in between leaves rows for articles the index does not hold yet; searches ignore them and
the re-run rewrites them (same ids, same signatures), so nothing is lost or doubled.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

STORE_NAME = "stories.sqlite"
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS article (
        id TEXT PRIMARY KEY,
        day INTEGER,               -- proleptic ordinal of the article's UTC date; NULL: undated
        ts REAL,                   -- seconds since 1970 (NULL: undated), for the representative
        length INTEGER NOT NULL,   -- body characters: the fuller of two same-time copies represents
        hash TEXT NOT NULL,        -- the article's content hash: unchanged articles are skipped
        shingles BLOB NOT NULL,    -- MinHash of word 4-shingles (near-duplicates), uint32
        words BLOB NOT NULL,       -- MinHash of the content-word set (same event), uint32
        n_shingles INTEGER NOT NULL,  -- the sets' sizes: how much of the shorter the longer contains
        n_words INTEGER NOT NULL,
        entities TEXT NOT NULL,    -- JSON list of "kind:name" keys, lower-cased
        link TEXT NOT NULL,        -- the article this one is tied to (index/stories.py): the story's
                                   -- representative, or an article linked to it; its own id: it represents
        level INTEGER NOT NULL,    -- 0: represents its story; 1: tied to the representative; 2: tied to a 1
        story TEXT NOT NULL,
        dup TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS article_link ON article(link)",
    "CREATE INDEX IF NOT EXISTS article_story ON article(story)",
    "CREATE INDEX IF NOT EXISTS article_dup ON article(dup)",
    "CREATE INDEX IF NOT EXISTS article_day ON article(day)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # How many stored articles hold each name: a name held by many says little (index/stories.py).
    "CREATE TABLE IF NOT EXISTS name (key TEXT PRIMARY KEY, df INTEGER NOT NULL)",
)
_COLUMNS = "id, day, ts, length, hash, shingles, words, n_shingles, n_words, entities, link, level, story, dup"
_CHUNK = 500  # SQLite's variable limit is 999 on old builds
_PUT = f"INSERT OR REPLACE INTO article ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"


@dataclass
class Entry:
    """One article as the grouping sees it."""

    id: str
    day: int | None
    ts: float | None
    length: int
    hash: str
    shingles: np.ndarray
    words: np.ndarray
    n_shingles: int
    n_words: int
    entities: frozenset[str]
    link: str
    level: int      # -1: not decided yet
    story: str
    dup: str

    def rank_key(self) -> tuple:
        """Representative order: the earliest article, the longest of equal times, then by id."""
        return (self.ts if self.ts is not None else float("inf"), -self.length, self.id)


def _row(entry: Entry) -> tuple:
    return (entry.id, entry.day, entry.ts, entry.length, entry.hash,
            entry.shingles.astype(np.uint32).tobytes(), entry.words.astype(np.uint32).tobytes(),
            entry.n_shingles, entry.n_words, json.dumps(sorted(entry.entities)), entry.link, entry.level, entry.story, entry.dup)


def _entry(row: tuple) -> Entry:
    return Entry(row[0], row[1], row[2], row[3], row[4], np.frombuffer(row[5], dtype=np.uint32),
                 np.frombuffer(row[6], dtype=np.uint32), row[7], row[8], frozenset(json.loads(row[9])), row[10],
                 row[11], row[12], row[13])


class StoryStore:
    """Rows of `Entry` in SQLite; writes stay in one transaction until `save()`.

    New rows (`put`) are kept in memory and written with one `executemany` before anything
    else touches the table (a read, an update, a delete, `save`): most articles are only put,
    and one statement per article was a good part of the grouping's cost in the indexing
    process. What the table holds at every read and at `save` is unchanged.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self._upgrade()
        for statement in _SCHEMA:
            self.conn.execute(statement)
        self.conn.commit()
        self._puts: list[tuple] = []

    def _upgrade(self) -> None:
        """A file of the chaining rule (rule 3 and before: a `chain` column, the connected
        component of links) gets the `link` column in its place; its settings differ from
        the current ones, so `StoryIndex` regroups it from the stored signatures."""
        columns = {row[1] for row in self.conn.execute("PRAGMA table_info(article)")}
        if "chain" in columns and "link" not in columns:
            self.conn.execute("DROP INDEX IF EXISTS article_chain")
            self.conn.execute("ALTER TABLE article RENAME COLUMN chain TO link")
            self.conn.execute("ALTER TABLE article ADD COLUMN level INTEGER NOT NULL DEFAULT 0")
            self.conn.commit()

    def _flush(self) -> None:
        """Write the rows `put` since the last flush, in their order."""
        if self._puts:
            rows, self._puts = self._puts, []
            self.conn.executemany(_PUT, rows)

    def settings(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT key, value FROM meta"))

    def set_settings(self, settings: dict[str, str]) -> None:
        self.conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", settings.items())

    def count(self) -> int:
        self._flush()
        return self.conn.execute("SELECT COUNT(*) FROM article").fetchone()[0]

    def put(self, entry: Entry) -> None:
        self._puts.append(_row(entry))

    def delete(self, article_id: str) -> None:
        self._flush()
        self.conn.execute("DELETE FROM article WHERE id = ?", (article_id,))

    def get(self, article_id: str) -> Entry | None:
        self._flush()
        row = self.conn.execute(f"SELECT {_COLUMNS} FROM article WHERE id = ?", (article_id,)).fetchone()
        return _entry(row) if row else None

    def hashes(self, article_ids: list[str]) -> dict[str, str]:
        self._flush()
        found: dict[str, str] = {}
        for start in range(0, len(article_ids), _CHUNK):
            chunk = article_ids[start:start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(self.conn.execute(f"SELECT id, hash FROM article WHERE id IN ({marks})", chunk))
        return found

    def on_days(self, first: int, last: int) -> Iterator[Entry]:
        self._flush()
        for row in self.conn.execute(f"SELECT {_COLUMNS} FROM article WHERE day BETWEEN ? AND ?", (first, last)):
            yield _entry(row)

    def undated(self) -> Iterator[Entry]:
        self._flush()
        for row in self.conn.execute(f"SELECT {_COLUMNS} FROM article WHERE day IS NULL"):
            yield _entry(row)

    def members(self, column: str, group_ids: Iterable[str]) -> list[Entry]:
        """Every article tied to these articles (`column="link"`), of these stories or duplicate
        groups."""
        self._flush()
        assert column in ("link", "story", "dup")
        ids = list(dict.fromkeys(group_ids))
        found: list[Entry] = []
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            found.extend(_entry(row) for row in self.conn.execute(
                f"SELECT {_COLUMNS} FROM article WHERE {column} IN ({marks})", chunk))
        return found

    def assign(self, article_id: str, link: str, level: int, story: str, dup: str) -> None:
        self._flush()
        self.conn.execute("UPDATE article SET link = ?, level = ?, story = ?, dup = ? WHERE id = ?",
                          (link, level, story, dup, article_id))

    def clear(self) -> None:
        """Delete every article row (a regrouping re-inserts them)."""
        self._puts.clear()
        self.conn.execute("DELETE FROM article")

    def all(self) -> Iterator[Entry]:
        self._flush()
        for row in self.conn.execute(f"SELECT {_COLUMNS} FROM article"):
            yield _entry(row)

    def holding(self, key: str) -> list[Entry]:
        """The articles that hold the entity key `key`."""
        self._flush()
        pattern = "%" + json.dumps(key).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self.conn.execute(f"SELECT {_COLUMNS} FROM article WHERE entities LIKE ? ESCAPE '\\'", (pattern,))
        return [entry for entry in map(_entry, rows) if key in entry.entities]

    def name_counts(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT key, df FROM name"))

    def set_name_counts(self, counts: dict[str, int]) -> None:
        """Store these names' article counts (0: the row goes)."""
        self.conn.executemany("DELETE FROM name WHERE key = ?", [(k,) for k, n in counts.items() if n <= 0])
        self.conn.executemany("INSERT OR REPLACE INTO name VALUES (?, ?)", [(k, n) for k, n in counts.items() if n > 0])

    def clear_name_counts(self) -> None:
        self.conn.execute("DELETE FROM name")

    def assignments(self) -> Iterator[tuple[str, str, str]]:
        """(article id, story id, duplicate group id) of every article."""
        self._flush()
        yield from self.conn.execute("SELECT id, story, dup FROM article")

    def save(self) -> None:
        self._flush()
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()  # what was not saved is dropped, rows not yet flushed with it


def read_assignments(index_dir: Path) -> dict[str, str]:
    """Article id -> story id, read-only, for a search process; {} when there is no state yet."""
    path = Path(index_dir) / STORE_NAME
    if not path.exists():
        return {}
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT id, story FROM article"))
    except sqlite3.OperationalError:  # created but its tables not yet committed
        return {}
    finally:
        conn.close()
