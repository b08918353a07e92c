"""Words in context (search/kwic.py, collocations.py, cooccurrence.py) on every backend
(`backend_indexes`), over short news paragraphs written here, so that every line, count and
score is known; and on Reuters-21578's first file (skipped when the shared data is absent).

The web pages, the JSON API and the command line are tested in tests/test_context_web.py.
"""
from __future__ import annotations

import math
from xml.etree import ElementTree as ET

import pytest

from search import BadParameterError, QuerySyntaxError, SearchRequest
from search.analysis import words
from search.collocations import collocations, g2
from search.context import fold
from search.cooccurrence import GEXF_NAMESPACE, cooccurrence, gexf
from search.kwic import kwic, kwic_csv
from tests.corpus import record, write_jsonl

GEXF = "{" + GEXF_NAMESPACE + "}"


def context_records() -> list[dict]:
    """Short real-style news paragraphs: English on plans and oil, German, French, Russian and
    Japanese ones, and entity lists for co-occurrence."""
    return [
        record("plan-1", "Airline plans new routes",
               "The airline planned to cut fares in March. Its planning staff said the plan was approved.",
               date="2019-03-01", source="Wire", org=["Qantas"], place=["Australia", "Sydney"]),
        record("oil-1", "Crude oil prices fall",
               "Crude oil prices fell on Monday. Heating oil futures rose while palm oil was steady.",
               date="2019-03-02", source="Wire", org=["OPEC"], place=["Saudi Arabia", "Kuwait"],
               person=["Mohammed bin Salman"]),
        record("oil-2", "Oil exports climb",
               "Kuwait said oil exports climbed. Crude oil output was unchanged, oil prices firmed.",
               date="2019-03-03", source="Gazette", org=["OPEC"], place=["Kuwait"]),
        record("oil-3", "Talks on oil",
               "Ministers met in Vienna to discuss oil. Crude supplies and oil prices were on the agenda.",
               date="2019-03-04", source="Gazette", org=["OPEC"], place=["Saudi Arabia", "Austria", "Kuwait"],
               person=["Mohammed bin Salman"]),
        record("de-1", "Neue Häuser in Berlin",
               "In Berlin werden mehr Häuser gebaut. Die Regierung will den Bau von Häusern fördern.",
               date="2019-03-05", source="Zeitung", language="de", place=["Berlin"]),
        record("fr-1", "L'économie française ralentit",
               "La croissance économique de la France a ralenti au premier trimestre, selon l'Insee.",
               date="2019-03-06", source="Journal", language="fr", place=["France"]),
        record("ru-1", "Выборы в Москве",
               "На выборах в Москве победили кандидаты от партии. Итоги выборов объявят завтра.",
               date="2019-03-07", source="Вести", language="ru", place=["Москва"]),
        record("ja-1", "東京都庁で会見",
               "東京都の知事は都庁で記者会見を開いた。東京都は新しい計画を発表した。",
               date="2019-03-08", source="新聞", language="ja", place=["東京"]),
    ]


@pytest.fixture(scope="module")
def context_engine(backend_indexes, tmp_path_factory):
    folder = tmp_path_factory.mktemp("context")
    write_jsonl(folder / "articles.jsonl", context_records())
    backend_indexes.index("context", [folder])
    return backend_indexes.engine("context")


def _left_key(line) -> tuple[str, ...]:
    """A line's left words, nearest first, as a reader compares them (lower-cased, folded)."""
    return tuple(fold(w.lower()) for w, _, _ in reversed(list(words(line.left))))


def _lines(engine, query: str, **options):
    return kwic(engine, SearchRequest.build(query), page_size=500, **options).lines


# ---- keyword in context --------------------------------------------------------------------------------

def test_kwic_finds_the_stemmed_forms_as_the_index_does(context_engine):
    lines = _lines(context_engine, "plans")
    assert [line.keyword for line in lines] == ["plans", "planned", "planning", "plan"]
    assert {line.article_id.rsplit("/", 1)[1] for line in lines} == {"plan-1"}
    assert [line.field for line in lines] == ["title", "body", "body", "body"]
    by_form = _lines(context_engine, "plans", sort="keyword")
    assert [line.keyword for line in by_form] == ["plan", "planned", "planning", "plans"]


