"""What `search()` returns: plain dataclasses, so no Whoosh type ever reaches a caller.

`to_dict()` gives the JSON form used by the CLI's `--json` and the web API.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from index.article import FACET_KINDS
from index.language_codes import language_name


class SearchError(Exception):
    """Base of the errors a caller can show to a person as they are."""


class QuerySyntaxError(SearchError):
    """The query uses the query language wrongly, in a way that has no plain-words reading."""


class BadParameterError(SearchError, ValueError):
    """A filter, date, sort or page parameter is invalid; the message names it."""


# ---- the index cannot be used: not a person's mistake in a search, so not a SearchError ------

class IndexNotFoundError(Exception):
    """There is no index at the given directory (yet)."""


class IncompatibleIndexError(Exception):
    """The index was written by a version of newsearch with another schema."""


class IndexPermissionError(IndexNotFoundError):
    """This user may not read (to search) or write (to index) the index folder or a file in it.

    A subclass of `IndexNotFoundError` so that everything that handles "no usable index" (the
    web app's 503, the CLI's exit 1) handles it too; the message says "permission denied" and
    names the path, which "no newsearch index" did not.
    """


class IndexLockedError(Exception):
    """Another index run holds the index for longer than we were willing to wait."""


class ArticleNotFoundError(SearchError, KeyError):
    """No article with that id is in the index."""

    def __str__(self) -> str:  # KeyError would print the repr
        return str(self.args[0]) if self.args else "article not found"


@dataclass
class StoryInfo:
    """A story (index.stories): articles about one event, near-duplicates included.

    `size` counts its indexed articles, `date_from`/`date_to` span their dates, `sources` are
    theirs (most frequent first), `others` are the ids of its other articles (oldest first, at
    most MAX_STORY_OTHERS), `representative` is its earliest article.
    """

    id: str
    size: int
    date_from: datetime | None
    date_to: datetime | None
    sources: list[str]
    others: list[str]
    representative: str
    title: str = ""

    def to_dict(self) -> dict:
        data = asdict(self)
        data["date_from"] = self.date_from.isoformat() if self.date_from else None
        data["date_to"] = self.date_to.isoformat() if self.date_to else None
        return data


MAX_STORY_OTHERS = 99  # member ids listed with a hit (OpenSearch top_hits: 100 at most); a story page lists all


@dataclass
class Hit:
    id: str
    title: str
    url: str | None
    date: datetime | None
    source: str | None
    score: float | None
    snippet: str  # safe HTML: article text escaped, matches in <mark>
    entities: dict[str, list[str]] = field(default_factory=dict)
    story: StoryInfo | None = None  # set on collapsed results: the story this hit stands for
    # The title was made from the lede (the source had none): shown as usual, ranked as body.
    title_derived: bool = False
    # The article's language (ISO 639-1, "und" when undetermined; None from an index that has
    # none): the page's lang attribute and label, the export's column, the feed entry's xml:lang.
    language: str | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["date"] = self.date.isoformat() if self.date else None
        if self.story is None:
            data.pop("story")
        else:
            data["story"] = self.story.to_dict()
        return data


@dataclass
class FacetValue:
    value: str
    count: int


@dataclass
class DateBucket:
    """Articles dated in [start, end]: `start`/`end` are the first and last day of the bucket."""

    label: str
    start: date
    end: date
    count: int

    def to_dict(self) -> dict:
        return {"label": self.label, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "count": self.count}


@dataclass
class DateHistogram:
    """Counts of matching articles over time; `interval` is "day", "month" or "year"."""

    interval: str
    buckets: list[DateBucket]
    undated: int = 0

    def to_dict(self) -> dict:
        return {"interval": self.interval, "undated": self.undated,
                "buckets": [b.to_dict() for b in self.buckets]}


@dataclass
class Facets:
    person: list[FacetValue] = field(default_factory=list)
    org: list[FacetValue] = field(default_factory=list)
    place: list[FacetValue] = field(default_factory=list)
    source: list[FacetValue] = field(default_factory=list)
    language: list[FacetValue] = field(default_factory=list)
    dates: DateHistogram = field(default_factory=lambda: DateHistogram("day", []))

    def to_dict(self) -> dict:
        """Each kind's values as {value, count}; a language's also with its English `name`
        ("de" -> "German", "und" -> "Undetermined"), what a program shows beside the code."""
        data: dict[str, object] = {name: [asdict(v) for v in getattr(self, name)]
                                   for name in FACET_KINDS}
        data["language"] = [{**asdict(v), "name": language_name(v.value)} for v in self.language]
        data["dates"] = self.dates.to_dict()
        return data


@dataclass
class SearchResults:
    query: str
    total: int
    page: int
    page_size: int
    took_ms: float
    hits: list[Hit]
    facets: Facets
    suggestion: str | None = None
    # False when fewer than RELAX_BELOW articles have all the words and those with some of them
    # were added (after the all-words ones); `with_all_words` says how many have them all.
    all_words: bool = True
    with_all_words: int = 0
    # True when the request's time budget ran out and an optional part was left out (some
    # snippets are plain opening lines, or not every word was checked for "did you mean").
    partial: bool = False
    # Collapsed results (`collapse=True`): one hit per story; `stories` counts the stories that
    # match (`total` still counts articles, and facets count articles).
    collapsed: bool = False
    stories: int | None = None

    @property
    def relaxed_notice(self) -> str | None:
        """What to tell a person when articles with only some of the words were added."""
        if self.all_words or not self.total:
            return None
        some = self.total - self.with_all_words
        if not self.with_all_words:
            return "No article has all the words; showing articles with some of them."
        have = "article has" if self.with_all_words == 1 else "articles have"
        return f"{self.with_all_words} {have} all the words; {some} more have some."

    @property
    def partial_notice(self) -> str | None:
        """What every interface says of a partial answer (the page, the CLI's text, the JSON)."""
        if not self.partial:
            return None
        return ("Partial answer: the search ran out of time for its optional parts, so some snippets may be "
                "opening lines and a spelling suggestion or a ranking refinement may be missing; the counts are "
                "complete. Search again for the full answer.")

    @property
    def pages(self) -> int:
        count = self.stories if self.collapsed and self.stories is not None else self.total
        return max(1, -(-count // self.page_size))

    def to_dict(self) -> dict:
        return {
            "query": self.query, "total": self.total, "page": self.page, "page_size": self.page_size,
            "pages": self.pages, "took_ms": round(self.took_ms, 2), "all_words": self.all_words,
            "with_all_words": self.with_all_words, "partial": self.partial, "partial_notice": self.partial_notice,
            "hits": [h.to_dict() for h in self.hits], "facets": self.facets.to_dict(),
            "suggestion": self.suggestion, "collapsed": self.collapsed, "stories": self.stories,
        }


@dataclass
class ArticleRecord:
    """One stored article, whole, for the article page and `/api/articles/<id>`."""

    id: str
    title: str
    body: str
    url: str | None
    date: datetime | None
    source: str | None
    authors: list[str]
    language: str | None
    entities: dict[str, list[str]]
    path: str

    def to_dict(self) -> dict:
        data = asdict(self)
        data["date"] = self.date.isoformat() if self.date else None
        return data
