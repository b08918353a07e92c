"""Back up and restore the researcher's memory: `newsearch export-state FILE` / `import-state FILE`.

The file is JSON Lines: a header line (format, store schema, the index identity, when), then
one line per row of each table ({"table": ..., "row": {...}}), streamed both ways so a store of
any size moves in bounded memory. Importing merges: rows already there are kept (a saved search
or collection of the same name is skipped and reported, unless `replace`), tags are added, rules
appended. A saved search keeps the identity of the index it ran on, so after importing into an
index built again from scratch, opening it says so (search.memory.saved.Reopened.same_index).
The import is one transaction (SQLite), or on the cluster a check of every line before the first
row is written: a broken line leaves the store as it was, and the error names the line.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from search.memory.saved import index_identity
from search.memory.store import SCHEMA_VERSION, TABLES, MemoryStore, StoreError

FORMAT = "newsearch-state"


def export_lines(store: MemoryStore) -> Iterator[str]:
    """The store as JSON Lines (see the module docstring)."""
    header = {"format": FORMAT, "schema": SCHEMA_VERSION, "index_identity": index_identity(store),
              "exported_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat()}
    yield json.dumps(header) + "\n"
    for table, row in store.export_rows():
        yield json.dumps({"table": table, "row": row}, ensure_ascii=False) + "\n"


def _rows(lines: Iterable[str]) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """(line number, table, row) of a state file's lines, each checked (StoreError naming the
    line: nothing was imported)."""
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
        if table not in TABLES or not isinstance(row, dict) or set(row) - set(TABLES[table]):
            raise StoreError(f"line {number}: not a row of the state file's tables: nothing was imported")
        yield number, table, row


def import_lines(store: MemoryStore, lines: IO[str] | list[str], *, replace: bool = False) -> dict[str, int]:
    """Merge an export into the store: {table: rows added}, plus "skipped" (saved searches and
    collections whose names exist). Raises StoreError naming the line for a broken file. A store
    without transactions (the cluster's) has the whole file checked first, then read again
    (`lines` must be a list or a seekable file), so a broken line still imports nothing."""
    if not store.transactional:
        for _ in _rows(lines):
            pass
        if not isinstance(lines, list):
            lines.seek(0)
    return store.import_rows(_rows(lines), replace=replace)


def export_state(store: MemoryStore, path: Path) -> int:
    """Write the store to `path` (atomically: a temporary file renamed); rows written."""
    temporary = path.with_name(path.name + ".part")
    rows = -1
    with temporary.open("w", encoding="utf-8") as out:
        for line in export_lines(store):
            out.write(line)
            rows += 1
    temporary.replace(path)
    return rows


def import_state(store: MemoryStore, path: Path, *, replace: bool = False) -> dict[str, int]:
    if not path.is_file():
        raise StoreError(f"{path}: no such file")
    with path.open(encoding="utf-8") as lines:
        return import_lines(store, lines, replace=replace)


__all__ = ["TABLES", "export_lines", "import_lines", "export_state", "import_state", "FORMAT"]
