"""`tag:` and `collection:` in queries (issue 22), on both backends: the engine writes them out
from the researcher's store before the backend reads the tree, so every tool reads them alike.

Real text: Reuters articles as JSON Lines records, sources set per file (tests/test_saved_searches.py).
"""
from __future__ import annotations

import pytest

from search.memory import collections, tags
from search.memory.store import store_for
from search.request import SearchRequest
from search.results import BadParameterError, QuerySyntaxError

from tests.test_saved_searches import _all_ids, _reuters_records


@pytest.fixture(scope="module")
def engine(backend_indexes, tmp_path_factory):
    records = _reuters_records(400)
    for i, r in enumerate(records):
        r["source"] = ("Wire A", "Wire B", "Wire C", "Wire D")[i % 4]
    if backend_indexes.backend == "opensearch":
        import os
        os.environ.setdefault("NEWSEARCH_STATE", str(tmp_path_factory.mktemp("state") / "research.sqlite"))
    engine = backend_indexes.build_records("memory-filters", records)
    yield engine
    engine.close()


def test_a_tag_narrows_any_search_to_its_articles(engine):
    store = store_for(engine)
    oil = _all_ids(engine, SearchRequest.build("oil"))
    picked = oil[:5] + _all_ids(engine, SearchRequest.build("gold"))[:3]
    tags.tag_articles(store, "reading list", picked, author="ana")
    assert sorted(_all_ids(engine, SearchRequest.build('tag:"reading list"'))) == sorted(picked)
    assert sorted(_all_ids(engine, SearchRequest.build('oil tag:"reading list"'))) == sorted(oil[:5])
    # The tag filters, it does not score: the order of the oil articles is oil's.
    assert _all_ids(engine, SearchRequest.build('oil tag:"reading list"')) == [i for i in oil if i in oil[:5]]
    excluded = _all_ids(engine, SearchRequest.build('oil -tag:"reading list"'))
    assert excluded == [i for i in oil if i not in oil[:5]]
    assert engine.search('tag:"reading list"', facet_top=10).facets.source  # facets count the tagged set
    with pytest.raises(BadParameterError, match="no tag named 'nothing'"):
        engine.search("oil tag:nothing")
    with pytest.raises(QuerySyntaxError, match="whole name"):
        engine.search("oil tag:read*")


def test_a_collection_is_any_of_its_sources_in_every_tool(engine):
    store = store_for(engine)
    collections.define(store, "A and B", ["Wire A", "Wire B"], author="ana")
    narrowed = engine.search('oil collection:"A and B"', page_size=100, facet_top=10)
    by_source = {f.value: f.count for f in engine.search("oil", facet_top=10).facets.source}
    assert narrowed.total == by_source["Wire A"] + by_source["Wire B"]
    assert {h.source for h in narrowed.hits} <= {"Wire A", "Wire B"}
    trend = engine.trends(['oil collection:"A and B"', "oil"], normalise=False)
    assert [s.total for s in trend.series] == [narrowed.total, sum(by_source.values())]
    lines = list(engine.export('oil collection:"A and B"', "jsonl"))
    assert len(lines) == narrowed.total
    assert engine.top_words('oil collection:"A and B"')["words"] is not None
    with pytest.raises(BadParameterError, match="no collection named 'UK'"):
        engine.search("collection:UK")
