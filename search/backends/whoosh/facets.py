"""Facet counts and the date histogram, computed over the *whole* result set in milliseconds.

Whoosh's own facets walk the matches in Python per query (a DateRangeFacet cost ~200 ms per
Reuters query). Instead each segment's facet postings, date column and field lengths are read
once into numpy arrays and cached on disk beside the index (`tablecache`: a segment never
changes), and an index generation's tables are those of its segments end to end; a query then
only builds a boolean mask of its matching documents, and every count is a vectorised gather +
bincount. The tables double as the case-insensitive lookup from a typed name ("kim jong un") to
its indexed display form ("Kim Jong Un").
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import partial
from pathlib import Path

import numpy as np
from whoosh.filedb.filestore import OverlayStorage  # type: ignore[import-untyped]
from whoosh.matching.wrappers import FilterMatcher  # type: ignore[import-untyped]

from search.backends.whoosh.internals import field_lengths, read_postings
from index.article import TEXT_FIELDS
from search.backends.whoosh.schema import FACET_FIELDS
from search.backends.whoosh.tablecache import pack_strings, segment_arrays, strings_valid, unpack_strings
from search import recency
from search.histogram import date_bucket, fitting_interval
from search.results import DateBucket, DateHistogram, FacetValue
from search.backends.whoosh.scoring import leaves_of

# Whoosh stores a DATETIME as microseconds since 0001-01-01.
_EPOCH_LONG = (datetime(1970, 1, 1) - datetime(1, 1, 1)).days * 86_400 * 1_000_000
_UNIX_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
UNDATED = np.iinfo(np.int64).min


@dataclass
class FieldTable:
    """Postings of one facet field: posting i says document docs[i] has value values[value_of[i]].

    Kept as each segment's postings end to end (not regrouped by value): combining segments
    is then two concatenations, and a count is one gather and one bincount either way.
    Values whose every article was deleted stay listed, with counts of 0.
    """

    values: list[str]
    docs: np.ndarray
    value_of: np.ndarray
    by_lower: dict[str, list[str]]

    def counts(self, mask: np.ndarray) -> np.ndarray:
        """Matching articles per value; `mask` marks the matching (live) documents."""
        return np.bincount(self.value_of[mask[self.docs]], minlength=len(self.values))

    def docs_with(self, display_forms: list[str]) -> np.ndarray:
        """Sorted documents (deleted ones included) with any of these values."""
        index = {v: i for i, v in enumerate(self.values)}
        wanted = [index[f] for f in display_forms if f in index]
        return np.unique(self.docs[np.isin(self.value_of, wanted)])


class IndexTables:
    """Everything per-document that facets, date sorting and BM25 need, for one index generation.

    Built from each segment's tables (`tablecache`: read from the cache beside the index, or
    built from the segment's postings and columns and cached), so opening a commit costs a few
    array reads and concatenations, not a walk over every facet value's postings.
    """

    def __init__(self, reader, index_dir: Path | str | None = None) -> None:
        self.doc_count_all = reader.doc_count_all()
        leaves = leaves_of(reader)
        folder = Path(index_dir) if index_dir is not None else _folder_of(leaves)
        parts = [(segment_arrays(folder if atomic_leaf(leaf) else None, leaf, "tables",
                                 partial(_segment_tables, leaf), _segment_tables_valid), leaf, offset)
                 for leaf, offset in leaves]
        self.fields = {name: _combine_field(name, parts) for name in FACET_FIELDS}
        self.timestamps = _concatenate([arrays["timestamps"] for arrays, _, _ in parts], np.int64)
        # Each document's length in a text field as BM25 sees it (PostingsCache's lengths).
        self.lengths = {f: _concatenate([arrays[f"length.{f}"] for arrays, _, _ in parts], np.float64)
                        for f in TEXT_FIELDS}
        deleted = [np.fromiter(leaf.segment().deleted_docs(), dtype=np.int64) + offset
                   for _, leaf, offset in parts if atomic_leaf(leaf) and leaf.has_deletions()]
        alive = np.ones(self.doc_count_all, dtype=bool)
        for gone in deleted:
            alive[gone] = False
        self.live = np.flatnonzero(alive)  # the live document numbers, ascending
        dated = self.timestamps != UNDATED
        days = np.full(self.doc_count_all, -1, dtype=np.int64)
        days[dated] = self.timestamps[dated] // 86_400 + _UNIX_EPOCH_ORDINAL
        self.day_ordinals = days

    # ---- per query ---------------------------------------------------------------------------

    def mask(self, docnums: np.ndarray) -> np.ndarray:
        mask = np.zeros(self.doc_count_all, dtype=bool)
        mask[docnums] = True
        return mask

    def facet(self, fieldname: str, mask: np.ndarray, top: int) -> list[FacetValue]:
        table = self.fields[fieldname]
        counts = table.counts(mask)
        nonzero = np.flatnonzero(counts)
        # Most frequent first; equal counts in alphabetical order (the lexicon's order).
        order = nonzero[np.argsort(-counts[nonzero], kind="stable")][:top]
        return [FacetValue(table.values[i], int(counts[i])) for i in order]

    def language_counts(self) -> dict[str, int]:
        """The live articles per language code ("und" included), most first: which languages a
        query is analysed in (search.languages.searched). Counted once per generation."""
        counts = getattr(self, "_language_counts", None)
        if counts is None:
            table = self.fields["language"]
            per_value = table.counts(self.mask(self.live))
            order = np.argsort(-per_value, kind="stable")
            counts = self._language_counts = {table.values[i]: int(per_value[i]) for i in order if per_value[i]}
        return counts

    def histogram(self, mask: np.ndarray, interval: str | None = None) -> DateHistogram:
        """Matches per bucket from the first to the last matching date; `interval` None follows
        `histogram_interval`'s rule; an interval giving more than MAX_BUCKETS buckets is coarsened
        (search.histogram)."""
        days = self.day_ordinals[mask]
        dated = days[days >= 0]
        undated = int(len(days) - len(dated))
        if not len(dated):
            return DateHistogram(interval or "day", [], undated)
        first, last = date.fromordinal(int(dated.min())), date.fromordinal(int(dated.max()))
        interval = fitting_interval(first, last, interval)
        if interval == "hour":
            stamps = self.timestamps[mask]
            return DateHistogram("hour", _hour_buckets(stamps[stamps != UNDATED]), undated)
        if interval == "day":
            return DateHistogram("day", _day_buckets(dated, first, last), undated)
        if interval == "week":
            return DateHistogram("week", _week_buckets(dated), undated)
        if interval == "month":
            return DateHistogram("month", _month_buckets(dated), undated)
        return DateHistogram("year", _year_buckets(dated), undated)


def atomic_leaf(leaf) -> bool:
    """A plain segment reader (whose tables can be cached under its segment id)."""
    return callable(getattr(leaf, "segment", None)) and leaf.segment() is not None


def _folder_of(leaves) -> Path | None:
    """The index folder a reader reads, when it is a folder on disk."""
    for leaf, _ in leaves:
        if atomic_leaf(leaf):
            storage = leaf.storage()
            # A compound segment is read through an OverlayStorage: the segment's own file
            # first (`a`), the index folder second (`b`, where writes go).
            storage = storage.b if isinstance(storage, OverlayStorage) else storage
            folder = getattr(storage, "folder", None)
            return Path(folder) if folder else None
    return None


def unfiltered_postings(leaf, fieldname: str, btext: bytes):
    """A segment's matcher of a term, deleted documents included: the segment reader wraps its
    matcher in a FilterMatcher that skips the commit's deletions, which would both bake this
    commit's deletions into a table meant for every commit and step posting by posting."""
    matcher = leaf.postings(fieldname, btext)
    return matcher.child if isinstance(matcher, FilterMatcher) else matcher


