"""Plain-text articles: the project's seed format and ordinary `.txt` files.

Seed format: the file starts with ` date YYYY-MM-DD ` followed directly by the article text,
paragraphs separated by blank lines, and no title. A plain `.txt` article has its title on the
first non-empty line. Both may carry a wire dateline ("SEOUL (Reuters) - ...") that names the
source.

A plain text file that is not prose is skipped with a Problem (see `not_an_article`): collections
ship word lists, code tables and data files as `.txt` beside their articles (Reuters-21578 has
seven), and an article made of them would pollute every search for those words.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from index.article import Article
from index.readers.base import ARTICLE_READ_BYTES, Problem, parse_date

# One article a file: its first bytes are all it can keep (see `index.readers.read_file`).
READ_BYTES = ARTICLE_READ_BYTES
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


# -- Is this text an article? ------------------------------------------------------------------
# Two signs that a plain text file is not an article, tuned so that no item of Reuters-21578
# (21,577 wire stories, tables of earnings and prices among them) would be skipped as a .txt,
# while its seven side files (word lists, category notes, a Prolog fact file) are:
# 1. A list: at least PROSE_MIN_LINES non-empty lines, and a single token (word, code, number)
#    on PROSE_LIST_LINE_SHARE of them. Word lists have one on every line; the most list-like
#    Reuters item (a table of posted oil prices) on 77% of its lines.
PROSE_MIN_LINES = 5
PROSE_LIST_LINE_SHARE = 0.9
# 2. No prose in a long text: at least PROSE_MIN_TOKENS whitespace-separated tokens, of which
#    under PROSE_MIN_WORD_SHARE are words, or whose words stand in sentences less than
#    PROSE_MIN_SENTENCE_SHARE of the time. Short texts are not judged this way, because short
#    wire tables are news ("Shr 22 cts vs 35 cts / Net 1.1 mln vs 829,000"): the longest such
#    item in Reuters-21578 has 1,676 tokens; the category notes have 3,121, the fact file
#    ~8,000 in its first PROSE_SAMPLE_CHARS. In news prose both shares are ~0.9 or more (medians:
#    Reuters-21578 0.93 and 0.92, the extraction benchmark's articles 0.98 and 0.98).
PROSE_MIN_TOKENS = 2_500
PROSE_MIN_WORD_SHARE = 0.5
PROSE_MIN_SENTENCE_SHARE = 0.3
# A "sentence" is a run of 4 to 80 words ending with . ! ? : (or 。！？): "Apple Computer Inc."
# in a list of names is not one, and a run longer than any news sentence is a list with a
# stray full stop. A word is a token of letters, perhaps joined by - ' . & / ("U.S.", "Jong-un").
PROSE_SENTENCE_WORDS = (4, 80)
# Only the start of a file is judged: the whole of any real article (the longest are ~100,000
# characters), while a huge file costs no more than this to judge.
PROSE_SAMPLE_CHARS = 200_000
# Scripts written without spaces between words: a run of them counts one word per 2 characters.
_UNSPACED = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_PUNCTUATION = re.compile(r"([，、；：。！？])")
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")
_WORD_CONNECTORS = "-'’.&/"
_CLOSERS = "\"'”’)]»"


def _word_weight(token: str) -> int:
    """How many words a whitespace token is: 0 for a number or code, 1 for a word, more for a
    run of Chinese/Japanese/Thai text."""
    core = _EDGE_PUNCTUATION.sub("", token)
    if not core or not core[0].isalpha():
        return 0
    for ch in core:
        if not (ch.isalpha() or ch in _WORD_CONNECTORS or unicodedata.category(ch).startswith("M")):
            return 0
    unspaced = len(_UNSPACED.findall(core))
    return max(1, unspaced // 2) if unspaced else 1


def _ends_sentence(token: str) -> bool:
    stripped = token.rstrip(_CLOSERS)
    return stripped.endswith((".", "!", "?", ":", "。", "！", "？")) and not stripped.endswith(_ABBREVIATIONS)


def not_an_article(text: str) -> str | None:
    """Why `text` is not an article (a word list, a table, a data file), or None if it is prose.

    Judged by content, not by file name (see the PROSE_* constants): one item per line, or, in a
    long text, too few words or too few of them in sentences. The reason gives the figures, e.g.
    "not an article (a single word or item on 100% of its 135 lines: a list, not prose)".
    """
    sample = text[:PROSE_SAMPLE_CHARS]
    if len(text) > PROSE_SAMPLE_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    lines = [line.split() for line in _CJK_PUNCTUATION.sub(r"\1 ", sample).splitlines()]
    filled = [line for line in lines if line]
    if len(filled) < PROSE_MIN_LINES:
        return None
    single = sum(1 for line in filled if len(line) == 1) / len(filled)
    if single >= PROSE_LIST_LINE_SHARE:
        return (f"not an article (a single word or item on {single:.0%} of its {len(filled):,} lines: "
                "a list, not prose)")
    tokens = sum(len(line) for line in filled)
    if tokens < PROSE_MIN_TOKENS:
        return None
    words = in_sentences = run = 0
    shortest, longest = PROSE_SENTENCE_WORDS
    for line in lines:
        if not line:
            run = 0  # a blank line ends a paragraph, and an unfinished sentence with it
        for token in line:
            weight = _word_weight(token)
            words += weight
            run += weight
            if _ends_sentence(token):
                if shortest <= run <= longest:
                    in_sentences += run
                run = 0
    if words < tokens * PROSE_MIN_WORD_SHARE:
        return (f"not an article (only {words / tokens:.0%} of its {tokens:,} tokens are words: "
                "numbers, codes or data, not prose)")
    if in_sentences < words * PROSE_MIN_SENTENCE_SHARE:
        return (f"not an article (only {in_sentences / words:.0%} of its {words:,} words are in "
                "sentences: a list or table, not prose)")
    return None


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
    """The one article of a seed or plain text file; one Problem when there is none, including
    a plain text that is not prose (a word list, a table: see `not_an_article`)."""
    header = SEED_HEADER.match(text)
    date = None
    if header and fmt in ("seed", "text"):
        body = normalise_paragraphs(text[header.end():])
        try:
            date = parse_date(header.group(1))
        except ValueError as exc:
            yield Problem(str(path), f"{exc}; indexed as undated", "line 1", "warning")
        title, derived = derive_title(body), True
    elif fmt == "seed":
        yield Problem(str(path), "not in the seed format: it must start with ' date YYYY-MM-DD '", "line 1")
        return
    else:
        reason = not_an_article(text)
        if reason:
            yield Problem(str(path), reason, None, "skipped")
            return
        lines = text.replace("\r\n", "\n").split("\n")
        while lines and not lines[0].strip():
            lines.pop(0)
        first = lines[0].strip() if lines else ""
        title, derived = trim_title(first, 300), False
        body = normalise_paragraphs("\n".join(lines[1:]))
        if not body:  # a one-paragraph file: the paragraph is the article, and its lede the title
            body, title, derived = normalise_paragraphs(first), derive_title(first), True
    if not body.strip():
        yield Problem(str(path), "no article text after the header")
        return
    dateline = detect_dateline(body)
    source = dateline.group("source").strip() if dateline else None
    yield Article(title=title, body=body, date=date, source=source, path=str(path), title_derived=derived)
