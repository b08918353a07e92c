"""Whole-archive facet quality (issue 19): each class of error seen on Reuters-21578 and on
British news, on real text (Reuters snippets as the reader gives them; British paragraphs
written for these tests in the style of the held-out archive)."""
from __future__ import annotations

import ast
import logging

import pytest

from index.article import Article
from index.entities import EntityExtractor, recognizer
from index.entities.aliases import load_aliases
from index.entities.corpus import EntityCorpus
from index.entities.noise import filter_span, table_only
from index.entities.orglinks import spelt_from
from index.entities.prose import is_prose
from index.entities.resolve import article_evidence, resolve
from tests.conftest import REPO

# reut2-000.sgm, "AM INTERNATIONAL INC <AM> 2ND QTR JAN 31", as the Reuters reader gives it.
EARNINGS = ("Chicago, Feb 26.\n\nOper shr loss two cts vs profit seven cts\n\nOper shr profit 442,000 vs "
            "profit 2,986,000\n\nRevs 291.8 mln vs 151.1 mln\n\nAvg shrs 51.7 mln vs 43.4 mln\n\nSix mths\n\n"
            "NOTE: Per shr calculated after payment of preferred dividends.")
PRICES = "Bread wheat prev 1,655.8, Feb 872.0, March 164.6, total 2,692.4 (4,161.0)."
PROSE = ("Arrivals for the week ended February 22 were 155,221 bags of 60 kilos making a cumulative "
         "total for the season of 5.93 mln against 5.81 at the same stage last year.")
BRITISH = [
    ("Ferguson hails United", "Manchester United moved three points clear at the top of the Premiership "
     "after a 2-0 win over Everton at Old Trafford. Sir Alex Ferguson said his side had been patient. "
     "Everton manager David Moyes said the Premiership leaders deserved it.\n\n"
     "Manchester United 2 Everton 0\n\nArsenal 1 Chelsea 1\n\nLiverpool 3 Bolton 1"),
    ("Lib Dems set out tax plans", "The Liberal Democrats will fund their pledges by a new top rate of tax, "
     "Charles Kennedy said. The Lib Dems said the Budget had failed pensioners. Welsh voters would "
     "benefit, the party's Welsh spokesman Lembit Opik said."),
    ("Vera Drake wins at Oscars", "Imelda Staunton's Vera Drake was nominated for an Oscar on Tuesday. "
     "The film's director Mike Leigh said he was delighted. The Oscar ceremony is held in Los Angeles. "
     "Harry Potter and the Prisoner of Azkaban was nominated for best visual effects."),
]


@pytest.fixture(scope="module")
def table():
    return load_aliases(None)


def _values(table, texts: list[tuple[list[tuple[str, str]], str]]) -> list[dict[str, list[str]]]:
    corpus = EntityCorpus(None, table)
    for i, (spans, text) in enumerate(texts):
        corpus.add(str(i), None, article_evidence(spans, {}, table, article_text=text))
    return [corpus.entities(str(i)) for i in range(len(texts))]


# ---- text that is not prose ------------------------------------------------------------------------

def test_tables_and_score_lines_are_no_prose():
    for paragraph in EARNINGS.split("\n\n")[2:5] + [PRICES, "Manchester United 2 Everton 0",
                                                     "Cairns 8 1 35 1", "IBM 120 1/2 up 1/4"]:
        assert not is_prose(paragraph), paragraph
    for paragraph in [PROSE, "Nadim Ladki", "The company said net rose to 12.4 mln dlrs, or 1.20 dlrs a share."]:
        assert is_prose(paragraph), paragraph


def test_a_table_row_label_is_no_person(table):
    # The model labels "Revs" and "Avg" PERSON in 682 and 502 Reuters earnings tables.
    assert table_only("Revs", "person", EARNINGS) and table_only("Avg", "person", EARNINGS)
    assert not table_only("Revs", "person", "Revs Smith said the deal was done.")
    spans = [("Revs", "PERSON"), ("Avg", "PERSON")]
    assert resolve(article_evidence(spans, {}, table, article_text=EARNINGS), table)["person"] == []
    # A full name in a results table is still read: "Colin Montgomerie 69 70" is a name.
    assert not table_only("Colin Montgomerie", "person", "Colin Montgomerie 69 70 71 210")


