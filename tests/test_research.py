"""The researcher's tools on every backend (contract suite, `backend_indexes`): trends, the
histogram's asked-for interval, whole articles in batches, document frequencies, top words,
export and the Atom feed.

The corpus is written here, so every expected number is known: 30 "oil" articles over three
months (10 a month, growing share), 6 "wheat" ones in March, 24 others spread alike, and a few
with hostile titles for the CSV neutralisation.
"""
from __future__ import annotations

import csv
import io
import json
import re
from xml.etree import ElementTree as ET

import pytest

from search import BadParameterError
from tests.corpus import record, url, write_jsonl

ATOM = "{http://www.w3.org/2005/Atom}"


def _records() -> list[dict]:
    out = []
    for i in range(30):
        month = 1 + i // 10  # 10 in each of Jan, Feb, Mar 2019
        out.append(record(f"oil-{i}", f"Oil report {i}", f"Crude oil prices moved; refinery tanker news {i}. "
                          f"The zyxcartel cartel met again in Vienna.", date=f"2019-{month:02d}-{1 + i % 10 * 2:02d}",
                          source="Wire", place=["Austria"]))
    for i in range(6):
        out.append(record(f"wheat-{i}", f"Wheat harvest {i}", f"Wheat and grain farmers {i}.",
                          date=f"2019-03-{3 + i:02d}", source="Gazette"))
    for i in range(24):
        month = 1 + i // 8
        out.append(record(f"other-{i}", f"Council meeting {i}", f"The council met about the library budget {i}.",
                          date=f"2019-{month:02d}-{10 + i % 8:02d}", source="Gazette"))
    out.append(record("hostile-1", "=HYPERLINK(\"http://evil.example\",\"click\")", "oil formula title",
                      date="2019-03-28", source="@source"))
    out.append(record("hostile-2", "+1 oil", "oil minus -title", date="2019-03-29", source="-dash"))
    out.append(record("undated-oil", "Undated oil story", "oil without a date"))
    for i, moment in enumerate(("2019-04-02T09:30:00+00:00", "2019-04-02T14:10:00+00:00", "2019-04-02T14:50:00+00:00")):
        out.append(record(f"timed-{i}", f"Timestamped bulletin {i}", "A timestamped bulletin.", date=moment))
    return out


@pytest.fixture(scope="module")
def research(backend_indexes, tmp_path_factory):
    folder = tmp_path_factory.mktemp("research")
    write_jsonl(folder / "articles.jsonl", _records())
    backend_indexes.index("research", [folder])
    return backend_indexes.engine("research")


# ---- the histogram's interval ------------------------------------------------------------------

def test_histogram_interval_can_be_asked_for(research):
    by_week = research.search("wheat", interval="week").facets.dates
    assert by_week.interval == "week"
    # 3-8 March 2019: Sunday 3rd is in the week of Monday 25 Feb, the rest in the week of 4 March.
    assert [(b.label, b.start.isoformat(), b.end.isoformat(), b.count) for b in by_week.buckets] == [
        ("2019-02-25", "2019-02-25", "2019-03-03", 1), ("2019-03-04", "2019-03-04", "2019-03-10", 5)]
    assert research.search("wheat").facets.dates.interval == "day"
    assert [b.count for b in research.search("wheat", interval="year").facets.dates.buckets] == [6]
    with pytest.raises(BadParameterError, match="interval"):
        research.search("wheat", interval="fortnight")
    by_hour = research.search("timestamped", interval="hour").facets.dates
    assert [(b.label, b.count) for b in by_hour.buckets] == [
        ("2019-04-02 09:00", 1), ("2019-04-02 10:00", 0), ("2019-04-02 11:00", 0), ("2019-04-02 12:00", 0),
        ("2019-04-02 13:00", 0), ("2019-04-02 14:00", 2)]


# ---- trends --------------------------------------------------------------------------------------

def test_trends_two_series_same_buckets(research):
    result = research.trends(["oil", "wheat"], interval="month")
    assert result.normalised and result.interval == "month"
    oil, wheat = result.series
    assert [p.label for p in oil.points] == [p.label for p in wheat.points] == ["2019-01", "2019-02", "2019-03"]
    # All articles per month: Jan 10 oil + 8 others, Feb 10 + 8, Mar 10 + 6 wheat + 8 + 2 hostile.
    assert [p.total for p in oil.points] == [18, 18, 26]
    assert [p.count for p in oil.points] == [10, 10, 12]
    assert [p.count for p in wheat.points] == [0, 0, 6]
    assert wheat.points[2].share == pytest.approx(6 / 26)
    assert oil.total == 33 and oil.undated == 1
    data = result.to_dict()
    assert [s["query"] for s in data["series"]] == ["oil", "wheat"]
    assert data["series"][1]["buckets"][2] == {"label": "2019-03", "start": "2019-03-01", "end": "2019-03-31",
                                              "count": 6, "total": 26, "share": round(6 / 26, 6)}


