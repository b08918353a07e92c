"""What every reader guarantees about the articles it hands on, whatever the file held (issue 23):
text is valid Unicode, dates are not in the future, and libraries say nothing on the side."""
from __future__ import annotations

import logging
from pathlib import Path

from index.article import Article
from index.readers import read_file
from index.readers.base import Problem

LEDE = "Kim Jong Un arrived in Hanoi on Tuesday for talks with the US president, officials said."


def read(path: Path) -> tuple[list[Article], list[Problem]]:
    items = list(read_file(path))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Problem)]


def test_deeply_nested_html_is_read_without_library_noise(tmp_path: Path, caplog) -> None:
    """trafilatura finds no text under 300 nested <div>s and logged "discarding data: None"
    (printed by the CLI as "newsearch: discarding data: None"); the fallback reads the page."""
    page = tmp_path / "deep.html"
    page.write_text("<html><head><title>Deep page</title></head><body>" + "<div>" * 300
                    + f"<p>{LEDE}</p>" + "</div>" * 300 + "</body></html>", encoding="utf-8")
    with caplog.at_level(logging.DEBUG):
        articles, problems = read(page)
    assert [a.body for a in articles] == [LEDE] and problems == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
