"""What every reader guarantees about the articles it hands on, whatever the file held (issue 23):
text is valid Unicode, dates are not in the future, and libraries say nothing on the side."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

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


# -- Text is valid Unicode (issue 23.2) -----------------------------------------------------------

def test_lone_surrogate_escapes_in_a_json_record_are_replaced_and_reported(tmp_path: Path) -> None:
    """json.loads turns "\\ud83d" into a lone surrogate, which no later stage can encode."""
    path = tmp_path / "records.jsonl"
    path.write_text('{"title": "Good", "body": "Talks went well in Hanoi, officials said."}\n'
                    '{"title": "Emoji \\ud83d trouble", "body": "Trump arrived \\ud83d\\ude00 on Tuesday \\udc00.",'
                    ' "author": "Jane \\udc00 Doe", "place": ["Ha\\ud800noi"], "source": "X\\ud83d"}\n',
                    encoding="utf-8")
    articles, problems = read(path)
    bad = articles[1]
    assert bad.title == "Emoji \ufffd trouble"
    assert bad.body == "Trump arrived \U0001f600 on Tuesday \ufffd."  # a whole pair is the emoji it encodes
    assert bad.authors == ["Jane \ufffd Doe"] and bad.entities["place"] == ["Ha\ufffdnoi"] and bad.source == "X\ufffd"
    for article in articles:
        for text in (article.title, article.body, article.source or "", *article.authors,
                     *(n for names in article.entities.values() for n in names)):
            text.encode("utf-8")  # raises on a surrogate
    [warning] = problems
    assert (warning.path, warning.location, warning.severity) == (str(path), "line 2", "warning")
    assert "5 invalid characters" in warning.reason
    assert "title (1), body (1), source (1), authors (1), place (1)" in warning.reason


def test_every_text_field_of_any_reader_is_checked() -> None:
    from index.readers.checks import check_article

    bad = "a\ud800b"
    article = Article(title=bad, body=bad, url="http://x.test/" + bad, source=bad, authors=[bad, "ok"],
                      language=bad, entities={"person": [bad], "org": ["fine"]}, source_id=bad, path="p.html")
    [warning] = check_article(article)
    assert warning.reason.startswith("8 invalid characters") and warning.location is None
    assert article.title == article.body == article.source == article.language == article.source_id == "a\ufffdb"
    assert article.url == "http://x.test/a\ufffdb" and article.authors == ["a\ufffdb", "ok"]
    assert article.entities == {"person": ["a\ufffdb"], "org": ["fine"]}
    clean = Article(title="Zürich \U0001f600", body="ok \ufffd already", path="p")
    assert check_article(clean) == [] and clean.title == "Zürich \U0001f600"


def test_a_run_with_entities_indexes_every_record_despite_a_lone_surrogate(tmp_path: Path) -> None:
    """Before: spaCy raised UnicodeEncodeError and the run ended with nothing indexed."""
    from newsearch.indexing import index_paths
    from search import Engine

    path = tmp_path / "records.jsonl"
    lines = [f'{{"title": "Talks day {i}", "body": "Kim Jong Un met officials in Hanoi on day {i}."}}' for i in range(4)]
    lines.insert(2, '{"title": "Emoji \\ud83d", "body": "Donald Trump arrived in Hanoi \\ud83d on Tuesday."}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = index_paths([path], tmp_path / "ix", entities=True, show_progress=False)
    assert (summary.added, summary.failed, summary.warnings) == (5, 0, 1)
    assert Engine(tmp_path / "ix").search("Trump").total == 1


# -- No dates from the future (issue 23.5) --------------------------------------------------------

def _future(days: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).strftime("%Y-%m-%d")


def test_the_bound_is_one_constant_a_year_ahead() -> None:
    from index.article import FUTURE_DATE_MARGIN, latest_plausible_date

    now = datetime(2026, 12, 5, tzinfo=timezone.utc)
    assert timedelta(days=365) <= FUTURE_DATE_MARGIN <= timedelta(days=370)
    assert latest_plausible_date(now) == now + FUTURE_DATE_MARGIN


def future_files(tmp_path: Path, date: str) -> dict[str, Path]:
    reuters_date = datetime.strptime(date, "%Y-%m-%d").strftime("%d-%b-%Y").upper() + " 10:00:00.00"
    files = {
        "seed.txt": f" date {date} Kim Jong Un arrived in Hanoi on Tuesday, officials said.\n",
        "records.jsonl": f'{{"title": "Talks", "body": "Talks went well in Hanoi.", "date": "{date}"}}\n',
        "records.csv": f"title,body,date\nTalks,Talks went well in Hanoi.,{date}\n",
        "page.html": f'<html><head><title>Talks</title><meta property="article:published_time" content="{date}">'
                     f"</head><body><article><p>{LEDE}</p></article></body></html>",
        "reut2-900.sgm": f'<REUTERS NEWID="7">\n<DATE>{reuters_date}</DATE>\n<TEXT>\n<TITLE>TALKS</TITLE>\n'
                         "<BODY>Talks went well in Hanoi.\n Reuter\n</BODY></TEXT>\n</REUTERS>\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return {name: tmp_path / name for name in files}


@pytest.mark.parametrize("name", ["seed.txt", "records.jsonl", "records.csv", "page.html", "reut2-900.sgm"])
def test_a_date_over_a_year_ahead_leaves_the_article_undated_with_a_warning(tmp_path: Path, name: str) -> None:
    path = future_files(tmp_path, _future(400))[name]
    (article,), problems = read(path)
    assert article.date is None
    [warning] = problems
    assert warning.severity == "warning" and warning.path == str(path)
    assert "in the future" in warning.reason and "indexed as undated" in warning.reason
    assert warning.location == {"records.jsonl": "line 1", "records.csv": "line 2",
                                "reut2-900.sgm": "NEWID 7"}.get(name)


@pytest.mark.parametrize("name", ["seed.txt", "records.jsonl", "page.html"])
def test_a_date_within_the_year_ahead_is_kept(tmp_path: Path, name: str) -> None:
    path = future_files(tmp_path, _future(300))[name]
    (article,), problems = read(path)
    assert article.date is not None and problems == []


def test_year_9999_in_a_json_record(tmp_path: Path) -> None:
    path = tmp_path / "far.jsonl"
    path.write_text('{"title": "T", "body": "Body text.", "date": "9999-12-31T23:59:59Z"}\n', encoding="utf-8")
    (article,), [warning] = read(path)
    assert article.date is None and "9999-12-31" in warning.reason


def test_a_problem_quoting_bad_text_is_valid_unicode(tmp_path: Path, monkeypatch) -> None:
    """A reason may quote what the file held (here: a reader's exception message)."""
    import index.readers.records as records
    from index.readers.checks import check_problem

    def failing(*args, **kwargs):
        raise ValueError("cannot use \ud83d here")
        yield  # a generator, as readers are

    monkeypatch.setattr(records, "read", failing)
    path = tmp_path / "x.jsonl"
    path.write_text('{"title": "T", "body": "B"}\n', encoding="utf-8")
    [problem] = list(read_file(path))
    assert problem.reason.endswith("cannot use \ufffd here") and str(problem).encode("utf-8")
    fine = Problem("p", "ok", "line 1")
    assert check_problem(fine) is fine
