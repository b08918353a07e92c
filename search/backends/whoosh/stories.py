"""Stories on the Whoosh backend: which story each document belongs to, collapsing a ranked
result list to one hit per story, the story filter, and story summaries.

Whoosh cannot change one field of a stored document, and a story id changes when stories merge
(index.story_store says why), so the story of each article is read from the index's
`stories.sqlite`, once per index generation, into a numpy array by document number (each
segment's article ids are cached beside the index, `tablecache`). The
indexer saves that file before each index commit, so a generation's table is never older than
the generation. An article with no row (indexed with `stories=False`, or before stories
existed) is a story of its own.
"""
from __future__ import annotations

import threading
from functools import partial
from pathlib import Path

import numpy as np

from index.story_store import read_assignments
from search.backends.whoosh.facets import UNDATED, IndexTables, atomic_leaf, timestamp_to_datetime, unfiltered_postings
from search.backends.whoosh.internals import read_postings
from search.backends.whoosh.scoring import leaves_of
from search.backends.whoosh.tablecache import pack_strings, segment_arrays, strings_valid, unpack_strings
from search.results import MAX_STORY_OTHERS, StoryInfo

KEEP_TABLES = 2  # generations kept, like the engine's tables: threads on the previous one finish


class StoryTable:
    """Story number per document number (-1: the article has no story row) for one generation."""

    def __init__(self, reader, index_dir: Path, tables: IndexTables | None = None) -> None:
        assignments = read_assignments(index_dir)
        self.ids: list[str] = sorted(set(assignments.values()))
        number = {story_id: i for i, story_id in enumerate(self.ids)}
        self.of_doc = np.full(reader.doc_count_all(), -1, dtype=np.int64)
        found_docs: list[int] = []
        found_ids: list[str] = []
        found_numbers: list[int] = []
        if assignments:
            for leaf, offset in leaves_of(reader):
                # Each segment's (article id, document) pairs, cached beside the index like
                # the facet tables: walking the id lexicon took seconds on Reuters.
                arrays = segment_arrays(index_dir if atomic_leaf(leaf) else None, leaf, "ids",
                                        partial(_segment_ids, leaf), _segment_ids_valid)
                docs = (arrays["docs"].astype(np.int64) + offset).tolist()
                for article_id, doc in zip(unpack_strings(arrays["text"], arrays["ends"]), docs):
                    story = assignments.get(article_id)
                    if story is not None:
                        found_docs.append(doc)
                        found_ids.append(article_id)
                        found_numbers.append(number[story])
        found = np.asarray(found_docs, dtype=np.int64)
        self.of_doc[found] = np.asarray(found_numbers, dtype=np.int64)
        if tables is not None and len(tables.live) < len(self.of_doc):  # deleted documents belong to no story
            alive = np.zeros(len(self.of_doc), dtype=bool)
            alive[tables.live] = True
            self.of_doc[~alive] = -1
        self.number = number
        # The ids of articles in stories of two or more (most stories are one article): a hit's
        # "others" without reading each one's stored fields, body and all.
        sizes = np.bincount(self.of_doc[self.of_doc >= 0], minlength=len(self.ids))
        numbers = self.of_doc[found]
        shared = np.flatnonzero((numbers >= 0) & (sizes[np.maximum(numbers, 0)] > 1)) if len(sizes) else found[:0]
        self.id_of = {found_docs[i]: found_ids[i] for i in shared.tolist()}
        self._source_of: np.ndarray | None = None
        # Members by story number, without a scan of the whole table per story: documents in
        # story order (-1 first), and where each story's run starts.
        self._order = np.argsort(self.of_doc, kind="stable")
        self._starts = np.searchsorted(self.of_doc[self._order], np.arange(-1, len(self.ids) + 1))

    def sources(self, tables: IndexTables, members: np.ndarray) -> list[str]:
        """The sources of these articles, most frequent first (ties alphabetical), from the
        generation's source facet table."""
        if self._source_of is None:
            field = tables.fields["source"]
            source_of = np.full(len(self.of_doc), -1, dtype=np.int64)
            source_of[field.docs] = field.value_of
            self._source_of = source_of
        values = self._source_of[members]
        counts = np.bincount(values[values >= 0], minlength=len(tables.fields["source"].values))
        present = np.flatnonzero(counts)
        return [tables.fields["source"].values[i] for i in present[np.argsort(-counts[present], kind="stable")]]

    def members(self, number: int) -> np.ndarray:
        """Sorted document numbers of story `number`'s articles."""
        return self._order[self._starts[number + 1]:self._starts[number + 2]]

    def keys(self, docs: np.ndarray) -> np.ndarray:
        """A collapse key per document: its story number, or a number of its own."""
        stories = self.of_doc[docs]
        return np.where(stories >= 0, stories, len(self.ids) + docs)

    def docs_of(self, story_ids: tuple[str, ...]) -> np.ndarray:
        """Sorted document numbers of the articles of these stories."""
        numbers = [self.number[s] for s in story_ids if s in self.number]
        if not numbers:
            return np.zeros(0, dtype=np.int64)
        return np.sort(np.concatenate([self.members(n) for n in numbers]))


_tables: dict[tuple[str, int], StoryTable] = {}
_lock = threading.Lock()


