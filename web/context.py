"""Words in context on the web: keyword in context (`/kwic`, `/api/kwic`), collocations
(`/collocations`, `/api/collocations`) and entity co-occurrence (`/cooccurrence`,
`/api/cooccurrence`, with a network picture and a GEXF download).

Each takes the search page's own parameters (web.state.SearchState: q, every filter, the dates,
the search's sort, which chooses the articles read first) plus its own: for KWIC `kwic_sort`
(article, left, right), `width`, `page` (of lines) and `lines`; for collocations `window`, `top`
and `min_count`; for co-occurrence `top` and `kind`; and for all `articles` (how many matching
articles to read). `format=csv` (and `format=gexf` for the network) downloads. Thin over
search/kwic.py, collocations.py and cooccurrence.py; bad input is a 400 with the check's message.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, abort, jsonify, render_template, request

from search.collocations import DEFAULT_MIN_COUNT, DEFAULT_WINDOW, TOP, collocations
from search.context import DEFAULT_ARTICLES, check_articles
from search.cooccurrence import TOP as PAIRS_TOP
from search.cooccurrence import check_kinds, cooccurrence, cooccurrence_csv, gexf
from search.kwic import DEFAULT_LINES, DEFAULT_WIDTH, SORTS, check_sort, check_width, kwic, kwic_csv
from search.parameters import PAGE, PAGE_SIZE, whole_number
from search.results import BadParameterError
from web import get_engine, query_string_too_long
from web.network import network_picture
from web.state import FILTER_KINDS, FILTER_LABELS, SearchState

bp = Blueprint("context", __name__)
KWIC_SORT = "kwic_sort"
_OWN = (KWIC_SORT, "width", "lines", "articles", "window", "top", "min_count", "kind", "format")
TABS = (("kwic", "Words in context"), ("collocations", "Collocations"), ("cooccurrence", "Who appears with whom"))


@bp.before_request
def limit_request():
    if query_string_too_long():
        abort(414, "The address is too long. Shorten the query or remove some filters.")


def _state() -> SearchState:
    return SearchState.from_args(request.args)


def _arg(name: str, default: object) -> str:
    value = request.args.get(name, "").strip()
    return value if value else str(default)


def _articles() -> int:
    return check_articles(_arg("articles", DEFAULT_ARTICLES))


def _format(*allowed: str) -> str:
    fmt = request.args.get("format", "").strip().lower()
    if fmt and fmt not in allowed:
        raise BadParameterError(f"format must be {' or '.join(allowed)}, not {fmt[:20]!r}")
    return fmt


def _download(body, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.app_template_global()
def context_url(path: str, state: SearchState, **own: object) -> str:
    """`path` with the search's state (its page of results left out) and the page's own
    parameters: those given in `own` (None drops one), the others kept from this request."""
    pairs = [(k, v) for k, v in state.args() if k not in (PAGE.url, PAGE_SIZE.url)]
    kept = {k: request.args.getlist(k) for k in _OWN if k in request.args and k not in own and k != "format"}
    for key, values in kept.items():
        pairs += [(key, v) for v in values]
    for key, value in own.items():
        if value is None:
            continue
        pairs += [(key, str(v)) for v in value] if isinstance(value, (list, tuple)) else [(key, str(value))]
    return path + ("?" + urlencode(pairs) if pairs else "")


def _page(template: str, state: SearchState, **values):
    return render_template(template, state=state, filter_kinds=FILTER_KINDS, filter_labels=FILTER_LABELS,
                           tabs=TABS, **values)


# ---- keyword in context ------------------------------------------------------------------------------

def _kwic_args() -> dict:
    return {"sort": check_sort(_arg(KWIC_SORT, "article"), KWIC_SORT), "width": check_width(_arg("width", DEFAULT_WIDTH)),
            "articles": _articles()}


@bp.get("/api/kwic")
def api_kwic():
    """GET /api/kwic?<the search page's parameters>[&kwic_sort=article|left|right][&width=8][&page=1]
    [&lines=50][&articles=1000][&format=csv]"""
    state = _state()
    search_request, options = state.request(), _kwic_args()
    if _format("csv") == "csv":
        return _download(kwic_csv(get_engine(), search_request, **options), "text/csv", "newsearch-kwic.csv")
    found = kwic(get_engine(), search_request, page=state.page, page_size=_lines(), **options)
    return jsonify(found.to_dict())


def _lines() -> int:
    from search.kwic import MAX_LINES_PER_PAGE

    return whole_number(_arg("lines", DEFAULT_LINES), "lines", high=MAX_LINES_PER_PAGE)


@bp.get("/kwic")
def kwic_page():
    """Every occurrence of the search's words, aligned, a page at a time (no JavaScript needed)."""
    state = _state()
    search_request, options = state.request(), _kwic_args()
    if _format("csv") == "csv":
        return _download(kwic_csv(get_engine(), search_request, **options), "text/csv", "newsearch-kwic.csv")
    found = kwic(get_engine(), search_request, page=state.page, page_size=_lines(), **options)
    return _page("kwic.html", state, found=found, sorts=SORTS, sort_key=KWIC_SORT, tab="kwic")


