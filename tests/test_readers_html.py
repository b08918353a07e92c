"""HTML reader: main text (trafilatura, BeautifulSoup fallback), page metadata, bad input."""
from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

from index.article import Article
from index.readers import read_file
from index.readers.base import Problem

PARAGRAPHS = [
    'SEOUL (Reuters) - North Korean leader <a href="/people/kim">Kim Jong Un</a> left Pyongyang by train '
    'on Saturday for a second summit with U.S. President <a href="/people/trump">Donald Trump</a> in Vietnam, '
    "state media reported, as both sides prepare for talks on the North's nuclear programme.",
    "The armoured train crossed into China late on Saturday, according to officials in Dandong, a border city "
    "that has seen the leader's train pass through several times during the past year of diplomacy.",
    'Kim was accompanied by his sister <a href="/people/kim-yo-jong">Kim Yo Jong</a> and senior officials '
    "including Kim Yong Chol, who has led negotiations with Washington, the official KCNA news agency said.",
    "The summit in Hanoi follows a first meeting in Singapore last June that produced a broad pledge to work "
    "toward the denuclearisation of the Korean peninsula but few concrete steps since then, analysts said.",
]
NAV = '<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World news desk</a></li></ul></nav>'
RELATED = ('<aside class="related"><h3>Related coverage</h3><ul>'
           '<li><a href="/x">Markets slump as oil prices tumble overnight</a></li>'
           '<li><a href="/y">Celebrity chef opens restaurant downtown</a></li></ul></aside>')


def page(head: str = "", article: str | None = None, html_attrs: str = ' lang="en-GB"') -> str:
    article = article if article is not None else "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (f"<!DOCTYPE html><html{html_attrs}><head><meta charset='utf-8'>{head}</head><body>"
            f"<header>{NAV}</header><main><article><h1>Kim heads to Vietnam</h1>{article}</article>"
            f"{RELATED}</main><footer><p>Copyright 2019 Example News. All rights reserved.</p></footer>"
            "</body></html>")


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def articles(path: Path) -> tuple[list[Article], list[Problem]]:
    items = list(read_file(path))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Problem)]


def one(path: Path) -> Article:
    found, problems = articles(path)
    assert len(found) == 1, problems
    return found[0]


JSONLD = {
    "@context": "https://schema.org",
    "@graph": [
        {"@type": "WebSite", "name": "Example News"},
        {"@type": "NewsArticle", "headline": "Kim Jong Un sets off for Hanoi summit",
         "datePublished": "2019-02-23T10:15:00+09:00",
         "author": [{"@type": "Person", "name": "Hyonhee Shin"}, {"@type": "Person", "name": "Josh Smith"}],
         "publisher": {"@type": "Organization", "name": "Example News Group"},
         "about": [{"@type": "Person", "name": "Kim Jong Un"}, {"@type": "Country", "name": "Vietnam"},
                   {"@type": "Organization", "name": "KCNA"}, "untyped keyword"],
         "mentions": {"@type": "Place", "name": "Dandong"}},
    ],
}


def test_body_keeps_link_text_and_drops_boilerplate(tmp_path: Path) -> None:
    article = one(write(tmp_path, "kim.html", page()))
    assert "Kim Jong Un left Pyongyang" in article.body
    assert "President Donald Trump in Vietnam" in article.body
    assert "his sister Kim Yo Jong and" in article.body
    for boilerplate in ("World news desk", "Related coverage", "Markets slump", "All rights reserved"):
        assert boilerplate not in article.body
    assert article.body.count("\n\n") == len(PARAGRAPHS) - 1  # paragraphs kept apart
    assert article.title  # <h1>/<title> absent in <head>: still some title


def test_metadata_from_json_ld(tmp_path: Path) -> None:
    head = (f'<script type="application/ld+json">{json.dumps(JSONLD)}</script>'
            '<script type="application/ld+json">{"broken": </script>'
            "<title>Kim Jong Un sets off for Hanoi summit | Example News</title>")
    article = one(write(tmp_path, "ld.html", page(head)))
    assert article.title == "Kim Jong Un sets off for Hanoi summit"
    assert article.date == datetime(2019, 2, 23, 1, 15, tzinfo=timezone.utc)
    assert article.authors == ["Hyonhee Shin", "Josh Smith"]
    assert article.source == "Example News Group"
    assert article.language == "en"
    assert article.entities == {"person": ["Kim Jong Un"], "place": ["Vietnam", "Dandong"], "org": ["KCNA"]}


