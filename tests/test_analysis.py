"""The analysis rules (search/analysis.py) and the analysers that follow them.

The fused news analyser must produce exactly what Whoosh's filter chain produces: the index, the
query parser and the snippet highlighter all depend on token texts and positions; a difference
would silently lose matches or phrase hits. Compared on the shipped seeds, hand-made edge cases
and (when present) real Reuters articles, under every keyword combination Whoosh's indexing,
spelling and query paths use.

A rule changed in search/analysis.py reaches both backends: the Whoosh analyser's tokens, the
OpenSearch template's analysis settings, and (with a cluster) OpenSearch's own analysis of text.
"""
from __future__ import annotations

import dataclasses
import pickle
import re
import unicodedata
import uuid

import pytest
from whoosh.analysis import STOP_WORDS, CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.fields import TEXT
from whoosh.support.charset import accent_map

from search import analysis as rules
from search.analysis import DIGIT_COMMA, STEMMER, WORD
from search.backends.opensearch import schema as opensearch_schema
from search.backends.whoosh.analysis import NewsAnalyzer, NewsText, index_form, stemmer_function
from index.readers import read_file
from index.readers.base import Problem
from search.backends.whoosh.schema import build_schema, news_analyzer

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


# English text is analysed as Whoosh's chain does; the exact forms of accented words
# (search.analysis.KEEP_EXACT) come on top, checked by tests/test_languages_whoosh.py.
def test_same_tokens_as_whoosh_chain_on_seeds_and_edge_cases():
    assert_same(sample_texts(), NewsAnalyzer(keep_exact=False), whoosh_chain())


def test_same_tokens_without_stop_list():
    assert_same(sample_texts(), NewsAnalyzer(stoplist=(), keep_exact=False), whoosh_chain(stoplist=()))


def test_same_tokens_with_porter_as_old_indexes_have():
    assert_same(sample_texts(), NewsAnalyzer(stemmer="porter", keep_exact=False), whoosh_chain(stemmer="porter"))
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
        ours = NewsText(analyzer=NewsAnalyzer(keep_exact=False), field_boost=boost)
        theirs = TEXT(analyzer=whoosh_chain(), field_boost=boost)
        with_exact = NewsText(analyzer=NewsAnalyzer(), field_boost=boost)
        for text in texts:
            assert list(ours.index(text)) == list(theirs.index(text)), text[:80]
            if text.isascii():  # English ASCII text: the same postings with the exact forms kept
                assert list(with_exact.index(text)) == list(theirs.index(text)), text[:80]
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


# ---- the rules, once: search/analysis.py -----------------------------------------------------------

SAMPLE = "North Korea's leaders met U.S. officials in Hanoi, where Nguyễn said 1,000 summits were generously planned."
SHIPPED_TOKENS = ["north", "korea", "leader", "met", "u.", "offici", "hanoi", "where", "nguyen", "said", "000",
                  "summit", "were", "generous", "plan"]
# English's rules with each changed: longer minimum, "hanoi" a stop word, Snowball's Porter stemmer.
CHANGED_TOKENS = ["north", "korea", "leader", "offici", "where", "nguyen", "said", "summit", "were", "gener", "plan"]


@pytest.fixture
def changed_rules(monkeypatch: pytest.MonkeyPatch) -> rules.LanguageRules:
    english = rules.rules()
    changed = dataclasses.replace(english, min_word=4, stop_words=english.stop_words | {"hanoi"}, snowball="porter")
    monkeypatch.setitem(rules.LANGUAGES, english.code, changed)
    return changed


def test_english_rules_are_the_analysers() -> None:
    english = rules.rules()
    assert english is rules.ENGLISH and (english.snowball, english.min_word, STEMMER) == ("english", 2, "snowball")
    assert english.stop_words == frozenset(STOP_WORDS)  # Whoosh's default list, which older indexes keep
    analyzer = NewsAnalyzer()
    assert (analyzer.stops, analyzer.minsize, analyzer.stemmer, analyzer.snowball) == \
        (english.stop_words, 2, "snowball", "english")
    assert rules.rules("xx") == rules.neutral("xx")  # a language without rules of its own


def test_word_rule_is_whoosh_s_tokenizer_and_splits_at_the_digit_comma() -> None:
    for text in sample_texts():
        assert WORD.findall(text) == [t.text for t in RegexTokenizer()(text)], text[:80]
        # DIGIT_COMMA, what OpenSearch's template does before its tokenizer, changes no word of WORD's.
        assert WORD.findall(re.sub(DIGIT_COMMA, r"\1 ", text)) == WORD.findall(text), text[:80]
    assert WORD.findall("1,000 tonnes, 3.5 pct") == ["1", "000", "tonnes", "3.5", "pct"]


