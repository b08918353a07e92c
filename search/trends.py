"""Attention over time: how many articles matched each of a few queries per day, week, month or
year, as counts or as a share of all articles in the same bucket.

Archives grow (Reuters-21578 has ten times more articles in March 1987 than in February), so a
raw count mostly shows the archive's own growth; the share of all articles published in the
bucket (normalised, the default) is what Media Cloud and GDELT plot for the same reason.

Backend-neutral: each series is one search whose date histogram (`Facets.dates`) gives the
counts, with every series and the all-articles baseline asked for the same interval, so their
calendar buckets line up. Without an explicit interval the histogram's own rule
(`search.backend.histogram_interval`) is applied to the span of all the series together. An
interval that would give more than `search.histogram.MAX_BUCKETS` buckets is coarsened (as the
histogram itself is) and `Trends.notice` says so.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from search.backend import histogram_interval
from search.export import csv_lines
from search.histogram import coarsened_notice
from search.parameters import INTERVAL, INTERVALS, DateValue
from search.request import SearchRequest
from search.results import BadParameterError, DateBucket

MAX_QUERIES = 5  # series on one chart: more lines than this cannot be told apart


@dataclass
class TrendPoint:
    """One bucket of one series: `count` matching articles of `total` in the archive."""

    label: str
    start: date
    end: date
    count: int
    total: int

    @property
    def share(self) -> float:
        return self.count / self.total if self.total else 0.0

    def to_dict(self) -> dict:
        return {"label": self.label, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "count": self.count, "total": self.total, "share": round(self.share, 6)}


@dataclass
class TrendSeries:
    query: str
    total: int     # matching articles, dated or not
    undated: int   # of which have no date (in no bucket)
    points: list[TrendPoint] = field(default_factory=list)
    # False when fewer than RELAX_BELOW articles have all the words, so that (as on the result
    # page) the articles with some of them are counted too: a chart must say so.
    all_words: bool = True

    def to_dict(self) -> dict:
        return {"query": self.query, "total": self.total, "undated": self.undated, "all_words": self.all_words,
                "buckets": [p.to_dict() for p in self.points]}


@dataclass
class Trends:
    """Every series over the same buckets; `normalised` says which value a chart should plot."""

    interval: str
    normalised: bool
    series: list[TrendSeries]
    # Set when the interval asked for was coarsened (too many buckets): what to tell the reader.
    notice: str | None = None

    def value(self, point: TrendPoint) -> float:
        return point.share if self.normalised else float(point.count)

    def to_dict(self) -> dict:
        return {"interval": self.interval, "normalised": self.normalised, "notice": self.notice,
                "series": [s.to_dict() for s in self.series]}


def check_queries(queries: list[str]) -> list[str]:
    """The queries to chart (blank ones dropped); a clear error for none or too many."""
    kept = [q for q in queries if isinstance(q, str) and q.strip()]
    if not kept:
        raise BadParameterError("trends need at least one query (q=...)")
    if len(kept) > MAX_QUERIES:
        raise BadParameterError(f"trends compare at most {MAX_QUERIES} queries, not {len(kept)}")
    return kept


def trends(engine, queries: list[str], *, interval: str | None = None, normalise: bool = True,
           date_from: DateValue = None, date_to: DateValue = None) -> Trends:
    """Articles per bucket for each query (its own filters in the query language, e.g.
    `oil place:Iran`), between `date_from` and `date_to` when given."""
    queries = check_queries(queries)
    interval = INTERVAL.read(interval)  # the one rule, before any query runs

    def histogram(query: str, asked: str | None, start: DateValue, end: DateValue) -> SearchRequest:
        return SearchRequest.build(query, date_from=start, date_to=end, page_size=1, snippets=False,
                                   facet_top=0, interval=asked)

    # Each query is parsed and checked once; asked again at a coarser interval, its request is
    # the same one with that interval (with_changes keeps the parsed trees).
    requests = [histogram(q, interval or None, date_from, date_to) for q in queries]
    found = [engine.run(request) for request in requests]
    dated = [r.facets.dates.buckets for r in found if r.facets.dates.buckets]
    if not dated:
        return Trends(interval or "day", normalise, [TrendSeries(q, r.total, r.facets.dates.undated,
                                                                 all_words=r.all_words)
                                                     for q, r in zip(queries, found)])
    # The rule over the span of the series' buckets (each series' first and last match lie in
    # its first and last bucket); an asked interval the histogram coarsened for one series (too
    # many buckets) is coarsened for all.
    common = max([interval or histogram_interval(min(b[0].start for b in dated), max(b[-1].start for b in dated)),
                  *(r.facets.dates.interval for r in found if r.facets.dates.buckets)], key=INTERVALS.index)
    while True:
        found = [r if r.facets.dates.interval == common or not r.facets.dates.buckets
                 else engine.run(request.with_changes(interval=common)) for request, r in zip(requests, found)]
        dated = [r.facets.dates.buckets for r in found if r.facets.dates.buckets]
        first, last = min(b[0].start for b in dated), max(b[-1].end for b in dated)
        # The baseline: every article dated within the series' span, in the same buckets.
        # An edge bucket cut by date_from/date_to counts only the articles within them, in both.
        baseline = engine.run(histogram("", common, date_from or first, date_to or last)).facets.dates
        # Coarsened too (the dates asked for reach further than the series): again, coarser.
        used = max([common, *(r.facets.dates.interval for r in found if r.facets.dates.buckets),
                    *([baseline.interval] if baseline.buckets else [])], key=INTERVALS.index)
        if used == common:
            break
        common = used
    everything = baseline.buckets
    totals = {b.label: b for b in everything}
    for r in found:  # a bucket no article of the baseline has (it cannot be, but never drop a count)
        for b in r.facets.dates.buckets:
            totals.setdefault(b.label, DateBucket(b.label, b.start, b.end, b.count))
    labels = sorted(totals, key=lambda label: totals[label].start)
    series = []
    for q, r in zip(queries, found):
        counts = {b.label: b.count for b in r.facets.dates.buckets}
        points = [TrendPoint(label, totals[label].start, totals[label].end, counts.get(label, 0),
                             totals[label].count) for label in labels]
        series.append(TrendSeries(q, r.total, r.facets.dates.undated, points, all_words=r.all_words))
    return Trends(common, normalise, series, coarsened_notice(interval, common))


def trends_csv_rows(result: Trends) -> list[list[str]]:
    """A table: one row per bucket, a count (and share) column per query. A bucket without any
    article has no share (an empty cell, as the chart leaves a gap), not 0."""
    header = ["bucket", "start", "end", "all_articles"]
    for s in result.series:
        header += [f"{s.query} (count)", f"{s.query} (share)"]
    rows = [header]
    if result.series and result.series[0].points:
        for i, point in enumerate(result.series[0].points):
            row = [point.label, point.start.isoformat(), point.end.isoformat(), str(point.total)]
            for s in result.series:
                row += [str(s.points[i].count), f"{s.points[i].share:.6f}" if point.total else ""]
            rows.append(row)
    return rows


def trends_csv(result: Trends) -> str:
    """The CSV file of `trends_csv_rows`, written by the one CSV writer (`search.export.csv_lines`:
    a query typed as `=HYPERLINK(...)` is a header cell a spreadsheet shows as text)."""
    return "".join(csv_lines(trends_csv_rows(result)))


__all__ = ["trends", "Trends", "TrendSeries", "TrendPoint", "MAX_QUERIES", "check_queries", "trends_csv_rows",
           "trends_csv"]
