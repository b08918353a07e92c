"""Plain-text articles: the project's seed format and ordinary `.txt` files.

Seed format: the file starts with ` date YYYY-MM-DD ` followed directly by the article text,
paragraphs separated by blank lines, and no title. A plain `.txt` article has its title on the
first non-empty line. Both may carry a wire dateline ("SEOUL (Reuters) - ...") that names the
source.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from index.article import Article
from index.readers.base import Problem, parse_date

SEED_HEADER = re.compile(r"\A\s*date\s+(\S+)\s+")
# "SEOUL (Reuters) -", "WASHINGTON, Feb 26 (AFP) —": the place in capitals, the agency in brackets.
DATELINE = re.compile(
    r"(?m)^\s*(?P<place>[A-Z][A-Z .,'’/-]{1,40}?)(?:,\s*[A-Z][a-z]{2,8}\.? \d{1,2})?\s*"
    r"\((?P<source>[A-Z][\w .&'-]{1,30})\)\s*[-–—]+\s*"
)
TITLE_MAX_CHARS = 110
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]?(?=\s+[\"'“‘(]?[A-Z0-9]|\s*$)")
# Abbreviations whose full stop does not end a sentence in news copy.
_ABBREVIATIONS = ("U.S.", "U.K.", "U.N.", "Mr.", "Mrs.", "Ms.", "Dr.", "St.", "Gen.", "Sen.", "Rep.",
                  "Gov.", "Lt.", "Col.", "Jan.", "Feb.", "Aug.", "Sept.", "Sep.", "Oct.", "Nov.", "Dec.",
                  "No.", "Inc.", "Corp.", "Co.", "Ltd.", "Jr.", "vs.")


def normalise_paragraphs(text: str) -> str:
    """Paragraphs separated by one blank line, lines within a paragraph joined, spaces squeezed."""
    paragraphs = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    cleaned = (" ".join(p.split()) for p in paragraphs)
    return "\n\n".join(p for p in cleaned if p)


def first_sentence(text: str) -> str:
    """The first sentence of `text`, not fooled by "U.S." or "Feb." in the middle of it."""
    start = 0
    while True:
        match = _SENTENCE_END.search(text, start)
        if match is None:
            return text.strip()
        candidate = text[: match.end()].rstrip()
        if candidate.endswith(_ABBREVIATIONS):
            start = match.end()
            continue
        return candidate.strip()


def trim_title(text: str, limit: int = TITLE_MAX_CHARS) -> str:
    """Shorten to `limit` characters at a word boundary, with an ellipsis when something was cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0].rstrip(" ,;:-–—")
    return cut + "…"


def detect_dateline(text: str) -> re.Match | None:
    """The first wire dateline in the text (e.g. `SEOUL (Reuters) -`), if any."""
    return DATELINE.search(text)


def derive_title(body: str) -> str:
    """A readable title for an article that has none: its lede sentence, trimmed.

    When a dateline opens a later paragraph (an image caption often comes first in scraped
    copy), the lede is the sentence after the dateline, which is what an editor would headline.
    """
    dateline = detect_dateline(body)
    text = body[dateline.end():] if dateline else body
    return trim_title(first_sentence(text.strip().split("\n\n")[0]))


def read(path: Path, text: str, options: object, fmt: str) -> Iterator[Article | Problem]:
    header = SEED_HEADER.match(text)
    date = None
    if header and fmt in ("seed", "text"):
        body = normalise_paragraphs(text[header.end():])
        try:
            date = parse_date(header.group(1))
        except ValueError as exc:
            yield Problem(str(path), f"{exc}; indexed as undated", "line 1", "warning")
        title = derive_title(body)
    elif fmt == "seed":
        yield Problem(str(path), "not in the seed format: it must start with ' date YYYY-MM-DD '", "line 1")
        return
    else:
        lines = text.replace("\r\n", "\n").split("\n")
        while lines and not lines[0].strip():
            lines.pop(0)
        first = lines[0].strip() if lines else ""
        title = trim_title(first, 300)
        body = normalise_paragraphs("\n".join(lines[1:]))
        if not body:  # a one-paragraph file: the paragraph is the article, and its lede the title
            body, title = normalise_paragraphs(first), derive_title(first)
    if not body.strip():
        yield Problem(str(path), "no article text after the header")
        return
    dateline = detect_dateline(body)
    source = dateline.group("source").strip() if dateline else None
    yield Article(title=title, body=body, date=date, source=source, path=str(path))
