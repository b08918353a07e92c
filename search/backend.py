"""The contract every storage backend meets: what search and indexing ask of the index.

newsearch keeps its index in a backend: Whoosh embedded in the process by default (zero set-up),
and a search cluster for archives that outgrow one machine. Everything above this line — the
query language, the request, the result types, the readers and entity recognition, the CLI and
the web app — is written once, against these two protocols; a backend only stores, matches,
ranks and counts.

- `SearchBackend` answers a checked `SearchRequest` with `SearchResults` (hits with snippets,
  facets over the whole result set, the date histogram, did-you-mean), one article, related
  articles and statistics.
- `IndexWriter` is the indexing side of one run: articles are added or replaced by id, a
  file's articles that vanished from it are deleted, and `commit` makes everything since the
  last commit visible at once. It also keeps the file-tracking state (which version of which
  file is fully indexed) so that a re-run only reads new or changed files.
- `Capabilities`: what a backend can do beyond that minimum, declared once by each backend and
  read from either side (`backend.capabilities`, `writer.capabilities`), so that callers ask
  instead of probing attributes or naming a backend.
- `BackendFactory`: how the registry (`search.backends`) opens a backend by name.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from index.article import Article
from search.request import SearchRequest
from search.results import ArticleRecord, Hit, SearchResults, StoryInfo

if TYPE_CHECKING:  # the readers package is imported by index runs only, not by every search
    from index.readers.base import Problem


# ---- what every backend's answers mean: the same rules, whatever engine computes them ---------

# Plain words must all appear; when fewer articles than this have them all, articles with some
# of them follow the all-words ones (`SearchResults.all_words` False, `with_all_words` counted).
RELAX_BELOW = 10
SUGGEST_BELOW = 5     # offer "did you mean" when a query finds fewer articles than this
MAX_SPELL_WORDS = 8   # words of one query checked for "did you mean"
# Time a request may spend on its optional parts (did-you-mean, highlighting); past it, the
# answer leaves them out and says so (`SearchResults.partial`).
REQUEST_BUDGET_S = 0.5


def relevance_model(articles: Sequence[tuple[float, Mapping[str, int]]], avg_length: float, *, terms: int,
                    weights: str, smoothing: float) -> dict[str, float]:
    """Pseudo-relevance feedback's word model (RM1, Lavrenko & Croft), the same on every backend:
    (score, analysed word counts) of each voting article -> its `terms` strongest words, weights
    summing to 1; ties go to the alphabetically first word. P(w|R) = sum over the articles of
    P(w|D) P(D|Q):

    - P(D|Q), `weights` "likelihood": exp(score - best score), normalised (the score standing for
      log P(Q|D)), so an article well ahead of the next one dominates the vote; "share": score /
      sum of scores (Anserini's RM3), nearly equal votes.
    - P(w|D) = tf / (length + mu), mu = `smoothing` x `avg_length`: the Dirichlet-smoothed
      estimate (Zhai & Lafferty) without its collection part, which only adds the collection's
      common words. With mu = 0 (Anserini's tf / length) a five-word title gives each of its words
      a fifth of its vote and one-line records outvote real articles: on CACM, half of whose
      records are titles, catalogue codes ("r408", "f2") became feedback words.

    Digits neither vote nor count in an article's length. search.ranking's FEEDBACK_* settings,
    which both backends read, say which articles vote and with what parameters.
    """
    if not articles:
        return {}
    scores = [float(score) for score, _ in articles]
    if weights == "likelihood":
        best = max(scores)
        votes = [math.exp(score - best) for score in scores]
    else:
        votes = scores if sum(scores) > 0 else [1.0] * len(scores)
    total = sum(votes)
    mu = smoothing * avg_length
    model: dict[str, float] = {}
    for vote, (_, counts) in zip(votes, articles):
        words = {word: n for word, n in counts.items() if not word.isdigit()}
        length = sum(words.values())
        for word, n in words.items():
            model[word] = model.get(word, 0.0) + vote / total * n / (length + mu)
    strongest = sorted(model.items(), key=lambda item: (-item[1], item[0]))[:terms]
    norm = sum(weight for _, weight in strongest)
    return {word: weight / norm for word, weight in strongest} if norm > 0 else {}


def histogram_interval(first: date, last: date) -> str:
    """The date histogram's bucket size for matches dated `first`..`last`: days up to two
    months, months up to six years, else years (every bucket in between is listed, empty or not)."""
    span_days = (last - first).days
    if span_days <= 62:
        return "day"
    if span_days <= 6 * 366:
        return "month"
    return "year"


@dataclass(frozen=True)
class Capabilities:
    """What one backend can do beyond the contract's minimum; each backend declares one
    (`CAPABILITIES` in its `backend` module), the same object on its search and writer sides."""

    # Each article's story id (index.stories) is kept in its document: written with the article
    # (`IndexWriter.write`'s `story`) and changed by `update_fields`, so the run groups stories
    # in its own process. Otherwise stories are kept beside the index (index.story_store) and
    # the grouping can run in a process of its own.
    story_field: bool = False
    # The deepest result a search can reach (page x page size), e.g. a cluster's result window;
    # None: every match can be paged to. Exports stop there.
    max_results: int | None = None
    # An index run can build a new index and switch searches to it when it completes (no
    # downtime, the old index kept until then).
    rebuild: bool = False


@runtime_checkable
class SearchBackend(Protocol):
    """Answers searches over one index; safe to call from many threads."""

    name: str
    capabilities: Capabilities

    def run(self, request: SearchRequest) -> SearchResults:
        """The results of a checked request. Raises `QuerySyntaxError` for a query the language
        cannot read, `IndexNotFoundError` when there is no index yet."""

    def article(self, article_id: str, query: str = "") -> tuple[ArticleRecord, str]:
        """One article, and its body as safe HTML with the words of `query` marked. Raises
        `ArticleNotFoundError`."""

    def related(self, article_id: str, top: int = 5) -> list[Hit]:
        """Articles like this one, preferring ones close in date."""

    def stats(self, top: int = 10) -> dict:
        """Document count, date range, top entities, size, last update, recogniser."""

    def articles(self, article_ids: list[str]) -> list[ArticleRecord]:
        """The stored articles of those of `article_ids` that are indexed, in the given order, in
        one batch (export with text, top words: one lookup per article costs a round trip on a
        cluster)."""

    def document_frequencies(self, words: list[str], language: str = "en") -> tuple[dict[str, tuple[str, int]], int]:
        """For each of `words` that the index's analysis keeps (not a stop word): its indexed
        form in the body (the stem) and how many articles' bodies have it; and how many articles
        the index holds. What top words compare a result set against. `language`: the words are
        analysed in that language and counted in its articles (issue 21)."""

    def stories(self, request: SearchRequest, top: int = 10) -> list[StoryInfo]:
        """The `top` stories (index.stories) with most articles among the request's matches
        (all the words; the whole index for an empty query), each summarised over all its
        articles; equal counts in story id order."""

    def close(self) -> None:
        """Release what the backend holds open (files, connections)."""


@runtime_checkable
class IndexWriter(Protocol):
    """One index run's writes, used by one thread; a context manager that holds the index for
    the run. Nothing written is visible before `commit`."""

    capabilities: Capabilities
    local_dir: Path  # a folder for the run's local caches (recognised entities)
    # Ids of written articles the index refused (each also reported to the run as a problem),
    # in order; at the latest by the end of `commit`.
    rejected_ids: list[str]

    def __enter__(self) -> "IndexWriter": ...

    def __exit__(self, *exc: object) -> None: ...

    def remember(self, **settings: str) -> None:
        """Settings the search side must know (e.g. the aliases file), kept with the index."""

    def file_articles(self, file_key: str) -> int:
        """How many articles of this exact file version (path|size|mtime) are fully indexed;
        0 for a new or changed file."""

    def stored_hashes(self, article_ids: list[str]) -> dict[str, str]:
        """The content hashes stored with those of `article_ids` that are indexed (one batch:
        a lookup per article costs a round trip on a cluster)."""

    def write(self, article: Article, article_id: str, file_key: str, content_hash: str,
              story: str | None = None) -> None:
        """Add the article under `article_id`, replacing any indexed article with that id.
        `story` is its story id when the run groups stories (index.stories): a backend that keeps
        it in documents (`capabilities.story_field`) writes it with the article; the others keep
        stories beside the index and ignore it."""

    def update_fields(self, article_id: str, fields: dict) -> bool:
        """Replace some stored fields of an indexed article, leaving the others as they are, for
        passes over the whole collection after articles are written (entity resolution across
        articles; story grouping may use it too). `fields` uses `Article.record`'s names and
        plain types (e.g. {"person": ["Kim Jong Un"], "place": [...]}); an empty list or None
        removes the field. Title and body cannot change this way (write the article again).
        Applies to the last commit's version: call it after a commit, and at most once per
        article between commits. Visible after the next `commit`. False when no article has
        that id (a backend that only learns it when the update is sent skips it then)."""

    def delete_stale(self, path: str, file_key: str) -> None:
        """Delete the articles from the file at `path` that are not from its version `file_key`."""

    def commit(self, **settings: str) -> None:
        """Make every write since the last commit visible, atomically (`settings` as in
        `remember`, e.g. the recogniser that found the entities)."""

    def cancel(self) -> None:
        """Drop the writes since the last commit."""


@dataclass(frozen=True)
class WriterRun:
    """What an index run asks of a backend's writer besides where the index is: how long to wait
    for another run (`lock_timeout`, `on_wait` called once when waiting starts), who hears about
    articles the index refuses (`on_problem`), the part (k, n) of a scale-out run, and whether
    to build a new index and switch to it (`rebuild`, needs `Capabilities.rebuild`)."""

    lock_timeout: float = 600.0
    on_wait: Callable[[], None] | None = None
    on_problem: Callable[[Problem], None] | None = None
    part: tuple[int, int] | None = None
    rebuild: bool = False


@dataclass(frozen=True)
class BackendFactory:
    """One backend as the registry (`search.backends`) opens it: declared once, in the backend's
    `backend` module (`FACTORY`), which imports its engine's library only when a side is opened.

    `options` names the options it reads (each with what it is, for messages); the three
    callables take the options given (a fresh dict each call, theirs to change) and raise
    `BadParameterError` for an option they cannot use; `location` is a string that names the
    index (two engines with the same location share one open index)."""

    name: str
    capabilities: Capabilities
    options: Mapping[str, str]
    location: Callable[[dict[str, object]], str]
    open_search: Callable[[dict[str, object]], SearchBackend]
    open_writer: Callable[[dict[str, object], WriterRun], IndexWriter]


__all__ = ["SearchBackend", "IndexWriter", "Capabilities", "WriterRun", "BackendFactory", "RELAX_BELOW",
           "SUGGEST_BELOW", "MAX_SPELL_WORDS",
           "REQUEST_BUDGET_S", "histogram_interval"]
