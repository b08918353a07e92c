"""The one table of search parameters (search/parameters.py) drives every interface: the request
(its fields, defaults and checks), the page's URL state, the command line and the docs; the
facet kinds are one list; `collapse` is off by default everywhere; a bad query or parameter gives
the same message on every interface, from the request build."""
from __future__ import annotations

import argparse
import html
import typing
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

from index.article import ENTITY_TYPES, FACET_KINDS
from newsearch.cli import build_parser, main
from newsearch.options import add_parameters, given_parameters
import search
from search import BadParameterError, Engine, SearchParameters, SearchRequest
from search.parameters import BY_NAME, PARAMETERS, URL_PARAMETERS, Parameter, check_names, markdown
from web import create_app
from web.state import SearchState, date_input_value

REPO = Path(__file__).resolve().parent.parent
STORY_ID = "s-0123456789abcdef"
# A value of each parameter as text (URL and command line) and the request it must give.
TEXT = {"query": "oil prices", "person": "Kim Jong Un", "org": "OPEC", "place": "Hanoi", "source": "Reuters",
        "language": "de", "date_from": "2019-02", "date_to": "2019-03-01", "sort": "newest", "recency": "30", "page_size": "25",
        "story": STORY_ID, "collapse": "1", "page": "3", "interval": "week"}
PYTHON = {"person": "Kim Jong Un", "org": "OPEC", "place": "Hanoi", "source": "Reuters", "language": "German",
          "date_from": "2019-02",
          "date_to": "2019-03-01", "sort": "newest", "recency": 30, "page_size": 25, "story": STORY_ID,
          "collapse": True, "page": 3, "interval": "week"}


@pytest.fixture(scope="module")
def seeds_engine(tmp_path_factory) -> Engine:
    from newsearch.indexing import index_paths

    index_dir = tmp_path_factory.mktemp("parameters-index")
    index_paths([REPO / "seeds"], index_dir, entities=False, show_progress=False)
    return Engine(index_dir)


