"""An index run: files -> articles -> entities -> the storage backend, incrementally and
crash-safely.

Guarantees, and how they are kept (with the backend's `IndexWriter`, see `search.backend`):
- Nothing committed is ever lost: the backend's commit is atomic.
- A re-run does only new work: each article is stored with the `file_key` (path, size, mtime)
  of its file; a file whose key is already in the index is skipped unread. Commits happen only
  at file boundaries, so a file whose key is present was indexed completely.
- No duplicates: an article replaces the indexed one with its id, and a re-read file's articles
  that are no longer in it are deleted.
- One run at a time: the writer holds the index for the whole run.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from index.article import Article
from index.article_languages import set_languages
from index.language_codes import UNDETERMINED
from index.ner_pool import Key, NerPool, default_workers
from index.progress import Progress
from index.readers import ReadOptions, iter_files, read_file
from index.parts import in_part
from index.readers.base import Problem
from search.backend import IndexWriter
from search.backends import open_writer
from index.processes import ProcessDiedError

if TYPE_CHECKING:  # imported when a run groups stories, each only by the runs that use it
    from index.stories import StoryIndex
    from index.story_process import StoryProcess

log = logging.getLogger("newsearch.index")

NER_BATCH = 256            # articles per entity-recognition batch (spaCy's nlp.pipe)
# With NER worker processes, batches handed to them before the run writes the batch before: the
# workers recognise these while the run resolves and writes (index/ner_pool.py).
BATCHES_AHEAD = 2
# Commit at the first file boundary after this many documents or this long, whichever comes
# first: a crash loses at most about a minute of work. Each commit adds WRITER_PROCS segments;
# Whoosh's MERGE_SMALL policy rewrites all similar-sized segments into one once ~24 have piled up
# (in one process, at about the indexing rate), so frequent small commits would mean many such
# merges at scale: 5,000-document commits gave 400 segments' worth of merging per 1M articles.
COMMIT_EVERY_DOCS = 50_000
COMMIT_EVERY_SECONDS = 60
# Detect each article's language (index/language.py). Off, an article's language is what its
# source declares, else "und": for measuring what detection costs (bench/languages.py sets it
# to False around an index run), not an option for users (every other stage relies on a code).
DETECT_LANGUAGES = True


@dataclass
class IndexSummary:
    """What a run did; printed at the end and available as JSON."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0          # files or records that could not be indexed (error problems)
    warnings: int = 0        # indexed, but something was lost (e.g. an unparseable date)
    files_read: int = 0
    files_unchanged: int = 0
    files_skipped: int = 0   # files of a type no reader handles, or holding no article (a word list)
    elapsed: float = 0.0
    ner_seconds: float = 0.0   # in the recogniser; summed over the workers when there are some
    ner_workers: int = 0       # entity recognition processes (0: in the run's own process)
    language_seconds: float = 0.0  # detecting languages (index/language.py), in the run's process
    # Languages of the articles this run read and wrote (ISO 639-1, "und": undetermined), with
    # counts; files skipped as unchanged are not read, so their articles are not in it.
    languages: dict[str, int] = field(default_factory=dict)
    recogniser: str = ""
    given: int = 0           # paths given to the run
    missing: list[str] = field(default_factory=list)  # given paths that don't exist or can't be read
    problems: list[Problem] = field(default_factory=list)

    @property
    def docs_per_second(self) -> float:
        return (self.added + self.updated) / self.elapsed if self.elapsed > 0 else 0.0

    def language_counts(self) -> list[tuple[str, int]]:
        """(code, articles) for every language read, most articles first ("und" last on a tie)."""
        return sorted(self.languages.items(), key=lambda item: (-item[1], item[0] == UNDETERMINED, item[0]))

    def to_dict(self) -> dict:
        data = asdict(self)
        data["problems"] = [p.to_dict() for p in self.problems]
        data["docs_per_second"] = round(self.docs_per_second, 1)
        return data

    def format(self, max_problems: int = 20) -> str:
        lines = [
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
            f"failed {self.failed}, warnings {self.warnings}",
            f"files: {self.files_read} read, {self.files_unchanged} unchanged, "
            f"{self.files_skipped} skipped (not a supported type, or not an article)",
            f"elapsed {self.elapsed:.1f} s, {self.docs_per_second:,.0f} docs/s"
            + (f", entity recognition {self.ner_seconds:.1f} s in {self.ner_workers} worker processes"
               if self.ner_workers and self.ner_seconds else
               f", of which entity recognition {self.ner_seconds:.1f} s" if self.ner_seconds else ""),
        ]
        if self.languages:
            lines.append("languages: " + ", ".join(f"{code} {count:,}" for code, count in self.language_counts()))
        if self.recogniser:
            lines.append(f"entities: {self.recogniser}")
        if self.missing:
            lines.append(f"{len(self.missing)} of {self.given} given paths not found or unreadable "
                         f"(exit status 1): {', '.join(self.missing)}")
        for problem in self.problems[:max_problems]:
            lines.append(f"  {problem}")
        if len(self.problems) > max_problems:
            lines.append(f"  ... and {len(self.problems) - max_problems} more (use --errors FILE for all)")
        return "\n".join(lines)


