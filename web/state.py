"""The search state, read from and written back to the URL query string.

The whole state of the search page lives in the URL so that a result page can be bookmarked,
shared and reached again with Back. Every link on the page (a facet value, a chip, a timeline
bar, a page number) is this state with one change, built here in one place so that they all
agree on parameter names and on what resets the page number.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from search import BadParameterError, SearchRequest
from search.request import MAX_PAGE_SIZE, check_flag, whole_number

FILTER_KINDS = ("person", "org", "place", "source")
FILTER_LABELS = {"person": "Person", "org": "Organisation", "place": "Place", "source": "Source"}
DEFAULT_PAGE_SIZE = 10
MAX_FILTER_VALUES = 20      # per kind: more is not a person filtering, and each costs a lookup
MAX_VALUE_CHARS = 300       # a filter value or date longer than this is not a name or a date
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


@dataclass(frozen=True)
class SearchState:
    """What a search page shows: query, filters, sort and page, exactly as in its URL."""

    q: str = ""
    date_from: str = ""
    date_to: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    page_size_given: bool = False
    recency: str = ""  # half-life in days of the date decay mixed into relevance; "" = off
    # Stories (index.stories): the page shows one result per story unless `collapse=0`; `story`
    # narrows to one story's articles (the story page's "search within").
    collapse: bool = True
    story: tuple[str, ...] = ()

    # ---- reading ------------------------------------------------------------------------------

    @classmethod
    def from_args(cls, args: MultiDict, *, collapse_default: bool = True) -> SearchState:
        """Parse request args; raises BadParameterError with a message fit to show a person.
        `collapse_default`: the page groups stories unless told not to; the JSON API does not
        unless asked (its answers stay as they were without the parameter)."""
        filters: dict[str, tuple[str, ...]] = {}
        for kind in FILTER_KINDS:
            values: list[str] = []
            for raw in args.getlist(kind):
                value = " ".join(raw.split())
                if len(value) > MAX_VALUE_CHARS:
                    raise BadParameterError(f"{kind}: a value is longer than {MAX_VALUE_CHARS} characters")
                if value and value not in values:
                    values.append(value)
            if len(values) > MAX_FILTER_VALUES:
                raise BadParameterError(f"{kind}: at most {MAX_FILTER_VALUES} values")
            if values:
                filters[kind] = tuple(values)
        date_from, date_to = (args.get(name, "").strip() for name in ("from", "to"))
        for name, value in (("from", date_from), ("to", date_to)):
            if len(value) > MAX_VALUE_CHARS:
                raise BadParameterError(f"{name}: not a date")
        page_size_text = args.get("page_size", "").strip()
        return cls(
            q=args.get("q", ""),
            date_from=date_from,
            date_to=date_to,
            filters=filters,
            sort=args.get("sort", "").strip() or "relevance",
            page=whole_number(args.get("page", "").strip() or "1", "page"),
            page_size=whole_number(page_size_text, "page_size", high=MAX_PAGE_SIZE) if page_size_text
            else DEFAULT_PAGE_SIZE,
            page_size_given=bool(page_size_text),
            recency=args.get("recency", "").strip()[:20],
            collapse=check_flag(args.get("collapse", collapse_default), "collapse"),
            story=tuple(dict.fromkeys(v.strip()[:MAX_VALUE_CHARS] for v in args.getlist("story") if v.strip())),
        )

    def request(self, **extra: object) -> SearchRequest:
        """The checked search request this page state asks for (`extra`: e.g. facet_top)."""
        return SearchRequest.build(self.q, date_from=self.date_from or None, date_to=self.date_to or None,
                                   person=self.filters.get("person", ()), org=self.filters.get("org", ()),
                                   place=self.filters.get("place", ()), source=self.filters.get("source", ()),
                                   sort=self.sort, page=self.page, page_size=self.page_size,
                                   recency=self.recency or None, collapse=self.collapse, story=self.story,
                                   **extra)

    @property
    def has_filters(self) -> bool:
        return bool(self.filters or self.date_from or self.date_to)

    # ---- writing ------------------------------------------------------------------------------

    def args(self) -> list[tuple[str, str]]:
        """Query-string pairs, leaving defaults out so URLs stay short and readable."""
        pairs: list[tuple[str, str]] = []
        if self.q:
            pairs.append(("q", self.q))
        for kind in FILTER_KINDS:
            pairs.extend((kind, value) for value in self.filters.get(kind, ()))
        if self.date_from:
            pairs.append(("from", self.date_from))
        if self.date_to:
            pairs.append(("to", self.date_to))
        if self.sort != "relevance":
            pairs.append(("sort", self.sort))
        if self.recency:
            pairs.append(("recency", self.recency))
        if self.page_size_given and self.page_size != DEFAULT_PAGE_SIZE:
            pairs.append(("page_size", str(self.page_size)))
        pairs.extend(("story", story) for story in self.story)
        if not self.collapse:
            pairs.append(("collapse", "0"))
        if self.page != 1:
            pairs.append(("page", str(self.page)))
        return pairs

    def url(self, **changes: object) -> str:
        """This state's URL with `changes` applied; any change but `page` goes back to page 1."""
        if changes and "page" not in changes:
            changes["page"] = 1
        state = replace(self, **changes) if changes else self
        query = urlencode(state.args())
        return "/?" + query if query else "/"

    def api_url(self) -> str:
        """The same search from the JSON API (which collapses only when asked)."""
        pairs = [(name, value) for name, value in self.args() if name != "collapse"]
        pairs += [("collapse", "1")] if self.collapse else []
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
        """Active filters, each with the URL that removes it."""
        chips = [{"label": FILTER_LABELS[kind], "value": value, "kind": kind,
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
        """The state the search form carries along unseen: filters and page size (not q/dates/sort)."""
        pairs = [(kind, value) for kind in FILTER_KINDS for value in self.filters.get(kind, ())]
        if self.page_size_given and self.page_size != DEFAULT_PAGE_SIZE:
            pairs.append(("page_size", str(self.page_size)))
        pairs.extend(("story", story) for story in self.story)
        if not self.collapse:
            pairs.append(("collapse", "0"))
        return pairs


def date_input_value(text: str, *, end: bool) -> str:
    """A from/to value as YYYY-MM-DD for an <input type=date> ("2019-02" -> 2019-02-01 / -28)."""
    from calendar import monthrange

    match = _PARTIAL_DATE.match(text.strip())
    if not match:
        return text[:10] if re.match(r"^\d{4}-\d{2}-\d{2}", text) else ""
    year, month, day = int(match.group(1)), match.group(2), match.group(3)
    month_num = int(month) if month else (12 if end else 1)
    if not 1 <= month_num <= 12 or year < 1:
        return ""
    last = monthrange(year, month_num)[1]
    day_num = int(day) if day else (last if end else 1)
    if not 1 <= day_num <= last:
        return ""
    return f"{year:04d}-{month_num:02d}-{day_num:02d}"
