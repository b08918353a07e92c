"""The finished page (issue 24) in a real browser, at 1280 px and on a phone (390 px): search tips
and the about page, the story page's heading and way back, the collapsed summary's sources, the
no-result page, the feed's page, the tools one tap from the results on a phone, readable chart
labels, the taller sidebar timeline and the entity colour key; and the new pages without
JavaScript. Shares tests/test_browser.py's server (seeds, 25 market reports, hostile pages).
"""
from __future__ import annotations

import json
import re
import urllib.request
from datetime import date
from urllib.parse import parse_qsl, urlsplit
from xml.etree import ElementTree as ET

import pytest

from tests.test_browser import base_url, browser  # noqa: F401  (shared fixtures; skips without Chromium)

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
ATOM = "{http://www.w3.org/2005/Atom}"
SEED_SEARCH = "/?q=Kim+Hanoi&from=2019&place=Hanoi&collapse=1"   # the seeds' story of two articles, grouped


@pytest.fixture(params=list(WIDTHS))
def page(browser, request):  # noqa: F811
    width, height = WIDTHS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors, page.width, page.height = errors, width, height
    yield page
    context.close()


def _count_of(page) -> int:
    return int(page.locator(".summary strong").inner_text().replace(",", ""))


def test_tips_linked_beside_the_box_and_its_examples_find_articles(page, base_url):  # noqa: F811
    page.goto(base_url + "/?q=oil")
    tips = page.locator("header.site a.tips-link")
    assert tips.is_visible() and tips.inner_text() == "Search tips"
    box = page.locator("#q").bounding_box()
    assert tips.bounding_box()["y"] < box["y"] + box["height"] + 40   # beside it, not down the page
    tips.click()
    page.wait_for_url(re.compile(r"/tips$"))
    for section in ("words", "phrases", "exclude", "or", "fields", "dates", "wildcards", "filters", "stories", "tools"):
        assert page.locator(f"section#{section} h2").is_visible(), section
    examples = page.locator("ul.examples li")
    assert examples.count() >= 10
    queries = page.locator("ul.examples code").all_inner_texts()
    assert any(q.startswith('"') for q in queries) and any(" -" in q for q in queries)
    assert any(" OR " in q for q in queries) and any(q.startswith("person:") for q in queries)
    assert any(q.startswith("date:") for q in queries) and any(q.endswith("*") for q in queries)
    # every example is built from this index and finds what it says it finds
    for i in (0, examples.count() - 1):
        item = examples.nth(i)
        shown = int(re.match(r"([\d,]+) article", item.locator(".count").inner_text()).group(1).replace(",", ""))
        query = item.locator("code").inner_text()
        item.locator("a").click()
        page.wait_for_url(re.compile(r"/\?q="))
        assert dict(parse_qsl(urlsplit(page.url).query))["q"] == query
        assert page.locator("li.hit").count() >= 1 and _count_of(page) >= shown > 0
        page.go_back()
    assert page.locator("ul.examples li").first.bounding_box()["width"] <= page.width
    assert page.evaluate("document.documentElement.scrollWidth") <= page.width
    assert not page.errors


def test_about_page_counts_dates_and_api_and_a_footer_for_people(page, base_url):  # noqa: F811
    stats = json.loads(urllib.request.urlopen(base_url + "/api/stats", timeout=10).read())
    page.goto(base_url + "/?q=oil")
    footer = page.locator("footer.site a")
    hrefs = footer.evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert "/tips" in hrefs and "/about" in hrefs and not [h for h in hrefs if h.startswith("/api/")]
    page.locator("footer.site a", has_text="About this archive").click()
    page.wait_for_url(re.compile(r"/about$"))
    facts = " ".join(page.locator("dl.facts").inner_text().split())
    assert f"{stats['documents']:,}" in facts and "Languages" in facts
    for key in ("date_from", "date_to"):                    # the archive's real date range
        day = date.fromisoformat(stats[key][:10])
        assert f"{day.day} {day:%b %Y}" in facts
    top_person = stats["top"]["person"][0]["value"]
    assert top_person in page.locator("#top-person ~ ul").inner_text()
    assert page.locator("#api").is_visible() and page.locator('a[href="/api/stats"]').count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= page.width
    assert not page.errors


def test_error_and_no_result_pages_link_the_tips_and_no_story_toggle(page, base_url):  # noqa: F811
    response = page.goto(base_url + "/?q=foo:bar")
    assert response.status == 400
    assert page.locator("main a[href='/tips']").is_visible()
    page.goto(base_url + "/?q=zzzqqqxx")
    assert page.locator("section.empty a[href='/tips']").is_visible()
    assert page.locator(".collapse-toggle").count() == 0
    assert "0 stories" not in page.locator("main").inner_text()
    assert "Show every article" not in page.locator("main").inner_text()
    assert page.locator(".quick-tools").count() == 0   # nothing to download or follow yet


