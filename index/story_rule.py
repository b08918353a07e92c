"""The pair rule of the story grouping (index/stories.py): what makes two articles near-duplicates
or reports of the same event, from their MinHash signatures and their names.

Each article gets two MinHash signatures (datasketch's, computed in numpy by index/minhash.py):
one over its word 4-shingles, whose Jaccard similarity finds near-duplicates, and one over its
set of content words, for articles that tell the same event in other words.

The rule, for two articles a and b (figures in bench/stories.py, bench/RESULTS.md):
- near-duplicates: shingle Jaccard >= DUP_THRESHOLD (0.7: re-sends and corrections score
  0.75-1.0 on Reuters; two "heating oil price" template reports a month apart score 0.48);
- same event: both dated, at most WINDOW_DAYS (3) apart in calendar days (UTC), and either
  near-duplicates, or content-word Jaccard >= WORDS_THRESHOLD while sharing SHARED_ENTITIES
  person or organisation (the source's tags or recognised ones), or content-word Jaccard >=
  WORDS_STRONG_THRESHOLD while sharing STRONG_SHARED_ENTITIES names of any kind (two agencies'
  accounts of one event share names more than words), or, whatever the names, content-word
  Jaccard >= WORDS_ALONE_THRESHOLD.
  The thresholds were chosen on half of the labelled Reuters pairs and checked on the other;
- a shortened or extended version of another article: both dated within WINDOW_DAYS, the shorter
  one's shingles at least CONTAINED_THRESHOLD contained in the longer one's;
- undated articles are grouped only with undated near-duplicates (an undated copy could
  otherwise join two stories weeks apart).
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Container, Iterable
from datetime import timezone

import numpy as np

from index.article import ENTITY_TYPES, Article
from index.minhash import BandIndex, MinHasher
from index.story_store import Entry

NUM_PERM = 128         # signature length: Jaccard estimated within ~0.04 (1 sd) at 0.7
SHINGLE_WORDS = 4
DUP_THRESHOLD = 0.7
WORDS_THRESHOLD = 0.3
WORDS_ALONE_THRESHOLD = 0.7
SHARED_ENTITIES = 1      # people or organisations (see same_event)
# Two agencies telling one event share its people and places far more than its words (the seed
# articles: content-word Jaccard 0.16, 7 shared entities); so many shared entities with some
# shared words are enough.
STRONG_SHARED_ENTITIES = 5
WORDS_STRONG_THRESHOLD = 0.1
WINDOW_DAYS = 3
# A version of another article (shortened, or extended with more paragraphs): most of the
# shorter one's shingles are in the longer one.
CONTAINED_THRESHOLD = 0.6
# The LSH table's content-word threshold: below WORDS_THRESHOLD, since a short version of a long
# article shares few of its words (the two "Saudi Arabia reiterates commitment" versions: 0.34).
LSH_THRESHOLD = 0.3
MIN_CONTAINED_SHINGLES = 20
_SEED = 1
_WORD = re.compile(r"[^\W_]+")
# Words that say nothing about which event an article reports (the content-word set leaves
# them out, so two unrelated articles do not look alike through grammar alone).
_STOP = frozenset("""a about after again against all also an and any are as at be because been before being
between both but by can could did do does during each few for from further had has have having he her here
hers him his how i if in into is it its itself just more most no nor not now of off on once only or other our
out over own said same says she should so some such than that the their them then there these they this those
through to too under until up very was we were what when where which while who whom why will with would you
your mr mrs ms pct year years week weeks today yesterday tomorrow monday tuesday wednesday thursday friday
saturday sunday january february march april may june july august september october november december""".split())
def shingles(words: list[str], size: int = SHINGLE_WORDS) -> set[bytes]:
    """The word `size`-grams of `words` (lower-cased tokens); a shorter text is one shingle."""
    if len(words) <= size:
        return {" ".join(words).encode()} if words else set()
    if size == 4:  # the shingles the grouping uses: zip is ~2x faster than slicing each window
        return {f"{a} {b} {c} {d}".encode() for a, b, c, d in zip(words, words[1:], words[2:], words[3:])}
    return {" ".join(words[i:i + size]).encode() for i in range(len(words) - size + 1)}


def content_words(words: list[str]) -> set[bytes]:
    """Words of 3+ characters and numbers of 2+ digits, stop words out. Numbers stay in: they
    are what tells one company's earnings table or one market report from the next."""
    return {w.encode() for w in set(words) if len(w) > 1 and w not in _STOP and (len(w) > 2 or w.isdigit())}


def tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


# ASCII text, the bulk of a news archive, is tokenized on bytes: one translate (lower-case letters
# and digits kept, everything else a space) and a split give the tokens `tokens` finds (for ASCII,
# [^\W_] is [A-Za-z0-9]), already as the bytes the hashes take; ~3x cheaper than the regex,
# the f-strings and the encodes.
_ASCII_TABLE = bytes(c + 32 if 65 <= c <= 90 else c if (97 <= c <= 122 or 48 <= c <= 57) else 32
                     for c in range(256))
_STOP_BYTES = frozenset(w.encode() for w in _STOP)


def shingles_and_words(text: str) -> tuple[set[bytes], set[bytes]]:
    """`shingles(tokens(text))` and `content_words(tokens(text))`, computed once."""
    if not text.isascii():
        words = tokens(text)
        return shingles(words), content_words(words)
    raw = text.encode("ascii").translate(_ASCII_TABLE).split()
    if len(raw) <= SHINGLE_WORDS:
        shingle_set = {b" ".join(raw)} if raw else set()
    else:
        shingle_set = set(map(b" ".join, zip(raw, raw[1:], raw[2:], raw[3:])))
    word_set = {w for w in set(raw).difference(_STOP_BYTES) if len(w) > 2 or (len(w) == 2 and w.isdigit())}
    return shingle_set, word_set


def entity_keys(article: Article) -> frozenset[str]:
    return frozenset(f"{kind}:{' '.join(name.lower().split())}" for kind in ENTITY_TYPES
                     for name in article.entities.get(kind, ()) if name.strip())


# The LSH table's bands: what datasketch's MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
# picks (37 bands of 3 rows; tests/test_stories_speed.py checks it), so the candidates are the ones
# MinHashLSH gave.
LSH_BANDS, LSH_ROWS = 37, 3
# Signatures as datasketch 2.0.0's MinHash(num_perm=NUM_PERM, seed=_SEED, hashfunc=zlib.crc32)
# computes them (crc32: stable across processes and ~5x faster than datasketch's default sha1),
# in numpy without datasketch's per-call bookkeeping (index/minhash.py; tests check equality).
_HASHER = MinHasher(NUM_PERM, _SEED)
_BANDS: BandIndex[str] = BandIndex(LSH_BANDS, LSH_ROWS)  # band_keys only; holds nothing


