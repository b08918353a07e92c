"""Top words of a result set: the words most over-represented in the matching articles against
the whole index, by Dunning's log-likelihood (G²).

Frequent words ("said", "year") are frequent everywhere; what characterises a set of articles
is a word far more common in it than in the archive. Log-likelihood is the usual test for that
in corpus linguistics (Dunning 1993; Rayson & Garside 2000): unlike a plain ratio it does not
crown a word seen twice, and unlike chi-squared it holds for rare words.

Backend-neutral, in three steps:
1. the foreground is the `SAMPLE` best-ranked matching articles (Media Cloud also samples): their
   titles and bodies, read in one batch (`SearchBackend.articles`);
2. their words (stop words, numbers and the query's own words excluded) in at least
   `MIN_SAMPLE_DOCS` of them are the candidates;
3. the backend gives each candidate's indexed form (the stem: "plans", "planned" -> one term)
   and its document frequency in the whole index (`SearchBackend.document_frequencies`); the
   sample's document counts are taken per term as well, and G² compares them.

Each article's words are read in its own language (issue 21; `Article.language`, English for
"und" as the index reads it, search.analysis.analysis_language): the sample is split by
language, and each part is compared with the index's articles of that language (their count:
a search for `language:<code>`, kept per index generation), its words checked against that
language's stop words (search.analysis.rules; English adds `STOP_WORDS`, newswire boilerplate)
and looked up in that language (`document_frequencies(words, language=code)`). So a German
set's top words hold no German stop words, and a German word stands out against German
articles, not against an archive of mostly English ones. Words are the shared word rule's
(search.analysis.words): runs of letters with their combining marks, at least 3 of them
(`MIN_LETTERS`; no digits: "abc123" gives "abc"), and Chinese, Japanese and Korean runs cut into
the overlapping pairs the index holds (a lone character says too little). The parts' words are
ranked together, by score; each says its language. An index of English articles gives exactly
the words it gave before languages.
"""
from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import Counter, OrderedDict
from dataclasses import asdict, dataclass
from functools import lru_cache
from weakref import WeakKeyDictionary

from search import querylang as ql
from search.analysis import CJK, DEFAULT_LANGUAGE, UNDETERMINED, analysis_language, cjk_bigrams, rules
from search.export import every_article
from search.request import SearchRequest

SAMPLE = 100            # best-ranked matching articles read: 200 cost p95 132 ms on Reuters (bench/load.py)
MIN_SAMPLE_DOCS = 2     # a word in one article says nothing about the set
MAX_CANDIDATES = 250    # most frequent sample words looked up: 400 kept 1 more of 96 top-12 words on 8
#                        Reuters queries, and cost ~35 ms a request in OpenSearch (a filter per word)
TOP = 20
CACHED_ANSWERS = 256   # answers kept per process (small dicts), the least recently used dropped first
MIN_LETTERS = 3        # shorter words ("U.S", "km", "de") rarely characterise a set
# Runs of letters with their combining marks: the letters of one of search.analysis.words'
# words (which never spans anything else), without its digits, dots and underscores.
# (`_letter_runs` adds the marks a text has; without any, these.)
_ANY_LETTERS = re.compile(r"[^\W\d_]+")
_PLAIN_LETTERS = re.compile(rf"[^\W\d_]{{{MIN_LETTERS},}}")
_LATIN = re.compile("[a-zß\u00e0-\u024f\u0300-\u036f]+")  # lower-case Latin letters and their accents
# English function words and newswire boilerplate, beyond the index's own stop list: they are
# never what characterises a set of articles, but slight differences in their rate can be
# "significant" in a big sample.
STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers herself him himself his how i if in into is it its itself just
me more most my myself no nor not now of off on once only or other our ours ourselves out over
own same she should so some such than that the their theirs them themselves then there these
they this those through to too under until up very was we were what when where which while who
whom why will with would you your yours yourself yourselves said says say told year years new
one two three four five six seven eight nine ten mln billion pct reuter reuters inc corp ltd
co january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec
monday tuesday wednesday thursday friday saturday sunday last first next week month day today
yesterday may might must shall via per cts dlrs vs yet tbd us
""".split())
# Per backend (an index): (generation, request, top, sample) -> answer, least recently used first.
_ANSWERS: WeakKeyDictionary[object, OrderedDict[tuple, dict]] = WeakKeyDictionary()
_ANSWERS_LOCK = threading.Lock()
# Per backend: (generation, {analysis language: its articles in the index}).
_LANGUAGE_SIZES: WeakKeyDictionary[object, tuple[object, dict[str, int]]] = WeakKeyDictionary()


@dataclass
class TopWord:
    word: str          # the sample's most frequent spelling of the term
    term: str          # the indexed form (stem)
    score: float       # G², over-representation only
    sample_docs: int   # sample articles with the term
    index_docs: int    # articles in the whole index with it
    language: str = DEFAULT_LANGUAGE  # the analysis language of the articles it was counted in

    def to_dict(self) -> dict:
        data = asdict(self)
        data["score"] = round(self.score, 2)
        return data


def log_likelihood(a: int, c: int, b: int, d: int) -> float:
    """Dunning's G² for a word in `a` of `c` sample articles and `b` of `d` other articles;
    positive only when the sample's rate is the higher one."""
    if c <= 0 or d <= 0 or a * d <= b * c:
        return 0.0
    e1 = c * (a + b) / (c + d)
    e2 = d * (a + b) / (c + d)
    g2 = a * math.log(a / e1) if a else 0.0
    g2 += b * math.log(b / e2) if b else 0.0
    return 2.0 * g2


