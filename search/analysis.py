"""How text becomes index words: the rules both backends' analysers follow, defined once.

The Whoosh backend's analyser (search/backends/whoosh/analysis.py) runs these rules itself; the
OpenSearch backend's template (search/backends/opensearch/schema.py, `analysis_settings`) is
built from them when an index is made. Neither repeats a value: a change here reaches both (for
new indexes: an index keeps the analysis it was built with). Pure Python, so that every part of
search/ and both backends can import it.

The rules, in the order they apply:
- Words: runs of letters and digits, dots inside a word kept ("U.S", "3.5") (`WORD`); any other
  character separates words, a comma between digits included: "1,000" is "1" and "000"
  (`DIGIT_COMMA` states it for tokenizers that keep such a number whole, as OpenSearch's
  standard tokenizer does). A possessive's "s" is a word of its own ("Korea's": "Korea", "s")
  and falls to the minimum length; OpenSearch's standard tokenizer keeps "Korea's" whole, so its
  template takes the "'s" off first (the possessive_english stemmer), to the same words.
- Lower-cased, accents folded: "Nguyễn" is "nguyen".
- Words shorter than the language's `min_word` are dropped (the possessive's "s", "J" of "J. Smith").
- The language's stop words are dropped (`stop_words`; they are dropped from queries alike).
- The rest are stemmed by the language's Snowball stemmer (STEMMER; `snowball` names it).

Languages (issue 21): an article is analysed in its own language (`Article.language`, detected at
indexing), a query in every language it searches (all the index holds, or the one `language:`
filter names). `rules(code)` gives any language's rules: `LANGUAGES` for the 33 Snowball
languages (PyStemmer's; each with its stop list from search/language_data.py: Snowball's own
where it has one, else spaCy's), and for any other language `neutral` rules: no stemmer, no stop
words, words of one character kept (Chinese, Japanese, Korean, Thai...). English keeps its short
index stop list (search.stopwords). An article of undetermined language ("und") or none is
analysed as English (`analysis_language`), what every index held before languages were told apart.

Beyond the language's rules, every language shares the word rules:
- Combining marks belong to their word (`MARKS`): Python's `\w` alone splits "हिन्दी" and "العربيّة".
- Chinese, Japanese and Korean have no spaces: a run of their characters (`CJK`) is cut into
  overlapping pairs ("東京都庁" -> 東京, 京都, 都庁), as Lucene's CJK analyser does
  (`cjk_bigrams`); a lone character is a word of its own. A two-character query word is then one
  indexed word, and a longer one its pairs side by side.
- Accents are folded for matching ("Zürich" = "Zurich"), after stemming (a stemmer knows its
  language's accented endings: Russian "новый" keeps its "й" until stemmed); where folding changes
  a word, the index keeps its exact (stemmed, lower-cased) form too, at the same position
  (`KEEP_EXACT`), so a query typed with the accent matches both and ranks the exact form first.
- A query typed without the accent is stemmed unaccented: "sequia" -> "sequi", where the written
  "sequía" stems to "sequ". So where stemming the folded word gives another form than folding the
  stemmed one, the index keeps that one too at the same position (`KEEP_UNACCENTED`): the form an
  unaccented query gives ("sequi"). `word_forms` is the rule, for every language analysed
  stem-then-fold (not English, which folds first and so never needs it).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache

from search.language_data import MARKS, STOP_LISTS
from search.stopwords import INDEX_STOP_WORDS, INTERROGATIVES, QUESTION_WORDS

# A word: letters, digits and asterisks, with single dots inside ("U.S", "3.5", "e.g"). Whoosh's
# default tokenizer pattern, its group made non-capturing so that `findall` gives words. The
# asterisk is Whoosh's (a wildcard stays in its word); OpenSearch's standard tokenizer drops it
# ("up*" is "up" there), one of the few places its words differ (docs/opensearch.md, Analysis).
# Combining marks count as word characters (see the module docstring).
WORD = re.compile(rf"[\w\*{MARKS}]+(?:\.?[\w\*{MARKS}]+)*")
# WORD without the marks: the same words on a text that has no combining mark, ~3.5x faster
# (the marks' class of ~300 ranges is tried at every character). `word_regex` picks.
_WORD_NO_MARKS = re.compile(r"[\w\*]+(?:\.?[\w\*]+)*")


def word_regex(text: str) -> re.Pattern[str]:
    """The pattern that finds `text`'s words by WORD's rule, the fastest that is exact for it: a
    text without any combining mark (all English, most Latin-script text) does without them."""
    if text.isascii() or not any(unicodedata.category(c)[0] == "M" for c in set(text) if c > "\x7f"):
        return _WORD_NO_MARKS
    return WORD
# A comma between two digits, which separates words ("1,000": "1" and "000"). WORD splits there
# already; a tokenizer that keeps "1,000" whole replaces the comma by a space (group 1: the digit).
DIGIT_COMMA = r"(\d),(?=\d)"

# How new indexes stem: "snowball", the language's Snowball stemmer (LanguageRules.snowball; the
# reference C implementation in the Whoosh backend, Lucene's in OpenSearch). "porter" is Whoosh's
# own Porter stemmer, what Whoosh indexes of schema version 3 and before were built with: the
# Whoosh backend still reads such indexes, and bench/relevance.py builds one to compare; the
# OpenSearch template stems with Snowball only.
STEMMER = "snowball"

DEFAULT_LANGUAGE = "en"


# Chinese (Han), Japanese (Hiragana, Katakana) and Korean (Hangul) characters, which are cut into
# pairs (`cjk_bigrams`): the blocks Lucene's CJKBigramFilter pairs.
CJK = re.compile("[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f"
                 "\uac00-\ud7af\ud7b0-\ud7ff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f]+")


def has_cjk(text: str) -> bool:
    """Whether `text` holds a Chinese, Japanese or Korean character: ASCII text (all English)
    answers without the scan, which cost as much as a tenth of an English article's analysis."""
    return not text.isascii() and CJK.search(text) is not None


