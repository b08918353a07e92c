"""The web app through Flask's test client: every route, parameter, limit and error.

One module-scoped index: the seeds (real NER, so facets have people and places) plus a JSON
Lines file of made-up articles that exercise pagination, the timeline, URL ids and hostile text.
"""
from __future__ import annotations

import json
import re
import threading
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from search import Engine
from web import create_app

REPO = Path(__file__).resolve().parent.parent
EVIL = "<script>alert(1)</script>"
EVIL_ID = "https://evil.example.com/news/2019/03/01/story?id=7&x=<b>"
MARKET_COUNT = 25


def _market_articles() -> list[dict]:
    """Articles on many days of early 2019, enough for three pages of ten."""
    rows = []
    for i in range(MARKET_COUNT):
        month, day = 1 + i % 3, 1 + (i * 7) % 27
        rows.append({
            "title": f"Oil prices report number {i}",
            "text": f"Crude oil prices moved on day {i}. Traders in the market watched OPEC closely.\n\n"
                    f"Second paragraph of report {i} about the petroleum market.",
            "date": f"2019-{month:02d}-{day:02d}", "source": "Wire" if i % 2 else "Gazette",
            "url": f"https://news.example.com/market/{i}",
            "org": ["OPEC"], "place": ["Vienna"] if i % 2 else ["Austria"],
        })
    return rows


@pytest.fixture(scope="module")
def web_engine(backend_indexes, tmp_path_factory) -> Engine:
    """The seeds and the articles above, on each backend (the contract suite)."""
    folder = tmp_path_factory.mktemp("webdata")
    rows = _market_articles() + [
        {"title": f"Evil {EVIL} title", "date": "2019-03-01", "source": f"Evil {EVIL} Source",
         "text": f"Body with {EVIL} and <img src=x onerror=alert(2)> text about oil prices.",
         "url": EVIL_ID, "place": [f"Place {EVIL}"]},
        {"title": "Scripted link", "date": "2019-02-10", "url": "javascript:alert(3)",
         "text": "An article whose url is a javascript: url, about bananas."},
    ]
    data = folder / "articles.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    summary = backend_indexes.index("web", [REPO / "seeds", data], entities=True)
    assert summary.failed == 0, summary.problems
    return backend_indexes.engine("web")


@pytest.fixture(scope="module")
def app(web_engine):
    return create_app(engine=web_engine, testing=True)


@pytest.fixture
def client(app):
    return app.test_client()


def html_of(response) -> str:
    return response.get_data(as_text=True)


def links(html: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]*)"', html)]


def params(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query)


# ---- the app factory -------------------------------------------------------------------------

def test_create_app_keeps_engine_and_settings(web_engine, tmp_path):
    app = create_app(index_dir=tmp_path, facet_top=3)
    assert isinstance(app.extensions["newsearch"], Engine)
    assert app.config["FACET_TOP"] == 3
    assert create_app(engine=web_engine).extensions["newsearch"] is web_engine


# ---- the search page -------------------------------------------------------------------------

def test_search_page_shows_results(client):
    response = client.get("/?q=oil+prices")
    assert response.status_code == 200
    html = html_of(response)
    assert 'value="oil prices"' in html                      # the box keeps the query
    assert "<title>oil prices — " in html and "results" in html
    assert "<mark>" in html and "prices</mark>" in html.lower().replace("prices</mark>", "prices</mark>")
    assert re.search(r"<strong>\d+</strong> articles", html)
    assert " ms</p>" in html                                 # time taken
    assert 'href="/article/https://news.example.com/market/' in html and "?q=oil+prices" in html
    assert '<time datetime="2019-' in html and "Gazette" in html


def test_empty_query_browses_everything(client):
    html = html_of(client.get("/"))
    assert "<title>" in html and "results — newsearch</title>" in html
    assert html.count('class="hit"') == 10


def test_entities_under_hits_add_a_filter(client):
    html = html_of(client.get("/?q=oil"))
    entity_links = [u for u in links(html) if ("org", "OPEC") in params(u)]
    assert entity_links
    assert ("q", "oil") in params(entity_links[0])


