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

Languages: `LanguageRules` holds what depends on the language (the stemmer, the stop list, the
minimum length); `rules(language)` gives a language's, and `LANGUAGES` holds English's only. Issue
21 (per-language analysis) adds a record per language there, and the backends one analyser per
record; the word rules above are every language's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from search.stopwords import INDEX_STOP_WORDS

# A word: letters, digits and asterisks, with single dots inside ("U.S", "3.5", "e.g"). Whoosh's
# default tokenizer pattern, its group made non-capturing so that `findall` gives words. The
# asterisk is Whoosh's (a wildcard stays in its word); OpenSearch's standard tokenizer drops it
# ("up*" is "up" there), one of the few places its words differ (docs/opensearch.md, Analysis).
WORD = re.compile(r"[\w\*]+(?:\.?[\w\*]+)*")
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


@dataclass(frozen=True)
class LanguageRules:
    """What the analysers do with one language's text beyond the word rules.

    `code`: ISO 639-1, as index.language names languages. `snowball`: the Snowball stemmer's
    name ("english"; PyStemmer's name, and capitalised, the OpenSearch snowball filter's).
    `stop_words`: words dropped from indexed text and queries. `min_word`: shorter words are
    dropped (2 drops the "s" split off a possessive)."""
    code: str
    snowball: str
    stop_words: frozenset[str]
    min_word: int


ENGLISH = LanguageRules(code="en", snowball="english", stop_words=INDEX_STOP_WORDS, min_word=2)
# The languages with analysis rules of their own (English only: issue 21 adds the others).
LANGUAGES: dict[str, LanguageRules] = {ENGLISH.code: ENGLISH}


def rules(language: str = DEFAULT_LANGUAGE) -> LanguageRules:
    """A language's analysis rules, read when an analyser or a template is made (so a change to
    LANGUAGES reaches both backends' next index)."""
    try:
        return LANGUAGES[language]
    except KeyError:
        raise ValueError(f"no analysis rules for the language {language!r} "
                         f"(known: {', '.join(sorted(LANGUAGES))})") from None


__all__ = ["WORD", "DIGIT_COMMA", "STEMMER", "DEFAULT_LANGUAGE", "LanguageRules", "ENGLISH", "LANGUAGES", "rules"]