# Where folding changes a word, the index keeps the exact form beside the folded one.
KEEP_EXACT = True
# Where stem(fold(word)) differs from fold(stem(word)), the index keeps it beside the term.
KEEP_UNACCENTED = True
# Undetermined (index.language_codes.UNDETERMINED) and missing languages are analysed as English.
UNDETERMINED = "und"


@dataclass(frozen=True)
class LanguageRules:
    """What the analysers do with one language's text beyond the word rules.

    `code`: ISO 639-1, as index.language names languages. `snowball`: the Snowball stemmer's
    name ("english"; PyStemmer's name, and capitalised, the OpenSearch snowball filter's), None
    for a language without one (its words are only lower-cased and folded). `stop_words`: words
    dropped from indexed text and queries. `min_word`: shorter words are dropped (2 drops the "s"
    split off a possessive; 1 keeps a Chinese character). `question_words`: what a long query
    leaves out beyond the stop words (search.stopwords: English's list, other languages' question
    words their full Snowball stop lists leave out). `stop_source`: where the stop list comes from."""
    code: str
    snowball: str | None
    stop_words: frozenset[str]
    min_word: int
    question_words: frozenset[str] = frozenset()
    stop_source: str = "search.stopwords"


ENGLISH = LanguageRules(code="en", snowball="english", stop_words=INDEX_STOP_WORDS, min_word=2,
                        question_words=QUESTION_WORDS)
# PyStemmer's Snowball stemmers by ISO 639-1 code ("porter" and "dutch_porter" are older
# variants of English and Dutch, not languages).
SNOWBALL = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech", "da": "danish",
    "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian", "fi": "finnish", "fr": "french",
    "de": "german", "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "fa": "persian", "pl": "polish",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "st": "sesotho", "es": "spanish",
    "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}


def _snowball_rules(code: str) -> LanguageRules:
    source, words = STOP_LISTS.get(code, ("none", ""))
    stop_words = frozenset(words.split())
    return LanguageRules(code=code, snowball=SNOWBALL[code], stop_words=stop_words, min_word=2,
                         question_words=frozenset(INTERROGATIVES.get(code, "").split()) - stop_words,
                         stop_source=source)


# Every language with a stemmer of its own.
LANGUAGES: dict[str, LanguageRules] = {
    code: ENGLISH if code == "en" else _snowball_rules(code) for code in sorted(SNOWBALL)}


@lru_cache(maxsize=None)
def neutral(code: str) -> LanguageRules:
    """The rules of a language without a Snowball stemmer: words lower-cased and folded only."""
    return LanguageRules(code=code, snowball=None, stop_words=frozenset(), min_word=1, stop_source="none")


def analysis_language(language: str | None) -> str:
    """The language an article's text is analysed in: its own, or English when it has none or
    it is undetermined ("und"): what every index held before languages were told apart."""
    if not language or language == UNDETERMINED:
        return DEFAULT_LANGUAGE
    return language


def rules(language: str | None = DEFAULT_LANGUAGE) -> LanguageRules:
    """A language's analysis rules (`analysis_language` first: None and "und" are English's), read
    when an analyser or a template is made (so a change here reaches both backends' next index)."""
    code = analysis_language(language)
    return LANGUAGES.get(code) or neutral(code)

