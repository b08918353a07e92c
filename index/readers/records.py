"""Article records: JSON Lines, JSON arrays/objects, CSV and TSV.

Datasets name their fields in many ways (NewsAPI `publishedAt`, Kaggle `headline`, scraper
`content`), so fields are found by usual names, compared case-insensitively and ignoring `_`/`-`;
a user's `ReadOptions.field_map` (our name -> their name) wins over that guessing. Every record
is judged on its own: a bad one becomes a Problem that says where (line N / record N) and the
reader goes on with the next.
"""
from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path

from index.article import ENTITY_TYPES, Article
from index.language_codes import normalise_language
from index.readers.base import Problem, parse_date
from index.readers.publisher import publisher_name
from index.readers.seed import derive_title, normalise_paragraphs

# Our field -> usual names in others' files, most specific first (compared after _key()).
FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "heading"),
    "body": ("text", "body", "content", "article", "articlebody", "maintext", "story", "fulltext"),
    "description": ("description", "summary", "abstract", "lead", "teaser"),
    "date": ("date", "published", "publishedat", "pubdate", "datepublished", "datetime", "publishdate",
             "publicationdate", "pubdatetime", "created", "createdat", "time", "timestamp"),
    "url": ("url", "link", "href", "permalink", "canonicalurl"),
    "source": ("source", "publisher", "sourcename", "site", "sitename", "outlet", "domain"),
    "authors": ("authors", "author", "byline", "creator", "creators", "writer"),
    "language": ("language", "lang", "locale"),
    "person": ("person", "people", "persons", "persona"),
    "org": ("org", "orgs", "organization", "organizations", "organisation", "organisations"),
    "place": ("place", "places", "location", "locations", "geo"),
}
# Keys that commonly hold the list of articles in a JSON object wrapping them.
_LIST_KEYS = ("articles", "data", "items", "results", "records", "docs", "documents", "news", "posts", "rows")
# A news field bigger than this is not text; the csv default (128 KiB) is too small for long articles.
CSV_FIELD_LIMIT = 64 * 1024 * 1024
# A CSV record spanning more physical lines than this is reported (a warning): a quoted field
# that runs on and on is the mark of a quote left open, which swallows the rows after it. A
# 100,000-character article (the longest real ones) with one paragraph per line and blank lines
# between spans ~700 lines; 2,000 leaves room. (A quote closed in the wrong place is an error of
# the strict reading, whatever the record's length: see `_read_csv`.)
CSV_MAX_RECORD_LINES = 2_000
_TOO_DEEP = "JSON nested too deeply to read (over ~1,000 levels of [ and {): not an article"
_AUTHOR_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "phd", "ph.d.", "md", "m.d."}


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def split_authors(value: str) -> list[str]:
    """"A and B", "A, B & C", "By A; B" -> names. "Smith, John" (one name, inverted) stays whole."""
    text = re.sub(r"^\s*by[:\s]+", "", " ".join(value.split()), flags=re.I)
    if not text:
        return []
    parts = [p.strip() for p in re.split(r"\s*(?:;|\||&|\band\b|,)\s*", text) if p and p.strip()]
    if len(parts) == 2 and "," in text and all(" " not in p for p in parts):
        return [text]  # "Smith, John"
    names: list[str] = []
    for part in parts:
        if part.lower() in _AUTHOR_SUFFIXES and names:
            names[-1] = f"{names[-1]} {part}"
        elif part not in names:
            names.append(part)
    return names


def _names(value: object, split: bool) -> list[str]:
    """Strings from a string, a {"name": ...} object, or a list of either."""
    if value is None:
        return []
    if isinstance(value, dict):
        return _names(value.get("name"), split)
    if isinstance(value, list):
        return [n for item in value for n in _names(item, False)]
    text = str(value).strip()
    if not text:
        return []
    if split:
        return split_authors(text)
    return [text]


def _entity_names(value: object) -> list[str]:
    """A list as given; a string (a CSV cell) split on `;` or `|`, else on commas."""
    if isinstance(value, str):
        separator = ";" if ";" in value else "|" if "|" in value else ","
        return [" ".join(p.split()) for p in value.split(separator) if p.strip()]
    return [" ".join(n.split()) for n in _names(value, False)]


