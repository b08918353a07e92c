"""Matching and BM25F scoring of a Whoosh query tree with numpy, over cached postings.

Why not `searcher.search()`: Whoosh walks compound matchers one document at a time in Python;
on Reuters a three-word query spent ~30 ms there plus ~20 ms more to list all matching documents
for the facets. Here each term's postings (doc numbers and weights) are read once per index
generation and kept in an LRU cache; a query is then a few vectorised set operations, and the
same pass yields the full match set (for facets) and the scores (for ranking).

The scores are Whoosh's own BM25F formula, term for term (same idf, same average and
per-document field lengths), with our B and K1; `tests/test_scoring.py` checks this against
`searcher.search()`. Exact phrases are matched by position arithmetic
over cached positions; query types without a vectorised form (sloppy phrases, unusual ones) are
matched by Whoosh. Phrases are scored by the sum of their words' scores.
"""
from __future__ import annotations

import threading
from itertools import islice
from pickle import loads
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.formats import Positions
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import _length_byte_cache
from whoosh.util.times import datetime_to_long

from index.schema import TEXT_FIELDS
from search.query import MAX_WILDCARD_TERMS
from search.results import QuerySyntaxError

# BM25F parameters. K1 = 1.5 (Whoosh's default is 1.2): chosen in 4 of 5 folds of cross-validation
# on Cranfield (bench/relevance.py) and within the usual 1.2-2.0; B = 0.75, full length
# normalisation, because news lengths range from one-line briefs to features.
B, K1 = 0.75, 1.5
_EPOCH_LONG = datetime_to_long(datetime(1970, 1, 1))
POSITION_BITS = 20  # positions per document kept for phrase matching (a million words)
# Cached postings entries (a doc number and a weight each, 16 bytes): ~1 GB at the most, reached
# only by big indexes. The 200 scale-benchmark queries touch 33.7M entries at 1M articles; with
# 30M the LRU evicted every entry before its reuse and the repeated queries ran as cold as the
# first time (warm p95 776 ms).
CACHE_POSTINGS = 64_000_000


@dataclass
class Matches:
    """Sorted unique doc numbers and their scores (aligned)."""

    docs: np.ndarray
    scores: np.ndarray

    @staticmethod
    def empty() -> "Matches":
        return Matches(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


def _union(parts: list[Matches], combine: str = "sum") -> Matches:
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


def read_postings(matcher) -> tuple[np.ndarray, np.ndarray]:
    """All (doc numbers, weights) of one segment's postings of a term.

    A plain leaf matcher is read a block at a time from its raw block tuples, ~10x faster than
    stepping through postings in Python, which matters for common terms on a large index. A matcher wrapped to skip deleted documents is stepped through posting by posting.
    (Block attributes are whoosh-reloaded 2.7.5 internals; the version is pinned exactly.)
    """
    if isinstance(matcher, W3LeafMatcher) and not matcher._byteids:
        id_parts: list[np.ndarray] = []
        weight_parts: list[np.ndarray] = []
        while matcher.is_active():
            if matcher._ids is None and matcher._i == 0:
                # The block's raw tuple: ids as gaps (summed by numpy, not Whoosh's Python
                # generator) and weights as None (all 1), one float, or a tuple of floats.
                if matcher._data is None:
                    matcher._read_data()
                gaps, weights, count = matcher._data[0], matcher._data[1], matcher._blocklength
                id_parts.append(np.cumsum(np.asarray(gaps, dtype=np.int64)))
                if weights is None or isinstance(weights, float):
                    weight_parts.append(np.full(count, 1.0 if weights is None else weights))
                else:
                    weight_parts.append(np.asarray(weights, dtype=np.float64))
            else:  # a block the matcher is already inside
                if matcher._ids is None:
                    matcher._read_ids()
                if matcher._weights is None:
                    matcher._read_weights()
                id_parts.append(np.asarray(matcher._ids[matcher._i:], dtype=np.int64))
                weight_parts.append(np.asarray(matcher._weights[matcher._i:], dtype=np.float64))
            matcher._next_block()
        if not id_parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(id_parts), np.concatenate(weight_parts)
    ids: list = []
    weights: list = []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64)


def leaves_of(reader) -> list[tuple[object, int]]:
    """(segment reader, doc-number offset) pairs: postings are read segment by segment."""
    if hasattr(reader, "leaf_readers"):
        return list(reader.leaf_readers())
    return [(reader, 0)]


