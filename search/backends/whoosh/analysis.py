"""The news analyser: every article's words in its own language (search/analysis.py's rules).

Per word, in a language's analysis: lower-cased, dropped if a stop word (or shorter than the
language's minimum), stemmed by the language's Snowball stemmer in its own spelling (PyStemmer;
none for a language without one), then accents folded ("Häuser" -> "haus", "новый" -> "нов");
where folding changed the word, the exact (stemmed, lower-cased) form is kept too, at the same
position (`search.analysis.KEEP_EXACT`), so a query typed with the accent ranks the exact form
first. A stemmer that folds by itself (German's turns "Häuser" into "haus") leaves no accented
stem: there the exact form is the word as written, lower-cased ("häuser", "zürich"). Where the
word typed without its accents stems otherwise ("sequía" -> "sequ", "sequia" -> "sequi"), that
form is kept too, at the same position (`search.analysis.KEEP_UNACCENTED`): a query typed
without the accent finds the word. `search.analysis.word_forms` is the rule. Words are
`search.analysis.words`: combining marks kept in their word, Chinese, Japanese and Korean runs
cut into overlapping pairs.

English (and an undetermined or unknown language: `analysis_language`) is analysed exactly as
every index before languages were: folded, stop words dropped, then stemmed (the English
stemmer only knows unaccented English: "résumés" -> "resum", as before); its token stream is
token for token what Whoosh's chain
`RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | StopFilter() | StemFilter()`
produces (tests/test_analysis.py), plus an accented word's exact form.

Terms of every other language carry it: `code + "\\x1f" + word` ("de\\x1fhaus"), so one title and
one body field hold every language, languages never share a term (a German "die" is not the
English verb), and each language's words have their own document frequencies. English terms are
plain, as they always were: an English index is byte for byte what it was.

Field lengths count words, not the exact (or unaccented) forms beside them (Lucene's "discount overlaps"): an
accented article is as long as its unaccented twin, so both rank alike on the folded form.

Why one generator and a cache: analysis was the largest cost of indexing after writing postings;
Whoosh's chain is a Python generator step per stage per token, here a token costs one regex
match and one dict lookup (each distinct surface form is analysed once per language). Snowball
runs as its reference C implementation (PyStemmer), the stemmer Lucene/OpenSearch use; Whoosh's
Porter stemmer (indexes of schema version 3 and before) is kept for English on request.

The analyser pickled into an index's schema keeps every language's rules it was built with
(stemmer name, stop list, minimum length), so an index keeps its analysis when the rules change.
"""
from __future__ import annotations

import pickle
import threading
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import NamedTuple

from whoosh.analysis import Token, Tokenizer  # type: ignore[import-untyped]
from whoosh.fields import TEXT  # type: ignore[import-untyped]
from whoosh.formats import Positions  # type: ignore[import-untyped]
from whoosh.lang.porter import stem as porter_stem  # type: ignore[import-untyped]
from whoosh.support.charset import accent_map  # type: ignore[import-untyped]
from whoosh.system import pack_uint  # type: ignore[import-untyped]

from search import analysis as shared
from search.analysis import CJK, analysis_language, has_cjk, word_regex

CACHE_WORDS = 300_000   # distinct surface forms remembered per language; emptied when full
SEPARATOR = "\x1f"      # between a non-English term's language and its word
# Word caches shared by analysers of the same settings: the schema is unpickled afresh in every
# Whoosh writer process, and forked writers inherit the indexing process's warm cache this way.
_CACHES: dict[tuple, dict[str, "Entry"]] = {}
# The Snowball stemmer of an index pickled before its name was kept: English.
OLD_SNOWBALL = "english"

_LOCAL = threading.local()


class Entry(NamedTuple):
    """One surface form in one language: its spelling word (did-you-mean), its term (None: a
    stop word), its exact form (None: folding changed nothing) and its unaccented form (None:
    the word typed without accents has the same term)."""
    spelling: str
    term: str | None
    exact: str | None
    unaccented: str | None = None

    def others(self) -> tuple[str, ...]:
        """The forms indexed beside the term, at its position (not counted in lengths)."""
        if self.exact is None:
            return () if self.unaccented is None else (self.unaccented,)
        return (self.exact,) if self.unaccented is None else (self.exact, self.unaccented)


