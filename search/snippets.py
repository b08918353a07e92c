"""Highlighted snippets: safe HTML with every matched word in <mark>, from the stored text.

Whoosh's highlighter re-analyses the stored original text with the index's own analyser, so a
query for "summits" marks "summit" and "Summit's" (same stem), and it HTML-escapes the text
around the marks. We only choose the terms, the fragment shape, and a fallback.
"""
from __future__ import annotations

import html

from whoosh import highlight
from whoosh import query as wq

from index.schema import TEXT_FIELDS, news_analyzer

MAX_FRAGMENTS = 3
FRAGMENT_CHARS = 220
LEAD_CHARS = 240

_ANALYZER = news_analyzer()


class _MarkFormatter(highlight.HtmlFormatter):
    """Plain `<mark>word</mark>`: Whoosh's default adds per-term classes we have no use for."""

    def format_token(self, text, token, replace=False):
        return "<mark>%s</mark>" % html.escape(highlight.get_text(text, token, replace), quote=False)


_FORMATTER = _MarkFormatter(between=" … ")
_FRAGMENTER = highlight.ContextFragmenter(maxchars=FRAGMENT_CHARS, surround=70)


def highlight_terms(q: wq.Query, reader) -> frozenset[str]:
    """The analysed words to mark: the query's text terms, wildcards expanded against the index."""
    try:
        terms = q.existing_terms(reader, phrases=True, expand=True)
    except Exception:  # a query type Whoosh cannot enumerate: mark nothing rather than fail
        return frozenset()
    return frozenset(
        text.decode("utf-8") if isinstance(text, bytes) else text
        for fieldname, text in terms if fieldname in TEXT_FIELDS
    )


def lead(text: str, limit: int = LEAD_CHARS) -> str:
    """The opening of an article, escaped: the snippet when no word of the query is in the body."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit + 1].rsplit(" ", 1)[0] + " …"
    return html.escape(text, quote=False)


def make_snippet(body: str, terms: frozenset[str]) -> str:
    if terms:
        marked = highlight.highlight(body, terms, _ANALYZER, _FRAGMENTER, _FORMATTER,
                                     top=MAX_FRAGMENTS, order=highlight.FIRST)
        if marked:
            return marked
    return lead(body)


def highlight_full_text(text: str, terms: frozenset[str]) -> str:
    """The whole text escaped, with every match marked (the article page reached from a search)."""
    if not terms:
        return html.escape(text, quote=False)
    fragmenter = highlight.WholeFragmenter(charlimit=None)
    marked = highlight.highlight(text, terms, _ANALYZER, fragmenter, _FORMATTER, top=1)
    return marked or html.escape(text, quote=False)