def test_facets_link_chips_remove(client):
    html = html_of(client.get("/?q=summit"))
    facet_section = html[html.index('id="facet-person"'):]
    assert "Kim Jong Un" in facet_section
    add = next(u for u in links(facet_section) if ("person", "Donald Trump") in params(u))
    assert ("q", "summit") in params(add)
    filtered = html_of(client.get(add))
    assert 'class="chip"' in filtered and "Donald Trump" in filtered
    chip = re.search(r'<a class="chip" href="([^"]*)"', filtered).group(1).replace("&amp;", "&")
    assert params(chip) == [("q", "summit")]
    assert 'class="chip"' not in html_of(client.get(chip))


def test_facet_more_is_a_details_element(app, web_engine):
    small = create_app(engine=web_engine, testing=True, facet_top=2).test_client()
    html = html_of(small.get("/"))
    assert "<details class=\"more\">" in html and "more</summary>" in html


def test_filters_narrow_and_repeat(client):
    all_oil = client.get("/api/search?q=oil").get_json()["total"]
    wire = client.get("/api/search?q=oil&source=Wire").get_json()
    assert 0 < wire["total"] < all_oil
    assert {h["source"] for h in wire["hits"]} == {"Wire"}
    both = client.get("/api/search?q=oil&source=Wire&source=Gazette").get_json()
    assert both["total"] == 0  # several values of one filter must all apply
    place = client.get("/api/search?place=vienna").get_json()
    assert place["total"] == 12


def test_sort_orders(client):
    newest = client.get("/api/search?q=oil&sort=newest&page_size=100").get_json()["hits"]
    oldest = client.get("/api/search?q=oil&sort=oldest&page_size=100").get_json()["hits"]
    dates = [h["date"] for h in newest]
    assert dates == sorted(dates, reverse=True)
    assert [h["date"] for h in oldest] == sorted(dates)
    html = html_of(client.get("/?q=oil&sort=newest"))
    assert '<option value="newest" selected>' in html
    assert client.get("/?q=oil&sort=sideways").status_code == 400


def test_pagination(client):
    # Every article (the market reports are templates that the page groups into stories by
    # default; tests/test_stories.py pages over stories).
    first = html_of(client.get("/?q=oil&collapse=0"))
    assert 'aria-current="page"' in first and "Page 1 of 3" in first
    next_url = re.search(r'<a rel="next" href="([^"]*)"', first).group(1).replace("&amp;", "&")
    assert ("page", "2") in params(next_url)
    second = html_of(client.get(next_url))
    assert "Page 2 of 3" in second and 'rel="prev"' in second
    assert re.search(r'<a class="current" aria-current="page" href="[^"]*">2</a>', second)
    first_ids = re.findall(r'hit-title"><a href="([^"]*)"', first)
    second_ids = re.findall(r'hit-title"><a href="([^"]*)"', second)
    assert first_ids and second_ids and not set(first_ids) & set(second_ids)


def test_page_past_the_end_is_empty_not_error(client):
    response = client.get("/?q=oil&page=500")
    assert response.status_code == 200 and "past the end" in html_of(response)
    data = client.get("/api/search?q=oil&page=999999").get_json()
    assert data["hits"] == [] and data["total"] > 0


@pytest.mark.parametrize("query", ["page=0", "page=-1", "page=two", "page_size=0", "page_size=101",
                                   "page_size=x", "from=2019-13-01", "to=yesterday", "sort=best",
                                   "from=2019-03-01&to=2019-01-01"])
def test_bad_parameters_are_400(client, query):
    page = client.get("/?" + query)
    assert page.status_code == 400 and "text/html" in page.content_type
    api = client.get("/api/search?" + query)
    assert api.status_code == 400 and set(api.get_json()) == {"error"}


def test_page_size_limit(client):
    assert len(client.get("/api/search?page_size=100").get_json()["hits"]) == MARKET_COUNT + 4
    html = html_of(client.get("/?page_size=5&q=oil"))
    assert html.count('class="hit"') == 5
    assert ("page_size", "5") in params(re.search(r'<a rel="next" href="([^"]*)"', html).group(1).replace("&amp;", "&"))