# ---- collocations ---------------------------------------------------------------------------------

def _collocations():
    state = _state()
    found = collocations(get_engine(), state.request(), window=_arg("window", DEFAULT_WINDOW), top=_arg("top", TOP),
                         min_count=_arg("min_count", DEFAULT_MIN_COUNT), articles=_articles())
    return state, found


@bp.get("/api/collocations")
def api_collocations():
    """GET /api/collocations?<the search page's parameters>[&window=5][&top=30][&min_count=3][&articles=1000]"""
    return jsonify(_collocations()[1].to_dict())


@bp.get("/collocations")
def collocations_page():
    state, found = _collocations()
    return _page("collocations.html", state, found=found, tab="collocations")


# ---- entity co-occurrence ------------------------------------------------------------------------------

def _cooccurrence():
    state = _state()
    found = cooccurrence(get_engine(), state.request(), top=_arg("top", PAIRS_TOP),
                         kinds=check_kinds(request.args.getlist("kind")), articles=_articles())
    return state, found


@bp.get("/api/cooccurrence")
def api_cooccurrence():
    """GET /api/cooccurrence?<the search page's parameters>[&top=50][&kind=person&kind=org...][&articles=1000]
    [&format=csv|gexf]"""
    fmt = _format("csv", "gexf")
    state, found = _cooccurrence()
    if fmt == "csv":
        return _download(cooccurrence_csv(found), "text/csv", "newsearch-cooccurrence.csv")
    if fmt == "gexf":
        return _download(gexf(found), "application/gexf+xml", "newsearch-cooccurrence.gexf")
    return jsonify(found.to_dict())


@bp.get("/cooccurrence")
def cooccurrence_page():
    fmt = _format("csv", "gexf")
    if fmt:
        return api_cooccurrence()
    state, found = _cooccurrence()
    return _page("cooccurrence.html", state, found=found, picture=network_picture(found), tab="cooccurrence",
                 all_kinds=("person", "org", "place"))


__all__ = ["bp", "context_url", "KWIC_SORT"]


@bp.app_template_global()
def pair_url(state: SearchState, pair) -> str:
    """The search narrowed to the articles naming both entities of a pair."""
    filters = dict(state.filters)
    for kind, name in (pair.a, pair.b):
        if name not in filters.get(kind, ()):
            filters[kind] = filters.get(kind, ()) + (name,)
    return state.url(filters=filters)


@bp.app_template_global()
def collocate_url(state: SearchState, word: str) -> str:
    """The concordance of the search's words in the articles that also have `word` (both marked)."""
    from dataclasses import replace

    query = f"({state.q}) {word}" if state.q.strip() else word
    return context_url("/kwic", replace(state, q=query, page=1), window=None, top=None, min_count=None)


@bp.app_template_global()
def context_links(state: SearchState) -> dict[str, str]:
    """A result page's links to its words in context (for the search page's tools: `/kwic`,
    `/collocations`, `/cooccurrence` with the same search; the page of results left out)."""
    pairs = [(k, v) for k, v in state.args() if k not in (PAGE.url, PAGE_SIZE.url)]
    query = "?" + urlencode(pairs) if pairs else ""
    return {name: f"/{name}{query}" for name, _ in TABS}
