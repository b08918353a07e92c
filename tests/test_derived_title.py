"""A title the reader made from the lede is shown like any title but ranks as body text only.

Contract test: runs on Whoosh and on OpenSearch (`backend_indexes`). The two records have no
title field, so the JSON reader derives each title from the lede; the word "tariff" is in the
first one's lede (so in its derived title) and once in the second one's body after the lede. The
bodies have the same length and the word once each: with the derived title ranked as a boosted
headline the first would win; ranked by body alone they tie.
"""
from __future__ import annotations

import json

import pytest

from index.readers import read_file

RECORDS = [
    {"url": "http://t/lede", "body": "Tariff talks resumed. Officials met in Geneva on Monday for long hours.",
     "date": "2020-01-01"},
    {"url": "http://t/later", "body": "Officials met again. Tariff talks in Geneva went on Monday for hours.",
     "date": "2020-01-01"},
    {"url": "http://t/headline", "title": "Tariff talks resume", "body": "Officials met in Geneva on Monday.",
     "date": "2020-01-01"},
    # Other headlined articles, so that the title field's statistics are those of a collection.
    *({"url": f"http://t/other-{i}", "title": f"Markets wrap {i}", "body": "Shares rose in Geneva trading.",
       "date": "2020-01-02"} for i in range(5)),
]


@pytest.fixture(scope="module")
def engine(backend_indexes, tmp_path_factory):
    folder = tmp_path_factory.mktemp("derived")
    (folder / "records.jsonl").write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n")
    return backend_indexes.build("derived-titles", [folder])


def test_readers_mark_derived_titles(tmp_path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n")
    articles = list(read_file(path))
    assert [a.title_derived for a in articles] == [True, True] + [False] * 6
    assert articles[0].title.startswith("Tariff talks resumed")
    seed = tmp_path / "seed.txt"
    seed.write_text(" date 2020-01-01 \nSEOUL (Reuters) - Tariff talks resumed on Monday.\n")
    assert [a.title_derived for a in read_file(seed)] == [True]


def test_derived_title_is_shown_and_flagged(engine) -> None:
    hits = {hit.id: hit for hit in engine.search("geneva").hits}
    assert hits["http://t/lede"].title.startswith("Tariff talks resumed") and hits["http://t/lede"].title_derived
    assert hits["http://t/later"].title.startswith("Officials met again") and hits["http://t/later"].title_derived
    assert not hits["http://t/headline"].title_derived
    assert hits["http://t/lede"].to_dict()["title_derived"] is True


def test_derived_title_is_not_a_boosted_headline(engine) -> None:
    hits = {hit.id: hit for hit in engine.search("tariff").hits}
    assert hits["http://t/lede"].score == pytest.approx(hits["http://t/later"].score, rel=1e-6)
    # A real headline still counts: the article with "Tariff" in its title comes first.
    assert engine.search("tariff").hits[0].id == "http://t/headline"


def test_derived_title_on_the_page_and_in_the_api(engine) -> None:
    from web import create_app

    client = create_app(engine=engine, testing=True).test_client()
    page = client.get("/?q=geneva").get_data(as_text=True)
    assert "Tariff talks resumed" in page and "Officials met again" in page
    hits = {h["id"]: h for h in client.get("/api/search?q=geneva").get_json()["hits"]}
    assert hits["http://t/lede"]["title"].startswith("Tariff talks resumed")
    assert hits["http://t/lede"]["title_derived"] is True and hits["http://t/headline"]["title_derived"] is False
