"""The web app in a real browser: headless Chromium driven by Playwright.

The app runs under waitress in a background thread on a free port, as `newsearch serve` would.
Playwright's own browser download is not used; Debian's chromium is (`apt-get install chromium`).
"""
from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")

from newsearch.indexing import index_paths  # noqa: E402
from web.serve import make_server, server_url  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run"]
HOSTILE_HTML = """<!doctype html><html><head><title>Hostile page about zebras</title>
<meta property="article:published_time" content="2019-02-20"></head><body><article>
<h1>Hostile page about zebras</h1>
<p>Zebras are striped. &lt;script&gt;window.__xss = 1; alert('xss-escaped')&lt;/script&gt; is text here.</p>
<p>More about zebras: &lt;img src=x onerror="window.__xss = 2; alert('xss-img')"&gt; also text.</p>
<script>window.__xss = 3; alert('xss-real-script')</script>
<p>The zebra herd crossed the river at dawn, watched by rangers and tourists alike.</p>
</article></body></html>
"""
HOSTILE_TEXT = ("Zebra alert <script>window.__xss = 4; alert('txt')</script> in a plain text file\n\n"
                "Zebras <img src=x onerror=\"window.__xss = 5; alert('txt-img')\"> grazing near the "
                "river, a zebra story for tests.\n")


def _market_rows() -> list[dict]:
    return [{"title": f"Oil prices report number {i}", "date": f"2019-{1 + i % 3:02d}-{1 + (i * 7) % 27:02d}",
             "text": f"Crude oil prices moved on day {i}. Traders watched OPEC.\n\nMore on oil prices {i}.",
             "source": "Wire" if i % 2 else "Gazette", "url": f"https://news.example.com/market/{i}",
             "org": ["OPEC"], "place": ["Vienna"] if i % 2 else ["Austria"]} for i in range(25)]