def test_timeline_bars_narrow_to_their_period(client):
    html = html_of(client.get("/?q=oil"))
    assert "<svg" in html and 'class="bar' in html
    bar = re.search(r'<a href="([^"]*)" class="bar', html).group(1).replace("&amp;", "&")
    args = dict(params(bar))
    assert args["q"] == "oil" and args["from"] and args["to"]
    narrowed = client.get("/api/search?" + urlsplit(bar).query).get_json()
    total = client.get("/api/search?q=oil").get_json()["total"]
    assert 0 < narrowed["total"] < total
    assert all(args["from"] <= h["date"][:10] <= args["to"] for h in narrowed["hits"])
    chips = html_of(client.get(bar))
    assert "From</span>" in chips and "To</span>" in chips
    assert f'value="{args["from"]}"' in chips  # the date field shows it


def test_date_fields_and_partial_dates(client):
    data = client.get("/api/search?from=2019-02&to=2019-02").get_json()
    assert data["total"] > 0 and all(h["date"].startswith("2019-02") for h in data["hits"])
    html = html_of(client.get("/?from=2019-02&to=2019-02"))
    assert 'id="date-from" name="from" type="date" value="2019-02-01"' in html
    assert 'id="date-to" name="to" type="date" value="2019-02-28"' in html


def test_did_you_mean(client):
    html = html_of(client.get("/?q=petroleun"))
    match = re.search(r'Did you mean <a href="([^"]*)"[^>]*>([^<]*)</a>', html)
    assert match and match.group(2) == "petroleum"
    assert ("q", "petroleum") in params(match.group(1).replace("&amp;", "&"))


def test_empty_state_suggests_removing_filters(client):
    html = html_of(client.get("/?q=bananas&source=Wire"))
    assert "No articles match" in html and "<q class=\"query\">bananas</q>" in html
    assert "Remove all filters" in html
    remove = next(u for u in links(html) if params(u) == [("q", "bananas")])
    assert client.get(remove).status_code == 200


@pytest.mark.parametrize("query", ["foo:bar", "a*", "x" * 1001])
def test_malformed_query_is_a_friendly_400(client, query):
    response = client.get("/", query_string={"q": query})
    assert response.status_code == 400
    html = html_of(response)
    assert "Cannot run this search" in html and "Traceback" not in html
    api = client.get("/api/search", query_string={"q": query})
    assert api.status_code == 400 and api.get_json()["error"]


def test_raw_query_string_is_capped(client):
    huge = "person=" + "a" * 9000
    assert client.get("/?" + huge).status_code == 414
    response = client.get("/api/search?" + huge)
    assert response.status_code == 414 and "error" in response.get_json()


def test_too_many_filter_values(client):
    query = "&".join(f"person=p{i}" for i in range(21))
    assert client.get("/api/search?" + query).status_code == 400


# ---- the article page ------------------------------------------------------------------------

def _article_link(client, query: str) -> str:
    html = html_of(client.get("/", query_string={"q": query}))
    return re.search(r'hit-title"><a href="([^"]*)"', html).group(1).replace("&amp;", "&")


def test_article_page(client):
    url = _article_link(client, "oil prices report number 3")
    assert url.startswith("/article/https://news.example.com/market/") and ("q", "oil prices report number 3") in params(url)
    html = html_of(client.get(url))
    assert "<title>Oil prices report number" in html
    assert "<mark>" in html and "<p>" in html                   # highlighted, in paragraphs
    assert 'href="https://news.example.com/market/' in html and "Original article" in html
    assert '<time datetime="2019-' in html
    assert "Related articles" in html
    related = re.findall(r'<li><a href="(/article/[^"]*)"', html)
    assert related and url.split("?")[0] not in related
    entity = next(u for u in links(html) if ("org", "OPEC") in params(u))
    assert params(entity) == [("org", "OPEC")]
    plain = html_of(client.get(url.split("?")[0]))
    assert "<mark>" not in plain


