"""The researcher's memory in a real browser (issue 22; headless Chromium, as tests/test_browser.py):
saving a search and reopening it after a re-index, tagging by hand and by query, and the
keyword-in-context view. Real data: Reuters articles as JSON Lines records
(tests/test_saved_searches.py), served by waitress on a free port as `newsearch serve` would.
"""
from __future__ import annotations

import threading
from urllib.parse import quote

import pytest

from tests.test_browser import browser  # noqa: F401  (shared fixture; skips without Chromium)
from newsearch.indexing import index_paths  # noqa: E402
from search.memory import saved, tags  # noqa: E402
from search.memory.store import ResearchStore  # noqa: E402
from web.serve import make_server, server_url  # noqa: E402

from tests.test_saved_searches import _reuters_records, _write  # noqa: E402


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(base url, source folder, index folder) of a server over 300 Reuters articles."""
    folder = tmp_path_factory.mktemp("memory-browser")
    source, index_dir = folder / "source", folder / "index"
    _write(source, "a.jsonl", [dict(r, source="Wire A") for r in _reuters_records(300)])
    index_paths([source], index_dir, entities=False, show_progress=False)
    server = make_server(index_dir, port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield server_url(server), source, index_dir
    server.close()
    thread.join(5)


@pytest.fixture
def page(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    yield page
    context.close()


def test_save_a_search_then_reopen_it_after_a_reindex(page, site):
    base, source, index_dir = site
    page.goto(base + "/?q=oil")
    total = int(page.locator(".results-count, .count-line, #result-count").first.inner_text().split()[0].replace(",", "")
                ) if page.locator("#result-count").count() else None
    page.locator("details.memory-tools summary").click()
    page.fill("#save-search input[name=name]", "Oil in 1987")
    page.locator("#save-search button[type=submit]").click()
    page.wait_for_url(base + "/saved/" + quote("Oil in 1987", safe=""))
    store = ResearchStore.beside(index_dir)
    kept = saved.get(store, "Oil in 1987")
    assert total in (None, kept.total)
    assert page.locator("#saved-total").inner_text().startswith(f"{kept.total:,} articles when saved")
    assert "Oil in 1987" in page.locator("#citation").inner_text()
    first_titles = page.locator("ol.saved-articles li a").all_inner_texts()
    assert len(first_titles) == min(20, kept.frozen)

    # New articles arrive while the server runs; the saved search keeps its set and says so.
    _write(source, "b.jsonl", [dict(r, source="Wire B") for r in _reuters_records(300, skip=300)])
    index_paths([source], index_dir, entities=False, show_progress=False)
    page.reload()
    new_line = page.locator("#saved-new").inner_text()
    new_total = int(new_line.split()[0].replace(",", ""))
    assert new_total > 0 and "new articles match since" in new_line
    assert page.locator("ol.saved-articles li a").all_inner_texts() == first_titles
    assert page.locator("#saved-total").inner_text().startswith(f"{kept.total:,} articles when saved")
    assert page.locator("ol.saved-new li").count() == min(20, new_total)
    assert not page.errors


def test_tag_one_article_by_hand_and_every_result_by_query(page, site):
    base, _, index_dir = site
    page.goto(base + "/?q=wheat")
    first = page.locator("li.hit").first
    title = first.locator("h2 a").inner_text()
    first.locator("form.tag-form input[name=tag]").fill("grain")
    first.locator("form.tag-form button").click()
    page.wait_for_load_state()
    store = ResearchStore.beside(index_dir)
    assert [r for r in tags.tags(store) if r[0] == "grain"] == [("grain", 1)]
    page.goto(base + "/?q=cocoa")
    page.locator("details.memory-tools summary").click()
    page.fill("#tag-search input[name=tag]", "cocoa")
    page.locator("#tag-search input[name=reapply]").check()
    page.locator("#tag-search button[type=submit]").click()
    page.wait_for_load_state()
    tagged = dict(tags.tags(store))
    assert tagged["cocoa"] >= 2 and tags.rules(store, "cocoa")[0].reapply
    page.goto(base + "/saved")
    page.locator("a", has_text="grain").first.click()
    assert page.locator("ol.saved-articles li a").all_inner_texts() == [title]
    # The article page shows its tags and takes another.
    page.locator("ol.saved-articles li a").first.click()
    assert page.locator("p.tags a.tag").all_inner_texts() == ["grain"]
    page.fill("form.tag-form input[name=tag]", "to read")
    page.locator("form.tag-form button").click()
    page.wait_for_load_state()
    assert page.locator("p.tags a.tag").all_inner_texts() == ["grain", "to read"]
    assert not page.errors


def test_keyword_in_context_lines_are_aligned(page, site):
    base, *_ = site
    page.goto(base + "/kwic?q=prices")
    rows = page.locator("td.kwic-word")
    assert rows.count() >= 5
    # The keywords stand in one column: their left edges line up.
    lefts = {round(rows.nth(i).bounding_box()["x"]) for i in range(min(rows.count(), 10))}
    assert len(lefts) == 1
    assert all(w.lower().startswith("price") for w in rows.all_inner_texts()[:10])
    assert not page.errors
