"""What the web app writes stays well-formed and private whatever an index holds (contract suite:
both backends): XML with the control characters XML 1.0 forbids in titles or in the query, and
the server's file paths.

Articles are written with the backend's writer (tests.test_histogram_limits.write_articles), as
an index built before the readers cleaned such text can hold them.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from xml.etree import ElementTree as ET

import pytest

from index.article import Article
from tests.test_histogram_limits import write_articles
from web.xmltext import xml_text

ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE_TITLES = ["Oil \x01 start of heading", "Oil \x1b[31m escape", "Oil \ufffe and \uffff non-characters",
                  "Oil \x0b\x0c tabs and \x7f delete"]


@pytest.fixture(scope="module")
def client(backend_indexes):
    from web import create_app

    when = datetime(2019, 3, 1, tzinfo=timezone.utc)
    write_articles(backend_indexes, "hostile-xml", [
        Article(title=title, body=f"Crude oil prices, hostile title {n}.", date=when.replace(day=n + 1),
                url=f"https://example.test/x{n}", path=f"/srv/private/archive/x{n}.txt", source="Wire\x02")
        for n, title in enumerate(HOSTILE_TITLES)])
    return create_app(engine=backend_indexes.engine("hostile-xml"), testing=True).test_client()


def test_xml_text_keeps_what_xml_allows_and_drops_the_rest():
    assert xml_text("a\tb\nc\rd é 中 \U0001f600 \ufffd") == "a\tb\nc\rd é 中 \U0001f600 \ufffd"
    assert xml_text("\x00\x01\x08\x0b\x0c\x1b\x1f\ud800\udfff\ufffe\uffff") == ""


@pytest.mark.parametrize("query", ["oil", "\x01oil", "oil\x1b", "\ufffeoil"])
def test_feed_is_well_formed_xml_with_control_characters(client, query):
    response = client.get("/feed", query_string={"q": query})
    assert response.status_code == 200
    root = ET.fromstring(response.data)  # expat: a forbidden character raises
    titles = sorted(e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry"))
    assert titles == sorted(xml_text(t) for t in HOSTILE_TITLES)
    assert root.find(f"{ATOM}title").text == "newsearch: oil"


def test_trends_chart_svg_is_well_formed_xml(client):
    page = client.get("/trends", query_string={"q": "\x01oil\x1b", "interval": "day"}).get_data(as_text=True)
    (svg,) = re.findall(r"<svg viewBox.*?</svg>", page, re.S)
    root = ET.fromstring(svg)
    assert any((t.text or "").startswith("oil — 2019-03-01") for t in root.iter("title"))


def test_api_article_leaves_out_the_server_path(client, backend_indexes):
    response = client.get("/api/articles/https://example.test/x0")
    assert response.status_code == 200
    data = response.get_json()
    assert "path" not in data and "/srv/private" not in response.get_data(as_text=True)
    assert data["title"] == HOSTILE_TITLES[0]
    # The Python API keeps it: a local caller may open the file.
    record, _ = backend_indexes.engine("hostile-xml").article("https://example.test/x0")
    assert record.path == "/srv/private/archive/x0.txt"
