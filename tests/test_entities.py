"""Entity canonicalisation, aliases and per-article resolution (no model needed here)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from index.article import Article
from index.entities import EntityExtractor, canonical_name, reuters_codes
from index.entities.aliases import load_aliases
from index.entities.canonical import clean
from index.entities.resolve import resolve_article
from tests.conftest import REPO


@pytest.fixture(scope="module")
def table():
    return load_aliases(None)


@pytest.mark.parametrize("kind, span, expected", [
    ("place", "North Korea's", "North Korea"),
    ("place", "North Korea\u2019s", "North Korea"),
    ("place", "the United States", "United States"),
    ("place", "The  Hague,", "Hague"),
    ("org", "\u201cReuters.", "Reuters"),
    ("org", "Acme Corp.", "Acme Corp."),
    ("place", "U.S.", "U.S."),
    ("person", "President Trump", "Trump"),
    ("person", "Foreign Minister Ri Yong Ho", "Ri Yong Ho"),
    ("person", "AFP Kim", "Kim"),
    ("person", "Treasurer Paul Keating", "Paul Keating"),
    ("person", "Worker\u2019s", "Worker"),
    ("place", "North", None),
    ("org", "the coming days", None),
    ("person", "\u201c", None),
])
def test_clean(kind, span, expected):
    assert clean(kind, span) == expected


@pytest.mark.parametrize("kind, typed, expected", [
    ("place", "U.S.", "United States"),
    ("place", "us", "United States"),
    ("place", "U.S.A.", "United States"),
    ("place", "United States", "United States"),
    ("place", "Britain", "United Kingdom"),
    ("place", "U.K.", "United Kingdom"),
    ("place", "uk", "United Kingdom"),
    ("place", "hong kong", "Hong Kong"),
    ("place", "west-germany", "West Germany"),
    ("place", "ussr", "Soviet Union"),
    ("org", "ec", "European Community"),
    ("org", "E.E.C.", "European Community"),
    ("org", "opec", "OPEC"),
    ("org", "International Monetary Fund", "IMF"),
    ("person", "james-baker", "James Baker"),
    ("person", "reagan", "Ronald Reagan"),
    ("person", "Volcker", "Paul Volcker"),
    ("person", "Trump", "Donald Trump"),
    ("person", "Kim Jong-un", "Kim Jong Un"),
    ("person", "John Smith", "John Smith"),
    ("place", "North Korea\u2019s", "North Korea"),
])
def test_canonical_name(kind, typed, expected):
    assert canonical_name(kind, typed) == expected


def test_every_reuters_code_has_a_display_name():
    for kind, codes in reuters_codes.CODES.items():
        for code in codes:
            name = reuters_codes.display_name(kind, code)
            assert name and name != code and name[0].isupper(), (kind, code, name)
    assert reuters_codes.display_name("place", "hong-kong") == "Hong Kong"
    assert reuters_codes.display_name("person", "baker") == "Baker"  # no such code; not guessed
    assert canonical_name("person", "Baker") == "James Baker"  # the 1987 sense, from the alias table


def test_common_surname_code_is_not_expanded_from_text():
    # `wilson` is Michael Wilson as a Reuters tag, but a bare "Wilson" in text stays as it is.
    assert reuters_codes.display_name("person", "wilson") == "Michael Wilson"
    assert canonical_name("person", "Wilson") == "Wilson"


def test_user_alias_file_extends_and_overrides(tmp_path):
    f = tmp_path / "aliases.tsv"
    f.write_text("place\tBurma\tMyanmar\nperson\tBaker\tBaker\nnot a valid line\n", encoding="utf-8")
    assert canonical_name("place", "burma", aliases_file=f) == "Myanmar"
    assert canonical_name("person", "Baker", aliases_file=f) == "Baker"
    assert canonical_name("place", "U.S.", aliases_file=f) == "United States"


def test_short_name_maps_to_the_full_name_in_the_article(table):
    spans = [("Kim Jong Un", "PERSON"), ("Kim", "PERSON"), ("Donald Trump", "PERSON"), ("Trump", "ORG"),
             ("Trump", "PERSON"), ("Hanoi", "GPE")]
    ents = resolve_article(spans, {}, table)
    assert ents["person"] == ["Kim Jong Un", "Donald Trump"]
    assert ents["org"] == []
    assert ents["place"] == ["Hanoi"]


def test_ambiguous_short_name_is_dropped(table):
    spans = [("Kim Jong Un", "PERSON"), ("Kim Yong Chol", "PERSON"), ("Kim", "PERSON"), ("Kim", "PERSON")]
    ents = resolve_article(spans, {}, table)
    assert ents["person"] == ["Kim Jong Un", "Kim Yong Chol"]


def test_bare_name_without_full_form(table):
    # No full name in the article: a well-known surname expands from the alias table, others stay.
    ents = resolve_article([("Trump", "PERSON"), ("Kim", "PERSON"), ("Reagan", "ORG")], {}, table)
    assert ents["person"] == ["Donald Trump", "Kim", "Ronald Reagan"]


def test_well_known_expansion_competes_with_the_article(table):
    # "Reagan" beside only "Nancy Reagan": could be Ronald (the table) or Nancy (the article).
    ents = resolve_article([("Reagan", "PERSON"), ("Nancy Reagan", "PERSON")], {}, table)
    assert ents["person"] == ["Nancy Reagan"]
    ents = resolve_article([("Reagan", "PERSON"), ("Ronald Reagan", "PERSON")], {}, table)
    assert ents["person"] == ["Ronald Reagan"]


def test_aliases_merge_and_count_once(table):
    spans = [("U.S.", "GPE"), ("the United States", "GPE"), ("US", "GPE"), ("Britain", "GPE"),
             ("U.K.", "GPE"), ("North Korea's", "GPE"), ("North Korea", "GPE"), ("American", "NORP"),
             ("Soviet Union", "LOC")]
    ents = resolve_article(spans, {}, table)
    assert ents["place"] == ["United States", "United Kingdom", "North Korea", "Soviet Union"]


def test_places_are_not_merged_into_longer_places(table):
    ents = resolve_article([("China", "GPE"), ("South China Sea", "LOC")], {}, table)
    assert ents["place"] == ["China", "South China Sea"]


def test_fac_only_when_it_names_a_place(table):
    ents = resolve_article([("Hanoi", "FAC"), ("Golden Gate Bridge", "FAC")], {}, table)
    assert ents["place"] == ["Hanoi"]


def test_source_codes_merge_with_recognised_names(table):
    source = {"place": ["usa", "West Germany"], "person": ["james-baker", "volcker"], "org": ["opec"]}
    spans = [("U.S.", "GPE"), ("Baker", "PERSON"), ("Volcker", "PERSON"), ("West Germany", "GPE"),
             ("OPEC", "ORG"), ("Organization of Petroleum Exporting Countries", "ORG")]
    ents = resolve_article(spans, source, table)
    assert ents == {"person": ["James Baker", "Paul Volcker"], "org": ["OPEC"],
                    "place": ["United States", "West Germany"]}


def test_paragraph_crossing_span_is_dropped(table):
    assert resolve_article([("REUTERS\n\nSEOUL", "ORG")], {}, table)["org"] == []


def test_disabled_canonicalises_source_names_without_spacy():
    code = (
        "import sys\n"
        "from index.article import Article\n"
        "from index.entities import EntityExtractor, canonical_name\n"
        "a = Article(title='t', body='Kim met Trump in Hanoi.', entities={'place': ['usa', 'U.K.']})\n"
        "ex = EntityExtractor(enabled=False)\n"
        "ex.annotate([a])\n"
        "assert a.entities == {'person': [], 'org': [], 'place': ['United States', 'United Kingdom']}, a.entities\n"
        "assert canonical_name('place', 'U.S.') == 'United States'\n"
        "assert ex.ner_calls == 0 and not ex.degraded\n"
        "assert 'spacy' not in sys.modules, 'spaCy was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


def test_annotate_with_empty_text_needs_no_model():
    ex = EntityExtractor(model_order=("no_such_model_xyz",))
    a = Article(title="", body="", entities={"person": ["reagan"]})
    ex.annotate([a])
    assert a.entities["person"] == ["Ronald Reagan"] and ex.ner_calls == 0