def test_story_page_heading_fits_and_its_back_link_keeps_the_search(page, base_url):  # noqa: F811
    page.goto(base_url + SEED_SEARCH)
    more = page.locator("li.hit details.story-more")
    more.locator("summary").click()
    more.locator("a.story-link").click()
    page.wait_for_url(re.compile(r"/story/s-[0-9a-f]{16}\?"))
    heading = page.locator("#story-title")
    family = heading.evaluate("e => getComputedStyle(e).fontFamily")
    hit_family = "Georgia"
    assert hit_family in family
    box = heading.bounding_box()
    line = float(heading.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
    assert box["height"] / line <= (4.2 if page.width < 700 else 2.2)       # lines
    assert box["height"] < page.height * 0.2
    back = page.locator(".story .back a")
    assert "Kim Hanoi" in back.inner_text()
    back.click()
    page.wait_for_url(re.compile(r"/\?"))
    assert sorted(parse_qsl(urlsplit(page.url).query)) == sorted(parse_qsl(urlsplit(SEED_SEARCH).query))
    assert page.locator("li.hit").count() == 1
    assert not page.errors


def test_collapsed_summary_names_the_hidden_articles_sources_only(page, base_url):  # noqa: F811
    page.goto(base_url + SEED_SEARCH)
    summary = page.locator("li.hit details.story-more summary").inner_text()
    # the hit shown is Reuters'; the other article of the story has no source: none named
    assert page.locator("li.hit .meta .source").inner_text().lower() == "reuters"
    assert summary == "1 more article in this story"
    # the market reports: the summary names exactly the sources of the articles it hides
    page.goto(base_url + "/?q=oil+prices&collapse=1")
    checked = 0
    for i in range(page.locator("details.story-more").count()):
        more = page.locator("details.story-more").nth(i)
        text = more.locator("summary").inner_text()
        hidden = int(re.match(r"(\d+) more", text).group(1))
        if hidden > 5:
            continue
        more.locator("summary").click()
        metas = more.locator("ul li .meta").all_inner_texts()
        sources = {m.split(" · ")[0] for m in metas if " · " in m}
        named = set(text.split(" · ")[1].split(", ")) if " · " in text else set()
        assert named == sources, (text, metas)
        checked += 1
    assert checked >= 1


def test_follow_page_explains_the_feed_and_lists_its_entries(page, base_url):  # noqa: F811
    page.goto(base_url + "/?q=oil")
    if page.width < 700:
        link = page.locator(".quick-tools a", has_text="Feed")
    else:
        link = page.locator(".research a", has_text="Follow in a feed reader")
    assert link.is_visible()
    link.click()
    page.wait_for_url(re.compile(r"/follow\?q=oil$"))
    assert "feed reader" in page.locator("main").inner_text()
    address = page.locator("#feed-url").input_value()
    assert address == base_url + "/feed?q=oil"
    with urllib.request.urlopen(address, timeout=10) as response:
        assert response.headers["Content-Type"].startswith("application/atom+xml")
        root = ET.fromstring(response.read())              # still plain, valid Atom
    titles = [entry.findtext(f"{ATOM}title") for entry in root.findall(f"{ATOM}entry")]
    assert root.tag == f"{ATOM}feed" and len(titles) == 25
    assert page.locator("ol.feed-entries > li > a").all_inner_texts() == titles
    # the feed's own address opened in the browser: the entries with a note on what it is for
    page.goto(address)
    assert page.evaluate("document.contentType") == "application/xml"
    note = page.evaluate("getComputedStyle(document.documentElement, '::before').content")
    assert "feed reader" in note
    assert page.evaluate("getComputedStyle(document.querySelector('entry > id')).display") == "none"
    assert page.evaluate("document.querySelectorAll('entry').length") == 25
    page.go_back()
    page.locator("button[data-copy]").click()
    assert page.locator("button[data-copy]").inner_text() in ("Copied", "Copy")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.width
    assert not page.errors


def test_phone_tools_one_tap_from_the_results(page, base_url):  # noqa: F811
    page.goto(base_url + "/?q=oil&source=Wire")
    first_hit = page.locator("li.hit").first.bounding_box()
    tools = page.locator(".quick-tools a")
    if page.width >= 700:
        assert not page.locator(".quick-tools").is_visible()
        assert page.locator(".research a[data-export=csv]").is_visible()
        return
    bar = page.locator("nav.quick-tools")
    for name in ("Compare Over time", "Download CSV", "Follow in a Feed reader"):   # short on screen
        assert bar.get_by_role("link", name=name).is_visible()
    for i in range(tools.count()):
        box = tools.nth(i).bounding_box()
        assert tools.nth(i).is_visible() and box["y"] + box["height"] < first_hit["y"]
        assert box["height"] >= 24                                   # a finger can hit it
    page.locator(".quick-tools a", has_text="Over time").click()
    page.wait_for_url(re.compile(r"/trends\?q=oil"))
    assert page.locator("figure.trends-chart svg").is_visible()


def _rendered_px(page, selector: str) -> list[float]:
    """Font sizes in CSS pixels as drawn: SVG text sizes are in viewBox units, scaled."""
    return page.locator(selector).evaluate_all("""els => els.filter(e => e.getBoundingClientRect().width > 0).map(e => {
        const svg = e.ownerSVGElement; const size = parseFloat(getComputedStyle(e).fontSize);
        return svg ? size * svg.getBoundingClientRect().width / svg.viewBox.baseVal.width : size; })""")


def test_chart_and_timeline_labels_readable_and_apart(page, base_url):  # noqa: F811
    page.goto(base_url + "/trends?q=oil&q=zebra&interval=week")
    sizes = _rendered_px(page, "text.tick")
    assert sizes and min(sizes) >= 11.5, sizes
    boxes = page.locator("text.tick.x").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect()).filter(r => r.width > 0).map(r => [r.left, r.right])")
    assert len(boxes) >= 2
    assert all(a[1] <= b[0] for a, b in zip(boxes, boxes[1:])), boxes   # no label over another
    page.goto(base_url + "/?q=oil")
    if page.width < 700:
        page.locator(".filters-button").click()
    sizes = _rendered_px(page, ".timeline .y-ticks li, .timeline .x-ticks li")
    assert sizes and min(sizes) >= 12, sizes
    ticks = page.locator(".timeline .x-ticks li").evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.left, r.right, r.height,"
        " parseFloat(getComputedStyle(e).lineHeight) || 1.5 * parseFloat(getComputedStyle(e).fontSize)]; })")
    assert len(ticks) >= 2 and all(height <= line * 1.2 for _, _, height, line in ticks), ticks   # one line each
    assert all(a[1] <= b[0] for a, b in zip(ticks, ticks[1:])), ticks                             # side by side
    assert page.locator(".timeline .x-ticks li").first.inner_text().endswith("2019")             # the year, once
    height = page.locator(".timeline svg").bounding_box()["height"]
    assert height >= (100 if page.width >= 860 else 90), height


