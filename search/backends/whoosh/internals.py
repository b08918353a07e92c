"""Every private Whoosh name the backend relies on, in one module, checked against the installed
Whoosh version on import.

Two kinds of reliance: targeted fixes to whoosh-reloaded 2.7.5 (each patch says what it fixes
and how much it was measured to matter; remove it when Whoosh fixes the problem itself), and
readers of Whoosh's postings blocks and length columns that are ~10x faster than stepping
through Whoosh's public matchers (`read_postings`, `block_directory`, `read_block_positions`,
`read_positions`, `field_lengths`, `expand_terms`, `segment_count`). Another Whoosh version may
store these differently, so importing this module with one refuses to run instead of searching
wrongly.
"""
from __future__ import annotations

import os
from itertools import chain
from pickle import loads

import numpy as np
import whoosh  # type: ignore[import-untyped]
from whoosh import multiproc, writing
from whoosh.codec import base as codec_base  # type: ignore[import-untyped]
from whoosh.codec import whoosh3  # type: ignore[import-untyped]
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield  # type: ignore[import-untyped]
from whoosh.formats import Positions  # type: ignore[import-untyped]
from whoosh.system import _INT_SIZE  # type: ignore[import-untyped]
from whoosh.util import filelock  # type: ignore[import-untyped]
from whoosh.util.numeric import _length_byte_cache  # type: ignore[import-untyped]

from index.processes import die_with_parent
from search.backends.whoosh.locking import hold_in_this_process_only, released

WHOOSH_VERSION = (2, 7, 5)  # whoosh-reloaded, pinned exactly in setup.py


def check_version(installed: tuple) -> None:
    """Refuse a Whoosh whose private structures may differ from the ones read here."""
    if tuple(installed[:3]) != WHOOSH_VERSION:
        raise ImportError(f"newsearch's Whoosh backend needs whoosh-reloaded {'.'.join(map(str, WHOOSH_VERSION))} "
                          f"(it reads that version's private structures); {'.'.join(map(str, installed))} is "
                          f"installed. Reinstall newsearch (pip install -e .) to get the pinned version.")


check_version(whoosh.__version__)  # before any patch below is applied
POSITION_BITS = 20  # positions per document kept for phrase matching (a million words)

_original_cached_reader = whoosh3.W3PerDocReader._cached_reader


def _cached_reader(self, fieldname, column):
    """Remember that a field has *no* lengths column, instead of asking the filesystem again.

    Whoosh caches the column reader only when the column exists; for fields without one (IDs,
    keywords) it stats a file for every posting while writing a
    segment: 230k `os.stat` calls for 3,000 Reuters articles, about 20% of indexing time.
    """
    try:
        return self._readers[fieldname]
    except KeyError:
        reader = _original_cached_reader(self, fieldname, column)
        self._readers[fieldname] = reader
        return reader


whoosh3.W3PerDocReader._cached_reader = _cached_reader


# byte_to_length for every length byte, 0 standing for "no length" (Whoosh passes None then).
_BYTE_LENGTHS = [whoosh3.byte_to_length(b) if b else 0 for b in range(256)]


def _segment_lengths(lengths, fieldname: str) -> list[int] | None:
    """Every document's length byte for a field, decoded once: Whoosh looks it up per posting."""
    reader = lengths._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
    if reader is None:
        return None
    return [_BYTE_LENGTHS[b] for b in reader.load()]