def test_kwic_lines_are_aligned_on_the_keyword(context_engine):
    body = "The airline planned to cut fares in March. Its planning staff said the plan was approved."
    lines = [line for line in _lines(context_engine, "plans", width=3) if line.field == "body"]
    first = lines[0]
    assert (first.left, first.keyword, first.right) == ("The airline", "planned", "to cut fares")
    for line in lines:  # each line is the article's own text around the keyword
        assert f"{line.left} {line.keyword} {line.right}".strip() in body
        assert len(line.left.split()) <= 3 and len(line.right.split()) <= 3
    title = _lines(context_engine, "plans", width=3)[0]
    assert (title.left, title.keyword, title.right) == ("Airline", "plans", "new routes")  # never into the body


def test_kwic_sorts_by_the_left_or_right_words(context_engine):
    lines = _lines(context_engine, "oil", sort="left", width=2)
    keys = [_left_key(line) for line in lines]
    assert keys == sorted(keys)
    nearest = [line.left.split()[-1].lower() if line.left else "" for line in lines]
    assert nearest[:1] == [""] and "crude" in nearest and nearest.index("crude") < nearest.index("heating") \
        < nearest.index("palm")
    right = _lines(context_engine, "oil", sort="right", width=2)
    first_right = [line.right.split()[0].lower() if line.right else "" for line in right]
    assert first_right == sorted(first_right)
    assert sorted(line.to_dict()["right"] for line in right) == sorted(line.right for line in lines)
    by_article = _lines(context_engine, "oil")
    assert len(by_article) == len(lines) == 11  # 4 + 4 + 3 occurrences (titles included)


def test_kwic_phrases_prefixes_fields_and_exclusions(context_engine):
    phrase = _lines(context_engine, '"crude oil"')
    assert [line.keyword for line in phrase] == ["Crude oil", "Crude oil", "Crude oil"]
    assert {line.keyword for line in _lines(context_engine, "export*")} == {"exports"}
    assert [line.field for line in _lines(context_engine, "title:oil")] == ["title", "title", "title"]
    excluded = _lines(context_engine, "oil -exports")  # an excluded word is not looked for
    assert {line.keyword.lower() for line in excluded} == {"oil"} and len(excluded) == 7


def test_kwic_reads_each_article_in_its_own_language(context_engine):
    german = _lines(context_engine, "Haus")
    assert [line.keyword for line in german] == ["Häuser", "Häuser", "Häusern"] and german[0].language == "de"
    russian = _lines(context_engine, "выборы")
    assert [line.keyword for line in russian] == ["Выборы", "выборах", "выборов"]
    accented = _lines(context_engine, "economique")  # accents folded; French Snowball: both are "econom"
    assert [line.keyword for line in accented] == ["économie", "économique"]
    japanese = _lines(context_engine, "東京都")
    assert [(line.field, line.keyword) for line in japanese] == [("title", "東京都"), ("body", "東京都"),
                                                                 ("body", "東京都")]
    assert japanese[2].left.endswith("開いた。") and japanese[2].right.startswith("は新しい")


def test_kwic_pages_and_states_what_it_read(context_engine):
    request = SearchRequest.build("oil")
    page = kwic(context_engine, request, page=2, page_size=5)
    assert (page.total_lines, page.pages, len(page.lines)) == (11, 3, 5)
    assert page.lines == kwic(context_engine, request, page_size=500).lines[5:10]
    cut = kwic(context_engine, request, articles=1)
    assert (cut.articles_read, cut.total) == (1, 3) and "first 1 of 3" in (cut.notice or "")
    nothing = kwic(context_engine, SearchRequest.build("", place=("Kuwait",)))
    assert nothing.total_lines == 0 and nothing.total == 3 and "no words" in (nothing.notice or "")


def test_kwic_keeps_at_most_max_lines_and_says_so(context_engine, monkeypatch):
    import search.kwic as kwic_module

    monkeypatch.setattr(kwic_module, "MAX_LINES", 5)
    monkeypatch.setattr(kwic_module, "_ANSWERS", type(kwic_module._ANSWERS)())
    page = kwic(context_engine, SearchRequest.build("oil"), page_size=100)
    assert page.total_lines == 5 and page.lines_cut and "first 5 lines" in (page.notice or "")
    assert page.articles_read < 3  # reading stopped once the lines were enough


