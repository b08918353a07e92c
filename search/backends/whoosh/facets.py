"""Facet counts and the date histogram, computed over the *whole* result set in milliseconds.

Whoosh's own facets walk the matches in Python per query (a DateRangeFacet cost ~200 ms per
Reuters query). Instead, once per index generation we read each facet field's postings and the
date column into numpy arrays; a query then only builds a boolean mask of its matching documents,
and every count is a vectorised gather + sum. The tables double as the case-insensitive lookup
from a typed name ("kim jong un") to its indexed display form ("Kim Jong Un").
"""
from __future__ import annotations

from calendar import monthrange
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timezone

import numpy as np

from search.backends.whoosh.schema import FACET_FIELDS
from search.histogram import fitting_interval, week_end
from search.results import DateBucket, DateHistogram, FacetValue
from search.backends.whoosh.scoring import leaves_of, read_term

# Whoosh stores a DATETIME as microseconds since 0001-01-01.
_EPOCH_LONG = (datetime(1970, 1, 1) - datetime(1, 1, 1)).days * 86_400 * 1_000_000
_UNIX_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
UNDATED = np.iinfo(np.int64).min


@dataclass
class FieldTable:
    """Postings of one facet field, grouped by value: docs[offsets[i]:offsets[i+1]] have values[i]."""

    values: list[str]
    docs: np.ndarray
    offsets: np.ndarray
    by_lower: dict[str, list[str]]

    def counts(self, mask: np.ndarray) -> np.ndarray:
        if not self.values:
            return np.zeros(0, dtype=np.int64)
        hits = mask[self.docs].astype(np.int32)
        return np.add.reduceat(hits, self.offsets[:-1]) if len(hits) else np.zeros(len(self.values), np.int64)

    def docs_with(self, display_forms: list[str]) -> np.ndarray:
        index = {v: i for i, v in enumerate(self.values)}
        parts = [self.docs[self.offsets[index[f]]:self.offsets[index[f] + 1]] for f in display_forms if f in index]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


class IndexTables:
    """Everything per-document that facets and date sorting need, for one index generation."""

    def __init__(self, reader) -> None:
        self.doc_count_all = reader.doc_count_all()
        self.fields = {name: self._field_table(reader, name) for name in FACET_FIELDS}
        self.timestamps = self._timestamps(reader)  # seconds since 1970, UNDATED if none
        dated = self.timestamps != UNDATED
        days = np.full(self.doc_count_all, -1, dtype=np.int64)
        days[dated] = self.timestamps[dated] // 86_400 + _UNIX_EPOCH_ORDINAL
        self.day_ordinals = days

    @staticmethod
    def _field_table(reader, fieldname: str) -> FieldTable:
        values, chunks, offsets = [], [], [0]
        by_lower: dict[str, list[str]] = defaultdict(list)
        leaves = leaves_of(reader)
        if fieldname in reader.indexed_field_names():
            for btext in reader.lexicon(fieldname):
                value = btext.decode("utf-8")
                ids = read_term(leaves, fieldname, btext)[0]
                if not len(ids):
                    continue
                values.append(value)
                chunks.append(ids)
                offsets.append(offsets[-1] + len(ids))
                by_lower[value.lower()].append(value)
        docs = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
        return FieldTable(values, docs, np.asarray(offsets, dtype=np.int64), dict(by_lower))

    def _timestamps(self, reader) -> np.ndarray:
        """Per segment: a segment whose articles are all undated has no date column at all, and
        Whoosh's multi-segment column reader silently skips it (shifting every later date)."""
        out = np.full(self.doc_count_all, UNDATED, dtype=np.int64)
        leaves = leaves_of(reader)
        for leaf, offset in leaves:
            count = leaf.doc_count_all()
            if not count or not leaf.has_column("date"):
                continue
            column = leaf.column_reader("date", translate=False)
            raw = np.fromiter((v or 0 for v in column), dtype=np.uint64, count=count).astype(np.int64)
            present = raw > 0  # Whoosh's column default for a document without a date is 0
            out[offset:offset + count][present] = (raw[present] - _EPOCH_LONG) // 1_000_000
        return out

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


def _day_buckets(ordinals: np.ndarray, first: date, last: date) -> list[DateBucket]:
    counts = np.bincount(ordinals - first.toordinal(), minlength=(last - first).days + 1)
    buckets = []
    for offset, count in enumerate(counts):
        day = date.fromordinal(first.toordinal() + offset)
        buckets.append(DateBucket(day.isoformat(), day, day, int(count)))
    return buckets


def _hour_buckets(seconds: np.ndarray) -> list[DateBucket]:
    """UTC hours, labelled "YYYY-MM-DD HH:00" (start and end: that day)."""
    hours = seconds // 3600
    lo, hi = int(hours.min()), int(hours.max())
    counts = np.bincount(hours - lo, minlength=hi - lo + 1)
    buckets = []
    for offset, count in enumerate(counts):
        moment = datetime.fromtimestamp((lo + offset) * 3600, tz=timezone.utc)
        buckets.append(DateBucket(moment.strftime("%Y-%m-%d %H:00"), moment.date(), moment.date(), int(count)))
    return buckets


def _week_buckets(ordinals: np.ndarray) -> list[DateBucket]:
    """ISO weeks (Monday to Sunday), labelled by their Monday."""
    mondays = ordinals - (ordinals - 1) % 7  # date.fromordinal(1) is a Monday
    lo, hi = int(mondays.min()), int(mondays.max())
    counts = np.bincount((mondays - lo) // 7, minlength=(hi - lo) // 7 + 1)
    buckets = []
    for offset, count in enumerate(counts):
        start = date.fromordinal(lo + 7 * offset)
        buckets.append(DateBucket(start.isoformat(), start, week_end(start), int(count)))
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
        start = date(year, month0 + 1, 1)
        end = date(year, month0 + 1, monthrange(year, month0 + 1)[1])
        buckets.append(DateBucket(start.strftime("%Y-%m"), start, end, int(count)))
    return buckets


def _year_buckets(ordinals: np.ndarray) -> list[DateBucket]:
    years = _year_month(ordinals) // 12
    lo, hi = int(years.min()), int(years.max())
    counts = np.bincount(years - lo, minlength=hi - lo + 1)
    return [DateBucket(str(lo + i), date(lo + i, 1, 1), date(lo + i, 12, 31), int(c)) for i, c in enumerate(counts)]


def timestamp_to_datetime(seconds: int) -> datetime | None:
    return None if seconds == UNDATED else datetime.fromtimestamp(int(seconds), tz=timezone.utc)


def recency_factors(timestamps: np.ndarray, half_life_days: float) -> np.ndarray:
    """Score multipliers in (0.5, 1]: 1 for the newest matching article, halving the *bonus*
    every `half_life_days` older. Relative to the newest match, not to today, so an archive
    from 1987 still has a meaningful "recent"; undated articles get the floor, 0.5.
    """
    dated = timestamps != UNDATED
    factors = np.full(len(timestamps), 0.5)
    if dated.any():
        age_days = (timestamps[dated].max() - timestamps[dated]) / 86_400
        factors[dated] = 0.5 + 0.5 * np.power(0.5, age_days / half_life_days)
    return factors
