"""The OpenSearch backend's `combined` field (search/backends/opensearch/schema.py, COMBINED_FIELD):
the title TITLE_BOOST times and the body in one field, where plain words, word pairs and feedback
words are scored, so that a word gets one BM25 over the whole article as on the Whoosh backend
(combined BM25F) instead of a title score and a body score added.

On a cluster (skipped with the reason when none answers: `make cluster`): the crafted case of
tests/test_ranking_features.py::test_combined_fields_saturate_a_word_once, what the field holds
(frequencies and lengths read from Lucene's explanation), phrases not spanning the copies,
derived titles not copied, fielded words keeping their field, and an index of the previous
layout refused by searches and writers alike.
"""
from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from search.backends.opensearch import schema as m
from search.backends.opensearch.client import make_client
from search.backends.opensearch.config import OpenSearchConfig
from search.backends.opensearch.search import OpenSearchSearch
from search.backends.opensearch.writer import OpenSearchWriter
from search.request import SearchRequest
from search.results import IncompatibleIndexError
from tests.conftest import IndexMaker

BODY = "Tin output rose quickly late today."
RECORDS = [
    # A word once in the title and once in the body, against five times in the body: the same
    # combined length (2 x 3 + 6 words), so one saturation ranks the five first.
    {"url": "http://t/both", "title": "Tin news", "body": BODY},
    {"url": "http://t/body", "title": "Metal news", "body": "Tin tin tin tin tin output."},
    # The same body with a real title and with one derived from it (no title in the record).
    {"url": "http://t/titled", "title": "Zinc report", "body": "Zinc output rose quickly late today."},
    {"url": "http://t/derived", "body": "Zinc output rose quickly late today."},
    # A title that ends with the word its copies would start with, and a body after it.
    {"url": "http://t/copies", "title": "Alpha beta", "body": "Gamma delta epsilon zeta."},
]
RECORDS += [{"url": f"http://t/other{i}", "title": "Metal news", "body": f"Copper output {i} rose today."}
            for i in range(8)]


@pytest.fixture(scope="module")
def maker(opensearch: str, tmp_path_factory):
    made = IndexMaker("opensearch", tmp_path_factory.mktemp("opensearch-combined"), opensearch)
    yield made
    made.cleanup()


@pytest.fixture(scope="module")
def engine(maker: IndexMaker, tmp_path_factory):
    folder = tmp_path_factory.mktemp("opensearch-combined-records")
    (folder / "records.jsonl").write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n")
    return maker.build("combined", [folder])


@pytest.fixture(scope="module")
def client(engine, maker: IndexMaker):
    c = make_client(OpenSearchConfig(url=maker.url))
    yield c
    c.close()


def alias(maker: IndexMaker) -> str:
    return maker.location("combined")["index"]


def ids(results) -> list[str]:
    return [hit.id for hit in results.hits]


def explained(client, index: str, query: dict) -> dict[str, tuple[float, float]]:
    """{article id: (freq, dl)} of each hit of a one-term query, read from Lucene's explanation."""
    answer = client.search(index=index, body={"query": query, "explain": True, "size": 50, "_source": ["id"]})
    found = {}
    for hit in answer["hits"]["hits"]:
        values: dict[str, float] = {}
        stack = [hit["_explanation"]]
        while stack:
            node = stack.pop()
            name = node["description"].split(",")[0].split("=")[0]  # "freq, ...", "phraseFreq=3.0"
            if name in ("freq", "phraseFreq", "dl"):
                values["freq" if name == "phraseFreq" else name] = float(node["value"])
            stack.extend(node.get("details", []))
        found[hit["_source"]["id"]] = (values.get("freq"), values.get("dl"))
    return found


def test_a_word_is_saturated_once_over_title_and_body(engine) -> None:
    """As on Whoosh (test_combined_fields_saturate_a_word_once): five in the body beat one in the
    title and one in the body, which a title score plus a body score ranked first; a `title:`
    word still searches titles only, a `body:` word bodies only."""
    assert ids(engine.search("tin"))[:2] == ["http://t/body", "http://t/both"]
    assert ids(engine.search("title:tin")) == ["http://t/both"]
    assert set(ids(engine.search("body:tin"))) == {"http://t/body", "http://t/both"}
    assert set(ids(engine.search("title:zinc"))) == {"http://t/titled"}  # a derived title is not searched


