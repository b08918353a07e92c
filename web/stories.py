"""Stories in the web app: the story page (`/story/<id>`), "N more articles in this story" under a
collapsed result, and the JSON API's `/api/stories` and `/api/stories/<id>`.

A story page is a search narrowed to the story (`story=<id>`, oldest first), so its timeline,
its people and places are the search page's date histogram and facets over the story's
articles: nothing here computes what the engine already does.
"""
from __future__ import annotations

from collections import Counter

from flask import Blueprint, abort, current_app, jsonify, render_template, request

from search.request import MAX_PAGE_SIZE, MAX_TOP, whole_number
from search.results import ArticleRecord, Hit, SearchResults
from web import get_engine, query_string_too_long
from web.state import FILTER_KINDS, FILTER_LABELS, SearchState

bp = Blueprint("stories", __name__)

SHOWN_OTHERS = 5    # other articles listed under a collapsed result; the story page has them all


@bp.before_request
def limit_request():
    if query_string_too_long():
        abort(414, "The query string is too long.")


def story_results(story_id: str, page: int = 1) -> SearchResults:
    """The story's articles, oldest first, with facets (people, places, dates) over them."""
    return get_engine().search("", story=story_id, sort="oldest", page=page, page_size=MAX_PAGE_SIZE,
                               facet_top=current_app.config["FACET_MORE"])


@bp.get("/story/<story_id>")
def story_page(story_id: str):
    """A story: its span, sources, timeline, its articles by date with source, its people and
    places; 404 when no indexed article belongs to it."""
    page = SearchState.from_args(request.args).page
    results = story_results(story_id, page)
    if not results.total:
        abort(404, f"No story {story_id!r} in this index (stories change when articles are added).")
    first = results.hits[0] if results.hits else None
    return render_template("story.html", story_id=story_id, results=results, first=first,
                           state=SearchState(story=(story_id,), sort="oldest"), filter_kinds=FILTER_KINDS,
                           filter_labels=FILTER_LABELS, days=_by_day(results.hits))


def _by_day(hits: list[Hit]) -> list[tuple[str, list[Hit]]]:
    """The articles grouped by their day, in order: the story's timeline."""
    days: dict[str, list[Hit]] = {}
    for hit in hits:
        days.setdefault(hit.date.date().isoformat() if hit.date else "undated", []).append(hit)
    return list(days.items())


@bp.app_template_global()
def story_others(hit: Hit) -> list[ArticleRecord]:
    """The first SHOWN_OTHERS other articles of a collapsed hit's story (one batch lookup)."""
    if hit.story is None or not hit.story.others:
        return []
    return get_engine().articles(hit.story.others[:SHOWN_OTHERS])


@bp.app_template_global()
def hidden_sources(hit: Hit, shown: list[ArticleRecord]) -> list[str]:
    """The sources of a collapsed hit's *other* articles, most frequent first (the hit's own
    source only when another article has it too); `shown` are story_others' records. A story
    larger than the ids a hit carries names all its sources."""
    story = hit.story
    if story is None or not story.others:
        return []
    if len(story.others) < story.size - 1:
        return list(story.sources)
    records = shown if len(shown) >= len(story.others) else get_engine().articles(story.others)
    return [source for source, _ in Counter(r.source for r in records if r.source).most_common()]


@bp.get("/api/stories")
def api_stories():
    """GET /api/stories?q=&top=&from=&to=&person=...: the largest stories, of the index or of a
    query's results."""
    state = SearchState.from_args(request.args)
    top = whole_number(request.args.get("top", "10"), "top", high=MAX_TOP)
    found = get_engine().stories(state.q, top=top, date_from=state.date_from or None,
                                 date_to=state.date_to or None, story=state.story,
                                 **{kind: state.filters.get(kind, ()) for kind in FILTER_KINDS})
    return jsonify({"stories": [story.to_dict() for story in found]})


@bp.get("/api/stories/<story_id>")
def api_story(story_id: str):
    """One story: its summary and its articles (oldest first, up to 100 per `page`)."""
    page = SearchState.from_args(request.args).page
    results = story_results(story_id, page)
    if not results.total:
        return jsonify({"error": f"no story {story_id!r} in this index"}), 404
    collapsed = get_engine().search("", story=story_id, collapse=True, page_size=1, facets=False, snippets=False)
    summary = collapsed.hits[0].story.to_dict() if collapsed.hits and collapsed.hits[0].story else None
    data = results.to_dict()
    return jsonify({"story": summary, "total": data["total"], "page": data["page"], "pages": data["pages"],
                    "articles": data["hits"], "facets": data["facets"]})
