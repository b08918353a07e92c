"""Every language's analysis and fields in the OpenSearch template (issue 21): the same rules
as the Whoosh backend's (search/analysis.py), in Lucene's terms.

Fields: an English or undetermined ("und") article's text is in `title`, `body` and `combined`,
analysed by `news_english` exactly as before languages were told apart (what keeps the judged
collections' figures). Any other article's text is in its own language's fields, `title_<code>`,
`body_<code>` and `combined_<code>` (`field`), so that each language has its own analysis and
its own term statistics (a German "die" never weighs on English "die"). Every ISO 639-1 code
(index.language_codes.ISO_639_1: what a declaration may say, and the detector's languages) has its
fields, mapped explicitly: the mapping stays `strict`, and a dynamic template could not name a
language's `combined_<code>` as its `copy_to` target. About 640 fields in all, under OpenSearch's
1,000 per index.

Analysers: one per Snowball language (`news_<code>`), one neutral for the others
(`news_neutral`), each: the standard tokenizer (the digit comma made a space), `cjk_width`,
lower-cased, Chinese/Japanese/Korean runs cut into overlapping pairs (`cjk_bigram`, as
search.analysis.cjk_bigrams; a lone character stays a word), the language's minimum word length,
its stop list (search.analysis.rules(code).stop_words, as an explicit list), its stemmer
(`STEMMERS`), then accents folded with the exact form kept beside the folded one at the same
position (`asciifolding` with preserve_original: search.analysis.KEEP_EXACT), so "Zürich" finds
"Zurich" and ranks "Zürich" first; where the word typed without its accents stems otherwise
("sequía" -> "sequ", "sequia" -> "sequi"), a `multiplexer` (`forms_filter`) adds that form at the
same position too (search.analysis.KEEP_UNACCENTED, `word_forms`: stem then fold, keeping the
exact form; and fold, stem, fold), so a query typed without the accent finds the word (the
multiplexer drops a form equal to another at its position). English keeps its analyser (possessive, lower-case, folded
before the stop list and the stemmer, no exact form) with `cjk_width` and `cjk_bigram` added: no
English word changes, and an undetermined Chinese snippet is found by a two-character query.

Stemmers (`STEMMERS`): Lucene's `snowball` filter where it has the language (Lucene 9.12's
Snowball, generated from an older Snowball than PyStemmer 3's: a few endings differ, see
docs/opensearch.md), else its `stemmer` filter for the language (Czech: Dolamic's light
stemmer; Persian: Lucene's PersianStemFilter), else none (Esperanto, Polish, Sesotho: their stop
lists only; Polish needs the analysis-stempel plugin, not in the cluster).
"""
from __future__ import annotations

from index.language_codes import ISO_639_1
from search import analysis
from search.analysis import DEFAULT_LANGUAGE, SNOWBALL

ANALYZER = "news_english"          # English's (and undetermined articles') analyser
NEUTRAL_ANALYZER = "news_neutral"  # languages without Snowball rules: lower-cased, pairs, folded
WORDS_ANALYZER = "news_words"      # English's did-you-mean words (title.words, body.words)
PLAIN_WORDS_ANALYZER = "news_plain_words"  # other Snowball languages' did-you-mean words
FOLD_FILTER = "news_fold_keep"     # asciifolding, keeping the exact form (KEEP_EXACT)

# Snowball languages (PyStemmer's names) that Lucene 9.12's `snowball` filter has. Checked on
# the cluster: the others are refused ("Invalid stemmer class").
LUCENE_SNOWBALL = frozenset("""
arabic armenian basque catalan danish dutch english estonian finnish french german greek hindi hungarian
indonesian irish italian lithuanian nepali norwegian portuguese romanian russian serbian spanish swedish
tamil turkish yiddish""".split())
# ...and for the others, Lucene's `stemmer` filter where it has the language.
LUCENE_STEMMER = {"czech": "czech", "persian": "persian"}

# Every language with fields of its own (English's are the unsuffixed ones).
MAPPED = tuple(sorted((ISO_639_1 | set(SNOWBALL)) - {DEFAULT_LANGUAGE}))


def stemmer(code: str) -> dict | None:
    """The Lucene stemming filter of a language (its definition), None for none."""
    name = analysis.rules(code).snowball
    if name is None:
        return None
    if name in LUCENE_SNOWBALL:
        # The filter's languages are the Snowball stemmers' names capitalised ("German").
        return {"type": "snowball", "language": name.capitalize()}
    if name in LUCENE_STEMMER:
        return {"type": "stemmer", "language": LUCENE_STEMMER[name]}
    return None


STEMMERS = {code: stemmer(code) for code in SNOWBALL}


def field_language(code: str | None) -> str:
    """The language whose fields hold an article of language `code` (as stored: "de", "und",
    None; a region or script subtag is ignored: "de-AT" is "de"): English's for English, "und",
    none and any code without fields."""
    language = analysis.analysis_language(code.strip().lower() if isinstance(code, str) else code)
    language = language.replace("_", "-").split("-")[0]
    return language if language in MAPPED else DEFAULT_LANGUAGE


