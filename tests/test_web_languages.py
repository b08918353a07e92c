"""Languages on the web interface and the JSON API (issue 21): the Languages facet and its chip,
`language:` in the search box, `language=` in URLs (codes, English names, bad values refused as
other filters' bad values are), each result's language (lang attributes, labels), the language
column of exports, the language of feed entries, top words and trends narrowed to a language,
and the archive's languages on /api/stats, /about and /tips.

One small index of real news paragraphs in eight languages (tests/languages_sample.py), on each
backend (the contract suite).
"""
from __future__ import annotations

import csv
import html
import io
import json
import re
from xml.etree import ElementTree as ET

import pytest

from search.language_info import language_counts, recognition
from tests.languages_sample import ARTICLES, BY_LANGUAGE, COUNTS, write_sample
from web import create_app
from web.feed import ATOM, DUBLIN_CORE, XML_LANG
from web.state import shown_value

LANGUAGE_OF = {article["url"]: article["language"] for article in ARTICLES}
BAD_LANGUAGE = "language: 'Klingon' is not a known language"


@pytest.fixture(scope="module")
def engine(backend_indexes, tmp_path_factory):
    folder = write_sample(tmp_path_factory.mktemp("languages-web"))
    summary = backend_indexes.index("languages-web", [folder])
    assert summary.failed == 0, summary.problems
    return backend_indexes.engine("languages-web")


@pytest.fixture(scope="module")
def client(engine):
    return create_app(engine=engine, testing=True).test_client()


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.get_data(as_text=True)[:500])
    return response.get_data(as_text=True)


def hit_ids(text: str) -> list[str]:
    return [html.unescape(i) for i in re.findall(r'<h2 class="hit-title"[^>]*><a href="/article/([^"?]+)', text)]


def facet_items(text: str) -> list[tuple[str, str, int]]:
    """The Languages facet's (link, shown name, count), in order ([] when it is not shown)."""
    found = re.search(r'<section class="panel facet" aria-labelledby="facet-language">(.*?)</section>', text, re.S)
    if not found:
        return []
    return [(html.unescape(href), name, int(count.replace(",", ""))) for href, name, count in re.findall(
        r'<a href="([^"]+)"[^>]*>(?:<span class="visually-hidden">[^<]*</span>)?<span class="value">'
        r'(?:<span aria-hidden="true">✓ </span>)?([^<]+)</span> <span class="count">([\d,]+)</span>',
        found.group(1))]


def test_the_languages_facet_names_each_language_and_filters(client) -> None:
    items = facet_items(page(client, "/"))
    assert [(name, count) for _, name, count in items] == [
        ("German (de)", 2), ("English (en)", 2), ("Arabic (ar)", 1), ("Spanish (es)", 1), ("French (fr)", 1),
        ("Japanese (ja)", 1), ("Russian (ru)", 1), ("Chinese (zh)", 1)]
    german = next(href for href, name, _ in items if name == "German (de)")
    assert german == "/?language=de"
    filtered = page(client, german)
    assert sorted(hit_ids(filtered)) == sorted(a["url"] for a in ARTICLES if a["language"] == "de")
    assert '<strong>2</strong> articles' in filtered
    # the active filter: a chip by name that removes it, and the facet's value marked as chosen
    chip = re.search(r'<a class="chip" href="([^"]*)" data-kind="language" aria-label="Remove filter Language: '
                     r'German \(de\)"><span class="chip-kind">Language</span> German \(de\)', filtered)
    assert chip and chip.group(1) == "/"
    assert [(name, count) for _, name, count in facet_items(filtered)] == [("German (de)", 2)]
    assert 'Remove filter Language: </span><span class="value"><span aria-hidden="true">✓ </span>German (de)' \
        in filtered


