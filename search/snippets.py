"""What a snippet is, the same on every backend; a backend only finds the fragments to show.

A result's snippet is safe HTML: the article's own text escaped (& < > only), every word that
matched a query term inside <mark>. It is up to MAX_FRAGMENTS fragments of about FRAGMENT_CHARS
characters in text order, whitespace collapsed, each with an ELLIPSIS where it cuts the body
(not where it starts or ends it), joined by spaces (`join_fragments`). When no word of the
query is in the body, the snippet is the article's opening lines instead (`lead`): LEAD_CHARS
characters at most, cut at a space, " …" after a cut.

The article page reached from a search marks the words of that search's query in the whole
body; a query the language cannot read marks nothing (`marked_query`).

How the fragments are chosen is the backend's: the Whoosh backend takes windows around the
richest runs of matches, OpenSearch's highlighter sentence-bounded passages it scores itself.
The settings are read when a snippet is made, so changing one here changes every backend.
"""
from __future__ import annotations

import html
from collections.abc import Iterable

from search import querylang as ql
from search.results import SearchError

MAX_FRAGMENTS = 3     # fragments in a snippet at most
FRAGMENT_CHARS = 220  # about how long one fragment is
LEAD_CHARS = 240      # the opening lines, when no word of the query is in the body
ELLIPSIS = "…"        # where a fragment cuts the body: "…cut start", "cut end…"


def escape(text: str) -> str:
    """Article text as HTML: & < > escaped (quotes need not be: snippets are element content)."""
    return html.escape(text, quote=False)


def mark(text: str) -> str:
    """One matched word, escaped and marked."""
    return "<mark>" + escape(text) + "</mark>"


def lead(text: str) -> str:
    """The opening of an article's text, escaped: whitespace collapsed, at most LEAD_CHARS
    characters, cut at a space (" …" says it was cut)."""
    limit = LEAD_CHARS
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit + 1].rsplit(" ", 1)[0] + " …"
    return escape(text)


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


__all__ = ["MAX_FRAGMENTS", "FRAGMENT_CHARS", "LEAD_CHARS", "ELLIPSIS", "escape", "mark", "lead", "fragment",
           "join_fragments", "marked_query"]
