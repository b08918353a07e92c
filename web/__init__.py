"""newsearch's web interface: the search page, the article page and a JSON API.

    >>> from web import create_app
    >>> app = create_app(index_dir="newsearch-index")

Everything here adapts the Python API in `search` (one long-lived `Engine`, kept in
`app.extensions["newsearch"]`); no search logic lives in the web layer. Pages are plain
server-rendered HTML that work without JavaScript; the headers forbid inline script and style
so that even a bug in escaping cannot run an article's script.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, request
from flask.json.provider import DefaultJSONProvider

from search import Engine

EXTENSION_KEY = "newsearch"
# The raw query string: far above any real search (a 1000-character query with filters) and
# far below what would cost anything to parse.
MAX_QUERY_STRING = 8192

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Result URLs contain the query; don't hand it to the original article's site.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class _OrderedJSON(DefaultJSONProvider):
    """JSON answers keep their fields in the order the API writes them (Flask sorts by default)."""

    sort_keys = False


def create_app(index_dir: Path | str | None = None, **settings: object) -> Flask:
    """Build the Flask app over the index at `index_dir`.

    `settings` go into `app.config` (upper-cased), e.g. `facet_top=5` shows five values per facet
    before "more", `testing=True` for the test client. Pass `engine=` to share an existing Engine.
    """
    app = Flask(__name__)
    app.config.update(
        FACET_TOP=5,             # facet values shown before "more"
        FACET_MORE=20,           # and at most this many behind it
        HIT_ENTITIES=3,          # entities per kind shown under a result
        RELATED=5,
        EXPORT_LIMIT=10_000,     # articles per export (search.export.EXPORT_LIMIT)
        MAX_QUERY_STRING=MAX_QUERY_STRING,
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    engine = settings.pop("engine", None)
    app.config.update({key.upper(): value for key, value in settings.items()})
    app.json = _OrderedJSON(app)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.extensions[EXTENSION_KEY] = engine if engine is not None else Engine(index_dir)

    from web import api, auth, context, errors, help, memory, research, stories, views

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(research.bp)
    app.register_blueprint(stories.bp)
    app.register_blueprint(context.bp)  # words in context: /kwic, /collocations, /cooccurrence (web/context.py)
    app.register_blueprint(help.bp)  # search tips, about this archive, following a search
    app.register_blueprint(memory.bp)  # saved searches, tags, collections (issue 22)
    auth.setup(app)  # who may change them: CSRF, the local user on localhost, accounts beyond
    errors.register(app)

    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app


def get_engine() -> Engine:
    """The Engine of the app handling this request."""
    return current_app.extensions[EXTENSION_KEY]


def query_string_too_long() -> bool:
    return len(request.query_string) > current_app.config["MAX_QUERY_STRING"]


__all__ = ["create_app", "get_engine"]
