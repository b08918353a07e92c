"""Entity recognition in worker processes, over every core, for an index run (`--workers N`).

Why: NER is nearly all of an index run with entities (89% on plain-text news), and it ran in
the run's one process: a machine with 16 cores indexed as fast as one with one.

How, and what does not change:
- The model is loaded once, in the run's process, at the first text the NER cache lacks (a
  fully cached re-index still never imports spaCy); then N workers are forked with the loaded
  pipeline already in memory (copy-on-write: no second load).
- The run hands each batch to the pool as soon as it is read (`prefetch`), before writing the
  batches ahead of it: the workers recognise batches k+1 and k+2 while the run resolves and
  writes batch k. Texts the cache already holds are not sent.
- The extractor asks the pool for spans as it asked the recogniser
  (`EntityExtractor(loader=pool.load)`): it still looks the cache up first and stores what is
  new in it, and articles are resolved, counted into the entity corpus and written in input
  order in the run's process. Spans depend only on the text, so entities (and the corpus
  statistics built from them) are the same with 1 or N workers; only where the model runs moves.
- A worker keeps the memory one chunk frees for the next (`_keep_freed_memory`): with glibc's
  defaults each chunk's arrays were fresh pages, ~9% of a worker's CPU in page faults.
- kill -9 of the run: the workers die with it (`die_with_parent`, as the Whoosh writer and story
  processes) and hold no lock (forked children close their copies). A worker that dies or fails
  stops the run (`ProcessDiedError`): nothing after the last commit is kept, the re-run does it.
"""
from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import traceback
from collections import Counter, deque
from collections.abc import Sequence
from multiprocessing.connection import Connection, wait
from multiprocessing.context import ForkContext
from pathlib import Path

from index.article import Article
from index.entities.cache import NerCache, Spans
from index.entities.extractor import ner_text
from index.entities.recognizer import MODEL_ORDER, Recogniser, cache_name, installed_model, load_recogniser, text_key
from index.processes import ProcessDiedError, die_with_parent, end_process, how_it_ended

log = logging.getLogger("newsearch.index")

CHUNK_TEXTS = 32          # texts per message to a worker (spaCy batches them again, by 64)
CHUNK_CHARS = 128_000     # ... or fewer, when they are long: keeps each message well inside a pipe
IN_FLIGHT = 3             # chunks sent to a worker and not yet answered: it never waits for the run
WAIT_SECONDS = 1.0        # how often a wait for answers checks that the workers live
PIPE_BYTES = 1 << 20      # Linux's default limit for an unprivileged pipe buffer
# glibc's malloc in a worker: blocks under MMAP_THRESHOLD come from the heap (32 MiB, the most
# glibc accepts), and freed memory goes back to the system only past TRIM_THRESHOLD at its top.
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 256 << 20


