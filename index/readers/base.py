"""What every reader shares: how a file becomes text, and how a problem is reported.

A reader is a function `read(path: Path, data: str) -> Iterator[Article | Problem]`. It never
raises for bad input: a record it cannot use becomes a `Problem` and the reader goes on with the
next record; a file it cannot use at all yields one `Problem` and ends. This is what lets one bad
file in ten thousand cost exactly one line in the summary and nothing else.
"""
from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import charset_normalizer
from dateutil import parser as dateutil_parser

GZIP_MAGIC = b"\x1f\x8b"
# A file bigger than this is not a news article or a dump we can hold in memory safely.
MAX_FILE_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    """One thing that went wrong, precise enough that a person can find and fix it.

    `severity` is "error" when something was not indexed (a file or a record was skipped) and
    "warning" when the article was indexed but lost a detail (e.g. an unparseable date).
    """

    path: str
    reason: str
    location: str | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.location}" if self.location else self.path
        return f"{self.severity}: {where}: {self.reason}"

    def to_dict(self) -> dict:
        return asdict(self)


class UnreadableFile(Exception):
    """Raised by `load_text` with a reason fit for a `Problem`."""


def load_bytes(path: Path) -> bytes:
    """Read a file, transparently un-gzipping it (by magic bytes, whatever its name)."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise UnreadableFile(f"file is {size} bytes, over the {MAX_FILE_BYTES}-byte limit")
    raw = path.read_bytes()
    if raw[:2] == GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as exc:
            raise UnreadableFile(f"truncated or corrupt gzip data ({exc})") from None
    return raw


# Single-byte Latin-script code pages charset_normalizer confuses with Windows-1252.
_LATIN_GUESSES = {"cp1250", "cp1252", "cp1254", "cp1257", "latin_1", "iso8859_2", "iso8859_3", "iso8859_4",
                  "iso8859_9", "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15", "iso8859_16",
                  "mac_latin2", "mac_roman", "mac_iceland", "mac_turkish", "cp850", "cp437"}


def decode_text(raw: bytes, declared: str | None = None) -> str:
    """Decode bytes whatever their encoding: nothing is dropped for being in an odd charset.

    UTF-8 first (by far the most common; a BOM is removed), then a declared charset, then
    charset_normalizer's best guess, and finally cp1252/latin-1, which can decode any bytes.
    """
    for encoding in ("utf-8-sig", declared):
        if encoding:
            try:
                return raw.decode(encoding)
            except (UnicodeDecodeError, LookupError):
                pass
    best = charset_normalizer.from_bytes(raw).best()
    if best is not None and best.encoding not in _LATIN_GUESSES:
        return str(best)
    # On short Western text the detector often guesses a sibling code page (cp1250, cp1257)
    # that turns "café" into "cafľ"; for news in Latin script, cp1252 is the likely truth.
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def looks_binary(raw: bytes) -> bool:
    """NUL bytes in the first 8 KiB: not text in any encoding a news file uses (UTF-16 aside)."""
    head = raw[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return b"\x00" in head


def load_text(path: Path, encoding_of: Callable[[bytes], str | None] | None = None) -> str:
    """The decoded text of a file, or `UnreadableFile` saying why there is none.

    `encoding_of` is a format's own say on the encoding (a page's `<meta charset>`, the latin-1
    that Reuters-21578 prescribes), tried after UTF-8 and before guessing.
    """
    try:
        raw = load_bytes(path)
    except OSError as exc:
        raise UnreadableFile(f"cannot read file: {exc.strerror or exc}") from None
    if not raw.strip():
        raise UnreadableFile("file is empty")
    if looks_binary(raw):
        raise UnreadableFile("file is binary, not text")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    return decode_text(raw, encoding_of(raw) if encoding_of else None)


# Zone abbreviations news pages print; ambiguous ones take their most common news meaning
# (IST: India, as on the extraction benchmark's pages; CST: US Central).
_H = 3600
_TZINFOS = {"UTC": 0, "GMT": 0, "Z": 0, "EST": -5 * _H, "EDT": -4 * _H, "CST": -6 * _H, "CDT": -5 * _H,
            "MST": -7 * _H, "MDT": -6 * _H, "PST": -8 * _H, "PDT": -7 * _H, "BST": _H, "CET": _H,
            "CEST": 2 * _H, "EET": 2 * _H, "EEST": 3 * _H, "MSK": 3 * _H, "IST": int(5.5 * _H),
            "SGT": 8 * _H, "HKT": 8 * _H, "JST": 9 * _H, "KST": 9 * _H, "AEST": 10 * _H, "AEDT": 11 * _H}


_DEFAULT_DATE = datetime(2000, 1, 1)


def parse_date(value: object) -> datetime:
    """Parse a publication date from the forms news sources use; raises ValueError if it can't.

    Accepts ISO-8601, RFC-822 ("Sat, 23 Feb 2019 10:00:00 GMT"), "February 23, 2019" and
    friends, and Unix timestamps (seconds or milliseconds). A date without a zone is UTC.
    """
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if value > 10**11 else value
        try:
            result = datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"timestamp {value!r} is out of range") from None
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValueError("date is empty")
        if re.fullmatch(r"\d{10}(\d{3})?", text):
            return parse_date(int(text))
        try:
            # A fixed default: a partial date ("February 2019") must not borrow today's day.
            result = dateutil_parser.parse(text, tzinfos=_TZINFOS, default=_DEFAULT_DATE)
        except (ValueError, OverflowError, TypeError) as exc:
            raise ValueError(f"cannot parse date {text!r}") from exc
    else:
        raise ValueError(f"cannot parse date from {type(value).__name__} {value!r}")
    if result.tzinfo is None:
        result = result.replace(tzinfo=timezone.utc)
    if not 1000 <= result.year <= 9999:
        raise ValueError(f"date {value!r} has implausible year {result.year}")
    return result
