"""The parameters of a search, in one table: each one's name, URL key, command-line option, type,
default, help and the check that reads it.

Why a table: a search's parameters used to be spelled out eight to ten times (the request, the
page's state, the command line twice, the docs), and the page re-implemented some checks.
Now `SearchRequest.build` reads every parameter with its row's check, the page's URL state
(`web.state`), the command line (`newsearch.cli`) and docs/parameters.md are made from the rows,
and tests hold the typed declarations (`SearchRequest`'s fields, `SearchParameters`) to the
table. Adding a parameter is a row here, a field in `SearchRequest` and a key in
`SearchParameters` (the two mypy reads), and nothing else.

Every check takes what a caller passes, Python values or text from a URL or a command line, and
returns the checked value or raises `BadParameterError` naming the parameter.
"""
from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any, Generic, TypedDict, TypeVar

from index.article import FACET_KINDS
from index.language_codes import UNDETERMINED, language_name, normalise_language
from search.results import BadParameterError

SORTS = ("relevance", "newest", "oldest")
# Date histogram bucket sizes a caller may ask for (None: `search.histogram`'s rule by the span
# of the matches); weeks start on Monday (ISO 8601), as OpenSearch's calendar week does; hours
# are UTC (the timeline of a single day's results).
INTERVALS = ("hour", "day", "week", "month", "year")
MAX_PAGE_SIZE = 100
MAX_TOP = 100  # stories, entities or top words one answer lists (web API and command line)
FACET_TOP = 20
_DATE_PARAM = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_DECIMAL = re.compile(r"^[0-9]{1,9}(?:\.[0-9]{1,9})?$")
_SURROGATE = re.compile("[\ud800-\udfff]")
_STORY_ID = re.compile(r"^s-[0-9a-f]{16}$")

T = TypeVar("T")
DateValue = date | datetime | str | None  # what a date parameter accepts (the check reads it)

# ---- the checks ---------------------------------------------------------------------------------


def check_text(text: str, name: str) -> str:
    """`text` if it is valid Unicode. A lone surrogate (a Python string from broken UTF-16, or a
    command-line argument that was not UTF-8) is no character: analysis would drop it, leaving
    an empty query that matches every article, so it is refused, saying where it is."""
    found = _SURROGATE.search(text)
    if found:
        raise BadParameterError(f"{name} is not valid text: a lone surrogate (U+{ord(found.group()):04X}) at "
                                f"character {found.start() + 1}; type it again, or check the encoding it came in")
    return text


def check_query(value: object, name: str) -> str:
    """The query's text (its syntax is the parser's: `SearchRequest.build` parses it)."""
    if not isinstance(value, str):
        raise BadParameterError(f"{name} must be text, not {type(value).__name__}")
    return check_text(value, name)


def check_names(values: object, name: str) -> tuple[str, ...]:
    """A filter's values: a name or several (all must apply); blank ones are left out."""
    if values is None:
        return ()
    items: Iterable[object] = (values,) if isinstance(values, str) else values  # type: ignore[assignment]
    if not isinstance(items, Iterable):
        raise BadParameterError(f"{name} must be a name or a list of names, not {type(values).__name__}")
    return tuple(check_text(v, "a filter") for v in items if isinstance(v, str) and v.strip())


def check_languages(values: object, name: str) -> tuple[str, ...]:
    """The language filter's values as the codes articles are stored with (ISO 639-1, "und"):
    read by index.language_codes.normalise_language, so "DE", "de-AT", "deu" and "German" all mean
    "de". A value that names no language is refused (it could only match nothing), as a story
    id that is not one is."""
    given = check_names(values, name)
    if not given:
        return ()
    codes: dict[str, None] = {}
    for value in given:
        text = " ".join(value.split())
        folded = text.casefold()
        code = UNDETERMINED if folded in (UNDETERMINED, language_name(UNDETERMINED).casefold()) \
            else normalise_language(text)
        if code is None:
            raise BadParameterError(f"{name}: {text[:40]!r} is not a known language; use an ISO 639-1 code (de, "
                                    f"fr, zh), a language's English name (German), or und for undetermined")
        codes[code] = None
    return tuple(codes)


def check_story_ids(values: object, name: str) -> tuple[str, ...]:
    """Story ids (index.stories); one that is not a story id is refused (it could only match nothing)."""
    found = check_names(values, name)
    for story_id in found:
        if not _STORY_ID.match(story_id):
            raise BadParameterError(f"story: {story_id[:40]!r} is not a story id (they look like "
                                    f"s-0123456789abcdef)")
    return tuple(dict.fromkeys(found))


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
    """A date parameter as a UTC datetime; `end=True` takes the end of the period it names
    ("2019-02" to the end of February). The one date rule: the page's date fields use it too."""
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


def check_start(value: object, name: str) -> datetime | None:
    return parse_date_param(value, name, end=False)


def check_end(value: object, name: str) -> datetime | None:
    return parse_date_param(value, name, end=True)


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


