"""Export every matching article of a search as CSV or JSON Lines, streamed.

A researcher takes the list elsewhere (a spreadsheet, R, pandas). The export is a generator of
lines: the backend is read page by page (`EXPORT_BATCH` articles per request, snippets and facets
off), so memory stays the same whether 50 or 10,000 articles are written, and a web response or
a terminal receives the first rows at once. At most `limit` articles are written (the server's
cap, `EXPORT_LIMIT` by default); when that cuts the list, the last line says so.

CSV cells that a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, a tab or
a carriage return) get a leading apostrophe: an indexed title or a typed query is untrusted text
(OWASP's "CSV injection"). Every CSV newsearch writes (this export, the trends table on the web
and the command line) goes through `csv_lines`, which applies that rule to every cell.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from index.article import ENTITY_TYPES
from search.request import SearchRequest
from search.results import BadParameterError

if TYPE_CHECKING:
    from search.engine import Engine

FORMATS = ("csv", "jsonl")
EXPORT_LIMIT = 10_000   # articles per export unless the caller sets another cap
EXPORT_BATCH = 100      # articles per backend request (the largest page a search may ask)
# `language`: ISO 639-1, "und" when undetermined (index/language.py), "" from an index without one.
# After the columns it came later than, so a script that reads columns by position still works.
COLUMNS = ("id", "date", "source", "title", "url", *ENTITY_TYPES, "language")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def every_article(request: SearchRequest, **changes: object) -> SearchRequest:
    """The request listing every matching article: one per story (`collapse`) is for reading a
    page, not for a list to analyse or a feed of new articles."""
    return request.with_changes(collapse=False, **changes)


def safe_cell(value: str) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_lines(rows: Iterable[Sequence[str]]) -> Iterator[str]:
    """Each row as one CSV line (ending in a newline), every cell through `safe_cell`: the one
    CSV writer, so that no CSV of ours can carry a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for cells in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(str(cell)) for cell in cells])
        yield buffer.getvalue()


def _rows(engine: Engine, request: SearchRequest, limit: int, text: bool) -> Iterator[tuple[dict, int]]:
    """(row, total matches) for the first `limit` results in the request's order, page by page."""
    written, page = 0, 1
    while written < limit:
        results = engine.run(every_article(request, page=page, page_size=EXPORT_BATCH, snippets=False, facets=False))
        hits = results.hits[: limit - written]
        if not hits:
            return
        bodies = {}
        if text:
            bodies = {record.id: record.body for record in engine.articles([h.id for h in hits])}
        for hit in hits:
            row = {"id": hit.id, "date": hit.date.isoformat() if hit.date else "", "source": hit.source or "",
                   "title": hit.title or "", "url": hit.url or "",
                   **{kind: hit.entities.get(kind, []) for kind in ENTITY_TYPES}, "language": hit.language or ""}
            if text:
                row["text"] = bodies.get(hit.id, "")
            yield row, results.total
        written += len(hits)
        if page * EXPORT_BATCH >= results.total:
            return
        page += 1


def _cut_message(written: int, total: int) -> str:
    return (f"export cut at {written:,} of {total:,} matching articles (the export limit); narrow the "
            f"search with words, filters or dates to export the rest")


def export_lines(engine: Engine, request: SearchRequest, fmt: str = "csv", *, limit: int = EXPORT_LIMIT,
                 text: bool = False, say_cut: bool = True) -> Iterator[str]:
    """The export's lines (each ending in a newline): CSV with a header row, or one JSON object
    per line; `say_cut` False leaves out the last line that says the limit cut the list (for
    a deliberate first page). Raises `BadParameterError` for an unknown format or limit before
    anything is read."""
    if fmt not in FORMATS:
        raise BadParameterError(f"format must be one of {', '.join(FORMATS)}, not {str(fmt)[:20]!r}")
    if not isinstance(limit, int) or limit < 1:
        raise BadParameterError(f"the export limit must be a whole number from 1, not {limit!r}")
    # A backend that pages only through its first N results (a cluster's result window) stops there.
    reach = engine.backend.capabilities.max_results
    limit = limit if reach is None else min(limit, reach)
    return _generate(engine, request, fmt, limit, text, say_cut)


def _generate(engine: Engine, request: SearchRequest, fmt: str, limit: int, text: bool, say_cut: bool) -> Iterator[str]:
    columns = COLUMNS + (("text",) if text else ())

    def csv_line(cells: list[str]) -> str:
        return next(csv_lines([cells]))

    if fmt == "csv":
        yield csv_line(list(columns))
    written, total = 0, 0
    for row, matching in _rows(engine, request, limit, text):
        written, total = written + 1, matching
        if fmt == "csv":
            cells = [("; ".join(row[c]) if isinstance(row[c], list) else row[c]) for c in columns]
            yield csv_line(cells)
        else:
            yield json.dumps(row, ensure_ascii=False) + "\n"
    if say_cut and written < total:
        message = _cut_message(written, total)
        if fmt == "csv":
            yield csv_line(["# " + message])
        else:
            yield json.dumps({"truncated": True, "exported": written, "total": total, "message": message}) + "\n"


__all__ = ["export_lines", "every_article", "safe_cell", "csv_lines", "FORMATS", "EXPORT_LIMIT", "EXPORT_BATCH", "COLUMNS"]
