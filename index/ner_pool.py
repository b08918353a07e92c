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
- Languages (index/entities/languages.py): each text goes to the model of its article's language
  (the job names the model). The models loaded when the workers are forked go with the fork;
  a model first needed later (a French article after English ones) is loaded by each worker
  once, on its first text, after the run's process checked that it loads. An article no model
  reads is never sent.
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
from index.entities.languages import ENGLISH, MODELS, model_language
from index.entities.recognizer import (MODEL_ORDER, Recogniser, cache_name, installed_model, load_model,
                                       load_recogniser, text_key)
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


Order = tuple[str, ...]  # a model's packages, in the order tried: which model a job is for
Key = tuple[Order, str]  # (model, text): what the pool recognises


def _serve(recognisers: dict[Order, Recogniser], inbox: Connection, outbox: Connection, parent: int) -> None:
    """A worker: (job id, model, texts) in, (job id, spans per text, NER seconds) out, until told
    to stop. A model the run loaded after the fork is loaded here, once, on its first job."""
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
            job_id, order, texts = job
            recogniser = recognisers.get(order)
            if recogniser is None:
                recogniser = load_model(order)
                if recogniser is None:
                    raise RuntimeError(f"the NER model {', '.join(order)} loaded in the run but not in this worker")
                recognisers[order] = recogniser
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
    def __init__(self, context: ForkContext, recognisers: dict[Order, Recogniser]) -> None:
        child_inbox, self.jobs = context.Pipe(duplex=False)
        self.answers, child_outbox = context.Pipe(duplex=False)
        _widen(self.jobs)
        _widen(self.answers)
        self.process = context.Process(target=_serve, args=(recognisers, child_inbox, child_outbox, os.getpid()),
                                       name="newsearch-ner", daemon=True)
        self.process.start()
        child_inbox.close()
        child_outbox.close()
        self.in_flight: set[int] = set()

    def died(self) -> ProcessDiedError:
        self.process.join(timeout=0.5)
        return ProcessDiedError(f"an entity recognition worker (pid {self.process.pid}) "
                                f"{how_it_ended(self.process.exitcode)} in the middle of the run")


class PoolModel:
    """One model as the pool runs it in its workers: what `EntityExtractor` asks for spans
    (a recogniser's interface: `name`, `seconds`, `spans`)."""

    def __init__(self, pool: NerPool, order: Order, name: str) -> None:
        self.pool, self.order, self.name = pool, order, name
        self.seconds = 0.0  # NER seconds of this model, summed over the workers
        self.degraded = False

    def spans(self, texts: Sequence[str]) -> list[Spans]:
        return self.pool.spans(texts, self.order)