def _text(value: object) -> str:
    """Body text with paragraphs separated by blank lines. A list is a list of paragraphs; text
    using single newlines and no blank lines (common in datasets) has one paragraph per line."""
    if isinstance(value, list):
        value = "\n\n".join(str(v) for v in value if v is not None)
    if value is None or isinstance(value, (dict, bool)):
        return ""
    text = str(value).replace("\r\n", "\n")
    if "\n\n" not in text:
        text = text.replace("\n", "\n\n")
    return normalise_paragraphs(text)


class _Fields:
    """Looks fields up in one record: the user's field_map first, then the usual names."""

    def __init__(self, field_map: dict[str, str]) -> None:
        self.field_map = {("authors" if k == "author" else "body" if k == "text" else k): v
                          for k, v in field_map.items()}

    def get(self, record: dict, ours: str) -> object:
        keys = {_key(str(k)): k for k in record}
        if ours in self.field_map:
            wanted = self.field_map[ours]
            if wanted in record:
                return record[wanted]
            return record.get(keys.get(_key(wanted), object()))
        for name in FIELD_NAMES[ours]:
            if name in keys and record[keys[name]] not in (None, "", []):
                return record[keys[name]]
        return None


def record_to_article(record: object, fields: _Fields, path: Path, location: str) -> Iterator[Article | Problem]:
    """One record -> an Article (and maybe a date warning), or an error Problem."""
    where = str(path)
    if not isinstance(record, dict):
        yield Problem(where, f"record is a JSON {type(record).__name__}, not an object", location)
        return
    title = " ".join(str(fields.get(record, "title") or "").split())
    body = _text(fields.get(record, "body")) or _text(fields.get(record, "description"))
    if not title and not body:
        yield Problem(where, "record has no text and no title", location)
        return
    date = None
    raw_date = fields.get(record, "date")
    if raw_date not in (None, ""):
        try:
            date = parse_date(raw_date)
        except ValueError as exc:
            yield Problem(where, f"{exc}; indexed as undated", location, "warning")
    source = _names(fields.get(record, "source"), False)
    url = fields.get(record, "url")
    language = fields.get(record, "language")
    entities = {kind: names for kind in ENTITY_TYPES
                if (names := _entity_names(fields.get(record, kind)))}
    yield Article(
        title=title or derive_title(body), body=body, date=date,
        url=str(url).strip() if isinstance(url, str) and url.strip() else None,
        source=publisher_name(source[:1], url if isinstance(url, str) else None, body),
        authors=_names(fields.get(record, "authors"), True),
        language=normalise_language(language),
        entities=entities, path=where, location=location, title_derived=not title,
    )


def record_items(record: object, fields: _Fields, path: Path, location: str) -> list[Article | Problem]:
    """`record_to_article`, with anything odd inside one record (a value nested so deep that
    reading it recurses too far) costing that record only: an error Problem, and on to the next."""
    try:
        return list(record_to_article(record, fields, path, location))
    except RecursionError:
        return [Problem(str(path), "record nested too deeply to read", location)]
    except Exception as exc:  # a reader bug on one odd record must not lose the rest of the file
        return [Problem(str(path), f"record could not be read: {type(exc).__name__}: {exc}", location)]


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _wrapped_list(obj: dict) -> list | None:
    """The article list inside {"articles": [...]}-style objects, or None for a single article."""
    keys = {_key(k): k for k in obj}
    for name in _LIST_KEYS:
        if name in keys and isinstance(obj[keys[name]], list):
            return obj[keys[name]]
    lists = [v for v in obj.values() if isinstance(v, list) and v and all(isinstance(i, dict) for i in v)]
    return lists[0] if len(lists) == 1 and not any(_key(k) in FIELD_NAMES["body"] for k in obj) else None


def _looks_like_json_lines(text: str) -> bool:
    """One of the first few lines is a whole JSON object: JSON Lines, even if another line is bad."""
    lines = [line for line in text.split("\n", 20)[:20] if line.strip()][:5]
    for line in lines:
        try:
            if isinstance(json.loads(line), dict):
                return True
        except (ValueError, RecursionError):
            continue
    return False


