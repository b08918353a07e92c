"""Snippets and the article page's marks from OpenSearch's highlighter, in the Whoosh backend's
form (search/backends/whoosh/snippets.py): safe HTML with every matched word in <mark>, up to
MAX_FRAGMENTS fragments in text order with an ellipsis at each cut edge, or the opening lines
(LEAD_CHARS, cut at a space, " …") when no word of the query is in the body.

The unified highlighter (the default; the index keeps offsets, so long bodies are not
re-analysed) picks the best sentence-bounded passages of about FRAGMENT_CHARS, which is where
our snippets differ: Whoosh takes fixed windows of ~70 characters around the richest runs of
matches, OpenSearch whole sentences (cut when longer than the fragment size), scored by its own
passage BM25. What is marked is the same: words whose analysed form is a query term, from the
query's positive text leaves only (a `highlight_query`, not the search query with its filters).
"""
from __future__ import annotations

import html
import re

MAX_FRAGMENTS = 3
FRAGMENT_CHARS = 220
LEAD_CHARS = 240
# The opening asked of the cluster when no word is marked: more than LEAD_CHARS, so that after
# collapsing whitespace we can cut it as ours is cut (at a space, then " …") and know it was cut.
LEAD_FETCH_CHARS = 2 * LEAD_CHARS
ELLIPSIS = "…"   # marks a fragment's cut edge, as ours: "…cut start" / "cut end…", joined by spaces
# The body's first and last EDGE_CHARS characters come with each hit (a script field), so that a
# fragment that starts or ends the body gets no ellipsis there: the whole fragment is compared
# with them (the highlighter does not say where a fragment was; comparing only a few characters
# took a fragment of repetitive text for the body's end). Fragments stay within ~1.5 x
# FRAGMENT_CHARS, so this covers them with room to spare.
EDGE_CHARS = 4 * FRAGMENT_CHARS
EDGES_SCRIPT = ("def b = params['_source']['body']; if (b == null) { return ['', '']; } "
                "int n = (int) Math.min(b.length(), params.n); return [b.substring(0, n), b.substring(b.length() - n)];")
_MARK = re.compile(r"(</?mark>)")
_SPACES = re.compile(r"\s+")


def clean_fragment(fragment: str, *, collapse: bool) -> str:
    """A highlighted fragment re-escaped as ours are: OpenSearch's html encoder also writes ' and
    / as entities; we escape only & < > (quote=False) and keep our <mark> tags."""
    out = []
    for part in _MARK.split(fragment):
        if part in ("<mark>", "</mark>"):
            out.append(part)
        else:
            text = html.unescape(part)
            out.append(html.escape(_SPACES.sub(" ", text) if collapse else text, quote=False))
    joined = "".join(out)
    return joined.strip() if collapse else joined


def lead(fragment: str) -> str:
    """The opening lines (a fragment without marks) cut as the Whoosh backend cuts them."""
    text = _SPACES.sub(" ", html.unescape(fragment)).strip()
    if len(text) > LEAD_CHARS:
        text = text[: LEAD_CHARS + 1].rsplit(" ", 1)[0] + " …"
    return html.escape(text, quote=False)


def _plain(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def snippet(fragments: list[str], head: str = "", tail: str = "") -> str:
    """Highlighted fragments as one snippet in our form ("…" at each cut edge, spaces between),
    or the opening lines when nothing is marked. `head`/`tail`: the body's first/last characters."""
    if len(fragments) == 1 and "<mark>" not in fragments[0]:
        return lead(fragments[0])
    head, tail = _plain(head), _plain(tail)
    pieces = []
    for i, fragment in enumerate(fragments):  # in text order (`order: none`): only the first can
        marked = clean_fragment(fragment, collapse=True)  # start the body, only the last end it
        text = _plain(html.unescape(_MARK.sub("", fragment)))
        if not text:
            continue
        starts = i == 0 and bool(head) and head.startswith(text[:len(head)])
        ends = i == len(fragments) - 1 and bool(tail) and tail.endswith(text[-len(tail):])
        pieces.append(("" if starts else ELLIPSIS) + marked + ("" if ends else ELLIPSIS))
    return " ".join(pieces)


def highlight(query: dict, **field: object) -> dict:
    return {"pre_tags": ["<mark>"], "post_tags": ["</mark>"], "encoder": "html",
            "fields": {"body": {"type": "unified", "highlight_query": query, **field}}}



def page_request(query: dict) -> dict:
    """What a page request asks for its snippets: highlighted body fragments (the opening lines
    when none), and the body's edges (to tell whether a fragment starts or ends it)."""
    return {"highlight": highlight(query, order="none", fragment_size=FRAGMENT_CHARS,
                                   number_of_fragments=MAX_FRAGMENTS, no_match_size=LEAD_FETCH_CHARS),
            "script_fields": {"edges": {"script": {"source": EDGES_SCRIPT, "params": {"n": EDGE_CHARS}}}}}


def hit_snippet(raw: dict) -> str:
    """A page hit's snippet from its highlight and edges ("" when none was asked for)."""
    fragments = raw.get("highlight", {}).get("body", [])
    edges = raw.get("fields", {}).get("edges", []) + ["", ""]
    return snippet(fragments, edges[0], edges[1]) if fragments else ""


def article_request(query: dict) -> dict:
    """The whole body highlighted (the article page reached from a search)."""
    return {"highlight": highlight(query, number_of_fragments=0)}


def article_html(raw: dict, body: str) -> str:
    """The article's body as safe HTML with the query's words marked (escaped only, if none)."""
    marked = raw.get("highlight", {}).get("body")
    return clean_fragment(marked[0], collapse=False) if marked else html.escape(body, quote=False)


__all__ = ["page_request", "hit_snippet", "article_request", "article_html", "snippet", "lead", "clean_fragment",
           "MAX_FRAGMENTS", "FRAGMENT_CHARS", "LEAD_CHARS"]
