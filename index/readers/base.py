"""What every reader shares: how a file becomes text, and how a problem is reported.

A reader is a function `read(path: Path, data: str) -> Iterator[Article | Problem]`. It never
raises for bad input: a record it cannot use becomes a `Problem` and the reader goes on with the
next record; a file it cannot use at all yields one `Problem` and ends. This is what lets one bad
file in ten thousand cost exactly one line in the summary and nothing else.
"""
from __future__ import annotations

import gzip
import io
import os
import re
import stat
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

import charset_normalizer
from dateutil import parser as dateutil_parser

GZIP_MAGIC = b"\x1f\x8b"
# A file bigger than this is not a news article, and a dump bigger than this is more than one
# reading should hold in memory: a file is read whole, decoded and parsed, and the indexer keeps
# a file's articles until the file is done. Measured: reading a 64 MiB JSON Lines file peaks at
# 3.3x its size (210 MB), so 256 MiB is ~0.9 GB, next to spaCy and the index writer on a small
# machine; it was 512 MiB (~1.7 GB). Bigger dumps can be split: JSON Lines and CSV split at any
# line, and 256 MiB is still ~90,000 typical articles in one file.
MAX_FILE_BYTES = 256 * 1024 * 1024
# The same bound on what a .gz file expands to, since the decompressed bytes are what is held
# (a 612 KB .gz of one repeated line expanded to 600 MB and 1.3 GB of memory before this cap).
MAX_DECOMPRESSED_BYTES = MAX_FILE_BYTES
# Decompression (and a file without a known size) is read this much at a time, so reading stops
# within one chunk past a cap.
_CHUNK = 1024 * 1024

# The most body text one article keeps (characters). The longest real news articles (long-form
# features, full speeches and rulings) run to ~100,000 characters; 500,000 keeps those whole
# with room to spare, while bounding what a search reads for an article it matches (snippets and
# highlighting read the stored body): measured, a search matching one such article takes ~40 ms,
# at 1,000,000 characters 80-135 ms, and a 50 MB record indexed whole made it take 17 s. Beyond
# the limit the body is cut at a paragraph or word, with a warning.
MAX_ARTICLE_CHARS = 500_000
# The most characters a title keeps: real headlines are under ~300 characters; a longer "title"
# is a record whose fields are mixed up, and it is shown in every result list.
MAX_TITLE_CHARS = 1_000
# The most bytes read of a plain text file, which holds one article: MAX_ARTICLE_CHARS characters
# in any UTF-8 text (up to 4 bytes each), so no kept character is lost, while a 50 MB .txt no
# longer costs 1.6 GB to keep its first 500,000 characters (issue 23.6). The rest of a longer
# file is not read, with a warning.
ARTICLE_READ_BYTES = 4 * MAX_ARTICLE_CHARS
# The same for an HTML page, whose one article sits in markup: the largest of the extraction
# benchmark's 181 real pages is 1.5 MB, with its article text well inside it. 4 MiB keeps any
# such page whole, while a 20 MB page no longer takes a minute and ~0.6 GB to parse
# (bench/reader_memory.py, issue 23.6). lxml parses a page cut anywhere.
PAGE_READ_BYTES = max(4 * 1024 * 1024, 2 * ARTICLE_READ_BYTES)

_FILE_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
               (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
               (stat.S_ISSOCK, "a socket"))


@dataclass(frozen=True)
class Problem:
    """One thing that went wrong, precise enough that a person can find and fix it.

    `severity` is "error" when something was not indexed (a file or a record was skipped) and
    "warning" when the article was indexed but lost a detail (e.g. an unparseable date).
    "skipped" is a file that holds no article and was left out on purpose, nothing lost (a word
    list or data table shipped beside a collection): the run counts it as a skipped file, not a
    failure.
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


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words ("a named pipe (FIFO)"), for a Problem's reason."""
    return next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")


def not_regular_reason(mode: int) -> str:
    """Why a file that is not a regular file is skipped: reading a FIFO waits for a writer
    forever and reading /dev/zero never ends, so such files are never opened."""
    return f"not a regular file ({file_kind(mode)}); skipped without opening it"


