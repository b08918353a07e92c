"""Corpus-level entity statistics, kept beside the index, so facets use the whole collection.

Why: one article often cannot say who "Kim" is or whether "Surrey" is a person; the collection
can. Two statistics, both sums over articles (so they do not depend on indexing order):
  - type votes: per name, how often the model labelled it person / org / place;
  - bare-name resolutions: per one-word person name, the full names it stood for in articles
    that named both ("Kim" -> "Kim Jong Un"), with each such article's date and names.
An article's bare name left unresolved by its own text resolves through the articles of the
same story (dated within STORY_DAYS and sharing a person or organisation with it), else through
the corpus (any article sharing one): the full name most of them resolved it to; a tie resolves
nothing. Shared places do not count: a dateline's "Washington" or "United States" joins
unrelated stories.

Persistence: one SQLite file in the index folder (`entity-corpus.sqlite`, the writer's
`local_dir`): each article's evidence (resolve.article_evidence), the facet values written for
it, and what changed since the last `finish`. While indexing, each batch is counted (`add`),
then resolved with the statistics so far. `finish`, once at the end of a run, after a commit,
re-resolves the articles that statistics changed after they were resolved (a name whose type
ranking changed once others had used it; a bare name that gained or lost a resolution), and
rewrites only those whose values differ, through `IndexWriter.update_fields`. Every article's
values are therefore those of the final statistics, whatever order the articles came in. A
run killed before `finish` leaves its marks here; the next run's `finish` completes them.
Names known from the archive (index/entities/known.py): every name a model recognised in an
article (after the noise rules) or a source gave is counted in `known` per kind, by articles. An
article no model reads (`pending`: its text kept, compressed, until the run ends) is matched
against those names as each batch is written, and again at `finish` against every name the run
ended with, so its values do not depend on which batch came first, nor on the workers. Its
matches are no votes (they would only repeat the majority that chose them). An article of an
earlier run is matched again when its text is indexed again.
Limits: with OpenSearch `--part` runs on several machines, each machine has its own file (the
statistics of its part). Articles deleted because their file changed keep their evidence here
until their id is written again.
"""
from __future__ import annotations

import heapq
import json
import sqlite3
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from index.entities.aliases import AliasTable, key
from index.entities.known import MAX_NAMES, KnownNames, matchable
from index.entities.orglinks import PREFIX
from index.entities.resolve import (ALL_STEPS, OTHER, Evidence, Steps, is_bare, label_counts, local_resolutions,
                                    org_links, resolve)

FILE_NAME = "entity-corpus.sqlite"
STORY_DAYS = 3
SCHEMA_VERSION = 3  # 2: `ment.place` (shared places are no evidence of a shared context); 3: `known`, `pending`
_TIE_ORDER = ("person", "place", "org", OTHER)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS art (id TEXT PRIMARY KEY, day INTEGER, evidence TEXT NOT NULL, written TEXT);
CREATE TABLE IF NOT EXISTS vote (key TEXT NOT NULL, kind TEXT NOT NULL, n INTEGER NOT NULL,
                                 PRIMARY KEY (key, kind));
CREATE TABLE IF NOT EXISTS ment (id TEXT NOT NULL, key TEXT NOT NULL, place INTEGER NOT NULL,
                                 PRIMARY KEY (id, key));