def test_json_ld_top_level_list_and_plain_strings(tmp_path: Path) -> None:
    ld = [{"@type": "BreadcrumbList"},
          {"@type": ["NewsArticle"], "headline": "List headline", "datePublished": "Sat, 23 Feb 2019 10:00:00 GMT",
           "author": "By Jane Doe", "publisher": "Plain Publisher", "about": ["untyped"]}]
    head = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    article = one(write(tmp_path, "list.html", page(head)))
    assert (article.title, article.source, article.authors) == ("List headline", "Plain Publisher", ["Jane Doe"])
    assert article.date == datetime(2019, 2, 23, 10, 0, tzinfo=timezone.utc)
    assert article.entities == {}


def test_metadata_from_open_graph_and_meta(tmp_path: Path) -> None:
    head = ('<meta property="og:title" content="Kim heads to Vietnam - Example News">'
            '<meta property="og:site_name" content="Example News">'
            '<meta property="og:url" content="https://news.example.com/og-url">'
            '<link rel="canonical" href="https://news.example.com/world/kim-vietnam">'
            '<meta property="article:published_time" content="2019-02-23T08:00:00Z">'
            '<meta name="author" content="Hyonhee Shin and Josh Smith">'
            '<meta name="news_keywords" content="Kim Jong Un, Vietnam">')
    article = one(write(tmp_path, "og.html", page(head)))
    assert article.title == "Kim heads to Vietnam"
    assert article.source == "Example News"
    assert article.url == "https://news.example.com/world/kim-vietnam"
    assert article.date == datetime(2019, 2, 23, 8, 0, tzinfo=timezone.utc)
    assert article.authors == ["Hyonhee Shin", "Josh Smith"]
    assert article.entities == {}  # news_keywords are untyped: not entities


def test_title_tag_site_suffix_by_domain_and_time_element(tmp_path: Path) -> None:
    head = ("<title>Kim heads to Vietnam | ExampleNews</title>"
            '<meta property="og:url" content="https://www.examplenews.com/a/1">')
    article_html = '<time datetime="2019-02-24T06:30:00+00:00">Feb 24</time>' + "".join(
        f"<p>{p}</p>" for p in PARAGRAPHS)
    article = one(write(tmp_path, "t.html", page(head, article_html, html_attrs=' lang="ko-KR"')))
    assert article.title == "Kim heads to Vietnam"
    assert article.date == datetime(2019, 2, 24, 6, 30, tzinfo=timezone.utc)
    assert article.language == "ko"
    assert article.url == "https://www.examplenews.com/a/1"


def test_date_from_url_when_page_has_none(tmp_path: Path) -> None:
    head = '<link rel="canonical" href="https://example.com/2019/02/23/kim-vietnam.html">'
    assert one(write(tmp_path, "u.html", page(head))).date == datetime(2019, 2, 23, tzinfo=timezone.utc)


def test_unparseable_date_is_a_warning_and_article_is_undated(tmp_path: Path) -> None:
    head = '<meta property="article:published_time" content="the day before yesterday">'
    path = write(tmp_path, "d.html", page(head))
    found, problems = articles(path)
    assert len(found) == 1 and found[0].date is None
    assert [p.severity for p in problems] == ["warning"]
    assert problems[0].path == str(path) and "the day before yesterday" in problems[0].reason


def test_short_page_uses_fallback_and_keeps_links(tmp_path: Path) -> None:
    html = ("<html><head><title>Short</title></head><body><nav><a href='/'>Home</a></nav>"
            "<p>Talks with <a href='/k'>Kim Jong Un</a> ended.</p></body></html>")
    article = one(write(tmp_path, "short.html", html))
    assert article.body == "Talks with Kim Jong Un ended."
    assert article.title == "Short"


