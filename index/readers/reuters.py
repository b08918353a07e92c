"""Reuters-21578 SGML (`reut2-*.sgm`): 1000 `<REUTERS>` documents per file.

Parsed with regular expressions, one `<REUTERS ...>...</REUTERS>` block at a time, rather than
with BeautifulSoup: the files are machine-written SGML with a fixed, flat structure (see
/work/shared/data/reuters21578/SOURCE.md), and a regex pass reads the whole collection
(21,578 documents, gunzip and decoding included) in about 1.3 s, whereas BeautifulSoup
(html.parser) needs about 0.3 s per 1000-document file just to build the tree, ~7 s in all,
before any field is read. Field text has its control-character references (`&#2;`, `&#3;`, `&#127;` ...)
removed first and is then `html.unescape`d, so `&lt;IBM>` becomes `<IBM>`.

What each document becomes:
- NORM documents: TITLE, and BODY with the DATELINE put back in front of it as on the wire
  ("SALVADOR, Feb 26 - Showers continued ..."), so the filing place stays searchable; the
  trailing " Reuter" sign-off is dropped.
- TYPE="BRIEF": title only (the "Blah blah blah." filler after the title is not text), body "".
- TYPE="UNPROC": no TITLE/BODY markup; the first line of TEXT is the title, the rest the body.
- Paragraphs: in the SGML a line indented with spaces starts a new paragraph.
- Language: the collection is Reuters' English newswire of 1987, so every document declares
  "en", a hint like a page's `<html lang>` (indexing's detection keeps it unless a long text
  contradicts it). Undeclared, the detector alone calls 4 English headlines French or Latin
  ("EC AUTHORISES EXPORT 55,000 TONNES MAIZE, MAXIMUM REBATE 130 ECUS/TONNE"); declared, one
  Portuguese price table ("ESTILO SANTOS 1.883,33 ... SEM DESCRICAO") is Portuguese.
- Encoding: a non-ASCII file is decoded again as latin-1 (see `as_latin1`).
- DATE `31-MAR-1987 605:12:19.12` (NEWID 17192) has a valid day but an impossible time: the
  article keeps the day (midnight UTC) and a warning says the time was dropped. A DATE with no
  recognisable day leaves the article undated, with a warning.
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from index.article import Article
from index.entities.reuters_codes import display_name
from index.readers.base import Problem
from index.readers.seed import normalise_paragraphs, trim_title

_DOC_START = re.compile(r"<REUTERS\b([^>]*)>")
_DOC_END = "</REUTERS>"
_NEWID = re.compile(r'\bNEWID="(\d+)"')
_CONTROL_REF = re.compile(r"&#(?:[0-9]|[12][0-9]|3[01]|127);")
_DATE = re.compile(r"(\d{1,2})-([A-Z]{3})-(\d{4})\s+(\d\d):(\d\d):(\d\d)")
_DAY_ONLY = re.compile(r"(\d{1,2})-([A-Z]{3})-(\d{4})")
_MONTHS = {m: i for i, m in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}
_TEXT = re.compile(r"<TEXT\b([^>]*)>(.*?)</TEXT>", re.S)
_PARAGRAPH_START = re.compile(r"\n[ \t]+")
_AUTHOR_PREFIX = re.compile(r"^\s*by\s+", re.I)
_AUTHOR_SUFFIX = re.compile(r",?\s*Reuters?\s*$", re.I)
_ENTITY_FIELDS = (("place", "PLACES"), ("person", "PEOPLE"), ("org", "ORGS"))
_FIELD_CACHE: dict[str, re.Pattern] = {}


def _field(block: str, tag: str) -> str | None:
    """Raw content of the first `<TAG>...</TAG>` in `block`, or None when the tag is absent."""
    pattern = _FIELD_CACHE.get(tag)
    if pattern is None:
        pattern = _FIELD_CACHE[tag] = re.compile(rf"<{tag}>(.*?)</{tag}>", re.S)
    match = pattern.search(block)
    return match.group(1) if match else None


def clean(text: str) -> str:
    """Control-character references removed, then entities decoded (`&lt;` -> `<`)."""
    return html.unescape(_CONTROL_REF.sub("", text))


def strip_sign_off(text: str) -> str:
    """Text without the closing " Reuter" sign-off (a string test: a regex anchored at the end
    still scans the whole body, which was the slowest step of the reader)."""
    stripped = text.rstrip()
    if stripped[-6:].lower() == "reuter" and (len(stripped) == 6 or stripped[-7].isspace()):
        return stripped[:-6]
    return text


def _paragraphs(text: str) -> str:
    return normalise_paragraphs(_PARAGRAPH_START.sub("\n\n", text.replace("\r\n", "\n")))


def parse_reuters_date(raw: str) -> tuple[datetime | None, str | None]:
    """(date, warning): the DATE field as UTC; the warning says what could not be used."""
    value = " ".join(clean(raw).split())
    match = _DATE.search(value)
    if match and match.group(2) in _MONTHS:
        day, mon, year, hh, mm, ss = match.groups()
        try:
            return datetime(int(year), _MONTHS[mon], int(day), int(hh), int(mm), int(ss),
                            tzinfo=timezone.utc), None
        except ValueError:
            pass
    match = _DAY_ONLY.search(value)
    if match and match.group(2) in _MONTHS:
        day, mon, year = match.groups()
        try:
            date = datetime(int(year), _MONTHS[mon], int(day), tzinfo=timezone.utc)
        except ValueError:
            pass
        else:
            return date, f"malformed time in DATE {value!r}; kept the day, time set to 00:00 UTC"
    return None, f"cannot parse DATE {value!r}; indexed as undated"


def _entities(block: str) -> dict[str, list[str]]:
    entities: dict[str, list[str]] = {}
    for kind, tag in _ENTITY_FIELDS:
        content = _field(block, tag)
        if content:
            names = [display_name(kind, clean(code)) for code in re.findall(r"<D>(.*?)</D>", content, re.S)]
            names = [n for n in names if n]
            if names:
                entities[kind] = names
    return entities


def _author(block: str) -> list[str]:
    raw = _field(block, "AUTHOR")
    if not raw:
        return []
    name = _AUTHOR_SUFFIX.sub("", _AUTHOR_PREFIX.sub("", " ".join(clean(raw).split())))
    return [name] if name else []


def _title_and_body(block: str) -> tuple[str, str]:
    """Title and body of one document, whichever of the three TEXT types it is."""
    text_match = _TEXT.search(block)
    text_attrs, text = (text_match.group(1), text_match.group(2)) if text_match else ("", "")
    title_raw = _field(text, "TITLE")
    body_raw = _field(text, "BODY")
    title = " ".join(clean(title_raw).split()) if title_raw else ""
    if 'TYPE="UNPROC"' in text_attrs and title_raw is None and body_raw is None:
        lines = [line for line in clean(text).strip("\n").split("\n")]
        while lines and not lines[0].strip():
            lines.pop(0)
        if not lines:
            return "", ""
        return trim_title(lines[0].strip(), 300), _paragraphs(strip_sign_off("\n".join(lines[1:])))
    if body_raw is None:  # BRIEF: a headline only
        return title, ""
    body = strip_sign_off(clean(body_raw))
    dateline_raw = _field(text, "DATELINE")
    dateline = " ".join(clean(dateline_raw).split()) if dateline_raw else ""
    if dateline:
        body = f"{dateline} {body.lstrip()}"
    return title, _paragraphs(body)


def encoding(raw: bytes) -> str:
    """The collection is ASCII plus one latin-1 byte (0xFC, "ü", in reut2-017): when the bytes
    are not UTF-8, the registry decodes them as latin-1, as the collection's notes prescribe
    (a charset guess read 0xFC as "³")."""
    return "latin-1"


def _cut_start_tag(text: str, since: int) -> int | None:
    """Where a file cut off inside a `<REUTERS ...` start tag (or inside the name itself: `<REU`)
    leaves that tag, if it does: a `<` after `since` that is never closed and begins like one."""
    opening = text.rfind("<", since)
    if opening < 0:
        return None
    fragment = text[opening:].rstrip().upper()
    if ">" in fragment or not (fragment.startswith("<REUTERS") or "<REUTERS".startswith(fragment)):
        return None
    return opening


def read(path: Path, text: str, options: object, fmt: str) -> Iterator[Article | Problem]:
    """One Article per `<REUTERS>` document that has a title or text; Problems for the rest,
    including a last document that a truncated file cuts off (inside its text or its tag)."""
    where = str(path)
    starts = list(_DOC_START.finditer(text))
    cut_tag = _cut_start_tag(text, starts[-1].end() if starts else 0)
    if not starts and cut_tag is None:
        yield Problem(where, "no <REUTERS> documents found: not a Reuters-21578 SGML file")
        return
    for number, start in enumerate(starts, start=1):
        newid_match = _NEWID.search(start.group(1))
        newid = newid_match.group(1) if newid_match else None
        location = f"NEWID {newid}" if newid else f"record {number}"
        limit = starts[number].start() if number < len(starts) else len(text)
        end = text.find(_DOC_END, start.end(), limit)
        if end < 0:
            yield Problem(where, f"document starting on line {_line_of(text, start.start())} has no closing "
                          "</REUTERS> (truncated file?)", location)
            cut_tag = None if number == len(starts) else cut_tag  # the cut is inside this document
            continue
        block = text[start.end():end]
        title, body = _title_and_body(block)
        if not title and not body:
            yield Problem(where, "document has neither title nor body", location)
            continue
        date = None
        date_raw = _field(block, "DATE")
        if date_raw is None:
            yield Problem(where, "no DATE; indexed as undated", location, "warning")
        else:
            date, warning = parse_reuters_date(date_raw)
            if warning:
                yield Problem(where, warning, location, "warning")
        yield Article(
            title=title,
            body=body,
            date=date,
            source="Reuters",
            authors=_author(block),
            language="en",
            entities=_entities(block),
            path=where,
            location=location,
            source_id=f"reuters-21578:{newid}" if newid else None,
        )
    if cut_tag is not None:
        newid_match = _NEWID.search(text, cut_tag)
        location = f"NEWID {newid_match.group(1)}" if newid_match else f"record {len(starts) + 1}"
        yield Problem(where, f"document starting on line {_line_of(text, cut_tag)} is cut off inside its "
                      "<REUTERS> tag (truncated file?)", location)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1