def _add_postings(self, schema, lengths, items):
    """Write a new segment's sorted postings: Whoosh's loop, with its per-posting calls inlined.

    Writing postings was the largest cost of indexing (over a third, in Python per posting).
    This is `FieldWriter.add_postings` + `W3FieldWriter.add` + `W3PostingsWriter.add_posting`
    in one loop, with the documents' field lengths decoded once per field instead of looked up
    per posting, and without the per-posting type assertions. The bytes it writes are the same
    (tests/test_whoosh_patches.py compares the segment files).
    """
    if lengths is not None and not isinstance(lengths, whoosh3.W3PerDocReader):
        return _original_add_postings(self, schema, lengths, items)
    lastfn = lasttext = None
    pw = doc_lengths = None
    for fieldname, btext, docnum, weight, value in items:
        if fieldname != lastfn:
            if lastfn is not None and fieldname < lastfn:
                raise codec_base.OutOfOrderError("Field %r .. %r" % (lastfn, fieldname))
            if lasttext is not None:
                self.finish_term()
            if lastfn is not None:
                self.finish_field()
            self.start_field(fieldname, schema[fieldname])
            pw = self._postwriter
            doc_lengths = _segment_lengths(lengths, fieldname) if lengths is not None else None
            lastfn, lasttext = fieldname, None
        if docnum == -1:  # a spelling word, not a posting (as in Whoosh)
            continue
        if btext != lasttext:
            if lasttext is not None:
                if btext < lasttext:
                    raise codec_base.OutOfOrderError("Term %s:%r .. %s:%r" % (lastfn, lasttext, fieldname, btext))
                self.finish_term()
            self.start_term(btext)
            lasttext = btext
        ids = pw._ids
        if len(ids) >= pw._blocklimit:
            pw._write_block()
            ids = pw._ids
        ids.append(docnum)
        pw._weights.append(weight)
        if weight > pw._maxweight:
            pw._maxweight = weight
        if value:
            pw._values.append(value)
        length = doc_lengths[docnum] if doc_lengths is not None else 0
        if length:
            if pw._minlength is None or length < pw._minlength:
                pw._minlength = length
            if length > pw._maxlength:
                pw._maxlength = length
    if lasttext is not None:
        self.finish_term()
    if lastfn is not None:
        self.finish_field()


_original_add_postings = whoosh3.W3FieldWriter.add_postings
whoosh3.W3FieldWriter.add_postings = _add_postings


def _pool_add(self, item):
    """`PostingPool.add` for every posting of every document: the same size estimate (so runs
    spill to disk at the same points), one expression instead of a dozen, no type assertions."""
    fieldname, tbytes, _, _, vbytes = item
    self.fieldnames.add(fieldname)
    self.currentsize += 150 + len(fieldname) + 2 * len(tbytes) + (len(vbytes) if vbytes else 0)
    if self.currentsize > self.limit:
        self.save()
    self.current.append(item)


writing.PostingPool.add = _pool_add


# ---- no writer process or write lock outlives its run (see locking.py) ---------------------

_original_subwriter_run = multiproc.SubWriterTask.run


def _subwriter_run(self) -> None:
    """Whoosh's sub-writer loop, in a process that dies with the run that forked it.

    Without this, a `kill -9` of the run left its writer processes blocked on their job queue
    forever, holding (by inheritance) the run lock and Whoosh's WRITELOCK: the next run waited
    out its whole lock timeout (7 kills in 10).
    """
    die_with_parent(getattr(self, "_parent_pid", None) or os.getppid())  # multiprocessing's record
    _original_subwriter_run(self)


multiproc.SubWriterTask.run = _subwriter_run

_original_lock_acquire = filelock.FcntlLock.acquire
_original_lock_release = filelock.FcntlLock.release


def _lock_acquire(self, blocking: bool = False) -> bool:
    """Whoosh's `flock`, registered so that forked children (its own writer processes among
    them) close their inherited copy: the WRITELOCK then dies with the process that took it."""
    acquired = _original_lock_acquire(self, blocking)
    if acquired:
        hold_in_this_process_only(self)
    return acquired


def _lock_release(self) -> None:
    released(self)
    _original_lock_release(self)


filelock.FcntlLock.acquire = _lock_acquire
filelock.FcntlLock.release = _lock_release


# ---- fast readers of Whoosh's private structures ---------------------------------------------

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
    weights = []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64)


def _position_keys(ids: np.ndarray, counts: np.ndarray, gaps: np.ndarray) -> np.ndarray:
    """Sorted keys `docnum << POSITION_BITS | position` from postings' doc numbers, their
    occurrence counts and their position gaps (each posting's first gap from 0), with numpy."""
    if not len(gaps):
        return np.zeros(0, dtype=np.int64)
    nonempty = counts > 0
    running = np.cumsum(gaps)
    firsts = (np.cumsum(counts) - counts)[nonempty]
    positions = running - np.repeat(running[firsts] - gaps[firsts], counts[nonempty])
    doc_of = np.repeat(ids[nonempty], counts[nonempty])
    keep = positions < (1 << POSITION_BITS)
    return (doc_of[keep] << POSITION_BITS) | positions[keep]


