"""Words in context (issue 22): what the three views of a result set share.

A researcher reading a result set wants every place its words are used (keyword in context,
search/kwic.py), the words used around them (collocations, search/collocations.py) and who
appears with whom (entity co-occurrence, search/cooccurrence.py). All three are backend-neutral:
the result set is read through the engine, page by page (`matching_hits`: no snippets, no
facets), the whole articles in batches (`SearchBackend.articles`), as search/topwords.py and
search/export.py do, so they answer the same on Whoosh and OpenSearch.

Matching the query's words as the index matches them. An article is indexed in its own language
(search.analysis.rules(article.language): "und" and none are English), so a query word is
looked for in each article's text analysed the same way: words by `search.analysis.words` (CJK
runs cut into pairs), lower-cased, the language's stop words dropped, stemmed by its Snowball
stemmer, accents folded (English folds before the stop check and stemming, as the index does). "plans" then finds "planned" in an English article, "Haus" finds
"Häusern" in a German one, and "東京都" (two pairs) finds the pairs side by side. A phrase is a
run of such words, stop words skipped as the index skips them ("Bank of England"); a prefix
(`oil*`) matches words that start with it; field-restricted words (`title:oil`) match in that
field only; excluded words (`-oil`) are never shown. The folding is Unicode's (marks of Latin,
Greek and Cyrillic letters dropped, ß as ss...): the index's own folding differs on a few
letters, so an article can rarely match without a line (it says how many articles had none).

Bounded memory: at most `articles` matching articles are read (`DEFAULT_ARTICLES`, at most
`MAX_ARTICLES`), in the search's order, `BATCH` at a time; each answer says how many were read
of how many match.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, compress

from index.article import TEXT_FIELDS
from search import querylang as ql
from search.analysis import CJK, DEFAULT_LANGUAGE, LanguageRules, analysis_language, rules, words
from search.export import every_article
from search.parameters import whole_number
from search.request import MAX_PAGE_SIZE, SearchRequest
from search.results import ArticleRecord, Hit

DEFAULT_ARTICLES = 1_000   # matching articles read by default (bench/context.py: p95 on Reuters)
MAX_ARTICLES = 10_000      # the most one answer reads (an export's cap, search.export.EXPORT_LIMIT)
BATCH = MAX_PAGE_SIZE      # ids per search page and articles per `articles` call
CACHE_WORDS = 200_000      # surface forms remembered per language; emptied when full

# Letters that Unicode decomposition does not fold but a reader (and the index) treats as plain.
_SPECIAL = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
                          "ı": "i", "ŀ": "l"})
_LOCAL = threading.local()


def fold(word: str) -> str:
    """A lower-cased word with the accents of Latin, Greek and Cyrillic letters folded ("Zürich"
    -> "zurich", "straße" -> "strasse"); other scripts' marks are part of their letters (Hindi's
    vowel signs, Arabic's) and stay."""
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word.translate(_SPECIAL))
    out: list[str] = []
    for ch in decomposed:
        if unicodedata.combining(ch) and out and out[-1] < "\u0530":
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def _stemmer(name: str) -> Callable[[str], str]:
    """The Snowball stemmer `name` (PyStemmer's, as both backends stem), one object per thread
    (PyStemmer's objects are not thread-safe)."""
    import Stemmer  # type: ignore[import-not-found]

    def stem(word: str) -> str:
        stemmers = _LOCAL.__dict__.setdefault("stemmers", {})
        stemmer = stemmers.get(name)
        if stemmer is None:
            stemmer = stemmers[name] = Stemmer.Stemmer(name)
        return stemmer.stemWord(word)
    return stem


class Analysis:
    """One language's words as the index keeps them: `key(surface)` is the indexed form ("" for
    a word the index drops: a stop word or one too short). Cached per surface form."""

    def __init__(self, language: LanguageRules) -> None:
        self.rules = language
        self.code = language.code
        self._stem = _stemmer(language.snowball) if language.snowball else None
        self._keys: dict[str, str] = {}
        self._lock = threading.Lock()

    def key(self, surface: str) -> str:
        found = self._keys.get(surface)
        if found is not None:
            return found
        lower = surface.lower()
        if self.code == DEFAULT_LANGUAGE:  # English folds first, as every index before languages did
            lower = fold(lower)
        if len(lower) < self.rules.min_word or lower in self.rules.stop_words:
            key = ""
        else:
            key = fold(self._stem(lower) if self._stem else lower)
        with self._lock:
            if len(self._keys) >= CACHE_WORDS:
                self._keys.clear()
            self._keys[surface] = key
        return key

    def keys_of(self, surfaces: list[str]) -> list[str]:
        """Each surface form's key, in one pass of dictionary lookups (words seen before cost no
        Python call: the articles of a result set share most of their words)."""
        keys = list(map(self._keys.get, surfaces))
        if None in keys:
            key = self.key
            return [k if k is not None else key(s) for k, s in zip(keys, surfaces)]
        return keys  # type: ignore[return-value]  # no None left


