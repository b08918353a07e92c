"""Snippets on the Whoosh backend: the fragments of the stored text that `search.snippets`
(what a snippet is: its sizes, marks, ellipses and opening lines) makes a snippet of.

A word matches when it analyses to a query term exactly as the index analyses it (lower-case,
accents folded, Snowball stem), so "summits" marks "summit" and "Summit's". We don't use Whoosh's
highlighter: it pushes every token of every hit through its generator chain of Token objects,
~1 ms per Reuters hit, which alone spent the whole 10 ms budget of a search request. Here a
C-level regex finds the words and each distinct word is analysed once (LRU cache): ~0.1 ms/hit.
Text is HTML-escaped piece by piece; only our own <mark> tags are added.

Languages: a hit's words are analysed in its own language (`NewsAnalyzer.analysis`), so a German
hit marks "Häuser" for the query "haus" (the term "de\x1fhaus"), and an exact form the query
asked for ("zürich") marks its word as the folded one does. English text takes the scans below
(as before languages); other languages' text (and English text with Chinese or Japanese in it)
is walked word by word (`search.analysis.words`,
Chinese and Japanese pairs included: overlapping pairs merge into one mark).
"""
from __future__ import annotations

import re
from functools import lru_cache

from whoosh import query as wq  # type: ignore[import-untyped]

from search import snippets as rules
from search.analysis import CJK
from search.backends.whoosh.analysis import Analysis, index_form, surface_words
from index.article import TEXT_FIELDS

# Context kept on each side of a run of matches: the fragment around matches that lie within
# rules.FRAGMENT_CHARS - 2 x SURROUND_CHARS of each other. Both are columns on screen
# (`rules.width`: a Chinese, Japanese or Korean character is two), as every length of a snippet:
# a fragment of Chinese holds half the characters of an English one and is as wide on the page.
# English (no wide character) measures the same in characters and in columns.
SURROUND_CHARS = 70

_TOKEN = re.compile(r"[\w\*]+(?:\.?[\w\*]+)*")  # the index tokenizer's own pattern
# The rest of a `_TOKEN` token after its first character, which must start a token: the
# character before it is no word character, nor a dot after one (else `_TOKEN` would have
# joined them). Patterns that begin with a character class let `re` skip ahead in C.
_TOKEN_REST = r"(?<![\w*].)(?<![\w*]\..)[\w*]*(?:\.?[\w*]+)*"
_NON_ASCII_START = re.compile(r"[^\x00-\x7f](?<=[\w*])" + _TOKEN_REST)


@lru_cache(maxsize=256)
def _starting_with(initial: str) -> re.Pattern:
    """The tokens whose first character is `initial` (an ASCII character), in either case."""
    return re.compile("[" + re.escape(initial.lower() + initial.upper()) + "]" + _TOKEN_REST)


@lru_cache(maxsize=200_000)
def analysed(word: str) -> str:
    """A word as the index stores it (`search.backends.whoosh.schema.news_analyzer` without the stop list)."""
    return index_form(word)


def _positive_leaves(q: wq.Query):
    """Leaves of the query a document matches *by*: not the excluded ones (-word, NOT)."""
    if isinstance(q, wq.Not):
        return
    if isinstance(q, wq.AndNot):
        yield from _positive_leaves(q.a)
    elif q.is_leaf():
        yield q
    else:
        for child in q.children():
            yield from _positive_leaves(child)


def highlight_terms(q: wq.Query, reader) -> frozenset[str]:
    """The analysed words to mark: the query's text terms, wildcards expanded against the index.

    Walks the tree itself: Whoosh's `Query.existing_terms` reuses its `fieldname` argument as a
    loop variable, so after the first title term it skipped every body term.
    """
    words = set()
    for leaf in _positive_leaves(q):
        try:
            terms = leaf.expanded_terms(reader, phrases=True)
        except Exception:  # a query type Whoosh cannot enumerate: mark nothing for it
            continue
        for fieldname, text in terms:
            if fieldname in TEXT_FIELDS:
                words.add(text.decode("utf-8") if isinstance(text, bytes) else text)
    return frozenset(words)


def find_matches(text: str, terms: frozenset[str], analysis: Analysis | None = None) -> list[tuple[int, int, str]]:
    """(start, end, term) of every word of `text` that analyses to one of `terms`, in order;
    `analysis`: the text's language's (None or English: the scans below).

    Only the words that can analyse to a term are looked at: a word's analysed form starts with
    its first letter lower-cased (folding and stemming never change an ASCII initial), so one
    C-level scan per initial of the terms finds the candidates, plus one for words starting with
    a non-ASCII letter ("École" -> "ecol") when the text has any. Testing every word in Python
    was the largest cost of a search request (~0.2 ms a Reuters hit). The scans find exactly the
    tokens `_TOKEN` finds (tests/test_snippets.py compares the two on random text).
    """
    if not terms:
        return []
    if analysis is not None and (not analysis.english or CJK.search(text)):
        return _words_matching(text, terms, analysis)
    patterns = [_starting_with(initial) for initial in {term[0] for term in terms if term and term[0].isascii()}]
    if not text.isascii():
        patterns.append(_NON_ASCII_START)
    found = []
    for pattern in patterns:
        for match in pattern.finditer(text):
            term = analysed(match.group())
            if term in terms:
                found.append((match.start(), match.end(), term))
    found.sort()
    return found