def read_term(leaves: list[tuple[object, int]], fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
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


def _positions_value(value: bytes) -> list[int]:
    """The position gaps in one posting's value (whoosh.formats.Positions.decode_positions)."""
    return loads((value if value.endswith(b".") else value + b".")[_INT_SIZE:])


def read_positions(matcher, docs: np.ndarray) -> np.ndarray:
    """Keys `docnum << POSITION_BITS | position` of one segment's postings of a term, in `docs`.

    Like `read_postings`, a plain leaf matcher is read a block at a time, and only the postings
    of wanted documents are decoded (one small pickle each); the gaps are then summed into
    positions with numpy. Other matchers (deletions) are stepped through.
    """
    post_docs: list[int] = []
    counts: list[int] = []
    gaps: list[int] = []
    if isinstance(matcher, W3LeafMatcher) and type(matcher.format) is Positions:
        while matcher.is_active():
            if matcher._ids is None:
                matcher._read_ids()
            start = matcher._i
            ids = np.asarray(matcher._ids[start:], dtype=np.int64)
            wanted = np.flatnonzero(sorted_member(ids, docs))
            if len(wanted):
                if matcher._values is None:
                    matcher._read_values()
                values = matcher._values
                for j in wanted.tolist():
                    codes = _positions_value(values[start + j])
                    post_docs.append(int(ids[j]))
                    counts.append(len(codes))
                    gaps.extend(codes)
            matcher._next_block()
    else:
        wanted_set = set(docs.tolist())
        while matcher.is_active():
            if matcher.id() in wanted_set:
                positions = matcher.value_as("positions")
                post_docs.append(matcher.id())
                counts.append(len(positions))
                gaps.extend(b - a for a, b in zip([0] + positions, positions))
            matcher.next()
    if not gaps:
        return np.zeros(0, dtype=np.int64)
    gap_array = np.asarray(gaps, dtype=np.int64)
    count_array = np.asarray(counts, dtype=np.int64)
    nonempty = count_array > 0
    running = np.cumsum(gap_array)
    firsts = (np.cumsum(count_array) - count_array)[nonempty]
    positions = running - np.repeat(running[firsts] - gap_array[firsts], count_array[nonempty])
    doc_of = np.repeat(np.asarray(post_docs, dtype=np.int64)[nonempty], count_array[nonempty])
    keep = positions < (1 << POSITION_BITS)
    return (doc_of[keep] << POSITION_BITS) | positions[keep]


class PostingsCache:
    """Per index generation: term postings as arrays, field lengths, and BM25 statistics."""

    def __init__(self, searcher) -> None:
        self.reader = searcher.reader()
        self.doc_count_all = self.reader.doc_count_all()
        self.leaves = leaves_of(self.reader)
        self.live = np.fromiter(self.reader.all_doc_ids(), dtype=np.int64)
        self.avg_length = {f: searcher.avg_field_length(f) or 1 for f in TEXT_FIELDS}
        self.lengths = {f: self._field_lengths(f) for f in TEXT_FIELDS}
        # Term entries (docs, weights, idf) and phrase entries (doc numbers), LRU order;
        # `_sizes` keeps each entry's postings count for the memory budget.
        self._terms: OrderedDict[tuple, object] = OrderedDict()
        self._sizes: dict[tuple, int] = {}
        self._size = 0
        self._lock = threading.Lock()

    def _field_lengths(self, fieldname: str) -> np.ndarray:
        """Each document's length in a field, as BM25 sees it (Whoosh stores it as one byte).

        Read as whole column arrays and decoded through Whoosh's own byte-to-length table:
        asking `doc_field_length` per document took seconds at a million articles.
        """
        lengths = np.ones(self.doc_count_all, dtype=np.float64)
        decode = np.asarray(_length_byte_cache, dtype=np.float64)
        for leaf, offset in self.leaves:
            count = leaf.doc_count_all()
            perdoc = getattr(leaf, "_perdoc", None)
            if perdoc is None:  # not a plain segment reader: ask document by document
                for docnum in range(count):
                    lengths[offset + docnum] = leaf.doc_field_length(docnum, fieldname, 1)
                continue
            column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            if column is not None:  # no column: no document has the field (Whoosh's default: 1)
                lengths[offset:offset + count] = decode[np.fromiter(column, dtype=np.uint8, count=count)]
        return lengths

    def phrase(self, fieldname: str, btexts: list[bytes]) -> np.ndarray:
        """Sorted doc numbers where the words occur one right after another; cached per phrase.

        Positions are decoded only in documents that contain every word (their doc lists are
        cached arrays), word by word, narrowing as it goes: a phrase of two words that are each
        in most of a million articles decoded 1.6M postings' positions (12 s) when every
        occurrence was read. Only the resulting doc list is cached, not the positions.
        """
        key = ("phrase", fieldname, tuple(btexts))
        with self._lock:
            hit = self._terms.get(key)
            if hit is not None:
                self._terms.move_to_end(key)
                return hit
        candidates = self.term(fieldname, btexts[0])[0]
        for btext in btexts[1:]:
            candidates = sorted_common(candidates, self.term(fieldname, btext)[0])[0]
        keys = None
        for btext in btexts if len(btexts) > 1 else ():
            if not len(candidates):
                break
            found = self._positions_in(fieldname, btext, candidates)
            keys = found if keys is None else sorted_common(keys + 1, found)[0]
            candidates = np.unique(keys >> POSITION_BITS)
        self._remember(key, candidates, len(candidates))
        return candidates

    def _positions_in(self, fieldname: str, btext: bytes, docs: np.ndarray) -> np.ndarray:
        """Sorted keys `docnum << POSITION_BITS | position` of a term's occurrences in `docs`."""
        parts = []
        for leaf, offset in self.leaves:
            lo, hi = np.searchsorted(docs, [offset, offset + leaf.doc_count_all()])
            if lo < hi and (fieldname, btext) in leaf:
                local = read_positions(leaf.postings(fieldname, btext), docs[lo:hi] - offset)
                parts.append(local + (offset << POSITION_BITS))
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def term(self, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray, float]:
        """(doc numbers, weights, idf) of one term; deleted documents excluded."""
        key = (fieldname, btext)
        with self._lock:
            hit = self._terms.get(key)
            if hit is not None:
                self._terms.move_to_end(key)
                return hit
        docs, weights = read_term(self.leaves, fieldname, btext)
        df = self.reader.doc_frequency(fieldname, btext)
        idf = float(np.log(max(self.doc_count_all, 1) / (df + 1)) + 1)
        entry = (docs, weights, idf)
        self._remember(key, entry, len(entry[0]))
        return entry

    def _remember(self, key: tuple, entry: object, size: int) -> None:
        """Cache an entry; evict the least recently used beyond the CACHE_POSTINGS budget."""
        with self._lock:
            if key in self._terms:  # another thread read the same term meanwhile
                return
            self._terms[key] = entry
            self._sizes[key] = size
            self._size += size
            while self._size > CACHE_POSTINGS and len(self._terms) > 1:
                old_key, _ = self._terms.popitem(last=False)
                self._size -= self._sizes.pop(old_key)


class Evaluator:
    """Evaluates one query tree against one searcher generation."""

    def __init__(self, searcher, cache: PostingsCache, timestamps: np.ndarray) -> None:
        self.searcher = searcher
        self.cache = cache
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
        docs, weights, idf = self.cache.term(q.fieldname, btext)
        if q.fieldname not in self.cache.lengths:  # facet and id fields filter; they don't score
            return Matches(docs, np.zeros(len(docs)))
        lengths = self.cache.lengths[q.fieldname][docs]
        avg = self.cache.avg_length[q.fieldname]
        scores = idf * ((weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * lengths / avg)))
        return Matches(docs, scores * q.boost)

    def _Every(self, q: wq.Query) -> Matches:
        return Matches(self.cache.live, np.zeros(len(self.cache.live)))

    def _expanded(self, q: wq.MultiTerm) -> Matches:
        # Whoosh scores wildcard expansions as a constant (the query's boost), and so do we.
        schema = self.searcher.schema
        parts = []
        btexts = list(islice(q._btexts(self.cache.reader), MAX_WILDCARD_TERMS + 1))
        if len(btexts) > MAX_WILDCARD_TERMS:
            shown = getattr(q, "text", "")
            raise QuerySyntaxError(f"'{shown}*' matches more than {MAX_WILDCARD_TERMS:,} different words; "
                                   f"add letters before the *.")
        for btext in btexts:
            docs, _, _ = self.cache.term(q.fieldname, btext if isinstance(btext, bytes)
                                         else schema[q.fieldname].to_bytes(btext))
            parts.append(Matches(docs, np.zeros(len(docs))))
        found = _union(parts)
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
        return _union([self.run(c) for c in q.children()])

    def _DisjunctionMax(self, q: wq.DisjunctionMax) -> Matches:
        return _union([self.run(c) for c in q.children()], combine="max")

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
