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
the generation's `PostingsCache`: one entry per term and segment (`TermBlocks`), counted in the
cache's budget by its blocks' positions. Word pairs decode the blocks of the documents having
both words; proximity's top articles are among them, so it reuses those blocks.
"""
from __future__ import annotations

import numpy as np

from search.backends.whoosh import scoring
from search.backends.whoosh.internals import POSITION_BITS, block_directory, read_block_positions, read_positions


class TermBlocks:
    """One segment's postings blocks of a term: where they are, and the ones decoded so far
    (block number -> sorted keys). One cache entry per term and segment, so that a request
    looks a word up once, not once per block."""

    def __init__(self, offsets: np.ndarray, last_ids: np.ndarray) -> None:
        self.offsets, self.last_ids = offsets, last_ids
        self.decoded: dict[int, np.ndarray] = {}


def in_leaf(cache: "scoring.PostingsCache", number: int, leaf, fieldname: str, btext: bytes,
            docs: np.ndarray) -> np.ndarray:
    """Sorted keys of the term's occurrences in sorted segment-local `docs` (all of which have
    the term) of segment `number` of the cache's reader, `leaf`."""
    key = ("positions", fieldname, btext, number)
    blocks = cache._cached(key)
    if blocks is None:
        directory = block_directory(leaf.postings(fieldname, btext))
        blocks = TermBlocks(*directory) if directory else False
        cache._remember(key, blocks, len(directory[0]) if directory else 1)
    if blocks is False:  # not in blocks (a single inlined posting, another format): step through
        return read_positions(leaf.postings(fieldname, btext), docs)
    wanted = np.unique(np.minimum(np.searchsorted(blocks.last_ids, docs), len(blocks.offsets) - 1)).tolist()
    decoded, matcher = blocks.decoded, None
    for block in wanted:
        if block not in decoded:
            if matcher is None:
                matcher = leaf.postings(fieldname, btext)
            keys = read_block_positions(matcher, int(blocks.offsets[block]))
            cache._grow(key, lambda: decoded.setdefault(block, keys) is keys and len(keys))
    parts = [decoded[block] for block in wanted]
    keys = parts[0] if len(parts) == 1 else np.concatenate(parts)
    return keys[scoring.sorted_member(keys >> POSITION_BITS, docs)]