def test_entity_legend_is_a_key_not_chips(page, base_url):  # noqa: F811
    page.goto(base_url + "/?q=Kim+Hanoi&from=2019")
    keys = page.locator(".entity-legend .key")
    assert keys.all_inner_texts() == ["person", "organisation", "place"]
    assert page.locator(".entity-legend a, .entity-legend .entity").count() == 0
    for i in range(3):
        style = keys.nth(i).evaluate("""e => { const s = getComputedStyle(e);
            return [s.borderTopStyle, s.backgroundColor, s.cursor, s.paddingLeft]; }""")
        assert style[0] == "none" and style[1] in ("rgba(0, 0, 0, 0)", "transparent") and style[2] != "pointer"
    chip = page.locator("li.hit ul.entities a.entity").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert chip not in ("rgba(0, 0, 0, 0)", "transparent")     # the names under a result still look clickable


def test_new_pages_without_javascript(browser, base_url):  # noqa: F811
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(base_url + "/tips")
        page.locator("ul.examples a").first.click()
        page.wait_for_url(re.compile(r"/\?q="))
        assert page.locator("li.hit").count() >= 1
        page.goto(base_url + "/follow?q=oil")
        assert page.locator("#feed-url").is_visible() and not page.locator("button[data-copy]").is_visible()
        assert page.locator("ol.feed-entries li").count() == 25
        page.goto(base_url + SEED_SEARCH)
        assert page.locator(".quick-tools a", has_text="Download").is_visible()
        page.locator("details.story-more summary").click()
        page.locator("a.story-link").click()
        page.wait_for_url(re.compile(r"/story/"))
        page.locator(".story .back a").click()
        page.wait_for_url(re.compile(r"q=Kim"))
        page.goto(base_url + "/about")
        assert page.locator("dl.facts").is_visible()
    finally:
        context.close()
