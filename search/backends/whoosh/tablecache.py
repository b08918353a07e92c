"""Per-segment tables (facet postings, dates, field lengths, article ids) cached on disk beside
the index, so that opening an index reads a few numpy arrays instead of walking its lexicons.

Why per segment and lazily, not per commit by the writer: a Whoosh segment never changes once
written (only its deletions grow, and those are applied when the tables are combined, from the
commit's deletion lists), so a segment's tables are built once, the first time any search
opens a commit that has it, and every later commit reuses them; a commit that adds a small
segment to a million articles builds only that segment's (milliseconds). The writer needs no
hook, indexes built before the cache existed get one at their first search, and a cache that
is lost or damaged only costs a rebuild.

Files: `<segment id>.<part>.v<N>.cache` (N is `CACHE_VERSION`), one per part and segment: a fixed head with a CRC-32 of the rest, a JSON directory, and the
raw arrays (no pickles), read with one read and viewed in place by numpy. The segment id prefix makes
Whoosh delete a segment's cache together with the segment when a merge retires it (Whoosh's
`clean_files` removes every `<index>_<segment id>.*` file of a retired segment). A file is
written to a dot-named temporary file and renamed over the final name (atomic on POSIX), so a
reader sees a whole file or none; concurrent builders of the same segment both write whole
files and the last rename wins. An unreadable file (truncated, bit-flipped: the CRC-32 does not match; wrong
shapes or values out of range; an older layout) is ignored and rebuilt. A folder this user may not write to is searched with tables
built in memory, as before the cache existed.
"""
from __future__ import annotations

import json
import logging
import os
import struct
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

log = logging.getLogger("newsearch.tables")

CACHE_VERSION = 1  # bump when the arrays of a part change meaning or layout


SUFFIX = ".cache"
# Every segment with articles is cached: an index built with entity recognition commits every few
# hundred articles, and its ~40 small segments built at each open cost seconds.
MIN_CACHED_DOCS = 1
_MAGIC = b"NSTABLES"
_HEAD = struct.Struct("<8sIII")  # magic, version, header length, CRC-32 of everything after this
_ALIGN = 8


def cache_path(index_dir: Path, leaf, part: str) -> Path:
    """Where segment `leaf`'s `part` tables live."""
    return Path(index_dir) / f"{leaf.segment().segment_id()}.{part}.v{CACHE_VERSION}{SUFFIX}"


def segment_arrays(index_dir: Path | None, leaf, part: str, build: Callable[[], dict[str, np.ndarray]],
                   valid: Callable[[dict[str, np.ndarray], int], bool]) -> dict[str, np.ndarray]:
    """Segment `leaf`'s `part` arrays: from the cache if it holds a valid copy, else `build()`
    them and store them (when `index_dir` is given and writable, and the segment is not tiny).
    `valid(arrays, doc_count)` checks a loaded copy's shapes and ranges."""
    count = leaf.doc_count_all()
    path = cache_path(index_dir, leaf, part) if index_dir is not None and count >= MIN_CACHED_DOCS else None
    if path is not None:
        arrays = _load(path)
        if arrays is not None:
            try:
                ok = (int(arrays.pop("doc_count")[0]) == count
                      and arrays.pop("segment").tobytes() == _segment_id(leaf) and valid(arrays, count))
            except (KeyError, ValueError, TypeError, IndexError):
                ok = False
            if ok:
                return arrays
            log.warning("ignoring the table cache %s: it does not fit its segment; rebuilding it", path)
    arrays = build()
    if path is not None:
        _save(path, {"doc_count": np.asarray([count], dtype=np.int64),
                     "segment": np.frombuffer(_segment_id(leaf), dtype=np.uint8), **arrays})
    return arrays


def _segment_id(leaf) -> bytes:
    """Stored in the file too: a file copied or renamed onto another segment's name is refused."""
    return leaf.segment().segment_id().encode("utf-8")


def _load(path: Path) -> dict[str, np.ndarray] | None:
    """The arrays of a cache file, or None when there is none or it is damaged in any way."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("cannot read the table cache %s (%s); building the tables", path, exc)
        return None
    try:
        magic, version, header_length, crc = _HEAD.unpack_from(data)
        if magic != _MAGIC or version != CACHE_VERSION:
            raise ValueError("not a table cache of this version")
        if zlib.crc32(memoryview(data)[_HEAD.size:]) != crc:
            raise ValueError("checksum mismatch")
        header = json.loads(data[_HEAD.size:_HEAD.size + header_length])
        base = _aligned(_HEAD.size + header_length)
        arrays = {}
        for name, (dtype, shape, offset) in header.items():
            count = int(np.prod(shape))
            arrays[name] = np.frombuffer(data, dtype=np.dtype(dtype), count=count, offset=base + offset).reshape(shape)
        return arrays
    except Exception as exc:  # any damage: truncation, flipped bits, a foreign file
        log.warning("ignoring the damaged table cache %s (%s: %s); rebuilding it", path, type(exc).__name__, exc)
        return None


def _aligned(n: int) -> int:
    return (n + _ALIGN - 1) // _ALIGN * _ALIGN


def _encode(arrays: dict[str, np.ndarray]) -> bytes:
    """One file: fixed head, JSON directory (name -> dtype, shape, offset), aligned raw arrays."""
    directory, chunks, offset = {}, [], 0
    for name, array in arrays.items():
        array = np.ascontiguousarray(array)
        if array.dtype.hasobject:
            raise TypeError(f"{name}: object arrays are not cached")
        directory[name] = (array.dtype.str, list(array.shape), offset)
        raw = array.tobytes()
        chunks.append(raw + b"\0" * (_aligned(len(raw)) - len(raw)))
        offset += _aligned(len(raw))
    header = json.dumps(directory).encode("utf-8")
    pad = b"\0" * (_aligned(_HEAD.size + len(header)) - _HEAD.size - len(header))
    body = header + pad + b"".join(chunks)
    return _HEAD.pack(_MAGIC, CACHE_VERSION, len(header), zlib.crc32(body)) + body


def _save(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write atomically (temporary file + rename); a failure leaves no file and is not an error."""
    from search.backends.whoosh.store import readable_by_others

    tmp = None
    try:
        data = _encode(arrays)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
        readable_by_others(fd)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:  # read-only folder, another user's index, disk full: build in memory
        log.debug("table cache not written to %s: %s", path, exc)
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


# ---- strings as arrays (no pickles in the cache) ----------------------------------------------

def pack_strings(values: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 bytes of all `values` end to end, and where each ends."""
    encoded = [v.encode("utf-8") for v in values]
    ends = np.cumsum([len(e) for e in encoded], dtype=np.int64) if encoded else np.zeros(0, dtype=np.int64)
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), ends


def unpack_strings(blob: np.ndarray, ends: np.ndarray) -> list[str]:
    data = blob.tobytes()
    starts = [0, *ends[:-1].tolist()]
    return [data[a:b].decode("utf-8") for a, b in zip(starts, ends.tolist())]


def strings_valid(blob: np.ndarray, ends: np.ndarray) -> bool:
    return (blob.dtype == np.uint8 and blob.ndim == 1 and ends.ndim == 1 and ends.dtype == np.int64
            and bool(np.all(np.diff(ends) >= 0)) and (ends[-1] == len(blob) and ends[0] >= 0 if len(ends) else not len(blob)))


__all__ = ["CACHE_VERSION", "MIN_CACHED_DOCS", "SUFFIX", "cache_path", "segment_arrays", "pack_strings", "unpack_strings", "strings_valid"]