class NerPool:
    """The recognisers for an index run, in `workers` processes (see the module doc).

    Used in three places: `EntityExtractor(loader=pool.load)`, `prefetch` with each batch as it
    is read, `release` once the batch is written. With one worker, or the rule-based fallback,
    the recogniser runs in the run's process as before.
    """

    def __init__(self, workers: int, cache_path: Path | None = None,
                 model_order: Sequence[str] = MODEL_ORDER) -> None:
        self.workers = max(1, int(workers))
        self._order = tuple(model_order)        # the English model's packages
        self._cache = NerCache(Path(cache_path)) if cache_path is not None and self.workers > 1 else None
        self._loaded: dict[Order, Recogniser | None] = {}  # loaded here (None: did not load)
        self._models: dict[Order, PoolModel] = {}          # run by the workers
        self._workers: list[_Worker] = []
        self._started = 0
        self._todo: deque[Key] = deque()        # texts wanted and not yet sent
        self._sent: set[Key] = set()            # texts sent and not yet answered
        self._results: dict[Key, Spans] = {}    # answered texts still wanted
        self._wanted: Counter[Key] = Counter()  # how many prefetched batches (or calls) want a text
        self._jobs: dict[int, tuple[Order, list[str]]] = {}
        self._next_job = 0
        self.seconds = 0.0                      # NER seconds summed over the workers and models
        self.texts = 0

    # ---- the recognisers' interface, for EntityExtractor -----------------------------------

    def load(self, order: Sequence[str] = MODEL_ORDER, fallback: bool = True) -> Recogniser | PoolModel | None:
        """The extractor's loader: a model, loaded here once (and forked into the workers when
        they start); with `fallback`, English's rule-based recogniser when no model loads
        (it runs here), else None when the model does not load."""
        order = tuple(order)
        if order not in self._loaded:
            if fallback:
                self._order = order
            recogniser = load_recogniser(order) if fallback else load_model(order)
            self._loaded[order] = recogniser
            if recogniser is not None and not recogniser.degraded and self.workers > 1:
                self._models[order] = PoolModel(self, order, recogniser.name)
                if not self._workers and not self._started:
                    self._start()
        return self._models.get(order) or self._loaded[order]

    @property
    def processes(self) -> int:
        """How many worker processes run the recognisers (0: none started, or they run in the run's)."""
        return len(self._workers) or self._started

    def spans(self, texts: Sequence[str], order: Sequence[str] | None = None) -> list[Spans]:
        """Spans for each text by the model `order` (English's by default), in order:
        prefetched ones as the workers answer, others sent now."""
        model = tuple(order) if order is not None else self._order
        keys = [(model, text) for text in texts]
        extra = [key for key in dict.fromkeys(keys) if key not in self._wanted]
        for key in extra:
            self._wanted[key] += 1
            self._todo.appendleft(key)  # the run waits for these: first in line
        try:
            while any(key not in self._results for key in keys):
                self._dispatch()
                if not any(worker.in_flight for worker in self._workers):
                    raise RuntimeError("entity recognition pool: a text was neither sent nor answered")
                self._receive(block=True)
            self.texts += len(texts)
            return [self._results[key] for key in keys]
        finally:
            self.release(extra)

    # ---- the run's side --------------------------------------------------------------------

    def prefetch(self, articles: Sequence[Article]) -> list[Key]:
        """Start recognising the texts of `articles` the cache lacks, each with the model of its
        language; returns the ticket to `release` once they are written. Nothing to do with one
        worker, nor for articles no model reads."""
        if self.workers <= 1:
            return []
        by_language: dict[str, dict[str, str]] = {}
        for article in articles:
            language = model_language(article.language)
            text = ner_text(article) if language is not None else ""
            if text:
                by_language.setdefault(language or "", {})[text_key(text)] = text
        ticket: list[Key] = []
        for language, texts in sorted(by_language.items()):
            order = self._order if language == ENGLISH else MODELS[language]
            if self._cache is not None:
                known = self._cache.known(texts, cache_name(self._name(order)))
                texts = {key: text for key, text in texts.items() if key not in known}
            if not texts or not isinstance(self.load(order, fallback=language == ENGLISH), PoolModel):
                continue  # all cached, or the model runs in the run's process (or not at all)
            for text in texts.values():
                key = (order, text)
                if not self._wanted[key] and key not in self._sent:
                    self._todo.append(key)
                self._wanted[key] += 1
                ticket.append(key)
        if ticket:
            self._dispatch()
            self._receive(block=False)
        return ticket

    def release(self, ticket: Sequence[Key]) -> None:
        """The batch behind `ticket` is written: its answers need not be kept any longer."""
        for key in ticket:
            self._wanted[key] -= 1
            if self._wanted[key] <= 0:
                del self._wanted[key]
                self._results.pop(key, None)

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

    def _name(self, order: Order) -> str:
        loaded = self._loaded.get(order)
        return loaded.name if loaded is not None else (installed_model(order) or "")

    def _start(self) -> None:
        context = multiprocessing.get_context("fork")  # the loaded models go with the fork
        # Objects alive now (the models above all) are left out of the workers' garbage
        # collections, which would otherwise touch, and so copy, every page holding them.
        gc.freeze()
        try:
            models = {order: loaded for order, loaded in self._loaded.items()
                      if loaded is not None and not loaded.degraded}
            self._workers = [_Worker(context, models) for _ in range(self.workers)]
        finally:
            gc.unfreeze()
        self._started = len(self._workers)
        log.info("entity recognition in %d worker processes", self.workers)

    def _dispatch(self) -> None:
        """Send waiting texts, a chunk of one model's at a time, to the least busy workers with room."""
        while self._todo:
            worker = min(self._workers, key=lambda w: len(w.in_flight))
            if len(worker.in_flight) >= IN_FLIGHT:
                return
            order = self._todo[0][0]
            chunk: list[str] = []
            size = 0
            while (self._todo and self._todo[0][0] == order and len(chunk) < CHUNK_TEXTS
                   and (not chunk or size + len(self._todo[0][1]) <= CHUNK_CHARS)):
                key = self._todo.popleft()
                if (key in self._wanted and key not in self._sent and key not in self._results
                        and key[1] not in chunk):
                    chunk.append(key[1])
                    size += len(key[1])
            if not chunk:
                continue
            job = self._next_job
            self._next_job += 1
            try:
                worker.jobs.send((job, order, chunk))
            except OSError:
                raise worker.died() from None
            self._jobs[job] = (order, chunk)
            self._sent.update((order, text) for text in chunk)
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
                order, texts = self._jobs.pop(job)
                self.seconds += seconds
                self._models[order].seconds += seconds
                for text, found in zip(texts, spans):
                    key = (order, text)
                    self._sent.discard(key)
                    if key in self._wanted:
                        self._results[key] = found
            return
