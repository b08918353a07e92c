"""Facet counts, the date histogram and the date bounds as OpenSearch aggregations, and their
answers as our result types (`search.results`), counted by the cluster over the whole result set.

- Facets: a `terms` aggregation per facet field on its display keyword, most frequent first and
  equal counts in code-point order of the value.
- The histogram's interval follows `search.backend.histogram_interval` over the first and last
  matching day, so the date bounds are asked first (`bounds_aggs`, in a small request before the
  page's), then a `date_histogram` with that calendar interval, `min_doc_count: 0` and the bounds
  as `extended_bounds`: every bucket from the first to the last, empty ones included. An asked
  interval that would give more than `search.histogram.MAX_BUCKETS` buckets is coarsened
  (`fitting_interval`) before the cluster is asked for them; each bucket is labelled and bounded
  by `search.histogram.date_bucket`.
- `undated` is a `missing` aggregation on the date.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from search.backends.opensearch.schema import FACET_FIELDS
from search.backends.opensearch.translate import DATE_FIELD
from search.histogram import date_bucket, fitting_interval
from search.results import DateBucket, DateHistogram, FacetValue, Facets

# Each shard returns its top `facet_top * SHARD_SIZE_FACTOR` values (at least SHARD_SIZE_MIN)
# for the coordinating node to merge: a value's count is exact whenever it is in every
# shard's list, which this margin makes so for all but very flat distributions (OpenSearch's
# default margin, 1.5x + 10, let near-ties at the cut-off come out a few short).
SHARD_SIZE_FACTOR = 5
SHARD_SIZE_MIN = 100
CALENDAR_INTERVALS = {"hour": "hour", "day": "day", "week": "week", "month": "month", "year": "year"}
BOUNDS = ("first", "last")


def bounds_aggs() -> dict:
    """The earliest and latest date among the matches (for the interval, and recency's origin)."""
    return {"first": {"min": {"field": DATE_FIELD}}, "last": {"max": {"field": DATE_FIELD}}}


def read_bounds(aggs: dict) -> tuple[int, int] | None:
    """(first, last) matching date in epoch milliseconds, or None when no match is dated."""
    first, last = (aggs.get(name, {}).get("value") for name in BOUNDS)
    if first is None or last is None:
        return None
    return int(first), int(last)


def _day(millis: int) -> date:
    return datetime.fromtimestamp(millis / 1000, tz=timezone.utc).date()


def interval_for(bounds: tuple[int, int] | None, asked: str | None = None) -> str:
    """The histogram's bucket size for dates within `bounds` (day when nothing is dated): the one
    the request `asked` for, or the span's rule, within MAX_BUCKETS buckets."""
    if bounds is None:
        return asked or "day"
    return fitting_interval(_day(bounds[0]), _day(bounds[1]), asked)


def facet_aggs(top: int, bounds: tuple[int, int] | None, interval: str | None = None) -> dict:
    """Facet counts (top `top` values per field), the histogram over `bounds`, undated count."""
    aggs: dict = {"undated": {"missing": {"field": DATE_FIELD}}}
    if top > 0:
        for field in FACET_FIELDS:
            aggs[field] = {"terms": {"field": field, "size": top,
                                     "shard_size": max(SHARD_SIZE_MIN, top * SHARD_SIZE_FACTOR),
                                     "order": [{"_count": "desc"}, {"_key": "asc"}]}}
    if bounds is not None:
        aggs["dates"] = {"date_histogram": {
            "field": DATE_FIELD, "calendar_interval": CALENDAR_INTERVALS[interval_for(bounds, interval)],
            "min_doc_count": 0, "time_zone": "UTC",
            "extended_bounds": {"min": bounds[0], "max": bounds[1]}}}
    return aggs


def facet_values(aggs: dict, field: str) -> list[FacetValue]:
    return [FacetValue(str(bucket["key"]), int(bucket["doc_count"]))
            for bucket in aggs.get(field, {}).get("buckets", [])]


def read_facets(aggs: dict, bounds: tuple[int, int] | None, asked: str | None = None) -> Facets:
    """Facets and the histogram from a response's aggregations."""
    undated = int(aggs.get("undated", {}).get("doc_count", 0))
    interval = interval_for(bounds, asked)
    buckets = [_bucket(interval, int(b["key"]), int(b["doc_count"]))
               for b in aggs.get("dates", {}).get("buckets", [])]
    return Facets(**{field: facet_values(aggs, field) for field in FACET_FIELDS},
                  dates=DateHistogram(interval, buckets, undated))


def _bucket(interval: str, millis: int, count: int) -> DateBucket:
    """The bucket whose key is `millis` (its start, UTC)."""
    start = datetime.fromtimestamp(millis / 1000, tz=timezone.utc) if interval == "hour" else _day(millis)
    return date_bucket(interval, start, count)


def stats_aggs(top: int) -> dict:
    """What `stats` counts over the whole index in one request."""
    aggs = {**bounds_aggs(), "undated": {"missing": {"field": DATE_FIELD}}}
    if top > 0:
        for field in FACET_FIELDS:
            aggs[field] = {"terms": {"field": field, "size": top,
                                     "shard_size": max(SHARD_SIZE_MIN, top * SHARD_SIZE_FACTOR),
                                     "order": [{"_count": "desc"}, {"_key": "asc"}]}}
    return aggs


def iso_or_none(millis: int | None) -> str | None:
    """A date bound as `stats` gives it: ISO 8601 in whole seconds, UTC ("2005-05-05T00:00:00+00:00")."""
    if millis is None:
        return None
    return datetime.fromtimestamp(millis // 1000, tz=timezone.utc).isoformat()


__all__ = ["bounds_aggs", "read_bounds", "interval_for", "facet_aggs", "read_facets", "facet_values",
           "stats_aggs", "iso_or_none", "SHARD_SIZE_FACTOR", "SHARD_SIZE_MIN"]