def test_the_search_box_and_the_url_take_codes_and_names(client) -> None:
    by_filter = hit_ids(page(client, "/?language=de"))
    assert hit_ids(page(client, "/?q=language%3Ade")) == by_filter
    assert hit_ids(page(client, "/?language=German")) == by_filter
    assert hit_ids(page(client, "/?language=de-AT")) == by_filter
    named = page(client, "/?language=German")
    assert '<input type="hidden" name="language" value="de">' in named and "German (de)" in named
    # one language per article: repeated filters must all apply, OR in the query gives either
    assert "No articles match" in page(client, "/?language=de&language=fr")
    either = hit_ids(page(client, "/?q=language%3Ade+OR+language%3Afr"))
    assert sorted(either) == sorted(a["url"] for a in ARTICLES if a["language"] in ("de", "fr"))


def test_the_facet_is_left_out_when_there_is_no_choice(client) -> None:
    wire = page(client, "/?source=Wire")  # two English articles
    assert len(hit_ids(wire)) == 2 and facet_items(wire) == [] and 'facet-language' not in wire
    chosen = page(client, "/?language=fr")  # one language, but chosen: shown, to be removed
    assert [(name, count) for _, name, count in facet_items(chosen)] == [("French (fr)", 1)]


def test_each_result_carries_its_language(client) -> None:
    text = page(client, "/")
    # the results mix languages: each says its own, and its text is marked with it
    assert text.count('<span class="language">') == len(ARTICLES)
    for code in ("ar", "zh", "ja", "ru"):
        assert f'<h2 class="hit-title" lang="{code}" dir="auto">' in text
        assert f'<p class="snippet" lang="{code}" dir="auto">' in text
    assert '<h2 class="hit-title"><a href="/article/https://news.example.com/rates' in text  # English: as the page
    one = page(client, "/?language=ar")  # one language: the facet says it, no label on each result
    assert '<span class="language">' not in one
    article = page(client, "/article/" + BY_LANGUAGE["ar"]["url"])
    assert '<h1 id="article-title" lang="ar" dir="auto">' in article and '<div class="body" lang="ar" dir="auto">' in article
    assert '<a class="language" href="/?language=ar" title="All articles in Arabic">Arabic</a>' in article


def test_the_api_has_the_facet_and_the_filter(client) -> None:
    data = client.get("/api/search").get_json()
    assert {v["value"]: v["count"] for v in data["facets"]["language"]} == COUNTS
    assert {v["value"]: v["name"] for v in data["facets"]["language"]}["zh"] == "Chinese"
    assert {hit["url"]: hit["language"] for hit in data["hits"]} == LANGUAGE_OF
    japanese = client.get("/api/search?language=Japanese").get_json()
    assert japanese["total"] == 1 and japanese["hits"][0]["language"] == "ja"
    assert client.get("/api/search?language=und").get_json()["total"] == 0
    assert client.get("/api/search?q=language:ru").get_json()["hits"][0]["url"] == BY_LANGUAGE["ru"]["url"]


@pytest.mark.parametrize("url", ["/api/search", "/api/export", "/api/top-words", "/api/stories"])
def test_a_bad_language_is_refused_as_other_filters_are(client, url) -> None:
    response = client.get(url, query_string={"language": "Klingon"})
    assert response.status_code == 400 and response.get_json()["error"].startswith(BAD_LANGUAGE)
    story = client.get(url, query_string={"story": "s-1"})  # the other refused filter value: same shape
    assert story.status_code == 400 and set(story.get_json()) == {"error"}


def test_a_bad_language_on_the_pages(client) -> None:
    for url in ("/", "/feed", "/words", "/follow"):
        response = client.get(url, query_string={"language": "Klingon"})
        assert response.status_code == 400 and BAD_LANGUAGE in html.unescape(response.get_data(as_text=True)), url


def test_a_hostile_language_value_is_refused_and_escaped(client) -> None:
    evil = "<script>alert(1)</script>"
    response = client.get("/", query_string={"language": evil})
    assert response.status_code == 400 and evil not in response.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.get_data(as_text=True)


