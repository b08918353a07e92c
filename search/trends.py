"""Attention over time: how many articles matched each of a few queries per day, week, month or
year, as counts or as a share of all articles in the same bucket.

Archives grow (Reuters-21578 has ten times more articles in March 1987 than in February), so a
raw count mostly shows the archive's own growth; the share of all articles published in the
bucket (normalised, the default) is what Media Cloud and GDELT plot for the same reason. A
series narrowed to one language (`oil language:de`, or the request's language filter) is a share
of that language's articles in the bucket: the archive's other languages are not its collection
(an archive whose German articles begin in March would otherwise show German attention growing).

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

from index.language_codes import language_name
from search.backend import histogram_interval
from search.export import csv_lines
from search.histogram import coarsened_notice
from search.languages import required_languages
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
    # The language whose articles the shares are of (the series' language filter), None: all.
    within: str | None = None

    def to_dict(self) -> dict:
        return {"query": self.query, "total": self.total, "undated": self.undated, "all_words": self.all_words,
                "share_of": self.within or "all", "buckets": [p.to_dict() for p in self.points]}


@dataclass
class Trends:
    """Every series over the same buckets; `normalised` says which value a chart should plot."""

    interval: str
    normalised: bool
    series: list[TrendSeries]
    # Set when the interval asked for was coarsened (too many buckets): what to tell the reader.
    notice: str | None = None
    # Every article (of any language) in each bucket, in the series' bucket order.
    articles: list[int] = field(default_factory=list)

    def value(self, point: TrendPoint) -> float:
        return point.share if self.normalised else float(point.count)

    def scale(self) -> str:
        """What the values are, for a chart's axis or a table's title: "articles", "share of all
        articles", "share of German articles", or each series' own when they differ."""
        if not self.normalised:
            return "articles"
        within = {s.within for s in self.series}
        if within == {None} or not within:
            return "share of all articles"
        if len(within) == 1:
            return f"share of {language_name(next(iter(within)) or '')} articles"
        return "share of the articles of each series' language (else of all)"

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

    def histogram(query: str, asked: str | None, start: DateValue, end: DateValue,
                  language: str | None = None) -> SearchRequest:
        return SearchRequest.build(query, date_from=start, date_to=end, page_size=1, snippets=False,
                                   facet_top=0, interval=asked, language=(language,) if language else ())

    # Each query is parsed and checked once; asked again at a coarser interval, its request is
    # the same one with that interval (with_changes keeps the parsed trees).
    requests = [histogram(q, interval or None, date_from, date_to) for q in queries]
    # The articles each series is a share of: its one language (an article has one), else all.
    within = [_one_language(request) for request in requests]
    found = [engine.run(request) for request in requests]
    dated = [r.facets.dates.buckets for r in found if r.facets.dates.buckets]
    if not dated:
        return Trends(interval or "day", normalise, [TrendSeries(q, r.total, r.facets.dates.undated,
                                                                 all_words=r.all_words, within=language)
                                                     for q, r, language in zip(queries, found, within)])
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
        # The baselines: every article dated within the series' span (of a series' language,
        # `within`), in the same buckets. An edge bucket cut by date_from/date_to counts only the
        # articles within them, in both.
        baselines = {language: engine.run(histogram("", common, date_from or first, date_to or last,
                                                    language)).facets.dates
                     for language in dict.fromkeys([None, *within])}
        # Coarsened too (the dates asked for reach further than the series): again, coarser.
        used = max([common, *(r.facets.dates.interval for r in found if r.facets.dates.buckets),
                    *(b.interval for b in baselines.values() if b.buckets)], key=INTERVALS.index)
        if used == common:
            break
        common = used
    totals = {language: {b.label: b for b in baseline.buckets} for language, baseline in baselines.items()}
    buckets = {label: b for of_language in totals.values() for label, b in of_language.items()}
    for r in found:  # a bucket no article of the baseline has (it cannot be, but never drop a count)
        for b in r.facets.dates.buckets:
            buckets.setdefault(b.label, DateBucket(b.label, b.start, b.end, b.count))
    labels = sorted(buckets, key=lambda label: buckets[label].start)
    series = []
    for q, r, language in zip(queries, found, within):
        counts = {b.label: b.count for b in r.facets.dates.buckets}
        of = totals[language]
        points = [TrendPoint(label, buckets[label].start, buckets[label].end, counts.get(label, 0),
                             of[label].count if label in of else counts.get(label, 0)) for label in labels]
        series.append(TrendSeries(q, r.total, r.facets.dates.undated, points, all_words=r.all_words,
                                  within=language))
    everything = totals[None]
    return Trends(common, normalise, series, coarsened_notice(interval, common),
                  [everything[label].count if label in everything else 0 for label in labels])


def _one_language(request: SearchRequest) -> str | None:
    """The one language a series is restricted to (its filter or a top-level `language:`), or
    None. Two required languages match nothing (an article has one), so no baseline is needed."""
    languages = required_languages(request.language, request.tree)
    return languages[0] if len(languages) == 1 else None


def trends_csv_rows(result: Trends) -> list[list[str]]:
    """A table: one row per bucket, a count (and share) column per query; a series narrowed to a
    language also has the column of its language's articles, which its share is of. A bucket
    without any article has no share (an empty cell, as the chart leaves a gap), not 0."""
    header = ["bucket", "start", "end", "all_articles"]
    for s in result.series:
        header += [f"{s.query} (count)", f"{s.query} (share)"]
        if s.within:
            header.append(f"{s.query} (of {s.within} articles)")
    rows = [header]
    if result.series and result.series[0].points:
        for i, point in enumerate(result.series[0].points):
            row = [point.label, point.start.isoformat(), point.end.isoformat(), str(result.articles[i])]
            for s in result.series:
                mine = s.points[i]
                row += [str(mine.count), f"{mine.share:.6f}" if mine.total else ""]
                if s.within:
                    row.append(str(mine.total))
            rows.append(row)
    return rows


def trends_csv(result: Trends) -> str:
    """The CSV file of `trends_csv_rows`, written by the one CSV writer (`search.export.csv_lines`:
    a query typed as `=HYPERLINK(...)` is a header cell a spreadsheet shows as text)."""
    return "".join(csv_lines(trends_csv_rows(result)))


__all__ = ["trends", "Trends", "TrendSeries", "TrendPoint", "MAX_QUERIES", "check_queries", "trends_csv_rows",
           "trends_csv"]
