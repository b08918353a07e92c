"""Stories: near-duplicate articles and articles about the same event, grouped at index time.

News archives repeat themselves (wire copies re-sent with a corrected figure, one agency story
run by many outlets, follow-ups over a few days). Each article gets two MinHash signatures
(datasketch's, computed in numpy by index/minhash.py): one over its word 4-shingles, whose Jaccard
similarity finds near-duplicates, and one over its set of content words, for articles that tell
the same event in other words. LSH tables (MinHashLSH's banding) find the candidates; each
candidate pair is then judged by the pair rule (index/story_rule.py: near-duplicates, versions,
shared words and names, all within WINDOW_DAYS).

Stories do not chain: every article of a story is linked to the story's representative (its
earliest article) or to an article linked to the representative (level 1: the story's core), not
merely to some other member (one-link chaining through any member made stories of 227 articles
mixing a telecom venture, the Taiwan dollar, a tax plan and a coffee meeting). The stories are
what this procedure gives, in the articles' time order (`Entry.rank_key`): an article linked to
one or more earlier representatives joins the one it resembles most (shingle plus content-word
similarity; the earlier on a tie) at level 1; else, linked to earlier level-1 articles, the one
it resembles most, at level 2; else it represents a new story (level 0). A story therefore spans
at most 2 x WINDOW_DAYS. The outcome depends only on the articles, not on the order they arrive
in: an article that arrives out of time order is decided as if it had come in order, and the
later articles its decision can change are decided again (`_settle` says which).

Names count only when they are distinctive in the archive: a name held by COMMON_NAME_DF or
more stored articles (on Reuters-21578: "Revs" and "Avg" read from earnings tables, Ronald
Reagan, the United States) says nothing about which event two articles report. When
a name crosses that count (up or down), the articles holding it are decided again, so the
stories stay a function of the stored articles.

The cost stays near-linear when many similar articles share a day (issue 23): a new article is
compared with the representatives of its window first (a flood of near-identical copies is one
story with one representative), LSH buckets hold at most BUCKET_CAP articles a day, and at most
MAX_CANDIDATES candidates (representatives first, then those sharing most bands) are judged per
decision. Under a flood
that fills the buckets (hundreds of look-alike, distinct articles in a few days) which
candidates are kept can depend on the arrival order; Reuters-21578 does not come near it.

A story's id is derived from its representative (of two articles at the same time, the longer;
then the smaller id), so the same corpus gives the same ids in any order. When an id changes,
the changed articles are reported (`take_changes`) for backends that keep the id in their
documents.
"""
from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from index.article import Article
from index.minhash import BandIndex
from index.story_rule import (CONTAINED_THRESHOLD, DUP_THRESHOLD, LSH_BANDS, LSH_ROWS, LSH_THRESHOLD, NUM_PERM,
                              SHARED_ENTITIES, SHINGLE_WORDS, STRONG_SHARED_ENTITIES, WINDOW_DAYS,
                              WORDS_ALONE_THRESHOLD, WORDS_STRONG_THRESHOLD, WORDS_THRESHOLD, _BANDS, _group_id,
                              content_words, contained, entity_keys, group_id, in_window, jaccard, judge,
                              make_entry, near_duplicates, same_event, shingles, shingles_and_words, signature,
                              tokens)
from index.story_store import STORE_NAME, Entry, StoryStore

# A name held by this many stored articles or more is common: it does not count as a shared
# name (see the module doc). Chosen on Reuters-21578 (bench/stories.py, bench/RESULTS.md).
COMMON_NAME_DF = 50
# The cost bounds (see the module doc): articles per LSH bucket and day, candidates judged.
BUCKET_CAP = 64
MAX_CANDIDATES = 128
# What made the stored groups: a store made by other settings is regrouped from its signatures.
SETTINGS = {"rule": "4", "contained": str(CONTAINED_THRESHOLD), "common_name_df": str(COMMON_NAME_DF),
            "num_perm": str(NUM_PERM), "shingle_words": str(SHINGLE_WORDS), "dup_threshold": str(DUP_THRESHOLD),
            "words_threshold": str(WORDS_THRESHOLD), "words_alone": str(WORDS_ALONE_THRESHOLD),
            "shared_entities": str(SHARED_ENTITIES), "window_days": str(WINDOW_DAYS)}