def test_gzip_latin1_and_cp1252_pages(tmp_path: Path) -> None:
    text = page("<title>Zürich café reopens – déjà vu</title>").replace("charset='utf-8'", "charset='windows-1252'")
    gz = write(tmp_path, "page.html.gz", gzip.compress(text.encode("utf-8")))
    assert "Kim Jong Un" in one(gz).body
    cp = write(tmp_path, "cp.html", text.encode("cp1252"))
    assert one(cp).title == "Zürich café reopens – déjà vu"
    latin = text.replace("windows-1252", "iso-8859-1").replace("–", "-")
    assert one(write(tmp_path, "latin.html", latin.encode("latin-1"))).title == "Zürich café reopens - déjà vu"
    # No declaration at all: the guess may differ in accents, but the article is still read.
    undeclared = text.replace(" charset='windows-1252'", "")
    assert "Kim Jong Un" in one(write(tmp_path, "guess.html", undeclared.encode("cp1252"))).body
    bom = write(tmp_path, "bom.html", b"\xef\xbb\xbf" + page("<title>With BOM</title>").encode())
    assert one(bom).title == "With BOM"


def test_bad_files_give_one_problem_each(tmp_path: Path) -> None:
    cases = {
        "empty.html": b"",
        "junk.html": bytes(range(256)) * 4,
        "truncated.html.gz": gzip.compress(page().encode())[:60],
        "nothing.html": b"<html><head></head><body><script>var x = 1;</script></body></html>",
    }
    for name, data in cases.items():
        path = write(tmp_path, name, data)
        found, problems = articles(path)
        assert found == [] and len(problems) == 1, name
        assert problems[0].path == str(path) and problems[0].severity == "error" and problems[0].reason


def _f1(predicted: str, gold: str) -> float:
    pred, true = Counter(re.findall(r"\w+", predicted)), Counter(re.findall(r"\w+", gold))
    overlap = sum((pred & true).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(pred.values()), overlap / sum(true.values())
    return 2 * precision * recall / (precision + recall)


def test_extraction_benchmark_mean_token_f1(extraction_benchmark_dir: Path) -> None:
    gold = json.load(gzip.open(extraction_benchmark_dir / "ground-truth.json.gz"))
    assert len(gold) == 181
    scores = []
    for page_id, truth in sorted(gold.items()):
        found, _ = articles(extraction_benchmark_dir / "html" / f"{page_id}.html.gz")
        scores.append(_f1(found[0].body if found else "", truth["articleBody"]))
    assert sum(scores) / len(scores) >= 0.90


def test_deeply_nested_json_ld_is_ignored_and_the_page_read(tmp_path: Path) -> None:
    deep = '<script type="application/ld+json">' + "[" * 100_000 + "</script>"
    found, problems = articles(write(tmp_path, "deep.html", page(deep)))
    assert len(found) == 1 and "Kim Jong Un" in found[0].body and problems == []


# The page's declaration of its language, normalised to ISO 639-1 (index.language), the hint
# indexing's detection starts from.

@pytest.mark.parametrize("html_attrs,head,expected", [
    (' lang="de-AT"', "", "de"),
    (' xml:lang="fr"', "", "fr"),
    ("", '<meta property="og:locale" content="pt_BR">', "pt"),
    ("", '<meta http-equiv="Content-Language" content="es-MX, en">', "es"),
    ("", '<meta name="language" content="German">', "de"),
    ("", '<meta name="DC.language" content="rus">', "ru"),
    # The article's own JSON-LD wins over the template's <html lang>.
    (' lang="en"', '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Kim heads to '
                   'Vietnam", "inLanguage": "ko-KR"}</script>', "ko"),
    (' lang="en"', '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Kim", '
                   '"inLanguage": {"@type": "Language", "name": "Japanese", "alternateName": "ja"}}</script>', "ja"),
    # Garbage is no declaration: the next one is read, else none.
    (' lang="xx-YY"', '<meta property="og:locale" content="it_IT">', "it"),
    (' lang="English; French"', "", None),
    (' lang="12"', '<meta name="language" content="*">', None),
    ("", "", None),
])
def test_the_pages_language_declaration_is_normalised(tmp_path: Path, html_attrs: str, head: str,
                                                      expected: str | None) -> None:
    assert one(write(tmp_path, "p.html", page(head=head, html_attrs=html_attrs))).language == expected
