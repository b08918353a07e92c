"""The Whoosh backend's indexing side: one run's writes into an index folder (meets
`search.backend.IndexWriter`).

Guarantees, and how they are kept:
- Nothing committed is ever lost: Whoosh writes a new table of contents and renames it into
  place, so a crash at any moment leaves the last commit readable.
- One run at a time: a run-level lock (`locking.RunLock`) held for the whole run, besides
  Whoosh's own writer lock (released at every commit); a lock left by a killed run is taken over.
- Which file versions are indexed is the index's own `file_key` field: a file whose key is
  present was indexed completely, since the indexer commits only at file boundaries.
"""
from __future__ import annotations

import logging
import queue
from collections.abc import Callable
from pathlib import Path
from typing import Any

from whoosh.compat import pickle  # type: ignore[import-untyped]
from whoosh.multiproc import MpWriter  # type: ignore[import-untyped]
from whoosh.query import And, Not, Term  # type: ignore[import-untyped]
from whoosh.util import random_name  # type: ignore[import-untyped]

from index.article import Article
from search.backends.whoosh.internals import segment_count
from index.processes import ProcessDiedError, how_it_ended
from search.backends.whoosh.backend import CAPABILITIES
from search.backends.whoosh.locking import RunLock, break_orphaned_write_lock
from search.backends.whoosh.schema import article_to_document, fields_to_document, in_language, news_analyzer
from search.backends.whoosh.store import now_iso, open_or_create_index, write_meta
from search.backends.whoosh.spelling import VocabularyCounter
from search.results import IndexPermissionError

log = logging.getLogger("newsearch.index")

# Whoosh's merge runs in one process at about the indexing rate: at 410k articles (24 segments)
# it merged them all and took over 25 minutes. Segments are single compound files, and searching
# dozens of them costs little (scoring.py reads postings per segment), so commits skip the
# merge until an index holds this many segments; only then does Whoosh's policy merge.
MERGE_ABOVE_SEGMENTS = 100
WRITER_PROCS = 2           # Whoosh writer processes (measured: 552 docs/s with 1, 990 with 2)
WRITER_EXIT_SECONDS = 5    # a killed writer process exits at once; this only bounds a stuck one
QUEUE_CHECK_SECONDS = 1.0  # a full job queue is re-checked for dead writer processes this often


class CheckedMpWriter(MpWriter):
    """Whoosh's multi-process writer (multisegment), refusing to commit when a writer process died.

    Whoosh hands each writer process job files of documents and, at commit, adds to the index
    whatever segments come back: a process killed (or failing, e.g. on a name with lone
    surrogates) took its documents with it, and the commit went ahead with the others', so the
    run said "added N" and exited 0 with a third of them gone. Here every job hand-over checks
    that the processes live (a full queue is re-checked instead of waiting for ever), and the
    commit checks that each process ended normally and returned its segment, before the new
    table of contents is written; otherwise `ProcessDiedError`, and nothing since the last
    commit is kept (the run's `cancel`). Private Whoosh names used: `_enqueue`, `_commit`,
    `_merge_segments`, `_finalize_segment`, `_close_segment`, `_commit_toc`, `_finish`
    (whoosh-reloaded 2.7.5, pinned; see internals.py).
    """

    def check_processes(self, finished_ok: bool = False) -> None:
        """Raise `ProcessDiedError` if a writer process has ended before being told to (or, with
        `finished_ok`, ended other than normally)."""
        for task in self.tasks:
            if not task.is_alive() and not (finished_ok and task.exitcode == 0):
                raise ProcessDiedError(f"a Whoosh writer process (pid {task.pid}) {how_it_ended(task.exitcode)} "
                                       f"in the middle of the run")

    def _put(self, job: tuple | None) -> None:
        while True:
            try:
                self.jobqueue.put(job, timeout=QUEUE_CHECK_SECONDS)
                return
            except queue.Full:
                self.check_processes()

    def _enqueue(self) -> None:
        # Whoosh's: the buffered documents to a job file, its name on the job queue.
        self.check_processes()
        filename = f"{random_name()}.doclist"
        with self.temp_storage().create_file(filename).raw_file() as handle:
            for item in self.docbuffer:
                pickle.dump(item, handle, 2)
        if len(self.tasks) < self.procs:
            self._new_task()
        self._put((filename, len(self.docbuffer)))
        self.docbuffer: list[Any] = []

    def _commit(self, mergetype, optimize, merge) -> None:
        # Whoosh's multisegment commit, with the processes' ends checked before anything is
        # merged or the table of contents written.
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self._put(None)
        for task in self.tasks:
            # A process killed while taking a job dies holding the job queue's lock, and the
            # others then wait on it for ever: their end is awaited only while none has failed.
            while task.is_alive():
                task.join(QUEUE_CHECK_SECONDS)
                self.check_processes(finished_ok=True)
        results = []
        for _ in self.tasks:
            try:
                results.append(self.resultqueue.get(timeout=QUEUE_CHECK_SECONDS))
            except queue.Empty:
                break
        failed = [task for task in self.tasks if task.exitcode != 0]
        if failed or len(results) != len(self.tasks):
            ends = ", ".join(f"pid {task.pid} {how_it_ended(task.exitcode)}" for task in failed)
            raise ProcessDiedError(f"{len(failed) or len(self.tasks) - len(results)} of {len(self.tasks)} Whoosh "
                                   f"writer processes did not finish their work ({ends or 'no segment returned'})")
        segments = self._merge_segments(mergetype, optimize, merge)
        segments += [segment for _, _, segment in results]
        if self._added:
            segments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(segments)
        self._finish()


