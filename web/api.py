"""The JSON API: the same parameters as the search page, `SearchResults.to_dict()` as the body.

Errors are `{"error": message}` with 400 (bad parameter or query), 404 (unknown article),
414 (query string too long) or 503 (no index); see `web.errors`.
"""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from search.querylang import MAX_QUERY_CHARS
from web import get_engine, query_string_too_long
from web.state import SearchState

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.before_request
def limit_request():
    if query_string_too_long():
        abort(414, "The query string is too long.")


@bp.get("/search")
def api_search():
    """GET /api/search?<the parameters with a URL key in docs/parameters.md>: q, person, org,
    place, source, language, from, to, sort, recency, page_size, story, collapse, page"""
    state = SearchState.from_args(request.args)
    results = get_engine().run(state.request())
    return jsonify(results.to_dict())


@bp.get("/articles/<path:article_id>", merge_slashes=False)
def api_article(article_id: str):
    """One article; `q` marks its words in `body_html` as on the article page. Not the file it
    was read from (`path`): the server's file system is nobody's business (the CLI and the
    Python API keep it)."""
    record, body_html = get_engine().article(article_id, request.args.get("q", "")[:MAX_QUERY_CHARS])
    data = record.to_dict()
    data.pop("path", None)
    data["body_html"] = body_html
    return jsonify(data)


@bp.get("/stats")
def api_stats():
    """What is in the index. Not where it is: the server's file system is nobody's business."""
    stats = get_engine().stats()
    stats.pop("index_dir", None)
    return jsonify(stats)
