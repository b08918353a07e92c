"""Readers: turn files of any supported format into `Article`s (and `Problem`s).

Each format lives in its own module with one function `read(path, text, options)`; this module
only decides which one applies to a file and walks folders. Adding a format means adding a module
and one line to `FORMATS`.
"""
from __future__ import annotations

import errno
import importlib
import logging
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from index.article import Article
from index.readers.base import (MAX_ARTICLE_CHARS, MAX_TITLE_CHARS, PAGE_READ_BYTES, Problem, UnreadableFile,
                                load_text_noted, not_regular_reason)
from index.readers.checks import check_article, check_problem
from index.readers.seed import trim_title

log = logging.getLogger(__name__)


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


def iter_files(paths: Iterable[Path | str],
               on_problem: Callable[[Problem], None] | None = None) -> Iterator[tuple[Path, str | None]]:
    """Every file to consider, with the format its name gives (None: unknown type).

    Contract: `paths` are the raw paths a user gave (str or Path, relative or not); each is
    resolved here, and whatever cannot be used is reported through `on_problem` and skipped,
    never raised: a missing path ("no such file or folder"), a broken symlink, a symlink loop, an
    unreadable folder, and anything that is not a regular file (a FIFO would hang the run,
    /dev/zero would fill memory), which is never opened. Without `on_problem` these are logged.
    Folders are walked recursively in sorted order (stable runs, stable progress); hidden files
    and folders (.git, .DS_Store) and a collection's README/LICENSE files are skipped, and
    symlinked folders inside them are reported, not followed (no loops, no files read twice).
    A regular file named explicitly is always yielded (with "sniff" when its name says nothing).
    """
    report = on_problem or _log_problem
    for raw in paths:
        given = Path(raw)
        info = _stat(given)
        if isinstance(info, str):
            report(Problem(str(given), info))
            continue
        try:
            root = given.resolve()
        except (OSError, RuntimeError, ValueError) as exc:  # RuntimeError: a symlink loop (3.11)
            report(Problem(str(given), f"cannot resolve path: {exc}"))
            continue
        if stat.S_ISDIR(info.st_mode):
            yield from _walk(root, report)
        elif stat.S_ISREG(info.st_mode):
            yield root, format_of(root) or "sniff"
        else:
            report(Problem(str(given), not_regular_reason(info.st_mode)))