def check_recency(recency: object, name: str = "recency") -> float | None:
    """`recency`: a half-life in days for the date decay mixed into relevance, or None (off)."""
    if recency is None or recency == "":
        return None
    # ASCII decimals only: float() also reads "１０" (full-width), "1_0", "1e3" and "inf".
    if isinstance(recency, bool) or not (isinstance(recency, (int, float)) or _DECIMAL.match(str(recency).strip())):
        raise BadParameterError(f"{name} must be a number of days (a half-life), not {str(recency)[:20]!r}")
    days = float(recency)  # type: ignore[arg-type]
    if not 0 < days <= 1_000_000:
        raise BadParameterError(f"{name} must be a positive number of days, not {recency!r}")
    return days


def check_sort(value: object, name: str) -> str:
    if value not in SORTS:
        raise BadParameterError(f"{name} must be one of {', '.join(SORTS)}, not {value!r}")
    return str(value)


def check_interval(value: object, name: str) -> str | None:
    if value not in (None, "", *INTERVALS):
        raise BadParameterError(f"{name} must be one of {', '.join(INTERVALS)}, not {str(value)[:20]!r}")
    return str(value) if value else None


def check_page(value: object, name: str) -> int:
    return whole_number(value, name)


def check_page_size(value: object, name: str) -> int:
    return whole_number(value, name, high=MAX_PAGE_SIZE)


def check_facet_top(value: object, name: str) -> int:
    return whole_number(value, name, low=0)


# ---- the table ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter(Generic[T]):
    """One parameter of a search. `url` None: not in the page's URL or the JSON API; `flag`
    None: not on the command line ("query": the positional argument); `many`: repeatable
    (several values, all must apply); `choices`: the values it takes, listed by --help."""

    name: str            # the Python keyword and SearchRequest's field
    type: str            # as the docs write it
    default: T
    help: str
    check: Callable[[Any, str], T]
    url: str | None = None
    flag: str | None = None
    many: bool = False
    choices: tuple[str, ...] = ()
    metavar: str | None = None

    def read(self, value: object) -> T:
        """`value` checked by this parameter's rule (errors name the parameter)."""
        return self.check(value, self.name)


_KIND_WORDS = {"person": "this person", "org": "this organisation", "place": "this place",
               "source": "this source"}

QUERY: Parameter[str] = Parameter(
    "query", "text", "", "the query, in the query language; an empty query matches every article",
    check_query, url="q", flag="query")
FILTERS: dict[str, Parameter[tuple[str, ...]]] = {
    kind: Parameter(kind, "names", (), f"only articles with {_KIND_WORDS[kind]} (repeat: all must apply)",
                    check_names, url=kind, flag=f"--{kind}", many=True, metavar="NAME")
    for kind in FACET_KINDS if kind != "language"}
# An article has one language, so two language filters together match nothing: either of two
# languages is `language:de OR language:fr` in the query.
FILTERS["language"] = Parameter(
    "language", "language codes", (), "only articles in this language: an ISO 639-1 code (de, fr, zh) or its "
    "English name (German); und: undetermined. An article has one language, so a repeat matches nothing: for "
    "either of two, language:de OR language:fr in the query", check_languages, url="language",
    flag="--language", many=True, metavar="CODE")
DATE_FROM: Parameter[datetime | None] = Parameter(
    "date_from", "date", None, "from this date, inclusive: YYYY, YYYY-MM, YYYY-MM-DD or ISO 8601",
    check_start, url="from", flag="--from", metavar="DATE")
DATE_TO: Parameter[datetime | None] = Parameter(
    "date_to", "date", None, "to this date, inclusive (2019-02: to the end of February)",
    check_end, url="to", flag="--to", metavar="DATE")
SORT: Parameter[str] = Parameter(
    "sort", "choice", "relevance", "the order of the results", check_sort, url="sort", flag="--sort",
    choices=SORTS)
RECENCY: Parameter[float | None] = Parameter(
    "recency", "days", None, "prefer newer articles: the half-life in days of a date decay mixed into "
    "relevance (off when not given)", check_recency, url="recency", flag="--recency", metavar="DAYS")
PAGE_SIZE: Parameter[int] = Parameter(
    "page_size", "whole number", 10, f"results per page, 1 to {MAX_PAGE_SIZE}", check_page_size,
    url="page_size", flag="--page-size", metavar="N")
STORY: Parameter[tuple[str, ...]] = Parameter(
    "story", "story ids", (), "only the articles of this story (as story:ID in the query)", check_story_ids,
    url="story", flag="--story", many=True, metavar="ID")
COLLAPSE: Parameter[bool] = Parameter(
    "collapse", "yes/no", False, "one result per story (near-duplicates and articles about the same event); "
    "off by default, so counts, pages, exports and the API list every matching article",
    check_flag, url="collapse", flag="--collapse")
PAGE: Parameter[int] = Parameter(
    "page", "whole number", 1, "the page of results, from 1", check_page, url="page", flag="--page", metavar="N")