class InputNotFoundError(Exception):
    """None of the paths given to a run exists or can be read; nothing was created."""


class RunFailedError(Exception):
    """A process the run depends on (a Whoosh writer, an NER worker) died: the run stopped
    without committing what it had read since its last commit. The message says what was lost;
    the same command run again indexes it (those files' keys are not in the index)."""


def list_inputs(paths: Iterable[Path | str]) -> tuple[list[tuple[Path, str | None]], list[Problem], list[str]]:
    """The files to index, the problems found listing them, and the given paths that are unusable.

    Runs before anything is created on disk, so that a run given only bad paths raises
    `InputNotFoundError` and leaves no empty index behind. Problems found here are returned,
    not reported: the run's summary doesn't exist yet.
    """
    given = [Path(p) for p in paths]
    if not given:
        raise InputNotFoundError("no files or folders given to index")
    problems: list[Problem] = []
    # The raw paths: iter_files resolves them safely and reports the bad ones (missing, loops,
    # unreadable folders, special files).
    found = list(iter_files(given, on_problem=problems.append))
    at_root: dict[str, Problem] = {}  # a given path's own problem (not one inside a folder)
    for problem in problems:
        at_root.setdefault(problem.path, problem)
    unusable = [next(at_root[form] for form in forms if form in at_root) for forms in map(_spellings, given)
                if any(form in at_root for form in forms)]
    if len(unusable) == len(given):
        by_reason: dict[str, list[str]] = {}
        for problem in unusable:
            by_reason.setdefault(problem.reason, []).append(problem.path)
        raise InputNotFoundError("; ".join(f"{reason}: {', '.join(where)}" for reason, where in by_reason.items()))
    # Absolute, so that a file's key (and so whether it is unchanged) doesn't depend on the cwd.
    files = [(path if path.is_absolute() else Path.cwd() / path, fmt) for path, fmt in found]
    return files, problems, [problem.path for problem in unusable]


def _spellings(path: Path) -> list[str]:
    """How a problem may name a given path: as given, or resolved (a folder that can't be listed)."""
    forms = [str(path)]
    try:
        forms.append(str(path.resolve()))
    except (OSError, RuntimeError, ValueError):  # a symlink loop (RuntimeError in 3.11), a NUL byte
        pass
    return forms


# C0 and C1 control characters: a newline in a file name would split a summary line in two.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def path_text(path: Path | str) -> str:
    """A path as the index stores and shows it: valid UTF-8 whatever bytes the name holds.

    Linux file names are bytes; Python carries the ones that are not UTF-8 as lone surrogates,
    which no index, JSON or terminal accepts (a Whoosh writer process died on them, losing its
    whole share of the run). Undecodable bytes and control characters become `\\xNN`, so
    every distinct name keeps a distinct, readable form; the run skips a file whose form is
    another existing file's real name (`index_files`).
    """
    try:
        raw = os.fsencode(path)
    except UnicodeEncodeError:  # a surrogate that no file name decodes to
        raw = str(path).encode("utf-8", "surrogatepass")
    text = raw.decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def file_key(path: Path) -> str:
    stat = path.stat()
    return f"{path_text(path)}|{stat.st_size}|{stat.st_mtime_ns}"


