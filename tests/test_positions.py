"""Positions read block by block and cached (`search.backends.whoosh.positions`) are exactly the
positions Whoosh's own matchers give, over several segments and with deleted articles."""
from __future__ import annotations

import json
import pickle
import random

import numpy as np
import pytest

from newsearch.indexing import index_paths
from search.backends.whoosh import internals, positions
from search.backends.whoosh.search import WhooshSearch
from search.backends.whoosh.analysis import index_form
from search.backends.whoosh.internals import POSITION_BITS, _gap_lists, read_positions
from search.backends.whoosh.scoring import PostingsCache, leaves_of

WORDS = "oil price bank rate trade wheat gold dollar yen talks coffee sugar crude output".split()


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> WhooshSearch:
    """Two index runs: two segments, the second replacing a third of the first's articles (so
    the first segment's blocks hold deleted articles' postings)."""
    folder = tmp_path_factory.mktemp("positions-corpus")
    index_dir = tmp_path_factory.mktemp("positions-index")
    rng = random.Random(5)
    for run, numbers in enumerate((range(500), range(0, 500, 3))):
        path = folder / f"run{run}.jsonl"
        path.write_text("\n".join(json.dumps({
            "url": f"http://p/{n}", "title": " ".join(rng.choices(WORDS, k=8)),
            "body": " ".join(rng.choices(WORDS, k=rng.randint(1, 150)))}) for n in numbers) + "\n")
        index_paths([path], index_dir, entities=False, show_progress=False)
    return WhooshSearch(index_dir)


def reference(searcher, fieldname: str, btext: bytes, docs: np.ndarray) -> np.ndarray:
    """Keys from Whoosh's matcher, posting by posting (`value_as("positions")`)."""
    parts = []
    for leaf, offset in leaves_of(searcher.reader()):
        lo, hi = np.searchsorted(docs, [offset, offset + leaf.doc_count_all()])
        if lo < hi and (fieldname, btext) in leaf:
            parts.append(read_positions(leaf.postings(fieldname, btext), docs[lo:hi] - offset) + (offset << POSITION_BITS))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def test_the_index_has_segments_and_deletions(engine: WhooshSearch) -> None:
    leaves = leaves_of(engine._searcher().reader())
    assert len(leaves) >= 2 and any(leaf.has_deletions() for leaf, _ in leaves)


@pytest.mark.parametrize("fieldname", ["body", "title"])
def test_block_positions_equal_whoosh_positions(engine: WhooshSearch, fieldname: str) -> None:
    searcher = engine._searcher()
    cache = PostingsCache(searcher)
    rng = random.Random(1)
    for word in WORDS:
        btext = index_form(word).encode()
        docs = cache.term(fieldname, btext)[0]
        for size in (1, 7, 100, len(docs)):
            wanted = np.sort(rng.sample(list(cache.live), min(size, len(cache.live))))  # some lack the word
            got = cache.positions_in(fieldname, btext, wanted)
            assert got.tolist() == reference(searcher, fieldname, btext, wanted[np.isin(wanted, docs)]).tolist()
        assert len(docs) > 128, "the test needs words with several postings blocks"


def test_blocks_are_decoded_once_and_reused(engine: WhooshSearch, monkeypatch) -> None:
    """Word pairs decode the blocks of the articles with both words; proximity's top articles
    are among them and decode nothing more."""
    searcher = engine._searcher()
    cache = PostingsCache(searcher)
    decoded = []
    original = internals.read_block_positions

    def counting(matcher, offset):
        decoded.append(offset)
        return original(matcher, offset)
    monkeypatch.setattr(positions, "read_block_positions", counting)
    cache.adjacent("body", b"oil", b"price")
    first = len(decoded)
    assert first > 2
    both = np.intersect1d(cache.term("body", b"oil")[0], cache.term("body", b"price")[0])
    cache.positions_in("body", b"oil", both[::5])
    cache.positions_in("body", b"price", both[:100])
    assert len(decoded) == first


def test_gap_lists_read_values_with_and_without_the_stop() -> None:
    lists = [[3], [1, 2, 300, 70000], [5] * 1500, []]
    values = [(len(g)).to_bytes(4, "big") + pickle.dumps(g, 2) for g in lists]
    assert _gap_lists(values) == lists
    assert _gap_lists([v[:-1] for v in values]) == lists  # Whoosh's older values end without "."
