"""The researcher's tools in a real browser (headless Chromium, as tests/test_browser.py, whose
server and browser fixtures this module shares) at 1280 px and at 390 px (a phone): the trends
chart, the phone's Filters button, the export download and the feed link.
"""
from __future__ import annotations

import csv
import io
import json
import urllib.request
from xml.etree import ElementTree as ET

import pytest

from tests.test_browser import base_url, browser  # noqa: F401  (shared fixtures; skips without Chromium)

WIDTHS = {"desktop": 1280, "phone": 390}
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(params=list(WIDTHS))
def page(browser, request):  # noqa: F811
    context = browser.new_context(viewport={"width": WIDTHS[request.param], "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors, page.width = errors, WIDTHS[request.param]
    yield page
    context.close()


def _api(base: str, path: str) -> dict:
    with urllib.request.urlopen(base + path, timeout=10) as response:
        return json.loads(response.read())


def test_trends_page_draws_two_series_with_a_legend(page, base_url):  # noqa: F811
    page.goto(base_url + "/trends?q=oil&q=zebra")
    chart = page.locator("figure.trends-chart svg")
    assert chart.is_visible()
    assert page.locator("figure.trends-chart g.series").count() == 2
    assert page.locator("g.series-0 polyline").count() >= 1 and page.locator("g.series-1 circle.point").count() >= 1
    legend = page.locator("ul.legend li")
    assert legend.count() == 2 and "oil" in legend.nth(0).inner_text() and "zebra" in legend.nth(1).inner_text()
    assert legend.nth(0).is_visible() and legend.nth(1).is_visible()
    # labelled ticks on both axes, and a share (the default) on the y axis
    assert page.locator("text.tick.x").count() >= 2
    assert all(label.endswith("%") for label in page.locator("text.tick.y").all_text_contents())
    # hover: the point's <title> (no JavaScript needed) and the read-out (JavaScript)
    point = page.locator("g.series-0 circle.point").first
    assert "oil —" in point.locator("title").text_content()
    point.hover()
    assert "oil —" in page.locator(".readout").inner_text()
    # the chart fits the viewport
    assert chart.bounding_box()["width"] <= page.width
    assert not page.errors


def test_phone_filters_button_opens_the_filters(page, base_url):  # noqa: F811
    page.goto(base_url + "/?q=oil&source=Wire")
    button = page.locator(".filters-button")
    sidebar = page.locator("#filters")
    if page.width >= 700:
        assert not button.is_visible() and sidebar.is_visible()
        return
    assert button.is_visible() and button.inner_text() == "Filters (1 active)"
    assert button.bounding_box()["y"] < page.locator("li.hit").first.bounding_box()["y"]
    assert not sidebar.is_visible()
    assert page.locator("a.chip", has_text="Wire").is_visible()  # active filters stay in sight
    # "Sort by" and "Prefer recent" each on its own line
    assert page.locator("#sort").bounding_box()["y"] < page.locator("#recency").bounding_box()["y"]
    button.click()
    assert sidebar.is_visible() and button.get_attribute("aria-expanded") == "true"
    assert page.locator("#facet-place").is_visible()
    assert sidebar.bounding_box()["y"] < page.locator("li.hit").first.bounding_box()["y"]
    button.click()
    assert not sidebar.is_visible()
    assert not page.errors


def test_export_link_downloads_every_result_as_csv(page, base_url):  # noqa: F811
    page.goto(base_url + "/?q=oil&source=Wire")
    total = _api(base_url, "/api/search?q=oil&source=Wire")["total"]
    assert 10 < total < 100  # a small query, over more than one page
    # On a phone the download is one tap away, beside the Filters button (issue 24)
    where = ".quick-tools" if page.width < 700 else ".research"
    with page.expect_download() as info:
        page.locator(f"{where} a[data-export=csv]").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    assert rows[0][:4] == ["id", "date", "source", "title"]
    assert len(rows) - 1 == total and {row[2] for row in rows[1:]} == {"Wire"}


def test_top_words_beside_the_facets_and_dates_as_the_page_writes_them(page, base_url):  # noqa: F811
    page.goto(base_url + "/?q=oil")
    if page.width < 700:
        page.locator(".filters-button").click()
    words = page.locator(".research ol.top-words li a")
    words.first.wait_for()
    assert "traders" in words.all_inner_texts() and "oil" not in words.all_inner_texts()
    page.locator("#date-from").fill("2019-02-23")
    page.locator("#date-from").dispatch_event("change")
    assert page.locator("#date-from-shown").inner_text() == "23 Feb 2019"
    assert not page.errors


def test_feed_link_is_present_and_the_feed_parses(page, base_url):  # noqa: F811
    page.goto(base_url + "/?q=oil")
    alternate = page.locator('head link[rel="alternate"][type="application/atom+xml"]')
    assert alternate.count() == 1
    href = alternate.get_attribute("href")
    assert href == "/feed?q=oil"
    with urllib.request.urlopen(base_url + href, timeout=10) as response:
        root = ET.fromstring(response.read())
    assert root.tag == f"{ATOM}feed" and len(root.findall(f"{ATOM}entry")) == 25
    # the page's visible link leads people to a page about the feed (tests/test_browser_help.py)
    assert page.locator('a[href="/follow?q=oil"]').count() >= 1