def test_trends_default_interval_follows_the_histogram_rule(research):
    # The series span 1 Jan to 29 Mar: more than 62 days, so months, as the histogram would.
    assert research.trends(["oil", "wheat"]).interval == "month"
    # Only March: days, and the baseline counts every article of each day.
    result = research.trends(["wheat"])
    assert result.interval == "day"
    assert [(p.label, p.count) for p in result.series[0].points][:2] == [("2019-03-03", 1), ("2019-03-04", 1)]


def test_trends_say_when_articles_with_some_of_the_words_are_counted(research):
    # No article has both words: as on the result page, those with either are counted, and said so.
    relaxed, strict = research.trends(["wheat zyxcartel", "wheat"], interval="month").series
    assert relaxed.all_words is False and relaxed.total == 36 and strict.all_words is True
    assert research.trends(["wheat zyxcartel"]).to_dict()["series"][0]["all_words"] is False


def test_trends_each_query_carries_its_own_filters(research):
    result = research.trends(["oil source:Wire", "oil"], interval="month")
    assert [p.count for p in result.series[0].points] == [10, 10, 10]
    assert [p.count for p in result.series[1].points] == [10, 10, 12]


def test_trends_ask_a_query_again_without_parsing_it_again(research, monkeypatch):
    """A series asked again at the common (coarser) interval is its first request with that
    interval: the same parsed trees, no second parse."""
    asked = []
    run = research.backend.run
    monkeypatch.setattr(research.backend, "run", lambda request: asked.append(request) or run(request))
    assert research.trends(["oil", "wheat"]).interval == "month"
    wheat = [r for r in asked if r.query == "wheat"]
    assert [r.interval for r in wheat] == [None, "month"]  # days at first (March only), then months
    assert wheat[1].tree is wheat[0].tree and wheat[1].any_tree is wheat[0].any_tree


def test_trends_refuses_none_or_too_many_queries(research):
    with pytest.raises(BadParameterError, match="at least one"):
        research.trends(["", "  "])
    with pytest.raises(BadParameterError, match="at most 5"):
        research.trends(["a", "b", "c", "d", "e", "f"])


# ---- articles in batches, document frequencies, top words ----------------------------------------

def test_articles_in_one_batch_in_order(research):
    ids = [url("wheat-2"), url("nope"), url("oil-0")]
    records = research.articles(ids)
    assert [r.id for r in records] == [url("wheat-2"), url("oil-0")]
    assert records[0].body.startswith("Wheat and grain") and records[1].source == "Wire"


def test_document_frequencies_by_indexed_term(research):
    known, total = research.document_frequencies(["oil", "prices", "price", "the", "zyxcartel", "absentword"])
    assert total == 66
    assert known["oil"][1] == 33                 # 30 + 2 hostile + undated, in the body
    assert known["prices"][0] == known["price"][0]  # one stem
    assert known["zyxcartel"][1] == 30
    assert known["absentword"][1] == 0
    assert "the" not in known                    # a stop word has no indexed form


def test_top_words_find_what_characterises_the_results(research):
    found = research.top_words("oil")
    words = [w.word for w in found["words"]]
    assert found["total"] == 33 and found["sample"] == 33
    assert "zyxcartel" in words and "oil" not in words and "the" not in words
    best = next(w for w in found["words"] if w.word == "zyxcartel")
    # In 30 of the 33 results and nowhere else: the top score (tied with "crude", "cartel"...).
    assert best.sample_docs == 30 and best.index_docs == 30 and best.score == found["words"][0].score > 0
    assert "council" not in words  # in none of the results


def test_top_words_sample_is_searched_without_did_you_mean(research, monkeypatch):
    """Did-you-mean is for a reader, as snippets are: off with them, so top words' sample search
    (snippets off) does not work one out."""
    assert research.search("oil refinry").suggestion == "oil refinery"
    assert research.search("oil refinry", snippets=False).suggestion is None
    asked = []
    run = research.backend.run
    monkeypatch.setattr(research.backend, "run", lambda request: asked.append(request) or run(request))
    found = research.top_words("oil refinry")
    assert found["total"] == 33 and "zyxcartel" in [w.word for w in found["words"]]
    assert asked and not any(request.snippets for request in asked)