def default_workers() -> int:
    """Every core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _widen(conn: Connection) -> None:
    """A 1 MiB pipe buffer (Linux; the default is 64 KiB): a message up to IN_FLIGHT chunks and
    their answers fit without either side waiting for the other to read."""
    try:
        import fcntl

        fcntl.fcntl(conn.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_BYTES)
    except (OSError, ImportError, ValueError):
        pass


def _keep_freed_memory() -> bool:
    """Keep the memory one chunk's NER frees for the next (glibc; elsewhere nothing is done).

    Why: with glibc's default, a pipeline call over one chunk maps fresh pages for its arrays and
    hands them back when it ends: a worker took ~350 page faults per text (2.8 s of system time
    per 2,000 Reuters texts, ~9% of its CPU), against ~120 in the one-process run, whose calls
    cover a whole batch. With these two settings a worker faults only while its heap grows to
    its peak (measured: none after the first chunks, the same peak memory).
    """
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    return bool(mallopt(-3, MMAP_THRESHOLD)) and bool(mallopt(-1, TRIM_THRESHOLD))  # M_MMAP_, M_TRIM_


def _serve(recogniser: Recogniser, inbox: Connection, outbox: Connection, parent: int) -> None:
    """A worker: (job id, texts) in, (job id, spans per text, NER seconds) out, until told to stop."""
    die_with_parent(parent)
    _keep_freed_memory()
    try:
        while True:
            try:
                job = inbox.recv()
            except (EOFError, OSError):  # the run is gone
                break
            if job is None:
                break
            job_id, texts = job
            before = recogniser.seconds
            spans = recogniser.spans(texts)
            outbox.send((job_id, spans, recogniser.seconds - before))
    except BaseException:  # noqa: BLE001 - reported to the run, which stops
        try:
            outbox.send(("error", traceback.format_exc()))
        except (OSError, ValueError):
            pass
        os._exit(1)
    os._exit(0)  # no finalizers: the SQLite connections inherited from the run are the run's


class _Worker:
    def __init__(self, context: ForkContext, recogniser: Recogniser) -> None:
        child_inbox, self.jobs = context.Pipe(duplex=False)
        self.answers, child_outbox = context.Pipe(duplex=False)
        _widen(self.jobs)
        _widen(self.answers)
        self.process = context.Process(target=_serve, args=(recogniser, child_inbox, child_outbox, os.getpid()),
                                       name="newsearch-ner", daemon=True)
        self.process.start()
        child_inbox.close()
        child_outbox.close()
        self.in_flight: set[int] = set()

    def died(self) -> ProcessDiedError:
        self.process.join(timeout=0.5)
        return ProcessDiedError(f"an entity recognition worker (pid {self.process.pid}) "
                                f"{how_it_ended(self.process.exitcode)} in the middle of the run")


class NerPool:
    """The recogniser for an index run, in `workers` processes (see the module doc).

    Used in three places: `EntityExtractor(loader=pool.load)`, `prefetch` with each batch as it
    is read, `release` once the batch is written. With one worker, or the rule-based fallback,
    the recogniser runs in the run's process as before.
    """

    def __init__(self, workers: int, cache_path: Path | None = None,
                 model_order: Sequence[str] = MODEL_ORDER) -> None:
        self.workers = max(1, int(workers))
        self._order = tuple(model_order)
        self._cache = NerCache(Path(cache_path)) if cache_path is not None and self.workers > 1 else None
        self._recogniser: Recogniser | None = None
        self._workers: list[_Worker] = []
        self._started = 0
        self._todo: deque[str] = deque()        # texts wanted and not yet sent
        self._sent: set[str] = set()            # texts sent and not yet answered
        self._results: dict[str, Spans] = {}    # answered texts still wanted
        self._wanted: Counter[str] = Counter()  # how many prefetched batches (or calls) want a text
        self._jobs: dict[int, list[str]] = {}
        self._next_job = 0
        self.seconds = 0.0                      # NER seconds summed over the workers
        self.texts = 0

    # ---- the recogniser's interface, for EntityExtractor -----------------------------------

    def load(self, order: Sequence[str] = MODEL_ORDER) -> Recogniser | NerPool:
        """The extractor's loader: the model, loaded here once and forked into the workers."""
        if self._recogniser is None:
            self._order = tuple(order)
            self._recogniser = recogniser = load_recogniser(self._order)
            if self.workers > 1 and not recogniser.degraded:
                self._start(recogniser)
        return self if self._workers else self._recogniser

    @property
    def name(self) -> str:
        return self._recogniser.name if self._recogniser is not None else (installed_model(self._order) or "")

    @property
    def degraded(self) -> bool:
        return self._recogniser is not None and self._recogniser.degraded

    def spans(self, texts: Sequence[str]) -> list[Spans]:
        """Spans for each text, in order: prefetched ones as the workers answer, others sent now."""
        extra = [text for text in dict.fromkeys(texts) if text not in self._wanted]
        for text in extra:
            self._wanted[text] += 1
            self._todo.appendleft(text)  # the run waits for these: first in line
        try:
            while any(text not in self._results for text in texts):
                self._dispatch()
                if not any(worker.in_flight for worker in self._workers):
                    raise RuntimeError("entity recognition pool: a text was neither sent nor answered")
                self._receive(block=True)
            self.texts += len(texts)
            return [self._results[text] for text in texts]
        finally:
            self.release(extra)

    @property
    def processes(self) -> int:
        """How many worker processes run the recogniser (0: none started, or it runs in the run's)."""
        return len(self._workers) or self._started

    # ---- the run's side --------------------------------------------------------------------

    def prefetch(self, articles: Sequence[Article]) -> list[str]:
        """Start recognising the texts of `articles` the cache lacks; returns the ticket to
        `release` once they are written. Nothing to do with one worker."""
        if self.workers <= 1 or (self._recogniser is not None and not self._workers):
            return []
        texts = {text_key(text): text for text in map(ner_text, articles) if text}
        if self._cache is not None and texts:
            known = self._cache.known(texts, cache_name(self.name))
            texts = {key: text for key, text in texts.items() if key not in known}
        if not texts:
            return []
        if self.load(self._order) is not self:
            return []
        ticket = list(texts.values())
        for text in ticket:
            if not self._wanted[text] and text not in self._sent:
                self._todo.append(text)
            self._wanted[text] += 1
        self._dispatch()
        self._receive(block=False)
        return ticket

    def release(self, ticket: Sequence[str]) -> None:
        """The batch behind `ticket` is written: its answers need not be kept any longer."""
        for text in ticket:
            self._wanted[text] -= 1
            if self._wanted[text] <= 0:
                del self._wanted[text]
                self._results.pop(text, None)

    def close(self) -> None:
        """Stop the workers (at once if the run failed: their work is not wanted any more)."""
        for worker in self._workers:
            if worker.in_flight:  # the run stopped early: that work is not wanted
                worker.process.kill()
                continue
            try:
                worker.jobs.send(None)
            except OSError:
                pass
        for worker in self._workers:
            end_process(worker.process, 5)
            worker.jobs.close()
            worker.answers.close()
        self._started = len(self._workers) or self._started
        self._workers = []
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    # ---- inside ---------------------------------------------------------------------------

    def _start(self, recogniser: Recogniser) -> None:
        context = multiprocessing.get_context("fork")  # the loaded model goes with the fork
        # Objects alive now (the model above all) are left out of the workers' garbage
        # collections, which would otherwise touch, and so copy, every page holding them.
        gc.freeze()
        try:
            self._workers = [_Worker(context, recogniser) for _ in range(self.workers)]
        finally:
            gc.unfreeze()
        log.info("entity recognition in %d worker processes", self.workers)

    def _dispatch(self) -> None:
        """Send waiting texts, a chunk at a time, to the least busy workers with room."""
        while self._todo:
            worker = min(self._workers, key=lambda w: len(w.in_flight))
            if len(worker.in_flight) >= IN_FLIGHT:
                return
            chunk: list[str] = []
            size = 0
            while self._todo and len(chunk) < CHUNK_TEXTS and (not chunk or size + len(self._todo[0]) <= CHUNK_CHARS):
                text = self._todo.popleft()
                if (text in self._wanted and text not in self._sent and text not in self._results
                        and text not in chunk):
                    chunk.append(text)
                    size += len(text)
            if not chunk:
                continue
            job = self._next_job
            self._next_job += 1
            try:
                worker.jobs.send((job, chunk))
            except OSError:
                raise worker.died() from None
            self._jobs[job] = chunk
            self._sent.update(chunk)
            worker.in_flight.add(job)

    def _receive(self, block: bool) -> None:
        """Take the workers' answers that are in (with `block`, wait for at least one)."""
        busy = {worker.answers: worker for worker in self._workers if worker.in_flight}
        while busy:
            ready = wait(list(busy), timeout=WAIT_SECONDS if block else 0)
            if not ready:
                if not block:
                    return
                for worker in busy.values():
                    if not worker.process.is_alive():
                        raise worker.died()
                continue
            for worker in [worker for conn, worker in busy.items() if conn in ready]:
                try:
                    message = worker.answers.recv()
                except (EOFError, OSError):
                    raise worker.died() from None
                if message[0] == "error":
                    raise ProcessDiedError(f"an entity recognition worker (pid {worker.process.pid}) failed:\n"
                                           f"{message[1]}")
                job, spans, seconds = message
                worker.in_flight.discard(job)
                self.seconds += seconds
                for text, found in zip(self._jobs.pop(job), spans):
                    self._sent.discard(text)
                    if text in self._wanted:
                        self._results[text] = found
            return