INTERVAL: Parameter[str | None] = Parameter(
    "interval", "choice", None, "the bucket of the date histogram and of trends (default: by the span of the matches)",
    check_interval, flag="--interval", choices=INTERVALS)
FACET_TOP_PARAMETER: Parameter[int] = Parameter(
    "facet_top", "whole number", FACET_TOP, "values listed per facet kind (0: none)", check_facet_top)
SNIPPETS: Parameter[bool] = Parameter(
    "snippets", "yes/no", True,
    "snippets with the query's words marked, and did-you-mean (off: Hit.snippet is empty, no suggestion)", check_flag)
FACETS: Parameter[bool] = Parameter(
    "facets", "yes/no", True, "facet counts and the date histogram (off: empty, for callers that don't show them)",
    check_flag)

# In this order in URLs, --help and the docs.
PARAMETERS: tuple[Parameter[Any], ...] = (
    QUERY, *FILTERS.values(), DATE_FROM, DATE_TO, SORT, RECENCY, PAGE_SIZE, STORY, COLLAPSE, PAGE, INTERVAL,
    FACET_TOP_PARAMETER, SNIPPETS, FACETS)
BY_NAME: dict[str, Parameter[Any]] = {p.name: p for p in PARAMETERS}
URL_PARAMETERS = tuple(p for p in PARAMETERS if p.url)


class SearchParameters(TypedDict, total=False):
    """The keywords of `search()`, `Engine.search` and `SearchRequest.build` besides the query,
    as mypy sees them (what each accepts; the table's checks read them). Kept equal to the
    table by tests/test_parameters.py."""

    person: str | Iterable[str] | None
    org: str | Iterable[str] | None
    place: str | Iterable[str] | None
    source: str | Iterable[str] | None
    language: str | Iterable[str] | None
    date_from: DateValue
    date_to: DateValue
    sort: str
    recency: float | int | str | None
    page_size: int | str
    story: str | Iterable[str] | None
    collapse: bool | str | int
    page: int | str
    interval: str | None
    facet_top: int | str
    snippets: bool | str | int
    facets: bool | str | int


def filters_as_query(filters: dict[str, tuple[str, ...]] | dict[str, list[str]]) -> str:
    """Filters written in the query language (`place:"United States" language:"de"`), checked by
    their rows first: how a trends series, whose filters live in its query, carries the filters
    given beside it (the page's URL, the command line's options)."""
    parts = []
    for kind, parameter in FILTERS.items():
        for value in parameter.read(filters.get(kind, ())):
            parts.append(f'{kind}:"{value.replace(chr(34), " ")}"')
    return " ".join(parts)


# ---- the docs -----------------------------------------------------------------------------------


def _default_text(parameter: Parameter[Any]) -> str:
    default = parameter.default
    if default == "":
        return "empty"
    if default is None or default == ():
        return "none"
    if isinstance(default, bool):
        return "on" if default else "off"
    return str(default)


def markdown() -> str:
    """docs/parameters.md: the table as a person reads it."""
    lines = ["# Search parameters", "",
             "Generated from the table in `search/parameters.py` (`python -c \"from search.parameters import",
             "markdown; print(markdown(), end='')\" > docs/parameters.md`); tests/test_parameters.py fails",
             "when this file is out of date. The same parameters, checked by the same rules,",
             "on every interface: `search()` / `Engine.search` (Python keyword), the search page and the",
             "JSON API `/api/search` (URL key), and `newsearch search` (command-line option). A filter",
             "given several times must all apply; a whole number, date or flag that cannot be read is an",
             "error naming the parameter, never a silent default.", "",
             "| Python | URL key | Command line | Type | Default | Meaning |",
             "|---|---|---|---|---|---|"]
    for p in PARAMETERS:
        kind = p.type + (f": {', '.join(p.choices)}" if p.choices else "") + (", repeatable" if p.many else "")
        flag = "QUERY" if p.flag == "query" else (p.flag or "-")
        lines.append(f"| `{p.name}` | {f'`{p.url}`' if p.url else '-'} | {f'`{flag}`' if p.flag else '-'} | "
                     f"{kind} | {_default_text(p)} | {p.help} |")
    return "\n".join(lines) + "\n"


__all__ = ["Parameter", "PARAMETERS", "BY_NAME", "URL_PARAMETERS", "SearchParameters", "DateValue", "QUERY", "FILTERS",
           "DATE_FROM", "DATE_TO", "SORT", "RECENCY", "PAGE_SIZE", "STORY", "COLLAPSE", "PAGE", "INTERVAL",
           "FACET_TOP_PARAMETER", "SNIPPETS", "FACETS", "SORTS", "INTERVALS", "MAX_PAGE_SIZE", "MAX_TOP",
           "FACET_TOP", "whole_number", "parse_date_param", "check_flag", "check_recency", "check_text", "check_languages", "filters_as_query",
           "markdown"]