def load_bytes(path: Path, limit: int | None = None) -> tuple[bytes, bool]:
    """Read a file, transparently un-gzipping it (by magic bytes, whatever its name): (its
    bytes, whether they were cut at `limit`).

    Only a regular file is opened, and no more than the size limits are ever read: a FIFO, a
    device (a symlink to /dev/zero), a file bigger than `MAX_FILE_BYTES` or a gzip stream that
    expands past `MAX_DECOMPRESSED_BYTES` raises `UnreadableFile` instead. With `limit` (a format
    whose one article is in the file's first bytes), only the first `limit` bytes are read (of
    the decompressed content for a .gz), whatever the file's size, and the rest never is.
    """
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableFile(not_regular_reason(info.st_mode))
    if info.st_size > MAX_FILE_BYTES and limit is None:
        raise UnreadableFile(f"file is {info.st_size} bytes, over the {MAX_FILE_BYTES}-byte limit")
    # O_NONBLOCK: should the path have become a FIFO since the stat, opening it does not hang.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise UnreadableFile(not_regular_reason(mode))
        if handle.read(2) == GZIP_MAGIC:
            handle.seek(0)
            return _gunzip(handle, limit)
        handle.seek(0)
        if limit is not None:
            raw = handle.read(limit + 1)
            return raw[:limit], len(raw) > limit
        raw = handle.read(info.st_size + 1)
        if len(raw) > info.st_size:  # it grew since the stat, or has no size (/proc): read on, capped
            buffer = io.BytesIO(raw)
            buffer.seek(0, io.SEEK_END)
            while buffer.tell() <= MAX_FILE_BYTES and (chunk := handle.read(_CHUNK)):
                buffer.write(chunk)
            raw = buffer.getvalue()
    if len(raw) > MAX_FILE_BYTES:
        raise UnreadableFile(f"file is over the {MAX_FILE_BYTES}-byte limit")
    return raw, False


def _gunzip(handle: BinaryIO, limit: int | None = None) -> tuple[bytes, bool]:
    """The decompressed content of a gzip file, read a chunk at a time up to the cap, or up to
    `limit` bytes (then: whether there was more)."""
    out = io.BytesIO()
    try:
        with gzip.GzipFile(fileobj=handle) as stream:
            while chunk := stream.read(_CHUNK if limit is None else min(_CHUNK, limit + 1 - out.tell())):
                if limit is not None and out.tell() + len(chunk) > limit:
                    out.write(chunk[: limit - out.tell()])
                    return out.getvalue(), True
                if out.tell() + len(chunk) > MAX_DECOMPRESSED_BYTES:
                    raise UnreadableFile(f"decompressed size over {MAX_DECOMPRESSED_BYTES} bytes "
                                         "(the limit for one file)")
                out.write(chunk)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise UnreadableFile(f"truncated or corrupt gzip data ({exc})") from None
    return out.getvalue(), False