def _concatenate(arrays: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype=dtype)


def _segment_tables(leaf) -> dict[str, np.ndarray]:
    """One segment's tables, from its postings and columns; deleted documents included (a
    segment's deletions grow with later commits, its postings never change)."""
    arrays: dict[str, np.ndarray] = {}
    indexed = set(leaf.indexed_field_names())
    for fieldname in FACET_FIELDS:
        values: list[str] = []
        docs: list[np.ndarray] = []
        value_of: list[np.ndarray] = []
        if fieldname in indexed:
            for btext in leaf.lexicon(fieldname):
                ids = read_postings(unfiltered_postings(leaf, fieldname, btext))[0]
                if len(ids):
                    value_of.append(np.full(len(ids), len(values), dtype=np.int32))
                    values.append(btext.decode("utf-8"))
                    docs.append(ids.astype(np.int32))
        arrays[f"{fieldname}.text"], arrays[f"{fieldname}.ends"] = pack_strings(values)
        arrays[f"{fieldname}.docs"] = _concatenate(docs, np.int32)
        arrays[f"{fieldname}.value"] = _concatenate(value_of, np.int32)
    arrays["timestamps"] = _segment_timestamps(leaf)
    for fieldname in TEXT_FIELDS:
        arrays[f"length.{fieldname}"] = field_lengths(leaf, fieldname).astype(np.float64)
    return arrays


