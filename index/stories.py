"""Stories: near-duplicate articles and articles about the same event, grouped at index time.

News archives repeat themselves (wire copies re-sent with a corrected figure, one agency story
run by many outlets, follow-ups over a few days). Each article gets two MinHash signatures
(datasketch's, computed in numpy by index/minhash.py): one over its word 4-shingles, whose Jaccard
similarity finds near-duplicates, and one over its set of content words, for articles that tell
the same event in other words. An LSH table (MinHashLSH's banding) finds the candidates; each
candidate pair is then judged by the rule below.

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

Linked articles form chains (connected components), which do not depend on the order in which
articles arrive: a new article links to every stored article it matches, and the chains it
links are merged. A chain is cut into stories of at most MAX_STORY_DAYS (`_cut`), from its own
articles only, so that daily template reports do not chain into a months-long story. A story's
id is derived from its representative, its earliest article (of two at the same time, the
longer; then the smaller id), so the same corpus gives the same ids in any order. When a merge
or an earlier article changes a story's id, the changed articles are reported (`take_changes`)
for backends that keep the id in their documents.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from datetime import timezone
from pathlib import Path

import numpy as np

from index.article import ENTITY_TYPES, Article
from index.minhash import BandIndex, MinHasher
from index.story_store import STORE_NAME, Entry, StoryStore

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
MAX_STORY_DAYS = 7     # a chain of links longer than this is cut into stories (see _cut)
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
# What made the stored groups: a store made by other settings is regrouped from its signatures.
SETTINGS = {"rule": "3", "contained": str(CONTAINED_THRESHOLD), "max_story_days": str(MAX_STORY_DAYS),
            "num_perm": str(NUM_PERM), "shingle_words": str(SHINGLE_WORDS), "dup_threshold": str(DUP_THRESHOLD),
            "words_threshold": str(WORDS_THRESHOLD), "words_alone": str(WORDS_ALONE_THRESHOLD),
            "shared_entities": str(SHARED_ENTITIES), "window_days": str(WINDOW_DAYS)}


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
                 word_signature, len(shingle_set), len(word_set), entity_keys(article), "", "", "")


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


def same_event(a: Entry, b: Entry) -> bool:
    return in_window(a, b) and _links(a, b, jaccard(a.shingles, b.shingles), jaccard(a.words, b.words))[0]


def _links(a: Entry, b: Entry, shingle_similarity: float, word_similarity: float) -> tuple[bool, bool]:
    """(same event, near-duplicates) of a pair `in_window`, from its two Jaccard estimates: the
    rule in one place, for `same_event` and for `StoryIndex`, which estimates all of an article's
    candidates at once."""
    if shingle_similarity >= DUP_THRESHOLD:
        return True, True
    if a.day is None:  # both undated: only near-duplicates are grouped
        return False, False
    if _contained(a, b, shingle_similarity) >= CONTAINED_THRESHOLD:
        return True, False
    words = word_similarity
    shared = a.entities & b.entities
    # Who, not where: shared places say little (a desk's dateline, "United States" on most
    # Reuters articles: two companies' dividend notices from one city share both), so the
    # words-and-names rule counts people and organisations; without one the words alone must
    # say it.
    actors = sum(1 for key in shared if not key.startswith("place:"))
    same = ((words >= WORDS_THRESHOLD and actors >= SHARED_ENTITIES)
            or (words >= WORDS_STRONG_THRESHOLD and len(shared) >= STRONG_SHARED_ENTITIES)
            or words >= WORDS_ALONE_THRESHOLD)
    return same, False


def judge(entry: Entry, others: list[Entry]) -> list[tuple[bool, bool]]:
    """(same event, near-duplicates) of `entry` with each of `others` (all `in_window`): the
    signatures compared in two numpy operations instead of two per pair. The estimates are the
    same numbers `jaccard` gives (equal values counted, divided by the signature length)."""
    if not others:
        return []
    length = len(entry.shingles)
    shape = (len(others), length)  # concatenate + reshape: np.stack's checks cost more than the compare
    shingle_equal = np.count_nonzero(np.concatenate([o.shingles for o in others]).reshape(shape) == entry.shingles,
                                     axis=1).tolist()
    word_equal = np.count_nonzero(np.concatenate([o.words for o in others]).reshape(shape) == entry.words,
                                  axis=1).tolist()
    return [_links(entry, other, s / length, w / length) for other, s, w in zip(others, shingle_equal, word_equal)]


def group_id(prefix: str, members: Iterable[Entry]) -> str:
    """A group's id: from its representative's article id, so it is the same in any order."""
    representative = min(members, key=Entry.rank_key)
    return prefix + hashlib.sha1(representative.id.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class StoryIndex:
    """The incremental grouping of one index; `add` each written article, `save` before commit.

    Only articles within WINDOW_DAYS of a new article's date can match it, so the signatures of
    those days are loaded into the LSH tables on demand (undated ones when an undated article
    comes): memory follows the dates a run touches, not the size of the index.
    """

    def __init__(self, folder: Path) -> None:
        self.store = StoryStore(Path(folder) / STORE_NAME)
        # One LSH table, over the content words: a near-duplicate pair (shingle Jaccard >= 0.7)
        # has a content-word Jaccard far above its threshold, so its candidates include them
        # (bench/stories.py measures that recall); a second table would double the LSH cost.
        self.word_lsh = BandIndex(LSH_BANDS, LSH_ROWS)
        self.loaded: dict[str, Entry] = {}
        # Entity key -> loaded articles with STRONG_SHARED_ENTITIES or more entities: the
        # candidates that share many names but too few words for the LSH table.
        self.by_entity: dict[str, set[str]] = {}
        self.loaded_days: set[int] = set()
        self.undated_loaded = False
        self.changes: dict[str, str] = {}   # article id -> its new story id, since take_changes
        self.started_empty = self.store.count() == 0
        if not self.started_empty and self.store.settings() != SETTINGS:
            # Other thresholds: the stored groups were made by another rule; regroup from scratch.
            self.regroup_all()
        self.store.set_settings(SETTINGS)

    # ---- loading ------------------------------------------------------------------------------

    def _remember(self, entry: Entry, keys: list[bytes] | None = None) -> None:
        if entry.id in self.loaded:
            self._forget(entry.id)
        self.loaded[entry.id] = entry
        self.word_lsh.insert(entry.id, keys if keys is not None else self.word_lsh.band_keys(entry.words))
        if len(entry.entities) >= STRONG_SHARED_ENTITIES:
            for key in entry.entities:
                self.by_entity.setdefault(key, set()).add(entry.id)

    def _forget(self, article_id: str) -> None:
        entry = self.loaded.pop(article_id, None)
        if entry is not None:
            self.word_lsh.remove(article_id)
            for key in entry.entities:
                self.by_entity.get(key, set()).discard(article_id)

    def _load_around(self, day: int | None) -> None:
        if day is None:
            if not self.undated_loaded:
                self.undated_loaded = True
                for entry in self.store.undated():
                    self._remember(entry)
            return
        wanted = set(range(day - WINDOW_DAYS, day + WINDOW_DAYS + 1)) - self.loaded_days
        if not wanted:
            return
        self.loaded_days |= wanted
        for entry in self.store.on_days(min(wanted), max(wanted)):
            if entry.day in wanted and entry.id not in self.loaded:
                self._remember(entry)

    # ---- adding -------------------------------------------------------------------------------

    def stored_hashes(self, article_ids: list[str]) -> dict[str, str]:
        return self.store.hashes(article_ids)

    def add(self, article: Article, article_id: str, content_hash: str) -> None:
        """Group one written article with the stored ones (an unchanged one is left as it is)."""
        # A run that starts on an empty store has nothing to look up (the indexer writes each
        # id once per run).
        old = None if self.started_empty else self.store.get(article_id)
        if old is not None and old.hash == content_hash:
            # Its grouping stands; but the backend just rewrote the document, so a backend that
            # keeps the story id in documents must set it again.
            self.changes[article_id] = old.story
            return
        if old is not None:
            self._remove(old)
        self._insert(make_entry(article, article_id, content_hash))

    def _insert(self, entry: Entry) -> None:
        article_id = entry.id
        self._load_around(entry.day)
        keys = self.word_lsh.band_keys(entry.words)   # once, for the query and the insert
        candidates = self.word_lsh.query(keys)
        if len(entry.entities) >= STRONG_SHARED_ENTITIES:
            shared = Counter(aid for key in entry.entities for aid in self.by_entity.get(key, ()))
            candidates.update(aid for aid, count in shared.items() if count >= STRONG_SHARED_ENTITIES)
        loaded = self.loaded
        linked = [loaded[c] for c in sorted(candidates) if c in loaded and c != article_id]
        linked = [other for other in linked if in_window(entry, other)]
        decisions = judge(entry, linked)
        story_links = [other for other, (same, _) in zip(linked, decisions) if same]
        dup_links = [other for other, (_, dup) in zip(linked, decisions) if dup]
        if not story_links:  # most articles: a story of their own, written once
            entry.chain, entry.story, entry.dup = (group_id(p, [entry]) for p in ("c-", "s-", "d-"))
            self.store.put(entry)
            self._remember(entry, keys)
            self.changes[article_id] = entry.story
            return
        entry.chain = entry.story = entry.dup = article_id  # provisional, replaced below
        self.store.put(entry)
        self._remember(entry, keys)
        self._cut(self._merge("chain", entry, {other.chain for other in story_links}))
        self._merge("dup", entry, {other.dup for other in dup_links})

    def _merge(self, column: str, entry: Entry, groups: set[str]) -> list[Entry]:
        """Put `entry` and every article of `groups` into one group named by its representative;
        returns the group."""
        members = self.store.members(column, groups) if groups else []
        members = [m for m in members if m.id != entry.id] + [entry]
        new_id = group_id("c-" if column == "chain" else "d-", members)
        self._set(column, [m for m in members if getattr(m, column) != new_id], new_id)
        return members

    def _cut(self, chain: list[Entry]) -> None:
        """Cut a chain of linked articles into stories of at most MAX_STORY_DAYS each.

        Links reach WINDOW_DAYS, so a series of daily template reports ("U.K. money market
        shortage forecast", "Exxon cuts heating oil price") would otherwise chain into one story
        of months. In date order, an article starts a new story when it is more than
        MAX_STORY_DAYS after the first of the current one. Only the chain's own articles
        decide, so the cut is the same whatever order they arrived in.
        """
        ordered = sorted(chain, key=lambda m: (m.day if m.day is not None else 0, m.ts or 0.0, m.id))
        stories: list[list[Entry]] = []
        for member in ordered:
            if stories and (member.day is None or member.day - stories[-1][0].day <= MAX_STORY_DAYS):
                stories[-1].append(member)
            else:
                stories.append([member])
        for story in stories:
            new_id = group_id("s-", story)
            self._set("story", [m for m in story if m.story != new_id], new_id)

    def _set(self, column: str, members: list[Entry], new_id: str) -> None:
        self.store.set_group(column, [m.id for m in members], new_id)
        for member in members:
            setattr(member, column, new_id)
            if member.id in self.loaded:
                setattr(self.loaded[member.id], column, new_id)
            if column == "story":
                self.changes[member.id] = new_id

    def _remove(self, old: Entry) -> None:
        """Take a changed article out; what remains of its groups is split into its components."""
        self.store.delete(old.id)
        self._forget(old.id)
        for column in ("chain", "dup"):
            rest = [m for m in self.store.members(column, [getattr(old, column)]) if m.id != old.id]
            linked = same_event if column == "chain" else near_duplicates
            for component in components(rest, linked):
                new_id = group_id("c-" if column == "chain" else "d-", component)
                self._set(column, [m for m in component if getattr(m, column) != new_id], new_id)
                if column == "chain":
                    self._cut(component)

    def regroup_all(self) -> None:
        """Regroup every stored article from its stored signatures (after a rule change)."""
        entries = [self.store.get(aid) for aid, _, _ in list(self.store.assignments())]
        for entry in entries:
            self.store.delete(entry.id)
        for entry in sorted(entries, key=lambda e: e.id):
            self._insert(entry)

    # ---- committing ---------------------------------------------------------------------------

    def story_of(self, article_id: str) -> str | None:
        """The story an article is in now (after `add`): what a backend that keeps story ids in
        documents writes with the article, so only later changes need a second write."""
        if article_id in self.changes:
            return self.changes[article_id]
        entry = self.loaded.get(article_id)
        return entry.story if entry is not None else None

    def take_changes(self) -> dict[str, str]:
        """Article id -> story id for every article whose story was set or changed since the
        last call (the new articles included)."""
        changes, self.changes = self.changes, {}
        return changes

    def save(self) -> None:
        self.store.save()

    def close(self) -> None:
        self.store.close()


def components(entries: list[Entry], linked) -> list[list[Entry]]:
    """Connected components of `entries` under the pair rule `linked` (pairwise: for the few
    articles of one story; the index-wide grouping uses LSH candidates instead)."""
    parent = list(range(len(entries)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(entries)):
        for j in range(i + 1, len(entries)):
            if root(i) != root(j) and linked(entries[i], entries[j]):
                parent[root(i)] = root(j)
    groups: dict[int, list[Entry]] = {}
    for i, entry in enumerate(entries):
        groups.setdefault(root(i), []).append(entry)
    return list(groups.values())


__all__ = ["StoryIndex", "DUP_THRESHOLD", "WORDS_THRESHOLD", "WORDS_ALONE_THRESHOLD", "SHARED_ENTITIES",
           "WINDOW_DAYS", "same_event", "near_duplicates", "in_window", "judge", "make_entry", "jaccard", "shingles",
           "content_words", "components", "group_id"]