class StoryIndex:
    """The incremental grouping of one index; `add` each written article, `save` before commit.

    Only articles within WINDOW_DAYS of a new article's date can match it, so the signatures of
    those days are loaded on demand into per-day LSH tables (one of the representatives, one of
    every article; undated ones when an undated article comes): memory follows the dates a run
    touches, not the size of the index.
    """

    def __init__(self, folder: Path) -> None:
        self.store = StoryStore(Path(folder) / STORE_NAME)
        # Per day (None: undated), over the content-word signatures: a near-duplicate pair
        # (shingle Jaccard >= 0.7) has a content-word Jaccard far above the LSH threshold, so its
        # candidates include them (bench/stories.py measures that recall).
        self.leaders: dict[int | None, BandIndex[str]] = {}   # made on demand (_leaders_of)
        self.everyone: dict[int | None, BandIndex[str]] = {}
        self.loaded: dict[str, Entry] = {}
        self.keys: dict[str, list[bytes]] = {}   # band keys of each loaded article
        self.rank: dict[str, tuple] = {}         # rank_key of each loaded article
        # Name -> loaded articles with STRONG_SHARED_ENTITIES or more names: the candidates that
        # share many names but too few words for the LSH tables.
        self.by_name: dict[str, set[str]] = {}
        self.latest: dict[int | None, tuple] = {}   # day -> the latest rank_key loaded on it
        self.loaded_days: set[int] = set()
        self.undated_loaded = False
        self.changes: dict[str, str] = {}   # article id -> its new story id, since take_changes
        self.unstored: set[str] = set()      # new articles decided but not yet put in the store
        self.comparisons = 0                 # pairs judged (tests/test_stories_scaling.py)
        self.df: Counter = Counter(self.store.name_counts())
        self.df_changed: set[str] = set()
        self.common = {key for key, n in self.df.items() if n >= COMMON_NAME_DF}
        self.started_empty = self.store.count() == 0
        if not self.started_empty and self.store.settings() != SETTINGS:
            # Another rule or other thresholds made the stored groups: regroup from the stored
            # signatures (a file of the chaining rule included, see StoryStore._upgrade).
            self.regroup_all()
        self.store.set_settings(SETTINGS)

    # ---- loading ------------------------------------------------------------------------------

    def _table(self, tables: dict[int | None, BandIndex[str]], day: int | None) -> BandIndex[str]:
        table = tables.get(day)
        if table is None:
            table = tables[day] = BandIndex(LSH_BANDS, LSH_ROWS, cap=BUCKET_CAP)
        return table

    def _leaders_of(self, day: int | None) -> BandIndex[str]:
        """The LSH table of a day's representatives, made when a query first needs it (a day
        whose table of every article has a full bucket), then kept up to date."""
        table = self.leaders.get(day)
        if table is None:
            table = self.leaders[day] = BandIndex(LSH_BANDS, LSH_ROWS, cap=BUCKET_CAP)
            for article_id in self.everyone[day].keys:
                if self.loaded[article_id].level == 0:
                    table.insert(article_id, self.keys[article_id])
        return table

    def _remember(self, entry: Entry) -> None:
        if entry.id in self.loaded:
            self._forget(entry.id)
        self.loaded[entry.id] = entry
        keys = self.keys[entry.id] = _BANDS.band_keys(entry.words)
        rank = self.rank[entry.id] = entry.rank_key()
        self._table(self.everyone, entry.day).insert(entry.id, keys)
        if entry.link == entry.id and entry.day in self.leaders:
            self.leaders[entry.day].insert(entry.id, keys)
        if len(entry.entities) >= STRONG_SHARED_ENTITIES:
            for key in entry.entities:
                self.by_name.setdefault(key, set()).add(entry.id)
        if entry.day not in self.latest or self.latest[entry.day] < rank:
            self.latest[entry.day] = rank

    def _forget(self, article_id: str) -> None:
        entry = self.loaded.pop(article_id, None)
        self.keys.pop(article_id, None)
        self.rank.pop(article_id, None)
        if entry is not None:
            for tables in (self.everyone, self.leaders):
                if entry.day in tables:
                    tables[entry.day].remove(article_id)
            for key in entry.entities:
                self.by_name.get(key, set()).discard(article_id)

    def _load_around(self, day: int | None) -> None:
        if day is None:
            if not self.undated_loaded:
                self.undated_loaded = True
                for entry in self.store.undated():
                    if entry.id not in self.loaded:
                        self._remember(entry)
            return
        wanted = set(range(day - WINDOW_DAYS, day + WINDOW_DAYS + 1)) - self.loaded_days
        if not wanted:
            return
        self.loaded_days |= wanted
        for entry in self.store.on_days(min(wanted), max(wanted)):
            if entry.day in wanted and entry.id not in self.loaded:
                self._remember(entry)

    # ---- candidates ---------------------------------------------------------------------------

    def _candidates(self, entry: Entry, days: Iterable[int | None], levels: tuple, earlier: bool) -> list[Entry]:
        """The articles at these levels, earlier (or later) than `entry` and in its window, that
        share a band with it in these days' LSH tables, or STRONG_SHARED_ENTITIES distinctive
        names. At most MAX_CANDIDATES from the tables: representatives first, then those
        sharing most bands."""
        keys = self.keys[entry.id]
        present = [self.everyone[day] for day in days if day in self.everyone]
        found: set[str] = set()
        full = False
        for table in present:
            hits, saturated = table.query_capped(keys)
            found |= hits
            full = full or saturated
        if full and 0 in levels:
            # A flood of copies fills the buckets of the table of every article, but it has one
            # representative: the representatives' own table has it.
            leaders = [self._leaders_of(day) for day in days if day in self.everyone]
            for table in leaders:
                found |= table.query(keys)
            present += leaders
        others = self._eligible(entry, found, levels, earlier)
        if len(others) > MAX_CANDIDATES:
            counts: Counter = Counter()
            for table in present:
                counts.update(table.query_counts(keys))
            others = heapq.nsmallest(MAX_CANDIDATES, others, key=lambda o: (o.level, -counts[o.id], o.id))
        names = [key for key in entry.entities if key not in self.common]
        if len(names) >= STRONG_SHARED_ENTITIES:
            shared = Counter(aid for key in names for aid in self.by_name.get(key, ()))
            many = {aid for aid, count in shared.items() if count >= STRONG_SHARED_ENTITIES}
            many -= {other.id for other in others}
            others += self._eligible(entry, many, levels, earlier)
        return others

    def _judged(self, entry: Entry, others: list[Entry]) -> list[tuple[Entry, tuple[bool, bool, float]]]:
        self.comparisons += len(others)
        return list(zip(others, judge(entry, others, self.common)))

    def _eligible(self, entry: Entry, ids: Iterable[str], levels: int | tuple, earlier: bool) -> list[Entry]:
        levels = levels if isinstance(levels, tuple) else (levels,)
        rank, ranks, loaded = self.rank[entry.id], self.rank, self.loaded
        found = []
        for aid in ids:
            other = loaded.get(aid)
            if (other is not None and other.level in levels and in_window(entry, other)
                    and (ranks[aid] < rank if earlier else ranks[aid] > rank)):
                found.append(other)
        return found

    def _decide(self, entry: Entry) -> tuple[str, bool]:
        """(the article `entry` is tied to, near-duplicate of it): the earlier representative in
        its window it resembles most among those it is linked to; else the earlier level-1
        article it resembles most among those it is linked to (the story's core); else itself."""
        days = [None] if entry.day is None else range(entry.day - WINDOW_DAYS, entry.day + 1)
        candidates = self._candidates(entry, days, (0, 1), earlier=True)
        for level in (0, 1):  # the core only when no representative is linked (not judged before)
            best = None
            for other, (same, dup, similarity) in self._judged(entry, [c for c in candidates if c.level == level]):
                if same:
                    key = (-similarity, self.rank[other.id], other.id, dup)
                    best = key if best is None or key < best else best
            if best is not None:
                return best[2], best[3]
        return entry.id, False

    def _followers(self, entry: Entry, levels: tuple) -> list[Entry]:
        """The later articles at these levels in `entry`'s window linked to it (they may now
        tie themselves to it)."""
        days = [None] if entry.day is None else range(entry.day, entry.day + WINDOW_DAYS + 1)
        rank = self.rank[entry.id]
        if all(self.latest.get(day, rank) <= rank for day in days):
            return []  # nothing later is loaded (articles arriving in time order)
        return [other for other, (same, _, _) in self._judged(entry, self._candidates(entry, days, levels, earlier=False))
                if same]

    def _dependents(self, entry: Entry) -> list[Entry]:
        """The articles tied to `entry`."""
        self._load_around(entry.day)
        return [self.loaded[m.id] for m in self.store.members("link", [entry.id])
                if m.id != entry.id and m.id in self.loaded]

    # ---- deciding -----------------------------------------------------------------------------

    def _settle(self, pending: Iterable[Entry]) -> None:
        """Decide these articles and every one their decisions change, in time order, so each
        is decided from the final decisions of the earlier ones: the outcome of the procedure
        in the module doc, whatever order the articles came in.

        What a change of article y can change: the articles tied to y (when y leaves the core
        or its story); any later article linked to y, when y starts representing a story (a
        representative is preferred); a later article linked to y that is neither tied to a
        representative nor level 1, when y enters the core (level 1)."""
        heap: list[tuple[tuple, str]] = []
        queued: set[str] = set()

        def push(entry: Entry) -> None:
            if entry.id not in queued:
                queued.add(entry.id)
                heapq.heappush(heap, (entry.rank_key(), entry.id))

        for waiting in pending:
            push(waiting)
        while heap:
            _, article_id = heapq.heappop(heap)
            queued.discard(article_id)
            entry = self.loaded.get(article_id)
            if entry is None:
                continue
            self._load_around(entry.day)
            old_level, old_story = entry.level, entry.story
            link, dup = self._decide(entry)
            if not self._assign(entry, link, dup):
                continue
            level = entry.level
            if old_level == 0 and level != 0 and entry.day in self.leaders:
                self.leaders[entry.day].remove(entry.id)
            if old_level in (0, 1) and (level != old_level or entry.story != old_story):
                # Its dependents' recorded levels stay what they were until they are decided.
                for dependent in self._dependents(entry):
                    push(dependent)
            if level == 0 and old_level != 0:
                if entry.day in self.leaders:
                    self.leaders[entry.day].insert(entry.id, self.keys[entry.id])
                for follower in self._followers(entry, (0, 1, 2)):
                    push(follower)
            elif level == 1 and old_level not in (0, 1):
                for follower in self._followers(entry, (0, 2)):
                    push(follower)

    def _assign(self, entry: Entry, link: str, dup: bool) -> bool:
        """Tie `entry` to `link`; whether anything changed."""
        tie = self.loaded[link]
        level = 0 if link == entry.id else tie.level + 1
        story = _group_id("s-", link) if level == 0 else tie.story
        dup_group = tie.dup if dup and level else _group_id("d-", entry.id)
        new = entry.id in self.unstored
        if not new and (entry.link, entry.level, entry.story, entry.dup) == (link, level, story, dup_group):
            return False
        entry.link, entry.level, entry.dup = link, level, dup_group
        if entry.story != story or new:
            entry.story = story
            self.changes[entry.id] = story
        if new:
            self.unstored.discard(entry.id)
            self.store.put(entry)
        else:
            self.store.assign(entry.id, link, level, story, dup_group)
        return True

    def _count_names(self, entry: Entry, step: int) -> list[str]:
        """Add (`step` 1) or take away (-1) an article's names; the names that became common or
        distinctive by it."""
        flipped = []
        for key in entry.entities:
            before = self.df[key]
            after = self.df[key] = before + step
            self.df_changed.add(key)
            if (before < COMMON_NAME_DF) != (after < COMMON_NAME_DF):
                flipped.append(key)
                (self.common.add if after >= COMMON_NAME_DF else self.common.discard)(key)
        return flipped

    def _holders(self, keys: list[str]) -> list[Entry]:
        """The stored articles holding these names, loaded (their links just changed)."""
        found = []
        for key in keys:
            for stored in self.store.holding(key):
                self._load_around(stored.day)
                if stored.id in self.loaded:
                    found.append(self.loaded[stored.id])
        return found

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
        self._load_around(entry.day)
        entry.link = entry.story = entry.dup = ""   # undecided
        entry.level = -1
        self.unstored.add(entry.id)
        self._remember(entry)
        flipped = self._count_names(entry, 1)
        self._settle([entry, *self._holders(flipped)] if flipped else [entry])

    def _remove(self, old: Entry) -> None:
        """Take a changed article out; the articles it represented, and those holding a name it
        made common, are decided again."""
        self._load_around(old.day)
        entry = self.loaded.get(old.id, old)
        # What was tied to it, and (a representative's) what was tied to those.
        members = self._dependents(entry) if entry.level in (0, 1) else []
        members += [m for member in members if member.level == 1 for m in self._dependents(member)]
        self.store.delete(old.id)
        self._forget(old.id)
        flipped = self._count_names(entry, -1)
        self._settle([*members, *self._holders(flipped)])

    def regroup_all(self) -> None:
        """Regroup every stored article from its stored signatures (after a rule change), in
        time order (nothing to decide twice)."""
        entries = sorted(self.store.all(), key=Entry.rank_key)
        self.store.clear()
        self.df.clear()
        self.store.clear_name_counts()
        self.common.clear()
        self.loaded_days = set(range(min((e.day for e in entries if e.day is not None), default=0),
                                     max((e.day for e in entries if e.day is not None), default=0) + 1))
        self.undated_loaded = True  # the store is empty now: nothing to load, everything is inserted
        for entry in entries:
            self._insert(entry)
        self.loaded_days, self.undated_loaded = set(), False
        self._drop_loaded()

    def _drop_loaded(self) -> None:
        self.loaded.clear()
        self.keys.clear()
        self.rank.clear()
        self.leaders.clear()
        self.everyone.clear()
        self.by_name.clear()
        self.latest.clear()

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
        if self.df_changed:
            self.store.set_name_counts({key: self.df[key] for key in self.df_changed})
            self.df_changed.clear()
        self.store.save()

    def close(self) -> None:
        self.store.close()


__all__ = ["StoryIndex", "COMMON_NAME_DF", "BUCKET_CAP", "MAX_CANDIDATES", "SETTINGS",
           # the pair rule (index/story_rule.py), here for the grouping's users
           "CONTAINED_THRESHOLD", "DUP_THRESHOLD", "LSH_BANDS", "LSH_ROWS", "LSH_THRESHOLD", "NUM_PERM",
           "SHARED_ENTITIES", "SHINGLE_WORDS", "STRONG_SHARED_ENTITIES", "WINDOW_DAYS", "WORDS_ALONE_THRESHOLD",
           "WORDS_STRONG_THRESHOLD", "WORDS_THRESHOLD", "content_words", "contained", "entity_keys", "group_id",
           "in_window", "jaccard", "judge", "make_entry", "near_duplicates", "same_event", "shingles",
           "shingles_and_words", "signature", "tokens"]
