"""The HTML pages: search (`/`) and article (`/article/<id>`).

Views only translate between the URL (`SearchState`) and `Engine`; what each page shows is in
its template. Article ids may be URLs with slashes, so the article route takes a `<path:>` and
keeps double slashes (`https://...`) as they are.
"""
from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, render_template, request, url_for

from markupsafe import Markup

from search.querylang import MAX_QUERY_CHARS
from web import get_engine, query_string_too_long
from index.article import ENTITY_TYPES
from index.language_codes import UNDETERMINED, language_name
from web.state import FACET_HEADINGS, FILTER_KINDS, FILTER_LABELS, SearchState, date_input_value, shown_value
from web.timeline import timeline_bars

bp = Blueprint("views", __name__)


@bp.before_request
def limit_request():
    if query_string_too_long():
        abort(414, "The address is too long. Shorten the query or remove some filters.")


@bp.get("/")
def search_page():
    """The search page: with no query and no filters, the whole archive newest first."""
    state = SearchState.from_args(request.args)
    # Built (and the query parsed, its errors raised) before any work; the same message everywhere.
    results = get_engine().run(state.request(facet_top=current_app.config["FACET_MORE"]))
    config = current_app.config
    return render_template(
        "search.html", state=state, results=results, filter_kinds=FILTER_KINDS, filter_labels=FILTER_LABELS,
        bars=timeline_bars(results.facets.dates, state), facet_top=config["FACET_TOP"],
        hit_entities=config["HIT_ENTITIES"], pages=page_window(results.page, results.pages),
        date_from_value=date_input_value(state.date_from, end=False),
        date_to_value=date_input_value(state.date_to, end=True),
        first_shown=(results.page - 1) * results.page_size + 1,
        last_shown=(results.page - 1) * results.page_size + len(results.hits),
    )


@bp.get("/article/<path:article_id>", merge_slashes=False)
def article_page(article_id: str):
    """One article, with the words of the search it was reached from (`q`) highlighted."""
    query = request.args.get("q", "")[:MAX_QUERY_CHARS]  # only marks words here: a longer query is cut
    engine = get_engine()
    record, body_html = engine.article(article_id, query)
    related = engine.related(article_id, current_app.config["RELATED"])
    return render_template("article.html", article=record, body_html=body_html, related=related,
                           state=SearchState(q=query), filter_kinds=FILTER_KINDS, filter_labels=FILTER_LABELS)


def article_url(article_id: str, query: str = "") -> str:
    """Link to an article page, carrying the query so its words are highlighted there."""
    return url_for("views.article_page", article_id=article_id, q=query or None)


@bp.app_template_global()
def article_link(article_id: str, query: str = "") -> str:
    return article_url(article_id, query)


@bp.app_template_global()
def filter_url(kind: str, value: str) -> str:
    """A plain filter search (from an article page): that entity, no query."""
    return SearchState(filters={kind: (value,)}).url()


@bp.app_context_processor
def kinds() -> dict:
    """What every template may list: the entity kinds (a hit's names) and the facets' headings."""
    return {"entity_kinds": ENTITY_TYPES, "facet_headings": FACET_HEADINGS}


@bp.app_template_filter("shown_value")
def shown_value_filter(value: str, kind: str) -> str:
    """A facet or filter value as shown: a language by name and code ("German (de)")."""
    return shown_value(kind, value)


@bp.app_template_filter()
def language_label(code: str | None) -> str:
    """A hit's or article's language as a label ("German"); "" when unknown or undetermined."""
    return language_name(code) if code and code != UNDETERMINED else ""


@bp.app_template_filter()
def text_attributes(code: str | None) -> Markup:
    """The attributes of an article's own text (title, snippet, body) in a language other than
    the page's English: `lang`, so a screen reader pronounces it and the browser picks its fonts
    and hyphenation, and `dir="auto"`, so Arabic or Hebrew text runs right to left. None for
    English, undetermined or unknown: such text reads as the page does."""
    if not code or code in ("en", UNDETERMINED) or not re.fullmatch(r"[a-z]{2,3}", code):
        return Markup("")
    return Markup(f' lang="{code}" dir="auto"')


@bp.app_template_filter()
def paragraphs(safe_html: str) -> Markup:
    """Safe body HTML (escaped text + <mark>) as <p>s at blank lines; a <mark> never spans one."""
    parts = [p.strip() for p in re.split(r"\n\s*\n", safe_html) if p.strip()]
    return Markup("".join(f"<p>{part}</p>" for part in parts))


@bp.app_template_filter()
def is_web_url(url: str) -> bool:
    """Only http(s) links: an indexed `javascript:` URL must not become a link."""
    return url.lower().startswith(("http://", "https://"))


@bp.app_template_filter()
def thousands(number: int) -> str:
    return f"{number:,}"


@bp.app_template_filter()
def nice_date(value) -> str:
    """'23 Feb 2019' — unambiguous in every locale, unlike 02/03/2019."""
    return f"{value.day} {value:%b %Y}" if value else ""


def page_window(current: int, last: int, around: int = 2) -> list[int | None]:
    """Page numbers to show: first, last and a window around the current one; None is a gap."""
    shown = sorted({1, last, *range(max(1, current - around), min(last, current + around) + 1)})
    window: list[int | None] = []
    for number in shown:
        if window and number - (window[-1] or 0) > 1:
            window.append(None)
        window.append(number)
    return window