def _words_matching(text: str, terms: frozenset[str], analysis: Analysis) -> list[tuple[int, int, str]]:
    """`find_matches` word by word in a language's analysis; overlapping matches (CJK pairs)
    become one."""
    found: list[tuple[int, int, str]] = []
    for raw, start, end in surface_words(text):
        entry = analysis(raw)
        term = entry.term if entry.term in terms else next((form for form in entry.others() if form in terms), None)
        if term is None:
            continue
        if found and start < found[-1][1]:
            found[-1] = (found[-1][0], max(end, found[-1][1]), found[-1][2])
        else:
            found.append((start, end, term))
    return found


def _render(text: str, start: int, end: int, matches: list[tuple[int, int, str]]) -> str:
    out, pos = [], start
    for m_start, m_end, _ in matches:
        out.append(rules.escape(text[pos:m_start]))
        out.append(rules.mark(text[m_start:m_end]))
        pos = m_end
    out.append(rules.escape(text[pos:end]))
    return "".join(out)


def _fits(text: str, start: int, end: int, columns: int) -> bool:
    """Whether text[start:end] is at most `columns` wide (`rules.width`; a span of more
    characters than that is wider without measuring)."""
    return end - start <= columns and rules.width(text[start:end]) <= columns


def _back(text: str, at: int, columns: int) -> int:
    """The position `columns` columns before `at` (the text's start at most)."""
    start = max(0, at - columns)
    if text[start:at].isascii():
        return start
    used = 0
    while at > 0:
        used += rules.width(text[at - 1])
        if used > columns:
            break
        at -= 1
    return at


def _ahead(text: str, at: int, columns: int) -> int:
    """The position `columns` columns after `at` (the text's end at most)."""
    end = min(len(text), at + columns)
    if text[at:end].isascii():
        return end
    used = 0
    while at < len(text):
        used += rules.width(text[at])
        if used > columns:
            break
        at += 1
    return at


def _fragments(text: str, matches: list[tuple[int, int, str]]) -> list[list[tuple[int, int, str]]]:
    """Matches grouped into runs that fit in one fragment (columns, `_fits`)."""
    groups: list[list[tuple[int, int, str]]] = []
    for match in matches:
        if groups and _fits(text, groups[-1][0][0], match[1], rules.FRAGMENT_CHARS - 2 * SURROUND_CHARS):
            groups[-1].append(match)
        else:
            groups.append([match])
    return groups


def _word_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """Move fragment edges inwards to the nearest word edge, so no word is cut in half: the
    shared rule (`search.snippets.word_edges`: a space, or between two Chinese/Japanese
    characters, never before a combining mark)."""
    return rules.word_edges(text, start, end)


def make_snippet(body: str, terms: frozenset[str], analysis: Analysis | None = None) -> str:
    """Up to rules.MAX_FRAGMENTS fragments around the matches (the richest in distinct words),
    in text order; the opening lines when there are none. `analysis`: the body's language's."""
    text = " ".join(body.split())
    matches = find_matches(text, terms, analysis)
    if not matches:
        return rules.lead(body)
    groups = _fragments(text, matches)
    best = sorted(groups, key=lambda g: (-len({m[2] for m in g}), -len(g), g[0][0]))[:rules.MAX_FRAGMENTS]
    windows: list[list[int]] = []
    for group in sorted(best, key=lambda g: g[0][0]):
        start, end = _word_edges(text, _back(text, group[0][0], SURROUND_CHARS),
                                 _ahead(text, group[-1][1], SURROUND_CHARS))
        start, end = min(start, group[0][0]), max(end, group[-1][1])
        if windows and start <= windows[-1][1]:
            if _fits(text, windows[-1][0], end, 2 * rules.FRAGMENT_CHARS):  # overlapping ones become one
                windows[-1][1] = max(windows[-1][1], end)
                continue
            start = windows[-1][1]  # ...unless that makes one too long: then they meet
        windows.append([start, end])
    pieces = []
    for start, end in windows:
        inside = [m for m in matches if m[0] >= start and m[1] <= end]
        pieces.append(rules.fragment(_render(text, start, end, inside), starts=start == 0, ends=end >= len(text)))
    return rules.join_fragments(pieces)


def highlight_full_text(text: str, terms: frozenset[str], analysis: Analysis | None = None) -> str:
    """The whole text escaped, with every match marked (the article page reached from a search)."""
    return _render(text, 0, len(text), find_matches(text, terms, analysis))
