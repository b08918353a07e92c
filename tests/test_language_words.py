"""Top words, did-you-mean and snippets read each article and query in its language (issue 21),
on real news paragraphs (tests/language_texts.py) in German, French, Chinese, English, Japanese,
Arabic, Russian and Spanish; English answers as before languages."""
from __future__ import annotations

import math
from collections import Counter

import pytest

from search import snippets
from search.analysis import rules, words
from search.ranking import PLAIN_WORD, correctable
from search.spelling import checkable, corrected, words_to_check
from search.topwords import STOP_WORDS, MIN_SAMPLE_DOCS, log_likelihood, own_words, top_words, words_of
from search.request import SearchRequest
from tests import language_texts as texts


# ---- the words top words count -----------------------------------------------------------------

@pytest.mark.parametrize("text", [texts.GERMAN_SET[0][1], texts.ARABIC, texts.RUSSIAN, texts.SPANISH,
                                  texts.CHINESE, texts.JAPANESE, texts.ENGLISH_SET[0][1]])
def test_top_words_count_the_shared_word_rule(text: str) -> None:
    """words_of is search.analysis.words' words, letters and marks only (3 or more, or a CJK pair)."""
    expected = set()
    for word, _, _ in words(text.lower()):
        letters = "".join(c for c in word if not c.isdigit() and c not in "._*")
        if word == letters and (len(word) >= 3 or len(word) == 2 and "\u3040" <= word[0] <= "\u9fff"):
            expected.add(word)
    found = words_of(text)
    assert expected <= found and all(len(w) >= 2 for w in found)
    assert not any(c.isdigit() for w in found for c in w)


def test_words_keep_their_marks_and_chinese_is_read_in_pairs() -> None:
    assert {"الحكومةَ", "ستُقدّم"} <= words_of(texts.ARABIC)           # vowel signs stay in their word
    found = words_of(texts.CHINESE)
    assert {"人民", "代表", "大会"} <= found and "人民代表大会" not in found
    assert "3月5日电" not in found and "月5" not in found           # digits are not words
    assert own_words(SearchRequest.build("半导体 Netzentgelte").tree) == ["半导", "导体", "netzentgelte"]


# ---- top words on a multilingual index (both backends) ------------------------------------------

def _german_set_stop_words() -> set[str]:
    """German stop words in most of the German set and in none of the other German articles:
    each would stand out by G² if it were counted (the test below could fail)."""
    stop = rules("de").stop_words
    inside = Counter(w for _, body in texts.GERMAN_SET for w in words_of(body) & stop)
    outside = {w for _, body in texts.GERMAN_OTHERS for w in words_of(body)}
    n, others = len(texts.GERMAN_SET), len(texts.GERMAN_OTHERS)
    return {w for w, a in inside.items() if a >= MIN_SAMPLE_DOCS and w not in outside
            and log_likelihood(a, n, 0, others) > 0}


@pytest.fixture(scope="module")
def mixed(backend_indexes):
    rows = (texts.records(texts.GERMAN_SET, "de", "strom") + texts.records(texts.GERMAN_OTHERS, "de", "andere")
            + texts.records(texts.ENGLISH_SET, "en", "oil") + texts.records(texts.ENGLISH_OTHERS, "en", "other")
            + texts.records(texts.CHINESE_SET, "zh", "chip") + texts.records(texts.CHINESE_OTHERS, "zh", "qita")
            + texts.records(texts.FRENCH, "fr", "retraites"))
    return backend_indexes.build_records("language-words", rows)


@pytest.fixture(scope="module")
def english_only(backend_indexes):
    rows = texts.records(texts.ENGLISH_SET, "en", "oil") + texts.records(texts.ENGLISH_OTHERS, "en", "other")
    return backend_indexes.build_records("language-words-en", rows)


def test_a_german_set_has_no_german_stop_words_among_its_top_words(mixed) -> None:
    stop = _german_set_stop_words()
    assert {"für", "auch", "werden", "noch"} <= stop  # they would stand out
    for request in (SearchRequest.build("Strompreise", language=("de",)), SearchRequest.build("Strompreise")):
        found = top_words(mixed, request)
        assert found["total"] == len(texts.GERMAN_SET) == found["sample"]
        top = [w.word for w in found["words"]]
        assert {"netzentgelte", "bundesnetzagentur", "haushalte"} <= set(top), top
        assert not set(top) & rules("de").stop_words and "dass" not in top, top
        assert {w.language for w in found["words"]} == {"de"}
        assert "strompreise" not in top  # the query's own word
        # Compared with the German articles (12), not with the whole archive: a word in all 6
        # of the set and in no other German article scores G² of 6 in 6 against 0 in 6.
        best = found["words"][0]
        assert best.word == "netzentgelte" and best.sample_docs == best.index_docs == 6
        assert best.score == pytest.approx(log_likelihood(6, 6, 0, 6))