def _walk(root: Path, report: Callable[[Problem], None]) -> Iterator[tuple[Path, str | None]]:
    def unreadable(exc: OSError) -> None:
        report(Problem(str(exc.filename or root), f"cannot read folder: {exc.strerror or exc}"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable):
        visible = sorted(d for d in dirnames if not d.startswith("."))
        dirnames[:] = [d for d in visible if not os.path.islink(os.path.join(dirpath, d))]
        for name in visible:
            if name not in dirnames:
                report(Problem(os.path.join(dirpath, name), "symlink to a folder: not followed "
                               "(name its target to index it)"))
        for name in sorted(filenames):
            if name.startswith(".") or name.lower().startswith(_NOT_ARTICLES):
                continue
            path = Path(dirpath) / name
            info = _stat(path)
            if isinstance(info, str):
                report(Problem(str(path), info))
            elif not stat.S_ISREG(info.st_mode):
                report(Problem(str(path), not_regular_reason(info.st_mode)))
            else:
                yield path, format_of(path)


def _stat(path: Path) -> os.stat_result | str:
    """The file's status (symlinks followed), or why there is none, in words for a Problem."""
    try:
        return os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop: the link leads back to itself"
        if isinstance(exc, (FileNotFoundError, NotADirectoryError)):
            if os.path.islink(path):
                return f"broken symlink: it points to {os.readlink(path)}, which does not exist"
            return "no such file or folder"
        return f"cannot read: {exc.strerror or exc}"
    except ValueError as exc:  # e.g. a NUL byte in the name
        return f"not a usable path: {exc}"


def _log_problem(problem: Problem) -> None:
    log.warning("%s", problem)


# Reader modules that failed to import, by module name -> the error: a broken install is tried
# once per process, and every file of that format gets the same reason.
_IMPORT_FAILURES: dict[str, str] = {}


def _reader(fmt: str) -> ModuleType | str:
    """The module that reads `fmt` (imported on first use: trafilatura is slow to import), or,
    when it cannot be imported (a dependency missing or broken), the reason, for a Problem."""
    name = f"index.readers.{FORMATS[fmt]}"
    if name not in _IMPORT_FAILURES:
        try:
            return importlib.import_module(name)
        except Exception as exc:  # ImportError mostly; any error while importing a dependency
            missing = getattr(exc, "name", None)
            detail = f"{type(exc).__name__}: {exc}" + (f" (module {missing!r})" if missing else "")
            _IMPORT_FAILURES[name] = detail
    return (f"the {fmt} reader ({name}) cannot be loaded: {_IMPORT_FAILURES[name]}; "
            "reinstall newsearch with its dependencies (pip install .)")


def read_file(path: Path, options: ReadOptions | None = None, fmt: str | None = None) -> Iterator[Article | Problem]:
    """Articles and problems from one file; never raises for anything the file contains.

    Besides each reader's own problems: a reader that cannot be imported, an unreadable file, an
    encoding that had to be guessed (a warning), text that is not valid Unicode or a date in the
    future (`checks.check_article`: fixed, with a warning) and an article over `MAX_ARTICLE_CHARS`
    or `MAX_TITLE_CHARS` (cut, with a warning) are reported here, for every format alike. A
    problem's own words are valid Unicode too (`checks.check_problem`: they may quote the file).
    """
    for item in _read_file(path, options, fmt):
        yield check_problem(item) if isinstance(item, Problem) else item


def _read_file(path: Path, options: ReadOptions | None, fmt: str | None) -> Iterator[Article | Problem]:
    options = options or ReadOptions()
    fmt = options.format or fmt or format_of(path)
    if fmt not in (None, "sniff") and fmt not in FORMATS:
        yield Problem(str(path), f"unknown format {fmt!r} (known: {', '.join(sorted(FORMATS))})")
        return
    module = _reader(fmt) if fmt in FORMATS else None
    if isinstance(module, str):
        yield Problem(str(path), module)
        return
    # A format whose file holds one article (text, HTML) reads only its first READ_BYTES: what
    # one article can keep. Memory then follows what is kept, not the file (issue 23.6). A file
    # whose name says nothing is read as far as the largest of those limits first.
    limit = getattr(module, "READ_BYTES", None) if module is not None else PAGE_READ_BYTES
    try:
        text, note, cut = load_text_noted(path, getattr(module, "encoding", None), limit)
        if module is None:
            fmt = sniff_format(text)
            module = _reader(fmt)
            if isinstance(module, str):
                yield Problem(str(path), module)
                return
            if (cut and not hasattr(module, "READ_BYTES")) or (hasattr(module, "encoding") and not text.isascii()):
                # Its name did not say the format; now that the content has, read by its rules
                # (records: the whole file; its own encoding).
                limit = getattr(module, "READ_BYTES", None)
                text, note, cut = load_text_noted(path, getattr(module, "encoding", None), limit)
    except UnreadableFile as exc:
        yield Problem(str(path), str(exc))
        return
    if cut:
        yield Problem(str(path), f"only the first {limit:,} bytes of the file were read (a file in the {fmt} format "
                      f"holds one article, which keeps at most {MAX_ARTICLE_CHARS:,} characters); the rest is not "
                      "indexed", None, "warning")
    if note is not None:
        yield Problem(str(path), note.reason, f"line {note.line}", "warning")
    try:
        for item in module.read(path, text, options, fmt):
            if isinstance(item, Article):
                yield from check_article(item)
                yield from cap_article(item)
            yield item
    except Exception as exc:  # a reader bug must not end the batch; report it like bad input
        yield Problem(str(path), f"reader {fmt!r} failed: {type(exc).__name__}: {exc}")


def cap_article(article: Article) -> list[Problem]:
    """Cut an over-long title or body to `MAX_TITLE_CHARS` / `MAX_ARTICLE_CHARS` (in place), and
    say so: a 50 MB record indexed whole made every search that matched it take 17 s."""
    problems: list[Problem] = []
    where = article.path
    if len(article.title) > MAX_TITLE_CHARS:
        before = len(article.title)
        article.title = trim_title(article.title, MAX_TITLE_CHARS)
        problems.append(Problem(where, f"title cut from {before} to {len(article.title)} characters "
                                f"(limit {MAX_TITLE_CHARS})", article.location, "warning"))
    if len(article.body) > MAX_ARTICLE_CHARS:
        before = len(article.body)
        article.body = cut_text(article.body, MAX_ARTICLE_CHARS)
        problems.append(Problem(where, f"body cut from {before} to {len(article.body)} characters "
                                f"(limit {MAX_ARTICLE_CHARS}); the rest is not indexed", article.location,
                                "warning"))
    return problems


def cut_text(text: str, limit: int) -> str:
    """At most `limit` characters of `text`, ending at a paragraph break if one falls in the last
    half of the allowance, else at a space, else (one giant token) exactly at the limit."""
    if len(text) <= limit:
        return text
    for separator in ("\n\n", " "):
        cut = text.rfind(separator, 0, limit + len(separator))
        if cut >= limit // 2:
            return text[:cut].rstrip()
    return text[:limit]
