"""Stories in a real browser (headless Chromium, as tests/test_browser.py): the collapsed result
list with "N more articles in this story" expanding in place, the story page, the toggle, on the
seeds and on Reuters-21578."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.test_browser import _serve, browser, page  # noqa: F401  (shared fixtures; skips without Chromium)

from newsearch.indexing import index_paths  # noqa: E402
from web.serve import server_url  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "tests" / "artifacts"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The seeds (entities recognised: the two agencies' accounts share their names) and four
    Reuters-21578 files (early March and early April 1987)."""
    from tests.conftest import shared_path

    data = shared_path("reuters21578")
    index = tmp_path_factory.mktemp("stories-browser") / "index"
    index_paths([REPO / "seeds"], index, entities=True, show_progress=False)
    index_paths([data / f"reut2-{n:03d}.sgm.gz" for n in (0, 1, 14, 15)], index, entities=False,
                show_progress=False)
    server, thread = _serve(index)
    yield server_url(server)
    server.close()
    thread.join(5)


def test_seed_story_expands_in_place_and_opens_its_page(page, served):  # noqa: F811
    page.goto(served + "/?q=Kim+Hanoi&from=2019")    # the seeds, not Reuters' Kims
    assert page.locator("li.hit").count() == 2           # every article by default
    page.locator(".collapse-toggle a", has_text="Group articles into stories").click()
    page.wait_for_url(re.compile(r"collapse=1"))
    assert page.locator("li.hit").count() == 1
    more = page.locator("li.hit details.story-more")
    assert more.locator("summary").inner_text().startswith("1 more article in this story")
    assert not more.locator("ul li").first.is_visible()
    more.locator("summary").click()                      # expands in place: same URL
    assert more.locator("ul li").first.is_visible() and "story" not in page.url
    others = more.locator("ul li a").all_inner_texts()
    assert len(others) == 1 and others[0] != page.locator("li.hit h2 a").inner_text()

    more.locator("a.story-link").click()
    page.wait_for_url(re.compile(r"/story/s-[0-9a-f]{16}\?q=Kim\+Hanoi&from=2019&collapse=1$"))  # the search rides along
    summary = " ".join(page.locator(".story-summary").inner_text().split())
    assert summary.startswith("2 articles · 23 Feb 2019") and "Reuters" in summary
    assert page.locator(".story-timeline li ul.story-articles li").count() == 2
    assert page.locator(".story-timeline time").first.get_attribute("datetime") == "2019-02-23"
    places = page.locator(".sidebar .entity.place").all_inner_texts()
    assert "Hanoi" in places and "Vietnam" in places

    # the toggle: every article again
    page.goto(served + "/?q=Kim+Hanoi&from=2019&collapse=1")
    page.locator(".collapse-toggle a", has_text="Show every article").click()
    page.wait_for_url(lambda url: "collapse" not in url)
    assert page.locator("li.hit").count() == 2 and page.locator("details.story-more").count() == 0
    assert not page.errors


def test_reuters_collapsed_pages_show_more_and_the_story_page_works(page, served):  # noqa: F811
    page.set_default_timeout(15_000)  # a Reuters story page renders more than the seeds
    page.goto(served + "/?q=oil+prices&collapse=1")
    assert page.locator("li.hit").count() == 10
    assert "stories" in page.locator(".collapse-toggle").inner_text()
    # A query whose first page has stories of several articles (the ranking decides which
    # queries do: "oil prices" leads with one-article price notices).
    page.goto(served + "/?q=trade&collapse=1")
    assert page.locator("li.hit").count() == 10
    hits = set(page.locator("li.hit h2 a").evaluate_all("els => els.map(e => e.getAttribute('href'))"))
    mores = page.locator("details.story-more summary")
    assert mores.count() >= 1
    first = mores.first
    count = int(re.match(r"(\d+) more", first.inner_text()).group(1))
    first.click()
    listed = page.locator("details.story-more[open] ul li a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))")
    assert 1 <= len(listed) <= min(count, 5)
    assert not set(listed) & hits                        # the others are not hits of the page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "stories-results.png"), full_page=True)
    page.locator("details.story-more[open] a.story-link").click()
    page.wait_for_url(re.compile(r"/story/"))
    assert page.locator(".story-timeline ul.story-articles li").count() == count + 1
    page.screenshot(path=str(ARTIFACTS / "story.png"), full_page=True)
    assert not page.errors