CREATE INDEX IF NOT EXISTS ment_key ON ment(key);
CREATE TABLE IF NOT EXISTS res (id TEXT NOT NULL, bare TEXT NOT NULL, full TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS res_bare ON res(bare);
CREATE INDEX IF NOT EXISTS res_id ON res(id);
CREATE TABLE IF NOT EXISTS bare (id TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (id, key));
CREATE INDEX IF NOT EXISTS bare_key ON bare(key);
CREATE TABLE IF NOT EXISTS dirty (what TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (what, key));
CREATE TABLE IF NOT EXISTS known (name TEXT NOT NULL, kind TEXT NOT NULL, n INTEGER NOT NULL,
                                  PRIMARY KEY (name, kind));
CREATE TABLE IF NOT EXISTS pending (id TEXT PRIMARY KEY, text BLOB NOT NULL);
"""
_TABLES = ("art", "vote", "ment", "res", "bare", "dirty", "known", "pending")
_PENDING_CHUNK = 500


def day_number(date: datetime | None) -> int | None:
    return date.toordinal() if date is not None else None


def _ranking(counts: dict[str, int]) -> str:
    """The kinds by votes (ties in the fixed order): what rule 1 of resolve.py decides from."""
    return ">".join(sorted(counts, key=lambda k: (-counts[k], _TIE_ORDER.index(k)))) if counts else ""


class EntityCorpus:
    """The statistics of one index (see module doc); `path=None` keeps them in memory."""

    def __init__(self, path: Path | None, table: AliasTable, steps: Steps = ALL_STEPS) -> None:
        self.table, self.steps = table, steps
        self.path = path
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path) if path is not None else ":memory:")
        self._closed = False
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        if self._conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            # A file from an earlier layout: start again (articles count again as they are written).
            self._conn.executescript("".join(f"DROP TABLE IF EXISTS {table};" for table in _TABLES))
            self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        self._conn.executescript(_SCHEMA)
        self._votes: dict[str, dict[str, int]] = {}
        self._dirty_types: set[str] = set()  # names marked this session (saves re-inserts)
        self._known: KnownNames | None = None  # built on the first article no model reads

    # ---- statistics -------------------------------------------------------------------------------

    def votes(self, name_key: str) -> dict[str, int]:
        """{kind: labels} of a name over the corpus."""
        found = self._votes.get(name_key)
        if found is None:
            found = dict(self._conn.execute("SELECT kind, n FROM vote WHERE key = ? AND n > 0", (name_key,)))
            self._votes[name_key] = found
        return found

    def _add_votes(self, counts: dict[str, Counter], sign: int) -> None:
        """Add (or take away) one article's labels. A name whose type ranking this changes,
        after other articles were resolved with the old ranking, is marked: those articles are
        re-resolved at `finish`. (A name new to the corpus marks nothing: no one used it yet.)"""
        for name_key, by_kind in counts.items():
            current = dict(self.votes(name_key))
            before = _ranking(current)
            for kind, n in by_kind.items():
                current[kind] = current.get(kind, 0) + sign * n
                self._conn.execute("INSERT INTO vote VALUES (?, ?, ?) ON CONFLICT(key, kind) DO UPDATE "
                                   "SET n = n + excluded.n", (name_key, kind, sign * n))
            after = {k: n for k, n in current.items() if n > 0}
            self._votes[name_key] = after
            if before and _ranking(after) != before and name_key not in self._dirty_types:
                self._dirty_types.add(name_key)
                self._conn.execute("INSERT OR IGNORE INTO dirty VALUES ('type', ?)", (name_key,))

    def add(self, article_id: str, date: datetime | None, evidence: Evidence) -> None:
        """Count (or re-count, replacing its earlier version) one article's evidence."""
        self._add(article_id, day_number(date), evidence)

    def _add(self, article_id: str, day: int | None, evidence: Evidence) -> None:
        self._remove(article_id)
        self._add_votes(label_counts(evidence), +1)
        self._add_known(evidence, +1)
        found = evidence.get("k", [])
        place_only: dict[str, bool] = {}  # name key -> only ever a place in this article
        for name, kind in evidence["m"] + evidence["s"] + found:
            place_only[key(name)] = place_only.get(key(name), True) and kind == "place"
        self._conn.executemany("INSERT INTO ment VALUES (?, ?, ?)",
                               [(article_id, k, int(p)) for k, p in place_only.items()])
        resolved = local_resolutions(evidence, self.table)
        self._conn.executemany("INSERT INTO res VALUES (?, ?, ?)", [(article_id, b, f) for b, f in resolved.items()])
        self._conn.executemany("INSERT OR IGNORE INTO dirty VALUES ('bare', ?)", [(b,) for b in resolved])
        bare = {key(n) for n, k in evidence["m"] + found if k != OTHER and is_bare(n, self.table)} - set(resolved)
        # Organisations' short names (orglinks.py) share the tables, keyed "org:<key>".
        links = {PREFIX + k: full for k, full in org_links(evidence, self.table).items()}
        self._conn.executemany("INSERT INTO res VALUES (?, ?, ?)", [(article_id, b, f) for b, f in links.items()])
        self._conn.executemany("INSERT OR IGNORE INTO dirty VALUES ('bare', ?)", [(b,) for b in links])
        bare |= {PREFIX + key(n) for n, k in evidence["m"] + found if k == "org"} - set(links)
        self._conn.executemany("INSERT OR IGNORE INTO bare VALUES (?, ?)", [(article_id, b) for b in bare])
        self._conn.execute("INSERT INTO art (id, day, evidence) VALUES (?, ?, ?)",
                           (article_id, day, json.dumps(evidence, ensure_ascii=False)))

    def _remove(self, article_id: str) -> None:
        row = self._conn.execute("SELECT evidence FROM art WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            return
        old = json.loads(row[0])
        self._add_votes(label_counts(old), -1)
        self._add_known(old, -1)
        self._conn.execute("INSERT OR IGNORE INTO dirty SELECT 'bare', bare FROM res WHERE id = ?", (article_id,))
        for table in ("ment", "res", "bare", "art"):
            self._conn.execute(f"DELETE FROM {table} WHERE id = ?", (article_id,))

    def commit(self) -> None:
        self._conn.commit()

    # ---- names known from the archive -------------------------------------------------------------

    def _add_known(self, evidence: Evidence, sign: int) -> None:
        """Count (or take away) the names an article's model found and its source gave, once per
        (name, kind); a name that becomes matchable joins the dictionary in use, if any."""
        names = {(name, kind) for name, kind in evidence["m"] + evidence["s"] if kind != OTHER}
        if not names:
            return
        self._conn.executemany("INSERT INTO known VALUES (?, ?, ?) ON CONFLICT(name, kind) DO UPDATE "
                               "SET n = n + excluded.n", [(name, kind, sign) for name, kind in sorted(names)])
        if self._known is not None and sign > 0:
            new = sorted({name for name, _ in names if name not in self._known})
            for i in range(0, len(new), _PENDING_CHUNK):
                part = new[i:i + _PENDING_CHUNK]
                rows = self._conn.execute(f"SELECT name, kind, n FROM known WHERE name IN ({','.join('?' * len(part))})"
                                          " AND n > 0 ORDER BY name, kind", part).fetchall()
                for name, kind, total in _known_rows(rows):
                    if matchable(name, total):
                        self._known.add(name, kind)

    def known_names(self) -> KnownNames:
        """The dictionary of names known from the archive (built on first use, then kept up to
        date as articles are added): the MAX_NAMES most named of the matchable ones."""
        if self._known is None:
            rows = self._conn.execute("SELECT name, kind, n FROM known WHERE n > 0 ORDER BY name, kind")
            best = heapq.nsmallest(MAX_NAMES, ((-total, name, kind) for name, kind, total in _known_rows(rows)
                                               if matchable(name, total)))
            self._known = KnownNames((name, kind) for _, name, kind in sorted(best, key=lambda item: item[1]))
        return self._known

    def remember_text(self, article_id: str, text: str) -> None:
        """Keep the text of an article no model reads, for `finish` to match against every name
        the run ended with."""
        self._conn.execute("INSERT OR REPLACE INTO pending VALUES (?, ?)",
                           (article_id, zlib.compress(text.encode("utf-8", "surrogatepass"))))

    def _match_pending(self) -> None:
        """Match the kept texts against the final dictionary; an article whose matches change is
        re-counted and marked, for `finish` to re-resolve."""
        if self._conn.execute("SELECT 1 FROM pending LIMIT 1").fetchone() is None:
            return
        self._known = None
        known = self.known_names()
        last = ""
        while True:
            rows = self._conn.execute("SELECT id, text FROM pending WHERE id > ? ORDER BY id LIMIT ?",
                                      (last, _PENDING_CHUNK)).fetchall()
            if not rows:
                break
            for article_id, blob in rows:
                stored = self._conn.execute("SELECT day, evidence FROM art WHERE id = ?", (article_id,)).fetchone()
                if stored is None:
                    continue
                evidence: Evidence = json.loads(stored[1])
                found = known.find(zlib.decompress(blob).decode("utf-8", "surrogatepass"))
                if found != evidence.get("k", []):
                    if found:
                        evidence["k"] = found
                    else:
                        evidence.pop("k", None)
                    self._add(article_id, stored[0], evidence)
                    self._conn.execute("INSERT OR IGNORE INTO dirty VALUES ('id', ?)", (article_id,))
            last = rows[-1][0]
        self._conn.execute("DELETE FROM pending")

    # ---- resolution -------------------------------------------------------------------------------

    def entities(self, article_id: str) -> dict[str, list[str]] | None:
        """The article's facet values under the current statistics (None: not in the corpus)."""
        row = self._conn.execute("SELECT day, evidence FROM art WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            return None
        return self.resolve(article_id, row[0], json.loads(row[1]))

    def resolve(self, article_id: str, day: int | None, evidence: Evidence) -> dict[str, list[str]]:
        """An article's facet values from its evidence, under the current statistics."""
        return resolve(evidence, self.table, self.steps, votes=self.votes,
                       bare_lookup=lambda name: self.lookup(article_id, day, name), org_lookup=self.org_lookup)

    def org_lookup(self, name: str) -> str | None:
        """The full name most articles of the corpus link an organisation's short name to
        (orglinks.py), or None (no link, or a tie)."""
        counts = Counter(dict(self._conn.execute(
            "SELECT full, COUNT(*) FROM res WHERE bare = ? GROUP BY full", (PREFIX + key(name),))))
        best = counts.most_common(2)
        if best and (len(best) == 1 or best[0][1] > best[1][1]):
            return best[0][0]
        return None

    def lookup(self, article_id: str, day: int | None, name: str) -> str | None:
        """The full name a bare name of this article stands for, through its story, else the
        corpus (see module doc), or None."""
        bare = key(name)
        rows = self._conn.execute(
            "SELECT r.full, a.day, (SELECT COUNT(*) FROM ment m JOIN ment mine ON mine.key = m.key "
            "  WHERE m.id = r.id AND mine.id = ? AND m.key != ? AND m.place = 0 AND mine.place = 0) "
            "FROM res r JOIN art a ON a.id = r.id WHERE r.bare = ? AND r.id != ?",
            (article_id, bare, bare, article_id)).fetchall()
        story: Counter = Counter()
        corpus: Counter = Counter()
        for full, other_day, shared in rows:
            if not shared:
                continue
            full = self.table.lookup("person", full) or full
            corpus[full] += 1
            if day is not None and other_day is not None and abs(day - other_day) <= STORY_DAYS:
                story[full] += 1
        for counts in (story, corpus):
            if counts:
                best = counts.most_common(2)
                if len(best) == 1 or best[0][1] > best[1][1]:
                    return best[0][0]
                return None  # a tie: nothing to prefer, whatever order the articles came in
        return None

    def mark_written(self, items: Iterable[tuple[str, dict[str, list[str]]]]) -> None:
        self._conn.executemany("UPDATE art SET written = ? WHERE id = ?",
                               [(json.dumps(e, ensure_ascii=False, sort_keys=True), aid) for aid, e in items])

    def affected(self) -> list[str]:
        """Ids whose values may differ from those written: articles naming a name whose type
        ranking changed after they were resolved, and articles with a bare name whose
        resolutions changed. (Each batch is resolved after all of it is counted.)"""
        ids = {r[0] for r in self._conn.execute(
            "SELECT m.id FROM ment m JOIN dirty d ON d.what = 'type' AND d.key = m.key")}
        ids.update(r[0] for r in self._conn.execute(
            "SELECT b.id FROM bare b JOIN dirty d ON d.what = 'bare' AND d.key = b.key"))
        ids.update(r[0] for r in self._conn.execute("SELECT key FROM dirty WHERE what = 'id'"))
        return sorted(ids)

    def finish(self, update: Callable[[str, dict[str, list[str]]], object]) -> int:
        """Re-resolve the affected articles and `update(id, values)` those whose values changed;
        returns how many. Then nothing is marked. Articles no model reads are first matched
        against the names the run ended with."""
        self._match_pending()
        changed = 0
        for article_id in self.affected():
            row = self._conn.execute("SELECT written FROM art WHERE id = ?", (article_id,)).fetchone()
            values = self.entities(article_id)
            if row is None or values is None:
                continue
            if row[0] is None or json.loads(row[0]) != values:
                update(article_id, values)
                self.mark_written([(article_id, values)])
                changed += 1
        self._conn.execute("DELETE FROM dirty")
        self._dirty_types.clear()
        self._conn.commit()
        return changed

    def close(self) -> None:
        """Commit and close; a second call does nothing (a use after it raises sqlite3's error)."""
        if not self._closed:
            self._conn.commit()
            self._conn.close()
            self._closed = True


def _known_rows(rows: Iterable[tuple[str, str, int]]) -> Iterable[tuple[str, str, int]]:
    """(name, kind, n) rows sorted by name -> (name, its kind (most articles; ties: person,
    place, org), articles naming it)."""
    name: str | None = None
    kinds: dict[str, int] = {}
    for row_name, kind, n in rows:
        if row_name != name:
            if name is not None:
                yield name, _ranking(kinds).split(">")[0], sum(kinds.values())
            name, kinds = row_name, {}
        kinds[kind] = n
    if name is not None:
        yield name, _ranking(kinds).split(">")[0], sum(kinds.values())


__all__ = ["EntityCorpus", "FILE_NAME", "STORY_DAYS"]
