"""The researcher's tools on the web: trends (`/trends`, `/api/trends`), top words (`/words`,
`/api/top-words`), export (`/export`, `/api/export`) and Atom feeds (`/feed`).

Like the rest of `web`, thin over `search`: the state comes from the URL (`SearchState`, the
search page's own parameters, so every result page can link to its export, feed and words),
the work is done by `search.trends`, `search.topwords` and `search.export`.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from urllib.parse import urlencode

from flask import (Blueprint, Response, abort, current_app, jsonify, render_template, request,
                   stream_with_context, url_for)

from search.export import EXPORT_LIMIT, FORMATS, every_article, export_lines
from search.parameters import (DATE_FROM, DATE_TO, INTERVALS, MAX_TOP, PAGE, PAGE_SIZE, QUERY, RECENCY, SORT,
                               filters_as_query, whole_number)
from search.topwords import TOP, top_words
from search.trends import MAX_QUERIES, trends_csv
from web import get_engine, query_string_too_long
from web.chart import SERIES_CLASSES, trends_chart
from web.feed import FEED_ENTRIES, atom_feed
from web.timeline import timeline_bars, x_ticks, y_ticks
from web.state import FILTER_KINDS, FILTER_LABELS, SearchState

bp = Blueprint("research", __name__)


@bp.before_request
def limit_request():
    if query_string_too_long():
        abort(414, "The address is too long. Shorten the query or remove some filters.")


def _state() -> SearchState:
    """The page's state; a bad query or parameter is a 400 from `state.request()`, which each
    route calls before any work (the request build's message, the same on every interface)."""
    return SearchState.from_args(request.args)


def state_query(state: SearchState) -> str:
    """The page's query with its entity, source and language filters written in the query
    language (`oil place:"United States"`), so one trends series carries its own filters."""
    return " ".join(part for part in (state.q.strip(), filters_as_query(state.filters)) if part)


@bp.app_template_global()
def research_links(state: SearchState) -> dict[str, str]:
    """Where a result page's tools live: this search's trend, words, exports and feed."""
    args = [(k, v) for k, v in state.args() if k not in (PAGE.url, PAGE_SIZE.url)]
    trend_args = [(QUERY.url or "q", state_query(state))] if state_query(state) else []
    trend_args += [(k, v) for k, v in args if k in (DATE_FROM.url, DATE_TO.url)]
    query = urlencode(args)
    return {
        "trends": "/trends" + ("?" + urlencode(trend_args) if trend_args else ""),
        "words": "/words" + ("?" + query if query else ""),
        "words_api": "/api/top-words" + ("?" + query if query else ""),
        "csv": "/export?" + urlencode([*args, ("format", "csv")]),
        "jsonl": "/export?" + urlencode([*args, ("format", "jsonl")]),
        "feed": "/feed" + ("?" + urlencode([(k, v) for k, v in args if k not in (SORT.url, RECENCY.url)])
                           if args else ""),
    }


@bp.app_template_global()
def timeline_x_ticks(bars: list) -> list:
    return x_ticks(bars)


@bp.app_template_global()
def timeline_y_ticks(bars: list) -> list[int]:
    return y_ticks(bars)


@bp.app_template_global()
def hourly_bars(state: SearchState) -> list:
    """A single day's matches by hour (UTC) as timeline bars without links (a search cannot
    narrow to an hour), or [] when their times are not known (every one at midnight)."""
    request = state.request(facet_top=0).with_changes(interval="hour", page=1, page_size=1, snippets=False)
    histogram = get_engine().run(request).facets.dates
    if all(bucket.label.endswith(" 00:00") for bucket in histogram.buckets if bucket.count):
        return []
    return [replace(bar, url=None, label=bar.label[-5:]) for bar in timeline_bars(histogram, state)]


@bp.app_template_filter()
def nice_day(iso_day: str) -> str:
    """'1987-02-23' as '23 Feb 1987', the way the result list writes dates."""
    day = date.fromisoformat(iso_day)
    return f"{day.day} {day:%b %Y}"


# ---- trends ---------------------------------------------------------------------------------------

def _trends_args() -> dict:
    """The trends' parameters from the URL: several `q`, the page's date keys, the bucket and the
    scale (each query's length and syntax, the dates and the bucket are checked by the request
    each series builds, with the same messages as a search)."""
    scale = request.args.get("scale", "share")
    # Filters beside the queries (`language=de`, `place=Iran`) apply to every series: written
    # into each query, as the result page's "Compare over time" link writes them.
    beside = filters_as_query(_state().filters)
    queries = [f"{q} {beside}" if q.strip() and beside else q for q in request.args.getlist("q")]
    return {"queries": queries, "interval": request.args.get("interval", "") or None,
            "normalise": scale != "count",
            "date_from": request.args.get(DATE_FROM.url or "from", "").strip() or None,
            "date_to": request.args.get(DATE_TO.url or "to", "").strip() or None}


@bp.get("/api/trends")
def api_trends():
    """GET /api/trends?q=oil&q=wheat[&interval=day|week|month|year][&scale=share|count][&from=&to=]
    [&format=csv]"""
    result = get_engine().trends(**_trends_args())
    if request.args.get("format") == "csv":
        return Response(trends_csv(result), mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="newsearch-trends.csv"'})
    return jsonify(result.to_dict())


@bp.get("/trends")
def trends_page():
    """Attention over time: up to five queries on one chart (works without JavaScript)."""
    args = _trends_args()
    queries = [q for q in args["queries"] if q.strip()]
    result = get_engine().trends(**args) if queries else None
    slots = queries + [""] * (MAX_QUERIES - len(queries))
    return render_template(
        "trends.html", result=result, chart=trends_chart(result) if result else None, slots=slots,
        intervals=INTERVALS, interval=args["interval"] or "", normalised=args["normalise"],
        date_from=args["date_from"] or "", date_to=args["date_to"] or "", series_classes=SERIES_CLASSES,
        state=SearchState(q=queries[0] if queries else ""),
        csv_url="/api/trends?" + urlencode([*request.args.items(multi=True), ("format", "csv")]),
        json_url="/api/trends?" + urlencode(list(request.args.items(multi=True))))


# ---- top words ------------------------------------------------------------------------------------

@bp.get("/api/top-words")
def api_top_words():
    """GET /api/top-words?<the search page's parameters>[&top=20]"""
    top = whole_number(request.args.get("top", str(TOP)), "top", high=MAX_TOP)
    found = top_words(get_engine(), _state().request(), top)
    return jsonify({"words": [w.to_dict() for w in found["words"]], "sample": found["sample"],
                    "total": found["total"]})


@bp.get("/words")
def words_page():
    """The top words of a search, as a page (the result page's link when JavaScript is off)."""
    state = _state()
    found = top_words(get_engine(), state.request())
    return render_template("words.html", state=state, found=found, filter_kinds=FILTER_KINDS,
                           filter_labels=FILTER_LABELS)


# ---- export ---------------------------------------------------------------------------------------

@bp.get("/export")
@bp.get("/api/export")
def export():
    """GET /api/export?format=csv|jsonl[&text=1]&<the search page's parameters>: every matching
    article, streamed, up to the server's EXPORT_LIMIT (the last line says when it cut)."""
    state = _state()
    fmt = request.args.get("format", "csv")
    with_text = request.args.get("text", "") in ("1", "true", "yes")
    search_request = state.request()
    engine = get_engine()
    # Errors in the query must be a 400 before the response starts, not a cut-off download.
    engine.run(every_article(search_request, page_size=1, snippets=False, facets=False))
    lines = export_lines(engine, search_request, fmt, limit=int(current_app.config.get("EXPORT_LIMIT", EXPORT_LIMIT)),
                         text=with_text)
    mimetype = "text/csv" if fmt == "csv" else "application/x-ndjson"
    name = f"newsearch-export.{fmt if fmt in FORMATS else 'txt'}"
    return Response(stream_with_context(lines), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# ---- feeds ----------------------------------------------------------------------------------------

def feed_request(state: SearchState):
    """A search's feed: its newest matching articles (also listed by web/help.py's /follow page)."""
    return every_article(state.request(facets=False), sort="newest", recency=None, page=1, page_size=FEED_ENTRIES)


@bp.get("/feed")
def feed():
    """GET /feed?<the search page's parameters>: the 50 newest matching articles as Atom 1.0."""
    state = _state()
    results = get_engine().run(feed_request(state))
    root = request.url_root.rstrip("/")
    title = f"newsearch: {state_query(state) or 'all articles'}"
    body = atom_feed(results, title=title, feed_url=request.url, page_url=root + state.url(sort="newest"),
                     article_url=lambda hit: url_for("views.article_page", article_id=hit.id, _external=True))
    return Response(body, mimetype="application/atom+xml")
