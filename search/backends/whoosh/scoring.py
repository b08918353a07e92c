"""Matching and BM25F scoring of a Whoosh query tree with numpy, over cached postings.

Why not `searcher.search()`: Whoosh walks compound matchers one document at a time in Python;
on Reuters a three-word query spent ~30 ms there plus ~20 ms more to list all matching documents
for the facets. Here each term's postings (doc numbers and weights) are read once per index
generation and kept in an LRU cache; a query is then a few vectorised set operations, and the
same pass yields the full match set (for facets) and the scores (for ranking).

The scores are BM25F with `search.ranking`'s BM25_K1 and BM25_B (read at each search), in the
form IDF and FIELDS name (shipped: Lucene's idf, title and body as one combined field, the
method `search.ranking` describes). With IDF "whoosh" and FIELDS "sum" they are Whoosh's own
BM25F, term for term (same idf, same average and per-document field lengths), and
`tests/test_scoring.py` checks that against `searcher.search()`; it checks the shipped form
against the formula by hand. Exact phrases are matched by position arithmetic
over cached positions; query types without a vectorised form (sloppy phrases, unusual ones) are
matched by Whoosh. Phrases are scored by the sum of their words' scores.
"""
from __future__ import annotations

import threading
from typing import Any, cast
from collections import OrderedDict
from copy import copy
from itertools import islice
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from whoosh import query as wq  # type: ignore[import-untyped]
from whoosh.util.times import datetime_to_long  # type: ignore[import-untyped]

from search import ranking
from index.article import TEXT_FIELDS
from search.backends.whoosh import positions
from search.backends.whoosh.internals import POSITION_BITS, expand_terms, field_lengths, read_postings
from search.backends.whoosh.query import MAX_WILDCARD_TERMS
from search.results import QuerySyntaxError

# The idf form (BM25's k1 and b are search.ranking's): "whoosh" is Whoosh's `log(N / (df + 1)) + 1`, "lucene" is Lucene's (OpenSearch's,
# tantivy's, bm25s') `log(1 + (N - df + 0.5) / (df + 0.5))`. Whoosh's never falls below 1, so
# a word in most articles ("what", "results") still weighs as much as a rare one's 1 + log;
# long natural-language queries suffer most. Chosen by leave-one-collection-out
# (bench/relevance.py); tests/test_scoring.py proves the "whoosh" form equals Whoosh's scores.
IDF = "lucene"
# How a word's title and body matches combine. "sum": a BM25 score per field, added (what Whoosh's
# BM25F scorer does: a word in the title and the body gets two saturations and twice its idf).
# "bm25f": the fields' length-normalised, boosted frequencies are added first and saturated
# once, with one idf over the article (Robertson, Zaragoza & Taylor 2004, "Simple BM25 extension
# to multiple weighted fields"; Lucene's `combined_fields` query). Chosen by
# leave-one-collection-out; "sum" with IDF "whoosh" is Whoosh's score exactly (tests/test_scoring.py).
FIELDS = "combined"
_EPOCH_LONG = datetime_to_long(datetime(1970, 1, 1))
# Cached postings entries (a doc number and a weight each, 16 bytes; a decoded position 8 bytes),
# reached only by big indexes. The budget must hold a working set: below it the LRU evicts every
# entry before its reuse and repeated queries run as cold as the first time. At 1M articles the
# 200 scale-benchmark queries touched 33.7M entries before positions were cached too; with 64M
# (2026-12-05, positions cached) warm p50/p95 were 156/995 ms, with 160M 14/43 ms for +230 MB
# of search RSS (3.08 GB in all; bench/RESULTS.md, "Scale").
CACHE_POSTINGS = 160_000_000


