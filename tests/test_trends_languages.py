"""Trends narrowed to a language are shares of that language's articles (search/trends.py): an
archive whose German articles grow in number must not show German attention growing with them."""
from __future__ import annotations

import csv
import io

import pytest

from search import Engine
from search.trends import trends_csv
from tests.conftest import whoosh_engine_over

ENGLISH = ("The council in Berlin met the trade delegation on Monday.",
           "Wheat prices rose in Chicago after the harvest report.")
GERMAN = ("Der Senat in Berlin beriet am Montag über den Haushalt der Stadt.",
          "Die Weizenpreise in Hamburg stiegen nach dem Erntebericht deutlich an.")


def _articles() -> list[dict]:
    """January 1987: 6 English (2 name Berlin), 1 German (naming it); February: 6 English (none),
    3 German (2 name Berlin)."""
    made = []

    def add(month: int, language: str, text: str) -> None:
        made.append({"url": f"http://t/{len(made)}", "title": text.split(" in ")[0], "body": text,
                     "date": f"1987-{month:02d}-{10 + len(made) % 15:02d}", "language": language})
    for n in range(6):
        add(1, "en", ENGLISH[0] if n < 2 else ENGLISH[1])
        add(2, "en", ENGLISH[1])
    add(1, "de", GERMAN[0])
    for n in range(3):
        add(2, "de", GERMAN[0] if n < 2 else GERMAN[1])
    return made


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    return whoosh_engine_over(_articles(), tmp_path_factory, "trends-languages")


def test_a_language_series_is_a_share_of_its_languages_articles(engine: Engine) -> None:
    result = engine.trends(["Berlin language:de", "Berlin"], interval="month")
    german, every = result.series
    assert german.within == "de" and every.within is None
    assert [(p.count, p.total) for p in german.points] == [(1, 1), (2, 3)]
    assert [(p.count, p.total) for p in every.points] == [(3, 7), (2, 9)]
    assert result.articles == [7, 9]
    assert german.to_dict()["share_of"] == "de" and every.to_dict()["share_of"] == "all"
    assert result.scale() == "share of the articles of each series' language (else of all)"
    assert engine.trends(["Berlin language:German"]).scale() == "share of German articles"
    assert engine.trends(["Berlin"]).scale() == "share of all articles"
    assert engine.trends(["Berlin"], normalise=False).scale() == "articles"


def test_the_table_names_what_each_share_is_of(engine: Engine) -> None:
    rows = list(csv.reader(io.StringIO(trends_csv(engine.trends(["Berlin language:de", "Berlin"],
                                                                interval="month")))))
    assert rows[0] == ["bucket", "start", "end", "all_articles", "Berlin language:de (count)",
                       "Berlin language:de (share)", "Berlin language:de (of de articles)",
                       "Berlin (count)", "Berlin (share)"]
    assert [row[3] for row in rows[1:]] == ["7", "9"]
    assert [row[4:7] for row in rows[1:]] == [["1", "1.000000", "1"], ["2", "0.666667", "3"]]


def test_two_languages_required_match_nothing_and_need_no_baseline(engine: Engine) -> None:
    result = engine.trends(["Berlin language:de language:en"], interval="month")
    assert result.series[0].total == 0 and result.series[0].within is None