def _read_json(path: Path, text: str, fields: _Fields) -> Iterator[Article | Problem]:
    if path.name.lower().removesuffix(".gz").endswith((".jsonl", ".ndjson")):
        yield from _read_json_lines(path, text, fields)
        return
    stripped = text.strip().lstrip("\ufeff")
    try:
        data = json.loads(stripped)
    except RecursionError:  # e.g. "[[[[..." 100,000 deep: one Problem, records before it kept
        if _looks_like_json_lines(stripped):
            yield from _read_json_lines(path, text, fields)
        elif stripped.startswith("["):
            yield from _read_broken_array(path, stripped, fields)
        else:
            yield Problem(str(path), _TOO_DEEP)
        return
    except ValueError as exc:
        if _looks_like_json_lines(stripped):
            yield from _read_json_lines(path, text, fields)
        elif stripped.startswith("["):
            yield from _read_broken_array(path, stripped, fields)
        else:
            yield Problem(str(path), f"invalid JSON: {exc}")
        return
    if isinstance(data, dict):
        wrapped = _wrapped_list(data)
        if wrapped is None:
            yield from record_items(data, fields, path, "record 1")
            return
        data = wrapped
    if not isinstance(data, list):
        yield Problem(str(path), f"JSON holds a {type(data).__name__}, not articles")
        return
    for number, record in enumerate(data, start=1):
        yield from record_items(record, fields, path, f"record {number}")


def _read_broken_array(path: Path, text: str, fields: _Fields) -> Iterator[Article | Problem]:
    """A JSON array that does not parse (e.g. truncated): the records before the break are kept."""
    decoder = json.JSONDecoder()
    position, number = 1, 0
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] == "]":
            return
        number += 1
        try:
            record, position = decoder.raw_decode(text, position)
        except ValueError as exc:
            yield Problem(str(path), f"invalid JSON, rest of the file skipped: {exc.args[0]}",
                          f"record {number} (line {_line_of(text, position)})")
            return
        except RecursionError:
            yield Problem(str(path), f"{_TOO_DEEP}; rest of the file skipped",
                          f"record {number} (line {_line_of(text, position)})")
            return
        yield from record_items(record, fields, path, f"record {number}")


def _lines(text: str) -> Iterator[str]:
    """The lines of JSON Lines text, one at a time (no list: a copy of the whole file), split at
    "\n" only: JSON strings may hold U+2028, U+0085 and other characters `str.splitlines` splits at."""
    start = 1 if text.startswith("\ufeff") else 0
    while start < len(text):
        end = text.find("\n", start)
        if end < 0:
            end = len(text)
        yield text[start:end]
        start = end + 1


def _read_json_lines(path: Path, text: str, fields: _Fields) -> Iterator[Article | Problem]:
    for number, line in enumerate(_lines(text), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            yield Problem(str(path), f"invalid JSON: {exc}", f"line {number}")
            continue
        except RecursionError:
            yield Problem(str(path), _TOO_DEEP, f"line {number}")
            continue
        yield from record_items(record, fields, path, f"line {number}")


def _delimiter(path: Path, text: str) -> str:
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".tsv"):
        return "\t"
    # The header line decides: column names rarely contain a delimiter, whereas csv.Sniffer is
    # easily fooled by commas and semicolons inside quoted article text.
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in ",\t;|"}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


_LINE_END = re.compile(r"\r\n|\r|\n")


class _LineSource:
    """The physical lines csv.reader consumes, kept per record (to see what a record spans), and
    a way back: after a record that a stray quote broke, reading resumes at its second line."""

    def __init__(self, text: str) -> None:
        self.text = text  # read in place: io.StringIO would hold a second copy of the file
        self.size = len(text)
        self.consumed = 0  # characters read so far
        self.line = 0  # lines read so far
        self.record: list[str] = []  # the lines of the record being read
        self.record_start = (0, 0)  # (characters, lines) read before the record's first line

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self.consumed >= self.size:
            raise StopIteration
        end = _LINE_END.search(self.text, self.consumed)  # as io's newline="": \n, \r\n or \r
        line = self.text[self.consumed: end.end() if end else self.size]
        if not self.record:
            self.record_start = (self.consumed, self.line)
        self.consumed += len(line)
        self.line += 1
        self.record.append(line)
        return line

    def take(self) -> list[str]:
        lines, self.record = self.record, []
        return lines

    def resume_after(self, first_line: str) -> None:
        """Read on from the line after `first_line`, the first line of the record just taken."""
        consumed, line = self.record_start
        self.consumed, self.line = consumed + len(first_line), line + 1
        self.record = []


