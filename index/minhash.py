"""MinHash signatures and an LSH table for the story grouping, in numpy, without datasketch.

Why not datasketch itself: importing it costs ~0.6 s per index run (it pulls in scipy), and
building a signature through `MinHash.update_batch` or querying `MinHashLSH` costs ~40 us of
Python bookkeeping each; the grouping runs in the indexing process, which is the bottleneck of a
run. This module computes *exactly* what the grouping computed with datasketch 2.0.0 before:

- `signature`: datasketch's default "affine32" scheme, seed 1, crc32 as the item hash: each
  item's crc32 is pre-mixed with the MurmurHash3 32-bit finalizer, then permutation k maps it to
  a_k * h + b_k mod 2^32, and the signature is the minimum per permutation (2^32 - 1 for an
  empty set). The permutation parameters are drawn as datasketch draws them
  (`np.random.RandomState(seed)`: a odd, b any uint32).
- `BandIndex`: MinHashLSH's banding (b bands of r rows: the ones MinHashLSH picks for the
  threshold, see index/stories.py); two signatures are candidates when any band is equal.
  datasketch keys a band by its byte-swapped bytes, a bijection of the band, so keying by the
  plain bytes gives the same candidates.

tests/test_stories_speed.py checks signatures, permutations, (b, r) and candidates against
datasketch, so a datasketch upgrade that changes them fails a test instead of silently changing
the stories.
"""
from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Collection, Hashable, Iterable
from typing import Generic, TypeVar

import numpy as np

_MAX32 = np.uint32(0xFFFFFFFF)
# MurmurHash3's 32-bit finalizer (datasketch's _FMIX_CONSTANTS[32]).
_S1, _M1, _S2, _M2, _S3 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35),
                           np.uint32(16))


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) of datasketch's affine32 permutations for `seed`, as uint32 arrays."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


class MinHasher:
    """Signatures of byte-string sets under one set of permutations (kept, not redrawn)."""

    def __init__(self, num_perm: int, seed: int) -> None:
        self.num_perm = num_perm
        a, b = permutations(num_perm, seed)
        self._a, self._b = a[np.newaxis, :], b[np.newaxis, :]
        self._empty = np.full(num_perm, _MAX32, dtype=np.uint32)

    def hashes(self, items: Collection[bytes]) -> np.ndarray:
        """crc32 of each item, pre-mixed (the part of a signature that is per item, not per
        permutation)."""
        # Array arithmetic in uint32 wraps silently: the modulo 2^32 the scheme wants.
        hv = np.fromiter(map(zlib.crc32, items), dtype=np.uint32, count=len(items))
        hv = hv ^ (hv >> _S1)
        hv = hv * _M1
        hv = hv ^ (hv >> _S2)
        hv = hv * _M2
        return hv ^ (hv >> _S3)

    def signature(self, items: Collection[bytes]) -> np.ndarray:
        """The MinHash values (uint32) of a set of byte strings."""
        if not items:
            return self._empty.copy()
        return (self.hashes(items)[:, np.newaxis] * self._a + self._b).min(axis=0)

    def signatures(self, sets: Iterable[Collection[bytes]]) -> list[np.ndarray]:
        """The signatures of several sets with one permutation pass (an article's two sets):
        numpy's fixed cost per call is a good part of a small set's signature."""
        sets = list(sets)
        hv = self.hashes([item for items in sets for item in items])
        permuted = hv[:, np.newaxis] * self._a
        permuted += self._b
        out, start = [], 0
        for items in sets:
            end = start + len(items)
            out.append(permuted[start:end].min(axis=0) if end > start else self._empty.copy())
            start = end
        return out


Item = TypeVar("Item", bound=Hashable)  # what a table holds: an article id in index/stories.py


class BandIndex(Generic[Item]):
    """An in-memory LSH table: signatures sharing any band are candidates (MinHashLSH's query).

    `cap`: a bucket holds at most this many items (later ones are not added to it; they stay in
    their other buckets). Without it a flood of look-alike articles makes one bucket hold them
    all, and every query returns them all: quadratic work (issue 23).
    """

    def __init__(self, bands: int, rows: int, cap: int | None = None) -> None:
        self.bands, self.rows, self.cap = bands, rows, cap
        self.tables: list[dict[bytes, set[Item]]] = [{} for _ in range(bands)]
        self.keys: dict[Item, list[bytes]] = {}

    def band_keys(self, values: np.ndarray) -> list[bytes]:
        """One key per band; compute once per article for both its query and its insert."""
        raw = np.ascontiguousarray(values[:self.bands * self.rows]).tobytes()
        step = self.rows * values.itemsize
        return [raw[i:i + step] for i in range(0, len(raw), step)]

    def query(self, keys: list[bytes]) -> set[Item]:
        found: set[Item] = set()
        for key, table in zip(keys, self.tables):
            bucket = table.get(key)
            if bucket:
                found |= bucket
        return found

    def query_capped(self, keys: list[bytes]) -> tuple[set[Item], bool]:
        """`query`, and whether a bucket it read is full (it may have left candidates out)."""
        found: set[Item] = set()
        full = False
        cap = self.cap
        for key, table in zip(keys, self.tables):
            bucket = table.get(key)
            if bucket:
                found |= bucket
                full = full or (cap is not None and len(bucket) >= cap)
        return found, full

    def query_counts(self, keys: list[bytes]) -> Counter[Item]:
        """Each candidate with the number of bands it shares (more: likely more similar)."""
        found: Counter[Item] = Counter()
        for key, table in zip(keys, self.tables):
            bucket = table.get(key)
            if bucket:
                found.update(bucket)
        return found

    def insert(self, item: Item, keys: list[bytes]) -> None:
        if item in self.keys:
            self.remove(item)
        self.keys[item] = keys
        cap = self.cap
        for key, table in zip(keys, self.tables):
            bucket = table.get(key)
            if bucket is None:
                table[key] = {item}
            elif cap is None or len(bucket) < cap:
                bucket.add(item)

    def remove(self, item: Item) -> None:
        keys = self.keys.pop(item, None)
        if keys is None:
            return
        for key, table in zip(keys, self.tables):
            bucket = table.get(key)
            if bucket is not None:
                bucket.discard(item)
                if not bucket:
                    del table[key]

    def __len__(self) -> int:
        return len(self.keys)

