"""Snippets and the article page's marks from OpenSearch's highlighter, made into what
`search.snippets` says a snippet is (its sizes, marks, ellipses and opening lines).

The unified highlighter (the default; the index keeps offsets, so long bodies are not
re-analysed) picks the best sentence-bounded passages of about rules.FRAGMENT_CHARS (cut when
longer), scored by its own passage BM25: where the fragments are is this backend's choice.
What is marked is the words whose analysed form is a query term, from the query's positive text
leaves only (a `highlight_query`, not the search query with its filters).

Lengths are columns on screen (`rules.width`: a Chinese, Japanese or Korean character is two),
while the highlighter counts characters: a body field of a language written in such characters
(`WIDE`: its field `body_zh`, `body_ja`, `body_ko`) asks for fragments of half as many
characters (`fragment_chars`), so its fragments are as wide on the page as English ones. Every
other field (English's `body` among them) asks for rules.FRAGMENT_CHARS, as before.
"""
from __future__ import annotations

import html
import re
from collections.abc import Mapping

from search import snippets as rules

# The opening asked of the cluster when no word is marked is LEAD_FETCH x rules.LEAD_CHARS: more,
# so that after collapsing whitespace it can be cut by `rules.lead` (at a space, then " …") and
# known to have been cut.
LEAD_FETCH = 2
# The body's first and last EDGE x rules.FRAGMENT_CHARS characters come with each hit (a script
# field), so that a fragment that starts or ends the body gets no ellipsis there: the whole
# fragment is compared with them (the highlighter does not say where a fragment was; comparing
# only a few characters took a fragment of repetitive text for the body's end). Fragments stay
# within ~1.5 x FRAGMENT_CHARS, so this covers them with room to spare.
EDGE = 4
EDGES_SCRIPT = ("def b = params['_source']['body']; if (b == null) { return ['', '']; } "
                "int n = (int) Math.min(b.length(), params.n); return [b.substring(0, n), b.substring(b.length() - n)];")
# The same, for an article whose body is in its language's field (`body_<code>`).
EDGES_ANY_SCRIPT = ("def s = params['_source']; def b = s['body']; if (b == null) { for (def k : s.keySet()) { "
                    "if (k.startsWith('body_')) { b = s[k]; break; } } } if (b == null) { return ['', '']; } "
                    "int n = (int) Math.min(b.length(), params.n); "
                    "return [b.substring(0, n), b.substring(b.length() - n)];")
# Languages whose text is wide characters (two columns each: rules.width), by ISO 639-1 code.
WIDE = frozenset({"zh", "ja", "ko"})
_MARK = re.compile(r"(</?mark>)")
_SPACES = re.compile(r"\s+")


def clean_fragment(fragment: str, *, collapse: bool) -> str:
    """A highlighted fragment re-escaped by `rules.escape` (OpenSearch's html encoder also writes
    ' and / as entities), its <mark> tags kept."""
    out = []
    for part in _MARK.split(fragment):
        if part in ("<mark>", "</mark>"):
            out.append(part)
        else:
            text = html.unescape(part)
            out.append(rules.escape(_SPACES.sub(" ", text) if collapse else text))
    joined = "".join(out)
    return joined.strip() if collapse else joined


def _plain(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def snippet(fragments: list[str], head: str = "", tail: str = "") -> str:
    """Highlighted fragments as one snippet (`rules.join_fragments`), or the opening lines
    (`rules.lead`) when nothing is marked. `head`/`tail`: the body's first/last characters."""
    if len(fragments) == 1 and "<mark>" not in fragments[0]:
        return rules.lead(html.unescape(fragments[0]))
    head, tail = _plain(head), _plain(tail)
    pieces = []
    for i, fragment in enumerate(fragments):  # in text order (`order: none`): only the first can
        marked = clean_fragment(fragment, collapse=True)  # start the body, only the last end it
        text = _plain(html.unescape(_MARK.sub("", fragment)))
        if not text:
            continue
        starts = i == 0 and bool(head) and head.startswith(text[:len(head)])
        ends = i == len(fragments) - 1 and bool(tail) and tail.endswith(text[-len(tail):])
        pieces.append(rules.fragment(marked, starts=starts, ends=ends))
    return rules.join_fragments(pieces)


def fragment_chars(name: str, columns: int) -> int:
    """How many characters of body field `name` make a fragment `columns` wide: half as many in
    a `WIDE` language's field ("body_zh"), else as many."""
    return columns // 2 if name.rpartition("_")[2] in WIDE and name.startswith("body_") else columns


def highlight(queries: dict | Mapping[str, dict], *, columns: int | None = None, **field: object) -> dict:
    """The highlighter's request: `queries` is the body's query, or {body field: its query} for
    the body fields of several languages (an article has one of them: its language's);
    `columns`: each fragment's width (its `fragment_size`, by `fragment_chars`)."""
    def size(name: str) -> dict:
        return {} if columns is None else {"fragment_size": fragment_chars(name, columns)}
    return {"pre_tags": ["<mark>"], "post_tags": ["</mark>"], "encoder": "html",
            "fields": {name: {"type": "unified", "highlight_query": query, **field, **size(name)}
                       for name, query in body_fields(queries).items()}}


def body_fields(queries: dict | Mapping[str, dict]) -> dict:
    """{body field: query} from a query (English's body) or such a mapping already (a query has
    no key that starts with "body")."""
    return dict(queries) if queries and all(name.startswith("body") for name in queries) else {"body": queries}


def page_request(queries: dict | Mapping[str, dict]) -> dict:
    """What a page request asks for its snippets: highlighted body fragments (the opening lines
    when none), and the body's edges (to tell whether a fragment starts or ends it). `queries`
    as `highlight`'s; with another language's body than English's, the edges are read from the
    article's own body field (EDGES_ANY_SCRIPT)."""
    english = list(body_fields(queries)) == ["body"]
    return {"highlight": highlight(queries, order="none", columns=rules.FRAGMENT_CHARS,
                                   number_of_fragments=rules.MAX_FRAGMENTS,
                                   no_match_size=LEAD_FETCH * rules.LEAD_CHARS),
            "script_fields": {"edges": {"script": {"source": EDGES_SCRIPT if english else EDGES_ANY_SCRIPT,
                                                   "params": {"n": EDGE * rules.FRAGMENT_CHARS}}}}}


def _marked(raw: dict) -> list[str]:
    """The hit's highlighted fragments, from whichever language's body field it has."""
    found = raw.get("highlight", {})
    return found.get("body") or next((v for k, v in sorted(found.items()) if k.startswith("body_")), [])


def hit_snippet(raw: dict) -> str:
    """A page hit's snippet from its highlight and edges ("" when none was asked for)."""
    fragments = _marked(raw)
    edges = raw.get("fields", {}).get("edges", []) + ["", ""]
    return snippet(fragments, edges[0], edges[1]) if fragments else ""


def article_request(queries: dict | Mapping[str, dict]) -> dict:
    """The whole body highlighted (the article page reached from a search)."""
    return {"highlight": highlight(queries, number_of_fragments=0)}


def article_html(raw: dict, body: str) -> str:
    """The article's body as safe HTML with the query's words marked (escaped only, if none)."""
    marked = _marked(raw)
    return clean_fragment(marked[0], collapse=False) if marked else rules.escape(body)


__all__ = ["WIDE", "fragment_chars", "page_request", "body_fields", "EDGES_ANY_SCRIPT", "hit_snippet", "article_request", "article_html", "snippet", "clean_fragment"]