def _long_record(lines: list[str], start: int) -> str | None:
    """A warning for a well-formed record over CSV_MAX_RECORD_LINES lines, or None."""
    if len(lines) <= CSV_MAX_RECORD_LINES:
        return None
    return (f"record spans lines {start}-{start + len(lines) - 1}, over {CSV_MAX_RECORD_LINES} lines: a quote "
            "left open may have swallowed the rows after it")


def _broken_span(lines: list[str], start: int, at_end: bool) -> str:
    """The lines a broken record took, in words: which rows were read again."""
    if len(lines) < 2:
        return ""
    end = start + len(lines) - 1
    return (f"; it ran on over lines {start}-{end}{' (to the end of the file)' if at_end else ''}, "
            f"which were read again from line {start + 1}")


def _read_csv(path: Path, text: str, fields: _Fields) -> Iterator[Article | Problem]:
    """Rows of a CSV/TSV file, read strictly (a quote must open and close a field).

    A quote left open or closed in the wrong place (`Bad row with "open quote,"The body...`)
    makes a reader take the rows after it into one field until some later quote: they vanish,
    or come back mangled. Read strictly, such a record is an error; its first line (where the
    stray quote is) is read on its own (indexed, with a warning, when that gives the header's
    columns, else named as lost with its line), and reading resumes at the line after it, so
    every good row the quote had swallowed is read again.
    """
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    text = text.lstrip("\ufeff")
    delimiter = _delimiter(path, text)
    source = _LineSource(text)
    reader = csv.reader(source, delimiter=delimiter, strict=True)
    header: list[str] | None = None
    rows = 0
    while True:
        try:
            row, error = next(reader), None
        except StopIteration:
            break
        except csv.Error as exc:
            row, error = None, exc
        lines = source.take()
        if not lines:
            break  # nothing consumed: the csv module cannot move past this point
        start = source.record_start[1] + 1
        if row is None:  # the strict reader refused this record (`error` says why)
            # Read the first line alone (leniently: a quote inside a field is kept as text).
            try:
                cells = next(csv.reader([lines[0]], delimiter=delimiter), [])
            except csv.Error:  # e.g. a NUL byte: this line is not CSV
                cells = None
            span = _broken_span(lines, start, source.consumed >= source.size)
            source.resume_after(lines[0])
            if cells is None:
                yield Problem(str(path), f"bad CSV, not indexed: {error}{span}", f"line {start}")
                continue
            if header is None:
                header = [cell.strip() for cell in cells]
                yield Problem(str(path), f"header: bad CSV ({error}); read on its own{span}", f"line {start}",
                              "warning")
                continue
            if not any(cell.strip() for cell in cells):
                continue
            rows += 1
            if len(cells) != len(header):
                yield Problem(str(path), f"bad CSV row, not indexed: a quote in it is not closed properly ({error}); "
                              f"read on its own it has {len(cells)} columns, the header has {len(header)}{span}",
                              f"line {start}")
                continue
            yield Problem(str(path), f"a quote in this row is not closed properly ({error}); the row was read on "
                          f"its own{span}", f"line {start}", "warning")
            yield from record_items(dict(zip(header, cells)), fields, path, f"line {start}")
            continue
        if not any(cell.strip() for cell in row):
            continue
        trouble = _long_record(lines, start)
        if header is None:
            header = [cell.strip() for cell in row]
            if trouble:
                yield Problem(str(path), f"header: {trouble}", f"line {start}")
            continue
        rows += 1
        if len(row) != len(header):
            spans = f" (the row spans lines {start}-{start + len(lines) - 1})" if len(lines) > 1 else ""
            yield Problem(str(path), f"row has {len(row)} columns, the header has {len(header)}{spans}",
                          f"line {start}")
            continue
        if trouble:
            yield Problem(str(path), trouble, f"line {start}", "warning")
        yield from record_items(dict(zip(header, row)), fields, path, f"line {start}")
    if header is None:
        yield Problem(str(path), "CSV file has no header row")
    elif rows == 0:
        yield Problem(str(path), "CSV file has a header but no rows")


def read(path: Path, text: str, options: object, fmt: str) -> Iterator[Article | Problem]:
    """Articles from a JSON/JSON Lines (fmt "json") or CSV/TSV (fmt "csv") file."""
    fields = _Fields(getattr(options, "field_map", None) or {})
    if fmt == "csv":
        yield from _read_csv(path, text, fields)
    else:
        yield from _read_json(path, text, fields)
