"""Which paragraphs of an article are prose: only those are read for entities.

Why: news archives are full of text that is not sentences: earnings tables ("Shr 1.20 dlrs vs
98 cts" / "Revs 12.4 mln vs 10.1 mln" / "Avg shrs 5.6 mln vs 5.5 mln"), price lists ("Wheat
2.55 2.40 IV 4.65"), stock tables, sports score lines ("Arsenal 2 Chelsea 1") and standings.
The model reads their capitalised row labels as names: on Reuters-21578 "Revs" and "Avg" were
two of the three most frequent "people". A paragraph is a table row, not prose, when it holds
figures and either no word of running English (no "the", "of", "said", ...) or more figures than
a sentence carries (TABLE_SHARE of its tokens). A paragraph without figures is always prose: a
byline ("Nadim Ladki") or a one-line quote names people too.

The unit is the paragraph (blank-line separated), the unit every reader gives: the Reuters and
plain-text readers join a paragraph's wrapped lines, so a table whose rows were joined into one
paragraph is one paragraph full of figures. No spaCy import.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

# Share of figure tokens above which a paragraph is a table even if it has a function word:
# prose with many figures ("net rose to 12.4 mln dlrs, or 1.20 dlrs a share, from 10.1 mln")
# stays under a quarter; a price list with a word of English ("Wheat prev 1,655.8, Feb 872.0,
# March 164.6, total 2,692.4") is over a third.
TABLE_SHARE = 0.3
_DIGIT = re.compile(r"\d")
_PARAGRAPHS = re.compile(r"\n\s*\n")
_EDGE_PUNCT = "\"'()[]{}<>,.;:!?-\u2013\u2014\u2018\u2019\u201c\u201d"
# Words that any English sentence of news prose has at least one of, and table rows lack.
FUNCTION_WORDS = frozenset("""
a an the of to in on at for with by from into over under about after before than as and or but
if that this these those which who whom whose what when where while because since until
is are was were be been being has have had do does did will would shall should can could may
might must not no it its he she they we you i his her their our them him us there here
said says say told added
""".split())


def is_prose(paragraph: str) -> bool:
    """True when the paragraph reads as sentences, False for a table row or score line."""
    tokens = paragraph.split()
    figures = sum(1 for t in tokens if _DIGIT.search(t))
    if not figures:
        return True
    if not any(t.strip(_EDGE_PUNCT).casefold() in FUNCTION_WORDS for t in tokens):
        return False
    return figures / len(tokens) < TABLE_SHARE


def occurrences(name: str, text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each whole-word occurrence of `name` in `text`, by plain string search:
    the entity rules look up every span of every article, too many distinct patterns for the
    regular-expression cache."""
    if not name:
        return
    start = text.find(name)
    while start >= 0:
        end = start + len(name)
        if (start == 0 or not text[start - 1].isalnum()) and (end == len(text) or not text[end].isalnum()):
            yield start, end
        start = text.find(name, start + 1)


def prose(text: str) -> str:
    """The text without its non-prose paragraphs (paragraphs kept in order, blank-line apart)."""
    paragraphs = _PARAGRAPHS.split(text)
    kept = [p for p in paragraphs if is_prose(p)]
    if len(kept) == len(paragraphs):
        return text
    return "\n\n".join(p.strip() for p in kept)


__all__ = ["FUNCTION_WORDS", "TABLE_SHARE", "is_prose", "occurrences", "prose"]
