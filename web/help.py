"""The pages that explain: search tips (`/tips`), what is in this archive (`/about`), following a
search in a feed reader (`/follow`), and the links that carry a search from page to page.

The tips' examples are built from the index's own values (its most frequent person, place and
organisation, its date range) and each is run once to show how many articles it finds, so every
example a reader clicks gives results on *this* archive, not on someone else's. They are kept per
index generation (its document count and last update), so the page costs a few searches once
per commit, not per view.
"""
from __future__ import annotations

import re
import threading
from calendar import monthrange
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from flask import Blueprint, abort, render_template, request, url_for

from search import QuerySyntaxError
from index.language_codes import language_name
from search.language_info import analysis_summary
from search.results import SearchResults
from web import get_engine, query_string_too_long
from web.feed import FEED_ENTRIES, plain_text
from web.research import feed_request, research_links
from web.state import FILTER_KINDS, FILTER_LABELS, SearchState

bp = Blueprint("help", __name__)

TOP = 10                 # values per kind on the about page
MAX_TRIES = 12           # candidate queries tried per example (each is one search, once per commit)
_WORD = re.compile(r"^[^\W\d_]{3,}$")


@bp.before_request
def limit_request():
    if query_string_too_long():
        abort(414, "The address is too long. Shorten the query or remove some filters.")


# ---- examples from the index's own values ---------------------------------------------------------

@dataclass(frozen=True)
class Example:
    """A query to try, what it shows, and how many articles it finds here (None: not run)."""

    query: str
    what: str
    count: int | None = None

    @property
    def url(self) -> str:
        return SearchState(q=self.query).url()


def _quoted(value: str) -> str:
    """A field value as the query language reads it: quoted when it has spaces."""
    value = value.replace('"', " ").strip()
    return f'"{value}"' if " " in value else value


def _word(name: str) -> str:
    """The name's most telling plain word: its last word of 3+ letters ("Donald Trump" -> "Trump")."""
    words = [w for w in re.split(r"[\s\-]+", name) if _WORD.match(w)]
    return words[-1] if words else ""