def _segment_tables_valid(arrays: dict[str, np.ndarray], count: int) -> bool:
    """A cached copy's arrays have the shapes, types and ranges `_segment_tables` makes."""
    for fieldname in FACET_FIELDS:
        text, ends = arrays[f"{fieldname}.text"], arrays[f"{fieldname}.ends"]
        docs, value_of = arrays[f"{fieldname}.docs"], arrays[f"{fieldname}.value"]
        if not strings_valid(text, ends) or docs.dtype != np.int32 or value_of.dtype != np.int32:
            return False
        if docs.shape != value_of.shape or docs.ndim != 1:
            return False
        if len(docs) and (docs.min() < 0 or docs.max() >= count or value_of.min() < 0
                          or value_of.max() >= len(ends)):
            return False
    lengths_ok = all(arrays[f"length.{f}"].shape == (count,) and arrays[f"length.{f}"].dtype == np.float64
                     for f in TEXT_FIELDS)
    return lengths_ok and arrays["timestamps"].shape == (count,) and arrays["timestamps"].dtype == np.int64


def _combine_field(fieldname: str, parts) -> FieldTable:
    """One facet field over all segments: values in lexicon order (sorted, as Whoosh's
    lexicon is), each segment's postings renumbered to them and offset to global doc numbers."""
    seg_values = [unpack_strings(arrays[f"{fieldname}.text"], arrays[f"{fieldname}.ends"]) for arrays, _, _ in parts]
    values = sorted(set().union(*seg_values)) if len(seg_values) != 1 else seg_values[0]
    position = {v: i for i, v in enumerate(values)}
    docs, value_of = [], []
    for (arrays, _, offset), local_values in zip(parts, seg_values):
        renumber = np.asarray([position[v] for v in local_values], dtype=np.int32)
        docs.append(arrays[f"{fieldname}.docs"].astype(np.int64) + offset)
        value_of.append(renumber[arrays[f"{fieldname}.value"]] if len(renumber) else arrays[f"{fieldname}.value"])
    by_lower: dict[str, list[str]] = defaultdict(list)
    for value in values:
        by_lower[value.lower()].append(value)
    return FieldTable(values, _concatenate(docs, np.int64), _concatenate(value_of, np.int32), dict(by_lower))


