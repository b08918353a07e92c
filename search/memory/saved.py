"""Saved searches: a search kept under a name with its result set frozen (issue 22).

Researchers cite what they searched and come back to it; a saved search that silently changes
("counts are a moving target") cannot be cited. Saving therefore freezes the answer: the article
ids in ranked order, the total, the facet counts, the time, the index's identity and commit
(generation) and the software version. Opening it later shows exactly that, whatever was indexed
since, and says separately what changed: the articles that match now but were not in the set
("N new articles match since <date>") and the saved ones the index no longer holds.

The parameters kept are the ones that choose the articles and their order (query, every filter,
dates, sort, recency, collapse, story): search/parameters.py's names, so the saved search re-runs
through `SearchRequest.build` on every interface. Page, page size, snippets and facets are how a
page is shown, not what was found, and are not kept.

Large sets: the ids are read from the backend page by page and written to the store as they come
(SQLite: in one transaction; the cluster: in chunks, the saved search made visible only after
its last chunk), so 10,000 ids never sit in memory as a whole list of results.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from typing import TYPE_CHECKING, Any

from search.export import COLUMNS, EXPORT_BATCH, EXPORT_LIMIT, FORMATS, csv_lines, every_article
from search.memory.store import MemoryStore, StoreError, check_name
from search.parameters import BY_NAME
from search.request import SearchRequest
from search.results import ArticleRecord, BadParameterError

if TYPE_CHECKING:
    from search.engine import Engine

# What a saved search keeps of its request: what chooses the articles and their order.
KEPT = ("query", "person", "org", "place", "source", "language", "date_from", "date_to", "sort", "recency",
        "collapse", "story")
MAX_FROZEN = EXPORT_LIMIT   # ids frozen per saved search (the export's cap: what a researcher can take away)
NEW_LISTED = 100            # new articles listed when a saved search is opened (the count is exact)


def software_version() -> str:
    try:
        return metadata.version("newsearch")
    except metadata.PackageNotFoundError:
        return "unknown"


def request_parameters(request: SearchRequest) -> dict[str, Any]:
    """The kept parameters of a request that differ from their defaults, as JSON-ready values."""
    out: dict[str, Any] = {}
    for name in KEPT:
        value = getattr(request, name)
        if value == BY_NAME[name].default:
            continue
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        out[name] = value
    return out


def rebuild_request(parameters: dict[str, Any], **presentation: Any) -> SearchRequest:
    """The request a saved search runs again (checked as any request is)."""
    values = {k: v for k, v in parameters.items() if k != "query"}
    return SearchRequest.build(parameters.get("query", ""), **values, **presentation)


def index_identity(store: MemoryStore) -> str:
    """The identity of the index the store belongs to, so that an index built again from scratch
    has another one: SQLite's is made once with the store, which lives in the index's folder and
    goes with it; the cluster's is the uuid of the concrete index behind the alias (a --rebuild
    makes a new one)."""
    return store.index_identity()


@dataclass
class SavedSearch:
    """A saved search as frozen: what it asked, when, by whom, what it found then."""

    name: str
    parameters: dict[str, Any]
    saved_at: datetime
    author: str
    total: int
    frozen: int
    facets: dict
    index_identity: str
    index_generation: int | None
    version: str

    @property
    def query(self) -> str:
        return str(self.parameters.get("query", ""))

    def citation(self) -> str:
        """One line to cite the set: name, query and filters, date, counts, index and version."""
        filters = "; ".join(f"{k}: {', '.join(v) if isinstance(v, list) else v}"
                            for k, v in self.parameters.items() if k != "query")
        kept = f"{self.frozen:,} kept" if self.frozen < self.total else "all kept"
        return (f"newsearch saved search “{self.name}”: query “{self.query}”"
                + (f" ({filters})" if filters else "")
                + f", saved {self.saved_at:%Y-%m-%d %H:%M} UTC by {self.author}: {self.total:,} articles "
                  f"({kept}); index {self.index_identity[:12]}, commit {self.index_generation}, "
                  f"newsearch {self.version}")

    def to_dict(self) -> dict:
        data = asdict(self)
        data["saved_at"] = self.saved_at.isoformat()
        data["citation"] = self.citation()
        return data


@dataclass
class Reopened:
    """A saved search opened now: the frozen set, and what changed since it was saved."""

    saved: SavedSearch
    new_total: int                      # articles matching now that are not in the frozen set
    new_ids: list[str] = field(default_factory=list)   # the first NEW_LISTED of them, in rank order
    gone: int = 0                       # frozen articles the index no longer holds
    same_index: bool = True             # False: the index was built again from scratch since

    def summary(self) -> str:
        lines = [f"{self.saved.total:,} articles when saved on {self.saved.saved_at:%Y-%m-%d %H:%M} UTC"]
        if not self.same_index:
            lines.append("the index was built again from scratch since: the frozen list is kept, "
                         "but its articles may no longer be found")
        lines.append(f"{self.new_total:,} new articles match since {self.saved.saved_at:%Y-%m-%d}")
        lines.append(f"{self.gone:,} of the saved articles are no longer in the index")
        return "\n".join(lines)


def _row_to_saved(row: dict[str, Any]) -> SavedSearch:
    return SavedSearch(row["name"], json.loads(row["parameters"]), datetime.fromisoformat(row["saved_at"]),
                       row["author"], int(row["total"]), int(row["frozen"]), json.loads(row["facets"]),
                       row["index_identity"], row["index_generation"], row["version"])


def ranked_ids(engine: "Engine", request: SearchRequest, limit: int) -> Iterator[tuple[str, int]]:
    """(article id, total) of the request's first `limit` results in order, page by page."""
    page, seen = 1, 0
    reach = engine.backend.capabilities.max_results
    limit = limit if reach is None else min(limit, reach)
    while seen < limit:
        results = engine.run(every_article(request, page=page, page_size=EXPORT_BATCH, snippets=False,
                                           facets=False))
        for hit in results.hits[: limit - seen]:
            seen += 1
            yield hit.id, results.total
        if not results.hits or page * EXPORT_BATCH >= results.total:
            return
        page += 1