class _Run:
    """The state of one run; kept out of `index_paths` so each step is a small method."""

    def __init__(self, writer: IndexWriter, extractor, summary: IndexSummary,
                 progress: Progress, on_problem: Callable[[Problem], None],
                 stories: StoryIndex | StoryProcess | None = None, pool: NerPool | None = None) -> None:
        self.writer, self.extractor = writer, extractor
        self.pool = pool  # NER worker processes, fed ahead of the writes; None: NER in this process
        # Batches read and handed to the pool, not yet written: (files, articles, pool ticket).
        self.ready: deque[tuple[list[tuple[Path, str, list[Article]]], list[Article], list[Key]]] = deque()
        self.stories = stories  # index.stories.StoryIndex, or None (grouping off)
        self.written_story: dict[str, str | None] = {}  # since the last commit: id -> story written
        self.summary, self.progress, self.on_problem = summary, progress, on_problem
        self.pending: list[tuple[Path, str, list[Article]]] = []  # whole files awaiting write
        self.pending_articles = 0
        self.uncommitted_docs = 0
        self.uncommitted_files = 0
        self.last_commit = time.monotonic()
        self.seen_ids: dict[str, str] = {}  # id -> where it was first seen in this run
        self.stored: dict[str, str] = {}    # the pending batch's indexed ids -> their content hashes
        # Ids written since the last commit -> how they were counted (kind, language).
        self.counted: dict[str, tuple[str, str]] = {}
        self.rejections_seen = 0
        self.files_done = 0
        self.docs_done = 0

    def problem(self, problem: Problem) -> None:
        if path_text(problem.path) != problem.path:  # printable, and writable as JSON (--errors)
            problem = dataclasses.replace(problem, path=path_text(problem.path))
        self.summary.problems.append(problem)
        if problem.severity == "error":
            self.summary.failed += 1
        elif problem.severity == "skipped":  # read, and holds no article (a word list): nothing lost
            self.summary.files_skipped += 1
        else:
            self.summary.warnings += 1
        self.on_problem(problem)

    def add_file(self, path: Path, key: str, articles: list[Article]) -> None:
        self.pending.append((path, key, articles))
        self.pending_articles += len(articles)
        if self.pending_articles >= NER_BATCH:
            self.flush()

    def flush(self, everything: bool = False) -> None:
        """Hand the pending files' articles to entity recognition, and write the batches read
        before them (all of them with `everything`); each write may commit."""
        if self.pending:
            batch = [a for _, _, articles in self.pending for a in articles]
            # Before entity recognition, which picks its recogniser by language, and before the
            # writer, which analyses each article's words in its language.
            self.set_languages(self.pending)
            ticket = self.pool.prefetch(batch) if self.pool is not None else []
            self.ready.append((self.pending, batch, ticket))
            self.pending, self.pending_articles = [], 0
        ahead = 0 if everything or self.pool is None else BATCHES_AHEAD
        while len(self.ready) > ahead:
            self.write_batch(*self.ready.popleft())

    def set_languages(self, files: list[tuple[Path, str, list[Article]]]) -> None:
        """Every article's language (in place; index/article_languages.py), so that
        `article.language` is an ISO 639-1 code or "und" from here on."""
        started = time.perf_counter()
        set_languages([read for _, _, read in files], detect=DETECT_LANGUAGES)
        self.summary.language_seconds += time.perf_counter() - started

    def write_batch(self, files: list[tuple[Path, str, list[Article]]], batch: list[Article],
                    ticket: list[Key]) -> None:
        """Recognise entities for one batch's articles (in order) and write them; maybe commit."""
        # Id and content hash of the reader's version, before entities: neither may depend on
        # which recogniser ran (or whether one did).
        read_as = {id(a): (a.id, a.content_hash) for a in batch}
        self.stored = self.writer.stored_hashes([aid for aid, _ in read_as.values()])
        self.extractor.annotate(batch)
        if self.pool is not None:
            self.pool.release(ticket)
        for path, key, articles in files:
            for article in articles:
                self.write_article(article, key, *read_as[id(article)])
            # Articles that were in an older version of this file but are not in this one.
            self.writer.delete_stale(str(path), key)
            self.files_done += 1
            self.uncommitted_files += 1
        self.progress.update(self.files_done, self.docs_done)
        if (self.uncommitted_docs >= COMMIT_EVERY_DOCS
                or time.monotonic() - self.last_commit >= COMMIT_EVERY_SECONDS):
            self.commit()

    def write_article(self, article: Article, key: str, aid: str, content_hash: str) -> None:
        where = f"{article.path}:{article.location}" if article.location else article.path
        if aid in self.seen_ids:
            self.problem(Problem(article.path, f"duplicate article id {aid!r} (first seen at "
                                 f"{self.seen_ids[aid]}); kept the first", article.location, "warning"))
            return
        self.seen_ids[aid] = where
        stored = self.stored.get(aid)
        kind = "added" if stored is None else "unchanged" if stored == content_hash else "updated"
        setattr(self.summary, kind, getattr(self.summary, kind) + 1)
        language = article.language or UNDETERMINED
        self.summary.languages[language] = self.summary.languages.get(language, 0) + 1
        self.counted[aid] = (kind, language)
        story = None
        if self.stories is not None:
            self.stories.add(article, aid, content_hash)
            story = self.stories.story_of(aid)
            self.written_story[aid] = story
        self.writer.write(article, aid, key, content_hash, story=story)
        self.uncommitted_docs += 1
        self.docs_done += 1

    def index_files(self, files: list[tuple[Path, str | None]], options: ReadOptions) -> None:
        """Read every new or changed file into the pending batch; skip unchanged ones unread."""
        summary = self.summary
        for path, fmt in files:
            if fmt is None and options.format is None:
                summary.files_skipped += 1
                continue
            name = path_text(path)
            if name != str(path) and os.path.lexists(name):
                self.problem(Problem(name, "the file name is not valid UTF-8 (or holds control characters), "
                                           "and its readable form is the name of another file: skipped"))
                continue
            try:
                key = file_key(path)
            except OSError as exc:
                self.problem(Problem(name, f"cannot read file: {exc.strerror or exc}"))
                continue
            unchanged = self.writer.file_articles(key)
            if unchanged:
                summary.files_unchanged += 1
                summary.unchanged += unchanged
                self.files_done += 1
                self.progress.update(self.files_done, self.docs_done, path.name)
                continue
            summary.files_read += 1
            articles = []
            for item in read_file(path, options, fmt):
                if isinstance(item, Problem):
                    self.problem(item)
                else:
                    item.path = path_text(item.path)
                    articles.append(item)
            if name != str(path):
                self.problem(Problem(name, "the file name is not valid UTF-8 or holds control characters: "
                                           "indexed under this name, those bytes written as \\xNN", severity="warning"))
            self.add_file(Path(name), key, articles)

    def lost(self, cause: Exception) -> RunFailedError:
        """The error a run that cannot go on raises: the cause, and what was not indexed."""
        docs = self.uncommitted_docs + self.pending_articles + sum(len(batch) for _, batch, _ in self.ready)
        files = self.uncommitted_files + len(self.pending) + sum(len(read) for read, _, _ in self.ready)
        return RunFailedError(
            f"indexing stopped: {cause}. Not indexed: {docs} articles from {files} files read since the last "
            f"commit (everything committed before is kept); run the same command again to index them")

    def commit(self) -> None:
        if self.stories is not None:
            # Saved before the index commit (a crash in between is redone by the re-run), and the
            # story ids that changed are copied into backends that keep them in documents.
            self.stories.save()
            # An article written since the last commit went out with its story id then: only a
            # story that changed after its write needs a second (partial) write.
            changes = self.stories.take_changes()
            if self.writer.capabilities.story_field:
                for aid, story in changes.items():
                    if self.written_story.get(aid) != story:
                        self.writer.update_fields(aid, {"story": story})
            self.written_story.clear()
        self.writer.commit(recogniser=self.extractor.recogniser)
        # An article the index refused was counted as added/updated; it is a failure instead
        # (its problem was reported when it was refused).
        languages = self.summary.languages
        for aid in self.writer.rejected_ids[self.rejections_seen:]:
            if aid in self.counted:
                kind, language = self.counted[aid]
                setattr(self.summary, kind, getattr(self.summary, kind) - 1)
                languages[language] -= 1
                if not languages[language]:
                    del languages[language]
        self.rejections_seen = len(self.writer.rejected_ids)
        self.counted.clear()
        self.uncommitted_docs = self.uncommitted_files = 0
        self.last_commit = time.monotonic()


