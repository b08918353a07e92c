"""Words in context on the web and the command line, on every backend: the pages (/kwic,
/collocations, /cooccurrence), the JSON API (/api/kwic, /api/collocations, /api/cooccurrence,
with CSV and GEXF downloads), `newsearch kwic|collocations|cooccurrence`, and bad input (400 with
the check's message, exit 2 with one line). The corpus is tests/test_context.py's.
"""
from __future__ import annotations

import csv
import io
import json
from xml.etree import ElementTree as ET

import pytest

from search.cooccurrence import GEXF_NAMESPACE
from tests.test_context import context_engine, context_records  # noqa: F401 - the shared fixture

GEXF = "{" + GEXF_NAMESPACE + "}"


@pytest.fixture(scope="module")
def client(context_engine):  # noqa: F811 - the fixture imported above
    from web import create_app

    return create_app(engine=context_engine, testing=True).test_client()


def test_api_kwic_pages_sorts_and_downloads(client):
    answer = client.get("/api/kwic", query_string={"q": "oil", "kwic_sort": "right", "width": "2", "lines": "4",
                                                   "page": "2"})
    assert answer.status_code == 200
    data = answer.get_json()
    assert (data["total_lines"], data["pages"], data["page"], data["sort"], data["terms"]) == (11, 3, 2, "right",
                                                                                                 ["oil"])
    firsts = [line["right"].split()[0].lower() if line["right"] else "" for line in data["lines"]]
    assert firsts == sorted(firsts) and len(firsts) == 4
    assert {"article_id", "left", "keyword", "right", "field", "language"} <= set(data["lines"][0])
    filtered = client.get("/api/kwic", query_string={"q": "oil", "source": "Gazette"}).get_json()
    assert filtered["total"] == 2 and filtered["total_lines"] == 7  # the search's filters apply
    download = client.get("/api/kwic", query_string={"q": "oil", "format": "csv"})
    assert download.mimetype == "text/csv" and "attachment" in download.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert rows[0][5:8] == ["left", "keyword", "right"] and len(rows) == 12


