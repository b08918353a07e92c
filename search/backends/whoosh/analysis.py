"""The news analyser: words, lower-cased, accents folded, stop words dropped, stemmed (Snowball).

Its output is token for token what Whoosh's chain
`RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | StopFilter() | StemFilter()`
produces (texts, positions renumbered past stop words, character offsets, `stopped` flags,
`no_morph` for the unstemmed spelling words), with `StemFilter(stemfn=...)` of the analyser's
stemmer, and `tests/test_analysis.py` checks that on real text. It is one generator instead of
five because analysis was the largest cost of indexing
after writing postings: each of the chain's stages is a Python generator step per token, while
here a token costs one regex match and one dict lookup (each distinct surface form is lowered,
folded, stop-checked and stemmed once).

The rules (word pattern, minimum length, stop list, stemmer) are `search.analysis`'s, which the
OpenSearch template is built from too; an analyser reads them when it is made. Snowball English
(Porter2) runs as its reference C implementation via PyStemmer, the stemmer Lucene/OpenSearch,
tantivy and bm25s use. Whoosh's Porter stemmer (the first one shipped) had
known faults: "planned" -> "plann" (not "plan"), "news" -> "new", "investigating" and
"investigation" apart; Snowball is also ahead on the judged collections (bench/relevance.py,
bench/RESULTS.md). Whoosh's own Python port of Snowball differs from the reference on 23 of 11k
CACM words ("organized" -> "organ"), so it is not used. The stemmer's name is part of the
analyser pickled into an index's schema: an index keeps the stemmer it was built with.
"""
from __future__ import annotations

import pickle
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache

from whoosh.analysis import Token, Tokenizer  # type: ignore[import-untyped]
from whoosh.fields import TEXT  # type: ignore[import-untyped]
from whoosh.formats import Positions  # type: ignore[import-untyped]
from whoosh.lang.porter import stem as porter_stem  # type: ignore[import-untyped]
from whoosh.support.charset import accent_map  # type: ignore[import-untyped]
from whoosh.system import pack_uint  # type: ignore[import-untyped]

from search import analysis as shared
from search.analysis import WORD

CACHE_WORDS = 300_000   # distinct surface forms remembered; the cache is emptied when full
# Word caches shared by analysers of the same settings: the schema is unpickled afresh in every
# Whoosh writer process, and forked writers inherit the indexing process's warm cache this way.
_CACHES: dict[tuple[frozenset, int, str, str], dict[str, tuple[str, str | None]]] = {}
# The Snowball stemmer of an index pickled before its name was kept: English.
OLD_SNOWBALL = "english"

_LOCAL = threading.local()


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


def folded(word: str) -> str:
    """A word lower-cased with its accents folded: "Nguyễn" -> "nguyen"."""
    return word.lower().translate(accent_map)


def index_form(word: str, stemmer: str | None = None) -> str:
    """A word as the index stores it, ignoring the stop list: folded, then stemmed (by the
    stemmer named; search.analysis.STEMMER when not given)."""
    return stemmer_function(stemmer or shared.STEMMER)(folded(word))


