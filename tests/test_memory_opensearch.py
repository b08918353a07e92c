"""The researcher's store in the OpenSearch cluster (issue 22): one store per deployment that every
web server reaches. Two Engines over one alias stand for two web servers.

Real data: Reuters articles as JSON Lines records (tests/test_saved_searches.py), indexed once per
module on the test cluster (skipped with the reason when none answers).
"""
from __future__ import annotations

import threading

import pytest

from search.memory import accounts, collections, saved, tags
from search.memory.cluster import CHUNK, PARTS, ClusterStore, memory_index
from search.memory.store import StoreError, store_for
from search.request import SearchRequest

from tests.conftest import IndexMaker
from tests.test_saved_searches import PagingEngine, _all_ids, _reuters_records, _write


@pytest.fixture(scope="module")
def cluster(opensearch, tmp_path_factory):
    """(IndexMaker, source folder) with the test index "mem" over 300 Reuters articles."""
    maker = IndexMaker("opensearch", tmp_path_factory.mktemp("memory-os"), opensearch)
    source = maker.root / "source"
    _write(source, "a.jsonl", [dict(r, source="Wire A" if i % 2 else "Wire B")
                               for i, r in enumerate(_reuters_records(300))])
    maker.index("mem", [source])
    yield maker, source
    maker.cleanup()


def _servers(maker: IndexMaker, name: str = "mem"):
    """Two engines (two web servers) over one alias, and each one's store."""
    first, second = maker.engine(name), maker.engine(name)
    return first, second, store_for(first), store_for(second)


def test_two_servers_see_each_others_changes_at_once(cluster):
    maker, _ = cluster
    one, two, store_one, store_two = _servers(maker)
    assert store_one is not store_two and store_for(one) is store_one  # one store object per search side
    kept = saved.save(one, store_one, "Oil, 1987", SearchRequest.build("oil", sort="newest"), author="ana")
    assert kept.frozen == kept.total > 10
    seen = saved.get(store_two, "Oil, 1987")
    assert (seen.total, seen.author, seen.index_identity) == (kept.total, "ana", kept.index_identity)
    assert list(saved.frozen_ids(store_two, "Oil, 1987")) == _all_ids(one, SearchRequest.build("oil", sort="newest"))
    assert [s.name for s in saved.saved_searches(store_two)] == ["Oil, 1987"]
    reopened = saved.reopen(two, store_two, "Oil, 1987")
    assert reopened.same_index and reopened.new_total == 0 and reopened.gone == 0

    ids = [h.id for h in one.search("gold", page_size=3).hits]
    assert tags.tag_articles(store_two, "to read", ids, author="ben") == 3
    assert tags.tags_of(store_one, ids) == {i: ["to read"] for i in ids}
    assert tags.tag_articles(store_one, "to read", ids, author="ana") == 0   # the first author's tags stay
    assert tags.untag_articles(store_one, "to read", ids[:1]) == 1
    assert sorted(tags.tagged(store_two, "to read")) == sorted(ids[1:])
    collections.define(store_one, "wires", ["Wire A"], author="ana")
    assert two.search("oil collection:wires").total == two.search('oil source:"Wire A"').total > 0
    accounts.add_account(store_one, "ana", "a long enough password")
    assert accounts.check_password(store_two, "ana", "a long enough password") == "ana"
    with pytest.raises(StoreError, match="an account named 'ana' exists"):
        accounts.add_account(store_two, "ana", "another long password")
    token = accounts.add_token(store_two, "ana", "script")
    assert accounts.token_account(store_one, token) == "ana"
    assert accounts.web_secret(store_one) == accounts.web_secret(store_two)   # every server signs alike
    saved.delete(store_two, "Oil, 1987")
    with pytest.raises(StoreError, match="no saved search named 'Oil, 1987'"):
        saved.get(store_one, "Oil, 1987")
    one.close()
    two.close()