# ---- not names ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("span, kind", [
    ("U.S. Dlrs", "person"), ("N.Z. Dlrs", "person"), ("H.K. Dlrs", "person"), ("U.S. Dollar", "org"),
    ("Co Inc", "org"), ("Co", "org"), ("P", "org"), ("Easter", "person"), ("Mar", "person"),
    ("State", "org"), ("Finance", "org"), ("Finance Ministry", "org"), ("Central Bank", "org"),
    ("District Court", "org"), ("AAA", "org"), ("Shr", "org"),
])
def test_money_dates_fragments_and_descriptions_are_no_names(span, kind):
    assert filter_span(span, kind) is None


@pytest.mark.parametrize("span, kind", [
    ("Bank of England", "org"), ("U.S. Treasury", "org"), ("Treasury", "org"), ("Senate", "org"),
    ("Federal Reserve", "org"), ("Mark Smith", "person"), ("Ezra Pound", "person"), ("Commerce Department", "org"),
])
def test_real_names_stay(span, kind):
    assert filter_span(span, kind) == span


# ---- fragments of a longer name --------------------------------------------------------------------

@pytest.mark.parametrize("spans, text, expected", [
    ([("Poor's Corp", "ORG")], "Standard and Poor's Corp said it upgraded 500 mln dlrs of debt of Navistar.",
     "Standard and Poor's Corp"),
    ([("American Telephone", "ORG")], "American Telephone and Telegraph Co said small businesses can win.",
     "American Telephone and Telegraph Co"),
    ([("Co Inc", "ORG"), ("Bear Stearns", "ORG")],
     "Conserdyne said it made Bear Stearns and Co Inc <BSC> its exclusive investment banker.",
     "Bear Stearns and Co Inc"),
])
def test_a_name_cut_at_its_and_is_the_whole_name(table, spans, text, expected):
    assert expected in resolve(article_evidence(spans, {}, table, article_text=text), table)["org"]


def test_two_names_joined_by_and_stay_two(table):
    text = "IBM and Apple Computer Inc said they would share the design."
    orgs = resolve(article_evidence([("IBM", "ORG"), ("Apple Computer Inc", "ORG")], {}, table,
                                    article_text=text), table)["org"]
    assert set(orgs) == {"IBM", "Apple Computer Inc"}


# ---- a company, club or work filed as a person ----------------------------------------------------

def test_companies_and_clubs_filed_as_people_are_organisations(table):
    cases = [
        ([("Petrobras", "PERSON")], "Seamen rejected offers of a 100 pct raise from the state oil company Petrobras.",
         "Petrobras"),
        ([("Courier Corp", "PERSON")], "Courier Corp said it will buy the printer.", "Courier Corp"),
        ([("Rexnord Inc", "ORG"), ("Rexnord", "PERSON")],
         "Rexnord Inc said it will redeem its rights. Rexnord said the offer closed.", "Rexnord Inc"),
        ([("Manchester United", "PERSON")], BRITISH[0][1], "Manchester United"),
    ]
    for spans, text, org in cases:
        values = resolve(article_evidence(spans, {}, table, article_text=text), table)
        assert values["person"] == [] and org in values["org"], (spans, values)


def test_names_the_model_mostly_calls_works_or_nationalities_are_no_people(table):
    # "Oscar" is PERSON once, WORK_OF_ART / EVENT elsewhere; "Welsh" is NORP but once PERSON.
    texts = [([("Oscar", "PERSON"), ("Imelda Staunton", "PERSON")], BRITISH[2][1]),
             ([("Oscar", "WORK_OF_ART")], "She won an Oscar."), ([("Oscar", "EVENT")], "At the Oscar night."),
             ([("Welsh", "PERSON")], BRITISH[1][1]), ([("Welsh", "NORP")], "Welsh voters."),
             ([("Welsh", "NORP")], "The Welsh party.")]
    values = _values(table, texts)
    assert values[0]["person"] == ["Imelda Staunton"] and values[3]["person"] == []


def test_a_lone_word_nothing_vouches_for_is_no_person(table):
    texts = [([("Duff", "PERSON"), ("Phelps", "PERSON")], "Duff and Phelps lowered the ratings of USX Corp."),
             ([("Subroto", "PERSON")], "Indonesian Energy Minister Subroto said output would rise."),
             ([("Subroto", "PERSON")], "Subroto said prices would hold.")]
    values = _values(table, [(s, t) for s, t in texts])
    assert values[0]["person"] == []
    assert values[1]["person"] == ["Subroto"]


# ---- one entity, one value ---------------------------------------------------------------------------

