"""The explaining pages without a browser (web/help.py): the tips' examples come from the index and
find what they say, the about page's figures, the follow page lists the feed's own entries, the
story link carries the search, the timeline's compact dates; and the collapsed summary's sources.
The browser tests (tests/test_browser_help.py) check the same pages as a person sees them."""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit
from xml.etree import ElementTree as ET

import pytest

from newsearch.indexing import index_paths
from web import create_app
from web.help import build_examples, compact_ticks

REPO = Path(__file__).resolve().parent.parent
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("help")
    rows = [{"title": f"Copper mine strike day {i}", "date": f"2019-03-{1 + i:02d}", "source": "Wire" if i % 2 else "",
             "text": f"Miners at the copper mine in Chile stayed on strike on day {i}, Ana Lopez said."
                     + (" Codelco said talks go on." if i % 2 else ""),
             "person": ["Ana Lopez"], "org": ["Codelco"], "place": ["Chile"]} for i in range(6)]
    (folder / "mines.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    index_paths([REPO / "seeds"], folder / "index", entities=True, show_progress=False)   # the seeds' story
    index_paths([folder / "mines.jsonl"], folder / "index", entities=False, show_progress=False)
    app = create_app(index_dir=folder / "index", testing=True)
    with app.test_client() as client:
        yield client


def test_examples_are_built_from_the_index_and_find_what_they_say(client):
    engine = client.application.extensions["newsearch"]
    examples = build_examples(engine, engine.stats(10))
    assert {"words", "phrases", "exclude", "or", "fields", "dates", "wildcards"} <= set(examples)
    queries = [e.query for found in examples.values() for e in found]
    assert 'person:"Ana Lopez"' in queries and "org:Codelco" in queries and "date:2019-03" in queries
    for found in examples.values():
        for example in found:
            results = engine.search(example.query, page_size=1)
            with_all = results.total if results.all_words else results.with_all_words   # not the relaxed ones
            assert with_all == example.count > 0, example
    lead = examples["trends"][0]
    exclude = examples["exclude"][0]
    assert exclude.query.startswith(lead.query + " -") and exclude.count < lead.count   # it leaves some out


def test_tips_and_about_pages(client):
    tips = client.get("/tips").get_data(as_text=True)
    assert 'href="/?q=person%3A%22Ana+Lopez%22"' in tips and "Search tips" in tips
    assert "date:2019-02-23" in tips           # the syntax's own examples use this archive's dates
    about = client.get("/about").get_data(as_text=True)
    stats = client.get("/api/stats").get_json()
    assert f"<a href=\"/\">{stats['documents']}</a>" in about
    assert "23 Feb 2019 to 6 Mar 2019" in about and "Codelco" in about and 'id="api"' in about
    assert "index_dir" not in about and str(REPO) not in about


def test_footer_and_error_pages_link_people_to_the_tips(client):
    page = client.get("/?q=copper").get_data(as_text=True)
    footer = page[page.index('<footer'):]
    assert 'href="/tips"' in footer and 'href="/about"' in footer and "/api/" not in footer
    assert 'class="tips-link" href="/tips"' in page
    assert 'href="/tips"' in client.get("/?q=foo:bar").get_data(as_text=True)
    empty = client.get("/?q=zzzqqqxx").get_data(as_text=True)
    assert 'href="/tips"' in empty and "collapse-toggle" not in empty and "0 stories" not in empty


def test_follow_page_lists_the_feeds_entries_and_its_address(client):
    page = client.get("/follow?q=copper&source=Wire").get_data(as_text=True)
    feed = ET.fromstring(client.get("/feed?q=copper&source=Wire").get_data())
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.findall(f"{ATOM}entry")]
    listed = re.findall(r'<li><a href="/article/[^"]+">([^<]+)</a>', page)
    assert titles and listed == titles
    assert 'value="http://localhost/feed?q=copper&amp;source=Wire"' in page
    assert "paste it into your feed reader" in page


def test_the_feed_is_atom_for_readers_and_styled_xml_for_browsers(client):
    reader = client.get("/feed?q=copper", headers={"Accept": "application/atom+xml, */*;q=0.5"})
    anything = client.get("/feed?q=copper")
    browser = client.get("/feed?q=copper", headers={"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert reader.mimetype == anything.mimetype == "application/atom+xml" and browser.mimetype == "application/xml"
    assert "Accept" in browser.headers["Vary"] and reader.get_data() == browser.get_data()
    body = reader.get_data()
    assert body.split(b"\n")[1] == b'<?xml-stylesheet type="text/css" href="/static/feed.css"?>'
    assert ET.fromstring(body).tag == f"{ATOM}feed"
    assert client.get("/static/feed.css").status_code == 200


def test_story_link_carries_the_search_and_its_page_goes_back_to_it(client):
    # stories are grouped when asked (collapse=1; off by default on every interface)
    page = client.get("/?q=Kim+Hanoi&from=2019&place=Hanoi&collapse=1").get_data(as_text=True)
    link = re.search(r'class="story-link" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert re.fullmatch(r"/story/s-[0-9a-f]{16}\?q=Kim\+Hanoi&place=Hanoi&from=2019&collapse=1", link)
    story = client.get(link).get_data(as_text=True)
    assert '<p class="back"><a href="/?q=Kim+Hanoi&amp;place=Hanoi&amp;from=2019&amp;collapse=1">' in story
    # the header's box continues that search (not, unseen, within the story); a link narrows to it
    assert 'name="q" type="search" value="Kim Hanoi"' in story and 'name="story"' not in story
    within = re.search(r'<a href="(/\?[^"]+)">Search within it</a>', story).group(1).replace("&amp;", "&")
    assert dict(parse_qsl(urlsplit(within).query)) == {"story": link.split("?")[0][len("/story/"):], "sort": "oldest"}
    assert '<p class="back"><a href="/">‹ Search</a>' in client.get(link.split("?")[0]).get_data(as_text=True)


def test_collapsed_summary_names_only_the_hidden_articles_sources(client):
    # the seeds' story: the hit is Reuters', the other article has no source
    page = client.get("/?q=Kim+Hanoi&from=2019&collapse=1").get_data(as_text=True)
    assert "<summary>1 more article in this story</summary>" in page


def test_compact_ticks():
    assert compact_ticks(["1987-02-26", "1987-03-02", "1987-03-11"]) == ["26 Feb 1987", "2 Mar", "11 Mar"]
    assert compact_ticks(["1986-12-29", "1987-01-05"]) == ["29 Dec 1986", "5 Jan 1987"]
    assert compact_ticks(["1986-11", "1987-01", "1987-03"]) == ["Nov 1986", "Jan 1987", "Mar"]
    assert compact_ticks(["1987", "1988"]) == ["1987", "1988"] and compact_ticks(["10:00"]) == ["10:00"]
