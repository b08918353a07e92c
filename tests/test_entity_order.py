"""Entities across articles, end to end on both backends: indexing order does not matter, and a
later run rewrites the entity fields of articles indexed before (`IndexWriter.update_fields`).

Uses the real NER model and the two seeds: seed 000 (scraped, its linked names lost) says only
"Kim"; seed 002, the same story, names Kim Jong Un first.
"""
from __future__ import annotations

import shutil

import pytest

from index.article import Article
from index.readers import read_file
from tests.conftest import REPO

SEEDS = sorted((REPO / "seeds").glob("*.txt"))


@pytest.fixture(scope="module")
def seed_dirs(tmp_path_factory):
    """Each seed in a folder of its own, so runs can take them in either order."""
    root = tmp_path_factory.mktemp("seed-order")
    dirs = []
    for i, seed in enumerate(SEEDS):
        folder = root / f"s{i}"
        folder.mkdir()
        shutil.copy(seed, folder / seed.name)
        dirs.append(folder)
    return dirs


def _facets(engine) -> dict[str, dict[str, list[str]]]:
    results = engine.search("", page_size=50)
    return {hit.id: {k: sorted(v) for k, v in hit.entities.items() if v} for hit in results.hits}


def test_two_orders_give_identical_facets(backend_indexes, seed_dirs):
    first, second = seed_dirs
    backend_indexes.index("order-ab", [first], entities=True)
    backend_indexes.index("order-ab", [second], entities=True)   # a later run: the full name arrives
    backend_indexes.index("order-ba", [second], entities=True)
    backend_indexes.index("order-ba", [first], entities=True)
    backend_indexes.index("order-one-run", [second, first], entities=True)
    engines = [backend_indexes.engine(n) for n in ("order-ab", "order-ba", "order-one-run")]
    try:
        facets = [_facets(e) for e in engines]
        assert len(facets[0]) == 2
        assert facets[0] == facets[1] == facets[2]
        for values in facets[0].values():
            for kind in values:
                assert "Kim" not in values[kind] and "Trump" not in values[kind], values
        scraped = next(a for a in read_file(SEEDS[0]) if isinstance(a, Article))
        assert "Kim Jong Un" in facets[0][scraped.id]["person"]  # resolved through seed 002
        # Only the entity fields changed: the stored text and the search index are intact.
        record, _ = engines[0].article(scraped.id)
        assert record.body == scraped.body and record.title == scraped.title
        assert engines[0].search("Hanoi", person=["Kim Jong Un"]).total == 2
        assert engines[0].search('"train station"').total >= 1
    finally:
        for engine in engines:
            engine.close()


def test_update_fields_rewrites_only_the_given_fields(backend_indexes, seed_dirs):
    from search.backends import open_writer

    backend_indexes.index("update-fields", [seed_dirs[1]], entities=True)
    engine = backend_indexes.engine("update-fields")
    try:
        before = engine.search("", page_size=5).hits[0]
        record_before, _ = engine.article(before.id)
    finally:
        engine.close()
    assert before.entities["org"]
    with open_writer(backend_indexes.backend, **backend_indexes.location("update-fields")) as writer:
        assert writer.update_fields(before.id, {"person": ["Ada Lovelace", "Kim Jong Un"], "org": []})
        missing = writer.update_fields("no-such-article", {"person": ["Nobody"]})
        writer.commit()
    if backend_indexes.backend == "whoosh":
        assert missing is False
    else:
        assert writer.missing_updates == 1
    engine = backend_indexes.engine("update-fields")
    try:
        after = engine.search("", page_size=5)
        assert after.total == 1
        hit = after.hits[0]
        assert hit.id == before.id and hit.entities["person"] == ["Ada Lovelace", "Kim Jong Un"]
        assert not hit.entities.get("org") and hit.entities["place"] == before.entities["place"]
        record, _ = engine.article(before.id)
        assert (record.title, record.body, record.date, record.source, record.url) == \
            (record_before.title, record_before.body, record_before.date, record_before.source, record_before.url)
        assert engine.search("Pyongyang", person=["Ada Lovelace"]).total == 1
        assert {f.value for f in engine.search("Pyongyang").facets.person} >= {"Ada Lovelace"}
    finally:
        engine.close()
    # A re-run finds the file unchanged (its file version survived the rewrite).
    summary = backend_indexes.index("update-fields", [seed_dirs[1]], entities=True)
    assert summary.files_unchanged == 1 and summary.added == summary.updated == 0