def test_article_with_seed_entities(client):
    html = html_of(client.get(_article_link(client, "Kim Hanoi summit")))
    assert "Kim Jong Un" in html or "Donald Trump" in html
    assert "/?person=" in html


def test_article_ids_with_slashes_and_query_characters(client):
    html = html_of(client.get("/?q=onerror"))
    href = re.search(r'hit-title"><a href="([^"]*)"', html).group(1).replace("&amp;", "&")
    assert href.startswith("/article/https://evil.example.com/news/2019/03/01/story%3Fid=7&x=%3Cb%3E")
    assert client.get(href).status_code == 200
    api = client.get(href.replace("/article/", "/api/articles/").split("?q=")[0])
    assert api.status_code == 200 and api.get_json()["id"] == EVIL_ID


def test_unknown_article_is_404(client):
    page = client.get("/article/no-such-article")
    assert page.status_code == 404 and "Article not found" in html_of(page)
    api = client.get("/api/articles/no-such-article")
    assert api.status_code == 404 and "no-such-article" in api.get_json()["error"]


def test_javascript_urls_are_not_links(client):
    href = _article_link(client, "bananas")
    html = html_of(client.get(href))
    assert "javascript:" not in " ".join(links(html))


# ---- JSON API --------------------------------------------------------------------------------

def test_api_search_is_search_results_to_dict(client, web_engine):
    data = client.get("/api/search?q=oil&sort=oldest&page=2&page_size=5&from=2019-01-01&to=2019-12-31").get_json()
    expected = web_engine.search("oil", sort="oldest", page=2, page_size=5,
                                        date_from="2019-01-01", date_to="2019-12-31").to_dict()
    expected.pop("took_ms"), data.pop("took_ms")
    assert data == expected
    assert set(data["facets"]) == {"person", "org", "place", "source", "language", "dates"}


def test_api_article_and_stats(client):
    data = client.get("/api/articles/https://news.example.com/market/4?q=prices").get_json()
    assert data["title"] == "Oil prices report number 4" and "<mark>prices</mark>" in data["body_html"]
    stats = client.get("/api/stats").get_json()
    assert stats["documents"] == MARKET_COUNT + 4 and "top" in stats


def test_body_only_words_are_highlighted(client):
    data = client.get("/api/articles/https://news.example.com/market/4?q=crude").get_json()
    assert "<mark>Crude</mark>" in data["body_html"]


def test_unknown_routes(client):
    assert client.get("/nowhere").status_code == 404
    api = client.get("/api/nowhere")
    assert api.status_code == 404 and "error" in api.get_json()
    assert client.post("/api/search").status_code == 405


# ---- errors, headers, escaping ---------------------------------------------------------------

class Exploding:
    """An engine stand-in that fails the way a bug would."""

    def search(self, *args, **kwargs):
        raise RuntimeError("secret internal detail /etc/passwd")

    article = related = stats = search


def test_server_errors_show_no_internals():
    client = create_app(engine=Exploding()).test_client()
    for url in ("/", "/article/x", "/api/search", "/api/stats"):
        response = client.get(url)
        body = html_of(response)
        assert response.status_code == 500
        assert "secret" not in body and "Traceback" not in body and "RuntimeError" not in body
    assert client.get("/api/stats").get_json() == {"error": client.get("/api/stats").get_json()["error"]}


def test_missing_index_is_503(tmp_path):
    client = create_app(index_dir=tmp_path / "none").test_client()
    assert client.get("/").status_code == 503
    assert "error" in client.get("/api/search").get_json()


@pytest.mark.parametrize("url", ["/", "/?q=oil", "/article/no", "/api/search", "/api/stats", "/static/style.css"])
def test_security_headers(client, url):
    headers = client.get(url).headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"]


def test_no_inline_script_or_style(client):
    for url in ("/?q=oil", _article_link(client, "oil"), "/?q=foo:bar"):
        html = html_of(client.get(url))
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert " style=" not in html and "<style" not in html and " on" not in re.sub(r"[^<]*", "", html)
    assert client.get("/static/app.js").status_code == 200


