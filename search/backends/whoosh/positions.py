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
`internals.read_block_positions`) and cached as sorted `doc << POSITION_BITS | position` keys in
the generation's `PostingsCache`, under its LRU budget (a block's entry counts its positions).
Word pairs decode the blocks of the documents having both words; proximity's top articles are
among them, so it reuses those blocks instead of decoding again.
"""
from __future__ import annotations

import numpy as np

from search.backends.whoosh import scoring
from search.backends.whoosh.internals import POSITION_BITS, block_directory, read_block_positions, read_positions


def in_leaf(cache: "scoring.PostingsCache", number: int, leaf, fieldname: str, btext: bytes,
            docs: np.ndarray) -> np.ndarray:
    """Sorted keys of the term's occurrences in sorted segment-local `docs` (all of which have
    the term) of segment `number` of the cache's reader, `leaf`."""
    directory_key = ("blocks", fieldname, btext, number)
    directory = cache._cached(directory_key)
    if directory is None:
        directory = block_directory(leaf.postings(fieldname, btext)) or ()
        cache._remember(directory_key, directory, len(directory[0]) if directory else 1)
    if not directory:  # not in blocks (a single inlined posting, another format): step through
        return read_positions(leaf.postings(fieldname, btext), docs)
    offsets, last_ids = directory
    blocks = np.unique(np.minimum(np.searchsorted(last_ids, docs), len(offsets) - 1))
    parts, matcher = [], None
    for block in blocks.tolist():
        block_key = ("block", fieldname, btext, number, block)
        keys = cache._cached(block_key)
        if keys is None:
            if matcher is None:
                matcher = leaf.postings(fieldname, btext)
            keys = read_block_positions(matcher, int(offsets[block]))
            cache._remember(block_key, keys, len(keys))
        parts.append(keys)
    keys = parts[0] if len(parts) == 1 else np.concatenate(parts)
    return keys[scoring.sorted_member(keys >> POSITION_BITS, docs)]
