"""The researcher's memory on the web (issue 22): saved searches, tags, collections; pages and API.

Thin over `search.memory`, like the rest of `web`. Reads are GETs with stable, shareable URLs
(`/saved/<name>`, its export and its Atom feed of new matches); every change is a POST guarded by
`web.auth.writer` (CSRF, and who may write). A saved search's name goes into its URL quoted
(any character, "/" included: the route takes the rest of the path).
"""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import quote

from flask import Blueprint, Response, abort, g, jsonify, redirect, render_template, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from search.export import EXPORT_BATCH, every_article
from search.memory import collections, saved, tags
from search.memory.store import StoreError
from search.results import SearchResults
from web import get_engine
from web.auth import get_store, writer
from web.feed import FEED_ENTRIES, atom_feed
from web.state import SearchState
from web.views import article_url

bp = Blueprint("memory", __name__)
PAGE = 20   # frozen articles per page of a saved search


def saved_url(name: str, suffix: str = "") -> str:
    return f"/saved{suffix}/" + quote(name, safe="")


def _fail(error: StoreError, status: int = 400):
    abort(status, str(error))


def _search_state(form: MultiDict) -> SearchState:
    """The search a form carries (the search page's own fields), checked as the page checks it."""
    state = SearchState.from_args(form)
    state.request()  # a bad query or parameter: the request's 400, before anything is kept
    return state


def _author() -> str:
    return str(g.author)


@bp.app_template_global()
def form_id(prefix: str, value: str) -> str:
    """A stable element id for a form field about `value` (an article id may hold any character)."""
    import hashlib

    return f"{prefix}-{hashlib.sha1(value.encode('utf-8')).hexdigest()[:12]}"


@bp.app_template_global()
def article_tags(article_id: str) -> list[str]:
    """An article's tags for its page (none when the index keeps no store)."""
    try:
        return tags.tags_of(get_store(), [article_id])[article_id]
    except HTTPException:  # no store (get_store's 501): the page shows no tags
        return []


@bp.app_template_global()
def memory_facets(state: SearchState) -> dict[str, list[dict]]:
    """The search's tag and collection facets for its page (empty without a store)."""
    from search.memory.facets import memory_facets as counts

    try:
        return counts(get_engine(), state.request(), get_store())
    except HTTPException:  # no store (get_store's 501)
        return {"tags": [], "collections": []}


@bp.app_template_global()
def with_memory_filter(state: SearchState, field: str, name: str) -> str:
    """The search narrowed to a tag or a collection: `tag:"NAME"` added to its query."""
    value = name.replace('"', " ")
    return state.url(q=f'{state.q.strip()} {field}:"{value}"'.strip())


# ---- saved searches ----------------------------------------------------------------------------

@bp.route("/saved")
def saved_list():
    store = get_store()
    return render_template("saved_list.html", saved=saved.saved_searches(store), tags=tags.tags(store),
                           collections=collections.collections(store), saved_url=saved_url, state=SearchState())


@bp.route("/saved", methods=["POST"])
@writer
def save_search():
    state = _search_state(request.form)
    try:
        kept = saved.save(get_engine(), get_store(), request.form.get("name", ""), state.request(),
                          author=_author(), replace=request.form.get("replace") == "1")
    except StoreError as error:
        return _fail(error, 409 if "exists" in str(error) else 400)
    return redirect(saved_url(kept.name), 303)


@bp.route("/saved/<path:name>")
def saved_page(name: str):
    store = get_store()
    try:
        reopened = saved.reopen(get_engine(), store, name)
    except StoreError as error:
        return _fail(error, 404)
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 1 + reopened.saved.frozen // PAGE))
    ids = list(saved.frozen_ids(store, reopened.saved.name, offset=(page - 1) * PAGE, limit=PAGE))
    records = {r.id: r for r in get_engine().articles(ids)}
    rows = [(article_id, records.get(article_id)) for article_id in ids]
    new = {r.id: r for r in get_engine().articles(reopened.new_ids[:PAGE])}
    state = SearchState.from_args(MultiDict(_state_args(reopened.saved.parameters)))
    return render_template("saved.html", reopened=reopened, s=reopened.saved, rows=rows, page=page, per_page=PAGE,
                           new=[new[i] for i in reopened.new_ids[:PAGE] if i in new], state=state,
                           saved_url=saved_url, tags_of=tags.tags_of(store, ids))


def _state_args(parameters: dict) -> list[tuple[str, str]]:
    """A saved search's parameters as the search page's URL arguments (to re-run it there)."""
    from search.parameters import BY_NAME

    out = []
    for name, value in parameters.items():
        key = BY_NAME[name].url or name
        for item in value if isinstance(value, list) else [value]:
            out.append((key, "1" if item is True else str(item)[:10] if name.startswith("date_") else str(item)))
    return out


@bp.route("/saved-export/<path:name>")
def saved_export(name: str):
    fmt = request.args.get("format", "csv")
    try:
        lines = saved.export_frozen(get_engine(), get_store(), name, fmt)
        first = next(lines)
    except StoreError as error:
        return _fail(error, 404)
    mimetype = "text/csv" if fmt == "csv" else "application/x-ndjson"
    filename = "saved-search." + ("csv" if fmt == "csv" else "jsonl")

    def stream():
        yield first
        yield from lines
    return Response(stream(), mimetype=mimetype + "; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/saved-feed/<path:name>")