def test_an_abbreviation_the_archive_spells_out_joins_its_full_name(table):
    texts = [([("General Motors Corp", "ORG")], "General Motors Corp (GM) said car sales fell."),
             ([("GM", "ORG")], "GM said it would close two plants."),
             ([("International Business Machines Corp", "ORG")],
              "International Business Machines Corp <IBM> said it cut prices."),
             ([("IBM", "ORG")], "IBM said the new computer ships in June.")]
    values = _values(table, texts)
    assert values[1]["org"] == ["General Motors Corp"]
    assert values[3]["org"] == ["International Business Machines Corp"]
    assert spelt_from("Petrobras", "Petroleo Brasileiro SA") and not spelt_from("T", "American Telephone and Telegraph Co")


def test_a_short_company_name_joins_its_full_name_but_a_body_not_its_part(table):
    texts = [([("Chrysler Corp", "ORG"), ("Chrysler", "ORG")], "Chrysler Corp said sales rose. Chrysler added."),
             ([("Chrysler", "ORG")], "Chrysler said it would recall the vans."),
             ([("White House Economic Policy Council", "ORG"), ("White House", "ORG")],
              "The White House Economic Policy Council met. The White House said it would decide."),
             ([("White House", "ORG")], "The White House said it would veto the bill.")]
    values = _values(table, texts)
    assert values[1]["org"] == ["Chrysler Corp"]
    assert values[3]["org"] == ["White House"]


# ---- the model is a dependency ------------------------------------------------------------------------

def test_setup_declares_the_pinned_model():
    tree = ast.parse((REPO / "setup.py").read_text(encoding="utf-8"))
    strings = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    assert recognizer.MODEL_PACKAGE in strings
    name, version = recognizer.MODEL_PACKAGE.split("==")
    assert f"{name}=={version}" in (REPO / "requirements-model.txt").read_text(encoding="utf-8")
    assert name.replace("-", "_") in recognizer.MODEL_ORDER


def test_degraded_warning_names_the_package_to_install(monkeypatch, caplog):
    monkeypatch.setattr(recognizer, "_warned_degraded", False)
    ex = EntityExtractor(model_order=("no_such_model_xyz",))
    with caplog.at_level(logging.WARNING, logger="newsearch.entities"):
        ex.annotate([Article(title="", body="Ronald Reagan flew to Tokyo.")])
    assert any(f"pip install {recognizer.MODEL_PACKAGE}" in r.getMessage() for r in caplog.records)


# ---- British news through the real model ----------------------------------------------------------------

def test_british_news_people_are_people(tmp_path):
    ex = EntityExtractor(corpus_path=tmp_path / "corpus.sqlite")  # as an index run has it
    articles = [Article(title=t, body=b, source_id=f"british:{i}") for i, (t, b) in enumerate(BRITISH)]
    ex.annotate(articles)
    people = {p for a in articles for p in a.entities["person"]}
    assert not people & {"Manchester United", "Everton", "Premiership", "Lib Dems", "Welsh", "Oscar",
                         "Vera Drake", "Budget", "Arsenal", "Chelsea", "Liverpool", "Bolton"}, people
    assert {"Alex Ferguson", "David Moyes", "Charles Kennedy", "Mike Leigh"} <= people, people


def test_competitions_common_words_and_acronyms(table):
    for span in ("Premiership", "Champions League", "Premier League"):
        assert filter_span(span, "org") is None and filter_span(span, "person") is None
    text = ("Gordon Brown's Budget froze fuel duty. The budget deficit will rise, BT said. "
            "BT shares fell 2p in London.")
    values = resolve(article_evidence([("Budget", "ORG"), ("BT", "GPE"), ("London", "GPE"),
                                       ("Gordon Brown", "PERSON")], {}, table, article_text=text), table)
    assert values == {"person": ["Gordon Brown"], "org": ["BT"], "place": ["London"]}


def test_a_surname_filed_as_an_organisation_is_the_person(table):
    # The model reads "Ferguson" of "Sir Alex Ferguson said ... Ferguson's side" as an organisation.
    text = "Sir Alex Ferguson said his side had been patient. Ferguson's side won 2-0 at Old Trafford."
    values = resolve(article_evidence([("Alex Ferguson", "PERSON"), ("Ferguson", "ORG")], {}, table,
                                      article_text=text), table)
    assert values["person"] == ["Alex Ferguson"] and values["org"] == []
    # A name the alias table knows as a place stays one: "Washington" beside "George Washington".
    values = resolve(article_evidence([("George Washington", "PERSON"), ("Washington", "GPE")], {}, table,
                                      article_text="George Washington crossed. Washington grew."), table)
    assert values["place"] == ["Washington"]
