"""The researcher's memory on the web (issue 22): saving, reopening after a re-index, tagging,
collections; POSTs with CSRF; who may write (local user on localhost, accounts and tokens beyond).

Real data: Reuters articles as JSON Lines records (tests/test_saved_searches.py). Both backends:
the Whoosh index's research.sqlite and the OpenSearch cluster's store.
"""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from search.memory import accounts, saved, tags
from web import create_app

from tests.test_saved_searches import Archive, _reuters_records, _write, forget


def _wire_a() -> dict[str, list[dict]]:
    return {"a.jsonl": [dict(r, source="Wire A") for r in _reuters_records(300)]}


@pytest.fixture(scope="module")
def base(backend_indexes):
    archive = Archive.build(backend_indexes, "memweb", _wire_a())
    yield archive
    archive.close()


@pytest.fixture
def site(base):
    """(engine, the module's Archive); its store emptied after the test."""
    yield base.engine, base
    forget(base.store)


def _csrf(client, path: str = "/saved") -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, f"no CSRF field on {path}"
    return found.group(1)


def test_save_reopen_after_reindex_export_and_feed(backend_indexes):
    fresh = Archive.build(backend_indexes, "memweb-reindex", _wire_a())
    engine, source = fresh.engine, fresh.source
    app = create_app(engine=engine, testing=True)
    client = app.test_client()
    page = client.get("/?q=oil").get_data(as_text=True)
    assert 'id="save-search"' in page  # the results page offers saving (local user on localhost)
    for tool in ('href="/kwic?q=oil"', 'href="/collocations?q=oil"', 'href="/cooccurrence?q=oil"', 'href="/saved"'):
        assert tool in page
    token = _csrf(client, "/?q=oil")
    answer = client.post("/saved", data={"csrf": token, "name": "Oil / 1987", "q": "oil", "sort": "newest"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/saved/" + quote("Oil / 1987", safe="")
    store = fresh.store
    kept = saved.get(store, "Oil / 1987")
    assert kept.parameters == {"query": "oil", "sort": "newest"} and kept.total > 10

    # New articles arrive; the saved page still shows the frozen set and counts the new ones.
    _write(source, "b.jsonl", [dict(r, source="Wire B") for r in _reuters_records(300, skip=300)])
    fresh_engine = fresh.reindex().engine
    store = fresh.store
    app = create_app(engine=fresh_engine, testing=True)
    client = app.test_client()
    html = client.get("/saved/" + quote("Oil / 1987", safe="")).get_data(as_text=True)
    reopened = saved.reopen(fresh_engine, store, "Oil / 1987")
    assert reopened.new_total > 0
    assert f"{kept.total:,} articles when saved" in html
    assert f"{reopened.new_total:,} new articles match since" in html
    assert "0 of the saved articles are no longer in the index" in html
    assert kept.citation().replace("“", "&#34;")[:20] or kept.name in html
    # Export: exactly the frozen ids; the feed: the new matches only.
    csv_text = client.get("/saved-export/" + quote("Oil / 1987", safe="") + "?format=csv").get_data(as_text=True)
    assert [line.split(",")[0] for line in csv_text.splitlines()[1:]] == list(saved.frozen_ids(store, "Oil / 1987"))
    feed = client.get("/saved-feed/" + quote("Oil / 1987", safe=""))
    assert feed.status_code == 200 and feed.mimetype == "application/atom+xml"
    frozen = set(saved.frozen_ids(store, "Oil / 1987"))
    entry_ids = re.findall(r"/article/([^<\"]+)</id>", feed.get_data(as_text=True))
    assert entry_ids and not frozen & {i for i in entry_ids}
    api = client.get("/api/saved/" + quote("Oil / 1987", safe="")).get_json()
    assert api["total"] == kept.total and api["new_total"] == reopened.new_total and api["gone"] == 0
    assert client.get("/saved/nothing").status_code == 404
    fresh.close()


def test_tagging_by_hand_and_by_query_from_the_page(site):
    engine, base = site
    client = create_app(engine=engine, testing=True).test_client()
    token = _csrf(client, "/?q=wheat")
    first = engine.search("wheat").hits[0].id
    assert client.post("/tags/add", data={"csrf": token, "tag": "grain", "article": first,
                                          "next": "/?q=wheat"}).status_code == 303
    answer = client.post("/tags/query", data={"csrf": token, "tag": "gold", "q": "gold", "reapply": "1"})
    assert answer.status_code == 303
    store = base.store
    assert list(tags.tagged(store, "grain")) == [first]
    assert sorted(tags.tagged(store, "gold")) == sorted(h.id for h in engine.search("gold", page_size=100).hits)
    assert tags.rules(store, "gold")[0].reapply
    listing = client.get("/saved").get_data(as_text=True)
    assert "grain" in listing and "gold" in listing
    assert client.get("/tags/gold").status_code == 200
    assert client.get("/api/tags").get_json()["tags"][0]["tag"] in ("gold", "grain")


def test_a_post_without_the_form_token_is_refused(site):
    engine, *_ = site
    client = create_app(engine=engine, testing=True).test_client()
    client.get("/saved")
    answer = client.post("/saved", data={"name": "x", "q": "oil"})
    assert answer.status_code == 403 and "CSRF" in answer.get_data(as_text=True)
    answer = client.post("/saved", data={"name": "x", "q": "oil", "csrf": "forged"})
    assert answer.status_code == 403
    assert client.get("/api/saved").get_json() == {"saved": []}


def test_beyond_localhost_anonymous_writes_are_refused_and_accounts_and_tokens_write(site):
    engine, base = site
    app = create_app(engine=engine, testing=True, local_only=False)
    client = app.test_client()
    token = _csrf(client, "/login")  # an anonymous visitor's page has no change forms, sign-in has one
    assert 'id="save-search"' not in client.get("/?q=oil").get_data(as_text=True)
    refused = client.post("/saved", data={"csrf": token, "name": "x", "q": "oil"})
    assert refused.status_code == 403 and "sign in" in refused.get_data(as_text=True)
    store = base.store
    accounts.add_account(store, "ana", "a long enough password")
    wrong = client.post("/login", data={"csrf": token, "name": "ana", "password": "not the password"})
    assert wrong.status_code == 401
    signed = client.post("/login", data={"csrf": token, "name": "ana", "password": "a long enough password",
                                         "next": "/saved"})
    assert signed.status_code == 302 and signed.headers["Location"] == "/saved"
    token = _csrf(client)
    assert client.post("/saved", data={"csrf": token, "name": "by ana", "q": "oil"}).status_code == 303
    assert saved.get(store, "by ana").author == "ana"
    # A program with an API token: no cookie, no CSRF token needed.
    api_token = accounts.add_token(store, "ana", "script")
    robot = app.test_client()
    made = robot.post("/api/saved", data={"name": "by script", "q": "gold"},
                      headers={"Authorization": f"Bearer {api_token}"})
    assert made.status_code == 201 and made.get_json()["author"] == "ana"
    assert robot.post("/api/saved", data={"name": "forged", "q": "gold"},
                      headers={"Authorization": "Bearer not-a-token"}).status_code == 403
    # Reading can be closed to anonymous visitors.
    closed = create_app(engine=engine, testing=True, local_only=False, read_access="signed-in").test_client()
    assert closed.get("/?q=oil").status_code == 302
    assert closed.get("/api/saved").status_code == 401
    assert closed.get("/api/saved", headers={"Authorization": f"Bearer {api_token}"}).status_code == 200


def test_the_page_counts_tags_and_collections_among_the_matches(site):
    engine, base = site
    from search.memory import collections

    store = base.store
    oil = [h.id for h in engine.search("oil", page_size=100).hits]
    tags.tag_articles(store, "picked", oil[:3], author="ana")
    tags.tag_articles(store, "elsewhere", [h.id for h in engine.search("gold").hits[:2] if h.id not in oil],
                      author="ana")
    collections.define(store, "wire a", ["Wire A"], author="ana")
    client = create_app(engine=engine, testing=True).test_client()
    html = client.get("/?q=oil").get_data(as_text=True)
    assert 'id="facet-tag"' in html and ">picked</a> <span class=\"count\">3</span>" in html
    assert ">elsewhere</a>" not in html  # none of the matches has it
    assert ">wire a</a> <span class=\"count\">" in html
    link = re.search(r'href="([^"]+)">picked</a>', html).group(1)
    narrowed = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert narrowed.count('class="hit"') == 3
    api = client.get("/api/memory-facets?q=oil").get_json()
    assert api["tags"] == [{"value": "picked", "count": 3}]
    assert api["collections"] == [{"value": "wire a", "count": engine.search("oil").total}]