def whole_characters(raw: bytes) -> bytes:
    """`raw` without a UTF-8 (or UTF-16) character that a cut at a byte count left unfinished."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw[: len(raw) // 2 * 2]
    for back in range(1, min(4, len(raw)) + 1):
        byte = raw[-back]
        if byte & 0xC0 == 0x80:  # a continuation byte: look further back for the lead byte
            continue
        needed = 2 if 0xC0 <= byte < 0xE0 else 3 if 0xE0 <= byte < 0xF0 else 4 if byte >= 0xF0 else 1
        return raw[:-back] if needed > back else raw
    return raw


# What Western European text decoded as cp1252 holds besides ASCII: the Latin-1 letters (no
# multiplication or division sign), the cp1252 letters Š š Ž ž Œ œ Ÿ, and the punctuation and
# symbols news copy uses (no-break space, ¡ ¿ « » ° £ € § © ® ½, dashes, curly quotes, ellipsis).
# Left out are bytes that stand for letters of other code pages: ³ ¹ ¥ (cp1250's ł ą Ą), ¦ ¨ ¬ ¯ ² ¸ ¤.
_WESTERN = frozenset(chr(c) for c in range(0xC0, 0x100) if c not in (0xD7, 0xF7)) | frozenset(
    "ŠšŽžŒœŸ\xa0\xad¡¿«»°£€¢§©®±´µ¶·ªº¼½¾–—‘’‚“”„…•†‡‰‹›™")
# How much of Western text is accented: under 5% of the letters in German, French, Spanish or
# Portuguese news (Icelandic ~10%). Text in a Cyrillic, Greek or Hebrew code page read as cp1252
# is nearly all accented letters, and its words are runs of them ("ðóáëü" for "рубль").
WESTERN_MAX_ACCENTED_SHARE = 0.25
WESTERN_MAX_ACCENTED_RUN = 3
_ACCENTED_RUN = re.compile(rf"[\u00c0-\u00ff]{{{WESTERN_MAX_ACCENTED_RUN + 1},}}")
_NOT_WESTERN = re.compile("[^\x00-\x7f" + re.escape("".join(sorted(_WESTERN))) + "]")
_ACCENTED_LETTER = re.compile("[" + re.escape("".join(sorted(ch for ch in _WESTERN if ch.isalpha()))) + "]")
_ASCII_LETTERS = bytes(range(65, 91)) + bytes(range(97, 123))


def looks_western(text: str) -> bool:
    """True when `text` (bytes decoded as cp1252) reads as Western European text: its non-ASCII
    characters are all Latin-1 letters or common punctuation, a minority of its letters, and no
    word has more than WESTERN_MAX_ACCENTED_RUN accented letters in a row. (Regular expressions
    and byte counts: a 17 MB file is judged in well under a second, not a character at a time.)"""
    if text.isascii() or _NOT_WESTERN.search(text):
        return False
    accented_letters = len(_ACCENTED_LETTER.findall(text))
    ascii_only = text.encode("ascii", "ignore")
    letters = accented_letters + len(ascii_only) - len(ascii_only.translate(None, _ASCII_LETTERS))
    return accented_letters <= letters * WESTERN_MAX_ACCENTED_SHARE and not _ACCENTED_RUN.search(text)


@dataclass(frozen=True)
class DecodingNote:
    """Why a file's text may be wrong although nothing was dropped: its bytes were not valid
    UTF-8 and nothing declared their encoding, so the encoding was guessed."""

    reason: str
    line: int


def decode_with_note(raw: bytes, declared: str | None = None) -> tuple[str, DecodingNote | None]:
    """Decode bytes whatever their encoding, and say when the result rests on a guess.

    UTF-8 first (by far the most common; a BOM is removed), then a declared charset (a page's
    `<meta charset>`, the latin-1 Reuters-21578 is defined in): either is trusted, no note. Then
    charset_normalizer's best guess, and finally cp1252/latin-1, which can decode any bytes;
    those come with a note naming the first byte that is not UTF-8 and the encoding used.
    """
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        bad = exc.start
    if declared:
        try:
            return raw.decode(declared), None
        except (UnicodeDecodeError, LookupError):
            pass
    text, used = _guess(raw)
    reason = f"not valid UTF-8 (byte 0x{raw[bad]:02x} at offset {bad}); decoded as {used}"
    if declared is None:
        reason += ", a guess: some characters may be wrong"
    else:
        reason += f" (the declared {declared} does not fit the bytes either)"
    return text, DecodingNote(reason, raw.count(b"\n", 0, bad) + 1)


def _guess(raw: bytes) -> tuple[str, str]:
    """(text, encoding) for bytes that are not UTF-8.

    cp1252 (latin-1 for its five undefined bytes) whenever the text it gives reads as Western
    European (`looks_western`): on short Western text charset_normalizer often prefers a sibling
    code page that turns "Zürich" into "Z³rich" (cp775) or "café" into "cafľ" (cp1250), and news
    in Latin script is far more often cp1252/latin-1. Otherwise its guess (Cyrillic, Greek, Central
    European, East Asian encodings), and cp1252 when it has none.
    """
    try:
        western, used = raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        western, used = raw.decode("latin-1"), "latin-1"
    if looks_western(western):
        return western, used
    best = charset_normalizer.from_bytes(raw).best()
    if best is not None:
        return str(best), best.encoding
    return western, used


def decode_text(raw: bytes, declared: str | None = None) -> str:
    """Decode bytes whatever their encoding (see `decode_with_note`, which also says when the
    encoding was guessed): nothing is dropped for being in an odd charset."""
    return decode_with_note(raw, declared)[0]


def looks_binary(raw: bytes) -> bool:
    """NUL bytes in the first 8 KiB: not text in any encoding a news file uses (UTF-16 aside)."""
    head = raw[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return b"\x00" in head


def load_text_noted(path: Path, encoding_of: Callable[[bytes], str | None] | None = None,
                    limit: int | None = None) -> tuple[str, DecodingNote | None, bool]:
    """The decoded text of a file, a note when its encoding was guessed (see `decode_with_note`)
    and whether it was cut at `limit` bytes (see `load_bytes`), or `UnreadableFile` saying why
    there is no text.

    `encoding_of` is a format's own say on the encoding (a page's `<meta charset>`, the latin-1
    that Reuters-21578 prescribes), tried after UTF-8 and before guessing.
    """
    try:
        raw, cut = load_bytes(path, limit)
    except OSError as exc:
        raise UnreadableFile(f"cannot read file: {exc.strerror or exc}") from None
    if cut:
        raw = whole_characters(raw)
    text, note = _decode_file(raw, encoding_of)
    return text, note, cut


def _decode_file(raw: bytes, encoding_of: Callable[[bytes], str | None] | None) -> tuple[str, DecodingNote | None]:
    """A file's bytes as text (UTF-16 by its BOM, else `decode_with_note`), or why they are none."""
    if not raw.strip():
        raise UnreadableFile("file is empty")
    if looks_binary(raw):
        raise UnreadableFile("file is binary, not text")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), None
        except UnicodeDecodeError as exc:  # e.g. an odd number of bytes: keep what decodes
            text = raw.decode("utf-16", "replace")
            return text, DecodingNote(f"invalid UTF-16 (at byte {exc.start}); undecodable bytes replaced by U+FFFD",
                                      text.count("\n", 0, exc.start // 2) + 1)
    return decode_with_note(raw, encoding_of(raw) if encoding_of else None)


def load_text(path: Path, encoding_of: Callable[[bytes], str | None] | None = None) -> str:
    """The decoded text of a whole file (`load_text_noted` without the note), or `UnreadableFile`."""
    return load_text_noted(path, encoding_of)[0]


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
