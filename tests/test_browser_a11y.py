"""Accessibility: axe-core (vendored in tests/axe/, MPL-2.0, no download at run time) over the
pages in a real browser, at 1280 px and on a phone (390 px): no serious or critical violation on
the search, article, story, trends, tips, about, follow, no-result and error pages.

axe checks what a machine can (contrast, names of links and controls, landmarks, ARIA use, ...);
it is no substitute for trying the page with a keyboard and a screen reader, but a regression in
what it checks fails here.
"""
from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.test_browser import base_url, browser  # noqa: F401  (shared fixtures; skips without Chromium)

AXE = Path(__file__).resolve().parent / "axe" / "axe.min.js"
AXE_VERSION = "4.14.1"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
BLOCKING = ("serious", "critical")


def _api(base: str, path: str) -> dict:
    with urllib.request.urlopen(base + path, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def pages(base_url):  # noqa: F811
    """The pages to check, by name: each a path on the shared test server."""
    story = next(hit["story"]["id"] for hit in _api(base_url, "/api/search?q=Kim+Hanoi&from=2019&collapse=1")["hits"]
                 if hit["story"] and hit["story"]["size"] > 1)
    article = _api(base_url, "/api/search?q=oil")["hits"][0]["id"]
    return {
        "search": "/?q=oil", "search-filtered": "/?q=oil&source=Wire&from=2019-02",
        "article": f"/article/{quote(article, safe='')}?q=oil", "story": f"/story/{story}?q=Kim+Hanoi",
        "trends": "/trends?q=oil&q=zebra", "tips": "/tips", "about": "/about", "follow": "/follow?q=oil",
        "no-results": "/?q=zzzqqqxx", "error": "/?q=foo:bar",
    }


@pytest.fixture(scope="module", params=list(WIDTHS))
def axe_page(browser, request):  # noqa: F811
    width, height = WIDTHS[request.param]
    # The app's Content-Security-Policy forbids injected scripts (rightly): axe is let in here only.
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def test_axe_is_the_vendored_version():
    assert AXE.exists(), "tests/axe/axe.min.js is missing (see tests/axe/SOURCE.md)"
    assert f"axe v{AXE_VERSION}" in AXE.read_text(encoding="utf-8")[:200]


@pytest.mark.parametrize("name", ["search", "search-filtered", "article", "story", "trends", "tips", "about",
                                  "follow", "no-results", "error"])
def test_no_serious_accessibility_violations(axe_page, base_url, pages, name):  # noqa: F811
    axe_page.goto(base_url + pages[name])
    if name == "search" and axe_page.viewport_size["width"] < 700:
        axe_page.locator(".filters-button").click()   # the folded filters too, once opened
    axe_page.evaluate(AXE.read_text(encoding="utf-8"))
    result = axe_page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    blocking = [f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:5]]}"
                for v in result["violations"] if v["impact"] in BLOCKING]
    assert not blocking, "\n".join(blocking)


def test_the_check_finds_a_planted_violation(axe_page, base_url):  # noqa: F811
    """The test can fail: an unlabelled image link and grey-on-grey text are reported."""
    axe_page.goto(base_url + "/tips")
    axe_page.evaluate("""() => { const a = document.createElement('a'); a.href = '/';
        a.innerHTML = '<img src="/static/favicon.svg">'; document.querySelector('main').appendChild(a);
        const p = document.createElement('p'); p.textContent = 'faint'; p.style.color = '#ddd';
        document.querySelector('main').appendChild(p); }""")
    axe_page.evaluate(AXE.read_text(encoding="utf-8"))
    result = axe_page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    found = {v["id"] for v in result["violations"] if v["impact"] in BLOCKING}
    assert {"image-alt", "color-contrast"} <= found, found