class _Examples:
    """Finds, for each kind of example, the first candidate query that matches articles (all its
    words) on this index, and remembers the answer for the index generation it was computed on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: object = None
        self._value: dict[str, list[Example]] = {}

    def get(self, engine, stats: dict) -> dict[str, list[Example]]:
        key = (id(engine), stats.get("documents"), stats.get("last_update"), stats.get("date_to"))
        with self._lock:
            if key != self._key:
                self._value, self._key = build_examples(engine, stats), key
            return self._value


def _count(engine, query: str) -> int:
    try:
        results = engine.search(query, page_size=1, facets=False, snippets=False)
    except QuerySyntaxError:
        return 0
    return results.total if results.all_words else results.with_all_words


def build_examples(engine, stats: dict) -> dict[str, list[Example]]:
    """Examples by section ("words", "phrases", ...), each the first of its candidates that finds
    articles here; a section without any is left out (its text still explains the syntax)."""
    top = stats.get("top", {})
    values = {kind: [v["value"] for v in top.get(kind, [])] for kind in FILTER_KINDS}
    names = values["person"] + values["org"] + values["place"]
    words = list(dict.fromkeys(w for w in (_word(n) for n in names) if w))
    multi = [n for n in names if len(n.split()) > 1 and '"' not in n]
    first, last = _day(stats.get("date_from")), _day(stats.get("date_to"))

    def pick(candidates, what: str, limit: int = 1, below: int | None = None) -> list[Example]:
        """The first `limit` candidates that find articles (fewer than `below`, when given)."""
        found: list[Example] = []
        for query in list(dict.fromkeys(q for q in candidates if q))[:MAX_TRIES]:
            if len(found) < limit:
                count = _count(engine, query)
                if count and (below is None or count < below):
                    found.append(Example(query, what, count))
        return found

    singles = pick(words[:6], "articles with the word (and its inflections)", limit=2)
    lead = singles[0] if singles else None

    pairs = [f"{a} {b}" for a in words[:4] for b in words[:8] if a != b]
    sections: dict[str, list[Example]] = {
        "words": singles[:1] + pick(pairs, "articles with both words, anywhere in the text"),
        "trends": singles,  # two words to compare over time
        "phrases": pick([f'"{n}"' for n in multi], "the words side by side, in this order"),
        "exclude": pick([f"{lead.query} -{b}" for b in words[:12] if b != lead.query] if lead else [],
                        "the first word, but no article that mentions the second",
                        below=lead.count if lead else None),
        "or": pick([f"{a} OR {b}" for a in words[:3] for b in words[1:6] if a != b],
                   "either word (or both)")
              + pick([f"{a} ({b} OR {c})" for a in words[:2] for b in words[1:4] for c in words[2:6]
                      if len({a, b, c}) == 3], "the first word with either of the others"),
        "fields": [],
        "dates": [],
        "wildcards": pick([f"{w[:max(3, len(w) - 2)].lower()}*" for w in words if len(w) >= 5],
                          "every word that starts so"),
    }
    labels = {"person": "mentions this person", "org": "mentions this organisation",
              "place": "mentions this place", "source": "published by this source"}
    for kind in FILTER_KINDS:
        if kind == "language":  # its own section, from the counts (no search needed)
            continue
        sections["fields"] += pick([f"{kind}:{_quoted(v)}" for v in values[kind][:3]], labels[kind])
    sections["fields"] += pick([f"title:{w}" for w in words[:5]], "the word in the headline")
    sections["languages"] = [Example(f"language:{language.code}", f"articles in {language.name}", language.count)
                             for language in _languages(stats)[:3]]
    if first and last:
        month_start = last.replace(day=1)
        month_end = last.replace(day=monthrange(last.year, last.month)[1])
        sections["dates"] = (
            pick([f"date:{last:%Y-%m}"], "every article of that month")
            + pick([f"{w} date:[{month_start.isoformat()} TO {month_end.isoformat()}]" for w in words[:5]],
                   "the word, between two dates (inclusive)")
            + pick([f"date:{first.isoformat()}"], "one day: the archive's first"))
    return {name: found for name, found in sections.items() if found}


def _day(value: object) -> date | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value)).date() if not isinstance(value, date) else value


EXAMPLES = _Examples()


# ---- pages ----------------------------------------------------------------------------------------

@bp.get("/tips")
def tips_page():
    """How to search: the query language, facets, stories and the researcher's tools, with
    examples that run on this archive."""
    engine = get_engine()
    stats = engine.stats(TOP)
    examples = EXAMPLES.get(engine, stats)
    singles = examples.get("trends", [])
    first = _day(stats.get("date_from")) or date.today()  # the syntax's own examples: this archive's dates
    lead_query = singles[0].query if singles else ""
    largest = engine.stories("", top=1)
    return render_template("tips.html", state=SearchState(), stats=stats, examples=examples,
                           lead_query=lead_query, trend_queries=[e.query for e in singles],
                           first=first, last_of_range=(first + timedelta(days=14)).isoformat(),
                           story=largest[0] if largest and largest[0].size > 1 else None,
                           tools=research_links(SearchState(q=lead_query)),
                           place=next(iter(stats.get("top", {}).get("place", [])), None),
                           languages=_languages(stats))


@bp.get("/about")
def about_page():
    """What is in this archive: counts, date range, languages, the most frequent names, the API."""
    engine = get_engine()
    stats = engine.stats(TOP)
    stats.pop("index_dir", None)  # the server's file system is nobody's business
    return render_template("about.html", state=SearchState(), stats=stats, filter_kinds=FILTER_KINDS,
                           filter_labels=FILTER_LABELS, languages=_languages(stats),
                           first=_day(stats.get("date_from")), last=_day(stats.get("date_to")),
                           largest=engine.stories("", top=3))


@dataclass(frozen=True)
class Language:
    """One language of the archive as the about page lists it."""

    code: str
    name: str
    count: int
    analysis: str             # how its words are matched (search.language_info)
    recognition: str | None   # what finds names in it (index.entities), None: not said


def _languages(stats: dict) -> list[Language]:
    """The archive's languages, most articles first (Engine.stats counts them)."""
    by = stats.get("recognition_by_language") or {}
    return [Language(code, language_name(code), count, analysis_summary(code), by.get(code))
            for code, count in (stats.get("languages") or {}).items()]