class NewsAnalyzer(Tokenizer):
    """A Whoosh analyser (tokenizer + filters in one); see the module docstring."""

    is_morph = True  # it stems: Whoosh's `no_morph=True` (unstemmed words) is honoured

    def __init__(self, stoplist: Iterable[str] | None = None, minsize: int | None = None,
                 stemmer: str | None = None, snowball: str | None = None) -> None:
        # What is not given is search.analysis's, read now: the analyser is pickled into the
        # index's schema with these values, so an index keeps the analysis it was built with.
        rules = shared.rules()
        self.stops = frozenset(rules.stop_words if stoplist is None else stoplist)
        self.minsize = rules.min_word if minsize is None else minsize
        self.stemmer = stemmer or shared.STEMMER
        self.snowball = snowball or rules.snowball
        self._stem = stemmer_function(self.stemmer, self.snowball)
        self._words = _CACHES.setdefault((self.stops, self.minsize, self.stemmer, self.snowball), {})

    def __getstate__(self) -> dict:
        # The schema (and so this analyser) is pickled into the index: the word cache stays out.
        return {"stops": self.stops, "minsize": self.minsize, "stemmer": self.stemmer, "snowball": self.snowball}

    def __setstate__(self, state: dict) -> None:
        # An index pickled before the stemmer was a setting was built with Porter; before the
        # Snowball stemmer's name was kept, with English's.
        NewsAnalyzer.__init__(self, state["stops"], state["minsize"], state.get("stemmer", "porter"),
                              state.get("snowball", OLD_SNOWBALL))

    def __eq__(self, other) -> bool:
        return (other.__class__ is self.__class__ and other.stops == self.stops and other.minsize == self.minsize
                and other.stemmer == self.stemmer and other.snowball == self.snowball)

    def __hash__(self) -> int:
        return hash((self.__class__.__name__, self.minsize, len(self.stops), self.stemmer, self.snowball))

    def _word(self, raw: str) -> tuple[str, str | None]:
        """(folded form, stemmed form or None for a stop word) of a surface form, cached."""
        entry = self._words.get(raw)
        if entry is None:
            text = folded(raw)
            entry = (text, None if len(text) < self.minsize or text in self.stops else self._stem(text))
            if len(self._words) >= CACHE_WORDS:
                self._words.clear()
            self._words[raw] = entry
        return entry

    def positions(self, text: str) -> dict[str, list[int]]:
        """Indexed (stemmed) word -> its positions: what the tokens give, without making them."""
        words, word = self._words, self._word
        found: dict[str, list[int]] = {}
        pos = None
        for i, raw in enumerate(WORD.findall(text)):
            stemmed = (words.get(raw) or word(raw))[1]
            if stemmed is not None:
                pos = i if pos is None else pos + 1  # positions renumbered past stop words
                if stemmed in found:
                    found[stemmed].append(pos)
                else:
                    found[stemmed] = [pos]
        return found

    def spelling_words(self, text: str) -> set[str]:
        """The distinct unstemmed, unstopped words of a text (the tokens' texts with no_morph)."""
        words, word = self._words, self._word
        return {entry[0] for raw in set(WORD.findall(text)) if (entry := words.get(raw) or word(raw))[1] is not None}

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "",
                 no_morph: bool = False, **kwargs) -> Iterator[Token]:
        assert isinstance(value, str), f"{value!r} is not a string"
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        matches: Iterable[re.Match[str] | _Whole]
        if tokenize:
            matches = WORD.finditer(value)
        else:  # the whole value is one token, kept as its original, as Whoosh's tokenizer does
            matches = [_Whole(value)]
            keeporiginal = True
        words, word = self._words, self._word
        pos = None  # the position of the last kept word: stop words do not take positions
        for i, match in enumerate(matches):
            raw = match.group()
            text, stemmed = words.get(raw) or word(raw)
            if stemmed is None:
                if removestops:
                    continue
                t.text, t.stopped = text, True
                if positions:
                    t.pos = start_pos + i
            else:
                t.text, t.stopped = (text if no_morph else stemmed), False
                if positions:
                    pos = start_pos + i if pos is None else pos + 1
                    t.pos = pos
            t.boost = 1.0
            if keeporiginal:
                t.original = raw
            if chars:
                t.startchar, t.endchar = start_char + match.start(), start_char + match.end()
            yield t


class _Whole:
    """A whole value posing as the one regex match of an untokenized value."""

    def __init__(self, value: str) -> None:
        self.value = value

    def group(self) -> str:
        return self.value

    def start(self) -> int:
        return 0

    def end(self) -> int:
        return len(self.value)


class NewsText(TEXT):
    """A TEXT field whose postings come from `NewsAnalyzer.positions` in one pass.

    Whoosh's TEXT makes a Token per word and builds the postings from them in Python
    (`Positions.word_values`); this builds the same (word, frequency, weight, positions) tuples
    straight from the regex matches. Any other use (other analysers, keyword arguments, lists)
    goes through TEXT unchanged. `tests/test_analysis.py` checks the output is identical.
    """

    def index(self, value, **kwargs):
        analyzer = self.analyzer
        if (kwargs or not isinstance(value, str) or type(analyzer) is not NewsAnalyzer
                or type(self.format) is not Positions):
            yield from super().index(value, **kwargs)
            return
        boost, dumps = self.format.field_boost, pickle.dumps
        for word, poslist in analyzer.positions(value).items():
            n = len(poslist)
            # Positions.encode: the count, then the pickled gaps between positions.
            yield (word.encode("utf-8"), n, n * boost,
                   pack_uint(n) + dumps([b - a for a, b in zip([0] + poslist, poslist)], 2))