def test_the_field_holds_the_title_times_the_boost_and_the_body(engine, client, maker) -> None:
    copies = m.title_copies()
    found = explained(client, alias(maker), {"match": {m.COMBINED_FIELD: "tin"}})
    assert found["http://t/both"] == (copies * 1 + 1, copies * 2 + 6)  # "tin news" x3 + "tin output ... today"
    assert found["http://t/body"] == (5, copies * 2 + 6)
    mapping = client.indices.get_mapping(index=alias(maker))
    props = next(iter(mapping.values()))["mappings"]["properties"]
    assert props["title"]["copy_to"] == [m.COMBINED_FIELD] * copies and props["body"]["copy_to"] == [m.COMBINED_FIELD]
    source = client.search(index=alias(maker), body={"query": {"term": {"id": "http://t/both"}}})["hits"]["hits"]
    assert m.COMBINED_FIELD not in source[0]["_source"]  # copied at indexing: nothing more stored


def test_a_derived_title_gets_no_copies(engine, client, maker) -> None:
    """A title the reader made from the lede is shown, not indexed (as on Whoosh): the article's
    combined field is its body alone."""
    found = explained(client, alias(maker), {"match": {m.COMBINED_FIELD: "zinc"}})
    assert found["http://t/derived"] == (1, 6)
    assert found["http://t/titled"] == (m.title_copies() + 1, m.title_copies() * 2 + 6)


def test_a_phrase_never_spans_two_copies_or_the_title_and_the_body(engine, client, maker) -> None:
    def phrase(text: str) -> set[str]:
        answer = client.search(index=alias(maker), body={"query": {"match_phrase": {m.COMBINED_FIELD: text}},
                                                         "_source": ["id"]})
        return {hit["_source"]["id"] for hit in answer["hits"]["hits"]}
    assert phrase("alpha beta") == {"http://t/copies"}
    assert phrase("gamma delta") == {"http://t/copies"}
    assert phrase("beta alpha") == set()   # end of one title copy, start of the next
    assert phrase("beta gamma") == set()   # end of the title, start of the body
    # Counted once per copy: the word pair "alpha beta" weighs TITLE_BOOST times in the title.
    found = explained(client, alias(maker), {"match_phrase": {m.COMBINED_FIELD: "alpha beta"}})
    assert found["http://t/copies"][0] == m.title_copies()


def test_an_index_of_the_previous_layout_is_refused(opensearch: str, tmp_path: Path, monkeypatch) -> None:
    """An index built before `combined` (layout 2) would match no plain word: searching it, or
    adding to it, is refused with what to do."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    config = OpenSearchConfig(url=opensearch, index=f"nstest-c-{uuid.uuid4().hex[:8]}")
    client = make_client(config)
    mappings = m.mappings()
    mappings["_meta"] = {"newsearch_template_version": m.TEMPLATE_VERSION - 1}
    mappings["properties"].pop(m.COMBINED_FIELD, None)
    for field in m.TEXT_FIELDS:
        mappings["properties"][field].pop("copy_to", None)
    old = f"{config.index}-v{m.TEMPLATE_VERSION - 1}-old"
    try:
        client.indices.create(index=old, body={"settings": {"index": {
            "analysis": m.analysis_settings(), "number_of_shards": 1, "number_of_replicas": 0}},
            "mappings": mappings, "aliases": {config.index: {}}})
        client.index(index=old, body={"id": "x", "title": "Copper", "body": "Copper output."},
                     params={"refresh": "true"})
        backend = OpenSearchSearch(config)
        with pytest.raises(IncompatibleIndexError, match=f"layout version {m.TEMPLATE_VERSION - 1}.*re-index"):
            backend.run(SearchRequest.build("copper"))
        backend.close()
        with pytest.raises(IncompatibleIndexError, match="re-index"):
            with OpenSearchWriter(config):
                pass
    finally:
        client.indices.delete(index=f"{config.index}-*", ignore_unavailable=True, expand_wildcards="all")
        client.indices.delete_index_template(name=m.template_name(config.index), ignore=[404])
        client.close()