@bp.get("/follow")
def follow_page() -> str:
    """A search's feed, for people: the address to paste into a feed reader, and the entries the
    feed holds now, readable. The feed itself (`/feed`) stays plain Atom for the readers."""
    state = SearchState.from_args(request.args)
    results: SearchResults = get_engine().run(feed_request(state))
    feed_url = request.url_root.rstrip("/") + research_links(state)["feed"]
    return render_template("follow.html", state=state, results=results, feed_url=feed_url,
                           entries=FEED_ENTRIES, described=state.q.strip() or ("these filters" if state.has_filters else "every article"),
                           summary=plain_text, filter_kinds=FILTER_KINDS, filter_labels=FILTER_LABELS)


@bp.after_app_request
def feed_for_browsers(response):
    """A browser that opens a feed's address itself (it asks for HTML first) gets the same Atom
    document as `application/xml`, which it shows with the document's stylesheet (web/static/
    feed.css: what a feed is for, the entries readable) instead of as raw text; feed readers,
    which ask for Atom or anything, get `application/atom+xml` as before."""
    if request.endpoint == "research.feed" and response.status_code == 200:
        if request.accept_mimetypes.best_match(["application/atom+xml", "text/html"]) == "text/html":
            response.mimetype = "application/xml"
        response.vary.add("Accept")
    return response


# ---- links that keep the search ---------------------------------------------------------------------

def _search_pairs(state: SearchState) -> list[tuple[str, str]]:
    return [(name, value) for name, value in state.args() if name not in ("page", "story")]


@bp.app_template_global()
def story_url(story_id: str, state: SearchState) -> str:
    """A story page's address carrying the search it was reached from (not its page number: the
    story page has its own), so the story page's "‹ Search" goes back to that search."""
    pairs = _search_pairs(state)
    return url_for("stories.story_page", story_id=story_id) + ("?" + urlencode(pairs) if pairs else "")


@bp.app_template_global()
def follow_url(state: SearchState) -> str:
    """The page that explains and lists a search's feed (same parameters as the feed)."""
    return "/follow" + research_links(state)["feed"][len("/feed"):]


@bp.app_template_global()
def came_from() -> SearchState:
    """On a story page: the search its address carries (see `story_url`), on its first page."""
    state = SearchState.from_args(request.args)
    return replace(state, page=1, story=())


@bp.app_template_global()
def story_page_url(state: SearchState, page: int) -> str:
    """Another page of a story's articles, still carrying the search it was reached from."""
    return "?" + urlencode([*_search_pairs(state), ("page", str(page))])


# ---- the sidebar timeline's axis labels -------------------------------------------------------------

_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@bp.app_template_filter()
def compact_ticks(labels: list[str]) -> list[str]:
    """Bucket labels short enough to sit side by side under a 260-pixel timeline: days as
    '26 Feb', months as 'Mar', each with its year where the year starts or changes
    ('26 Feb 1987', '2 Mar', ...); other labels (years, hours) as they are."""
    shown, year = [], None
    for label in labels:
        day, month = _DAY.match(label), _MONTH.match(label)
        match = day or month
        if not match:
            shown.append(label)
            continue
        moment = date(int(match.group(1)), int(match.group(2)), int(day.group(3)) if day else 1)
        text = f"{moment.day} {moment:%b}" if day else f"{moment:%b}"
        shown.append(text if moment.year == year else f"{text} {moment.year}")
        year = moment.year
    return shown


__all__ = ["bp", "build_examples", "compact_ticks", "Example"]
