"""The noise filter (index/entities/noise.py): one test per rule, with the cases seen on real data."""
from __future__ import annotations

import pytest

from index.entities.aliases import load_aliases
from index.entities.noise import RULES, filter_span
from index.entities.resolve import Steps, resolve_article


@pytest.mark.parametrize("span, kind, expected", [
    ("Cairns 8 1 35 1", "person", "Cairns"),      # a bowling figures line: the figures go
    ("G. Kersey 63", "person", "G. Kersey"),
    ("Mexico 2 0", "place", "Mexico"),
    ("1996 Kim", "person", None),                  # figures inside: no name
    ("Hoddle 3-1", "person", "Hoddle"),
    ("747", "org", None),
])
def test_figures(span, kind, expected):
    assert filter_span(span, kind) == expected


@pytest.mark.parametrize("span, expected", [("meth", None), ("iPhone", None), ("Meth", "Meth"),
                                            ("de Gaulle", "de Gaulle")])
def test_single_lowercase_word(span, expected):
    assert filter_span(span, "person") == expected


def test_spans_over_six_words():
    assert filter_span("Bank of Tokyo Mitsubishi UFJ Trust Company", "org") is None
    assert filter_span("Organization of Petroleum Exporting Countries", "org") is not None  # 5 words


@pytest.mark.parametrize("span", ["Attendance", "Scorers", "New York Results", "W L PCT GB", "GMT"])
def test_sports_results_boilerplate(span):
    assert filter_span(span, "org") is None and filter_span(span, "person") is None


@pytest.mark.parametrize("span", ["Davis Cup", "Hong Kong Open", "Singer World Series", "British Grand Prix"])
def test_events_are_no_entity(span):
    for kind in ("person", "org", "place"):
        assert filter_span(span, kind) is None


def test_capitalised_headline_is_no_person():
    assert filter_span("LEICESTERSHIRE TAKE OVER", "person") is None
    assert filter_span("KCNA", "org") == "KCNA"


def test_news_agency_descriptor():
    assert filter_span("KCNA news agency", "org") == "KCNA"
    assert filter_span("Interfax News Agency", "org") == "Interfax"
    assert filter_span("Associated Press", "org") == "Associated Press"


def test_lowercase_word_inside_a_person():
    assert filter_span("Yorkshire at Headingley", "person") is None
    assert filter_span("Osama bin Laden", "person") == "Osama bin Laden"
    assert filter_span("Bank of England", "org") == "Bank of England"


def test_institution_run_into_a_person():
    # "... said the White House. Hitler ..." read as the person "House Hitler" on a real page.
    assert filter_span("House Hitler", "person") == "Hitler"
    assert filter_span("Senate Mitch McConnell", "person") == "Mitch McConnell"
    assert filter_span("House", "person") is None
    assert filter_span("Edward House", "person") == "Edward House"  # a surname stays
    assert filter_span("House Judiciary Committee", "org") == "House Judiciary Committee"


def test_institution_prefix_in_resolution():
    table = load_aliases(None)
    spans = [("Adolf Hitler", "PERSON"), ("House Hitler", "PERSON")]
    assert resolve_article(spans, {}, table)["person"] == ["Adolf Hitler"]


def test_every_rule_is_listed_once():
    assert len(RULES) == len(set(RULES)) == 13


def test_noise_step_in_resolution():
    table = load_aliases(None)
    spans = [("Cairns 8 1 35 1", "PERSON"), ("Davis Cup", "PERSON"), ("Attendance", "ORG"),
             ("Chris Cairns", "PERSON")]
    assert resolve_article(spans, {}, table) == {"person": ["Chris Cairns"], "org": [], "place": []}
    off = resolve_article(spans, {}, table, Steps(noise=False))
    assert "Davis Cup" in off["person"] and "Attendance" in off["org"]


def test_common_word_that_opened_a_sentence():
    from index.entities.noise import common_word

    text = "Meth use rose again. Police said the meth trade moved north."
    assert common_word("Meth", "person", text)
    assert not common_word("Meth", "person", "Meth use rose again.")  # nothing says it is a word
    assert not common_word("Rose", "place", text)  # people only
    assert not common_word("Kim", "person", "Kim left. Kim Jong Un arrived.")
    spans = [("Meth", "PERSON"), ("Twitter", "PERSON"), ("Jane Doe", "PERSON")]
    table = load_aliases(None)
    from index.entities.resolve import article_evidence, resolve

    ents = resolve(article_evidence(spans, {}, table, article_text=text + " Jane Doe posted on Twitter."), table)
    assert ents["person"] == ["Jane Doe"] and ents["org"] == ["Twitter"]
