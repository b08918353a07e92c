"""The fused news analyser must produce exactly what Whoosh's filter chain produces.

The index, the query parser and the snippet highlighter all depend on token texts and
positions; a difference would silently lose matches or phrase hits. Compared on the shipped
seeds, hand-made edge cases and (when present) real Reuters articles, under every keyword
combination Whoosh's indexing, spelling and query paths use.
"""
from __future__ import annotations

import pickle

import pytest
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.fields import TEXT
from whoosh.support.charset import accent_map

from search.backends.whoosh.analysis import STEMMER, NewsAnalyzer, NewsText, index_form, stemmer_function
from index.readers import read_file
from index.readers.base import Problem
from search.backends.whoosh.schema import build_schema

from .conftest import SEEDS

CALLS = [
    dict(positions=True, boosts=True, mode="index"),                       # Positions.word_values
    dict(no_morph=True),                                                     # spellable_words
    dict(positions=True, chars=True, mode="query", removestops=False),      # query parsing
    dict(positions=True, chars=True, keeporiginal=True, start_pos=5, start_char=7),
    dict(tokenize=False, positions=True, chars=True),
    dict(tokenize=False, removestops=False),
]

EDGE_CASES = [
    "", "   ", "a", "The", "the the the", "Korea's summit", "Nguyễn Tấn Dũng met Ærø's mayor",
    "U.S. officials said 3.5 pct, 1,000 tonnes", "STRASSE straße Straße", "an a I", "x-ray e-mail",
    "to be or not to be", "Summits SUMMIT summit's", "ﬁnance ½ ①", "İstanbul",
]


def whoosh_chain(stoplist=None, stemmer=STEMMER):
    stop = StopFilter(minsize=2) if stoplist is None else StopFilter(stoplist=stoplist, minsize=2)
    return (RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | stop
            | StemFilter(stemfn=stemmer_function(stemmer)))


def tokens(analyzer, text, kwargs):
    return [(t.text, getattr(t, "pos", None), getattr(t, "startchar", None), getattr(t, "endchar", None),
             t.stopped, getattr(t, "original", None), t.boost) for t in analyzer(text, **kwargs)]


def sample_texts() -> list[str]:
    texts = list(EDGE_CASES)
    for path in sorted(SEEDS.iterdir()):
        texts += [x for a in read_file(path) if not isinstance(a, Problem) for x in (a.title, a.body)]
    return texts


def assert_same(texts, ours, theirs):
    for text in texts:
        for kwargs in CALLS:
            assert tokens(ours, text, kwargs) == tokens(theirs, text, kwargs), (text[:80], kwargs)


def test_same_tokens_as_whoosh_chain_on_seeds_and_edge_cases():
    assert_same(sample_texts(), NewsAnalyzer(), whoosh_chain())


def test_same_tokens_without_stop_list():
    assert_same(sample_texts(), NewsAnalyzer(stoplist=()), whoosh_chain(stoplist=()))


def test_same_tokens_with_porter_as_old_indexes_have():
    assert_same(sample_texts(), NewsAnalyzer(stemmer="porter"), whoosh_chain(stemmer="porter"))
    assert [t.text for t in NewsAnalyzer(stemmer="porter")("planned")] == ["plann"]  # Porter's known fault


def test_snowball_is_the_default_and_pickles_with_the_index():
    assert STEMMER == "snowball" and NewsAnalyzer().stemmer == "snowball"
    assert [t.text for t in NewsAnalyzer()("planned investigating investigation news")] == \
        ["plan", "investig", "investig", "news"]
    porter = pickle.loads(pickle.dumps(NewsAnalyzer(stemmer="porter")))
    assert porter.stemmer == "porter" and porter != NewsAnalyzer()
    old_state = {"stops": NewsAnalyzer().stops, "minsize": 2}  # an analyser pickled before the setting
    old = NewsAnalyzer.__new__(NewsAnalyzer)
    old.__setstate__(old_state)
    assert old.stemmer == "porter"
    with pytest.raises(ValueError, match="stemmer"):
        NewsAnalyzer(stemmer="lancaster")


def assert_same_postings_and_spelling_words(texts):
    """What the index gets from our field: the postings TEXT + Whoosh's chain would make."""
    for boost in (1.0, 1.5):
        ours, theirs = NewsText(analyzer=NewsAnalyzer(), field_boost=boost), TEXT(analyzer=whoosh_chain(), field_boost=boost)
        for text in texts:
            assert list(ours.index(text)) == list(theirs.index(text)), text[:80]
    analyzer, chain = NewsAnalyzer(), whoosh_chain()
    for text in texts:
        assert analyzer.spelling_words(text) == {t.text for t in chain(text, no_morph=True)}, text[:80]


def test_same_postings_and_spelling_words_on_seeds_and_edge_cases():
    assert_same_postings_and_spelling_words(sample_texts())


def test_same_tokens_postings_and_spelling_words_on_reuters(reuters_dir):
    path = sorted(reuters_dir.glob("reut2-*.sgm.gz"))[0]
    texts = [x for a in read_file(path) if not isinstance(a, Problem) for x in (a.title, a.body)]
    assert len(texts) > 1000
    ours, theirs = NewsAnalyzer(), whoosh_chain()
    for text in texts:
        assert tokens(ours, text, CALLS[0]) == tokens(theirs, text, CALLS[0]), text[:80]
        assert tokens(ours, text, CALLS[1]) == tokens(theirs, text, CALLS[1]), text[:80]
    assert_same_postings_and_spelling_words(texts)


def test_schema_uses_it_for_both_text_fields():
    schema = build_schema()
    for name in ("title", "body"):
        assert isinstance(schema[name], NewsText) and isinstance(schema[name].analyzer, NewsAnalyzer)
    assert schema["title"].format.field_boost > schema["body"].format.field_boost == 1.0
    # No second field of unstemmed postings: search/backends/whoosh/spelling.py keeps the did-you-mean words.
    assert not any(name.startswith("spell_") for name in schema.names())


def test_pickles_without_its_cache():
    analyzer = NewsAnalyzer()
    list(analyzer("summits and leaders"))
    data = pickle.dumps(analyzer)
    assert b"summit" not in data
    copy = pickle.loads(data)
    assert copy == analyzer and copy._words is analyzer._words  # one cache per setting, per process
    assert [t.text for t in copy("summits and leaders")] == ["summit", "leader"]


def test_index_form_matches_the_analyser():
    for word in ["Summits", "Nguyễn", "LEADERS", "running"]:
        assert index_form(word) == [t.text for t in NewsAnalyzer()(word)][0]