def save(engine: "Engine", store: MemoryStore, name: str, request: SearchRequest, *, author: str,
         replace: bool = False, limit: int = MAX_FROZEN) -> SavedSearch:
    """Run `request` and keep it under `name` with its result set frozen. A name already taken
    is refused (StoreError) unless `replace`: two tabs saving the same name never overwrite each
    other silently."""
    name = check_name(name, "saved search's name")
    first = engine.run(request.with_changes(page=1, snippets=False, facets=True))
    generation = getattr(engine.backend, "generation", None)
    saved = SavedSearch(
        name=name, parameters=request_parameters(request), saved_at=datetime.now(timezone.utc).replace(microsecond=0),
        author=author, total=first.total, frozen=0, facets=first.facets.to_dict(),
        index_identity=index_identity(store), index_generation=generation() if callable(generation) else None,
        version=software_version())
    row = {"name": name, "parameters": json.dumps(saved.parameters, ensure_ascii=False),
           "saved_at": saved.saved_at.isoformat(), "author": author, "total": saved.total,
           "facets": json.dumps(saved.facets, ensure_ascii=False), "index_identity": saved.index_identity,
           "index_generation": saved.index_generation, "version": saved.version}
    saved.frozen = store.put_saved(row, (article_id for article_id, _ in ranked_ids(engine, request, limit)),
                                   replace=replace)
    return saved


def get(store: MemoryStore, name: str) -> SavedSearch:
    """A saved search by name (StoreError naming the known ones when there is none)."""
    key = check_name(name, "saved search's name")
    row = store.get_saved(key)
    if row is None:
        known = sorted(s["name"] for s in store.list_saved())[:10]
        hint = f" (saved: {', '.join(known)})" if known else " (none saved yet)"
        raise StoreError(f"no saved search named {key!r}{hint}")
    return _row_to_saved(row)


def saved_searches(store: MemoryStore) -> list[SavedSearch]:
    """Every saved search, newest first."""
    return [_row_to_saved(row) for row in store.list_saved()]


