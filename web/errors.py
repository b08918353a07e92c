"""Error responses: JSON under /api/, friendly HTML pages elsewhere, never a stack trace.

Errors from `search` carry messages written for people (which parameter, what to type instead),
so they are shown as they are; anything unexpected becomes a plain 500 and is logged.
"""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from search import (ArticleNotFoundError, BadParameterError, IncompatibleIndexError, IndexNotFoundError,
                    QuerySyntaxError)

GENERIC_500 = "Something went wrong on our side. Please try again in a moment."
# Messages quote what was asked (an article id, a date); an address may be far longer than any
# query string (a 200 KB id was echoed whole), so a message shows the start of it.
MAX_MESSAGE_CHARS = 500


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str, title: str | None = None):
    """A JSON {"error": message} for the API, the error page for people."""
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[:MAX_MESSAGE_CHARS - 1] + "…"
    if wants_json():
        response = jsonify(error=message)
        response.status_code = status
        return response
    from search.querylang import MAX_QUERY_CHARS
    from web.state import SearchState

    try:
        state = SearchState(q=request.args.get("q", "")[:MAX_QUERY_CHARS])
        html = render_template("error.html", status=status, message=message,
                               title=title or _TITLES.get(status, "Error"), state=state)
    except Exception:  # the error page itself failed: still no stack trace to the client
        return GENERIC_500 if status == 500 else message, status, {"Content-Type": "text/plain; charset=utf-8"}
    return html, status


_TITLES = {400: "Cannot run this search", 404: "Not found", 405: "Method not allowed",
           414: "Request too long", 500: "Server error", 503: "Search unavailable"}


def register(app: Flask) -> None:
    """Install the error handlers on `app`."""

    @app.errorhandler(QuerySyntaxError)
    @app.errorhandler(BadParameterError)
    def bad_request(exc):
        return error_response(400, str(exc))

    @app.errorhandler(ArticleNotFoundError)
    def not_found(exc):
        return error_response(404, str(exc), "Article not found")

    @app.errorhandler(IndexNotFoundError)
    @app.errorhandler(IncompatibleIndexError)
    def no_index(exc):
        app.logger.error("index unavailable: %s", exc)
        return error_response(503, "The search index is not available. Build it with `newsearch index`.")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return error_response(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(Exception)
    def server_error(exc):
        if isinstance(exc, HTTPException):  # pragma: no cover - handled above
            return http_error(exc)
        app.logger.exception("unhandled error on %s", request.path)
        return error_response(500, GENERIC_500)
