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
"""
from __future__ import annotations

import math
import re
import threading
from collections import Counter, OrderedDict
from dataclasses import asdict, dataclass
from weakref import WeakKeyDictionary

from search import querylang as ql
from search.export import every_article
from search.request import SearchRequest

SAMPLE = 100            # best-ranked matching articles read: 200 cost p95 132 ms on Reuters (bench/load.py)
MIN_SAMPLE_DOCS = 2     # a word in one article says nothing about the set
MAX_CANDIDATES = 250    # most frequent sample words looked up: 400 kept 1 more of 96 top-12 words on 8
#                        Reuters queries, and cost ~35 ms a request in OpenSearch (a filter per word)
TOP = 20
CACHED_ANSWERS = 256   # answers kept per process (small dicts), the least recently used dropped first
_WORD = re.compile(r"[^\W\d_]{3,}")
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


@dataclass
class TopWord:
    word: str          # the sample's most frequent spelling of the term
    term: str          # the indexed form (stem)
    score: float       # G², over-representation only
    sample_docs: int   # sample articles with the term
    index_docs: int    # articles in the whole index with it

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


def own_words(tree: ql.Node) -> list[str]:
    """Every word the (parsed) query searches for (words, phrase words, prefixes), lower-cased:
    they characterise the result set by definition, so they are left out."""
    out: list[str] = []
    for leaf in ql.text_terms(tree):
        out.extend(w.lower() for w in _WORD.findall(getattr(leaf, "text", "")))
    return out


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
    own = set(own_words(request.tree))
    # Each article's distinct words (set operations, not a loop per word).
    doc_words = [set(_WORD.findall(f"{record.title}\n{record.body}".lower())) - STOP_WORDS - own
                 for record in records]
    seen: Counter[str] = Counter()
    for words in doc_words:
        seen.update(words)
    candidates = [w for w, n in seen.most_common(MAX_CANDIDATES) if n >= MIN_SAMPLE_DOCS]
    if not candidates:
        return {"words": [], "sample": len(records), "total": total}
    known, index_size = engine.document_frequencies(candidates + sorted(own))
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
    n = len(records)
    scored = []
    for term, a in sample_docs.items():
        if term in own_terms:
            continue
        df = max(index_docs.get(term, 0), a)
        score = log_likelihood(a, n, df - a, max(index_size - n, 1))
        if score > 0:
            scored.append(TopWord(_spelling(by_term[term]), term, score, a, df))
    scored.sort(key=lambda w: (-w.score, w.word))
    return {"words": scored[:top], "sample": n, "total": total}


def _spelling(counts: Counter[str]) -> str:
    """A term's most frequent spelling in the sample; equal counts: the alphabetically first."""
    return min(counts, key=lambda w: (-counts[w], w))


__all__ = ["top_words", "TopWord", "log_likelihood", "SAMPLE", "TOP"]
