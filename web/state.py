"""The search state, read from and written back to the URL query string.

The whole state of the search page lives in the URL so that a result page can be bookmarked,
shared and reached again with Back. Every link on the page (a facet value, a chip, a timeline
bar, a page number) is this state with one change, built here in one place so that they all
agree on parameter names and on what resets the page number.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Unpack
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from index.article import FACET_KINDS
from search import BadParameterError, SearchRequest
from search.parameters import (COLLAPSE, DATE_FROM, DATE_TO, PAGE, PAGE_SIZE, QUERY, RECENCY, SORT,
                               URL_PARAMETERS, Parameter, SearchParameters, parse_date_param)

FILTER_KINDS = FACET_KINDS  # the page's filters: index.article's one list
FILTER_LABELS = {"person": "Person", "org": "Organisation", "place": "Place", "source": "Source", "language": "Language"}
FACET_HEADINGS = {"person": "People", "org": "Organisations", "place": "Places", "source": "Sources",
                  "language": "Languages"}
DEFAULT_PAGE_SIZE = PAGE_SIZE.default
MAX_FILTER_VALUES = 20      # per kind: more is not a person filtering, and each costs a lookup
MAX_VALUE_CHARS = 300       # a filter value or date longer than this is not a name or a date
# The parameters the search box's form writes itself (searchbox.html: the query, the dates, the
# sort) and the page number (a new search starts at page 1): not among its hidden fields.
_FORM_WRITES = (QUERY, DATE_FROM, DATE_TO, SORT, RECENCY, PAGE)


@dataclass(frozen=True)
class SearchState:
    """What a search page shows: query, filters, sort and page, exactly as in its URL.

    One field per parameter of search/parameters.py's table that has a URL key (`q` holds the
    query, `filters` the four filter kinds by kind); a test holds them to the table. Whole
    numbers and yes/no values are held checked (the page computes its links with them), the
    rest as the text typed (dates as written, shown in the chips and the date fields): all of
    them are read by the table's checks, here or when `request()` builds the search.
    """

    q: str = QUERY.default
    date_from: str = ""
    date_to: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sort: str = SORT.default
    page: int = PAGE.default
    page_size: int = PAGE_SIZE.default
    recency: str = ""  # half-life in days of the date decay mixed into relevance; "" = off
    # Stories (index.stories): one result per story when `collapse=1` (off by default, as on
    # every interface); `story` narrows to one story's articles (the story page's "search within").
    collapse: bool = COLLAPSE.default
    story: tuple[str, ...] = ()

    # ---- reading ------------------------------------------------------------------------------

    @classmethod
    def from_args(cls, args: MultiDict) -> SearchState:
        """Parse request args; raises BadParameterError with a message fit to show a person."""
        held: dict[str, Any] = {}
        filters: dict[str, tuple[str, ...]] = {}
        for parameter in URL_PARAMETERS:
            key = parameter.url or parameter.name
            if parameter.many:
                values = _many(args.getlist(key), key)
                if parameter.name in FILTER_KINDS:
                    values = parameter.read(values)  # the table's check ("German" -> "de")
                    if values:
                        filters[parameter.name] = values
                else:
                    held[_attribute(parameter)] = values
                continue
            text = args.get(key, "").strip()
            if parameter is not QUERY and len(text) > MAX_VALUE_CHARS:  # the query's limit is the parser's
                raise BadParameterError(f"{key}: a value is longer than {MAX_VALUE_CHARS} characters")
            if _checked_on_the_page(parameter):
                held[_attribute(parameter)] = parameter.read(text) if text else parameter.default
            elif text or parameter is QUERY:
                held[_attribute(parameter)] = text
        return cls(filters=filters, **held)

    def value(self, parameter: Parameter[Any]) -> Any:
        """This page's value of a parameter of the table (text as typed, or checked)."""
        if parameter.name in FILTER_KINDS:
            return self.filters.get(parameter.name, ())
        return getattr(self, _attribute(parameter))

    def request(self, **extra: Unpack[SearchParameters]) -> SearchRequest:
        """The checked search request this page state asks for (`extra`: e.g. facet_top)."""
        given: dict[str, Any] = {p.name: self.value(p) for p in URL_PARAMETERS if p is not QUERY}
        return SearchRequest.build(self.q, **{**given, **extra})

    @property
    def has_filters(self) -> bool:
        return bool(self.filters or self.date_from or self.date_to)

    # ---- writing ------------------------------------------------------------------------------

    def args(self) -> list[tuple[str, str]]:
        """Query-string pairs in the table's order, leaving defaults out so URLs stay short."""
        pairs: list[tuple[str, str]] = []
        for parameter in URL_PARAMETERS:
            value = self.value(parameter)
            if value == _page_default(parameter):
                continue
            key = parameter.url or parameter.name
            if parameter.many:
                pairs.extend((key, item) for item in value)
            elif isinstance(value, bool):
                pairs.append((key, "1" if value else "0"))
            else:
                pairs.append((key, str(value)))
        return pairs

    def url(self, **changes: Any) -> str:
        """This state's URL with `changes` applied; any change but `page` goes back to page 1."""
        if changes and "page" not in changes:
            changes["page"] = 1
        state = replace(self, **changes) if changes else self
        query = urlencode(state.args())
        return "/?" + query if query else "/"

    def api_url(self) -> str:
        """The same search from the JSON API (the same parameters, the same defaults)."""
        pairs = self.args()
        return "/api/search" + ("?" + urlencode(pairs) if pairs else "")

    def with_filter(self, kind: str, value: str) -> str:
        """URL adding a filter value (a facet or entity link)."""
        current = self.filters.get(kind, ())
        if value in current:
            return self.url()
        return self.url(filters={**self.filters, kind: current + (value,)})

    def without_filter(self, kind: str, value: str) -> str:
        """URL removing one filter value (a chip)."""
        filters = dict(self.filters)
        remaining = tuple(v for v in filters.get(kind, ()) if v != value)
        if remaining:
            filters[kind] = remaining
        else:
            filters.pop(kind, None)
        return self.url(filters=filters)

    def without_filters(self) -> str:
        return self.url(filters={}, date_from="", date_to="")

    def has_filter(self, kind: str, value: str) -> bool:
        return value in self.filters.get(kind, ())

    def chips(self) -> list[dict[str, str]]:
        """Active filters, each with the URL that removes it (a language by its name: "German (de)")."""
        chips = [{"label": FILTER_LABELS[kind], "value": shown_value(kind, value), "kind": kind,
                  "remove_url": self.without_filter(kind, value)}
                 for kind in FILTER_KINDS for value in self.filters.get(kind, ())]
        if self.date_from:
            chips.append({"label": "From", "value": self.date_from, "kind": "from",
                          "remove_url": self.url(date_from="")})
        if self.date_to:
            chips.append({"label": "To", "value": self.date_to, "kind": "to",
                          "remove_url": self.url(date_to="")})
        return chips

    def hidden_fields(self) -> list[tuple[str, str]]:
        """The state the search form carries along unseen: everything but what the form writes
        itself (the query, the dates, the sort) and the page number."""
        written = {p.url for p in _FORM_WRITES}
        return [(key, value) for key, value in self.args() if key not in written]