def story_table(searcher, index_dir: Path, generation: int, tables: IndexTables | None = None) -> StoryTable:
    """The table of `searcher`'s generation, built once (`tables`: the generation's, for its
    deletions)."""
    key = (str(index_dir), generation)
    with _lock:
        table = _tables.get(key)
    if table is None:
        table = StoryTable(searcher.reader(), index_dir, tables)
        with _lock:
            same_index = sorted(k for k in _tables if k[0] == key[0])
            for old in same_index[:-(KEEP_TABLES - 1) or None]:
                _tables.pop(old, None)
            _tables[key] = table
    return table


def cache_segment_ids(reader, index_dir: Path) -> None:
    """Each segment's (article id, document) table, built and cached beside the index if it is
    not yet (what `StoryTable` reads), for an index run to pay for it instead of a search."""
    for leaf, _ in leaves_of(reader):
        if atomic_leaf(leaf):
            segment_arrays(index_dir, leaf, "ids", partial(_segment_ids, leaf), _segment_ids_valid)


def _segment_ids(leaf) -> dict[str, np.ndarray]:
    """One segment's article ids and their documents (deleted ones included). An id is in one
    document of a segment, read from its term info; in two when an article was replaced within
    one segment (the old copy deleted), read from its postings."""
    ids: list[str] = []
    docs: list[int] = []
    if "id" in leaf.indexed_field_names():
        for btext, info in leaf.iter_field("id"):
            found = [info.min_id()] if info.doc_frequency() == 1 else \
                read_postings(unfiltered_postings(leaf, "id", btext))[0].tolist()
            article_id = btext.decode("utf-8")
            ids.extend([article_id] * len(found))
            docs.extend(found)
    text, ends = pack_strings(ids)
    return {"text": text, "ends": ends, "docs": np.asarray(docs, dtype=np.int32)}


def _segment_ids_valid(arrays: dict[str, np.ndarray], count: int) -> bool:
    docs = arrays["docs"]
    return (strings_valid(arrays["text"], arrays["ends"]) and docs.dtype == np.int32 and docs.ndim == 1
            and len(docs) == len(arrays["ends"]) and (not len(docs) or (docs.min() >= 0 and docs.max() < count)))


def collapsed_page(rank, docs: np.ndarray, table: StoryTable, page: int,
                   page_size: int) -> tuple[list[tuple[int, float | None]], int]:
    """One page of the best-ranked article of each story, and how many stories `docs` holds.

    `rank(n)` gives the first n (docnum, score) of `docs` in the requested order. Stories are
    collapsed in rank order, so each story is represented by its article that ranks best for
    this query and sort; the ranking is extended (doubling) until the page is full, so a
    first page costs about what an uncollapsed one does unless one story floods the top.
    """
    stories = int(len(np.unique(table.keys(docs)))) if len(docs) else 0
    wanted = page * page_size
    needed = max(4 * wanted, 100)
    while True:
        ranked = rank(min(needed, len(docs)))
        keys = table.keys(np.fromiter((d for d, _ in ranked), dtype=np.int64, count=len(ranked)))
        _, first = np.unique(keys, return_index=True)
        if len(first) >= wanted or len(ranked) >= len(docs):
            break
        needed *= 2
    positions = np.sort(first)[(page - 1) * page_size: wanted]
    return [ranked[int(p)] for p in positions], stories


def story_info(searcher, tables: IndexTables, table: StoryTable, docnum: int, hit=None) -> StoryInfo:
    """The summary of the story of document `docnum` (over its indexed articles). `hit`: that
    document's Hit when the caller has it, so a one-article story (most of them) reads nothing."""
    number = int(table.of_doc[docnum])
    members = table.members(number) if number >= 0 else np.array([docnum])
    story_id = table.ids[number] if number >= 0 else ""
    if len(members) == 1 and hit is not None:
        return StoryInfo(id=story_id, size=1, date_from=hit.date, date_to=hit.date,
                         sources=[hit.source] if hit.source else [], others=[], representative=hit.id,
                         title=hit.title)
    stamps = tables.timestamps[members]
    undated_last = np.where(stamps == UNDATED, np.iinfo(np.int64).max, stamps)
    order = members[np.lexsort((members, undated_last))]
    dated = stamps[stamps != UNDATED]
    first = searcher.stored_fields(int(order[0]))  # the representative: its id and title
    others = [table.id_of[int(d)] for d in order[:MAX_STORY_OTHERS + 1] if int(d) != docnum and int(d) in table.id_of]
    return StoryInfo(
        id=story_id, size=int(len(members)),
        date_from=timestamp_to_datetime(int(dated.min())) if len(dated) else None,
        date_to=timestamp_to_datetime(int(dated.max())) if len(dated) else None,
        sources=table.sources(tables, members), others=others[:MAX_STORY_OTHERS],
        representative=first["id"], title=first.get("title", ""))


def largest_stories(searcher, tables: IndexTables, table: StoryTable, docs: np.ndarray,
                    top: int) -> list[StoryInfo]:
    """The `top` stories with most articles among `docs` (ties in story id order)."""
    numbers = table.of_doc[docs]
    numbers = numbers[numbers >= 0]
    if not len(numbers):
        return []
    counts = np.bincount(numbers, minlength=len(table.ids))
    present = np.flatnonzero(counts)
    order = present[np.lexsort((present, -counts[present]))][:top]
    found = []
    for number in order:
        first = int(table.members(int(number))[0])
        found.append(story_info(searcher, tables, table, first))
    return found


__all__ = ["StoryTable", "story_table", "collapsed_page", "story_info", "largest_stories", "cache_segment_ids"]
