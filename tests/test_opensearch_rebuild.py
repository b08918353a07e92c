"""A re-index with no downtime: `newsearch index ... --backend opensearch --rebuild` builds a
new index behind the scenes and moves the alias to it in one atomic call when the run is done."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from newsearch.indexing import index_paths
from search import BadParameterError
from tests.conftest import IndexMaker
from tests.corpus import record, write_jsonl

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def maker(opensearch, tmp_path):
    maker = IndexMaker("opensearch", tmp_path, opensearch)
    yield maker
    maker.cleanup()


def versions(maker: IndexMaker, name: str) -> list[str]:
    from opensearchpy import OpenSearch

    client = OpenSearch(maker.url)
    try:
        alias = maker.location(name)["index"]
        return sorted(client.indices.get(index=f"{alias}-v*", params={"allow_no_indices": "true"}))
    finally:
        client.close()


def test_rebuild_swaps_the_alias_when_done_and_searches_answer_throughout(maker, tmp_path):
    engine = maker.build("rebuild", [REPO / "seeds"])
    assert engine.search("Kim Hanoi").total == 2
    first = versions(maker, "rebuild")
    data = tmp_path / "data"
    write_jsonl(data / "one.jsonl", [record("r1", "Hanoi summit", "Kim met Trump in Hanoi.", "2019-02-28")])
    seen, errors, done = [], [], threading.Event()

    def keep_searching():
        while not done.is_set():
            try:
                seen.append(engine.search("Kim Hanoi").total)
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(repr(exc))

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        summary = maker.index("rebuild", [data], rebuild=True)
    finally:
        done.set()
        searcher.join()
    assert summary.added == 1 and not errors
    assert set(seen) <= {1, 2} and seen[0] == 2
    assert engine.search("Kim Hanoi").total == 1          # the alias now points at the rebuilt index
    second = versions(maker, "rebuild")
    assert len(second) == 2 and first[0] in second        # the replaced version is kept ...
    maker.index("rebuild", [data], rebuild=True)
    third = versions(maker, "rebuild")
    assert len(third) == 2 and first[0] not in third      # ... until the next rebuild
    assert engine.search("").total == 1


def test_rebuild_is_refused_where_it_has_no_meaning(tmp_path, opensearch):
    (tmp_path / "data").mkdir()
    write_jsonl(tmp_path / "data" / "a.jsonl", [record("x", "T", "Body text.")])
    with pytest.raises(BadParameterError, match="opensearch backend"):
        index_paths([tmp_path / "data"], tmp_path / "ix", rebuild=True, entities=False, show_progress=False)
    with pytest.raises(BadParameterError, match="--part"):
        index_paths([tmp_path / "data"], backend="opensearch", backend_options={"url": opensearch, "index": "nstest-x"},
                    rebuild=True, part=(1, 2), entities=False, show_progress=False)