@lru_cache(maxsize=None)
def snowball_stemmer(name: str) -> Callable[[str], str]:
    """The Snowball stemmer called `name` ("english"; PyStemmer's names), as a function; one
    PyStemmer object per thread (its objects are not thread-safe)."""
    import Stemmer  # type: ignore[import-not-found]  # PyStemmer: the Snowball project's own C stemmers
    if name not in Stemmer.algorithms():
        raise ValueError(f"unknown Snowball stemmer {name!r}")

    def stem(word: str) -> str:
        stemmers = _LOCAL.__dict__.setdefault("snowball", {})
        stemmer = stemmers.get(name)
        if stemmer is None:
            stemmer = stemmers[name] = Stemmer.Stemmer(name)
        return stemmer.stemWord(word)
    return stem


def stemmer_function(name: str, snowball: str | None = None) -> Callable[[str], str]:
    """The stemming function called `name`: "snowball" (the Snowball stemmer `snowball`, by
    default the rules' language's) or "porter" (Whoosh's Porter, for indexes built with it)."""
    if name == "porter":
        return porter_stem
    if name == "snowball":
        return snowball_stemmer(snowball or shared.rules().snowball)
    raise ValueError(f"unknown stemmer {name!r}: use 'snowball' or 'porter'")


def fold(word: str) -> str:
    """Accents folded: "zürich" -> "zurich" (Whoosh's accent map, as indexes always had)."""
    return word.translate(accent_map)


def folded(word: str) -> str:
    """A word lower-cased with its accents folded: "Nguyễn" -> "nguyen"."""
    return word.lower().translate(accent_map)


def prefix_of(code: str) -> str:
    """What a language's terms start with: nothing for English, else "de\\x1f"."""
    return "" if code == shared.DEFAULT_LANGUAGE else code + SEPARATOR


def strip_language(term: str) -> str:
    """A term's word without its language: "de\\x1fhaus" -> "haus"."""
    return term.rpartition(SEPARATOR)[2]


class Analysis:
    """One language's analysis of words, with its cache of surface forms."""

    def __init__(self, code: str, stops: frozenset[str], minsize: int, stem: Callable[[str], str] | None,
                 keep_exact: bool, key: tuple, keep_unaccented: bool = False) -> None:
        self.code, self.stops, self.minsize, self.stem, self.keep_exact = code, stops, minsize, stem, keep_exact
        self.keep_unaccented = keep_unaccented
        self.prefix = prefix_of(code)
        self.english = code == shared.DEFAULT_LANGUAGE
        self.words = _CACHES.setdefault(key, {})

    def __call__(self, raw: str) -> Entry:
        """A surface form's entry (see `Entry`), cached."""
        entry = self.words.get(raw)
        if entry is None:
            entry = self._analyse(raw)
            if len(self.words) >= CACHE_WORDS:
                self.words.clear()
            self.words[raw] = entry
        return entry

    def _analyse(self, raw: str) -> Entry:
        lower = raw.lower()
        if self.english:  # as every index had it: folded, stop-checked, stemmed
            text = fold(lower)
            if len(text) < self.minsize or text in self.stops:
                return Entry(text, None, None)
            assert self.stem is not None
            term = self.stem(text)
            exact = self.stem(lower) if self.keep_exact and text != lower else None
            return Entry(text, term, exact if exact != term else None)
        if len(lower) < self.minsize or lower in self.stops:
            return Entry(self.prefix + lower, None, None)
        term, exact, unaccented = shared.word_forms(lower, self.stem, fold, keep_exact=self.keep_exact,
                                                    keep_unaccented=self.keep_unaccented)
        return Entry(self.prefix + lower, self.prefix + term, None if exact is None else self.prefix + exact,
                     None if unaccented is None else self.prefix + unaccented)