def _segment_timestamps(leaf) -> np.ndarray:
    """Seconds since 1970 per document of one segment, UNDATED if none. Per segment: a segment
    whose articles are all undated has no date column at all, and Whoosh's multi-segment column
    reader silently skips it (shifting every later date)."""
    count = leaf.doc_count_all()
    out = np.full(count, UNDATED, dtype=np.int64)
    if not count or not leaf.has_column("date"):
        return out
    column = leaf.column_reader("date", translate=False)
    raw = np.fromiter((v or 0 for v in column), dtype=np.uint64, count=count).astype(np.int64)
    present = raw > 0  # Whoosh's column default for a document without a date is 0
    out[present] = (raw[present] - _EPOCH_LONG) // 1_000_000
    return out


def _day_buckets(ordinals: np.ndarray, first: date, last: date) -> list[DateBucket]:
    counts = np.bincount(ordinals - first.toordinal(), minlength=(last - first).days + 1)
    buckets = []
    for offset, count in enumerate(counts):
        day = date.fromordinal(first.toordinal() + offset)
        buckets.append(date_bucket("day", day, int(count)))
    return buckets


def _hour_buckets(seconds: np.ndarray) -> list[DateBucket]:
    """UTC hours."""
    hours = seconds // 3600
    lo, hi = int(hours.min()), int(hours.max())
    counts = np.bincount(hours - lo, minlength=hi - lo + 1)
    buckets = []
    for offset, count in enumerate(counts):
        moment = datetime.fromtimestamp((lo + offset) * 3600, tz=timezone.utc)
        buckets.append(date_bucket("hour", moment, int(count)))
    return buckets


def _week_buckets(ordinals: np.ndarray) -> list[DateBucket]:
    """ISO weeks (Monday to Sunday)."""
    mondays = ordinals - (ordinals - 1) % 7  # date.fromordinal(1) is a Monday
    lo, hi = int(mondays.min()), int(mondays.max())
    counts = np.bincount((mondays - lo) // 7, minlength=(hi - lo) // 7 + 1)
    buckets = []
    for offset, count in enumerate(counts):
        start = date.fromordinal(lo + 7 * offset)
        buckets.append(date_bucket("week", start, int(count)))
    return buckets


def _year_month(ordinals: np.ndarray) -> np.ndarray:
    """Months since year 0 for each day ordinal (vectorised via numpy's datetime64)."""
    as_days = (ordinals - _UNIX_EPOCH_ORDINAL).astype("datetime64[D]")
    return as_days.astype("datetime64[M]").astype(np.int64) + 1970 * 12


def _month_buckets(ordinals: np.ndarray) -> list[DateBucket]:
    months = _year_month(ordinals)
    lo, hi = int(months.min()), int(months.max())
    counts = np.bincount(months - lo, minlength=hi - lo + 1)
    buckets = []
    for offset, count in enumerate(counts):
        year, month0 = divmod(lo + offset, 12)
        buckets.append(date_bucket("month", date(year, month0 + 1, 1), int(count)))
    return buckets


def _year_buckets(ordinals: np.ndarray) -> list[DateBucket]:
    years = _year_month(ordinals) // 12
    lo, hi = int(years.min()), int(years.max())
    counts = np.bincount(years - lo, minlength=hi - lo + 1)
    return [date_bucket("year", date(lo + i, 1, 1), int(c)) for i, c in enumerate(counts)]


def timestamp_to_datetime(seconds: int) -> datetime | None:
    return None if seconds == UNDATED else datetime.fromtimestamp(int(seconds), tz=timezone.utc)


def recency_factors(timestamps: np.ndarray, half_life_days: float) -> np.ndarray:
    """`search.recency.recency_factor` of each matching article, over arrays."""
    floor = recency.RECENCY_FLOOR
    dated = timestamps != UNDATED
    factors = np.full(len(timestamps), floor)
    if dated.any():
        age_days = (timestamps[dated].max() - timestamps[dated]) / 86_400
        factors[dated] = floor + (1 - floor) * np.power(0.5, age_days / half_life_days)
    return factors
