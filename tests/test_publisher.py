"""The source facet names publishers (index/readers/publisher.py), with the cases seen on real pages:
"U.S." and "nj" as site names, raw URLs as publishers."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.article import Article
from index.readers import read_file
from index.readers.publisher import dateline_agency, publisher_name, registered_domain

BODY = "<p>" + "The summit between the two leaders was confirmed on Sunday by officials. " * 6 + "</p>"


@pytest.mark.parametrize("names, url, expected", [
    (["Example News"], "https://example.com/a", "Example News"),      # 1. site name metadata first
    (["U.S."], "https://www.reuters.com/article/us-x", "Reuters"),      # a section that is a place
    (["nj"], "https://www.nj.com/news/2019/02/x.html", "NJ.com"),       # a bare subdomain
    (["https://www.nytimes.com/"], None, "The New York Times"),         # a URL as the publisher
    (["nytimes.com"], None, "The New York Times"),
    ([None], "https://news.bbc.co.uk/2/hi/x.stm", "BBC"),               # 2. the URL's registered domain
    ([], "https://www.smalltownpaper.net/story/1", "smalltownpaper.net"),  # unlisted: the domain
    ([], None, None),
    ([], "https://example.test/a1", None),                                 # reserved for tests
    ([], "https://www.example.com/a1", None),
])
def test_publisher_name(names, url, expected):
    assert publisher_name(names, url) == expected


def test_dateline_agency_comes_last():
    assert publisher_name([], None, "SEOUL (Reuters) - North Korea confirmed") == "Reuters"
    assert publisher_name([], "https://apnews.com/x", "SEOUL (Reuters) - x") == "Associated Press"
    assert dateline_agency("WASHINGTON, Feb 26 (AFP) - The") == "AFP"
    assert dateline_agency("No dateline here (Reuters) - x") is None


def test_registered_domain():
    assert registered_domain("https://www.nj.com/x") == "nj.com"
    assert registered_domain("news.bbc.co.uk") == "bbc.co.uk"
    assert registered_domain("not a domain") is None


def _page(head: str) -> str:
    return f"<html lang='en'><head>{head}</head><body><article><h1>Summit set</h1>{BODY}</article></body></html>"


def test_html_page_source(tmp_path: Path):
    path = tmp_path / "nj.html"
    path.write_text(_page('<meta property="og:site_name" content="nj">'
                          '<link rel="canonical" href="https://www.nj.com/politics/2019/02/summit.html">'),
                    encoding="utf-8")
    article = next(a for a in read_file(path) if isinstance(a, Article))
    assert article.source == "NJ.com"
    path = tmp_path / "us.html"
    path.write_text(_page('<meta property="og:site_name" content="U.S.">'
                          '<meta property="og:url" content="https://www.reuters.com/article/us-summit">'),
                    encoding="utf-8")
    assert next(a for a in read_file(path) if isinstance(a, Article)).source == "Reuters"


def test_json_record_source(tmp_path: Path):
    path = tmp_path / "dump.jsonl"
    rows = [{"title": "A", "body": "Kim met Trump in Hanoi. " * 5, "source": "https://www.theguardian.com"},
            {"title": "B", "body": "HANOI (Reuters) - Kim met Trump. " * 5},
            {"title": "C", "body": "Kim met Trump in Hanoi. " * 5, "url": "https://www.cnn.com/2019/x"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    sources = [a.source for a in read_file(path) if isinstance(a, Article)]
    assert sources == ["The Guardian", "Reuters", "CNN"]
