"""What a snippet is, the same on every backend; a backend only finds the fragments to show.

A result's snippet is safe HTML: the article's own text escaped (& < > only), every word that
matched a query term inside <mark>. It is up to MAX_FRAGMENTS fragments of about FRAGMENT_CHARS
characters in text order, whitespace collapsed, each with an ELLIPSIS where it cuts the body
(not where it starts or ends it), joined by spaces (`join_fragments`). When no word of the
query is in the body, the snippet is the article's opening lines instead (`lead`): LEAD_CHARS
characters at most, cut at a space, " …" after a cut.

Every script (issue 21): Chinese and Japanese have no spaces, so a cut may fall between two of
their characters (after their punctuation, never before a closing mark such as 。 or 」), with
"…" and no space; their characters are twice as wide on screen, so a length here counts a wide
character as two (`width`): a snippet of Chinese is as long on the page as one of English, not
twice as long. No cut falls between a letter and its combining marks (Arabic vowel signs,
Devanagari, Thai). Right-to-left text (Arabic, Hebrew) needs nothing of its own in the HTML:
the page sets its direction (`dir`) on the element; but the text's own explicit direction
controls (embeddings, overrides, isolates) are dropped when it is escaped: a fragment cut
after an opening one and before its end would turn the rest of the snippet around.

The article page reached from a search marks the words of that search's query in the whole
body; a query the language cannot read marks nothing (`marked_query`).

How the fragments are chosen is the backend's: the Whoosh backend takes windows around the
richest runs of matches, OpenSearch's highlighter sentence-bounded passages it scores itself.
The settings are read when a snippet is made, so changing one here changes every backend.
"""
from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable

from search import querylang as ql
from search.analysis import CJK
from search.language_data import MARKS
from search.results import SearchError

MAX_FRAGMENTS = 3     # fragments in a snippet at most
FRAGMENT_CHARS = 220  # about how long one fragment is
LEAD_CHARS = 240      # the opening lines, when no word of the query is in the body
ELLIPSIS = "…"        # where a fragment cuts the body: "…cut start", "cut end…"
EDGE_REACH = 30       # a fragment's edge moves inwards at most this far, to a word's edge

# Explicit bidirectional controls that open or close a run (LRE RLE PDF LRO RLO, LRI RLI FSI
# PDI); the marks (LRM, RLM, ALM) open nothing and stay.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_MARK = re.compile(f"[{MARKS}]")
# Chinese/Japanese/Korean characters and their punctuation (CJK Symbols, full-width forms).
_CJK_OR_PUNCTUATION = re.compile(CJK.pattern[:-2] + "\u3000-\u303f\uff01-\uff65]")
# What never starts a cut-off part: closing punctuation, the prolonged sound mark, small kana.
_NO_CUT_BEFORE = frozenset("、。，．！？：；）」』】〕〉》”’・ー々ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"
                           ",.!?:;)]}")
# Where a sentence or clause of Chinese or Japanese ends: the opening lines are cut there when
# one is in the last EDGE_REACH characters that fit.
_CLAUSE_END = frozenset("。！？；，、")


def escape(text: str) -> str:
    """Article text as HTML: & < > escaped (quotes need not be: snippets are element content),
    explicit direction controls dropped (see the module docstring)."""
    if not text.isascii():
        text = _BIDI_CONTROLS.sub("", text)
    return html.escape(text, quote=False)


def width(text: str) -> int:
    """Columns on screen: a wide or full-width character (Chinese, Japanese, Korean) is two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _fitting(text: str, limit: int) -> int:
    """How many of `text`'s first characters fit in `limit` columns."""
    if text[:limit].isascii():
        return min(len(text), limit)
    used = 0
    for i, char in enumerate(text):
        used += 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if used > limit:
            return i
    return len(text)


def _cuttable(text: str, at: int) -> bool:
    """Whether text may be cut before position `at` without a space: between two characters of
    which one is Chinese/Japanese/Korean (or its punctuation), not before closing punctuation,
    and never before a combining mark."""
    if not 0 < at < len(text):
        return False
    before, after = text[at - 1], text[at]
    return (bool(_CJK_OR_PUNCTUATION.match(before) or _CJK_OR_PUNCTUATION.match(after))
            and after not in _NO_CUT_BEFORE and not after.isspace() and not before.isspace()
            and not _MARK.match(after))


