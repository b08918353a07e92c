"""Words in context in a real browser (headless Chromium, Playwright; issue 22's browser tests
for the KWIC view): the lines are aligned on the keyword as drawn, the sort form reorders them,
pages follow, and the co-occurrence network is drawn; no script error, no CSP violation.

The articles are tests/test_context.py's, indexed on Whoosh, served by waitress as
`newsearch serve` does.
"""
from __future__ import annotations

import threading

import pytest

from tests.test_browser import browser  # noqa: F401  (shared fixture; skips without Chromium)
from tests.test_context import context_records


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    from newsearch.indexing import index_paths
    from tests.corpus import write_jsonl
    from web.serve import make_server, server_url

    folder = tmp_path_factory.mktemp("context-browser")
    write_jsonl(folder / "articles.jsonl", context_records())
    index = folder / "index"
    index_paths([folder / "articles.jsonl"], index, entities=False, show_progress=False)
    server = make_server(index, port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield server_url(server)
    server.close()
    thread.join(5)


@pytest.fixture
def page(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.problems = problems
    yield page
    context.close()


def test_kwic_lines_align_sort_and_page(page, base_url):
    page.goto(base_url + "/kwic?q=oil&width=3")
    words = page.locator("table.kwic td.kwic-word")
    assert words.count() == 11
    boxes = [words.nth(i).bounding_box() for i in range(words.count())]
    # One column: every keyword cell starts and ends at the same x, whatever the context's length.
    assert len({round(box["x"]) for box in boxes}) == 1 and len({round(box["width"]) for box in boxes}) == 1
    # The left context ends where the keyword column starts (right-aligned), on every line.
    lefts = page.locator("table.kwic td.kwic-left bdi")
    for i in range(lefts.count()):
        box = lefts.nth(i).bounding_box()
        if box and box["width"] > 0:
            assert 0 <= boxes[i]["x"] - (box["x"] + box["width"]) < 12
    page.select_option("select[name=kwic_sort]", "right")
    page.click("form.context-options button")
    page.wait_for_url("**kwic_sort=right**")
    firsts = [t.split()[0].lower() if t.split() else "" for t in
              page.locator("table.kwic td.kwic-right").all_inner_texts()]
    assert firsts == sorted(firsts)
    page.goto(base_url + "/kwic?q=oil&lines=4")
    page.click("a[rel=next]")
    page.wait_for_url("**page=2**")
    assert page.locator("table.kwic td.kwic-word").count() == 4 and "Page 2 of 3" in page.inner_text("main")
    page.click("text=Who appears with whom")
    page.wait_for_url("**/cooccurrence?q=oil**")
    assert page.locator("figure.network svg line.edge").count() == 10
    assert page.locator("figure.network svg g.node").count() == 5
    assert page.locator("figure.network svg").bounding_box()["width"] > 300
    assert page.problems == []