# ---- export ------------------------------------------------------------------------------------------

def _csv_rows(lines) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(lines))))


def test_export_csv_has_every_match_and_neutralises_formulas(research):
    rows = _csv_rows(research.export("oil", "csv", sort="newest"))
    assert rows[0] == ["id", "date", "source", "title", "url", "person", "org", "place", "language"]
    assert len(rows) - 1 == research.search("oil").total == 33
    by_id = {row[0]: row for row in rows[1:]}
    hostile = by_id[url("hostile-1")]
    assert hostile[3] == "'=HYPERLINK(\"http://evil.example\",\"click\")" and hostile[2] == "'@source"
    assert by_id[url("hostile-2")][3] == "'+1 oil" and by_id[url("hostile-2")][2] == "'-dash"
    assert by_id[url("oil-0")][7] == "Austria" and by_id[url("oil-0")][1].startswith("2019-01-01")
    dates = [row[1] for row in rows[1:] if row[1]]
    assert dates == sorted(dates, reverse=True)  # the request's order


def test_export_states_the_cut_in_its_last_line(research):
    rows = _csv_rows(research.export("oil", "csv", limit=5))
    assert len(rows) == 1 + 5 + 1 and rows[-1][0].startswith("# export cut at 5 of 33")
    lines = list(research.export("oil", "jsonl", limit=250, text=True))
    assert len(lines) == 33
    first = json.loads(lines[0])
    assert set(first) == {"id", "date", "source", "language", "title", "url", "person", "org", "place", "text"}
    assert "oil" in first["text"].lower()
    last = json.loads(list(research.export("council", "jsonl", limit=3))[-1])
    assert last == {"truncated": True, "exported": 3, "total": 24, "message": last["message"]}


def test_export_refuses_a_bad_format_or_limit(research):
    with pytest.raises(BadParameterError, match="format"):
        research.export("oil", "xlsx")
    with pytest.raises(BadParameterError, match="limit"):
        research.export("oil", "csv", limit=-1)


# ---- the web app: API, feed ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client(research):
    from web import create_app

    return create_app(engine=research, testing=True).test_client()


def test_api_trends_and_top_words(client):
    data = client.get("/api/trends?q=oil&q=wheat&interval=month&scale=count").get_json()
    assert data["normalised"] is False and len(data["series"]) == 2
    assert [b["count"] for b in data["series"][1]["buckets"]] == [0, 0, 6]
    assert client.get("/api/trends?interval=month").status_code == 400
    page = client.get("/trends?q=oil&q=wheat").get_data(as_text=True)
    assert page.count("<polyline") >= 2 and 'class="legend"' in page and "<title>oil — 2019-01" in page
    words = client.get("/api/top-words?q=oil").get_json()
    assert "zyxcartel" in [w["word"] for w in words["words"]]


def test_api_export_streams_csv(client):
    response = client.get("/api/export?q=wheat&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv_rows([response.get_data(as_text=True)])
    assert len(rows) == 1 + 6
    assert client.get("/api/export?q=wheat&format=pdf").status_code == 400
    assert client.get("/api/export?q=date:2019-13&format=csv").status_code == 400


def test_atom_feed_is_valid_and_newest_first(client):
    response = client.get("/feed?q=oil")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)  # a real XML parser: malformed XML raises
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{name}") is not None, name
    assert root.find(f"{ATOM}link[@rel='self']") is not None
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 33  # fewer than 50
    rfc3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")
    assert all(rfc3339.match(e.text) for e in root.iter() if e.tag in (f"{ATOM}updated", f"{ATOM}published"))
    assert all(link.get("href", "").startswith("http") for link in root.iter(f"{ATOM}link"))
    for entry in entries:
        for name in ("id", "title", "updated", "link", "summary"):
            assert entry.find(f"{ATOM}{name}") is not None, name
        assert entry.find(f"{ATOM}summary").get("type") == "text"
        assert "<mark>" not in (entry.find(f"{ATOM}summary").text or "")
    stamps = [e.find(f"{ATOM}published").text for e in entries if e.find(f"{ATOM}published") is not None]
    assert stamps == sorted(stamps, reverse=True) and len(stamps) == 32
    assert len({e.find(f"{ATOM}id").text for e in entries}) == 33
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert '=HYPERLINK("http://evil.example","click")' in titles  # text, escaped by the XML writer


def test_single_day_timeline_by_hour_or_in_words(client):
    page = client.get("/?q=timestamped").get_data(as_text=True)
    assert "Articles per hour on <time" in page and "<title>14:00 UTC: 2 articles</title>" in page
    page = client.get("/?q=wheat&from=2019-03-05&to=2019-03-05").get_data(as_text=True)
    assert 'All 1 dated article on <time datetime="2019-03-05">5 Mar 2019</time>' in page