def _whole_letter(text: str, at: int) -> int:
    """`at` moved back before the combining marks it would cut from their letter."""
    while 0 < at < len(text) and _MARK.match(text[at]):
        at -= 1
    return at


def mark(text: str) -> str:
    """One matched word, escaped and marked."""
    return "<mark>" + escape(text) + "</mark>"


def lead(text: str) -> str:
    """The opening of an article's text, escaped: whitespace collapsed, at most LEAD_CHARS
    columns (`width`), cut at a space (" …" says it was cut) or, in Chinese or Japanese text,
    between two of its characters ("…": no space; after a sentence's or clause's end when
    one is near), whichever keeps more."""
    text = " ".join(text.split())
    end = _fitting(text, LEAD_CHARS)
    if end >= len(text):
        return escape(text)
    space = text.rfind(" ", 0, end + 1)
    cut = 0
    if _CJK_OR_PUNCTUATION.search(text, max(space, 0), end + 1):
        cuts = [at for at in range(end, max(space, 0, end - EDGE_REACH), -1) if _cuttable(text, at)]
        cut = next((at for at in cuts if text[at - 1] in _CLAUSE_END), cuts[0] if cuts else 0)
    if cut > space:
        return escape(text[:cut] + ELLIPSIS)
    if space > 0:
        return escape(text[:space] + " …")
    return escape(text[:_whole_letter(text, end + 1)] + " …")  # no place to cut: as many as fit


def word_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """A fragment's edges `start`..`end` in `text` moved inwards (at most EDGE_REACH characters)
    to the nearest word edge, so no word is cut in half: after a space, or in Chinese or
    Japanese text between two characters (`lead`'s rule; after a sentence's or clause's end
    when one is in reach); and never between a letter and its combining marks. The text's own
    start and end are edges already."""
    if start > 0:
        space = text.find(" ", start, start + EDGE_REACH)
        reach = space if space != -1 else min(len(text), start + EDGE_REACH)
        cut = _cut(text, range(start, reach))
        if cut != -1:
            start = cut
        elif space != -1:
            start = space + 1
        while start < len(text) and _MARK.match(text[start]):
            start += 1
    if end < len(text):
        space = text.rfind(" ", max(start, end - EDGE_REACH), end)
        reach = space if space != -1 else max(start, end - EDGE_REACH)
        cut = _cut(text, range(end, reach, -1))
        end = cut if cut != -1 else space if space != -1 else _whole_letter(text, end)
    return start, end


def _cut(text: str, positions: range) -> int:
    """Of `positions` (nearest first), the first after a Chinese/Japanese sentence's or
    clause's end, else the first where the text may be cut without a space; -1: none."""
    if not _CJK_OR_PUNCTUATION.search(text, min(positions, default=0), max(positions, default=0) + 1):
        return -1
    cuts = [at for at in positions if _cuttable(text, at)]
    return next((at for at in cuts if text[at - 1] in _CLAUSE_END), cuts[0] if cuts else -1)


def fragment(marked: str, *, starts: bool, ends: bool) -> str:
    """A marked fragment with an ELLIPSIS at each edge where it cuts the body: `starts`/`ends`
    say whether it starts or ends the body."""
    return ("" if starts else ELLIPSIS) + marked + ("" if ends else ELLIPSIS)


def join_fragments(fragments: Iterable[str]) -> str:
    """Fragments (`fragment`'s, in text order) as one snippet."""
    return " ".join(fragments)


def marked_query(query: str) -> ql.Node | None:
    """The parsed query whose words an article page marks, or None: an empty query, or one the
    language cannot read, marks nothing (the page still shows the article)."""
    if not query.strip():
        return None
    try:
        return ql.parse(query)
    except SearchError:
        return None


__all__ = ["MAX_FRAGMENTS", "FRAGMENT_CHARS", "LEAD_CHARS", "ELLIPSIS", "EDGE_REACH", "escape", "width", "mark",
           "lead", "word_edges", "fragment", "join_fragments", "marked_query"]
