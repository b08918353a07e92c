"""The story grouping in its own process beside an index run (backends that keep no story ids
in their documents: Whoosh).

Why: the grouping costs ~0.25 ms of CPU an article, and in the indexing process it lies on the
run's critical path (the Whoosh writer processes wait for that process to feed them): in-process
it took a run without NER to ~0.77 of its speed without grouping. Here the indexing process only
sends each article's text, date and names (one pipe message per SEND_EVERY articles) and the
grouping runs alongside.

What does not change:
- the decisions: the child runs the same `StoryIndex` on the same articles in the same order;
- the crash order: `save` waits until the child has grouped every article sent and committed
  stories.sqlite, and the indexer calls it before the index commit, as before;
- kill -9: the child asks the kernel to kill it when the run dies (`die_with_parent`, as the
  Whoosh writer processes do) and holds no lock file (forked children close their copies, see
  search/backends/whoosh/locking.py); its uncommitted SQLite transaction is rolled back, which
  is what a killed in-process grouping left too. A child that ends on its own when the pipe
  closes (its parent gone) saves nothing.

What a backend gives up: the story id is not known when an article is written (`story_of` says
None), so a backend that keeps story ids in its documents (`Capabilities.story_field`, OpenSearch)
uses the in-process `StoryIndex` instead (newsearch/indexing.py chooses).
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import traceback
from pathlib import Path

from index.article import Article
from index.story_store import STORE_NAME, StoryStore

SEND_EVERY = 64          # articles per message: one pickling and pipe write for many articles
PIPE_BYTES = 1 << 20     # Linux's default limit for an unprivileged pipe buffer


class StoryGroupingError(RuntimeError):
    """The grouping process failed or died; the run must not commit without its stories."""


def _item(article: Article, article_id: str, content_hash: str) -> tuple:
    """What `StoryIndex.add` reads of an article (make_entry, entity_keys), and no more."""
    return (article_id, content_hash, article.title, article.body, article.date, article.entities)


def _widen(conn) -> None:
    """A 1 MiB pipe buffer (Linux; the default is 64 KiB): the run writes ahead of the child by
    ~1,000 articles before it waits for it."""
    try:
        import fcntl

        fcntl.fcntl(conn.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_BYTES)
    except (OSError, ImportError, ValueError):
        pass


def _serve(inbox, outbox, folder: str, parent: int) -> None:
    """The child: a `StoryIndex` driven by messages (add, save, close) from the run."""
    from index.processes import die_with_parent

    die_with_parent(parent)
    from index.stories import StoryIndex

    try:
        index = StoryIndex(Path(folder))
    except BaseException:  # noqa: BLE001 - reported to the run, which raises it
        outbox.send(("error", traceback.format_exc()))
        os._exit(1)
    outbox.send(("ready",))
    # The grouping makes no reference cycles worth collecting as it goes, and the collector's
    # passes over the growing LSH table cost ~12% of its time: off, with one pass per save.
    gc.disable()
    failure = None
    while True:
        try:
            message = inbox.recv()
        except (EOFError, OSError):  # the run is gone without closing: keep nothing uncommitted
            os._exit(1)
        kind = message[0]
        try:
            if kind == "add" and failure is None:
                for article_id, content_hash, title, body, date, entities in message[1]:
                    index.add(Article(title=title, body=body, date=date, entities=entities), article_id,
                              content_hash)
            elif kind == "save":
                if failure is None:
                    index.save()
                    outbox.send(("saved", index.take_changes()))
                    gc.collect()
                else:
                    outbox.send(("error", failure))
            elif kind == "close":
                index.close()  # unsaved work is dropped, as StoryIndex.close does
                outbox.send(("closed",))
                os._exit(0)
        except BaseException:  # noqa: BLE001 - kept and reported at the next save
            failure = traceback.format_exc()


class StoryProcess:
    """`StoryIndex`'s interface for the indexer, with the grouping done by a child process."""

    def __init__(self, folder: Path) -> None:
        # Opened here first, so that an unreadable or unwritable stories.sqlite fails the run with
        # the same error as the in-process grouping (the CLI reports it with its path).
        StoryStore(Path(folder) / STORE_NAME).close()
        context = multiprocessing.get_context("fork")  # as Whoosh's writer processes
        # Two one-way pipes (a duplex Pipe is a socket pair, whose buffer cannot be widened).
        child_inbox, self._conn = context.Pipe(duplex=False)
        self._answers, child_outbox = context.Pipe(duplex=False)
        _widen(self._conn)
        self._process = context.Process(target=_serve, args=(child_inbox, child_outbox, str(folder), os.getpid()),
                                        name="newsearch-stories", daemon=True)
        self._process.start()
        child_inbox.close()
        child_outbox.close()
        self._batch: list[tuple] = []
        self._changes: dict[str, str] = {}
        self._closed = False
        self._reply("ready")

    def _reply(self, expected: str) -> tuple:
        try:
            message = self._answers.recv()
        except (EOFError, OSError) as exc:
            raise StoryGroupingError(f"the story grouping process ended (exit code {self._process.exitcode})") from exc
        if message[0] == "error":
            raise StoryGroupingError(f"the story grouping failed:\n{message[1]}")
        if message[0] != expected:
            raise StoryGroupingError(f"the story grouping process answered {message[0]!r}, not {expected!r}")
        return message

    def _send(self, message: tuple) -> None:
        try:
            self._conn.send(message)
        except (BrokenPipeError, OSError) as exc:
            raise StoryGroupingError(f"the story grouping process ended (exit code {self._process.exitcode})") from exc

    def _flush(self) -> None:
        if self._batch:
            batch, self._batch = self._batch, []
            self._send(("add", batch))

    def add(self, article: Article, article_id: str, content_hash: str) -> None:
        """Queue one written article for grouping (grouped in order, before the next `save`)."""
        self._batch.append(_item(article, article_id, content_hash))
        if len(self._batch) >= SEND_EVERY:
            self._flush()

    def story_of(self, article_id: str) -> str | None:
        """Not known yet (the child groups it later): backends using this class keep no story ids
        in their documents."""
        return None

    def save(self) -> None:
        """Wait until every article sent is grouped and stories.sqlite is committed."""
        self._flush()
        self._send(("save",))
        changes = self._reply("saved")[1]
        self._changes.update(changes)

    def take_changes(self) -> dict[str, str]:
        """Article id -> story id set or changed up to the last `save`."""
        changes, self._changes = self._changes, {}
        return changes

    def close(self) -> None:
        """End the child; what was not saved is dropped (the run failed or was interrupted)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._send(("close",))
            self._reply("closed")
        except StoryGroupingError:
            pass
        finally:
            from index.processes import end_process

            end_process(self._process, 30)
            self._conn.close()
            self._answers.close()
