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


def test_export_stops_at_the_backend_s_result_window(big, monkeypatch):
    """A backend that pages only through its first N results (`Capabilities.max_results`, e.g.
    OpenSearch's window) ends the export there, and the last line says the list was cut."""
    from search.backend import Capabilities

    monkeypatch.setattr(big.backend, "capabilities", Capabilities(max_results=250))
    lines = list(big.export("market", "csv", limit=1_000))
    assert len(lines) == 1 + 250 + 1 and lines[-1].startswith("\"# export cut at 250 of 3,000")
    monkeypatch.undo()
    assert len(list(big.export("market", "csv", limit=1_000))) == 1 + 1_000 + 1