def test_kwic_csv_has_every_line_and_no_formula(context_engine):
    import csv
    import io

    rows = list(csv.reader(io.StringIO("".join(kwic_csv(context_engine, SearchRequest.build("oil"), sort="right")))))
    assert rows[0] == ["article_id", "date", "source", "title", "field", "left", "keyword", "right"]
    assert len(rows) == 1 + 11
    assert [row[7] for row in rows[1:]] == [line.right for line in _lines(context_engine, "oil", sort="right")]


def test_kwic_refuses_bad_input(context_engine):
    request = SearchRequest.build("oil")
    for options, word in (({"sort": "middle"}, "sort"), ({"width": 0}, "width"), ({"width": 31}, "width"),
                          ({"articles": 0}, "articles"), ({"articles": 10_001}, "articles"),
                          ({"page": "x"}, "page"), ({"page_size": 501}, "page_size")):
        with pytest.raises(BadParameterError, match=word):
            kwic(context_engine, request, **options)
    with pytest.raises(QuerySyntaxError):
        SearchRequest.build("date:2019-13 oil")


def test_segments_have_the_shared_word_rule_words():
    """search.context reads plain text with a faster pattern: the same words and spans as
    search.analysis.words, on every language here and on text with marks, asterisks, dots."""
    from search.context import analysis, segment

    texts = [f"{r['title']}\n{r['text']}" for r in context_records()] + [
        "U.S. output rose 3.5 pct in Q1... e.g. the Fed's view; Zürich's bank (UBS) said so.",
        "हिन्दी समाचार: सरकार ने नई योजना की घोषणा की।",
        "العربيّة: أعلنت الحكومة عن خطة جديدة",
        "Prices up* 4% — see oil* and the_underscore_word 1,000 dlrs"]
    for text in texts:
        seg = segment(analysis("en"), "body", text)
        expected = list(words(text))
        assert seg.surfaces == [w for w, _, _ in expected]
        assert [seg.spans[i] for i in range(len(seg.surfaces))] == [(start, end) for _, start, end in expected]


# ---- collocations ---------------------------------------------------------------------------------------

def test_g2_by_hand():
    # A word 4 times within the windows (20 positions) and once elsewhere (of 80 positions).
    a, b, c, d = 4, 16, 1, 79
    n = a + b + c + d
    cells = [(a, 20 * 5 / n), (b, 20 * 95 / n), (c, 80 * 5 / n), (d, 80 * 95 / n)]
    assert g2(a, b, c, d) == pytest.approx(2 * sum(o * math.log(o / e) for o, e in cells))
    assert g2(1, 19, 4, 76) == 0.0  # as frequent in the windows as elsewhere: not a collocate
    assert g2(0, 20, 5, 75) == 0.0


def test_collocations_counts_and_score(context_engine):
    found = collocations(context_engine, SearchRequest.build("oil"), window=1, min_count=2, top=10)
    # Counted by hand over the three oil articles' index words ("on", "in", "to", "and", "the"
    # are the index's stop words; a window crosses sentences, not fields): 11 occurrences of
    # oil; 36 word positions besides them (3 + 11, 2 + 10, 1 + 9: title + body); 20 positions
    # one word from an "oil" (8 + 7 + 5). "crude" is 4 times in the sample, each next to "oil"
    # ("discuss oil. Crude supplies" too); "prices" likewise; "exports" twice.
    assert (found.occurrences, found.sample_words, found.window_words) == (11, 36, 20)
    assert [(w.word, w.together, w.total) for w in found.words] == [("crude", 4, 4), ("prices", 4, 4),
                                                                    ("exports", 2, 2)]
    # "Crude oil" three times, "oil. Crude supplies" once; "oil prices" four times.
    assert [(w.left, w.right) for w in found.words] == [(3, 1), (0, 4), (0, 2)]
    # G² of crude's table [[4, 0], [16, 16]] (n = 36): expected 20*4/36, 20*32/36, 16*4/36, 16*32/36.
    by_hand = 2 * (4 * math.log(4 / (20 * 4 / 36)) + 16 * math.log(16 / (20 * 32 / 36))
                   + 16 * math.log(16 / (16 * 32 / 36)))
    assert found.words[0].score == pytest.approx(by_hand) == pytest.approx(5.0998, abs=1e-3)
    assert found.words[2].score < found.words[0].score
    wider = collocations(context_engine, SearchRequest.build("oil"), window=3, min_count=1, top=100)
    assert "oil" not in {w.word for w in wider.words}       # the query's own word is never a collocate
    assert not {"was", "while", "were"} & {w.word for w in wider.words}  # function words neither


