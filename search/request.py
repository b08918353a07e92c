"""The search request: the one place where the parameters of a search are defined and checked.

`search()`, `Engine.search`, the command line and the web app all build a `SearchRequest`, so a
parameter is named, typed, defaulted and validated once, and every backend receives the same
checked values (dates as UTC datetimes, filters as tuples, page numbers as ints).
"""
from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time, timezone
import re

from index.article import FACET_KINDS
from search.querylang import Node, parse
from search.results import BadParameterError

SORTS = ("relevance", "newest", "oldest")
# Date histogram bucket sizes a caller may ask for (None: `search.backend.histogram_interval`'s
# rule); weeks start on Monday (ISO 8601), as OpenSearch's calendar week does; hours are UTC
# (the timeline of a single day's results).
INTERVALS = ("hour", "day", "week", "month", "year")
MAX_PAGE_SIZE = 100
MAX_TOP = 100  # stories, entities or top words one answer lists (web API and command line)
FACET_TOP = 20
FILTER_KINDS = FACET_KINDS  # the request's filters: one field each, named as the facet kinds
_DATE_PARAM = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_DECIMAL = re.compile(r"^[0-9]{1,9}(?:\.[0-9]{1,9})?$")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class SearchRequest:
    """One search, checked. Build it with `SearchRequest.build(...)`, which validates.

    `query` is in the query language (an empty query matches every article); `date_from` and
    `date_to` are inclusive; several values of one filter must all apply; `recency` is a
    half-life in days mixed into relevance (None: off); `snippets`/`facets` off leave those
    parts empty for callers that don't show them; `interval` sets the date histogram's bucket
    (one of INTERVALS; None: by the span of the matches, `histogram_interval`'s rule).
    """

    query: str = ""
    date_from: datetime | None = None
    date_to: datetime | None = None
    person: tuple[str, ...] = ()
    org: tuple[str, ...] = ()
    place: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    sort: str = "relevance"
    page: int = 1
    page_size: int = 10
    recency: float | None = None
    facet_top: int = FACET_TOP
    snippets: bool = True
    facets: bool = True
    interval: str | None = None
    # Stories (index.stories): one hit per story, and the story ids the results are narrowed to.
    collapse: bool = False
    story: tuple[str, ...] = ()
    # The query parsed once, here (all words must match, and any word may: the two readings the
    # backends search with), so a QuerySyntaxError is raised when the request is built, the same
    # on every interface. Derived from `query`: out of equality, hashing and repr; None when
    # constructed directly, then filled in by __post_init__.
    tree: Node = field(default=None, compare=False, repr=False)  # type: ignore[assignment]
    any_tree: Node = field(default=None, compare=False, repr=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.tree is None:
            object.__setattr__(self, "tree", parse(self.query))
        if self.any_tree is None:
            object.__setattr__(self, "any_tree", parse(self.query, any_word=True))

    @classmethod
    def build(
        cls,
        query: str = "",
        *,
        date_from: object = None,
        date_to: object = None,
        person: str | Iterable[str] | None = (),
        org: str | Iterable[str] | None = (),
        place: str | Iterable[str] | None = (),
        source: str | Iterable[str] | None = (),
        sort: str = "relevance",
        page: object = 1,
        page_size: object = 10,
        recency: object = None,
        facet_top: int = FACET_TOP,
        snippets: bool = True,
        facets: bool = True,
        interval: str | None = None,
        collapse: object = False,
        story: str | Iterable[str] | None = (),
    ) -> "SearchRequest":
        """A checked request; raises `BadParameterError` naming the parameter that is wrong.

        Dates take date/datetime objects or "YYYY", "YYYY-MM", "YYYY-MM-DD" or ISO-8601 strings
        (`date_to="2019-02"` means to the end of February 2019). `collapse` gives one hit per story;
        `story` narrows to the articles of those stories (a `story:<id>` word in the query is
        taken out of it into this filter, whatever its position).
        """
        if not isinstance(query, str):
            raise BadParameterError(f"query must be text, not {type(query).__name__}")
        check_text(query, "query")
        if sort not in SORTS:
            raise BadParameterError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
        if interval not in (None, "", *INTERVALS):
            raise BadParameterError(f"interval must be one of {', '.join(INTERVALS)}, not {str(interval)[:20]!r}")
        page_num, size = whole_number(page, "page"), whole_number(page_size, "page_size", high=MAX_PAGE_SIZE)
        start = parse_date_param(date_from, "date_from", end=False)
        end = parse_date_param(date_to, "date_to", end=True)
        if start and end and start > end:
            raise BadParameterError(f"date_from ({start.date()}) is after date_to ({end.date()}): "
                                    f"swap them to search that period")
        query, stories = split_story_filter(query, _as_tuple(story))
        tree, any_tree = parse(query), parse(query, any_word=True)  # QuerySyntaxError here, once
        return cls(query=query, tree=tree, any_tree=any_tree, date_from=start, date_to=end, person=_as_tuple(person), org=_as_tuple(org),
                   place=_as_tuple(place), source=_as_tuple(source), sort=sort, page=page_num, page_size=size,
                   recency=check_recency(recency), facet_top=int(facet_top), snippets=bool(snippets),
                   facets=bool(facets), interval=interval or None, collapse=check_flag(collapse, "collapse"),
                   story=stories)

    @property
    def filters(self) -> dict[str, tuple[str, ...]]:
        """The entity and source filters that are set, by kind."""
        return {kind: getattr(self, kind) for kind in FILTER_KINDS if getattr(self, kind)}

    def with_changes(self, **changes: object) -> "SearchRequest":
        """A copy with `changes`; the parsed trees are kept unless the query changes."""
        if "query" in changes:
            changes.setdefault("tree", None)
            changes.setdefault("any_tree", None)
        return replace(self, **changes)  # type: ignore[arg-type]


# The parameters a caller passes (the parsed trees are derived from `query`, not passed).
PARAMETERS = tuple(f.name for f in fields(SearchRequest) if f.name not in ("tree", "any_tree"))


def _as_tuple(values: str | Iterable[str] | None) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = (values,)
    return tuple(check_text(v, "a filter") for v in values if isinstance(v, str) and v.strip())


def check_text(text: str, name: str) -> str:
    """`text` if it is valid Unicode. A lone surrogate (a Python string from broken UTF-16, or a
    command-line argument that was not UTF-8) is no character: analysis would drop it, leaving
    an empty query that matches every article, so it is refused, saying where it is."""
    found = _SURROGATE.search(text)
    if found:
        raise BadParameterError(f"{name} is not valid text: a lone surrogate (U+{ord(found.group()):04X}) at "
                                f"character {found.start() + 1}; type it again, or check the encoding it came in")
    return text


def whole_number(value: object, name: str, *, low: int = 1, high: int | None = None) -> int:
    """The one rule for a whole-number parameter (page, page_size, top, ...): an int, or a string
    of ASCII digits ("²" and "１" pass str.isdigit(), int() takes "１"), from `low` to `high`;
    anything else is a `BadParameterError` naming the parameter and its bounds, never a silent
    default or a value moved into range."""
    bounds = f"from {low} to {high}" if high is not None else f"from {low}"
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = value.strip() if isinstance(value, str) else ""
        if not (text.isascii() and text.lstrip("-").isdigit() and text.count("-") <= 1) or len(text) > 9:
            raise BadParameterError(f"{name} must be a whole number {bounds}, not {str(value)[:20]!r}")
        number = int(text)
    if number < low or (high is not None and number > high):
        raise BadParameterError(f"{name} must be a whole number {bounds}, not {number}")
    return number


def parse_date_param(value: object, name: str, *, end: bool) -> datetime | None:
    """A date parameter as a UTC datetime; `end=True` takes the end of the period it names."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime.combine(value, time.max if end else time.min, tzinfo=timezone.utc)
    text = str(value).strip()
    match = _DATE_PARAM.match(text) if text.isascii() else None
    try:
        if match:
            year = int(match.group(1))
            month = int(match.group(2) or (12 if end else 1))
            day = match.group(3)
            last = monthrange(year, month)[1] if 1 <= month <= 12 else 31
            day_num = int(day) if day else (last if end else 1)
            return datetime.combine(date(year, month, day_num), time.max if end else time.min, tzinfo=timezone.utc)
        parsed = datetime.fromisoformat(text)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    except (ValueError, OverflowError) as exc:
        raise BadParameterError(f"{name}: cannot read date {text[:40]!r} ({exc}); use YYYY, YYYY-MM, "
                                f"YYYY-MM-DD or an ISO-8601 timestamp") from None


_STORY_WORD = re.compile(r"(?<!\S)story:(\S*)")
_STORY_ID = re.compile(r"^s-[0-9a-f]{16}$")


def split_story_filter(query: str, stories: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """The query without its `story:<id>` words, and the story filter with their ids; an id
    that is not a story id is refused (it could only match nothing)."""
    found = list(stories) + _STORY_WORD.findall(query)
    for story_id in found:
        if not _STORY_ID.match(story_id):
            raise BadParameterError(f"story: {story_id[:40]!r} is not a story id (they look like "
                                    f"s-0123456789abcdef)")
    return (_STORY_WORD.sub(" ", query).strip() if "story:" in query else query), tuple(dict.fromkeys(found))


def check_flag(value: object, name: str) -> bool:
    """A yes/no parameter: a bool, or "1"/"0", "true"/"false", "on"/"off", "yes"/"no"."""
    if isinstance(value, bool) or value is None:
        return bool(value)
    text = str(value).strip().lower()
    if text in ("1", "true", "on", "yes"):
        return True
    if text in ("0", "false", "off", "no", ""):
        return False
    raise BadParameterError(f"{name} must be 1 or 0 (true or false), not {str(value)[:20]!r}")


def check_recency(recency: object) -> float | None:
    """`recency`: a half-life in days for the date decay mixed into relevance, or None (off)."""
    if recency is None or recency == "":
        return None
    # ASCII decimals only: float() also reads "１０" (full-width), "1_0", "1e3" and "inf".
    if isinstance(recency, bool) or not (isinstance(recency, (int, float)) or _DECIMAL.match(str(recency).strip())):
        raise BadParameterError(f"recency must be a number of days (a half-life), not {str(recency)[:20]!r}")
    days = float(recency)  # type: ignore[arg-type]
    if not 0 < days <= 1_000_000:
        raise BadParameterError(f"recency must be a positive number of days, not {recency!r}")
    return days


__all__ = ["SearchRequest", "SORTS", "INTERVALS", "MAX_PAGE_SIZE", "FACET_TOP", "FILTER_KINDS", "PARAMETERS",
           "parse_date_param", "check_recency", "whole_number", "MAX_TOP"]