def index_paths(
    paths: Iterable[Path | str],
    index_dir: Path | str | None = None,
    *,
    options: ReadOptions | None = None,
    entities: bool = True,
    progress_stream: TextIO | None = None,
    show_progress: bool = True,
    lock_timeout: float = 600.0,
    on_problem: Callable[[Problem], None] | None = None,
    aliases_file: Path | str | None = None,
    backend: str | None = None,
    backend_options: dict | None = None,
    part: tuple[int, int] | None = None,
    rebuild: bool = False,
    stories: bool = True,
    workers: int | None = None,
) -> IndexSummary:
    """Index every article in `paths` (files or folders) into an index.

    The index is the Whoosh folder `index_dir` by default, or the backend named by `backend`
    with its `backend_options` (see `search.backends`). Returns the summary; bad input is in
    `summary.problems`, never raised, and given paths that don't exist are also in
    `summary.missing`. Raises `InputNotFoundError` (creating nothing) when none of `paths`
    exists, and `IndexLockedError` if another run holds the index for longer than
    `lock_timeout` seconds. `aliases_file` extends the shipped alias table; it is recorded with
    the index so that searches canonicalise filter values the same way. `part=(k, n)` indexes
    only the k-th of n disjoint parts of the files (scale-out: n runs, on any machines).
    `rebuild` builds a new index from `paths` and switches searches to it at the end (OpenSearch).
    `stories` groups near-duplicates and articles about one event (`index.stories`); off, the
    articles of this run belong to no story. `workers` is how many processes run entity
    recognition (`index.ner_pool`; default: one per core; 1: in this process); the results are
    the same whatever it is.
    """
    from index.entities import EntityExtractor  # spaCy is imported only when a run needs it

    options = options or ReadOptions()
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    started = time.monotonic()
    paths = list(paths)
    files, early_problems, missing = list_inputs(paths)  # raises InputNotFoundError when none usable
    if part is not None:
        files = [(path, fmt) for path, fmt in files if in_part(part_name(path, paths), part)]
    summary = IndexSummary(given=len(paths), missing=[path_text(where) for where in missing])
    where = dict(backend_options or {})
    if index_dir is not None:
        where["index_dir"] = index_dir
    report: list[Callable[[Problem], None]] = []  # the run's problem handler, once it exists

    def waiting() -> None:
        log.warning("waiting for another newsearch index run on %s to finish (up to %.0f s)",
                    where.get("index_dir", "the index"), lock_timeout)

    with open_writer(backend, lock_timeout=lock_timeout, on_wait=waiting, part=part, rebuild=rebuild,
                     on_problem=lambda problem: report[0](problem), **where) as writer:
        if aliases_file is not None:
            aliases_file = Path(aliases_file).resolve()
            writer.remember(aliases_file=str(aliases_file))
        cache_path = writer.local_dir / "entities-cache.sqlite"
        pool = NerPool(workers, cache_path) if entities and workers > 1 else None
        extractor = EntityExtractor(cache_path=cache_path, enabled=entities, aliases_file=aliases_file,
                                    corpus_path=writer.local_dir / "entity-corpus.sqlite",
                                    loader=pool.load if pool is not None else None)
        progress = Progress(len(files), stream=progress_stream, enabled=show_progress)
        grouping: StoryIndex | StoryProcess | None = None
        if stories:
            if writer.capabilities.story_field:
                # Writes each article's story id with it: needs the grouping in this process.
                from index.stories import StoryIndex

                grouping = StoryIndex(writer.local_dir)
            else:
                # Off the run's critical path, same decisions (index/story_process.py).
                from index.story_process import StoryProcess

                grouping = StoryProcess(writer.local_dir)
        run = _Run(writer, extractor, summary, progress, on_problem or (lambda p: None), grouping, pool)
        report.append(run.problem)
        try:
            for problem in early_problems:
                run.problem(problem)
            run.index_files(files, options)
            run.flush(everything=True)
            run.commit()
            # Entities across articles (index/entities/corpus.py): rewrite the entity fields of
            # the articles whose values this run's statistics changed, whatever their order.
            if extractor.finish(writer.update_fields):
                run.commit()
        except ProcessDiedError as exc:
            raise run.lost(exc) from exc
        finally:
            progress.close()
            summary.ner_seconds = extractor.ner_seconds
            summary.recogniser = extractor.recogniser
            if pool is not None:
                summary.ner_workers = pool.processes
                pool.close()
            extractor.close()
            if grouping is not None:
                grouping.close()
    summary.elapsed = time.monotonic() - started
    return summary


def part_name(path: Path, roots: list[Path | str]) -> Path:
    """A file's name relative to the given folder it was found in (or its own name when given
    itself): the same on every machine, wherever the collection is mounted."""
    for root in roots:
        try:
            return path.relative_to(Path(root).resolve())
        except ValueError:
            continue
    return Path(path.name)


def write_problems(problems: Iterable[Problem], path: Path) -> None:
    """`--errors FILE`: one JSON object per problem, for tools and for fixing input later."""
    with open(path, "w", encoding="utf-8") as handle:
        for problem in problems:
            handle.write(json.dumps(problem.to_dict(), ensure_ascii=False) + "\n")