def surface_words(text: str) -> Iterator[tuple[str, int, int]]:
    """`search.analysis.words`, with the regex's own loop when the text has no CJK character."""
    if not has_cjk(text):
        for match in word_regex(text).finditer(text):
            yield match.group(), match.start(), match.end()
    else:
        yield from shared.words(text)


def surface_forms(text: str) -> list[str]:
    """The words' surface forms alone (the fast path of `surface_words`)."""
    if not has_cjk(text):
        return word_regex(text).findall(text)
    return [word for word, _, _ in shared.words(text)]


class NewsAnalyzer(Tokenizer):
    """A Whoosh analyser (tokenizer + filters in one) for every language; see the module
    docstring. `language` (a keyword argument, or the `.language` of a `LanguageText` value)
    chooses the analysis; English when none is given."""

    is_morph = True  # it stems: Whoosh's `no_morph=True` (unstemmed words) is honoured

    def __init__(self, stoplist: Iterable[str] | None = None, minsize: int | None = None,
                 stemmer: str | None = None, snowball: str | None = None,
                 languages: dict[str, tuple[str | None, str, int]] | None = None,
                 keep_exact: bool | None = None, keep_unaccented: bool | None = None) -> None:
        # What is not given is search.analysis's, read now: the analyser is pickled into the
        # index's schema with these values, so an index keeps the analysis it was built with.
        # `stoplist`, `minsize`, `stemmer` and `snowball` are English's (as before languages);
        # `languages`: every other Snowball language's (snowball, stop words joined by spaces,
        # minimum length). A language in neither is analysed by neutral rules.
        rules = shared.rules()
        self.stops = frozenset(rules.stop_words if stoplist is None else stoplist)
        self.minsize = rules.min_word if minsize is None else minsize
        self.stemmer = stemmer or shared.STEMMER
        self.snowball = snowball or rules.snowball
        if languages is None:
            languages = {code: (r.snowball, " ".join(sorted(r.stop_words)), r.min_word)
                         for code, r in shared.LANGUAGES.items() if code != shared.DEFAULT_LANGUAGE}
        self.languages = languages
        self.keep_exact = shared.KEEP_EXACT if keep_exact is None else keep_exact
        self.keep_unaccented = shared.KEEP_UNACCENTED if keep_unaccented is None else keep_unaccented
        self._stem = stemmer_function(self.stemmer, self.snowball)
        self._analyses: dict[str, Analysis] = {}
        self._english_only = False
        self._english = self.analysis(shared.DEFAULT_LANGUAGE)
        self._words = self._english.words  # English's cache (tests look at it)

    def __getstate__(self) -> dict:
        # The schema (and so this analyser) is pickled into the index: the word caches stay out.
        return {"stops": self.stops, "minsize": self.minsize, "stemmer": self.stemmer, "snowball": self.snowball,
                "languages": self.languages, "keep_exact": self.keep_exact,
                "keep_unaccented": self.keep_unaccented}

    def __setstate__(self, state: dict) -> None:
        # An index pickled before the stemmer was a setting was built with Porter; before the
        # Snowball stemmer's name was kept, with English's; before languages, every text was
        # analysed as English (no other language's rules, no exact forms); before unaccented
        # forms were kept, without them.
        NewsAnalyzer.__init__(self, state["stops"], state["minsize"], state.get("stemmer", "porter"),
                              state.get("snowball", OLD_SNOWBALL), state.get("languages", {}),
                              state.get("keep_exact", False), state.get("keep_unaccented", False))
        self._english_only = "languages" not in state

    def __eq__(self, other) -> bool:
        return (other.__class__ is self.__class__ and other.__getstate__() == self.__getstate__())

    def __hash__(self) -> int:
        return hash((self.__class__.__name__, self.minsize, len(self.stops), self.stemmer, self.snowball,
                     len(self.languages), self.keep_exact, self.keep_unaccented))

    def analysis(self, language: str | None) -> Analysis:
        """The analysis of a language's words (None, "und": English's; a language without
        rules in this analyser: neutral rules, words lower-cased and folded only)."""
        code = analysis_language(language) if not self._english_only else shared.DEFAULT_LANGUAGE
        found = self._analyses.get(code)
        if found is None:
            stem: Callable[[str], str] | None
            if code == shared.DEFAULT_LANGUAGE:
                stops, minsize, stem = self.stops, self.minsize, self._stem
                key: tuple = (code, self.stops, self.minsize, self.stemmer, self.snowball, self.keep_exact)
            elif code in self.languages:
                snowball, words, minsize = self.languages[code]
                stops = frozenset(words.split())
                stem = snowball_stemmer(snowball) if snowball else None
                key = (code, stops, minsize, snowball, self.keep_exact, self.keep_unaccented)
            else:
                neutral = shared.neutral(code)
                stops, minsize, stem = neutral.stop_words, neutral.min_word, None
                key = (code, stops, minsize, None, self.keep_exact)
            found = self._analyses[code] = Analysis(code, stops, minsize, stem, self.keep_exact, key,
                                                    self.keep_unaccented)
        return found

    def positions(self, text: str, language: str | None = None, exact: bool = False) -> dict[str, list[int]]:
        """Indexed term -> its positions: what the tokens give, without making them. The exact
        and unaccented forms (`KEEP_EXACT`, `KEEP_UNACCENTED`) only with `exact`."""
        return self.postings(text, language)[0] if not exact else _merged(*self.postings(text, language))

    def postings(self, text: str, language: str | None = None) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
        """(term -> positions, exact or unaccented form -> positions) of a text in a language."""
        analysis = self.analysis(language)
        words, word = analysis.words, analysis
        found: dict[str, list[int]] = {}
        exact: dict[str, list[int]] = {}
        pos = None
        # The hottest loop of an index run (every word of every article): the entry unpacked
        # once, not read field by field, and its other forms tested before any call.
        for i, raw in enumerate(surface_forms(text)):
            _, term, exact_form, unaccented = words.get(raw) or word(raw)
            if term is not None:
                pos = i if pos is None else pos + 1  # positions renumbered past stop words
                if term in found:  # (faster than .get: no method call, on every word)
                    found[term].append(pos)
                else:
                    found[term] = [pos]
                if exact_form is not None:  # in `Entry.others` order: exact, then unaccented
                    exact.setdefault(exact_form, []).append(pos)
                if unaccented is not None:
                    exact.setdefault(unaccented, []).append(pos)
        return found, exact

    def query_forms(self, text: str, language: str | None = None, *, tokenize: bool = True,
                    removestops: bool = True) -> list[tuple[str, tuple[str, ...]]]:
        """A query's words as (term, its other forms: exact, unaccented) in a language, stop words
        out (with `removestops`); untokenised, the whole text is one word (a prefix)."""
        analysis = self.analysis(language)
        raws = surface_forms(text) if tokenize else [text]
        out = []
        for raw in raws:
            entry = analysis(raw)
            if entry.term is not None:
                out.append((entry.term, entry.others()))
            elif not removestops:
                out.append((fold(entry.spelling), ()))
        return out

    def spelling_words(self, text: str, language: str | None = None) -> set[str]:
        """The distinct unstemmed, unstopped words of a text (did-you-mean's vocabulary): English
        folded (the tokens' texts with no_morph), another language's lower-cased with its mark;
        Chinese, Japanese and Korean pairs are left out (nothing to correct by edits)."""
        analysis = self.analysis(language)
        words, word = analysis.words, analysis
        cjk = has_cjk(text)  # else no word needs the check (one scan, not one per word)
        return {entry.spelling for raw in set(surface_forms(text))
                if (entry := words.get(raw) or word(raw)).term is not None and not (cjk and CJK.search(raw))}

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "",
                 no_morph: bool = False, language: str | None = None, exact: bool | None = None,
                 **kwargs) -> Iterator[Token]:
        """Whoosh's token stream. The exact and unaccented forms come after their word, at its
        position and characters, when indexing (`mode="index"`) or asked for (`exact=True`)."""
        assert isinstance(value, str), f"{value!r} is not a string"
        analysis = self.analysis(language if language is not None else getattr(value, "language", None))
        with_exact = (mode == "index") if exact is None else exact
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        spans: Iterable[tuple[str, int, int]]
        if tokenize:
            spans = surface_words(value)
        else:  # the whole value is one token, kept as its original, as Whoosh's tokenizer does
            spans = [(value, 0, len(value))]
            keeporiginal = True
        words, word = analysis.words, analysis
        pos = None  # the position of the last kept word: stop words do not take positions
        for i, (raw, start, end) in enumerate(spans):
            entry = words.get(raw) or word(raw)
            if entry.term is None:
                if removestops:
                    continue
                t.text, t.stopped = entry.spelling, True
                if positions:
                    t.pos = start_pos + i
            else:
                t.text, t.stopped = (entry.spelling if no_morph else entry.term), False
                if positions:
                    pos = start_pos + i if pos is None else pos + 1
                    t.pos = pos
            t.boost = 1.0
            if keeporiginal:
                t.original = raw
            if chars:
                t.startchar, t.endchar = start_char + start, start_char + end
            yield t
            if with_exact and not no_morph:
                for other in entry.others():
                    t.text = other
                    yield t


