"""Our query language: the parser (search/querylang.py) and its Whoosh translation.

The parser is checked construct by construct and error by error. The translation is checked
against today's Whoosh-parsed queries (search.backends.whoosh.query.parse_query) on realistic queries from the
tests, the README, bench/core.py (Reuters) and the Cranfield questions: the same documents with
the same BM25F scores through search.backends.whoosh.scoring.Evaluator, in all-words and any-word mode, and the
same Whoosh query tree up to representation. Where we deliberately differ from Whoosh's
parsing, DIFFERENCES lists the query with the reason; each entry is checked to still differ.
"""
from __future__ import annotations

import ast
import gzip
import random
import re
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
from whoosh import query as wq

from search import querylang as ql
from search.querylang import (And, AndMaybe, DateRange, FieldValue, MatchAll, Not, Or, Phrase, Prefix, Word,
                              parse, text_terms, to_text, words)
from search.results import QuerySyntaxError
from tests.conftest import SHARED_DATA


@pytest.fixture(autouse=True)
def _question_words_kept(monkeypatch) -> None:
    """The tree as typed: these tests check the grammar and its translation (node for node what
    Whoosh's parser built). Long queries' question words are left out by a later, separate step
    of `parse`, tested in tests/test_question_words.py."""
    from search import stopwords
    monkeypatch.setattr(stopwords, "APPLY_TO_LONG_QUERIES", False)


REPO = Path(__file__).resolve().parent.parent
UTC = timezone.utc
REUTERS = SHARED_DATA / "reuters21578" / "reut2-000.sgm.gz"
CRANFIELD = SHARED_DATA / "cranfield"


def dates(start: tuple | None, end: tuple | None) -> DateRange:
    """DateRange from the first instant of `start` (y, m, d) to the last of `end` (y, m, d)."""
    return DateRange(datetime(*start, tzinfo=UTC) if start else None,
                     datetime(*end, 23, 59, 59, 999999, tzinfo=UTC) if end else None)


W = Word
oil, gas, prices, wheat, corn = W("oil"), W("gas"), W("prices"), W("wheat"), W("corn")
FEB_2019 = dates((2019, 2, 1), (2019, 2, 28))

# ---- the parser ---------------------------------------------------------------------------------