@lru_cache(maxsize=None)
def analysis(language: str | None) -> Analysis:
    """The analysis of an article's language (English for none and "und")."""
    return Analysis(rules(analysis_language(language)))


# ---- the query's words -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    """One thing the query looks for: a run of indexed words (`keys`), or a `prefix`; in
    `fields` (title, body) only. `text` is how the query wrote it."""
    text: str
    fields: tuple[str, ...]
    keys: tuple[str, ...] = ()
    prefix: str = ""


def query_texts(tree: ql.Node) -> list[tuple[str, tuple[str, ...], bool]]:
    """The query's words, phrases and prefixes that an article is found by (not excluded ones),
    as (text, fields, is_prefix), without repeats."""
    out: dict[tuple[str, tuple[str, ...], bool], None] = {}
    for leaf in ql.text_terms(tree):
        fields = (leaf.field,) if leaf.field else TEXT_FIELDS
        if isinstance(leaf, ql.Phrase):
            out[(" ".join(leaf.words), fields, False)] = None
        elif isinstance(leaf, ql.Prefix):
            out[(leaf.text, fields, True)] = None
        else:
            out[(leaf.text, fields, False)] = None
    return list(out)


def terms_in(language: Analysis, texts: list[tuple[str, tuple[str, ...], bool]]) -> list[Term]:
    """The query's terms analysed in one language; a word the language drops (a stop word)
    looks for nothing, as in the index."""
    terms: list[Term] = []
    for text, fields, is_prefix in texts:
        if is_prefix:
            prefix = fold(text.rstrip("*").lower())
            if prefix:
                terms.append(Term(text + "*", fields, prefix=prefix))
            continue
        keys = tuple(k for surface, _, _ in words(text) if (k := language.key(surface)))
        if keys:
            terms.append(Term(text, fields, keys=keys))
    return terms


class Spans:
    """Word i's (start, end) in its text, from the cumulative lengths of the text's pieces
    (separator, word, separator, word, ..., separator): no object per word until asked."""

    __slots__ = ("_ends",)

    def __init__(self, pieces: list[str]) -> None:
        self._ends = list(accumulate(map(len, pieces)))

    def __getitem__(self, i: int) -> tuple[int, int]:
        return self._ends[2 * i], self._ends[2 * i + 1]

    def __len__(self) -> int:
        return len(self._ends) // 2


class Segment:
    """One field's text of one article, as words: their surface forms (`surfaces`), indexed
    forms (`keys`, "" for a word the index drops) and character spans (`spans[i]`)."""

    __slots__ = ("field", "text", "surfaces", "keys", "spans")

    def __init__(self, field: str, text: str, surfaces: list[str], keys: list[str],
                 spans: Spans | list[tuple[int, int]]) -> None:
        self.field, self.text, self.surfaces, self.keys, self.spans = field, text, surfaces, keys, spans


# The shared word rule (search.analysis.WORD) on text without combining marks, asterisks or CJK
# characters: the same words, several times faster (WORD's character class with every mark is
# read range by range, and its optional dot backtracks); `segment` checks which one a text needs.
# Split with the word as a group: separators and words alternate, all made in C.
_PLAIN_SPLIT = re.compile(r"(\w+(?:\.\w+)*)")


def _plain(text: str) -> bool:
    """Whether `_PLAIN_SPLIT` finds a text's words exactly as search.analysis.words does."""
    if text.isascii():
        return "*" not in text
    chars = set(text)
    return "*" not in chars and not CJK.search(text) and \
        not any(unicodedata.category(ch)[0] == "M" for ch in chars if not ch.isascii())


def segment(language: Analysis, field: str, text: str) -> Segment:
    if _plain(text):
        pieces = _PLAIN_SPLIT.split(text)
        surfaces = pieces[1::2]
        return Segment(field, text, surfaces, language.keys_of(surfaces), Spans(pieces))
    tokens = list(words(text))
    surfaces = [t[0] for t in tokens]
    return Segment(field, text, surfaces, language.keys_of(surfaces), [(t[1], t[2]) for t in tokens])