def _merged(found: dict[str, list[int]], exact: dict[str, list[int]]) -> dict[str, list[int]]:
    return {**found, **exact} if exact else found


class LanguageText(str):
    """An article's title or body with its language (ISO 639-1, "und"), as the writer passes it
    to the title and body fields: `NewsText.index` analyses it in that language. It is only
    indexed: the document stores the plain text (`_stored_title`, `_stored_body`). Pickles
    as itself, so it reaches Whoosh's writer processes."""

    language: str | None

    def __new__(cls, text: str, language: str | None) -> "LanguageText":
        made = super().__new__(cls, text)
        made.language = language
        return made

    def __reduce__(self):
        return (LanguageText, (str(self), self.language))


class NewsText(TEXT):
    """A TEXT field whose postings come from `NewsAnalyzer.postings` in one pass.

    Whoosh's TEXT makes a Token per word and builds the postings from them in Python
    (`Positions.word_values`); this builds the same (word, frequency, weight, positions) tuples
    straight from the regex matches, in the value's language (`LanguageText`). An exact (or
    unaccented) form's frequency is given as 0: Whoosh sums the frequencies into the field's
    length, which counts words (see the module docstring); its weight (what BM25 reads) is its count. Any other use
    (other analysers, keyword arguments, lists) goes through TEXT unchanged.
    `tests/test_analysis.py` checks the output is identical to TEXT's for English text.
    """

    def index(self, value, **kwargs):
        analyzer = self.analyzer
        if (kwargs or not isinstance(value, str) or type(analyzer) is not NewsAnalyzer
                or type(self.format) is not Positions):
            yield from super().index(value, **kwargs)
            return
        boost, dumps = self.format.field_boost, pickle.dumps
        found, exact = analyzer.postings(value, getattr(value, "language", None))
        for counted, terms in ((True, found), (False, exact)):
            for word, poslist in terms.items():
                n = len(poslist)
                # Positions.encode: the count, then the pickled gaps between positions.
                yield (word.encode("utf-8"), n if counted else 0, n * boost,
                       pack_uint(n) + dumps([b - a for a, b in zip([0] + poslist, poslist)], 2))


def index_form(word: str, stemmer: str | None = None, language: str | None = None) -> str:
    """A word as the index stores it, ignoring the stop list: in English folded, then stemmed
    (by the stemmer named; search.analysis.STEMMER when not given); in another language stemmed,
    then folded, with the language's mark."""
    code = analysis_language(language)
    if code == shared.DEFAULT_LANGUAGE:
        return stemmer_function(stemmer or shared.STEMMER)(folded(word))
    rules = shared.rules(code)
    lower = word.lower()
    return prefix_of(code) + fold(snowball_stemmer(rules.snowball)(lower) if rules.snowball else lower)