def test_hostile_text_is_escaped_everywhere(client):
    pages = [client.get("/?q=onerror"), client.get("/", query_string={"q": EVIL}),
             client.get("/", query_string={"q": "x", "person": EVIL}),
             client.get("/", query_string={"q": EVIL + " foo:bar"}),
             client.get("/", query_string={"source": f"Evil {EVIL} Source"}),
             client.get(_article_link(client, "onerror"))]
    for response in pages:
        html = html_of(response)
        assert "<script>alert" not in html and "<img src=x" not in html, response.request.url
    results = html_of(pages[0])
    assert "Evil &lt;script&gt;alert(1)&lt;/script&gt; title" in results          # title
    assert "&lt;img src=x <mark>onerror</mark>=alert(2)&gt;" in results            # snippet
    assert "Evil &lt;script&gt;alert(1)&lt;/script&gt; Source" in results          # source + facet
    assert 'Person</span> &lt;script&gt;alert(1)&lt;/script&gt; <span class="chip-x"' in html_of(pages[2])  # chip


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inputs, self.labels = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            self.inputs.append(attrs.get("id"))
        if tag == "label":
            self.labels.add(attrs.get("for"))


def test_every_input_has_a_label(client):
    for url in ("/?q=oil", "/?q=nothingmatcheszz", "/?q=foo:bar"):
        parser = _Inputs()
        parser.feed(html_of(client.get(url)))
        assert parser.inputs and all(i and i in parser.labels for i in parser.inputs), parser.inputs


# ---- serving ---------------------------------------------------------------------------------

def test_waitress_server_serves(web_engine):
    from web.serve import make_server, server_url

    server = make_server(port=0, threads=2, engine=web_engine)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(server_url(server) + "/api/search?q=oil", timeout=10) as response:
            assert response.status == 200 and json.load(response)["total"] > 0
        with urllib.request.urlopen(server_url(server) + "/article/https://news.example.com/market/1", timeout=10) as response:
            assert response.status == 200  # the // in the id survives waitress
    finally:
        server.close()
        thread.join(5)


def test_serve_uses_waitress_unless_debug(monkeypatch, web_engine):
    import waitress.server

    from web import serve as serve_module

    calls = []

    class Server:  # a waitress server that is bound (create_server) and then run
        effective_host, effective_port = "127.0.0.1", 5123

        def run(self):
            calls.append(("run", {}))

        def close(self):
            pass

    def create_server(app, **kw):
        calls.append(("waitress", kw))
        return Server()

    monkeypatch.setattr(waitress.server, "create_server", create_server)
    monkeypatch.setattr("flask.Flask.run", lambda self, **kw: calls.append(("flask", kw)))
    serve_module.serve(port=5123, threads=3, engine=web_engine)
    assert calls[-2:] == [("waitress", {"host": "127.0.0.1", "port": 5123, "threads": 3, "ident": "newsearch"}),
                          ("run", {})]
    serve_module.serve(debug=True, engine=web_engine)
    assert calls[-1][0] == "flask" and calls[-1][1]["debug"] is True


# ---- Reuters ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def reuters_client(backend_indexes):
    from tests.conftest import shared_path

    folder = shared_path("reuters21578")
    files = [folder / f"reut2-00{i}.sgm.gz" for i in range(3)]
    return create_app(engine=backend_indexes.build("reuters", files), testing=True).test_client()


def test_reuters_oil_prices(reuters_client):
    html = html_of(reuters_client.get("/?q=oil+prices"))
    assert 'id="facet-place"' in html and "<svg" in html and "Page 1 of" in html
    suggestion = html_of(reuters_client.get("/?q=oil+prises"))
    assert "Did you mean" in suggestion and "oil prices" in suggestion


def test_recency_parameter_reaches_the_engine_and_stays_in_links(client):
    page = client.get("/?q=oil&recency=30")
    assert page.status_code == 200
    assert 'option value="30" selected' in page.get_data(as_text=True)
    assert client.get("/api/search?q=oil&recency=30").status_code == 200
    bad = client.get("/api/search?q=oil&recency=soon")
    assert bad.status_code == 400 and "recency" in bad.get_json()["error"]