def saved_feed(name: str):
    """An Atom feed of the articles that match the saved search now but were not in its set."""
    store, engine = get_store(), get_engine()
    try:
        kept = saved.get(store, name)
    except StoreError as error:
        return _fail(error, 404)
    frozen = set(saved.frozen_ids(store, kept.name))
    request_now = every_article(saved.rebuild_request(kept.parameters), sort="newest", page_size=EXPORT_BATCH,
                                snippets=True, facets=False)
    results = engine.run(request_now)
    fresh = [hit for hit in results.hits if hit.id not in frozen][:FEED_ENTRIES]
    answer = SearchResults(query=kept.query, total=len(fresh), page=1, page_size=len(fresh), took_ms=results.took_ms,
                           hits=fresh, facets=results.facets)
    base = request.host_url.rstrip("/")
    body = atom_feed(answer, title=f"New articles for “{kept.name}” (saved {kept.saved_at:%Y-%m-%d})",
                     feed_url=base + saved_url(kept.name, "-feed"), page_url=base + saved_url(kept.name),
                     article_url=lambda hit: base + article_url(hit.id),
                     now=datetime.now(timezone.utc))
    return Response(body, mimetype="application/atom+xml")


@bp.route("/saved-delete/<path:name>", methods=["POST"])
@writer
def delete_saved(name: str):
    try:
        saved.delete(get_store(), name)
    except StoreError as error:
        return _fail(error, 404)
    return redirect("/saved", 303)


# ---- tags and collections ------------------------------------------------------------------------

def _back(default: str = "/saved") -> str:
    target = request.form.get("next", default)
    return target if target.startswith("/") and not target.startswith("//") else default


@bp.route("/tags/add", methods=["POST"])
@writer
def tag_add():
    try:
        tags.tag_articles(get_store(), request.form.get("tag", ""), request.form.getlist("article"), author=_author())
    except StoreError as error:
        return _fail(error)
    return redirect(_back(), 303)


@bp.route("/tags/remove", methods=["POST"])
@writer
def tag_remove():
    try:
        tags.untag_articles(get_store(), request.form.get("tag", ""), request.form.getlist("article"))
    except StoreError as error:
        return _fail(error, 404)
    return redirect(_back(), 303)


@bp.route("/tags/query", methods=["POST"])
@writer
def tag_query():
    state = _search_state(request.form)
    try:
        tags.tag_by_query(get_engine(), get_store(), request.form.get("tag", ""), state.request(), author=_author(),
                          reapply=request.form.get("reapply") == "1")
    except StoreError as error:
        return _fail(error)
    return redirect(_back(state.url()), 303)


@bp.route("/tags/<path:tag>")
def tag_page(tag: str):
    store = get_store()
    try:
        ids = list(tags.tagged(store, tag))
    except StoreError as error:
        return _fail(error, 404)
    records = get_engine().articles(ids[:200])
    return render_template("tag.html", tag=tag, total=len(ids), records=records, rules=tags.rules(store, tag),
                           state=SearchState())


@bp.route("/collections", methods=["POST"])
@writer
def collection_define():
    sources = [line for line in request.form.get("sources", "").splitlines() if line.strip()]
    try:
        collections.define(get_store(), request.form.get("name", ""), sources, author=_author())
    except StoreError as error:
        return _fail(error)
    return redirect("/saved", 303)


# ---- the JSON API ------------------------------------------------------------------------------------

@bp.route("/api/saved")
def api_saved_list():
    return jsonify(saved=[s.to_dict() for s in saved.saved_searches(get_store())])


@bp.route("/api/saved/<path:name>")
def api_saved(name: str):
    store = get_store()
    try:
        reopened = saved.reopen(get_engine(), store, name)
    except StoreError as error:
        return _fail(error, 404)
    offset = max(0, request.args.get("offset", 0, type=int) or 0)
    limit = max(1, min(request.args.get("limit", 100, type=int) or 100, 1000))
    return jsonify(**reopened.saved.to_dict(), new_total=reopened.new_total, new_ids=reopened.new_ids,
                   gone=reopened.gone, same_index=reopened.same_index,
                   ids=list(saved.frozen_ids(store, reopened.saved.name, offset=offset, limit=limit)),
                   offset=offset, url=saved_url(reopened.saved.name))


@bp.route("/api/saved", methods=["POST"])
@writer
def api_save():
    state = _search_state(request.form)
    try:
        kept = saved.save(get_engine(), get_store(), request.form.get("name", ""), state.request(), author=_author(),
                          replace=request.form.get("replace") == "1")
    except StoreError as error:
        return _fail(error, 409 if "exists" in str(error) else 400)
    return jsonify(kept.to_dict()), 201


@bp.route("/api/tags")
def api_tags():
    return jsonify(tags=[{"tag": t, "articles": n} for t, n in tags.tags(get_store())])


@bp.route("/api/tags", methods=["POST"])
@writer
def api_tag():
    store, tag = get_store(), request.form.get("tag", "")
    try:
        if request.form.getlist("article"):
            added = tags.tag_articles(store, tag, request.form.getlist("article"), author=_author())
            return jsonify(tag=tag, added=added), 201
        state = _search_state(request.form)
        rule, added = tags.tag_by_query(get_engine(), store, tag, state.request(), author=_author(),
                                        reapply=request.form.get("reapply") == "1")
    except StoreError as error:
        return _fail(error)
    return jsonify(tag=rule.tag, added=added, rule=rule.to_dict()), 201


@bp.route("/api/memory-facets")
def api_memory_facets():
    """The tag and collection counts of a search (the search page's parameters)."""
    from search.memory.facets import memory_facets as counts

    state = _search_state(request.args)
    return jsonify(counts(get_engine(), state.request(), get_store()))


@bp.route("/api/collections")
def api_collections():
    return jsonify(collections=[c.to_dict() for c in collections.collections(get_store())])


__all__ = ["bp", "saved_url"]