def test_kwic_page_shows_aligned_lines_and_links(client):
    page = client.get("/kwic", query_string={"q": "plans", "kwic_sort": "left"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<td class="kwic-word"><a href="/article/https://example.test/plan-1?q=plans" lang="en">planned</a></td>' in html
    assert "<bdi lang=\"en\">The airline</bdi>" in html
    assert "4 occurrences in 1 of the 1 articles read" in html
    assert 'href="/collocations?q=plans"' in html and 'href="/cooccurrence?q=plans"' in html
    assert "/api/kwic?q=plans&amp;kwic_sort=left&amp;format=csv" in html
    assert 'href="/?q=plans"' in html  # back to the results
    # The blueprint's template globals leave the other pages' alone (a second `article_link` once
    # broke every result page).
    assert client.get("/", query_string={"q": "plans"}).status_code == 200
    from web.context import context_links
    from web.state import SearchState

    with client.application.test_request_context():
        links = context_links(SearchState(q="oil", filters={"place": ("Kuwait",)}, page=3))
    assert links == {"kwic": "/kwic?q=oil&place=Kuwait", "collocations": "/collocations?q=oil&place=Kuwait",
                     "cooccurrence": "/cooccurrence?q=oil&place=Kuwait"}
    paged = client.get("/kwic", query_string={"q": "oil", "lines": "5"}).get_data(as_text=True)
    assert 'rel="next" href="/kwic?q=oil&amp;lines=5&amp;page=2"' in paged


def test_collocations_api_and_page(client):
    data = client.get("/api/collocations", query_string={"q": "oil", "window": "1", "min_count": "2"}).get_json()
    assert [(w["word"], w["together"], w["total"]) for w in data["words"]][:2] == [("crude", 4, 4), ("prices", 4, 4)]
    assert data["words"][0]["score"] == pytest.approx(5.10, abs=0.01)
    html = client.get("/collocations", query_string={"q": "oil", "window": "1", "min_count": "2"}).get_data(as_text=True)
    assert ">crude</a>" in html and "5.1" in html


def test_cooccurrence_api_page_and_gexf(client):
    data = client.get("/api/cooccurrence", query_string={"q": "oil", "top": "3"}).get_json()
    assert data["pairs"][0] == {"a": {"kind": "org", "name": "OPEC", "articles": 3},
                                "b": {"kind": "place", "name": "Kuwait", "articles": 3}, "articles": 3}
    assert len(data["pairs"]) == 3 and data["distinct_pairs"] == 10
    html = client.get("/cooccurrence", query_string={"q": "oil"}).get_data(as_text=True)
    assert '<svg viewBox="0 0 900 900" role="img"' in html and 'class="node node-org"' in html
    assert "<text" in html and ">OPEC</text>" in html
    assert 'href="/?q=oil&amp;org=OPEC&amp;place=Kuwait"' in html  # a pair's count narrows to both
    download = client.get("/api/cooccurrence", query_string={"q": "oil", "format": "gexf"})
    assert download.mimetype == "application/gexf+xml"
    root = ET.fromstring(download.data)
    assert root.tag == GEXF + "gexf" and len(list(root.iter(GEXF + "edge"))) == 10
    table = client.get("/cooccurrence", query_string={"q": "oil", "format": "csv", "kind": "place"})
    rows = list(csv.reader(io.StringIO(table.get_data(as_text=True))))
    assert rows[0][:4] == ["kind_a", "entity_a", "kind_b", "entity_b"] and {r[0] for r in rows[1:]} == {"place"}


@pytest.mark.parametrize("path, args, word", [
    ("/api/kwic", {"q": "oil", "kwic_sort": "middle"}, "kwic_sort"),
    ("/api/kwic", {"q": "oil", "width": "0"}, "width"),
    ("/api/kwic", {"q": "oil", "lines": "100000"}, "lines"),
    ("/api/kwic", {"q": "oil", "articles": "10001"}, "articles"),
    ("/api/kwic", {"q": "oil", "format": "xls"}, "format"),
    ("/api/kwic", {"q": "date:2019-13"}, "date"),
    ("/api/collocations", {"q": "oil", "window": "eleven"}, "window"),
    ("/api/cooccurrence", {"q": "oil", "kind": "animal"}, "kind"),
    ("/api/cooccurrence", {"q": "oil", "top": "501"}, "top"),
])
def test_bad_input_is_a_400_with_the_reason(client, path, args, word):
    answer = client.get(path, query_string=args)
    assert answer.status_code == 400
    assert word in answer.get_json()["error"]
    page = client.get(path.replace("/api", ""), query_string=args)
    assert page.status_code == 400 and "Cannot run this search" in page.get_data(as_text=True)


def test_command_line(backend_indexes, context_engine):  # noqa: F811 - the fixture imported above
    from tests.test_cli import assert_one_line_error, newsearch

    env = backend_indexes.env("context")
    text = newsearch("kwic", "plans", "--width", "3", "--sort", "left", env=env)
    assert text.returncode == 0, text.stderr
    assert "4 lines of plans in 1 of 1 articles read" in text.stdout
    assert "The airline  planned  to cut fares" in text.stdout
    table = newsearch("kwic", "oil", "--csv", "--place", "Saudi Arabia", env=env)
    rows = list(csv.reader(io.StringIO(table.stdout)))
    assert len(rows) == 1 + 7 and {r[0].rsplit("/", 1)[1] for r in rows[1:]} == {"oil-1", "oil-3"}
    words = json.loads(newsearch("collocations", "oil", "--window", "1", "--min-count", "2", "--json",
                                 env=env).stdout)
    assert [w["word"] for w in words["words"]] == ["crude", "prices", "exports"]
    gexf_file = backend_indexes.root / "context.gexf"
    pairs = newsearch("cooccurrence", "oil", "--top", "2", "--gexf", gexf_file, env=env)
    assert pairs.returncode == 0, pairs.stderr
    assert "3  OPEC (org, 3)  —  Kuwait (place, 3)" in pairs.stdout
    assert ET.parse(gexf_file).getroot().tag == GEXF + "gexf"
    assert "--width" in assert_one_line_error(newsearch("kwic", "oil", "--width", "99", env=env), 2)
    assert "--articles" in assert_one_line_error(newsearch("collocations", "oil", "--articles", "0", env=env), 2)
    assert "--page" in assert_one_line_error(newsearch("kwic", "oil", "--page", "x", env=env), 2)
    assert "--gexf" in assert_one_line_error(newsearch("cooccurrence", "oil", "--gexf", "/nonexistent/dir/x.gexf",
                                                       env=env), 2)