def test_shipped_rules_give_the_same_whoosh_tokens_and_opensearch_settings() -> None:
    assert [t.text for t in news_analyzer()(SAMPLE)] == SHIPPED_TOKENS
    settings = opensearch_schema.analysis_settings()
    assert settings["filter"]["news_snowball"] == {"type": "snowball", "language": "English"}
    assert settings["filter"]["news_min_length"] == {"type": "length", "min": 2}
    assert set(settings["filter"]["news_stop"]["stopwords"]) == rules.ENGLISH.stop_words
    assert settings["char_filter"]["news_digit_comma"]["pattern"] == DIGIT_COMMA


def test_a_change_in_search_analysis_reaches_both_backends(changed_rules: rules.LanguageRules) -> None:
    """Without a cluster: the Whoosh analyser (and the schema new indexes get) and the OpenSearch
    template's analysis follow the changed rules."""
    assert [t.text for t in news_analyzer()(SAMPLE)] == CHANGED_TOKENS
    analyzer = build_schema()["body"].analyzer
    assert (analyzer.minsize, "hanoi" in analyzer.stops, analyzer.snowball) == (4, True, "porter")
    assert index_form("generously") == "gener"
    body = opensearch_schema.template_body("unused")
    filters = body["template"]["settings"]["index"]["analysis"]["filter"]
    assert filters["news_snowball"] == {"type": "snowball", "language": "Porter"}
    assert filters["news_min_length"] == {"type": "length", "min": 4}
    assert "hanoi" in filters["news_stop"]["stopwords"]


def test_an_index_keeps_the_rules_it_was_built_with(changed_rules: rules.LanguageRules) -> None:
    """The Whoosh analyser is pickled into an index's schema with its rules: an index built
    before a change still analyses queries as it analysed its text."""
    changed = pickle.dumps(NewsAnalyzer())
    shipped = pickle.dumps(NewsAnalyzer(stoplist=rules.ENGLISH.stop_words, minsize=2, snowball="english"))
    assert [t.text for t in pickle.loads(changed)(SAMPLE)] == CHANGED_TOKENS
    assert [t.text for t in pickle.loads(shipped)(SAMPLE)] == SHIPPED_TOKENS


def test_opensearch_template_stems_with_snowball_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules, "STEMMER", "porter")
    assert NewsAnalyzer().stemmer == "porter"
    with pytest.raises(ValueError, match="Snowball only"):
        opensearch_schema.analysis_settings()


@pytest.mark.parametrize("change", [False, True], ids=["shipped", "changed"])
def test_opensearch_analyses_as_the_whoosh_analyser(opensearch: str, monkeypatch: pytest.MonkeyPatch,
                                                     change: bool) -> None:
    """Live: an index made with the template's analysis (under the shipped rules, then changed
    ones) turns the sample into the Whoosh analyser's tokens."""
    from search.backends.opensearch.client import make_client
    from search.backends.opensearch.config import OpenSearchConfig

    if change:
        english = rules.rules()
        monkeypatch.setitem(rules.LANGUAGES, english.code, dataclasses.replace(
            english, min_word=4, stop_words=english.stop_words | {"hanoi"}, snowball="porter"))
    client = make_client(OpenSearchConfig(url=opensearch))
    index = f"nstest-a-{uuid.uuid4().hex[:10]}"
    try:
        client.indices.create(index=index, body={"settings": {"index": {
            "analysis": opensearch_schema.analysis_settings(), "number_of_shards": 1, "number_of_replicas": 0}}})
        answer = client.indices.analyze(index=index, body={"text": SAMPLE, "analyzer": opensearch_schema.ANALYZER})
        tokens = [t["token"] for t in answer["tokens"]]
        assert tokens == [t.text for t in news_analyzer()(SAMPLE)] == (CHANGED_TOKENS if change else SHIPPED_TOKENS)
    finally:
        client.indices.delete(index=index, ignore=404)
        client.close()


@pytest.mark.parametrize("text", [
    "Oil prices rose 3.5 pct in the U.S. on Monday (up* e.g.)",
    "Die Bürgermeisterin von Zürich sagte, die Häuser würden teurer.",
    "हिन्दी भाषा में समाचार", "العربيّة الفصحى", "Tiếng Việt có dấu", "東京都庁 and 北京",
    "a\u0301ccent combining e\u0301 é", "",
])
def test_the_fast_word_pattern_finds_word_s_words(text: str) -> None:
    """`word_regex` leaves the combining marks' class out only where the text has none: the
    same words as WORD on every script (the marks' class made indexing 20% slower on Reuters)."""
    from search.analysis import WORD, word_regex

    assert word_regex(text).findall(text) == WORD.findall(text)
    has_marks = any(unicodedata.category(c).startswith("M") for c in text)
    assert (word_regex(text) is WORD) == has_marks
