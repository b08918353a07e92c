"""Export streams with constant memory: writing 3,000 matching articles holds no more in
memory than writing 300 (the backend is read page by page; nothing collects the rows).

Measured with tracemalloc on the Whoosh backend over a generated corpus of 3,000 articles (the
figures for 10,000 Reuters articles are in bench/RESULTS.md, from bench/load.py).
"""
from __future__ import annotations

import tracemalloc

import pytest

from tests.corpus import record, write_jsonl

ARTICLES = 3_000


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    from newsearch.indexing import index_paths
    from search import Engine

    folder = tmp_path_factory.mktemp("big")
    write_jsonl(folder / "many.jsonl", [
        record(f"n{i}", f"Market note {i}", f"Shares and bonds moved on day {i}; traders watched the market.",
               date=f"20{10 + i % 10}-{1 + i % 12:02d}-{1 + i % 28:02d}", source=f"Source {i % 7}")
        for i in range(ARTICLES)])
    index_paths([folder], folder / "index", entities=False, show_progress=False)
    return Engine(folder / "index")


def _peak_bytes(engine, limit: int) -> tuple[int, int]:
    engine.search("market", page_size=100)  # tables and postings built before measuring
    tracemalloc.start()
    try:
        lines = 0
        for _ in engine.export("market", "csv", limit=limit, text=True):
            lines += 1
        return lines, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_export_streams_in_constant_memory(big):
    small_lines, small_peak = _peak_bytes(big, 300)
    all_lines, all_peak = _peak_bytes(big, ARTICLES)
    assert small_lines == 1 + 300 + 1 and all_lines == 1 + ARTICLES
    # Ten times the rows, not ten times the memory (the rows are ~400 kB of CSV).
    print(f"peak {small_peak:,} B for 300 rows, {all_peak:,} B for {ARTICLES:,}")
    assert all_peak < 1.5 * small_peak + 256 * 1024, (small_peak, all_peak)
