"""Short names in an article (news style), type voting and cross-article resolution (no model)."""
from __future__ import annotations

import itertools
from datetime import datetime, timezone

import pytest

from index.entities.aliases import load_aliases
from index.entities.corpus import EntityCorpus
from index.entities.resolve import ALL_STEPS, Steps, article_evidence, local_resolutions, resolve_article


@pytest.fixture(scope="module")
def table():
    return load_aliases(None)


def P(*names):
    return [(n, "PERSON") for n in names]


# ---- within an article ----------------------------------------------------------------------------

def test_bare_name_is_the_nearest_preceding_full_name(table):
    # Seed 002's pattern: the leader first, then other Kims; "Kim" after him means him.
    spans = P("Kim Jong Un", "Kim", "Kim", "Kim Yong Chol", "Kim Yo Jong", "Kim")
    ents = resolve_article(spans, {}, table)
    assert ents["person"] == ["Kim Jong Un", "Kim Yong Chol", "Kim Yo Jong"]
    # What the article tells the corpus: its "Kim" (most often) is Kim Jong Un. The facet set
    # above is the same under the earlier rule; this resolution is what changes.
    assert local_resolutions(article_evidence(spans, {}, table), table) == {"kim": "Kim Jong Un"}
    assert local_resolutions(article_evidence(P("Kim", "Kim Jong Un", "Kim Yong Chol"), {}, table), table) == {}


def test_bare_name_before_its_only_full_name(table):
    assert resolve_article(P("Simmons", "Phil Simmons"), {}, table)["person"] == ["Phil Simmons"]


def test_ambiguous_only_when_nothing_precedes_and_two_share_it(table):
    ents = resolve_article(P("Kim", "Kim Jong Un", "Kim Yong Chol"), {}, table)
    assert ents["person"] == ["Kim Jong Un", "Kim Yong Chol"]  # the leading bare "Kim" is dropped
    # The earlier rule (steps off) dropped every "Kim" once two full names shared it.
    assert resolve_article(P("Kim Jong Un", "Kim", "Kim Yong Chol"), {}, table, Steps(coref=False))["person"] == \
        ["Kim Jong Un", "Kim Yong Chol"]


def test_source_given_full_name_precedes_the_text(table):
    ents = resolve_article(P("Baker", "Howard Baker"), {"person": ["james-baker"]}, table)
    assert ents["person"] == ["James Baker", "Howard Baker"]


# ---- type voting ----------------------------------------------------------------------------------

@pytest.mark.parametrize("span, label", [("Twitter", "PERSON"), ("Bloomberg", "GPE"), ("Reuters", "PERSON"),
                                         ("Xinhua", "GPE")])
def test_known_news_organisations_and_platforms(span, label, table):
    ents = resolve_article([(span, label)], {}, table)
    assert ents["org"] == [span] and ents["person"] == [] and ents["place"] == []


def test_user_file_extends_the_known_types(tmp_path):
    f = tmp_path / "aliases.tsv"
    f.write_text("org\tMeth Lab\tMeth Lab\n", encoding="utf-8")
    assert resolve_article([("Meth Lab", "PERSON")], {}, load_aliases(f))["org"] == ["Meth Lab"]


def test_type_follows_the_article_majority_without_a_corpus(table):
    ents = resolve_article([("Surrey", "PERSON"), ("Surrey", "ORG"), ("Surrey", "ORG")], {}, table)
    assert ents == {"person": [], "org": ["Surrey"], "place": []}


def test_type_follows_the_corpus_majority(table):
    corpus = EntityCorpus(None, table)
    corpus.add("a", None, article_evidence([("Surrey", "PERSON"), ("Kent", "ORG")], {}, table))
    for i in range(3):
        corpus.add(f"b{i}", None, article_evidence([("Surrey", "ORG")], {}, table))
    assert corpus.entities("a")["org"] == ["Surrey", "Kent"]
    assert corpus.entities("a")["person"] == []
    # Without the type vote the article's own label stands (noise off: a lone word no article
    # expands and no title vouches for is otherwise dropped as a person).
    alone = EntityCorpus(None, table, Steps(types=False, noise=False))
    alone.add("a", None, article_evidence([("Surrey", "PERSON")], {}, table))
    alone.add("b", None, article_evidence([("Surrey", "ORG"), ("Surrey", "ORG")], {}, table))
    assert alone.entities("a")["person"] == ["Surrey"]


# ---- across articles ------------------------------------------------------------------------------

DAY = datetime(2019, 2, 23, tzinfo=timezone.utc)


def _corpus(table, articles, steps=ALL_STEPS):
    corpus = EntityCorpus(None, table, steps)
    for aid, date, spans in articles:
        corpus.add(aid, date, article_evidence(spans, {}, table))
    return corpus


STORY = [
    ("full", DAY, P("Kim Jong Un", "Kim", "Donald Trump") + [("Hanoi", "GPE"), ("Vietnam", "GPE")]),
    ("bare", DAY, P("Kim", "Donald Trump") + [("Hanoi", "GPE")]),
    ("other", datetime(2019, 9, 1, tzinfo=timezone.utc), P("Kim Yong Chol", "Kim") + [("Seoul", "GPE")]),
]


def test_bare_name_resolves_through_its_story(table):
    assert _corpus(table, STORY).entities("bare")["person"] == ["Kim Jong Un", "Donald Trump"]
    assert _corpus(table, STORY, Steps(corpus=False)).entities("bare")["person"] == ["Kim", "Donald Trump"]