def field(base: str, language: str = DEFAULT_LANGUAGE) -> str:
    """A text field of a language: `base` ("title", "body", "combined") for English, else
    `base_<code>`."""
    return base if language == DEFAULT_LANGUAGE else f"{base}_{language}"


def has_rules(code: str) -> bool:
    """Whether a language has Snowball rules (its own analyser and did-you-mean words)."""
    return code in analysis.LANGUAGES


def analyzer(language: str = DEFAULT_LANGUAGE) -> str:
    """The analyser of a language's fields."""
    if language == DEFAULT_LANGUAGE:
        return ANALYZER
    return f"news_{language}" if has_rules(language) else NEUTRAL_ANALYZER


def spell_field(language: str = DEFAULT_LANGUAGE, subfield: str = "words") -> str:
    """Where did-you-mean looks up a language's words: its body's unstemmed words; a language
    without rules is never stemmed and keeps every word, so its body field itself."""
    if language == DEFAULT_LANGUAGE or has_rules(language):
        return f"{field('body', language)}.{subfield}"
    return field("body", language)


def forms_filter(stem_filter: str) -> dict:
    """The stemming and folding of a language with a stemmer as one `multiplexer`: its two
    branches give search.analysis.word_forms's forms at the word's position, the term first
    (asciifolding's preserve_original puts the folded token before the exact one), then the
    exact form, then the unaccented one (fold, stem, fold); repeated forms are dropped."""
    return {"type": "multiplexer", "preserve_original": False,
            "filters": [f"{stem_filter}, {FOLD_FILTER}", f"asciifolding, {stem_filter}, asciifolding"]}


def language_analysis() -> dict:
    """The filters and analysers of every language but English: merged into
    schema.analysis_settings."""
    fold = {"type": "asciifolding", "preserve_original": True} if analysis.KEEP_EXACT else {"type": "asciifolding"}
    filters: dict[str, dict] = {FOLD_FILTER: fold}
    analyzers: dict[str, dict] = {}
    head = ["cjk_width", "lowercase", "cjk_bigram"]
    for code in analysis.LANGUAGES:
        if code == DEFAULT_LANGUAGE:
            continue
        rules = analysis.rules(code)
        chain = list(head)
        if rules.min_word > 1:
            name = f"news_min_length_{rules.min_word}"
            filters[name] = {"type": "length", "min": rules.min_word}
            chain.append(name)
        if rules.stop_words:
            filters[f"news_stop_{code}"] = {"type": "stop", "stopwords": sorted(rules.stop_words)}
            chain.append(f"news_stop_{code}")
        stem = STEMMERS.get(code)
        if stem is None:
            chain.append(FOLD_FILTER)
        else:
            filters[f"news_stem_{code}"] = stem
            if analysis.KEEP_UNACCENTED:
                filters[f"news_forms_{code}"] = forms_filter(f"news_stem_{code}")
                chain.append(f"news_forms_{code}")
            else:
                chain += [f"news_stem_{code}", FOLD_FILTER]
        analyzers[analyzer(code)] = _custom(chain)
    analyzers[NEUTRAL_ANALYZER] = _custom([*head, FOLD_FILTER])
    analyzers[PLAIN_WORDS_ANALYZER] = _custom([*head, "asciifolding"])
    return {"filter": filters, "analyzer": analyzers, "char_filter": {"news_apostrophe": APOSTROPHE}}


def english_chain(filters: list[str]) -> list[str]:
    """English's filters with the CJK pairs: `cjk_width` first, `cjk_bigram` once the text is
    lower-cased and folded (before the minimum length, which would drop a lone character)."""
    at = filters.index("asciifolding") + 1
    return ["cjk_width", *filters[:at], "cjk_bigram", *filters[at:]]


# An apostrophe separates words, as search.analysis.WORD has it ("l'énergie": "l", "énergie"; the
# "l" falls to the minimum length): Lucene's standard tokenizer keeps "l'énergie" whole, which
# a query for "énergie" would never find. English's analyser keeps its own handling (the
# possessive filter; contractions stay whole, as before languages: docs/opensearch.md).
APOSTROPHE = {"type": "pattern_replace", "pattern": "['\u2019\u02bc\uff07]", "replacement": " "}


def _custom(filters: list[str]) -> dict:
    return {"type": "custom", "tokenizer": "standard", "char_filter": ["news_digit_comma", "news_apostrophe"],
            "filter": filters}


__all__ = ["ANALYZER", "NEUTRAL_ANALYZER", "WORDS_ANALYZER", "PLAIN_WORDS_ANALYZER", "LUCENE_SNOWBALL",
           "LUCENE_STEMMER", "STEMMERS", "MAPPED", "stemmer", "forms_filter", "field_language", "field", "has_rules", "analyzer",
           "spell_field", "language_analysis", "english_chain"]
