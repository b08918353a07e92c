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
import time
from collections.abc import Callable
from pathlib import Path

from whoosh.query import And, Not, Term

from index.article import Article
from search.backends.whoosh.internals import segment_count
from search.backends.whoosh.locking import RunLock, break_orphaned_write_lock
from search.backends.whoosh.schema import article_to_document, fields_to_document, news_analyzer
from search.backends.whoosh.store import now_iso, open_or_create_index, write_meta
from search.backends.whoosh.vocabulary import VocabularyCounter
from search.results import IndexPermissionError

log = logging.getLogger("newsearch.index")

# Whoosh's merge runs in one process at about the indexing rate: at 410k articles (24 segments)
# it merged them all and took over 25 minutes. Segments are single compound files, and searching
# dozens of them costs little (scoring.py reads postings per segment), so commits skip the
# merge until an index holds this many segments; only then does Whoosh's policy merge.
MERGE_ABOVE_SEGMENTS = 100
WRITER_PROCS = 2           # Whoosh writer processes (measured: 552 docs/s with 1, 990 with 2)
WRITER_EXIT_SECONDS = 5    # a killed writer process exits at once; this only bounds a stuck one


class WhooshWriter:
    """One index run on the index folder `index_dir`; `with WhooshWriter(...) as writer:`."""

    def __init__(self, index_dir: Path, *, lock_timeout: float = 600.0,
                 on_wait: Callable[[], None] | None = None) -> None:
        self.index_dir = self.local_dir = Path(index_dir)
        self.rejected_ids: list[str] = []  # Whoosh refuses no well-formed document
        self._lock = RunLock(self.index_dir, lock_timeout, on_wait=on_wait)
        self.ix = None
        self.searcher = None
        self.writer = None
        self.vocabulary = VocabularyCounter(news_analyzer())
        self.started_empty = False
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
            if self.searcher is not None:
                self.searcher.close()
        finally:
            self._lock.__exit__(*exc)

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

    def _writer(self):
        if self.writer is None:
            # Two processes with one segment each: 1.8x faster on Reuters on a 2-core machine.
            self.writer = self.ix.writer(procs=WRITER_PROCS, multisegment=True, limitmb=128, timeout=30.0,
                                         delay=0.25)
        return self.writer

    def write(self, article: Article, article_id: str, file_key: str, content_hash: str,
              story: str | None = None) -> None:
        # `story` is not stored: this backend reads story ids from index/stories.py's table.
        writer = self._writer()
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
        self.vocabulary.add(article.title, article.body)

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
