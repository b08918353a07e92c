"""The JSON API: the same parameters as the search page, `SearchResults.to_dict()` as the body.

Errors are `{"error": message}` with 400 (bad parameter or query), 404 (unknown article),
414 (query string too long) or 503 (no index); see `web.errors`.
"""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from search import QuerySyntaxError
from web import get_engine, query_string_too_long
from web.state import SearchState
from web.views import MAX_QUERY_CHARS

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.before_request
def limit_request():
    if query_string_too_long():
        abort(414, "The query string is too long.")


@bp.get("/search")
def api_search():
    """GET /api/search?q=&from=&to=&person=&org=&place=&source=&sort=&page=&page_size="""
    state = SearchState.from_args(request.args, collapse_default=False)
    if len(state.q) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(f"The query is {len(state.q)} characters long; the limit is {MAX_QUERY_CHARS}.")
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
