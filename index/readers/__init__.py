"""Readers: turn files of any supported format into `Article`s (and `Problem`s).

Each format lives in its own module with one function `read(path, text, options)`; this module
only decides which one applies to a file and walks folders. Adding a format means adding a module
and one line to `FORMATS`.
"""
from __future__ import annotations

import importlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from index.article import Article
from index.readers.base import Problem, UnreadableFile, load_text

# format name -> module in this package that implements `read(path, text, options)`
FORMATS: dict[str, str] = {
    "seed": "seed",
    "text": "seed",  # plain text; the seed module tells the two apart by the leading " date " line
    "html": "html",
    "json": "records",
    "csv": "records",
    "reuters": "reuters",
}

_EXTENSIONS = {
    ".txt": "text", ".text": "text",
    ".html": "html", ".htm": "html", ".xhtml": "html", ".shtml": "html",
    ".json": "json", ".jsonl": "json", ".ndjson": "json",
    ".csv": "csv", ".tsv": "csv",
    ".sgm": "reuters", ".sgml": "reuters",
}
# Files that document a collection rather than belong to it (Reuters-21578 ships a README.txt).
_NOT_ARTICLES = ("readme", "license", "licence", "copying", "changelog", "notice", "authors")


@dataclass
class ReadOptions:
    """Choices a user makes about reading, passed to every reader.

    `field_map` maps our field names (title, body, date, url, source, authors, person, org, place)
    to the names used in a user's JSON/CSV files, for files that use names we don't recognise.
    """

    format: str | None = None
    field_map: dict[str, str] = field(default_factory=dict)


def format_of(path: Path) -> str | None:
    """The format a file's name says it has (`.gz` looked through), or None if it says nothing."""
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return _EXTENSIONS.get(os.path.splitext(name)[1])


def sniff_format(text: str) -> str:
    """Guess a format from content, for files whose name does not tell (e.g. no extension)."""
    head = text.lstrip()[:2000].lower()
    if head.startswith("<!doctype lewis") or head.startswith("<reuters"):
        return "reuters"
    if head.startswith(("<!doctype html", "<html")) or "<body" in head:
        return "html"
    if head.startswith(("{", "[")):
        return "json"
    return "text"


def iter_files(paths: Iterable[Path]) -> Iterator[tuple[Path, str | None]]:
    """Every file to consider, with the format its name gives (None: unknown type).

    Folders are walked recursively in sorted order (stable runs, stable progress); hidden files
    and folders (.git, .DS_Store) and a collection's README/LICENSE files are skipped. A path named explicitly is always yielded.
    """
    for root in paths:
        if root.is_dir():
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    if not name.startswith(".") and not name.lower().startswith(_NOT_ARTICLES):
                        path = Path(dirpath) / name
                        yield path, format_of(path)
        elif root.exists():  # a missing path is the caller's to report
            yield root, format_of(root) or "sniff"


def _reader(fmt: str):
    """The module that reads `fmt` (imported on first use: trafilatura is slow to import)."""
    return importlib.import_module(f"index.readers.{FORMATS[fmt]}")


def read_file(path: Path, options: ReadOptions | None = None, fmt: str | None = None) -> Iterator[Article | Problem]:
    """Articles and problems from one file; never raises for anything the file contains."""
    options = options or ReadOptions()
    fmt = options.format or fmt or format_of(path)
    if fmt not in (None, "sniff") and fmt not in FORMATS:
        yield Problem(str(path), f"unknown format {fmt!r} (known: {', '.join(sorted(FORMATS))})")
        return
    module = _reader(fmt) if fmt in FORMATS else None
    try:
        text = load_text(path, getattr(module, "encoding", None))
    except UnreadableFile as exc:
        yield Problem(str(path), str(exc))
        return
    if module is None:
        fmt = sniff_format(text)
        module = _reader(fmt)
        if hasattr(module, "encoding") and not text.isascii():
            # Its name did not say the format; now that the content has, decode by its rules.
            text = load_text(path, module.encoding)
    try:
        yield from module.read(path, text, options, fmt)
    except Exception as exc:  # a reader bug must not end the batch; report it like bad input
        yield Problem(str(path), f"reader {fmt!r} failed: {type(exc).__name__}: {exc}")
