"""The search request: the one place where the parameters of a search are defined and checked.

`search()`, `Engine.search`, the command line and the web app all build a `SearchRequest`, so a
parameter is named, typed, defaulted and validated once, and every backend receives the same
checked values (dates as UTC datetimes, filters as tuples, page numbers as ints).
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
import re
from typing import Any, Unpack

from index.article import FACET_KINDS
from search.parameters import (COLLAPSE, DATE_FROM, DATE_TO, FACET_TOP, FACET_TOP_PARAMETER, FACETS, FILTERS,
                               INTERVAL, INTERVALS, MAX_PAGE_SIZE, MAX_TOP, PAGE, PAGE_SIZE, PARAMETERS, QUERY,
                               RECENCY, SNIPPETS, SORT, SORTS, STORY, SearchParameters, check_flag, check_recency,
                               check_story_ids, check_text, parse_date_param, whole_number)
from search.querylang import Node, parse
from search.results import BadParameterError

FILTER_KINDS = FACET_KINDS  # the request's filters, one field each


@dataclass(frozen=True)
class SearchRequest:
    """One search, checked. Build it with `SearchRequest.build(...)`, which validates.

    The parameters, their defaults and their checks are the table in `search.parameters`
    (docs/parameters.md); the fields here are that table as mypy reads it (a test holds them
    equal). `query` is in the query language, `tree` and `any_tree` are it parsed.
    """

    query: str = QUERY.default
    date_from: datetime | None = DATE_FROM.default
    date_to: datetime | None = DATE_TO.default
    person: tuple[str, ...] = FILTERS["person"].default
    org: tuple[str, ...] = FILTERS["org"].default
    place: tuple[str, ...] = FILTERS["place"].default
    source: tuple[str, ...] = FILTERS["source"].default
    language: tuple[str, ...] = FILTERS["language"].default
    sort: str = SORT.default
    page: int = PAGE.default
    page_size: int = PAGE_SIZE.default
    recency: float | None = RECENCY.default
    facet_top: int = FACET_TOP_PARAMETER.default
    snippets: bool = SNIPPETS.default
    facets: bool = FACETS.default
    interval: str | None = INTERVAL.default
    # Stories (index.stories): one hit per story, and the story ids the results are narrowed to.
    collapse: bool = COLLAPSE.default
    story: tuple[str, ...] = STORY.default
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
    def build(cls, query: str = "", **parameters: Unpack[SearchParameters]) -> "SearchRequest":
        """A checked request; raises `BadParameterError` naming the parameter that is wrong, or
        `QuerySyntaxError` when the query cannot be read (it is parsed here, once).

        Each parameter is read by its row's check in `search.parameters` (docs/parameters.md).
        Dates take date/datetime objects or "YYYY", "YYYY-MM", "YYYY-MM-DD" or ISO-8601 strings
        (`date_to="2019-02"` means to the end of February 2019). `collapse` gives one hit per story;
        `story` narrows to the articles of those stories (a `story:<id>` word in the query is
        taken out of it into this filter, whatever its position).
        """
        given: dict[str, Any] = dict(parameters)
        unknown = sorted(set(given) - set(_FIELD_NAMES))
        if unknown:
            raise TypeError(f"SearchRequest.build() got unexpected keyword argument(s): {', '.join(unknown)}")
        values: dict[str, Any] = {p.name: p.read(given.get(p.name, p.default)) for p in PARAMETERS
                                  if p is not QUERY}
        values["query"], values["story"] = split_story_filter(QUERY.read(query), values["story"])
        start, end = values["date_from"], values["date_to"]
        if start and end and start > end:
            raise BadParameterError(f"date_from ({start.date()}) is after date_to ({end.date()}): "
                                    f"swap them to search that period")
        query = values["query"]
        return cls(tree=parse(query), any_tree=parse(query, any_word=True), **values)  # QuerySyntaxError here, once

    @property
    def filters(self) -> dict[str, tuple[str, ...]]:
        """The entity and source filters that are set, by kind."""
        return {kind: getattr(self, kind) for kind in FILTER_KINDS if getattr(self, kind)}

    def with_changes(self, **changes: Any) -> "SearchRequest":
        """A copy with `changes`; the parsed trees are kept unless the query changes."""
        if "query" in changes:
            changes.setdefault("tree", None)
            changes.setdefault("any_tree", None)
        return replace(self, **changes)


_FIELD_NAMES = tuple(p.name for p in PARAMETERS)
_STORY_WORD = re.compile(r"(?<!\S)story:(\S*)")


def split_story_filter(query: str, stories: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """The query without its `story:<id>` words, and the story filter with their ids (checked
    as the `story` parameter is)."""
    found = check_story_ids(list(stories) + _STORY_WORD.findall(query), "story")
    return (_STORY_WORD.sub(" ", query).strip() if "story:" in query else query), found


def _check_fields_match_table() -> None:
    """The dataclass's fields are the table's rows (plus the parsed trees), in any order."""
    declared = {f.name for f in fields(SearchRequest)} - {"tree", "any_tree"}
    if declared != set(_FIELD_NAMES):
        raise AssertionError(f"SearchRequest's fields differ from search.parameters: {declared ^ set(_FIELD_NAMES)}")


_check_fields_match_table()
__all__ = ["SearchRequest", "SORTS", "INTERVALS", "MAX_PAGE_SIZE", "FACET_TOP", "FILTER_KINDS", "PARAMETERS",
           "parse_date_param", "check_recency", "whole_number", "check_flag", "check_text", "MAX_TOP"]