PARSES = [
    ("oil", oil),
    ("oil prices", And((oil, prices))),
    ('"crude oil"', Phrase(("crude", "oil"))),
    ('title:"trade  deficit"', Phrase(("trade", "deficit"), "title")),
    ("copper -strike", And((W("copper"), Not(W("strike"))))),
    ("-oil", Not(oil)),
    ("+oil prices", And((oil, prices))),
    ("zinc OR gold", Or((W("zinc"), W("gold")))),
    ("oil AND gas OR wheat", Or((And((oil, gas)), wheat))),
    ("oil gas AND wheat OR corn", And((oil, Or((And((gas, wheat)), corn))))),
    ("oil AND gas AND wheat", And((oil, gas, wheat))),
    ("NOT oil", Not(oil)),
    ("oil AND NOT gas", And((oil, Not(gas)))),
    ("oil NOT gas", And((oil, Not(gas)))),
    ("NOT NOT oil", Not(Not(oil))),
    ("(oil OR gas) wheat", And((Or((oil, gas)), wheat))),
    ("(oil gas) AND wheat", And((oil, gas, wheat))),
    ("zinc OR -gold copper", And((Or((W("zinc"), W("copper"))), Not(W("gold"))))),
    ("oil (prices -gas)", And((oil, prices, Not(gas)))),
    ("oil -(gas OR wheat)", And((oil, Not(Or((gas, wheat)))))),
    ('oil -"crude oil"', And((oil, Not(Phrase(("crude", "oil")))))),
    ("title:strike", W("strike", "title")),
    ("Title:Strike BODY:zinc", And((W("Strike", "title"), W("zinc", "body")))),
    ("title:(oil OR body:gas)", Or((W("oil", "title"), W("gas", "body")))),
    ("-title:oil gas", And((gas, Not(W("oil", "title"))))),
    ('person:"Kim Jong Un"', FieldValue("person", "Kim Jong Un")),
    ('person:" Kim Jong Un "', FieldValue("person", "Kim Jong Un")),
    ("place:U.S.", FieldValue("place", "U.S.")),
    ("PLACE:US source:AP", And((FieldValue("place", "US"), FieldValue("source", "AP")))),
    ("place:(chile OR peru)", Or((FieldValue("place", "chile"), FieldValue("place", "peru")))),
    ("person:kim*", Prefix("kim", "person")),
    ("summ*", Prefix("summ")),
    ("summ**", Prefix("summ")),
    ("title:summ* oil", And((Prefix("summ", "title"), oil))),
    ("(summ*)", Prefix("summ")),
    ("date:2019", dates((2019, 1, 1), (2019, 12, 31))),
    ("date:2019-02", FEB_2019),
    ("date:2019-2", FEB_2019),
    ("date:201902", FEB_2019),
    ("date:2019.02", FEB_2019),
    ("date:2019*", dates((2019, 1, 1), (2019, 12, 31))),
    ("date:2019, oil", And((dates((2019, 1, 1), (2019, 12, 31)), oil))),
    ('date:"2019-02"', FEB_2019),
    ("date:2020-02-29", dates((2020, 2, 29), (2020, 2, 29))),
    ("date:20200229", dates((2020, 2, 29), (2020, 2, 29))),
    ("date:[2019-02-01 TO 2019-02-28]", FEB_2019),
    ("date:[2019-02 to 2019-02]", FEB_2019),
    ("date:{2019-02 TO 2019-02}", FEB_2019),
    ("date:[2019-02-01TO2019-02-28]", FEB_2019),
    ("date:[2019-02 TO]", dates((2019, 2, 1), None)),
    ("date:[TO 2019-02]", dates(None, (2019, 2, 28))),
    ("date:[TO]", DateRange(None, None)),
    # `*` for an open end, as in Lucene: all dates, not "'date:[*' is too broad"
    ("date:[* TO *]", DateRange(None, None)),
    ("DATE:{* TO 2019-02}", dates(None, (2019, 2, 28))),
    ("oil -date:[2019-02 TO *]", And((oil, Not(dates((2019, 2, 1), None))))),
    ("date:(2019-02 OR [2021 TO])", Or((FEB_2019, dates((2021, 1, 1), None)))),
    ("", MatchAll()),
    (" \t\n", MatchAll()),
    ("()", Or(())),
    ('""', Or(())),
    ('person:""', Or(())),
    ("oil ()", oil),
    ("((oil))", oil),
    # words, spaces and operators exactly where Whoosh reads them
    ("Update: Kim", And((W("Update:"), W("Kim")))),
    ("title: strike", And((W("title:"), W("strike")))),
    ("http://x.org/a", W("http://x.org/a")),
    ("12:30 talks", And((W("12:30"), W("talks")))),
    ("long-range", W("long-range")),
    ("OR oil", And((W("OR"), oil))),
    ("oil OR", And((oil, W("OR")))),
    ("oil OR(gas)", And((oil, W("OR"), gas))),
    ("oil or gas", And((oil, W("or"), gas))),
    ("oil OR OR gas", Or((oil, gas))),
    ("oil NOT", And((oil, W("NOT")))),
    ("oil ANDNOT gas", And((oil, W("ANDNOT"), gas))),
    ("oil - gas", And((oil, W("-"), gas))),
    ("--oil", Not(W("-oil"))),
    ("oil-gas", W("oil-gas")),
    ('"copper mine', And((W('"copper'), W("mine")))),
    ('oil"gas"', And((oil, Phrase(("gas",))))),
    ('"a b"c', And((Phrase(("a", "b")), W("c")))),
    ("(copper strike", And((W("copper"), W("strike")))),
    ("copper strike)", And((W("copper"), W("strike")))),
    ("-(oil gas", And((gas, Not(oil)))),
    ("-((oil gas", And((gas, Not(oil)))),
    ("title:(oil gas", And((W("oil", "title"), gas))),
    ("oil(gas", And((oil, gas))),
    ("(", Or(())),
    ("x.title:bar", And((W("x."), W("bar", "title")))),
    ("~date:2019", And((W("~"), dates((2019, 1, 1), (2019, 12, 31))))),
    ('"a"title:b', And((Phrase(("a",)), W("b", "title")))),
    ("(oil) (gas", And((oil, gas))),
    ('"(" oil', And((Phrase(("(",)), oil))),
    # Whoosh-only syntax is plain characters of words (the defect fixes included)
    ("summit^2", W("summit^2")),
    ('"oil price"~2', And((Phrase(("oil", "price")), W("~2")))),
    ("won?", W("won")),
    ("su*it", And((W("su"), W("it")))),
    ("summ*,", And((W("summ"), W(",")))),
    ("**andAND|", W("andAND|")),
    ("*oil ?rices", And((oil, W("rices")))),
    ("oil?OR gas", Or((oil, gas))),
    ("*", MatchAll()),
    ("oil *", oil),
    ("U.S*", W("U.S")),
    ("'crude oil'", And((W("'crude"), W("oil'")))),
    ("title:[a TO b]", And((W("[a", "title"), W("TO"), W("b]")))),
    ("[2019 TO 2020]", And((W("[2019"), W("TO"), W("2020]")))),
    ("ab\ud800*", Prefix("ab")),
    ("a\udc00b", W("ab")),
    ("\ud83d\ude00 oil", And((W("\U0001F600"), oil))),
]