def signature(items: set[bytes]) -> np.ndarray:
    """MinHash values (uint32) of a set."""
    return _HASHER.signature(items)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two sets from their signatures."""
    return float(np.count_nonzero(a == b)) / len(a)


def make_entry(article: Article, article_id: str, content_hash: str) -> Entry:
    shingle_set, word_set = shingles_and_words(f"{article.title}\n{article.body}")
    day = ts = None
    if article.date is not None:
        ts = article.date.timestamp()
        day = article.date.astimezone(timezone.utc).date().toordinal()
    shingle_signature, word_signature = _HASHER.signatures((shingle_set, word_set))
    return Entry(article_id, day, ts, len(article.body), content_hash, shingle_signature,
                 word_signature, len(shingle_set), len(word_set), entity_keys(article), "", -1, "", "")


def contained(a: Entry, b: Entry) -> float:
    """How much of the shorter article's shingles the longer one holds, from the Jaccard
    estimate and the set sizes (|A n B| = J (|A| + |B|) / (1 + J)): a wire story and its
    shortened or extended version ("URGENT" first take, full story later) have a low Jaccard
    similarity but one contains the other. 0 for articles too short to tell."""
    return _contained(a, b, jaccard(a.shingles, b.shingles))


def _contained(a: Entry, b: Entry, similarity: float) -> float:
    smaller = min(a.n_shingles, b.n_shingles)
    if smaller < MIN_CONTAINED_SHINGLES:
        return 0.0
    return min(1.0, similarity * (a.n_shingles + b.n_shingles) / (1 + similarity) / smaller)


def in_window(a: Entry, b: Entry) -> bool:
    """Whether the pair can be linked at all: both dated at most WINDOW_DAYS apart, or both
    undated. Outside it neither rule holds, so candidates outside it need no signatures."""
    if a.day is None or b.day is None:
        return a.day is None and b.day is None
    return abs(a.day - b.day) <= WINDOW_DAYS


def near_duplicates(a: Entry, b: Entry) -> bool:
    return in_window(a, b) and jaccard(a.shingles, b.shingles) >= DUP_THRESHOLD


def same_event(a: Entry, b: Entry, common: Container[str] = frozenset()) -> bool:
    """Whether the pair is linked; `common`: names that do not count (see COMMON_NAME_DF)."""
    return in_window(a, b) and judge(a, [b], common)[0][0]


def _names_link(a: Entry, b: Entry, words: float, common: Container[str]) -> bool:
    """The words-and-names part of the rule, for a dated pair the words alone do not link."""
    shared = [key for key in a.entities & b.entities if key not in common]
    # Who, not where: shared places say little (a desk's dateline, "United States" on most
    # Reuters articles: two companies' dividend notices from one city share both), so the
    # words-and-names rule counts people and organisations; without one the words alone must
    # say it.
    actors = sum(1 for key in shared if not key.startswith("place:"))
    return ((words >= WORDS_THRESHOLD and actors >= SHARED_ENTITIES)
            or (words >= WORDS_STRONG_THRESHOLD and len(shared) >= STRONG_SHARED_ENTITIES))


_NAMES_FROM = min(WORDS_THRESHOLD, WORDS_STRONG_THRESHOLD)


def judge(entry: Entry, others: list[Entry], common: Container[str] = frozenset()) -> list[tuple[bool, bool, float]]:
    """(same event, near-duplicates, similarity) of `entry` with each of `others` (all
    `in_window`): the rule in one place, for `same_event` and for `StoryIndex`, which judges all
    of an article's candidates at once. The Jaccard estimates are the numbers `jaccard` gives
    (equal values counted, divided by the signature length), for all pairs in a few numpy
    operations; only pairs the words alone do not decide look at the names (those in `common`
    not counted). The similarity (shingle plus content-word Jaccard) ranks the stories an
    article could join.

    A pair is the same event when its shingle Jaccard is >= DUP_THRESHOLD (near-duplicates);
    or, both dated, when the shorter one's shingles are CONTAINED_THRESHOLD contained in the
    longer one's, or their content-word Jaccard is >= WORDS_ALONE_THRESHOLD, or >=
    WORDS_THRESHOLD with SHARED_ENTITIES person or organisation in common, or >=
    WORDS_STRONG_THRESHOLD with STRONG_SHARED_ENTITIES names of any kind in common."""
    if not others:
        return []
    length = len(entry.shingles)
    shape = (len(others), length)  # concatenate + reshape: np.stack's checks cost more than the compare
    shingle = np.count_nonzero(np.concatenate([o.shingles for o in others]).reshape(shape) == entry.shingles,
                               axis=1) / length
    words = np.count_nonzero(np.concatenate([o.words for o in others]).reshape(shape) == entry.words,
                             axis=1) / length
    dup = shingle >= DUP_THRESHOLD
    if entry.day is None:  # both undated: only near-duplicates are grouped
        same = dup.copy()
    else:
        # contained(): |A n B| = J (|A| + |B|) / (1 + J), over the smaller set's size.
        sizes = np.array([o.n_shingles for o in others], dtype=np.float64)
        smaller = np.minimum(sizes, entry.n_shingles)
        with np.errstate(divide="ignore", invalid="ignore"):
            held = np.minimum(1.0, shingle * (sizes + entry.n_shingles) / (1 + shingle) / smaller)
        held[smaller < MIN_CONTAINED_SHINGLES] = 0.0
        same = dup | (held >= CONTAINED_THRESHOLD) | (words >= WORDS_ALONE_THRESHOLD)
        if entry.entities:
            for i in np.flatnonzero(~same & (words >= _NAMES_FROM)).tolist():
                same[i] = _names_link(entry, others[i], float(words[i]), common)
    return list(zip(same.tolist(), dup.tolist(), (shingle + words).tolist()))


def group_id(prefix: str, members: Iterable[Entry]) -> str:
    """A group's id: from its representative's article id, so it is the same in any order."""
    return _group_id(prefix, min(members, key=Entry.rank_key).id)


def _group_id(prefix: str, representative: str) -> str:
    return prefix + hashlib.sha1(representative.encode("utf-8", "surrogatepass")).hexdigest()[:16]