class WhooshWriter:
    """One index run on the index folder `index_dir`; `with WhooshWriter(...) as writer:`."""

    capabilities = CAPABILITIES

    def __init__(self, index_dir: Path, *, lock_timeout: float = 600.0,
                 on_wait: Callable[[], None] | None = None) -> None:
        self.index_dir = self.local_dir = Path(index_dir)
        self.rejected_ids: list[str] = []  # Whoosh refuses no well-formed document
        self._lock = RunLock(self.index_dir, lock_timeout, on_wait=on_wait)
        # Whoosh's objects (untyped), while the run holds the index.
        self.ix: Any = None
        self.searcher: Any = None
        self.writer: CheckedMpWriter | None = None
        self.vocabulary = VocabularyCounter(news_analyzer())
        self.started_empty = False
        self.committed = False  # a commit of this run made something visible (tables to cache)
        self._docnums: dict[str, int] = {}  # ids looked up by stored_hashes -> doc numbers

    # ---- the run --------------------------------------------------------------------------------

    def __enter__(self) -> "WhooshWriter":
        try:
            self._lock.__enter__()
            try:
                self.ix = open_or_create_index(self.index_dir)
                break_orphaned_write_lock(self.ix, self._lock)
                self.searcher = self.ix.searcher()
            except BaseException:
                self._lock.__exit__(None, None, None)
                raise
        except PermissionError as exc:
            raise self._permission_error(exc) from None
        # An article can only replace one that was in the index when the run started (ids added
        # by this run are the indexer's to catch), so a run that starts empty skips the
        # per-article id lookups: ~0.3 ms each at 18 segments.
        self.started_empty = self.searcher.doc_count_all() == 0
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.cancel()
            if exc[0] is None and self.committed:
                self._cache_tables()
            if self.searcher is not None:
                self.searcher.close()
        finally:
            self._lock.__exit__(*exc)

    def _cache_tables(self) -> None:
        """Build the committed segments' tables (facets, dates, lengths, article ids) now, while
        the run holds the index, so that the first search after a run only reads them: left to
        that search, they cost 6.6 s at 1M articles (issue 20: opening costs milliseconds, the
        index run pays). A failure here loses nothing: the first search builds what is missing."""
        from search.backends.whoosh.facets import IndexTables
        from search.backends.whoosh.stories import cache_segment_ids

        try:
            with self.ix.reader() as reader:
                IndexTables(reader, self.index_dir)
                cache_segment_ids(reader, self.index_dir)
        except (OSError, ValueError) as exc:
            log.warning("could not cache the index's tables (the first search will build them): %s", exc)

    def _permission_error(self, exc: PermissionError) -> IndexPermissionError:
        where = f"{exc.filename} in the index folder" if exc.filename else "the index folder"
        return IndexPermissionError(f"permission denied: cannot write {where} {self.index_dir}")

    def remember(self, **settings: str) -> None:
        write_meta(self.index_dir, **settings)

    # ---- what is indexed ------------------------------------------------------------------------

    def file_articles(self, file_key: str) -> int:
        return self.searcher.doc_frequency("file_key", file_key)

    def stored_hashes(self, article_ids: list[str]) -> dict[str, str]:
        if self.started_empty:
            return {}
        found = {}
        for article_id in article_ids:
            docnum = self.searcher.document_number(id=article_id)
            if docnum is not None:
                self._docnums[article_id] = docnum
                found[article_id] = self.searcher.stored_fields(docnum).get("content_hash")
        return found

    # ---- writing --------------------------------------------------------------------------------

    def _writer(self) -> CheckedMpWriter:
        if self.writer is None:
            # Two processes with one segment each: 1.8x faster on Reuters on a 2-core machine.
            self.writer = CheckedMpWriter(self.ix, procs=WRITER_PROCS, multisegment=True, limitmb=128,
                                          timeout=30.0, delay=0.25)
        return self.writer

    def write(self, article: Article, article_id: str, file_key: str, content_hash: str,
              story: str | None = None) -> None:
        # `story` is not stored: this backend reads story ids from index/stories.py's table.
        writer = self._writer()
        docnum: int | None
        if article_id in self._docnums:  # looked up by stored_hashes: no second lookup
            docnum = self._docnums.pop(article_id)
        else:
            docnum = None if self.started_empty else self.searcher.document_number(id=article_id)
        if docnum is not None:
            # What update_document does, without looking the id up a second time. The searcher
            # and the writer see the same commit (this run holds the index), so numbers agree.
            writer.delete_document(docnum)
        document = article_to_document(article, file_key, content_hash)
        document["id"] = article_id
        writer.add_document(**document)
        self.vocabulary.add(article.title, article.body, language=article.language)

    def update_fields(self, article_id: str, fields: dict) -> bool:
        """Whoosh cannot change a document in place: the stored document is added again with
        the new fields, and the old one deleted, in this run's next commit (see
        `search.backend.IndexWriter.update_fields`). The file version (`file_key`, indexed, not
        stored) is found among the terms of the document's path."""
        docnum = self.searcher.document_number(id=article_id)
        if docnum is None:
            return False
        if "title" in fields or "body" in fields or "id" in fields:
            raise ValueError("update_fields cannot change an article's id, title or body: write it again")
        document = dict(self.searcher.stored_fields(docnum))
        if document.get("title_derived"):  # stored, not indexed (schema.fields_to_document)
            document["_stored_title"], document["title"] = document["title"], ""
        key = self._file_key_of(docnum, document.get("path", ""))
        if key is not None:
            document["file_key"] = key
        for name, value in fields.items():
            if value is None or value == []:
                document.pop(name, None)
            else:
                document[name] = fields_to_document({name: value})[name]
        in_language(document)  # the stored text is plain: indexed again in the article's language
        writer = self._writer()
        writer.delete_document(docnum)
        writer.add_document(**document)
        return True

    def _file_key_of(self, docnum: int, path: str) -> str | None:
        reader = self.searcher.reader()
        field = self.ix.schema["file_key"]
        for term in reader.expand_prefix("file_key", f"{path}|"):
            if docnum in set(reader.postings("file_key", term).all_ids()):
                return field.from_bytes(term)
        return None

    def delete_stale(self, path: str, file_key: str) -> None:
        if not self.started_empty:
            self._writer().delete_by_query(And([Term("path", path), Not(Term("file_key", file_key))]),
                                           searcher=self.searcher)

    def commit(self, **settings: str) -> None:
        if self.writer is None:
            return
        try:
            # Before the commit: a crash in between re-counts some words, never loses any.
            self.vocabulary.save(self.index_dir)
            self.writer.commit(merge=segment_count(self.ix) > MERGE_ABOVE_SEGMENTS)
            self.writer = None
            write_meta(self.index_dir, last_update=now_iso(), **settings)
            self.committed = True
        except PermissionError as exc:
            raise self._permission_error(exc) from None
        self.searcher.close()
        self.searcher = self.ix.searcher()
        self._docnums.clear()

    def cancel(self) -> None:
        """Drop the writes since the last commit, and end the writer processes with them."""
        if self.writer is not None:
            # Whoosh's cancel only flags its writer processes in this process's copies of them:
            # the real ones kept reading their job files, which cancel deletes (a traceback each).
            for task in getattr(self.writer, "tasks", []):
                if task.is_alive():
                    task.kill()
                task.join(timeout=WRITER_EXIT_SECONDS)
            self.writer.cancel()
            self.writer = None


__all__ = ["WhooshWriter", "MERGE_ABOVE_SEGMENTS", "WRITER_PROCS"]