def long_query_lists(language: str) -> tuple[frozenset[str], frozenset[str]]:
    """(the question words a long query in `language` leaves out, the words its analysers drop
    themselves), from its rules: English's search.stopwords.QUESTION_WORDS and INDEX_STOP_WORDS;
    another language's question words (search.stopwords.INTERROGATIVES) and full stop list."""
    language_rules = rules(language)
    return language_rules.question_words, language_rules.stop_words


def query_language(words: Sequence[str], languages: Sequence[str] | None = None) -> str:
    """The language a long query is written in, told by its function words (lower-cased, `’` as
    `'`), among `languages` (the analysis languages it searches; None: every language with
    rules, `LANGUAGES`): the one with most of its question and stop words among them
    (`long_query_lists`), English on equal counts (so an English question is read as ever:
    another language wins only with more of its own words than English has), else the first
    named (the searched language with most articles). "what are the effects of X on Y" is
    English; "quels sont les effets de X sur Y" French, so English's question words are not
    taken out of it (Spanish "once" is eleven)."""
    candidates = list(languages) if languages else list(LANGUAGES)

    def evidence(language: str) -> int:
        asked, dropped = long_query_lists(language)
        return sum(1 for word in words if word in asked or word in dropped)

    english = DEFAULT_LANGUAGE
    best, most = (english, evidence(english)) if english in candidates else (candidates[0], -1)
    for language in candidates:
        if language == english:
            continue
        count = evidence(language)
        if count > most:
            best, most = language, count
    return best


def word_forms(lower: str, stem: Callable[[str], str] | None, fold: Callable[[str], str], *,
               keep_exact: bool = KEEP_EXACT, keep_unaccented: bool = KEEP_UNACCENTED
               ) -> tuple[str, str | None, str | None]:
    """A kept (lower-cased, not stop) word's forms in a language analysed stem-then-fold, as
    (term, exact, unaccented); None where a form is the term or not kept (see the module docstring).
    term: stemmed in its own spelling, then folded ("sequía" -> "sequ"). exact: the stemmed form
    before folding ("sequí"), or the word itself when the stemmer folded it ("häuser" -> "haus").
    unaccented: what the word typed without its accents gives as a term, fold(stem(fold(word)))
    ("sequi"): the form an unaccented query looks for. `stem` None: no stemmer (nothing to add).
    Each backend passes its own folding (Whoosh's accent map; OpenSearch's template applies the
    same order with `asciifolding`)."""
    stemmed = stem(lower) if stem is not None else lower
    term = fold(stemmed)
    exact = None
    if keep_exact:
        if term != stemmed:
            exact = stemmed
        elif fold(lower) != lower:  # the stemmer folded it itself (German: "häuser" -> "haus")
            exact = lower
    unaccented = None
    if keep_unaccented and stem is not None:
        plain = fold(lower)
        if plain != lower:
            unaccented = fold(stem(plain))
            if unaccented == term:
                unaccented = None
    return term, exact, unaccented


def cjk_bigrams(word: str, start: int = 0) -> Iterator[tuple[str, int, int]]:
    """A word's parts as (text, start, end): its CJK runs cut into overlapping pairs (a lone
    character alone), the rest as it is. `start`: the word's offset in its text."""
    if not CJK.search(word):
        yield word, start, start + len(word)
        return
    at = 0
    for run in CJK.finditer(word):
        if run.start() > at:
            yield word[at:run.start()], start + at, start + run.start()
        text = run.group()
        if len(text) == 1:
            yield text, start + run.start(), start + run.end()
        for i in range(len(text) - 1):
            yield text[i:i + 2], start + run.start() + i, start + run.start() + i + 2
        at = run.end()
    if at < len(word):
        yield word[at:], start + at, start + len(word)


def words(text: str) -> Iterator[tuple[str, int, int]]:
    """Every word of a text as (surface form, start, end), by the shared word rules: WORD's
    matches, their CJK runs cut into pairs."""
    for match in word_regex(text).finditer(text):
        yield from cjk_bigrams(match.group(), match.start())


__all__ = ["WORD", "word_regex", "DIGIT_COMMA", "STEMMER", "DEFAULT_LANGUAGE", "CJK", "KEEP_EXACT", "KEEP_UNACCENTED",
           "UNDETERMINED",
           "LanguageRules", "ENGLISH", "SNOWBALL", "LANGUAGES", "neutral", "analysis_language", "rules",
           "word_forms", "cjk_bigrams", "words"]