def delete(store: MemoryStore, name: str) -> None:
    key = check_name(name, "saved search's name")
    if not store.delete_saved(key):
        raise StoreError(f"no saved search named {key!r}")


def frozen_ids(store: MemoryStore, name: str, *, offset: int = 0, limit: int | None = None) -> Iterator[str]:
    """The frozen article ids in their saved order, streamed."""
    return store.saved_ids(name, offset, limit)


def reopen(engine: "Engine", store: MemoryStore, name: str, *, limit: int = MAX_FROZEN) -> Reopened:
    """The saved search and what changed: new matches now (count, and the first NEW_LISTED in
    rank order) and frozen articles the index no longer holds."""
    saved = get(store, name)
    frozen = set(frozen_ids(store, saved.name))
    request = rebuild_request(saved.parameters)
    new_total, new_ids = 0, list[str]()
    for article_id, _ in ranked_ids(engine, request, limit):
        if article_id not in frozen:
            new_total += 1
            if len(new_ids) < NEW_LISTED:
                new_ids.append(article_id)
    gone = 0
    chunk: list[str] = []
    for article_id in frozen_ids(store, saved.name):
        chunk.append(article_id)
        if len(chunk) >= EXPORT_BATCH:
            gone += len(chunk) - len(engine.articles(chunk))
            chunk = []
    if chunk:
        gone += len(chunk) - len(engine.articles(chunk))
    return Reopened(saved, new_total, new_ids, gone, same_index=saved.index_identity == index_identity(store))


def _record_row(record: ArticleRecord) -> dict[str, Any]:
    """An export row of a stored article (search.export's columns)."""
    row: dict[str, Any] = {"id": record.id, "date": record.date.isoformat() if record.date else "",
                           "source": record.source or "", "title": record.title or "", "url": record.url or "",
                           "language": record.language or ""}
    row.update({kind: names for kind, names in record.entities.items()})
    return {column: row.get(column, "") for column in COLUMNS}


def export_frozen(engine: "Engine", store: MemoryStore, name: str, fmt: str = "csv") -> Iterator[str]:
    """The frozen set as CSV or JSON Lines lines, in its saved order, exactly the saved ids: an
    article the index no longer holds is a row with its id and `missing` set (CSV: the other
    cells empty), never left out. Streamed EXPORT_BATCH ids at a time."""
    if fmt not in FORMATS:
        raise BadParameterError(f"format must be one of {', '.join(FORMATS)}, not {str(fmt)[:20]!r}")
    saved = get(store, name)
    columns = (*COLUMNS, "missing")
    return _export_rows(engine, store, saved, fmt, columns)


def _export_rows(engine: "Engine", store: MemoryStore, saved: SavedSearch, fmt: str,
                 columns: tuple[str, ...]) -> Iterator[str]:
    if fmt == "csv":
        yield from csv_lines([list(columns)])

    def lines(chunk: list[str]) -> Iterator[str]:
        found = {record.id: record for record in engine.articles(chunk)}
        for article_id in chunk:
            record = found.get(article_id)
            row: dict[str, Any] = (_record_row(record) if record else
                                   {c: ("" if c != "id" else article_id) for c in COLUMNS})
            row["missing"] = record is None
            if fmt == "csv":
                cells = ["; ".join(v) if isinstance(v, list) else ("yes" if v is True else "" if v is False else v)
                         for v in (row[c] for c in columns)]
                yield from csv_lines([cells])
            else:
                yield json.dumps(row, ensure_ascii=False) + "\n"
    chunk: list[str] = []
    for article_id in frozen_ids(store, saved.name):
        chunk.append(article_id)
        if len(chunk) >= EXPORT_BATCH:
            yield from lines(chunk)
            chunk = []
    if chunk:
        yield from lines(chunk)


__all__ = ["export_frozen", "ranked_ids", "SavedSearch", "Reopened", "save", "get", "saved_searches", "delete", "frozen_ids", "reopen",
           "request_parameters", "rebuild_request", "index_identity", "KEPT", "MAX_FROZEN", "NEW_LISTED"]