def test_bare_name_resolves_through_the_corpus_when_no_story(table):
    articles = [("full", DAY, P("Phil Simmons", "Simmons") + [("Leicestershire", "ORG")]),
                ("bare", datetime(2019, 6, 1, tzinfo=timezone.utc), P("Simmons") + [("Leicestershire", "ORG")])]
    assert _corpus(table, articles).entities("bare")["person"] == ["Phil Simmons"]


def test_unrelated_articles_resolve_nothing(table):
    articles = [("full", DAY, P("Kim Jong Un", "Kim") + [("Hanoi", "GPE"), ("KCNA", "ORG")]),
                ("bare", DAY, P("Kim") + [("Busan", "GPE")])]
    # Not Kim Jong Un; and a lone word that nothing expands or vouches for is no facet value.
    assert _corpus(table, articles).entities("bare")["person"] == []
    assert _corpus(table, articles, Steps(noise=False)).entities("bare")["person"] == ["Kim"]


def test_a_shared_place_is_no_shared_context(table):
    # A dateline's "Seoul" is in half of the articles about Korea: it links nothing by itself.
    articles = [("full", DAY, P("Kim Jong Un", "Kim") + [("Seoul", "GPE")]),
                ("bare", DAY, P("Kim") + [("Seoul", "GPE")])]
    assert _corpus(table, articles, Steps(noise=False)).entities("bare")["person"] == ["Kim"]


def test_a_tie_resolves_nothing(table):
    articles = [("a", DAY, P("Kim Jong Un", "Kim") + [("KCNA", "ORG")]),
                ("b", DAY, P("Kim Yong Chol", "Kim") + [("KCNA", "ORG")]),
                ("bare", DAY, P("Kim") + [("KCNA", "ORG")])]
    assert _corpus(table, articles, Steps(noise=False)).entities("bare")["person"] == ["Kim"]
    assert _corpus(table, articles).entities("bare")["person"] == []


def _index_run(table, corpus, batch):
    """What an index run does with the corpus: count the batch, then resolve and write it."""
    for aid, date, spans in batch:
        corpus.add(aid, date, article_evidence(spans, {}, table))
    written = {aid: corpus.entities(aid) for aid, _, _ in batch}
    corpus.mark_written(written.items())
    return written


@pytest.mark.parametrize("batch_size", [1, 2])
def test_results_do_not_depend_on_the_order(table, batch_size):
    # "Surrey" flips from person to org as articles arrive; "Kim" is resolved by a later article.
    articles = STORY + [("surrey", DAY, [("Surrey", "PERSON")]), ("surrey2", DAY, [("Surrey", "ORG")] * 3),
                        ("surrey3", DAY, [("Surrey", "PERSON"), ("Kent", "ORG")])]
    results = {}
    for order in itertools.permutations(articles):
        corpus = EntityCorpus(None, table)
        index: dict = {}
        for start in range(0, len(order), batch_size):
            index.update(_index_run(table, corpus, order[start:start + batch_size]))
        corpus.finish(index.__setitem__)
        assert index == {aid: corpus.entities(aid) for aid in index}  # as if resolved at the end
        results[repr(sorted(index.items()))] = index
    assert len(results) == 1
    final = next(iter(results.values()))
    assert final["bare"]["person"] == ["Kim Jong Un", "Donald Trump"] and final["surrey"]["org"] == ["Surrey"]


def test_finish_rewrites_only_what_changed_and_survives_a_reopen(table, tmp_path):
    path = tmp_path / "corpus.sqlite"
    first = EntityCorpus(path, table)
    first.add("bare", DAY, article_evidence(P("Kim") + [("KCNA", "ORG")], {}, table))
    first.mark_written([("bare", first.entities("bare"))])
    assert first.finish(lambda aid, values: None) == 0  # as written
    first.close()

    second = EntityCorpus(path, table)  # a later run: the full name arrives
    second.add("full", DAY, article_evidence(P("Kim Jong Un", "Kim") + [("KCNA", "ORG")], {}, table))
    second.mark_written([("full", second.entities("full"))])
    updates = {}
    assert second.finish(updates.__setitem__) == 1
    assert updates == {"bare": {"person": ["Kim Jong Un"], "org": ["KCNA"], "place": []}}
    assert second.finish(updates.__setitem__) == 0  # nothing pending any more
    second.close()


# ---- the dateline's place -------------------------------------------------------------------------

@pytest.mark.parametrize("body, place", [
    ("SEOUL (Reuters) - North Korea confirmed", "Seoul"),
    ("HOUSTON, March 3 - Oil prices", "Houston"),
    ("LONDON 1996-08-30\n\nWest Indian all-rounder", "London"),
    ("NEW YORK - Stocks rose", "New York"),
    ("EXCLUSIVE - A deal", None),
    ("The summit - a report", None),
])
def test_dateline_place(body, place):
    from index.entities.extractor import dateline_place

    assert dateline_place(body) == place


def test_dateline_place_is_a_place_whatever_the_model_says(table):
    from index.article import Article
    from index.entities.extractor import given_names

    article = Article(title="t", body="LONDON 1996-08-30\n\nSimmons took four wickets.")
    spans = [("LONDON", "ORG"), ("Simmons", "PERSON")]
    ents = resolve_article(spans, given_names(article), table)
    assert ents["place"] == ["London"] and ents["org"] == []
    assert given_names(article, Steps(dateline=False)) == {}