@pytest.mark.parametrize("text, expected", PARSES)
def test_parse(text: str, expected: ql.Node) -> None:
    assert parse(text) == expected


ANY_WORD = [
    ("oil prices", Or((oil, prices))),
    ("oil -gas prices", And((Or((oil, prices)), Not(gas)))),
    ("+oil prices wheat", AndMaybe(oil, Or((prices, wheat)))),
    ("+oil +prices wheat", AndMaybe(And((oil, prices)), wheat)),
    ("+oil +prices", And((oil, prices))),
    ("(oil gas) AND wheat", And((Or((oil, gas)), wheat))),
    ("oil AND gas wheat", Or((And((oil, gas)), wheat))),
    ("title:(oil gas)", Or((W("oil", "title"), W("gas", "title")))),
    ("oil (prices -gas)", Or((oil, And((prices, Not(gas)))))),
]


@pytest.mark.parametrize("text, expected", ANY_WORD)
def test_parse_any_word(text: str, expected: ql.Node) -> None:
    assert parse(text, any_word=True) == expected


ERRORS = [
    ("x" * 1001, "The query is 1001 characters long; the limit is 1000."),
    ("copper " * 65, "The query has more than 64 words; shorten it."),
    ("author:smith copper", "Unknown field 'author:'. Fields are title:, body:, person:, org:, place:, source:, "
                            "language:, tag:, collection:, date: (or put the words in quotes to search for them as text)."),
    ("(foo:(a b))", "Unknown field 'foo:'"),
    ('author:"John Smith"', "Unknown field 'author:'"),
    ("title:foo:bar", "Unknown field 'foo:'"),
    ("id:x", "Unknown field 'id:'"),
    ("a*", "'a*' is too broad: a wildcard needs at least 2 letters before the *."),
    ("-a*", "'-a*' is too broad"),
    ("title:a*", "'title:a*' is too broad"),
    ("*:*", "'*:*' is too broad"),
    ("(a* OR b)", "'(a*' is too broad"),
    ("oil **", "'**' is too broad"),
    ("date:2019-02-30", "Cannot read the date in 'date:2019-02-30': day is out of range for month. Use YYYY, "
                        "YYYY-MM or YYYY-MM-DD, e.g. date:[2019-02-01 TO 2019-02-28]."),
    ("date:2019-13", "month must be in 1..12"),
    ("date:[2020-13-45 TO 2020-14-01]", "month must be in 1..12"),
    ("date:crude", "'crude' is not a date"),
    ('date:"crude"', "'crude' is not a date"),
    ("date:[abc TO def]", "'abc' is not a date"),
    ("date:[2019]", "'[2019]' is not a date"),
    ("date:0000", "year 0 does not exist"),
    ("date:[2020 TO 2019]", "The date range starts after it ends; write the earlier date first"),
    ("(" * 33 + "oil" + ")" * 33, "nests parentheses 33 deep; the limit is 32"),
    ("-(" * 33 + "oil" + ")" * 33, "nests parentheses 33 deep; the limit is 32"),
]


@pytest.mark.parametrize("text, message", ERRORS)
def test_errors(text: str, message: str) -> None:
    for any_word in (False, True):
        with pytest.raises(QuerySyntaxError, match=re.escape(message)):
            parse(text, any_word=any_word)


def test_depth_limit_is_inclusive() -> None:
    assert parse("(" * ql.MAX_DEPTH + "oil" + ")" * ql.MAX_DEPTH) == oil


@pytest.mark.parametrize("text", ['"a ' * 333, "(" * 1000, ")" * 1000, 'a"' * 500, "-" * 1000, "a:" * 500,
                                  "NOT " * 64, "oil OR " * 32, "(a " * 30 + "b" + ")" * 30, "x*" * 500,
                                  "a.title:" * 125, "-(" * 31 + "a" + ")" * 31, ".a" * 500])