@dataclass(frozen=True)
class Occurrence:
    """Where a term was found: words `first`..`last` (inclusive) of a segment."""
    term: Term
    first: int
    last: int


def occurrences(seg: Segment, terms: list[Term]) -> Iterator[Occurrence]:
    """Every place a term occurs in the segment, in text order; at one place, the longest term.
    Runs of words skip the words the index drops (stop words), as its positions do."""
    mine = [t for t in terms if seg.field in t.fields]
    if not mine:
        return
    by_first: dict[str, list[Term]] = {}
    for term in mine:
        if term.keys:
            by_first.setdefault(term.keys[0], []).append(term)
    prefixes = [t for t in mine if t.prefix]
    keys = seg.keys
    starts = set(compress(range(len(keys)), map(by_first.__contains__, keys))) if by_first else set()
    if prefixes:
        surfaces = seg.surfaces
        hits = {s for s in set(surfaces) if any(fold(s.lower()).startswith(t.prefix) for t in prefixes)}
        hits |= {s for s, k in zip(surfaces, keys) if k and any(k.startswith(t.prefix) for t in prefixes)}
        starts |= {i for i, s in enumerate(surfaces) if s in hits}
    for i in sorted(starts):
        best: Occurrence | None = None
        for term in by_first.get(keys[i], ()):
            last = _run_end(keys, i, term.keys)
            if last is not None and (best is None or last > best.last):
                best = Occurrence(term, i, last)
        if best is None:
            surface = fold(seg.surfaces[i].lower())
            for term in prefixes:
                if surface.startswith(term.prefix) or keys[i].startswith(term.prefix):
                    best = Occurrence(term, i, i)
                    break
        if best is not None:
            yield best


def _run_end(keys: list[str], start: int, wanted: tuple[str, ...]) -> int | None:
    """The last word of `wanted` run from word `start` (dropped words skipped), or None."""
    at = start
    for key in wanted[1:]:
        at += 1
        while at < len(keys) and not keys[at]:
            at += 1
        if at >= len(keys) or keys[at] != key:
            return None
    return at


# ---- reading the result set ---------------------------------------------------------------------------

def check_articles(value: object, name: str = "articles") -> int:
    """How many matching articles to read: 1 to MAX_ARTICLES."""
    return whole_number(value, name, high=MAX_ARTICLES)


def matching_hits(engine, request: SearchRequest, limit: int) -> Iterator[tuple[list[Hit], int]]:
    """The first `limit` matching hits in the search's order (one per article, stories not
    collapsed), as (a page of hits, total matches), page by page; ids and entities only."""
    reach = engine.backend.capabilities.max_results
    limit = limit if reach is None else min(limit, reach)
    read, page = 0, 1
    while read < limit:
        size = min(BATCH, limit - read) if page == 1 else BATCH
        results = engine.run(every_article(request, page=page, page_size=size, snippets=False, facets=False))
        hits = results.hits[: limit - read]
        if hits:
            yield hits, results.total
        read += len(hits)
        if not hits or page * size >= results.total:
            return
        page += 1


def matching_articles(engine, request: SearchRequest, limit: int) -> Iterator[tuple[list[ArticleRecord], int]]:
    """The first `limit` matching articles, whole, in the search's order, a batch at a time (the
    bodies of one batch are held at once, never the whole set)."""
    for hits, total in matching_hits(engine, request, limit):
        yield engine.articles([h.id for h in hits]), total


def generation(engine) -> object | None:
    """The backend's token for what its searches see now (None: no caching), as top words use."""
    backend = getattr(engine, "backend", engine)
    token = getattr(backend, "generation", None)
    return token() if callable(token) else None


def read_notice(read: int, total: int) -> str | None:
    """What an answer says when it read fewer articles than match."""
    if read >= total:
        return None
    return (f"Read the first {read:,} of {total:,} matching articles (in the search's order); narrow the search "
            f"with words, filters or dates, or ask for more articles, to see the rest.")


__all__ = ["fold", "Analysis", "analysis", "Term", "query_texts", "terms_in", "Spans", "Segment", "segment", "Occurrence",
           "occurrences", "check_articles", "matching_hits", "matching_articles", "generation", "read_notice",
           "DEFAULT_ARTICLES", "MAX_ARTICLES", "BATCH"]