def test_result_page_links_its_tools(client):
    page = client.get("/?q=oil&place=Austria").get_data(as_text=True)
    assert '<link rel="alternate" type="application/atom+xml"' in page
    assert 'href="/feed?q=oil&amp;place=Austria"' in page
    assert "/export?q=oil&amp;place=Austria&amp;format=csv" in page
    assert 'href="/trends?q=oil+place%3A%22Austria%22"' in page
    assert 'class="filters-button"' in page and "Filters (1 active)" in page


# ---- the command line -------------------------------------------------------------------------------

def test_cli_trends_and_export(research, backend_indexes):
    from tests.test_cli import assert_one_line_error, newsearch

    env = backend_indexes.env("research")
    out = newsearch("trends", "oil", "wheat", "--interval", "month", "--csv", env=env)
    assert out.returncode == 0, out.stderr
    rows = list(csv.reader(io.StringIO(out.stdout)))
    assert rows[0][:6] == ["bucket", "start", "end", "all_articles", "oil (count)", "oil (share)"]
    assert [row[6] for row in rows[1:]] == ["0", "0", "6"]
    table = newsearch("trends", "oil", "wheat", "--interval", "month", env=env)
    assert "share of all articles per month" in table.stdout and "23.08%" in table.stdout
    exported = newsearch("search", "oil", "--format", "csv", "--all", env=env)
    assert exported.returncode == 0, exported.stderr
    assert len(list(csv.reader(io.StringIO(exported.stdout)))) == 1 + 33
    page = newsearch("search", "oil", "--format", "jsonl", "--page-size", "4", env=env)
    assert [json.loads(line)["id"] for line in page.stdout.splitlines()][:4] == \
        [hit.id for hit in research.search("oil", page_size=4).hits]
    cut = newsearch("search", "oil", "--format", "jsonl", "--all", "--limit", "2", env=env)
    assert json.loads(cut.stdout.splitlines()[-1])["truncated"] is True
    assert "at most 5" in assert_one_line_error(newsearch("trends", *"abcdef", env=env), 2)
    assert "date" in assert_one_line_error(newsearch("search", "date:2019-13", "--format", "csv", "--all",
                                                     env=env), 2)


# ---- one CSV rule; buckets without articles ------------------------------------------------------------

FORMULA_QUERY = '=HYPERLINK("http://evil.example","click")'


def test_trends_csv_neutralises_a_formula_query_on_the_web_and_the_command_line(client, backend_indexes):
    from tests.test_cli import newsearch

    web = client.get("/api/trends", query_string={"q": FORMULA_QUERY, "interval": "month", "format": "csv"})
    assert web.status_code == 200
    cli = newsearch("trends", FORMULA_QUERY, "--interval", "month", "--csv", env=backend_indexes.env("research"))
    assert cli.returncode == 0, cli.stderr
    for text in (web.get_data(as_text=True), cli.stdout):
        header = next(csv.reader(io.StringIO(text)))
        assert header[4:] == ["'" + FORMULA_QUERY + " (count)", "'" + FORMULA_QUERY + " (share)"]
        cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
        assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]


def test_trends_buckets_without_any_article_say_so(research, backend_indexes):
    from tests.test_cli import newsearch

    result = research.trends(["oil"], interval="day")
    empty = [p.label for p in result.series[0].points if not p.total]
    assert "2019-01-02" in empty  # the oil articles are on odd days of the month
    table = newsearch("trends", "oil", "--interval", "day", env=backend_indexes.env("research"))
    assert table.returncode == 0, table.stderr
    lines = {line.split()[0]: line for line in table.stdout.splitlines() if line[:4] == "2019"}
    assert lines["2019-01-02"].split()[1:] == ["0", "no", "articles"]
    assert lines["2019-01-01"].split()[1:] == ["1", "100.00%"]
    counts = newsearch("trends", "oil", "--interval", "day", "--counts", env=backend_indexes.env("research"))
    assert {line.split()[0]: line.split()[1:] for line in counts.stdout.splitlines()}["2019-01-02"] == ["0", "0"]
    rows = {row[0]: row for row in csv.reader(io.StringIO(newsearch(
        "trends", "oil", "--interval", "day", "--csv", env=backend_indexes.env("research")).stdout))}
    assert rows["2019-01-02"][4:] == ["0", ""] and rows["2019-01-01"][4:] == ["1", "1.000000"]