def test_parsing_is_fast_on_hostile_input(text: str) -> None:
    """Linear work: these take ~0.1-2 ms; a quadratic step would take far longer on 1000 chars."""
    started = time.perf_counter()
    try:
        parse(text[:ql.MAX_QUERY_CHARS])
    except QuerySyntaxError:
        pass
    assert time.perf_counter() - started < 0.1


def test_random_syntax_soup_raises_only_query_errors() -> None:
    """Any mix of the language's characters parses, or is refused with a message."""
    alphabet = ['"', "(", ")", "-", "+", "*", "?", ":", "[", "]", "{", "}", " ", " ", " ", "oil", "ab", "x",
                "AND", "OR", "NOT", "TO", "title:", "date:", "person:", "2019", "2019-02", "\ud800", "é"]
    rng = random.Random(3)
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 25)))
        for any_word in (False, True):
            try:
                tree = parse(text, any_word=any_word)
            except QuerySyntaxError:
                continue
            # Not exactly printable: a lone quote (may pair with a quote printed elsewhere), and a
            # word or prefix that starts with + or - (printed as a phrase, or as a marker).
            if text.count('"') % 2 == 0 and not any(leaf[:1] in "+-" for leaf in leaf_texts(tree)):
                assert loose(parse(to_text(tree, any_word=any_word), any_word=any_word)) == loose(tree), text


def leaf_texts(tree: ql.Node) -> list[str]:
    if isinstance(tree, (And, Or)):
        return [text for child in tree.children for text in leaf_texts(child)]
    if isinstance(tree, Not):
        return leaf_texts(tree.child)
    if isinstance(tree, AndMaybe):
        return leaf_texts(tree.required) + leaf_texts(tree.optional)
    return [getattr(tree, "text", "")]


def loose(tree: ql.Node) -> ql.Node:
    """The tree with one-word phrases as words: how `to_text` prints a word such as "-x"."""
    if isinstance(tree, Phrase) and len(tree.words) == 1:
        return Word(tree.words[0], tree.field)
    if isinstance(tree, (And, Or)):
        return type(tree)(tuple(loose(child) for child in tree.children))
    if isinstance(tree, Not):
        return Not(loose(tree.child))
    if isinstance(tree, AndMaybe):
        return AndMaybe(loose(tree.required), loose(tree.optional))
    return tree


def test_to_text_reads_back_as_the_same_tree() -> None:
    for text, _ in PARSES + ANY_WORD:
        for any_word in (False, True):
            tree = parse(text, any_word=any_word)
            assert loose(parse(to_text(tree, any_word=any_word), any_word=any_word)) == loose(tree), text
    assert str(parse("oil   -gas (zinc OR  gold)")) == "oil (zinc OR gold) -gas"
    assert str(parse('place:"United States" date:[2019-02-01 TO 2019-03-31]')) == \
        'place:"United States" date:[2019-02-01 TO 2019-03-31]'
    assert str(Word("OR")) == "(OR)" and str(Word("-x")) == '"-x"' and str(Word("OR", "title")) == "title:OR"


def test_words_and_text_terms_are_the_positive_text_leaves() -> None:
    tree = parse('oil "crude price" summ* -gas title:wheat person:kim date:2019 NOT corn')
    assert words(tree) == ["oil", "wheat"]
    assert text_terms(tree) == [oil, Phrase(("crude", "price")), Prefix("summ"), W("wheat", "title")]
    assert words(parse("+oil prices wheat", any_word=True)) == ["oil", "prices", "wheat"]
    assert words(parse("")) == [] and words(parse("person:kim*")) == []