def test_english_top_words_are_the_same_beside_other_languages(mixed, english_only) -> None:
    """No cross-language harm: an English set's top words, scores and counts on the mixed index
    are those of the English-only index (English articles are its background, not all)."""
    here, alone = top_words(mixed, SearchRequest.build("oil")), top_words(english_only, SearchRequest.build("oil"))
    assert here["words"] and [w.to_dict() for w in here["words"]] == [w.to_dict() for w in alone["words"]]
    assert {"refinery", "crude"} <= {w.word for w in here["words"]}
    assert {w.language for w in here["words"]} == {"en"}


def test_chinese_top_words_are_pairs(mixed) -> None:
    found = top_words(mixed, SearchRequest.build("半导体"))
    top = [w.word for w in found["words"]]
    assert found["total"] == len(texts.CHINESE_SET)
    assert {"芯片", "晶圆"} <= set(top[:4]), top
    assert all(len(w) == 2 for w in top) and not {"半导", "导体"} & set(top)
    assert {w.language for w in found["words"]} == {"zh"}


def test_english_top_words_are_those_before_languages(english_only) -> None:
    """The algorithm as it was before languages (below, verbatim but for names) gives the same
    answer on an English index."""
    import re

    request = SearchRequest.build("oil prices")
    found = top_words(english_only, request)
    word_re = re.compile(r"[^\W\d_]{3,}")
    ids = [hit.id for hit in english_only.run(request.with_changes(page_size=100, snippets=False)).hits]
    records = english_only.articles(ids)
    own = {w.lower() for leaf in request.tree.children for w in word_re.findall(leaf.text)}
    doc_words = [set(word_re.findall(f"{r.title}\n{r.body}".lower())) - STOP_WORDS - own for r in records]
    seen: Counter[str] = Counter()
    for ws in doc_words:
        seen.update(ws)
    candidates = [w for w, n in seen.most_common(250) if n >= 2]
    known, index_size = english_only.document_frequencies(candidates + sorted(own))
    own_terms = {known[w][0] for w in own if w in known}
    term_of = {w: known[w][0] for w in seen if seen[w] >= 2 and w in known}
    sample_docs: Counter[str] = Counter()
    for ws in doc_words:
        sample_docs.update({term_of[w] for w in ws & term_of.keys()})
    index_docs = {known[w][0]: known[w][1] for w in candidates if w in known}
    expected = {}
    for term, a in sample_docs.items():
        if term not in own_terms:
            df = max(index_docs.get(term, 0), a)
            score = log_likelihood(a, len(records), df - a, max(index_size - len(records), 1))
            if score > 0:
                expected[term] = (round(score, 6), a, df)
    assert len(expected) >= 5 and not math.isclose(min(v[0] for v in expected.values()), 0)
    assert {w.term: (round(w.score, 6), w.sample_docs, w.index_docs) for w in found["words"]} == dict(
        sorted(expected.items(), key=lambda item: -item[1][0])[:20])


def test_top_words_of_short_mixed_and_undetermined_articles(backend_indexes) -> None:
    """Bad input never crashes: one-word and letterless articles (undetermined, read as English),
    an article mixing German and English, one without a declared language."""
    rows = texts.records(texts.ENGLISH_SET, "en", "oil") + [
        texts.record("short", "Öl", "Öl.", "de"),
        texts.record("digits", "1987", "12,345 67.8 ###", "und"),
        texts.record("mixed", "Oil", "Oil prices rose. Die Strompreise steigen auch für Haushalte, sagte die "
                                     "Bundesnetzagentur.", "de"),
        {"url": "http://lang.example/none/oil", "title": "Oil refinery", "body": "The oil refinery in Texas shut."},
    ]
    engine = backend_indexes.build_records("language-words-bad", rows)
    for query in ("oil", "Öl", "1987", "", "半导体", "Strompreise"):
        found = top_words(engine, SearchRequest.build(query))
        assert {w.language for w in found["words"]} <= {"en", "de"}, query
    assert "refinery" in {w.word for w in top_words(engine, SearchRequest.build("oil"))["words"]}


# ---- did-you-mean ---------------------------------------------------------------------------------

def test_plain_words_of_any_script_are_checked() -> None:
    query = "Zürich naïve العربيّة हिन्दी Центробанк 東京都庁 abc1 person:Kim oil*"
    assert [m.group() for m in PLAIN_WORD.finditer(query)] == ["Zürich", "naïve", "العربيّة", "हिन्दी", "Центробанк",
                                                               "東京都庁"]
    assert [m.group() for m in PLAIN_WORD.finditer("Sumit AND oil* prices")] == ["Sumit", "AND", "prices"]
    assert not correctable("東京都庁")            # written without spaces: a phrase, not a spelling
    assert all(checkable(w) for w in ("zürich", "العربيّة", "हिन्दी", "центробанк"))
    assert not checkable("abc1") and not checkable("\u0301abc")


