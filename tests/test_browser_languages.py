"""Languages in a real browser (headless Chromium, as tests/test_browser.py, whose browser fixture
this module shares), at 1280 px and at 390 px (a phone): clicking the Languages facet narrows the
results to that language and shows a chip by name that removes it; Arabic results run right to
left; the about page's languages table fits a phone's width.
"""
from __future__ import annotations

import re
import threading
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.languages_sample import ARTICLES, write_sample
from tests.test_browser import browser  # noqa: F401  (shared fixture; skips without Chromium)

WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    from newsearch.indexing import index_paths
    from web.serve import make_server, server_url

    folder = write_sample(tmp_path_factory.mktemp("browser-languages"))
    index = folder / "index"
    index_paths([folder], index, entities=False, show_progress=False)
    server = make_server(index, port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield server_url(server)
    server.close()
    thread.join(5)


@pytest.fixture(params=list(WIDTHS))
def page(browser, request):  # noqa: F811
    context = browser.new_context(viewport={"width": WIDTHS[request.param], "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors, page.width = errors, WIDTHS[request.param]
    yield page
    context.close()


def test_clicking_a_language_narrows_the_results_and_its_chip_removes_it(page, base_url):
    page.goto(base_url + "/")
    assert page.locator("li.hit").count() == len(ARTICLES)
    if page.width < 700:  # a phone: the facets are behind the Filters button
        page.locator(".filters-button").click()
    facet = page.locator("#facet-language")
    assert facet.is_visible() and facet.inner_text().lower() == "languages"
    german = page.locator('#facet-language ~ ul a[data-kind="language"]', has_text="German (de)")
    assert german.locator(".count").inner_text() == "2"
    german.click()
    page.wait_for_url(re.compile(r"language=de"))
    assert ("language", "de") in parse_qsl(urlsplit(page.url).query)
    assert page.locator(".summary strong").inner_text() == "2"
    titles = page.locator("li.hit h2.hit-title")
    assert sorted(titles.all_inner_texts()) == sorted(a["title"] for a in ARTICLES if a["language"] == "de")
    assert {titles.nth(i).get_attribute("lang") for i in range(titles.count())} == {"de"}
    chip = page.locator('a.chip[data-kind="language"]')
    assert chip.is_visible() and "German (de)" in chip.inner_text()
    chip.click()
    page.wait_for_url(lambda url: "language=" not in url)
    assert page.locator("a.chip").count() == 0 and page.locator("li.hit").count() == len(ARTICLES)
    assert not page.errors


def test_the_search_box_takes_a_language_and_arabic_runs_right_to_left(page, base_url):
    page.goto(base_url + "/")
    box = page.get_by_label("Search the archive")
    box.fill("language:ar")
    box.press("Enter")
    page.wait_for_url(re.compile(r"q=language%3Aar"))
    assert page.locator("li.hit").count() == 1
    snippet = page.locator("li.hit p.snippet")
    assert snippet.evaluate("element => getComputedStyle(element).direction") == "rtl"
    assert page.locator("li.hit h2.hit-title").evaluate("element => getComputedStyle(element).direction") == "rtl"
    assert not page.errors


def test_the_about_page_lists_the_languages_within_the_screen(page, base_url):
    page.goto(base_url + "/about")
    table = page.locator("table.languages")
    assert table.is_visible()
    rows = table.locator("tbody tr")
    assert rows.count() == 8 and rows.first.locator("th").inner_text().startswith("German")
    # the page itself never scrolls sideways (the table scrolls within its box if it must)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.width
    rows.first.locator("th a").click()
    page.wait_for_url(re.compile(r"language=de"))
    assert page.locator(".summary strong").inner_text() == "2"
    assert not page.errors