def _serve(index: Path):
    server = make_server(index, port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browserdata")
    (folder / "market.jsonl").write_text("\n".join(json.dumps(r) for r in _market_rows()), encoding="utf-8")
    (folder / "hostile.html").write_text(HOSTILE_HTML, encoding="utf-8")
    (folder / "hostile.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    index = folder / "index"
    index_paths([REPO / "seeds", folder], index, entities=True, show_progress=False)
    server, thread = _serve(index)
    yield server_url(server)
    server.close()
    thread.join(5)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.dialogs, page.errors = dialogs, errors
    yield page
    context.close()


def query_of(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query)


def test_type_query_facet_chip_sort_page_timeline_article(page, base_url):
    # Every article (the page groups the 25 market reports, one template, into stories only when
    # asked: collapse=1, tests/test_browser_stories.py).
    page.goto(base_url + "/")
    page.get_by_label("Search the archive").fill("oil prices")
    page.get_by_label("Search the archive").press("Enter")
    page.wait_for_url(re.compile(r"q=oil\+prices"))
    assert page.locator("li.hit").count() == 10
    assert "oil prices" in page.title()
    assert page.locator(".summary strong").inner_text() == "25"

    # a facet value adds a filter, shown as a chip
    page.locator('#facet-place ~ ul a[data-kind="place"]', has_text="Vienna").click()
    page.wait_for_url(re.compile(r"place=Vienna"))
    assert page.locator(".summary strong").inner_text() == "12"
    chip = page.locator("a.chip", has_text="Vienna")
    assert chip.is_visible()
    # Back returns to the unfiltered results, Forward to the filtered ones
    page.go_back()
    assert ("place", "Vienna") not in query_of(page.url) and page.locator("a.chip").count() == 0
    page.go_forward()
    page.locator("a.chip", has_text="Vienna").click()
    page.wait_for_url(lambda url: "place=" not in url)
    assert page.locator("a.chip").count() == 0

    # sort: the select submits itself (JavaScript enhancement)
    page.get_by_label("Sort by").select_option("newest")
    page.wait_for_url(re.compile(r"sort=newest"))
    dates = page.locator("li.hit time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
    assert dates == sorted(dates, reverse=True)

    # page 2
    page.locator("nav.pagination a", has_text="2").first.click()
    page.wait_for_url(re.compile(r"page=2"))
    assert page.locator('nav.pagination a[aria-current="page"]').inner_text() == "2"
    assert ("sort", "newest") in query_of(page.url)

    # a timeline bar narrows to its period
    bar = page.locator("svg a.bar").first
    start, end = bar.get_attribute("data-start"), bar.get_attribute("data-end")
    bar.click()
    page.wait_for_url(re.compile(r"from=" + start))
    args = dict(query_of(page.url))
    assert args["from"] == start and args["to"] == end and "page" not in args
    assert page.locator("#date-from").input_value() == start
    assert int(page.locator(".summary strong").inner_text()) < 25

    # open an article: the query's words are highlighted
    page.locator("li.hit h2 a").first.click()
    page.wait_for_url(re.compile(r"/article/"))
    assert page.locator("article h1").inner_text().startswith("Oil prices report")
    assert page.locator("article .body mark").count() > 0
    assert page.locator("#related-heading").is_visible()
    assert not page.dialogs and not page.errors


def test_date_fields_submit(page, base_url):
    page.goto(base_url + "/?q=oil")
    page.get_by_label("From").fill("2019-02-01")
    page.get_by_label("To").fill("2019-02-28")
    page.get_by_role("button", name="Apply dates").click()
    page.wait_for_url(re.compile(r"from=2019-02-01"))
    assert ("to", "2019-02-28") in query_of(page.url) and ("q", "oil") in query_of(page.url)
    dates = page.locator("li.hit time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
    assert dates and all(d.startswith("2019-02") for d in dates)


def test_no_script_from_article_text_runs(page, base_url):
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    for query in ("zebras", "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'):
        page.goto(base_url + "/?q=" + query.replace("&", "%26").replace("#", "%23"))
        assert page.get_by_label("Search the archive").input_value() == query
    page.goto(base_url + "/?q=zebras")
    hits = page.locator("li.hit h2 a")
    assert hits.count() >= 2
    hrefs = [hits.nth(i).get_attribute("href") for i in range(hits.count())]
    snippets = page.locator("li.hit .snippet").all_inner_texts()
    assert any("<script>" in s or "<img src=x" in s for s in snippets)  # shown as text
    for href in hrefs:
        page.goto(base_url + href)
        assert page.locator("article .body").is_visible()
        assert page.locator("article .body script, article .body img").count() == 0
    assert page.evaluate("window.__xss") is None
    assert not page.dialogs, page.dialogs
    assert not page.errors and not [c for c in console if "xss" in c]


def test_works_without_javascript(browser, base_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(base_url + "/?q=oil")
        page.get_by_label("Sort by").select_option("oldest")
        page.get_by_role("button", name="Sort", exact=True).click()
        page.wait_for_url(re.compile(r"sort=oldest"))
        assert ("q", "oil") in query_of(page.url)
        page.locator("svg a.bar").first.click()
        page.wait_for_url(re.compile(r"from="))
    finally:
        context.close()


def test_keyboard_focus_is_visible(page, base_url):
    page.goto(base_url + "/?q=oil")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.press("Tab")  # the Search button
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")


def test_readable_at_360px(browser, base_url):
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    try:
        for path in ("/?q=oil+prices", "/?q=summit", "/article/https://news.example.com/market/3?q=oil"):
            page.goto(base_url + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        ARTIFACTS.mkdir(exist_ok=True)
        page.goto(base_url + "/?q=oil+prices")
        page.screenshot(path=str(ARTIFACTS / "results-360.png"), full_page=False)
    finally:
        context.close()


def test_error_pages_in_browser(page, base_url):
    response = page.goto(base_url + "/?q=foo:bar")
    assert response.status == 400 and "Cannot run this search" in page.content()
    response = page.goto(base_url + "/article/no-such-id")
    assert response.status == 404


def test_reuters_results_screenshot(browser, tmp_path_factory):
    from tests.conftest import shared_path

    folder = shared_path("reuters21578")
    index = tmp_path_factory.mktemp("reuters") / "index"
    index_paths([folder / f"reut2-00{i}.sgm.gz" for i in range(3)], index, entities=False, show_progress=False)
    server, thread = _serve(index)
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    try:
        page.goto(server_url(server) + "/?q=oil+prices")
        assert page.locator("li.hit").count() == 10
        assert page.locator("#facet-place").is_visible() and page.locator("svg a.bar").count() > 1
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "results.png"), full_page=True)
        page.locator("li.hit h2 a").first.click()
        page.wait_for_url(re.compile(r"/article/"))
        page.screenshot(path=str(ARTIFACTS / "article.png"), full_page=True)
    finally:
        context.close()
        server.close()
        thread.join(5)
