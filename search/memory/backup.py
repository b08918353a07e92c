"""Back up and restore the researcher's memory: `newsearch export-state FILE` / `import-state FILE`.

The file is JSON Lines: a header line (format, store schema, the index identity, when), then
one line per row of each table ({"table": ..., "row": {...}}), streamed both ways so a store of
any size moves in bounded memory. Importing merges: rows already there are kept (a saved search
or collection of the same name is skipped and reported, unless `replace`), tags are added, rules
appended. A saved search keeps the identity of the index it ran on, so after importing into an
index built again from scratch, opening it says so (search.memory.saved.Reopened.same_index).
The import is one transaction: a broken line leaves the store as it was, and the error names the
line.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from search.memory.saved import index_identity
from search.memory.store import SCHEMA_VERSION, ResearchStore, StoreError

FORMAT = "newsearch-state"
# Tables in an order that satisfies their references; each with its key columns (a row whose key
# exists is a duplicate).
TABLES: dict[str, tuple[str, ...]] = {
    "saved": ("name",), "saved_article": ("name", "rank"), "tag_rule": ("id",), "tag": ("tag", "article"),
    "collection": ("name",), "collection_source": ("name", "source"),
}



def export_lines(store: ResearchStore) -> Iterator[str]:
    """The store as JSON Lines (see the module docstring)."""
    header = {"format": FORMAT, "schema": SCHEMA_VERSION, "index_identity": index_identity(store),
              "exported_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat()}
    yield json.dumps(header) + "\n"
    db = store.connection()
    for table in TABLES:
        columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
        for values in store.iterate(f"SELECT {', '.join(columns)} FROM {table}"):
            yield json.dumps({"table": table, "row": dict(zip(columns, values))}, ensure_ascii=False) + "\n"


def import_lines(store: ResearchStore, lines: IO[str] | list[str], *, replace: bool = False) -> dict[str, int]:
    """Merge an export into the store: {table: rows added}, plus "skipped" (saved searches and
    collections whose names exist). Raises StoreError naming the line for a broken file."""
    added: dict[str, int] = {table: 0 for table in TABLES}
    added["skipped"] = 0
    skipped: set[tuple[str, str]] = set()
    rule_ids: dict[int, int] = {}
    with store.transaction() as db:
        columns = {t: [row[1] for row in db.execute(f"PRAGMA table_info({t})")] for t in TABLES}
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as error:
                raise StoreError(f"line {number}: not JSON ({error.msg}): nothing was imported") from None
            if number == 1:
                if not isinstance(item, dict) or item.get("format") != FORMAT:
                    raise StoreError(f"line 1: not a newsearch state file (no {FORMAT!r} header): nothing was imported")
                if int(item.get("schema", 0)) > SCHEMA_VERSION:
                    raise StoreError(f"line 1: written by a newer newsearch (store schema {item.get('schema')}): "
                                     f"upgrade newsearch to import it")
                continue
            table, row = (item.get("table"), item.get("row")) if isinstance(item, dict) else (None, None)
            if table not in TABLES or not isinstance(row, dict) or set(row) - set(columns[table]):
                raise StoreError(f"line {number}: not a row of the state file's tables: nothing was imported")
            if table == "tag_rule":  # rules get new ids here; their tags follow them
                old = row.pop("id", None)
                cursor = db.execute(f"INSERT INTO tag_rule ({', '.join(row)}) VALUES ({','.join('?' * len(row))})",
                                    tuple(row.values()))
                rule_ids[int(old or 0)] = int(cursor.lastrowid or 0)
                added[table] += 1
                continue
            if table == "tag" and row.get("rule") is not None:
                row["rule"] = rule_ids.get(int(row["rule"]))
            owner = ("saved", row.get("name")) if table in ("saved", "saved_article") else \
                ("collection", row.get("name")) if table in ("collection", "collection_source") else None
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
            except Exception as error:  # sqlite3.IntegrityError and friends: a row that cannot be
                raise StoreError(f"line {number}: {error}: nothing was imported") from None
            added[table] += cursor.rowcount
    return added


def export_state(store: ResearchStore, path: Path) -> int:
    """Write the store to `path` (atomically: a temporary file renamed); rows written."""
    temporary = path.with_name(path.name + ".part")
    rows = -1
    with temporary.open("w", encoding="utf-8") as out:
        for line in export_lines(store):
            out.write(line)
            rows += 1
    temporary.replace(path)
    return rows


def import_state(store: ResearchStore, path: Path, *, replace: bool = False) -> dict[str, int]:
    if not path.is_file():
        raise StoreError(f"{path}: no such file")
    with path.open(encoding="utf-8") as lines:
        return import_lines(store, lines, replace=replace)


__all__ = ["export_lines", "import_lines", "export_state", "import_state", "FORMAT"]
