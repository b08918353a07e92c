"""Who may change the researcher's memory through the web, and forged requests refused (issue 22).

The rules:
- Reading (searching, opening saved searches) is open by default; the `READ_ACCESS` setting
  "signed-in" closes every page and API route but sign-in to anonymous visitors.
- Writing (saving, tagging, collections) is a POST. On a server that listens on localhost only
  (`LOCAL_ONLY`, set by `newsearch serve` from its host), the local user may write without
  signing in: only programs on this machine can reach it, as with the command line. A server
  listening beyond localhost accepts writes only from a signed-in account (/login, passwords
  from `newsearch account add`) or a program sending `Authorization: Bearer <token>` (tokens from
  `newsearch token add`). Every change records who made it.
- Forms carry a CSRF token tied to the browser's session (a signed cookie): another site cannot
  make a visitor's browser post to newsearch. Bearer-token requests carry no cookie and need none.
"""
from __future__ import annotations

import getpass
import hmac
import logging
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session

from search.memory import accounts
from search.memory.store import MemoryStore, StoreError, store_for
from web import get_engine

bp = Blueprint("auth", __name__)
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"
_OPEN_ROUTES = ("auth.login", "static")


def get_store() -> MemoryStore:
    """The engine's researcher's store (one per app: research.sqlite beside a Whoosh index, the
    cluster's store on OpenSearch, shared by every server), or a 501 saying why there is none."""
    store = current_app.extensions.get("newsearch-store")
    if store is None:
        try:
            store = store_for(get_engine())
        except StoreError as error:
            abort(501, str(error))
        current_app.extensions["newsearch-store"] = store
    return store


def setup(app) -> None:
    """Sign the session cookie with the store's key (shared by every server of the store) and
    apply READ_ACCESS to every route."""
    app.config.setdefault("READ_ACCESS", "open")
    app.config.setdefault("LOCAL_ONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    with app.app_context():
        try:
            app.secret_key = accounts.web_secret(store_for(app.extensions["newsearch"]))
        except StoreError:
            app.secret_key = secrets.token_bytes(32)  # no store: no writes, sessions only for this process
        except Exception as error:  # the cluster's store unreachable at start: this process's key
            logging.getLogger("newsearch.web").warning(
                "cannot read the session key from the researcher's store (%s): sessions are signed with a key of "
                "this process only until it restarts", error)
            app.secret_key = secrets.token_bytes(32)
    app.register_blueprint(bp)

    @app.before_request
    def closed_to_anonymous_readers():
        if current_app.config["READ_ACCESS"] == "signed-in" and request.endpoint not in _OPEN_ROUTES:
            if current_user() is None:
                if request.path.startswith("/api/"):
                    abort(401, "this archive is open to signed-in users only: send an API token "
                               "(Authorization: Bearer ...)")
                return redirect("/login?next=" + request.full_path.rstrip("?"))
        return None

    @app.context_processor
    def who():
        return {"csrf_token": csrf_token, "signed_in": session.get("account"),
                "may_write": current_user() is not None}


def csrf_token() -> str:
    """This session's CSRF token (made on first use)."""
    token = session.get(CSRF_FIELD)
    if not token:
        token = session[CSRF_FIELD] = secrets.token_urlsafe(24)
    return token


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def _local_request() -> bool:
    return current_app.config["LOCAL_ONLY"] and request.remote_addr in ("127.0.0.1", "::1", None)


def current_user() -> str | None:
    """Who the request acts as: a token's account, the signed-in account, or on a server that
    listens on localhost only the local user; None: an anonymous visitor."""
    if "newsearch_user" in g:
        return g.newsearch_user
    user: str | None = None
    token = _bearer()
    if token:
        user = accounts.token_account(get_store(), token)
    elif session.get("account"):
        user = session["account"]
    elif _local_request():
        user = getpass.getuser()
    g.newsearch_user = user
    return user


def writer(view: Callable[..., Any]) -> Callable[..., Any]:
    """A view that changes the store: POST only, CSRF checked (unless a token signs it), someone
    allowed to write (see the module docstring); `g.author` names them."""
    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if request.method != "POST":
            abort(405)
        if _bearer() is None:
            sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
            if not sent or not hmac.compare_digest(sent, session.get(CSRF_FIELD, "")):
                abort(403, "this change came without this page's form token (CSRF): reload the page and try again")
        user = current_user()
        if user is None:
            abort(403, "sign in to save searches, tag articles or change collections: this server listens "
                       "beyond localhost, where only accounts may change them (newsearch account add NAME)")
        g.author = user
        return view(*args, **kwargs)
    return checked


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = request.values.get("next", "/")
    if not next_url.startswith("/") or next_url.startswith("//"):
        next_url = "/"  # only this site: never an open redirect
    message = None
    if request.method == "POST":
        sent = request.form.get(CSRF_FIELD, "")
        if not sent or not hmac.compare_digest(sent, session.get(CSRF_FIELD, "")):
            abort(403, "the sign-in form expired (CSRF): reload the page and try again")
        name = accounts.check_password(get_store(), request.form.get("name", ""), request.form.get("password", ""))
        if name is not None:
            session.clear()
            session["account"] = name
            csrf_token()
            return redirect(next_url)
        message = "That name and password do not match an account."
    from web.state import SearchState

    return (render_template("login.html", message=message, next_url=next_url, state=SearchState()),
            401 if message else 200)


@bp.route("/logout", methods=["POST"])
def logout():
    sent = request.form.get(CSRF_FIELD, "")
    if not sent or not hmac.compare_digest(sent, session.get(CSRF_FIELD, "")):
        abort(403, "the sign-out form expired (CSRF): reload the page and try again")
    session.clear()
    return redirect("/")


__all__ = ["bp", "setup", "writer", "current_user", "csrf_token", "get_store", "CSRF_FIELD", "CSRF_HEADER"]