def test_parser_is_pure_python_and_agrees_with_the_schema() -> None:
    """No Whoosh (nor backend) import: the tree is the contract every backend shares. From
    index/ only the article model's lists of text fields and facet kinds, which the schemas import too."""
    from index.article import FACET_KINDS, TEXT_FIELDS
    from search.backends.whoosh.schema import FACET_FIELDS
    tree = ast.parse((REPO / "search" / "querylang.py").read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {name for name in imported if name.split(".")[0] == "whoosh" or name.startswith("search.backends")}
    assert {name for name in imported if name.split(".")[0] == "index"} == {"index.article"}
    assert ql.TEXT_FIELDS is TEXT_FIELDS and ql.FACET_FIELDS is FACET_FIELDS is FACET_KINDS
    from tests import whoosh_reference_parser as today
    assert (ql.MAX_QUERY_CHARS, ql.MAX_QUERY_TERMS, ql.QUERY_FIELDS) == \
        (today.MAX_QUERY_CHARS, today.MAX_QUERY_TERMS, today.QUERY_FIELDS)


def test_nodes_are_frozen_and_hashable() -> None:
    tree = parse("oil -gas")
    assert hash(tree) == hash(parse("oil -gas"))
    with pytest.raises(AttributeError):
        tree.children = ()  # type: ignore[misc]


# ---- the Whoosh translation, against today's Whoosh-parsed queries ------------------------------

QUERIES = [
    # tests/test_search.py, tests/test_web.py, tests/test_scoring.py
    '"copper mine"', "copper -strike", "zinc OR gold", "title:strike", "body:zinc", 'person:"ana perez"',
    "Person:ANA", "org:codelco", 'place:"U.S."', "place:usa", "source:ap", "date:[2020-03-01 TO 2020-03-31]",
    "cop*", "tariffs place:chile", "copper strike", '"copper mine', "(copper strike", "copper strike)",
    "walrus narwhal", "copper zebra", "researchers", "summits", "twin report", "harbour", "quokka", "sumit",
    "author:smith copper", "date:[2020-13-45 TO 2020-14-01]", "copper " * 300, "foo:bar", "a*", "x" * 1001,
    "oil prices", "oil", "summit", "petroleun", "bananas", "prices", "crude", "onerror", "bank rate",
    "trade deficit japan", "gold -dollar", "wheat OR sugar", "title:profit", "(coffee OR sugar) export",
    '"oil prices"', '"mln dlrs"', '"bank of england"', '"crude oil prices"', 'title:"trade deficit"',
    '"oil price" "crude oil"',
    # README
    "Kim Hanoi", 'person:"kim jong un"', "oil prices -opec", '"crude oil" OR gasoline', 'person:"Kim Jong Un"',
    "place:US", "date:2019-02", "date:[2019-02-01 TO 2019-02-28]", "summ*",
    # the rest of the language
    "the oil", "the", "!!!", "long-range missile", "U.S.-China trade", "Korea's summit", "café Nguyễn",
    "oil AND gas", "oil gas AND wheat OR corn", "(oil gas) AND wheat", "oil AND NOT gas", "NOT oil",
    "oil NOT", "OR oil", "oil OR", "oil OR(gas)", "+oil +prices", "+oil +prices +the", "title:(oil gas)",
    "title:(oil OR body:gas)", "Title:Oil", "TITLE:oil BODY:prices", "title: strike", "oil title:",
    "(title:strike)", "copper (mine OR smelter)", "(copper OR zinc) (strike OR prices)", "((copper))",
    "oil AND (gas OR wheat) AND NOT prices", "copper OR zinc OR gold", "copper AND zinc AND gold",
    "oil -the", "-the oil", "oil oil", "oil OR oil", "copper -(strike OR gold)", 'copper -"copper mine"',
    "copper -place:chile", "-place:chile copper", "oil, gas; wheat.", "12:30 talks", "Update: Kim",
    "http://example.com/oil", "oil\tgas", "  oil  ", '""', "()", "oil ()", "strik*", "Summits*",
    "prices*", "person:kim*", "person:Ana*", 'place:"United States" oil', "place:(chile OR peru)",
    "place:japan", "org:opec", 'place:"west germany" trade', "PLACE:UK", "source:reuters oil",
    'person:"  Ana Perez "', 'person:""', "date:2019", "date:2020-03", "date:2020-03-01", "date:20200301",
    "date:2020.03", "date:1987-03 oil", "date:[2020 TO]", "date:[TO 2019-12-31]", "date:[TO]",
    "date:[2020-03-01 to 2020-03-31]", "date:{2020-03-01 TO 2020-03-31}", "date:[1987-03-01TO1987-03-31]",
    "date:(2019 OR 2020)", "date:2019*", "oil date:[1987-02-26 TO 1987-03-02]", "date:2019-02-30",
    "date:crude", "date:[2019-13 TO 2020]", "-date:1987 copper", "oil -- gas", "\"bank of\" england",
    # Whoosh defects that search/query.py now fixes as we do (stray wildcards are punctuation,
    # surrogates dropped, quoted dates read or refused, reversed ranges refused): same results
    'date:"crude"', 'date:"2019-02"', "ab\ud800*", "**andAND|", "su*it", "summ*,", "won?", "*", "*:*",
    "*oil ?rices", "oil?OR gas", "date:[2020 TO 2019]", "oil** prices", "(trade*)", "-a*", "oil **",
    "(a*)", "x.title:bar", "~date:1987-03", "oil,place:usa", "(", ")", "+", "-",
    "date:1987, oil", "date:1987-03-01. oil", "body:the NOT prices", "the NOT oil", "of (oil OR the)",
]

# Queries where we deliberately differ from Whoosh's parsing, and why.
DIFFERENCES = {
    "oil (prices -gas)": "-excluded works inside parentheses (Whoosh: an internal error, so the query was "
                         "re-read as plain words, making 'gas' required)",
    "+oil prices": "+ in all-words mode changes nothing, every word is required (Whoosh: the other words "
                   "became optional); the any-word fallback still gives AndMaybe",
    "-oil": "-word alone is everything without the word, as NOT word is (Whoosh: nothing)",
    "-oil -gas": "only exclusions: everything without them (Whoosh: nothing)",
    "the -oil": "stop words and exclusions: everything without oil, as 'the NOT oil' (Whoosh: nothing)",
    "date:1987-3,": "punctuation after a date is ignored, as Whoosh ignored it after whole fields "
                    "(Whoosh failed on int('3,'))",
    "oil - gas": "a - followed by a space is punctuation (Whoosh: it excluded the next word)",
    "NOT NOT oil": "NOT NOT a is a (Whoosh: IndexError)",
    "oil OR OR gas": "an operator without an operand is dropped: oil OR gas (Whoosh: oil AND gas)",
    "summit^2": "Whoosh's ^boost is plain characters ('2' is too short to index)",
    '"oil price"~2': "Whoosh's ~slop is plain characters (a word '~2', too short to index)",
    "'crude oil'": "single quotes are plain characters: two words (Whoosh: one multi-token word)",
    "title:[a TO b]": "[a TO b] is a range only after date: (Whoosh: a TermRange on title)",
    "[1987 TO 1988]": "[a TO b] is a range only after date: (Whoosh: TermRanges on title and body)",
    "oil ANDNOT gas": "ANDNOT/ANDMAYBE/REQUIRE are not in our language: plain words",
    "date:2019-2": "a 1-digit month is a month: February 2019 (Whoosh read '20192' as the year 2019)",
    "date:[abc TO def]": "an unreadable date in a range is a QuerySyntaxError (Whoosh: re-read as plain words)",
    'author:"smith"': "an unknown field before a quoted value is refused too (Whoosh: phrase 'author smith')",
    "person:ana,perez": "a comma in a facet value reads as a space, one name (Whoosh: two names, both required)",
    "NOT -oil gas": "the same articles, written And([Not(gas), Not(oil)]) (Whoosh: AndNot(Not(gas), oil))",
    'said:"hello"': "an unknown field before a quoted value is refused (Whoosh: phrase 'said hello')",
    "title:body:oil": "of two fields in a row the last applies (Whoosh: the word 'title:' and body:oil)",
    "date:2019-02-3": "a 1-digit day is a day: 2019-02-03 (Whoosh read '2019023' as February)",
    'date:"20190203"': "a compact date is its whole day (search/query.py read it as the one instant at midnight)",
    'date:"2019.02"': "dates read the same quoted or not: February 2019 (search/query.py refused it quoted)",
    "date:\u0661\u0669\u0668\u0667": "dates are ASCII digits (Whoosh's int() read Arabic-Indic digits)",
    "café Nguyễn": "a word typed with its accents also looks for its exact form, which then ranks first "
                   "(search.analysis.KEEP_EXACT, issue 21; Whoosh: the folded form only)",
}


def cranfield_queries() -> list[str]:
    text = (CRANFIELD / "cran.qry").read_text(encoding="ascii").replace("\r\n", "\n")
    return [" ".join(chunk.split(".W", 1)[1].split()) for chunk in re.split(r"^\.I ", text, flags=re.M)[1:]]


def cranfield_documents() -> list[dict]:
    text = gzip.open(CRANFIELD / "cran.all.1400.gz", "rt", encoding="ascii").read()
    records = []
    for chunk in re.split(r"^\.I ", text, flags=re.M)[1:]:
        fields: dict[str, list[str]] = {}
        current = None
        for line in chunk.split("\n")[1:]:
            marker = re.match(r"^\.([TAWB])\s*$", line)
            if marker:
                current = fields.setdefault(marker.group(1), [])
            elif current is not None:
                current.append(line)
        title, body = (" ".join(" ".join(fields.get(k, [])).split()) for k in ("T", "W"))
        if title or body:
            records.append({"url": f"https://cranfield.test/{chunk.split()[0]}", "title": title, "text": body})
    return records


class WhooshSide:
    """An index of the seeds, tests/test_search.py's articles, Reuters' first file and Cranfield's
    abstracts (when the shared data is there), and what both parsers need to run on it."""

    def __init__(self, root: Path) -> None:
        from newsearch.indexing import index_paths
        from search.backends.whoosh import WhooshSearch as Engine
        from search.backends.whoosh.scoring import Evaluator
        from tests.corpus import write_jsonl
        from tests.test_search import ARTICLES
        from tests.corpus import record
        write_jsonl(root / "data" / "synthetic.jsonl", ARTICLES)
        # Words the semantics tests use, present with or without the shared data sets.
        write_jsonl(root / "data" / "oil.jsonl", [
            record("q-oil", "Oil prices", "Oil prices rose as gas stayed flat.", "1987-03-02"),
            record("q-oil2", "Oil output", "Oil output and prices of wheat.", "1987-03-03"),
            record("q-prices", "Prices", "Coffee prices fell.", "1987-03-04")])
        if (CRANFIELD / "cran.all.1400.gz").exists():
            write_jsonl(root / "data" / "cranfield.jsonl", cranfield_documents())
        sources = [REPO / "seeds", root / "data"] + ([REUTERS] if REUTERS.exists() else [])
        index_paths(sources, root / "ix", entities=False, show_progress=False)
        engine = Engine(root / "ix")
        searcher = engine._searcher()
        tables, postings = engine._generation(searcher)
        self.schema = searcher.schema
        self.resolve = engine._resolver(tables)
        self.evaluator = Evaluator(searcher, postings, tables.timestamps)

    def difference(self, text: str, any_word: bool) -> str | None:
        """None when our parser + translation gives today's query; else how they differ."""
        from search.backends.whoosh.translate import to_whoosh
        from tests.whoosh_reference_parser import parse_query
        today = attempt(lambda: parse_query(text, self.schema, self.resolve, any_word=any_word))
        ours = attempt(lambda: to_whoosh(parse(text, any_word=any_word), self.schema, self.resolve,
                                         any_word=any_word))
        if isinstance(today, Exception) or isinstance(ours, Exception):
            if not (isinstance(today, QuerySyntaxError) and isinstance(ours, QuerySyntaxError)):
                return f"today {today!r}, ours {ours!r}"
            same = str(ours).startswith("Cannot read the date") if str(today).startswith("Cannot read") \
                else str(ours) == str(today)
            return None if same else f"messages: today {today}, ours {ours}"
        if canonical(today) != canonical(ours):
            return f"structure: today {today!r}, ours {ours!r}"
        found_today, found_ours = attempt(lambda: self.evaluator.run(today)), self.evaluator.run(ours)
        if isinstance(found_today, Exception):
            return f"today's query fails when run: {found_today!r}"
        if not np.array_equal(found_today.docs, found_ours.docs):
            return f"documents: today {len(found_today.docs)}, ours {len(found_ours.docs)}"
        if not np.allclose(found_today.scores, found_ours.scores, rtol=1e-9, atol=1e-12):
            return "scores differ"
        return None


def attempt(make):
    try:
        return make()
    except Exception as exc:  # noqa: BLE001 (today's parser raises more than QuerySyntaxError)
        return exc


def canonical(q: wq.Query) -> wq.Query:
    """One form for equal Whoosh queries built differently: a DateRange as the NumericRange it is,
    and And([a, Not(b)]) (Whoosh's NOT) as AndNot(a, b) (its -b; ours for both)."""
    if isinstance(q, wq.DateRange):
        return wq.NumericRange(q.fieldname, q.start, q.end, q.startexcl, q.endexcl, boost=q.boost,
                               constantscore=q.constantscore)
    if isinstance(q, wq.And) and any(isinstance(c, wq.Not) for c in q.subqueries):
        kept = [canonical(c) for c in q.subqueries if not isinstance(c, wq.Not)]
        excluded = [canonical(c.query) for c in q.subqueries if isinstance(c, wq.Not)]
        if kept:
            return canonical(wq.AndNot(kept[0] if len(kept) == 1 else wq.And(kept),
                                       excluded[0] if len(excluded) == 1 else wq.Or(excluded)))
    if isinstance(q, wq.AndNot) and isinstance(q.a, wq.AndNot):  # (a - b) - c is a - (b OR c)
        return canonical(wq.AndNot(q.a.a, wq.Or([q.a.b, q.b])))
    q = q if q.is_leaf() else q.apply(canonical)
    if isinstance(q, wq.Or):  # flattened, as normalize() would
        return wq.Or([s for c in q.subqueries for s in (c.subqueries if isinstance(c, wq.Or) else [c])])
    return q


@pytest.fixture(scope="module")
def whoosh_side(tmp_path_factory) -> WhooshSide:
    return WhooshSide(tmp_path_factory.mktemp("querylang"))


@pytest.mark.parametrize("text", [q for q in QUERIES if q not in DIFFERENCES])
def test_translation_matches_whoosh(whoosh_side: WhooshSide, text: str) -> None:
    for any_word in (False, True):
        assert whoosh_side.difference(text, any_word) is None, f"any_word={any_word}"


def test_bench_core_queries_match_whoosh(whoosh_side: WhooshSide) -> None:
    if not REUTERS.exists():
        pytest.skip(f"Reuters-21578 not found at {REUTERS} (bench/core.py builds its queries from it)")
    from bench.core import build_queries
    queries = build_queries([REUTERS], n=90)
    failures = {(q, m): d for q in queries for m in (False, True) if (d := whoosh_side.difference(q, m))}
    assert not failures


def test_cranfield_queries_match_whoosh(whoosh_side: WhooshSide) -> None:
    """The 225 Cranfield questions as typed (punctuation, parentheses, hyphens)."""
    if not (CRANFIELD / "cran.qry").exists():
        pytest.skip(f"Cranfield not found at {CRANFIELD} (set NEWSEARCH_SHARED_DATA)")
    # `?` is punctuation for us, Whoosh's one-character wildcard (DIFFERENCES, "won?").
    queries = [q for q in cranfield_queries() if "?" not in q]
    failures = {(q, m): d for q in queries for m in (False, True) if (d := whoosh_side.difference(q, m))}
    assert not failures
    assert len(queries) > 200


@pytest.mark.parametrize("text", list(DIFFERENCES))
def test_listed_differences_still_differ(whoosh_side: WhooshSide, text: str) -> None:
    """Keeps DIFFERENCES honest: an entry that no longer differs should leave the list."""
    assert any(whoosh_side.difference(text, any_word) for any_word in (False, True)), DIFFERENCES[text]


def test_documented_semantics_on_the_index(whoosh_side: WhooshSide) -> None:
    """What the deliberate differences mean, as matched documents."""
    from search.backends.whoosh.translate import to_whoosh

    def docs(text: str, any_word: bool = False) -> set[int]:
        q = to_whoosh(parse(text, any_word=any_word), whoosh_side.schema, whoosh_side.resolve, any_word=any_word)
        return set(whoosh_side.evaluator.run(q).docs.tolist())

    everything, oil_docs = docs(""), docs("oil")
    assert docs("-oil") == docs("NOT oil") == docs("the -oil") == everything - oil_docs and oil_docs
    assert docs("+oil prices") == docs("oil prices") == oil_docs & docs("prices")
    assert docs("+oil prices", any_word=True) == oil_docs
    assert docs("oil (prices -gas)") == oil_docs & docs("prices") - docs("gas")
    assert docs("oil place:nowhere-at-all") == set()             # a value naming nothing matches nothing
    assert docs("oil OR place:nowhere-at-all") == oil_docs       # ... and adds nothing to an Or
    assert docs("oil -place:nowhere-at-all") == oil_docs         # ... and excludes nothing
    assert docs("NOT NOT oil") == oil_docs


@pytest.mark.parametrize("query", ["kim " * 70, "a" * 1001, "x* hanoi", "date:2019-13"])
def test_query_errors_raised_when_the_request_is_built(query: str) -> None:
    """The query is parsed once, in SearchRequest.build: every interface gets the same error
    there, before any backend sees the request."""
    from search.request import SearchRequest
    with pytest.raises(QuerySyntaxError) as built:
        SearchRequest.build(query)
    with pytest.raises(QuerySyntaxError) as parsed:
        parse(query)
    assert str(built.value) == str(parsed.value)


def test_request_carries_both_parsed_trees() -> None:
    from search.request import SearchRequest
    request = SearchRequest.build('kim "hanoi summit" OR trump story:s-0123456789abcdef')
    assert request.tree == parse('kim "hanoi summit" OR trump')
    assert request.any_tree == parse('kim "hanoi summit" OR trump', any_word=True)
    assert request.with_changes(page=2).tree is request.tree  # not parsed again
    assert request.with_changes(query="trump").tree == parse("trump")
    # Derived from the query: not part of equality, hashing or repr (cache keys, logs).
    assert request == SearchRequest(query=request.query, story=request.story)
    assert hash(request) == hash(SearchRequest(query=request.query, story=request.story))
    assert "tree" not in repr(request)