def test_stop_words_of_the_searched_languages_are_left_alone() -> None:
    query = "la hausse des prix dans les stations avec taxe"
    assert words_to_check(query, ["fr"])[0] == ["hausse", "prix", "stations", "taxe"]
    assert words_to_check(query, ["en"])[0] == ["hausse", "des", "prix", "dans", "les", "stations", "avec", "taxe"]
    assert words_to_check(query, ["fr", "en"])[0] == words_to_check(query, ["fr"])[0]
    assert words_to_check("die Strompreise", ["de", "en"])[0] == ["strompreise"]
    assert words_to_check("die Strompreise")[0] == ["die", "strompreise"]  # English alone: "die" is a word
    assert corrected("dans la gouvernemant", {"dans": "danes", "gouvernemant": "gouvernement"}, ["fr"]) == \
        "dans la gouvernement"


def test_a_french_query_gets_french_suggestions_only(mixed) -> None:
    french = mixed.search("gouvernemant", language=("fr",))
    assert french.suggestion == "gouvernement"
    # "prics" is one edit from English "price"; filtered to French it gets no English suggestion
    # (two edits from the French articles' "Paris", it may get that).
    assert mixed.search("prics").suggestion in ("prices", "price")
    assert mixed.search("prics", language=("fr",)).suggestion in (None, "paris")


# ---- snippets ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [texts.CHINESE, texts.JAPANESE])
def test_the_opening_lines_of_chinese_and_japanese(text: str) -> None:
    lead = snippets.lead(text)
    assert lead[-2:] in ("。…", "、…")                # cut after a sentence's or clause's end, no space
    assert text.startswith(lead[:-1])
    assert snippets.LEAD_CHARS - 30 <= snippets.width(lead[:-1]) <= snippets.LEAD_CHARS
    assert len(lead) < snippets.LEAD_CHARS // 2 + 10  # as wide on the page as English, not twice as wide


def test_the_opening_lines_never_cut_a_letter_from_its_marks(monkeypatch) -> None:
    lead = snippets.lead(texts.ARABIC)
    assert lead.endswith(" …") and texts.ARABIC.startswith(lead[:-2])
    assert snippets.width(lead) <= snippets.LEAD_CHARS + 2
    thai = "รัฐบาลไทยประกาศมาตรการกระตุ้นเศรษฐกิจใหม่" * 10  # no spaces; vowel signs are marks
    cut = snippets.lead(thai)[:-2]
    assert thai.startswith(cut) and thai[len(cut)] not in "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c"
    english = "Oil prices rose on Monday " * 20
    assert snippets.lead(english) == english[:snippets.LEAD_CHARS + 1].rsplit(" ", 1)[0] + " …"


def test_fragment_edges_in_text_without_spaces() -> None:
    text = texts.JAPANESE
    start, end = snippets.word_edges(text, 30, 90)
    assert 30 <= start < 60 and 60 < end <= 90
    assert text[start] not in "、。」ー" and text[end] not in "、。」ー"
    assert text[start - 1] in "、。" and text[end - 1] in "、。"  # a clause's end within reach
    start, end = snippets.word_edges(texts.CHINESE, 70, 120)
    assert 70 < start < end < 120 and texts.CHINESE[start - 1] == "。" and texts.CHINESE[end - 1] == "，"
    assert snippets.word_edges("人民代表大会" * 20, 31, 90) == (31, 90)  # no clause end: any two characters
    english = " ".join(texts.ENGLISH_SET[0] + texts.ENGLISH_SET[1])
    for start in range(0, len(english) - 40, 3):  # after a space, before one: as before languages
        assert snippets.word_edges(english, start, start + 40) == _spaces_only(english, start, start + 40)
    arabic = texts.ARABIC
    start, end = snippets.word_edges(arabic, 31, 70)
    assert arabic[start - 1] == " " and arabic[end] == " "


def _spaces_only(text: str, start: int, end: int) -> tuple[int, int]:
    """The Whoosh backend's fragment edges before languages (search/backends/whoosh/snippets.py)."""
    if start > 0:
        space = text.find(" ", start, start + 30)
        start = space + 1 if space != -1 else start
    if end < len(text):
        space = text.rfind(" ", max(start, end - 30), end)
        end = space if space != -1 else end
    return start, end


def test_right_to_left_text_is_escaped_and_its_direction_controls_dropped() -> None:
    text = "قال <الوزير> إن \u202eالحكومة & البرلمان"
    assert snippets.escape(text) == "قال &lt;الوزير&gt; إن الحكومة &amp; البرلمان"
    assert snippets.mark("الحكومةَ") == "<mark>الحكومةَ</mark>"
    fragment = snippets.fragment(snippets.escape(text[4:]), starts=False, ends=True)
    assert fragment.startswith("…&lt;") and "\u202e" not in fragment