def test_docs_are_made_from_the_table() -> None:
    written = (REPO / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert written == markdown(), ("docs/parameters.md is out of date: python -c \"from search.parameters "
                                   "import markdown; print(markdown(), end='')\" > docs/parameters.md")
    for p in PARAMETERS:
        assert f"| `{p.name}` |" in written
    assert "docs/parameters.md" in (search.search.__doc__ or "")


def test_typed_declarations_are_the_table() -> None:
    """What mypy reads (SearchRequest's fields, SearchParameters) holds exactly the table's rows."""
    import dataclasses

    names = [p.name for p in PARAMETERS]
    assert len(set(names)) == len(names) and len({p.url for p in URL_PARAMETERS}) == len(URL_PARAMETERS)
    assert set(typing.get_type_hints(SearchParameters)) == set(names) - {"query"}
    fields = {f.name: f for f in dataclasses.fields(SearchRequest) if f.name not in ("tree", "any_tree")}
    assert set(fields) == set(names)
    assert {name: f.default for name, f in fields.items()} == {p.name: p.default for p in PARAMETERS}
    assert SearchRequest() == SearchRequest.build("")


def test_build_reads_every_parameter_with_its_rows_check() -> None:
    request = SearchRequest.build("oil", **PYTHON)  # type: ignore[arg-type]
    for p in PARAMETERS:
        if p.name != "query":
            assert getattr(request, p.name) == p.read(PYTHON[p.name] if p.name in PYTHON else p.default), p.name
    # text reads the same as Python values (the URL and the command line pass text)
    assert SearchRequest.build("oil", **{k: v for k, v in TEXT.items() if k != "query"}) == request  # type: ignore[arg-type]
    for name, bad in (("page", "0"), ("page_size", "101"), ("date_from", "2019-13"), ("sort", "best"),
                      ("recency", "inf"), ("collapse", "maybe"), ("story", "s-1"), ("interval", "decade"),
                      ("facet_top", "-1"), ("language", "Klingon"), ("language", "xx")):
        with pytest.raises(BadParameterError):
            SearchRequest.build("oil", **{name: bad})  # type: ignore[misc]


def test_every_url_parameter_round_trips_through_the_page() -> None:
    args = MultiDict([(p.url, TEXT[p.name]) for p in URL_PARAMETERS])
    state = SearchState.from_args(args)
    assert sorted(state.args()) == sorted(args.items(multi=True))
    assert SearchState.from_args(MultiDict(state.args())) == state
    on_the_page = {name: value for name, value in PYTHON.items() if BY_NAME[name].url}
    assert state.request() == SearchRequest.build(TEXT["query"], **on_the_page)  # type: ignore[arg-type]
    # the defaults are left out of URLs, and an empty state asks for the default request
    assert SearchState().args() == [] and SearchState().request() == SearchRequest()
    # the search box carries everything but what it writes itself and the page number
    hidden = dict(state.hidden_fields())
    assert not {"q", "from", "to", "sort", "recency", "page"} & set(hidden) and hidden["collapse"] == "1"


def test_every_flag_is_on_the_command_line_and_reads_as_the_api() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    search = commands.choices["search"]
    helptext = search.format_help()
    argv = [TEXT["query"]]
    for p in PARAMETERS:
        if p.flag and p.flag.startswith("--"):
            assert p.flag in helptext and p.help.split()[0] in helptext
            argv += [p.flag] if isinstance(p.default, bool) else [p.flag, TEXT[p.name]]
    args = parser.parse_args(["search", *argv])
    assert SearchRequest.build(args.query, **given_parameters(args, PARAMETERS)) == \
        SearchRequest.build(TEXT["query"], **PYTHON)  # type: ignore[arg-type]
    stories = commands.choices["stories"].format_help()
    assert all(f"--{kind}" in stories for kind in FACET_KINDS) and "--from" in stories and "--page" not in stories


def test_a_new_row_is_a_new_option() -> None:
    """What adding a parameter takes on the command line: a row (here one the table lacks)."""
    row: Parameter[tuple[str, ...]] = Parameter("author", "names", (), "only articles by this author",
                                                check_names, url="author", flag="--author", many=True,
                                                metavar="NAME")
    parser = argparse.ArgumentParser()
    add_parameters(parser, (row,))
    assert "only articles by this author" in parser.format_help()
    assert given_parameters(parser.parse_args(["--author", "Ann Lee"]), (row,)) == {"author": ["Ann Lee"]}


def test_one_list_of_facet_kinds() -> None:
    from search import querylang, request
    from search.backends.opensearch import schema as opensearch_schema
    from search.backends.whoosh import schema as whoosh_schema
    from web import state

    assert FACET_KINDS == ENTITY_TYPES + ("source", "language")
    for kinds in (querylang.FACET_FIELDS, request.FILTER_KINDS, state.FILTER_KINDS, whoosh_schema.FACET_FIELDS,
                  opensearch_schema.FACET_FIELDS):
        assert kinds is FACET_KINDS


def test_collapse_is_off_by_default_everywhere(seeds_engine) -> None:
    assert SearchRequest().collapse is False and SearchState().collapse is False
    assert SearchState.from_args(MultiDict()).collapse is False
    args = build_parser().parse_args(["search", "kim"])
    assert SearchRequest.build("kim", **given_parameters(args, PARAMETERS)).collapse is False
    client = create_app(engine=seeds_engine, testing=True).test_client()
    assert client.get("/api/search?q=Kim+Hanoi").get_json()["collapsed"] is False
    page = client.get("/?q=Kim+Hanoi").get_data(as_text=True)
    assert page.count('class="hit"') == 2 and "Group articles into stories" in page
    assert 'href="/?q=Kim+Hanoi&amp;collapse=1"' in page  # the switch turns it on


def test_date_fields_use_the_one_date_rule() -> None:
    assert date_input_value("2019-02", end=True) == "2019-02-28"
    assert date_input_value("2020-02", end=True) == "2020-02-29"
    assert date_input_value("2019", end=False) == "2019-01-01"
    assert date_input_value("2019-02-03T10:00:00+05:00", end=False) == "2019-02-03"
    assert date_input_value("2019-13", end=False) == "" and date_input_value("soon", end=True) == ""


@pytest.mark.parametrize("query", ["x " * 70, "y" * 1001, "a* b"])
def test_one_message_per_error_on_every_interface(seeds_engine, query, capsys) -> None:
    with pytest.raises(Exception) as raised:
        SearchRequest.build(query)
    message = str(raised.value)
    client = create_app(engine=seeds_engine, testing=True).test_client()
    for url in ("/api/search", "/api/top-words", "/api/export", "/api/stories"):
        response = client.get(url, query_string={"q": query})
        assert response.status_code == 400 and response.get_json() == {"error": message}, url
    for url in ("/", "/words", "/feed", "/follow"):
        response = client.get(url, query_string={"q": query})
        assert response.status_code == 400 and message in html.unescape(response.get_data(as_text=True)), url
    assert main(["search", query, "--index-dir", str(seeds_engine.index_dir)]) == 2
    assert capsys.readouterr().err.strip() == f"newsearch: {message}"