def shown_value(kind: str, value: str) -> str:
    """A filter or facet value as the page shows it: a language code by its English name and
    code ("German (de)"; "Undetermined" for und), any other value as it is."""
    if kind != "language":
        return value
    from index.language_codes import UNDETERMINED, language_name

    name = language_name(value)
    return name if value == UNDETERMINED or name == value else f"{name} ({value})"


def _attribute(parameter: Parameter[Any]) -> str:
    """The state's field holding a parameter (the query is `q`, as in the URL)."""
    return "q" if parameter is QUERY else parameter.name


def _checked_on_the_page(parameter: Parameter[Any]) -> bool:
    """Whole numbers and yes/no values: the page computes with them, so reads them at once."""
    return isinstance(parameter.default, (bool, int))


def _page_default(parameter: Parameter[Any]) -> Any:
    """A parameter's default as the page holds it (text "" for what the page keeps as text)."""
    if parameter.many or _checked_on_the_page(parameter) or isinstance(parameter.default, str):
        return parameter.default
    return ""


def _many(raw: list[str], key: str) -> tuple[str, ...]:
    """A repeated parameter's values: spaces collapsed, blanks and repeats left out, bounded."""
    values: list[str] = []
    for item in raw:
        value = " ".join(item.split())
        if len(value) > MAX_VALUE_CHARS:
            raise BadParameterError(f"{key}: a value is longer than {MAX_VALUE_CHARS} characters")
        if value and value not in values:
            values.append(value)
    if len(values) > MAX_FILTER_VALUES:
        raise BadParameterError(f"{key}: at most {MAX_FILTER_VALUES} values")
    return tuple(values)


def date_input_value(text: str, *, end: bool) -> str:
    """A from/to value as YYYY-MM-DD for an <input type=date> ("2019-02" -> 2019-02-01 / -28),
    read by the one date rule (search.parameters); "" when it is not a date."""
    try:
        moment = parse_date_param(text, "date", end=end)
    except BadParameterError:
        return ""
    return moment.date().isoformat() if moment else ""


def _check_fields_match_table() -> None:
    """One field per URL parameter of the table (the filters in `filters`), and no other."""
    declared = {f.name for f in fields(SearchState)} - {"filters"}
    wanted = {_attribute(p) for p in URL_PARAMETERS if p.name not in FILTER_KINDS}
    if declared != wanted:
        raise AssertionError(f"SearchState's fields differ from search.parameters: {declared ^ wanted}")


_check_fields_match_table()