def test_exports_have_a_language_column(client) -> None:
    rows = list(csv.DictReader(io.StringIO(page(client, "/api/export?format=csv"))))
    assert list(rows[0]) == ["id", "date", "source", "title", "url", "person", "org", "place", "language"]
    assert {row["url"]: row["language"] for row in rows} == LANGUAGE_OF
    lines = [json.loads(line) for line in page(client, "/api/export?format=jsonl&language=ru").splitlines()]
    assert [(line["url"], line["language"]) for line in lines] == [(BY_LANGUAGE["ru"]["url"], "ru")]
    assert lines[0]["title"] == BY_LANGUAGE["ru"]["title"]


def test_feed_entries_say_their_language(client) -> None:
    root = ET.fromstring(client.get("/feed").get_data())
    entries = root.findall(f"{{{ATOM}}}entry")
    assert len(entries) == len(ARTICLES)
    for entry in entries:
        url = entry.find(f"{{{ATOM}}}link[@rel='via']").get("href")
        assert entry.get(XML_LANG) == LANGUAGE_OF[url] == entry.findtext(f"{{{DUBLIN_CORE}}}language")
    german = ET.fromstring(client.get("/feed?language=de").get_data())
    assert {e.get(XML_LANG) for e in german.findall(f"{{{ATOM}}}entry")} == {"de"}


def test_top_words_and_trends_take_the_language(client) -> None:
    words = client.get("/api/top-words?language=de").get_json()
    assert words["total"] == 2
    trend = client.get("/api/trends?q=language:de&q=language:en").get_json()
    assert [s["total"] for s in trend["series"]] == [2, 2]
    # a filter beside the queries applies to every series, written into each
    either = "language:de OR language:en"
    assert client.get("/api/trends", query_string={"q": either}).get_json()["series"][0]["total"] == 4
    narrowed = client.get("/api/trends", query_string={"q": either, "language": "German"}).get_json()
    assert [(s["query"], s["total"]) for s in narrowed["series"]] == [(either + ' language:"de"', 2)]
    assert client.get("/api/trends?q=oil&language=Klingon").status_code == 400
    # the result page's trends link carries its language filter into the query
    assert '/trends?q=language%3A%22de%22' in page(client, "/?language=de")


def test_stats_list_the_languages(client, engine) -> None:
    stats = client.get("/api/stats").get_json()
    assert stats["languages"] == COUNTS and list(stats["languages"])[:2] == ["de", "en"]
    # indexed without entity recognition: every language says so
    assert stats["recognition_by_language"] == {code: "none (entities disabled)" for code in COUNTS}
    # the same counts from the language facet when a backend's stats do not have them
    assert language_counts(engine, {}) == COUNTS
    about = page(client, "/about")
    row = re.search(r'<th scope="row"><a href="/\?language=de">German</a> <code>de</code></th>\s*'
                    r'<td class="count">2</td><td>([^<]+)</td>', about)
    assert row and "Snowball German stemmer" in row.group(1)
    assert re.search(r'<code>zh</code></th>\s*<td class="count">1</td><td>overlapping pairs of characters', about)
    tips = page(client, "/tips")
    assert '<a href="/?q=language%3Ade"><code>language:de</code></a> <span class="what">articles in German</span> ' \
           '<span class="count">2 articles</span>' in tips
    assert "<code>language:de OR language:fr</code>" in tips


def test_recognition_by_language_says_which_languages_have_a_model() -> None:
    """With recognition on (any recogniser recorded), English and undetermined articles are read
    by the English model, German and Chinese only by names known from the archive."""
    ran = "spaCy en_core_web_sm 3.8.0"
    assert recognition("en", ran).startswith("spaCy model en_core_web_sm")
    assert recognition("und", ran) == recognition("en", ran)
    assert recognition("de", ran) == recognition("zh", ran) == "names known from the archive"
    assert recognition("de", "none (entities disabled)") == "none (entities disabled)"


def test_shown_values() -> None:
    assert shown_value("language", "de") == "German (de)"
    assert shown_value("language", "und") == "Undetermined"
    assert shown_value("language", "xx") == "xx"  # a code the detector does not know: as it is
    assert shown_value("place", "de") == "de"