@dataclass
class Matches:
    """Sorted unique doc numbers and their scores (aligned)."""

    docs: np.ndarray
    scores: np.ndarray

    @staticmethod
    def empty() -> "Matches":
        return Matches(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


def union(parts: list[Matches], combine: str = "sum") -> Matches:
    parts = [p for p in parts if len(p.docs)]
    if not parts:
        return Matches.empty()
    if len(parts) == 1:
        return parts[0]
    docs = np.concatenate([p.docs for p in parts])
    scores = np.concatenate([p.scores for p in parts])
    unique, inverse = np.unique(docs, return_inverse=True)
    if combine == "max":
        out = np.zeros(len(unique))
        np.maximum.at(out, inverse, scores)
        return Matches(unique, out)
    return Matches(unique, np.bincount(inverse, weights=scores, minlength=len(unique)))


def sorted_common(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Common values of two sorted unique arrays, and their indices in each (like
    `np.intersect1d(..., return_indices=True)`, which sorts the concatenation: on a million
    articles a phrase of common words spent 130 of 190 ms in that sort). Binary search of the
    shorter array in the longer: no sort, O(short x log long)."""
    swap = len(a) > len(b)
    short, long_ = (b, a) if swap else (a, b)
    if not len(short) or not len(long_):
        empty = np.zeros(0, dtype=np.int64)
        return short[:0], empty, empty
    at = np.searchsorted(long_, short)
    at[at == len(long_)] = 0
    hit = long_[at] == short
    i_short, i_long = np.flatnonzero(hit), at[hit]
    return short[hit], (i_long if swap else i_short), (i_short if swap else i_long)


def sorted_member(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mask over sorted `a`: which values are in sorted `b` (np.isin without its sort)."""
    if not len(a) or not len(b):
        return np.zeros(len(a), dtype=bool)
    at = np.searchsorted(b, a)
    at[at == len(b)] = 0
    return b[at] == a


def _intersect(a: Matches, b: Matches) -> Matches:
    common, ia, ib = sorted_common(a.docs, b.docs)
    return Matches(common, a.scores[ia] + b.scores[ib])


def _minus(a: Matches, b_docs: np.ndarray) -> Matches:
    keep = ~sorted_member(a.docs, b_docs)
    return Matches(a.docs[keep], a.scores[keep])


def leaves_of(reader) -> list[tuple[Any, int]]:
    """(segment reader, doc-number offset) pairs: postings are read segment by segment."""
    if hasattr(reader, "leaf_readers"):
        return list(reader.leaf_readers())
    return [(reader, 0)]


def read_term(leaves: list[tuple[Any, int]], fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(doc numbers, weights) of a term over all segments; deleted documents excluded."""
    id_parts, weight_parts = [], []
    for leaf, offset in leaves:
        if (fieldname, btext) in leaf:
            ids, weights = read_postings(leaf.postings(fieldname, btext))
            id_parts.append(ids + offset)
            weight_parts.append(weights)
    if not id_parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(id_parts), np.concatenate(weight_parts)


class _Entries:
    """The LRU of a cache's entries, shared by every view of it (`PostingsCache.reading`)."""

    def __init__(self) -> None:
        self.entries: OrderedDict[tuple, object] = OrderedDict()
        self.sizes: dict[tuple, int] = {}  # each entry's postings count, for the memory budget
        self.size = 0
        self.lock = threading.Lock()


class PostingsCache:
    """Per index generation: term postings as arrays, field lengths, and BM25 statistics.

    Shared by every thread; each reads through its own Whoosh reader (`reading`): a Whoosh
    reader's files are read by seek-then-read, so two threads reading through one reader can
    read each other's bytes ("Block tag error", truncated zlib streams, or wrong postings).
    """

    def __init__(self, searcher, tables=None) -> None:
        """`tables`: the generation's `facets.IndexTables`, whose live documents and field
        lengths (cached on disk per segment) are taken instead of read again from the index."""
        self.reader = searcher.reader()
        self.generation = self.reader.generation()
        self._thread = threading.get_ident()
        self.doc_count_all = self.reader.doc_count_all()
        self.leaves = leaves_of(self.reader)
        self.live = tables.live if tables is not None else np.fromiter(self.reader.all_doc_ids(), dtype=np.int64)
        self.avg_length = {f: searcher.avg_field_length(f) or 1 for f in TEXT_FIELDS}
        self.lengths = tables.lengths if tables is not None else {f: self._field_lengths(f) for f in TEXT_FIELDS}
        self.boosts = {f: float(getattr(searcher.schema[f].format, "field_boost", 1.0)) for f in TEXT_FIELDS}
        combined = cast(np.ndarray, sum(self.lengths[f] * self.boosts[f] for f in TEXT_FIELDS))
        live = combined[self.live] if len(self.live) else combined
        self._combined = (combined, float(live.mean()) if len(live) and live.mean() > 0 else 1.0)
        # Term entries (docs, weights, df), phrase and pair entries, postings block directories
        # and decoded blocks of positions (`search.backends.whoosh.positions`), LRU order.
        self._entries = _Entries()

    def reading(self, searcher) -> "PostingsCache":
        """This cache (the same entries) reading what it lacks through `searcher`'s reader, which
        must be of the same index generation and belong to the calling thread."""
        reader = searcher.reader()
        if reader is self.reader and threading.get_ident() == self._thread:
            return self
        if reader.generation() != self.generation:
            raise ValueError(f"a reader of generation {reader.generation()} cannot fill the cache of "
                             f"generation {self.generation}")
        view = copy(self)
        view.reader, view.leaves, view._thread = reader, leaves_of(reader), threading.get_ident()
        return view

    def _readable(self) -> list[tuple[Any, int]]:
        """The leaves to read through, refusing a reader that belongs to another thread."""
        if threading.get_ident() != self._thread:
            raise RuntimeError("a PostingsCache reads only through its own thread's reader: "
                               "use cache.reading(searcher) in each thread")
        return self.leaves

    def _field_lengths(self, fieldname: str) -> np.ndarray:
        """Each document's length in a field, as BM25 sees it (Whoosh stores it as one byte)."""
        lengths = np.ones(self.doc_count_all, dtype=np.float64)
        for leaf, offset in self.leaves:
            lengths[offset:offset + leaf.doc_count_all()] = field_lengths(leaf, fieldname)
        return lengths

    def phrase(self, fieldname: str, btexts: list[bytes]) -> np.ndarray:
        """Sorted doc numbers where the words occur one right after another; cached per phrase.

        Positions are decoded only in documents that contain every word (their doc lists are
        cached arrays), word by word, narrowing as it goes: a phrase of two words that are each
        in most of a million articles decoded 1.6M postings' positions (12 s) when every
        occurrence was read. Only the resulting doc list is cached, not the positions.
        """
        key = ("phrase", fieldname, tuple(btexts))
        hit = self._cached(key)
        if hit is not None:
            return hit
        candidates = self.term(fieldname, btexts[0])[0]
        for btext in btexts[1:]:
            candidates = sorted_common(candidates, self.term(fieldname, btext)[0])[0]
        keys = None
        for btext in btexts if len(btexts) > 1 else ():
            if not len(candidates):
                break
            found = self.positions_in(fieldname, btext, candidates)
            keys = found if keys is None else sorted_common(keys + 1, found)[0]
            candidates = np.unique(keys >> POSITION_BITS)
        self._remember(key, candidates, len(candidates))
        return candidates

    def adjacent(self, fieldname: str, first: bytes, second: bytes) -> tuple[np.ndarray, np.ndarray]:
        """(sorted doc numbers, counts): how often `second` comes right after `first` in each
        document that has the two words side by side; cached per pair like a phrase. Positions
        are decoded only in the documents that contain both words."""
        key = ("adjacent", fieldname, first, second)
        hit = self._cached(key)
        if hit is not None:
            return hit
        both = sorted_common(self.term(fieldname, first)[0], self.term(fieldname, second)[0])[0]
        entry: tuple[np.ndarray, np.ndarray] = (both[:0], np.zeros(0))
        if len(both):
            after = self.positions_in(fieldname, first, both) + 1
            follows = sorted_member(after, self.positions_in(fieldname, second, both))
            if follows.any():
                docs, counts = np.unique(after[follows] >> POSITION_BITS, return_counts=True)
                entry = (docs, counts.astype(np.float64))
        self._remember(key, entry, len(entry[0]))
        return entry

    def positions_in(self, fieldname: str, btext: bytes, docs: np.ndarray) -> np.ndarray:
        """Sorted keys `docnum << POSITION_BITS | position` of a term's occurrences in sorted
        `docs`, from cached blocks of decoded positions (`search.backends.whoosh.positions`)."""
        docs = docs[sorted_member(docs, self.term(fieldname, btext)[0])]
        return positions.positions_in(self, self._readable(), fieldname, btext, docs)

    def combined_frequencies(self, terms: tuple[tuple[str, bytes, float], ...]) -> tuple[np.ndarray, np.ndarray]:
        """(sorted doc numbers, frequencies) of one word over several fields, (field, term, query
        boost) each: the boosted frequencies added per document, as the combined field's BM25
        reads them; cached per word (merging a common word's title and body postings, a sort of
        thousands of doc numbers, was redone by every query with the word)."""
        key = ("combined", terms)
        hit = self._cached(key)
        if hit is not None:
            return hit
        parts = []
        for fieldname, btext, boost in terms:
            docs, weights, _ = self.term(fieldname, btext)
            parts.append(Matches(docs, boost * weights))
        found = union(parts)
        entry = (found.docs, found.scores)
        self._remember(key, entry, len(found.docs))
        return entry

    def term(self, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray, int]:
        """(doc numbers, weights, document frequency) of one term; deleted documents excluded."""
        key = (fieldname, btext)
        hit = self._cached(key)
        if hit is not None:
            return hit
        docs, weights = read_term(self._readable(), fieldname, btext)
        entry = (docs, weights, int(self.reader.doc_frequency(fieldname, btext)))
        self._remember(key, entry, len(entry[0]))
        return entry

    def expand(self, q: wq.MultiTerm):
        """The indexed terms a wildcard or prefix query stands for, lazily."""
        self._readable()
        return expand_terms(q, self.reader)

    def combined_lengths(self) -> tuple[np.ndarray, float]:
        """Each document's length over all text fields, each field weighted by its boost (as its
        postings' weights are), and the average over live documents."""
        return self._combined

    def idf(self, df: int) -> float:
        """The IDF form's weight of a term in `df` of the documents."""
        n = max(self.doc_count_all, 1)
        if IDF == "lucene":
            return float(np.log(1 + (n - df + 0.5) / (df + 0.5)))
        return float(np.log(n / (df + 1)) + 1)

    def _cached(self, key: tuple):
        """A cached entry (now the most recently used), or None."""
        lru = self._entries
        with lru.lock:
            hit = lru.entries.get(key)
            if hit is not None:
                lru.entries.move_to_end(key)
            return hit

    def combined_bm25(self, docs: np.ndarray, frequencies: np.ndarray) -> np.ndarray:
        """BM25 of a term over the combined title and body (frequencies already boosted, title
        counting TITLE_BOOST times): normalised by the combined length, saturated once, with the
        idf of its `len(docs)` documents. A word's score (FIELDS "combined") and a word pair's."""
        combined, avg = self.combined_lengths()
        k1, b = ranking.BM25_K1, ranking.BM25_B
        tf = frequencies / ((1 - b) + b * combined[docs] / avg)
        return self.idf(len(docs)) * tf * (k1 + 1) / (tf + k1)

    def _grow(self, key: tuple, add) -> None:
        """Call `add()` under the cache's lock (it adds to the mutable entry at `key` and returns
        how many postings it added, 0 if none) and count them in the budget, evicting others."""
        lru = self._entries
        with lru.lock:
            added = add()
            if added and key in lru.entries:
                lru.sizes[key] += added
                lru.size += added
                while lru.size > CACHE_POSTINGS and len(lru.entries) > 1:
                    old_key, _ = lru.entries.popitem(last=False)
                    lru.size -= lru.sizes.pop(old_key)

    def _remember(self, key: tuple, entry: object, size: int) -> None:
        """Cache an entry; evict the least recently used beyond the CACHE_POSTINGS budget."""
        lru = self._entries
        with lru.lock:
            if key in lru.entries:  # another thread read the same term meanwhile
                return
            lru.entries[key] = entry
            lru.sizes[key] = size
            lru.size += size
            while lru.size > CACHE_POSTINGS and len(lru.entries) > 1:
                old_key, _ = lru.entries.popitem(last=False)
                lru.size -= lru.sizes.pop(old_key)


class Evaluator:
    """Evaluates one query tree against one searcher generation."""

    def __init__(self, searcher, cache: PostingsCache, timestamps: np.ndarray) -> None:
        self.searcher = searcher
        self.cache = cache.reading(searcher)  # the shared cache, read through this searcher
        self.timestamps = timestamps

    def run(self, q: wq.Query) -> Matches:
        if q is wq.NullQuery:
            return Matches.empty()
        method = getattr(self, "_" + type(q).__name__, None)
        if method is not None:
            return method(q)
        if isinstance(q, wq.MultiTerm):  # Prefix, Wildcard, FuzzyTerm, Variations
            return self._expanded(q)
        if isinstance(q, wq.NumericRange) and q.fieldname == "date":
            return self._date_range(q)
        return self._by_whoosh(q)

    # leaves
    def _Term(self, q: wq.Term) -> Matches:
        btext = self.searcher.schema[q.fieldname].to_bytes(q.text)
        docs, weights, df = self.cache.term(q.fieldname, btext)
        if q.fieldname not in self.cache.lengths:  # facet and id fields filter; they don't score
            return Matches(docs, np.zeros(len(docs)))
        idf = self.cache.idf(df)
        lengths = self.cache.lengths[q.fieldname][docs]
        avg = self.cache.avg_length[q.fieldname]
        k1, b = ranking.BM25_K1, ranking.BM25_B
        scores = idf * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / avg)))
        return Matches(docs, scores * q.boost)

    def _Every(self, q: wq.Query) -> Matches:
        return Matches(self.cache.live, np.zeros(len(self.cache.live)))

    def _expanded(self, q: wq.MultiTerm) -> Matches:
        # Whoosh scores wildcard expansions as a constant (the query's boost), and so do we.
        schema = self.searcher.schema
        parts = []
        btexts = list(islice(self.cache.expand(q), MAX_WILDCARD_TERMS + 1))
        if len(btexts) > MAX_WILDCARD_TERMS:
            shown = getattr(q, "text", "")
            raise QuerySyntaxError(f"'{shown}*' matches more than {MAX_WILDCARD_TERMS:,} different words; "
                                   f"add letters before the *.")
        for btext in btexts:
            docs, _, _ = self.cache.term(q.fieldname, btext if isinstance(btext, bytes)
                                         else schema[q.fieldname].to_bytes(btext))
            parts.append(Matches(docs, np.zeros(len(docs))))
        found = union(parts)
        return Matches(found.docs, np.full(len(found.docs), float(q.boost)))

    def _date_range(self, q: wq.NumericRange) -> Matches:
        stamps = self.timestamps[self.cache.live]
        keep = stamps != np.iinfo(np.int64).min
        if q.start is not None:
            low = (q.start - _EPOCH_LONG) // 1_000_000
            keep &= stamps > low if q.startexcl else stamps >= low
        if q.end is not None:
            high = (q.end - _EPOCH_LONG) // 1_000_000
            keep &= stamps < high if q.endexcl else stamps <= high
        docs = self.cache.live[keep]
        return Matches(docs, np.zeros(len(docs)))

    def _Phrase(self, q: wq.Phrase) -> Matches:
        """Exact phrases by position arithmetic: word i+1 must sit right after word i."""
        if q.slop != 1 or not q.words or q.fieldname not in self.cache.lengths:
            return self._by_whoosh(q)
        field = self.searcher.schema[q.fieldname]
        docs = self.cache.phrase(q.fieldname, [field.to_bytes(w) for w in q.words])
        return self._scored_by_words(docs, [wq.Term(q.fieldname, w) for w in q.words], q.boost)

    def _scored_by_words(self, docs: np.ndarray, words: list[wq.Term], boost: float) -> Matches:
        scores = np.zeros(len(docs))
        for word in words:
            scored = self._Term(word)
            _, ia, ib = sorted_common(docs, scored.docs)
            scores[ia] += scored.scores[ib]
        return Matches(docs, scores * boost)

    def _by_whoosh(self, q: wq.Query) -> Matches:
        """Phrases and anything else: Whoosh finds the documents; its words give the score."""
        docs = np.unique(np.fromiter(self.searcher.docs_for_query(q), dtype=np.int64))
        words = [wq.Term(f, t) for f, t in q.iter_all_terms() if f in self.cache.lengths] \
            if hasattr(q, "iter_all_terms") else []
        return self._scored_by_words(docs, words, getattr(q, "boost", 1.0))

    # compounds
    def _And(self, q: wq.And) -> Matches:
        positives = [c for c in q.children() if not isinstance(c, wq.Not)]
        negatives = [c.query for c in q.children() if isinstance(c, wq.Not)]
        result = self.run(positives[0]) if positives else self._Every(q)
        for child in positives[1:]:
            if not len(result.docs):
                break
            result = _intersect(result, self.run(child))
        for child in negatives:
            result = _minus(result, self.run(child).docs)
        return result

    def _Or(self, q: wq.Or) -> Matches:
        children = list(q.children())
        if FIELDS == "sum":
            return union([self.run(c) for c in children])
        # One word in several text fields (an unfielded word is Or([title, body]); Whoosh's
        # normalisation flattens the any-word query's Or of such Ors into one Or of terms).
        words: dict[str, list[wq.Term]] = {}
        others = []
        for c in children:
            if type(c) is wq.Term and c.fieldname in self.cache.lengths:
                words.setdefault(c.text, []).append(c)
            else:
                others.append(c)
        parts = [self.word(terms) if len({t.fieldname for t in terms}) == len(terms) > 1
                 else union([self.run(t) for t in terms]) for terms in words.values()]
        return union(parts + [self.run(c) for c in others])

    def word(self, terms: list[wq.Term]) -> Matches:
        """BM25F of one word over several fields: boosted, length-normalised frequencies summed,
        then one saturation and one idf (document frequency over the union of the fields)."""
        keys = tuple((t.fieldname, self.searcher.schema[t.fieldname].to_bytes(t.text), t.boost) for t in terms)
        k1, b = ranking.BM25_K1, ranking.BM25_B
        if FIELDS == "combined":
            docs, frequencies = self.cache.combined_frequencies(keys)
            return Matches(docs, self.cache.combined_bm25(docs, frequencies))
        parts = []
        for fieldname, btext, boost in keys:
            docs, weights, _ = self.cache.term(fieldname, btext)
            if FIELDS == "bm25f":
                norm = (1 - b) + b * self.cache.lengths[fieldname][docs] / self.cache.avg_length[fieldname]
            else:
                norm = 1.0
            parts.append(Matches(docs, boost * weights / norm))
        found = union(parts)
        idf = self.cache.idf(len(found.docs))
        return Matches(found.docs, idf * found.scores * (k1 + 1) / (found.scores + k1))

    def _DisjunctionMax(self, q: wq.DisjunctionMax) -> Matches:
        return union([self.run(c) for c in q.children()], combine="max")

    def _AndNot(self, q: wq.AndNot) -> Matches:
        return _minus(self.run(q.a), self.run(q.b).docs)

    def _AndMaybe(self, q: wq.AndMaybe) -> Matches:
        required, optional = self.run(q.a), self.run(q.b)
        _, ia, ib = sorted_common(required.docs, optional.docs)
        scores = required.scores.copy()
        scores[ia] += optional.scores[ib]
        return Matches(required.docs, scores)

    def _Require(self, q: wq.Require) -> Matches:
        scored, required = self.run(q.a), self.run(q.b)
        return _intersect(scored, Matches(required.docs, np.zeros(len(required.docs))))

    def _Not(self, q: wq.Not) -> Matches:
        return _minus(self._Every(q), self.run(q.query).docs)
