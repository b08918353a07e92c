"""Many threads searching one index get exactly the answers one thread gets.

The generation's postings cache is shared by every thread. It used to fill itself through the
Whoosh reader of the thread that built it; a Whoosh reader reads its files by seek-then-read, so
another thread reading through it at the same moment read the wrong bytes: rare 500s on Reuters
under 16-32 clients ("Block tag error", truncated zlib streams) and, worse, possibly wrong
postings without an error. The first test shows the cross-thread read itself, every time; the
second runs many threads with a cache too small to hold anything (every request reads the disk)
and compares every answer with a single-threaded run: ids, order and scores.
"""
from __future__ import annotations

import random
import sys
import threading
from collections import defaultdict

import pytest
from whoosh.reading import SegmentReader

from search.backends.whoosh import scoring
from search.request import SearchRequest
from tests.conftest import whoosh_engine_over

VOCABULARY = ("oil price bank rate trade export wheat gold dollar yen summit talks minister government "
              "company shares profit loss tax budget deficit growth coffee sugar japan crude output").split()
QUERIES = ["oil", "oil price", '"bank rate"', "trade deficit japan", "gold OR dollar", "coffee -sugar",
           "crude output", "minister talks", "profit loss", "tax budget", "wheat export", "yen",
           "shares company", '"summit talks"', "growth", "government deficit", "sugar coffee price",
           "dollar yen rate", "export", "bank"]


def _articles(count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    return [{"url": f"http://c/{n}", "title": " ".join(rng.choices(VOCABULARY, k=rng.randint(2, 6))),
             "body": " ".join(rng.choices(VOCABULARY, k=rng.randint(10, 120)))} for n in range(count)]


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """~600 articles: every word has several postings blocks (128 postings each)."""
    return whoosh_engine_over(_articles(600, 11), tmp_path_factory, "concurrent")


def _answer(engine, text: str) -> tuple:
    """Total, ids and scores in order, and the snippets (None when the request ran out of time
    for them: a slow, many-threaded run may, by design)."""
    results = engine.run(SearchRequest.build(text, page_size=10))
    snippets = None if results.partial else [hit.snippet for hit in results.hits]
    return results.total, [(hit.id, hit.score) for hit in results.hits], snippets


def _same(got: tuple, expected: tuple) -> bool:
    return got[:2] == expected[:2] and (got[2] is None or got[2] == expected[2])


def _in_threads(work, count: int) -> list[BaseException]:
    errors: list[BaseException] = []

    def run(number: int) -> None:
        try:
            work(number)
        except BaseException as error:  # noqa: BLE001 (reported by the test)
            errors.append(error)
    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def test_each_whoosh_reader_is_read_by_one_thread_only(engine, monkeypatch) -> None:
    """The cache built in this thread must not read postings through this thread's reader when
    other threads search: every segment reader's postings are read by the thread that owns it."""
    engine.search("oil")  # the generation's cache is built here, with this thread's reader
    readers: dict[int, set[int]] = defaultdict(set)
    original = SegmentReader.postings

    def recording(self, *args, **kwargs):
        readers[id(self)].add(threading.get_ident())
        return original(self, *args, **kwargs)
    monkeypatch.setattr(SegmentReader, "postings", recording)
    words = [w for w in VOCABULARY if w != "oil"]

    def work(number: int) -> None:
        for word in words[number::4]:  # words this thread is the first to look up
            engine.search(f"{word} oil")
    assert not _in_threads(work, 4)
    assert readers, "no postings were read"
    shared = {reader: threads for reader, threads in readers.items() if len(threads) > 1}
    assert not shared, f"{len(shared)} Whoosh reader(s) read by several threads"


def test_many_threads_get_the_single_thread_answers(engine, monkeypatch) -> None:
    monkeypatch.setattr(scoring, "CACHE_POSTINGS", 1)  # nothing stays cached: every read hits the files
    expected = {text: _answer(engine, text) for text in QUERIES}
    assert all(total for total, _, _ in expected.values())
    wrong: list[str] = []
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch between almost every bytecode: races show at once
    try:
        def work(number: int) -> None:
            order = QUERIES[:]
            random.Random(number).shuffle(order)
            for text in order * 2:
                if not _same(_answer(engine, text), expected[text]):
                    wrong.append(text)
        errors = _in_threads(work, 8)
    finally:
        sys.setswitchinterval(switch)
    assert not errors, f"{len(errors)} thread(s) failed, first: {errors[0]!r}"
    assert not wrong, f"{len(wrong)} answers differ from the single-threaded ones: {sorted(set(wrong))}"


def test_document_frequencies_from_many_threads(engine) -> None:
    """Top words ask for document frequencies from the server's threads: the same counts as one
    thread, and no read through another thread's reader."""
    engine.search("oil")  # the cache is built in this thread
    words = [w for w in VOCABULARY if w != "oil"]
    expected = engine.document_frequencies(words)
    engine.backend._generations.clear()  # built again below, in this thread, with nothing cached
    engine.search("oil")
    results: list = []
    assert not _in_threads(lambda number: results.append(engine.document_frequencies(words)), 6)
    assert results == [expected] * 6
