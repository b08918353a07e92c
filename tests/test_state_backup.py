"""export-state / import-state (issue 22): the researcher's memory moves with the index.

Real data: a Reuters index (tests/test_saved_searches.py's records); the state is exported,
imported into the store of another index, and compared row for row. Both backends: the Whoosh
index's research.sqlite, the OpenSearch cluster's store (which checks the whole file before it
writes: no transactions there).
"""
from __future__ import annotations

import json

import pytest

from search.memory import backup, collections, saved, tags
from search.memory.store import StoreError
from search.request import SearchRequest

from tests.test_saved_searches import Archive, _reuters_records


@pytest.fixture(scope="module")
def filled(backend_indexes, tmp_path_factory):
    archive = Archive.build(backend_indexes, "memstate",
                            {"a.jsonl": [dict(r, source="Wire A") for r in _reuters_records(300)]})
    engine, store = archive.engine, archive.store
    saved.save(engine, store, "oil", SearchRequest.build("oil"), author="ana")
    tags.tag_by_query(engine, store, "grain", SearchRequest.build("wheat OR corn"), author="ana", reapply=True)
    tags.tag_articles(store, "to read", [h.id for h in engine.search("gold").hits[:2]], author="ben")
    collections.define(store, "wires", ["Wire A"], author="ana")
    yield engine, store, tmp_path_factory.mktemp("state"), archive
    archive.close()


def _dump(store) -> dict:
    rows: dict[str, list[str]] = {table: [] for table in backup.TABLES}
    for table, row in store.export_rows():
        rows[table].append(json.dumps(row, sort_keys=True))
    return {table: sorted(found) for table, found in rows.items()}


def test_a_state_file_restores_every_saved_search_tag_rule_and_collection(filled):
    engine, store, tmp_path, archive = filled
    path = tmp_path / "state.jsonl"
    rows = backup.export_state(store, path)
    assert rows == sum(len(v) for v in _dump(store).values()) > 20
    other = archive.other_store("memstate-elsewhere")
    added = backup.import_state(other, path)
    assert added["skipped"] == 0 and added["saved_article"] == saved.get(store, "oil").frozen
    assert _dump(other) == _dump(store)
    # The other store belongs to another index: the saved search says it ran elsewhere.
    assert saved.reopen(engine, other, "oil").same_index is False
    assert saved.reopen(engine, store, "oil").same_index is True
    # Importing again adds nothing and says what it skipped.
    again = backup.import_state(other, path)
    assert again["skipped"] == 2 and again["saved_article"] == 0 and again["tag"] == 0
    assert _dump(other)["saved"] == _dump(store)["saved"]


def test_a_broken_state_file_imports_nothing_and_names_the_line(filled):
    engine, store, tmp_path, archive = filled
    lines = list(backup.export_lines(store))
    other = archive.other_store("memstate-other")
    collections.define(other, "mine", ["Wire B"], author="zoe")
    before = _dump(other)
    broken = lines[:5] + ['{"table": "saved", "row": {"name": "x", "nope": 1}}\n'] + lines[5:]
    with pytest.raises(StoreError, match="line 6: not a row"):
        backup.import_lines(other, broken)
    with pytest.raises(StoreError, match=r"line 3: not JSON"):
        backup.import_lines(other, lines[:2] + ["{oops\n"])
    with pytest.raises(StoreError, match="line 1: not a newsearch state file"):
        backup.import_lines(other, ['{"table": "tag"}\n'])
    with pytest.raises(StoreError, match="no such file"):
        backup.import_state(other, tmp_path / "missing.jsonl")
    assert _dump(other) == before
