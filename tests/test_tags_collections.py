"""Tags (by hand and by query, rules re-applied or not) and collections of sources (issue 22).

Real text: Reuters articles as JSON Lines records (tests/test_saved_searches.py reads them); the
source of each is set per file ("Wire A", "Wire B", "Wire C") so that a
collection can name some of them. Every test runs on both backends (the Whoosh index's
research.sqlite, the OpenSearch cluster's store).
"""
from __future__ import annotations

import pytest

from search.memory import collections, tags
from search.results import BadParameterError
from search.memory.store import StoreError
from search.request import SearchRequest

from tests.test_saved_searches import Archive, _all_ids, _reuters_records, _write, forget


def _wires() -> dict[str, list[dict]]:
    records = _reuters_records(600)
    return {f"{name}.jsonl": [dict(r, source=name) for r in records[i * 200:(i + 1) * 200]]
            for i, name in enumerate(("Wire A", "Wire B", "Wire C"))}


@pytest.fixture(scope="module")
def base(backend_indexes):
    archive = Archive.build(backend_indexes, "memtags-base", _wires())
    yield archive
    archive.close()


@pytest.fixture
def archive(base):
    yield base.engine, base.store
    forget(base.store)


def test_tags_by_hand_are_kept_listed_and_removed(archive):
    engine, store = archive
    hits = engine.search("prices", page_size=5).hits
    assert len(hits) == 5
    ids = [h.id for h in hits]
    assert tags.tag_articles(store, "to read", ids[:3], author="ana") == 3
    assert tags.tag_articles(store, "to read", ids[:4], author="ben") == 1   # one new; the rest keep theirs
    assert tags.tags(store) == [("to read", 4)]
    assert tags.tags_of(store, ids) == {i: (["to read"] if n < 4 else []) for n, i in enumerate(ids)}
    assert tags.untag_articles(store, "to read", ids[:1]) == 1
    assert sorted(tags.tagged(store, "to read")) == sorted(ids[1:4])
    with pytest.raises(StoreError, match=r"no tag named 'nope' \(tags: to read\)"):
        list(tags.tagged(store, "nope"))
    with pytest.raises(StoreError, match="article id"):
        tags.tag_articles(store, "x", [""], author="ana")
    assert tags.delete_tag(store, "to read") == 3 and tags.tags(store) == []


def test_a_query_rule_tags_every_match_and_new_articles_only_when_asked(backend_indexes):
    fresh = Archive.build(backend_indexes, "memtags-rules", _wires())
    engine, store, source = fresh.engine, fresh.store, fresh.source
    request = SearchRequest.build("oil")
    matches = _all_ids(engine, request)
    rule, added = tags.tag_by_query(engine, store, "oil (rule)", request, author="ana", reapply=True)
    once, _ = tags.tag_by_query(engine, store, "oil (once)", request, author="ana", reapply=False)
    assert added == len(matches) > 20 and rule.reapply and not once.reapply
    assert sorted(tags.tagged(store, "oil (rule)")) == sorted(matches)

    # New articles arrive: the re-applied rule tags the new matches, the other does not.
    _write(source, "Wire D.jsonl", [dict(r, source="Wire D") for r in _reuters_records(300, skip=600)])
    engine, store = fresh.reindex().engine, fresh.store
    now = _all_ids(engine, request)
    assert len(now) > len(matches)
    assert tags.reapply_rules(engine, store) == {"oil (rule)": len(now) - len(matches)}
    assert sorted(tags.tagged(store, "oil (rule)")) == sorted(now)
    assert sorted(tags.tagged(store, "oil (once)")) == sorted(matches)
    assert [r.tag for r in tags.rules(store)] == ["oil (rule)", "oil (once)"]
    fresh.close()


def test_a_collection_narrows_a_search_to_its_sources_and_counts(archive):
    engine, store = archive
    collections.define(store, "Wires A and B", ["Wire A", "Wire B"], author="ana")
    narrowed = engine.search('oil collection:"Wires A and B"', page_size=100, facet_top=10)
    assert narrowed.total == engine.search('oil (source:"Wire A" OR source:"Wire B")').total
    everything = engine.search("oil", page_size=100, facet_top=10)
    by_source = {f.value: f.count for f in everything.facets.source}
    assert narrowed.total == by_source["Wire A"] + by_source["Wire B"] < everything.total
    assert {h.source for h in narrowed.hits} <= {"Wire A", "Wire B"}
    assert collections.counts(store, by_source) == [("Wires A and B", narrowed.total)]
    # Redefined: the same name now means other sources; unknown names and bad sources are said.
    collections.define(store, "Wires A and B", ["Wire C"], author="ben")
    assert collections.get(store, "Wires A and B").sources == ["Wire C"]
    with pytest.raises(BadParameterError, match=r"no collection named 'UK' \(collections: Wires A and B\)"):
        engine.search("oil collection:UK")
    with pytest.raises(StoreError, match="at least one source"):
        collections.define(store, "empty", [" "], author="ana")
    with pytest.raises(StoreError, match="double quote"):
        collections.define(store, "odd", ['a"b'], author="ana")
    collections.delete(store, "Wires A and B")
    assert collections.collections(store) == []