def test_collocations_refuse_bad_input(context_engine):
    request = SearchRequest.build("oil")
    for options, word in (({"window": 0}, "window"), ({"window": 11}, "window"), ({"top": 0}, "top"),
                          ({"min_count": "two"}, "min_count")):
        with pytest.raises(BadParameterError, match=word):
            collocations(context_engine, request, **options)


# ---- entity co-occurrence ------------------------------------------------------------------------------------

def test_cooccurrence_counts_pairs_once_per_article(context_engine):
    found = cooccurrence(context_engine, SearchRequest.build("oil"))
    table = {(p.a[1], p.b[1]): (p.count, p.count_a, p.count_b) for p in found.pairs}
    assert table[("OPEC", "Kuwait")] == (3, 3, 3)
    assert table[("OPEC", "Saudi Arabia")] == (2, 3, 2)
    assert table[("Mohammed bin Salman", "Saudi Arabia")] == (2, 2, 2)
    assert table[("Austria", "Kuwait")] == (1, 1, 3)
    assert found.pairs[0].count == 3 and found.articles_with_entities == 3
    # oil-1: 4 entities, 6 pairs; oil-2: 2 entities, 1 pair (of oil-1's); oil-3: 5 entities, 10 pairs (6 of oil-1's).
    assert found.distinct_pairs == 10
    people = cooccurrence(context_engine, SearchRequest.build("oil"), kinds=("person", "org"))
    assert [(p.a[1], p.b[1], p.count) for p in people.pairs] == [("OPEC", "Mohammed bin Salman", 2)]
    with pytest.raises(BadParameterError, match="kind"):
        cooccurrence(context_engine, SearchRequest.build("oil"), kinds=("animal",))


def test_gexf_is_a_valid_network(context_engine):
    found = cooccurrence(context_engine, SearchRequest.build("oil"), top=5)
    root = ET.fromstring(gexf(found).encode("utf-8"))
    assert root.tag == GEXF + "gexf" and root.get("version") == "1.3"
    graph = root.find(GEXF + "graph")
    assert graph is not None and graph.get("defaultedgetype") == "undirected"
    declared = {a.get("id") for a in graph.iter(GEXF + "attribute")}
    nodes = {n.get("id"): n for n in graph.iter(GEXF + "node")}
    edges = list(graph.iter(GEXF + "edge"))
    assert len(edges) == 5 and len(nodes) == len(found.entities)
    for edge in edges:
        assert edge.get("source") in nodes and edge.get("target") in nodes
        assert float(edge.get("weight") or 0) >= 1
    for node in nodes.values():
        assert {v.get("for") for v in node.iter(GEXF + "attvalue")} == declared == {"kind", "articles"}
    labels = {n.get("label") for n in nodes.values()}
    assert {"OPEC", "Kuwait"} <= labels


# ---- Reuters-21578 (the first of its files: 1,000 articles, tagged places and organisations) -------------------

@pytest.fixture(scope="module")
def reuters_engine(reuters_dir, tmp_path_factory):
    from newsearch.indexing import index_paths
    from search import Engine

    folder = tmp_path_factory.mktemp("reuters-one")
    (folder / "reut2-000.sgm.gz").symlink_to(reuters_dir / "reut2-000.sgm.gz")
    index_dir = tmp_path_factory.mktemp("reuters-one-index")
    index_paths([folder], index_dir, entities=False, show_progress=False)
    return Engine(index_dir)


@pytest.fixture(scope="module")
def reuters_dir():
    from tests.conftest import shared_path

    return shared_path("reuters21578")


def test_reuters_kwic_collocations_and_cooccurrence(reuters_engine):
    plans = kwic(reuters_engine, SearchRequest.build("plans"), sort="left", page_size=500)
    forms = {line.keyword.lower() for line in plans.lines}
    assert {"plans", "planned", "plan"} <= forms
    keys = [_left_key(line) for line in plans.lines]
    assert keys == sorted(keys)
    assert plans.total_lines > 100 and plans.articles_read == plans.total
    oil = collocations(reuters_engine, SearchRequest.build("oil"), top=10)
    assert {"crude", "palm", "prices"} <= {w.word for w in oil.words}
    pairs = cooccurrence(reuters_engine, SearchRequest.build("oil"))  # Reuters' own ORGS/PLACES tags, no NER
    named = {(p.a[1], p.b[1]) for p in pairs.pairs}
    assert ("OPEC", "Saudi Arabia") in named