def test_a_name_saved_from_two_servers_at_once_goes_to_one_and_replacing_leaves_no_mix(cluster):
    maker, _ = cluster
    one, two, store_one, store_two = _servers(maker)
    outcomes: list[str] = []

    def server(engine, store, query: str, replace: bool) -> None:
        try:
            saved.save(engine, store, "race", SearchRequest.build(query), author=query, replace=replace)
            outcomes.append("saved")
        except StoreError as error:
            outcomes.append(str(error))

    for replace in (False, True):
        outcomes.clear()
        threads = [threading.Thread(target=server, args=(one, store_one, "oil", replace)),
                   threading.Thread(target=server, args=(two, store_two, "gold", replace))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if replace:
            assert outcomes == ["saved", "saved"]
        else:
            assert sorted(o == "saved" for o in outcomes) == [False, True]
            assert "a saved search named 'race' exists" in next(o for o in outcomes if o != "saved")
        winner = saved.get(store_two, "race")
        assert list(saved.frozen_ids(store_one, "race")) == _all_ids(one, SearchRequest.build(winner.query))
        # Only the winner's chunks of ids remain (the loser's and the replaced ones are deleted).
        ids_index = memory_index(store_one.alias, "saved-ids")
        store_one.client.indices.refresh(index=ids_index)   # chunks are read by id, never searched
        chunks = store_one.client.count(index=ids_index, body={"query": {"term": {"name": "race"}}})["count"]
        assert chunks == -(-winner.frozen // CHUNK)
    saved.delete(store_one, "race")
    one.close()
    two.close()


def test_a_rebuild_keeps_the_memory_and_a_saved_search_says_the_index_was_built_again(cluster):
    maker, source = cluster
    engine = maker.engine("mem")
    store = store_for(engine)
    kept = saved.save(engine, store, "wheat", SearchRequest.build("wheat"), author="ana")
    tags.tag_by_query(engine, store, "grain", SearchRequest.build("wheat OR corn"), author="ana", reapply=True)
    tagged = sorted(tags.tagged(store, "grain"))
    ids = list(saved.frozen_ids(store, "wheat"))
    engine.close()

    maker.index("mem", [source], rebuild=True)   # a new concrete index; the alias moves to it
    engine = maker.engine("mem")
    store = store_for(engine)
    reopened = saved.reopen(engine, store, "wheat")
    assert not reopened.same_index and "built again from scratch" in reopened.summary()
    assert reopened.saved.index_identity == kept.index_identity != saved.index_identity(store)
    assert list(saved.frozen_ids(store, "wheat")) == ids
    assert reopened.gone == 0   # the same articles, under their stable ids
    assert sorted(tags.tagged(store, "grain")) == tagged
    names = set(store.client.indices.get(index=f"{maker.location('mem')['index']}-memory-*"))
    used = {memory_index(store.alias, part) for part in ("saved", "saved-ids", "tags", "rules", "meta")}
    assert used <= names <= {memory_index(store.alias, part) for part in PARTS}
    saved.delete(store, "wheat")
    tags.delete_tag(store, "grain")
    engine.close()


def test_ten_thousand_ids_are_frozen_and_read_back_in_bounded_memory(cluster):
    """A fake engine pages 10,000 ids; the cluster's store writes them a chunk at a time and
    reads any slice back by chunk."""
    import tracemalloc

    maker, _ = cluster

    store = ClusterStore(store_for(maker.engine("mem")).client, maker.location("mem")["index"])
    saved.save(PagingEngine(10_000, pad=60), store, "warm-up", SearchRequest.build(""), author="ana")  # type: ignore[arg-type]
    tracemalloc.start()
    kept = saved.save(PagingEngine(10_000, pad=60), store, "everything", SearchRequest.build(""), author="ana")  # type: ignore[arg-type]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    count = sum(1 for _ in saved.frozen_ids(store, "everything"))
    _, read_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert kept.frozen == count == 10_000
    # The ids alone take ~1.3 MB as a list; a chunk at a time keeps both peaks well under it.
    assert peak < 1_000_000, f"saving 10,000 ids peaked at {peak:,} bytes"
    assert read_peak < 1_000_000, f"reading 10,000 ids peaked at {read_peak:,} bytes"
    assert next(saved.frozen_ids(store, "everything", offset=9_999)) == "article-09999-" + "x" * 60
    across = list(saved.frozen_ids(store, "everything", offset=CHUNK - 1, limit=3))
    assert across == [f"article-{i:05d}-" + "x" * 60 for i in (CHUNK - 1, CHUNK, CHUNK + 1)]
    assert list(saved.frozen_ids(store, "everything", offset=10_000)) == []
    saved.delete(store, "everything")
    saved.delete(store, "warm-up")


def test_a_cluster_that_does_not_answer_is_said_naming_the_store():
    """No cluster needed: a store at an address where nothing listens."""
    from opensearchpy import OpenSearch

    from search.results import IndexNotFoundError

    store = ClusterStore(OpenSearch("http://127.0.0.1:9", max_retries=0, timeout=2), "gone")
    with pytest.raises(IndexNotFoundError, match=r"store in the cluster \(gone-memory-\*\) did not answer"):
        saved.saved_searches(store)
    with pytest.raises(IndexNotFoundError, match="tag_known"):
        list(tags.tagged(store, "x"))


def test_two_web_servers_share_sign_in_and_what_is_saved(cluster):
    """Two apps (two web servers listening beyond localhost) over one alias: a session signed by
    one is accepted by the other (the key is in the cluster's store), and what one saves the
    other lists at once."""
    import re

    from web import create_app

    maker, _ = cluster
    one, two = maker.engine("mem"), maker.engine("mem")
    first = create_app(engine=one, testing=True, local_only=False).test_client()
    second = create_app(engine=two, testing=True, local_only=False).test_client()
    accounts.add_account(store_for(one), "web-ana", "a long enough password", replace=True)

    def csrf(client, path: str) -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).get_data(as_text=True))
        assert found, f"no CSRF field on {path}"
        return found.group(1)

    signed = first.post("/login", data={"csrf": csrf(first, "/login"), "name": "web-ana",
                                        "password": "a long enough password", "next": "/saved"})
    assert signed.status_code == 302
    second.set_cookie("session", first.get_cookie("session").value)   # the next request goes elsewhere
    made = second.post("/saved", data={"csrf": csrf(second, "/saved"), "name": "from the second", "q": "oil"})
    assert made.status_code == 303
    listed = first.get("/api/saved").get_json()["saved"]
    assert [(s["name"], s["author"]) for s in listed] == [("from the second", "web-ana")]
    saved.delete(store_for(one), "from the second")
    one.close()
    two.close()
