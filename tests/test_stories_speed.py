"""The cheaper story grouping decides exactly what the datasketch-based one decided.

index/minhash.py replaced datasketch's MinHash and MinHashLSH in the indexing process (issue 13's
cost goal). These tests hold it to datasketch itself: the same permutations, the same signatures
bit for bit, the same LSH bands and candidates; and the grouping of a Reuters file to a digest
computed by the code before the change (commit 211a6ae).
"""
from __future__ import annotations

import hashlib
import random
import zlib

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH

from index import stories as st
from index.article import Article
from index.minhash import BandIndex, MinHasher, permutations

# sha1 over the sorted (id, shingle signature, word signature, set sizes) rows of reut2-004's
# grouping: what the datasketch-based code of commit 211a6ae stored (unchanged since).
REUTERS_004_SIGNATURES = "33cb382465b74ade34325dcba435011651489d65"
# sha1 over the sorted (id, link, level, story, dup) rows: the groups of the rule without chaining
# (rule 4, index/stories.py), so a speed-up that changes a decision fails here.
REUTERS_004_GROUPS = "0c0bf603542fc123fc0b8eeba7639e3746c14c38"


def _datasketch_signature(items: set[bytes]) -> np.ndarray:
    """What index/stories.py computed before: datasketch's MinHash with crc32, seed 1."""
    minhash = MinHash(num_perm=st.NUM_PERM, seed=1, hashfunc=zlib.crc32)
    if items:
        minhash.update_batch(list(items))
    return minhash.hashvalues.astype(np.uint32)


def _random_sets(seed: int) -> list[set[bytes]]:
    rng = random.Random(seed)
    sizes = [0, 1, 2, 3, 7, 40, 200, 1500]
    return [{bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 30))) for _ in range(n)} for n in sizes]


def test_permutations_are_datasketchs():
    a, b = permutations(st.NUM_PERM, 1)
    reference = MinHash(num_perm=st.NUM_PERM, seed=1, hashfunc=zlib.crc32)
    assert reference.scheme == "affine32"
    assert np.array_equal(a, reference.permutations[0]) and np.array_equal(b, reference.permutations[1])


def test_signatures_are_identical_to_datasketchs():
    hasher = MinHasher(st.NUM_PERM, 1)
    sets = _random_sets(1) + [st.shingles(st.tokens("Exxon cuts heating oil price by one cent")),
                              st.content_words(st.tokens("The dollar in Tokyo, 19 October 1987"))]
    for items in sets:
        expected = _datasketch_signature(items)
        assert st.signature(items).dtype == np.uint32
        assert np.array_equal(st.signature(items), expected)
        assert np.array_equal(hasher.signature(items), expected)
    # Several sets at once (make_entry's two), empty ones anywhere among them.
    for first, second in [(sets[0], sets[5]), (sets[5], sets[0]), (sets[6], sets[7]), (sets[0], sets[0])]:
        together = hasher.signatures([first, second])
        assert np.array_equal(together[0], _datasketch_signature(first))
        assert np.array_equal(together[1], _datasketch_signature(second))


def test_make_entry_signatures_are_identical_to_datasketchs():
    from datetime import datetime

    body = "Saudi Arabia reiterated its commitment to the OPEC pact, the oil minister said on Sunday. " * 3
    entry = st.make_entry(Article(title="Saudi Arabia reiterates commitment", body=body,
                                  date=datetime(1987, 3, 1)), "x", "h")
    words = st.tokens(f"Saudi Arabia reiterates commitment\n{body}")
    assert np.array_equal(entry.shingles, _datasketch_signature(st.shingles(words)))
    assert np.array_equal(entry.words, _datasketch_signature(st.content_words(words)))


def test_lsh_bands_are_the_ones_minhashlsh_picks():
    reference = MinHashLSH(threshold=st.LSH_THRESHOLD, num_perm=st.NUM_PERM)
    assert (reference.b, reference.r) == (st.LSH_BANDS, st.LSH_ROWS)


def test_lsh_candidates_are_minhashlshs():
    """Inserts, removals and queries give the same candidates as datasketch's MinHashLSH."""
    rng = random.Random(7)
    vocabulary = [f"w{i}".encode() for i in range(300)]
    base = [set(rng.sample(vocabulary, 40)) for _ in range(20)]
    sets = []
    for i in range(400):  # variants of a few base sets: many pairs near the 0.3 threshold
        items = set(base[i % 20])
        for _ in range(rng.randint(0, 40)):
            items.discard(rng.choice(vocabulary))
            items.add(rng.choice(vocabulary))
        sets.append(items)
    signatures = [st.signature(s) for s in sets]
    ours = BandIndex(st.LSH_BANDS, st.LSH_ROWS)
    theirs = MinHashLSH(threshold=st.LSH_THRESHOLD, num_perm=st.NUM_PERM)
    found = 0
    for i, values in enumerate(signatures):
        minhash = MinHash(num_perm=st.NUM_PERM, seed=1, hashfunc=zlib.crc32, hashvalues=values, scheme="affine32")
        keys = ours.band_keys(values)
        assert ours.query(keys) == set(theirs.query(minhash))
        found += len(ours.query(keys))
        ours.insert(i, keys)
        theirs.insert(i, minhash, check_duplication=False)
        if i % 7 == 3:  # a changed article leaves the table
            ours.remove(i - 2)
            theirs.remove(i - 2)
    assert found > 400  # the sets do collide
    for values in signatures:
        minhash = MinHash(num_perm=st.NUM_PERM, seed=1, hashfunc=zlib.crc32, hashvalues=values, scheme="affine32")
        assert ours.query(ours.band_keys(values)) == set(theirs.query(minhash))


def test_reuters_grouping_is_what_it_was(reuters_dir, tmp_path):
    """The grouping of one Reuters file, row for row: the signatures as the code before the
    speed-up made them, and the groups as the rule without chaining makes them."""
    from index.readers import ReadOptions, read_file

    path = reuters_dir / "reut2-004.sgm.gz"
    if not path.exists():
        pytest.skip("Reuters-21578 not available")
    articles = [a for a in read_file(path, ReadOptions(), "reuters") if isinstance(a, Article)]
    index = st.StoryIndex(tmp_path)
    for article in articles:
        index.add(article, article.id, article.content_hash)
    index.save()
    signatures, groups = hashlib.sha1(), hashlib.sha1()
    for row in index.store.conn.execute("SELECT id, shingles, words, n_shingles, n_words FROM article ORDER BY id"):
        signatures.update(repr(row).encode())
    for row in index.store.conn.execute("SELECT id, link, level, story, dup FROM article ORDER BY id"):
        groups.update(repr(row).encode())
    index.close()
    assert signatures.hexdigest() == REUTERS_004_SIGNATURES
    assert groups.hexdigest() == REUTERS_004_GROUPS


def test_ascii_fast_path_gives_the_same_sets():
    """shingles_and_words (bytes, for ASCII text) against the regex path, on awkward text."""
    import string

    rng = random.Random(11)
    alphabet = string.printable + "_\u00e9\u00df"
    texts = ["", "a", "Oil", "the of and", "U.S. 1987 oil-price 12 pct cut_off at 3.5 dlrs",
             "A B C D", "A B C D E", "x__y 12 a1 99 the THE The"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(3000)]
    for text in texts:
        words = st.tokens(text)
        assert st.shingles_and_words(text) == (st.shingles(words), st.content_words(words)), repr(text)
