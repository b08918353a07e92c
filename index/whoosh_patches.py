"""Targeted fixes to whoosh-reloaded 2.7.5, applied on import of `index.schema`.

Each patch says what it fixes and how much it was measured to matter; remove a patch when the
pinned Whoosh version fixes the problem itself.
"""
from __future__ import annotations

import os

from whoosh import multiproc, writing
from whoosh.codec import base as codec_base
from whoosh.codec import whoosh3
from whoosh.util import filelock

from index.locking import die_with_parent, hold_in_this_process_only, released

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


# ---- no writer process or write lock outlives its run (see index/locking.py) ---------------------

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