def _gap_lists(values) -> list[list[int]]:
    """The position gaps of many postings' values, unpickled in one call.

    A value is `pack_uint(count) + pickle.dumps(gaps, 2)` (`search.backends.whoosh.analysis`;
    Whoosh's own Positions format may leave off the final STOP). One pickle of a list of all
    the values' lists is made by joining them between a MARK and a LIST opcode: a single C call
    instead of one `loads` per posting, which was most of the cost of decoding positions.
    """
    body = b"".join(v[_INT_SIZE:-1] if v.endswith(b".") else v[_INT_SIZE:] for v in values)
    return loads(b"\x80\x02(" + body + b"l.")


def _raw_leaf_matcher(matcher):
    """The segment's own block reader under a matcher that skips deleted documents, or None."""
    while not isinstance(matcher, W3LeafMatcher) and hasattr(matcher, "child"):  # FilterMatcher
        matcher = matcher.child
    if isinstance(matcher, W3LeafMatcher) and type(matcher.format) is Positions and not matcher._byteids:
        return matcher
    return None


def block_directory(matcher) -> tuple[np.ndarray, np.ndarray] | None:
    """(file offsets, last doc numbers) of one segment's postings blocks of a term, or None when
    its postings are not in blocks with positions (inlined single postings, other formats).

    Reads only each block's small header (no decompression): with it, the block holding a
    document is found by binary search and read directly, so positions are decoded only in the
    blocks that hold wanted documents. Deleted documents' postings are in the blocks too; the
    caller asks only for live documents.
    """
    raw = _raw_leaf_matcher(matcher)
    if raw is None:
        return None
    offsets: list[int] = []
    last_ids: list[int] = []
    position = raw._baseoffset
    while True:
        raw._goto(position)
        offsets.append(position)
        last_ids.append(raw._maxid)
        if raw._lastblock:
            break
        position = raw._nextoffset
    return np.asarray(offsets, dtype=np.int64), np.asarray(last_ids, dtype=np.int64)


def read_block_positions(matcher, offset: int) -> np.ndarray:
    """Sorted keys `docnum << POSITION_BITS | position` of every posting in the block at `offset`
    (from `block_directory`) of the segment's postings `matcher` reads."""
    raw = _raw_leaf_matcher(matcher)
    raw._goto(offset)
    raw._read_data()
    gaps, _, values = raw._data
    ids = np.cumsum(np.asarray(gaps, dtype=np.int64))
    lists = _gap_lists(values)
    counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    flat = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(counts.sum()))
    return _position_keys(ids, counts, flat)


def read_positions(matcher, docs: np.ndarray) -> np.ndarray:
    """Keys `docnum << POSITION_BITS | position` of one segment's postings of a term, in `docs`,
    stepping through the postings (any matcher: the fallback of `block_directory`'s reading)."""
    wanted_set = set(docs.tolist())
    post_docs: list[int] = []
    counts: list[int] = []
    gaps: list[int] = []
    while matcher.is_active():
        if matcher.id() in wanted_set:
            positions = matcher.value_as("positions")
            post_docs.append(matcher.id())
            counts.append(len(positions))
            gaps.extend(b - a for a, b in zip([0] + positions, positions))
        matcher.next()
    return _position_keys(np.asarray(post_docs, dtype=np.int64), np.asarray(counts, dtype=np.int64),
                          np.asarray(gaps, dtype=np.int64))


def field_lengths(leaf, fieldname: str) -> np.ndarray:
    """Each document's length in a field in one segment, as BM25 sees it (one byte each).

    Read as a whole column array and decoded through Whoosh's own byte-to-length table: asking
    `doc_field_length` per document took seconds at a million articles.
    """
    count = leaf.doc_count_all()
    perdoc = getattr(leaf, "_perdoc", None)
    if perdoc is None:  # not a plain segment reader: ask document by document
        return np.asarray([leaf.doc_field_length(docnum, fieldname, 1) for docnum in range(count)],
                          dtype=np.float64)
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:  # no column: no document has the field (Whoosh's default length: 1)
        return np.ones(count, dtype=np.float64)
    decode = np.asarray(_length_byte_cache, dtype=np.float64)
    return decode[np.fromiter(column, dtype=np.uint8, count=count)]


def expand_terms(q, reader):
    """The indexed terms a wildcard or prefix query stands for, lazily (Whoosh's `_btexts`)."""
    return q._btexts(reader)


def segment_count(ix) -> int:
    """How many segments the index's newest commit has."""
    return len(ix._segments())