def words_of(text: str) -> set[str]:
    """The distinct candidate words of a text, lower-cased: the shared word rule's words
    (search.analysis.words) as runs of letters and marks of at least MIN_LETTERS, and the
    pairs of Chinese, Japanese and Korean runs."""
    lower = text.lower()
    if lower.isascii():
        return set(_PLAIN_LETTERS.findall(lower))
    rare = {c for c in set(lower) if not c.isascii()}  # (a regex of every mark is slow: only these)
    marks = frozenset(c for c in rare if unicodedata.category(c)[0] == "M")
    letters, long_letters = _letter_runs(marks) if marks else (_ANY_LETTERS, _PLAIN_LETTERS)
    if not any(CJK.match(c) for c in rare):
        return set(long_letters.findall(lower))
    out: set[str] = set()
    for run in letters.findall(lower):
        if len(run) < MIN_LETTERS and len(run) != 2:
            continue
        if CJK.search(run):
            out.update(part for part, _, _ in cjk_bigrams(run)
                       if len(part) >= MIN_LETTERS or len(part) == 2 and CJK.fullmatch(part))
        elif len(run) >= MIN_LETTERS:
            out.add(run)
    return out


@lru_cache(maxsize=256)
def _letter_runs(marks: frozenset[str]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Runs of letters with these combining marks: any, and MIN_LETTERS long or more."""
    joined = re.escape("".join(sorted(marks)))
    return (re.compile(rf"[^\W\d_](?:[^\W\d_]|[{joined}])*"),
            re.compile(rf"[^\W\d_](?:[^\W\d_]|[{joined}]){{{MIN_LETTERS - 1},}}"))


def own_words(tree: ql.Node) -> list[str]:
    """Every word the (parsed) query searches for (words, phrase words, prefixes), lower-cased,
    by `words_of`'s rule: they characterise the result set by definition, so they are left out."""
    out: dict[str, None] = {}
    for leaf in ql.text_terms(tree):
        text = getattr(leaf, "text", "")  # (a Phrase has none: its words stay candidates, as ever)
        out.update(dict.fromkeys(sorted(words_of(text), key=text.lower().find)))
    return list(out)


def _generation(backend) -> object | None:
    """The backend's token for what its searches see now (`generation()`; the Whoosh backend's
    index commit), or None when it has none: then nothing is cached."""
    generation = getattr(backend, "generation", None)
    return generation() if callable(generation) else None


def top_words(engine, request: SearchRequest, top: int = TOP, sample: int = SAMPLE) -> dict:
    """{"words": [TopWord...], "sample": articles read, "total": matching articles}.

    Answers are kept per index generation (CACHED_ANSWERS per index, least recently used out):
    the same top words are asked for again and again (each result page's link, a reader going
    back), and one costs a 100-article search, reading those articles and 250 document
    frequencies, ~40 ms of CPU on Reuters; under 16 clients they were the slowest requests
    (p95 686 ms).
    """
    backend = getattr(engine, "backend", engine)
    generation = _generation(backend)
    key = (generation, request.with_changes(page=1, page_size=1, sort="relevance", snippets=False, facets=False,
                                            interval=None, collapse=False), top, sample)
    if generation is not None:
        with _ANSWERS_LOCK:
            answers = _ANSWERS.setdefault(backend, OrderedDict())
            answer = answers.get(key)
            if answer is not None:
                answers.move_to_end(key)
                return dict(answer, words=list(answer["words"]))
    answer = _top_words(engine, request, top, sample)
    if generation is not None:
        with _ANSWERS_LOCK:
            answers[key] = answer
            while len(answers) > CACHED_ANSWERS:
                answers.popitem(last=False)
    return dict(answer, words=list(answer["words"]))


def _top_words(engine, request: SearchRequest, top: int, sample: int) -> dict:
    ids: list[str] = []
    total, page = 0, 1
    while len(ids) < sample:
        size = min(100, sample - len(ids))
        # Only the ids: snippets off (and with them did-you-mean), facets off.
        results = engine.run(every_article(request, page=page, page_size=size, sort="relevance", snippets=False,
                                           facets=False))
        total = results.total
        ids.extend(h.id for h in results.hits)
        if len(results.hits) < size:
            break
        page += 1
    records = engine.articles(ids) if ids else []
    own = own_words(request.tree)
    left_out = set(own)
    # Each article's distinct words (set operations, not a loop per word), by its language.
    parts: dict[str, list[set[str]]] = {}
    for record in records:
        language = analysis_language(getattr(record, "language", None))
        parts.setdefault(language, []).append(
            _without_stop_words(words_of(f"{record.title}\n{record.body}"), language) - left_out)
    seen = {language: _seen(doc_words) for language, doc_words in parts.items()}
    # The MAX_CANDIDATES words in most sample articles, whatever their language (equal counts:
    # each language's own order, languages in the order the sample met them).
    ranked = sorted(((n, language, w) for language in parts for w, n in seen[language].most_common()),
                    key=lambda item: -item[0])
    candidates: dict[str, list[str]] = {}
    for n, language, w in ranked[:MAX_CANDIDATES]:
        if n >= MIN_SAMPLE_DOCS:
            candidates.setdefault(language, []).append(w)
    if not candidates:
        return {"words": [], "sample": len(records), "total": total}
    scored: list[TopWord] = []
    sizes = _language_sizes(engine, list(candidates))
    for language, words in candidates.items():
        known, index_size = _frequencies(engine, words + sorted(own), language)
        index_size = sizes.get(language) or index_size
        scored += _scored(language, parts[language], seen[language], words, own, known, index_size)
    scored.sort(key=lambda w: (-w.score, w.word, w.language))
    return {"words": scored[:top], "sample": len(records), "total": total}


def _without_stop_words(words: set[str], language: str) -> set[str]:
    """An article's words less the words never counted in its language: the analysis's stop
    words, for English also the newswire list (`STOP_WORDS`, which holds English's index stop
    words); in other languages also a Latin-script word that is a stop word but for its accents
    (German "dass" is the list's "daß", Spanish "esta" its "está")."""
    if language == DEFAULT_LANGUAGE:
        return words - STOP_WORDS
    stop, folded_stop = _stop_lists(language)
    return {w for w in words - stop if not (folded_stop and _LATIN.fullmatch(w) and _fold(w) in folded_stop)}


@lru_cache(maxsize=None)
def _stop_lists(language: str) -> tuple[frozenset[str], frozenset[str]]:
    """A language's stop words, and their Latin-script ones with accents folded."""
    stop = rules(language).stop_words
    return stop, frozenset(_fold(w) for w in stop if _LATIN.fullmatch(w))


def _fold(word: str) -> str:
    """A Latin-script word without its accents ("daß" -> "dass", "está" -> "esta")."""
    decomposed = unicodedata.normalize("NFKD", word.replace("ß", "ss"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _seen(doc_words: list[set[str]]) -> Counter[str]:
    """In how many of the articles each word is."""
    seen: Counter[str] = Counter()
    for words in doc_words:
        seen.update(words)
    return seen


def _frequencies(engine, words: list[str], language: str) -> tuple[dict[str, tuple[str, int]], int]:
    """`document_frequencies` of the words in `language`: English's asked as before languages."""
    if language == DEFAULT_LANGUAGE:
        return engine.document_frequencies(words)
    backend = getattr(engine, "backend", engine)
    known, size = backend.document_frequencies(words, language=language)
    prefix = language + "\x1f"  # a term's language mark in an index that keeps one (not a word's part)
    return {w: (term[len(prefix):] if term.startswith(prefix) else term, df) for w, (term, df) in known.items()}, size


def _language_sizes(engine, languages: list[str]) -> dict[str, int]:
    """How many of the index's articles each analysis language has ("und" counts as English),
    by a count search per language, kept per index generation; 0 where the index says none
    (one that does not record languages: the caller takes the whole index)."""
    backend = getattr(engine, "backend", engine)
    generation = _generation(backend)
    with _ANSWERS_LOCK:
        kept = _LANGUAGE_SIZES.get(backend)
        sizes = dict(kept[1]) if kept is not None and kept[0] == generation and generation is not None else {}
    missing = [language for language in languages if language not in sizes]
    for language in missing:
        codes = [language, UNDETERMINED] if language == DEFAULT_LANGUAGE else [language]
        query = " OR ".join(f"language:{code}" for code in codes)
        sizes[language] = engine.run(SearchRequest.build(query, page_size=1, sort="newest", snippets=False,
                                                         facets=False)).total
    if missing and generation is not None:
        with _ANSWERS_LOCK:
            _LANGUAGE_SIZES[backend] = (generation, sizes)
    return sizes


def _scored(language: str, doc_words: list[set[str]], seen: Counter[str], candidates: list[str], own: list[str],
            known: dict[str, tuple[str, int]], index_size: int) -> list[TopWord]:
    """G² of each term of one language's part of the sample (`doc_words`, each article's words)
    against that language's `index_size` articles."""
    own_terms = {known[w][0] for w in own if w in known}
    # The term of every sample word in at least MIN_SAMPLE_DOCS articles that the index knows;
    # a term's spellings are counted in articles, as `seen` counts them.
    term_of = {w: known[w][0] for w in seen if seen[w] >= MIN_SAMPLE_DOCS and w in known}
    by_term: dict[str, Counter[str]] = {}
    for w, term in term_of.items():
        by_term.setdefault(term, Counter())[w] = seen[w]
    sample_docs: Counter[str] = Counter()
    for words in doc_words:
        sample_docs.update({term_of[w] for w in words & term_of.keys()})
    index_docs = {known[w][0]: known[w][1] for w in candidates if w in known}
    n = len(doc_words)
    scored = []
    for term, a in sample_docs.items():
        if term in own_terms:
            continue
        df = max(index_docs.get(term, 0), a)
        score = log_likelihood(a, n, df - a, max(index_size - n, 1))
        if score > 0:
            scored.append(TopWord(_spelling(by_term[term]), term, score, a, df, language))
    return scored


def _spelling(counts: Counter[str]) -> str:
    """A term's most frequent spelling in the sample; equal counts: the alphabetically first."""
    return min(counts, key=lambda w: (-counts[w], w))


__all__ = ["top_words", "TopWord", "log_likelihood", "words_of", "own_words", "SAMPLE", "TOP", "MIN_LETTERS"]
