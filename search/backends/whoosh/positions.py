"""Word positions for phrases, word pairs and proximity, decoded once per postings block and
kept in the postings cache.

Whoosh keeps a term's positions inside its postings blocks (128 postings each: doc numbers,
weights and a pickled list of position gaps per posting, the block zlib-compressed). Reading
the positions of a few documents used to step through every block of the term (decompressing
each, ids decoded by a Python generator) and unpickle each wanted posting on its own: on
Reuters, proximity over the top 100 articles was 44% of a two-word request.

Now each segment's term has a block directory (offsets and last doc numbers, read from the
block headers only: `internals.block_directory`); the blocks holding wanted documents are found
by binary search, decoded whole (one `loads` for all of a block's position lists:
`internals.read_block_positions`) and kept as sorted `doc << POSITION_BITS | position` keys in
the generation's `PostingsCache`: one entry per term (`TermBlocks`, over every segment), counted
in the cache's budget by its blocks' positions. Word pairs decode the blocks of the documents having
both words; proximity's top articles are among them, so it reuses those blocks.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from search.backends.whoosh import scoring
from search.backends.whoosh.internals import (POSITION_BITS, block_directory, read_block_positions, read_positions,
                                               read_postings)


class TermBlocks:
    """A term's postings blocks over every segment, in doc order: where each is (segment, file
    offset), its last doc number (index-wide) and the ones decoded so far (block number ->
    sorted index-wide keys). One cache entry per term, so that a request looks a word up once,
    not once per segment or block."""

    def __init__(self, leaves: list[int], offsets: list[int], last_ids: list[int]) -> None:
        self.leaves = leaves
        self.offsets = offsets
        self.last_ids = np.asarray(last_ids, dtype=np.int64)
        self.decoded: dict[int, np.ndarray] = {}

    @staticmethod
    def read(leaves: list[tuple[Any, int]], fieldname: str, btext: bytes) -> "TermBlocks":
        """The directory, from each segment's block headers. A segment whose postings of the
        term are not in blocks (one inlined posting, another format) gives one block, decoded
        here by stepping through its postings."""
        numbers: list[int] = []
        offsets: list[int] = []
        last_ids: list[int] = []
        ready: dict[int, np.ndarray] = {}
        for number, (leaf, offset) in enumerate(leaves):
            if (fieldname, btext) not in leaf:
                continue
            directory = block_directory(leaf.postings(fieldname, btext))
            if directory is None:
                ids, _ = read_postings(leaf.postings(fieldname, btext))
                ready[len(offsets)] = read_positions(leaf.postings(fieldname, btext), ids) + (offset << POSITION_BITS)
                numbers.append(number)
                offsets.append(-1)
                last_ids.append(offset + int(ids.max(initial=0)))
                continue
            numbers.extend([number] * len(directory[0]))
            offsets.extend(directory[0].tolist())
            last_ids.extend((directory[1] + offset).tolist())
        blocks = TermBlocks(numbers, offsets, last_ids)
        blocks.decoded.update(ready)
        return blocks


def positions_in(cache: "scoring.PostingsCache", leaves: list[tuple[Any, int]], fieldname: str,
                 btext: bytes, docs: np.ndarray) -> np.ndarray:
    """Sorted keys of the term's occurrences in sorted `docs` (index-wide doc numbers, all of
    which have the term), read through `leaves` (the calling thread's reader's segments)."""
    if not len(docs):
        return np.zeros(0, dtype=np.int64)
    key = ("positions", fieldname, btext)
    blocks = cache._cached(key)
    if blocks is None:
        blocks = TermBlocks.read(leaves, fieldname, btext)
        cache._remember(key, blocks, len(blocks.offsets) + sum(map(len, blocks.decoded.values())))
    wanted = np.unique(np.searchsorted(blocks.last_ids, docs)).tolist()
    decoded, matchers = blocks.decoded, {}
    for block in wanted:
        if block not in decoded:
            number = blocks.leaves[block]
            leaf, offset = leaves[number]
            if number not in matchers:
                matchers[number] = leaf.postings(fieldname, btext)
            keys = read_block_positions(matchers[number], blocks.offsets[block]) + (offset << POSITION_BITS)
            cache._grow(key, lambda block=block, keys=keys: decoded.setdefault(block, keys) is keys and len(keys))
    parts = [decoded[block] for block in wanted]
    keys = parts[0] if len(parts) == 1 else np.concatenate(parts)
    return keys[scoring.sorted_member(keys >> POSITION_BITS, docs)]
