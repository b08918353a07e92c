"""Geometry of the timeline: the date histogram as bars of a small server-side SVG chart.

Drawn on the server so it works without JavaScript and costs nothing to load; each bar is an
SVG link that narrows the search to its bucket. Computing the geometry here keeps the template
free of arithmetic.
"""
from __future__ import annotations

from dataclasses import dataclass

from search import DateHistogram

WIDTH = 600          # viewBox units; the SVG scales to the sidebar/column width
HEIGHT = 80
MIN_BAR_HEIGHT = 2   # a bucket with one article must still be visible (and clickable)
INTERVAL_NAMES = {"day": "day", "month": "month", "year": "year"}


@dataclass
class Tick:
    """An x-axis label under the bar at `index` (the template spaces them evenly)."""

    index: int
    label: str


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    count: int
    start: str
    end: str
    url: str | None  # None for an empty bucket: nothing to narrow to
    current: bool    # the bucket is exactly the active date range

    @property
    def title(self) -> str:
        """The hover text: count and the dates the bucket covers."""
        span = self.start if self.start == self.end else f"{self.start} – {self.end}"
        return f"{self.label}: {self.count:,} article{'' if self.count == 1 else 's'} ({span})"


X_TICKS = 4  # labels along the x axis (first and last bucket included)


def x_ticks(bars: list[Bar]) -> list[Tick]:
    """Evenly spaced bucket labels for the x axis: the first, the last and a few between."""
    if len(bars) <= X_TICKS:
        return [Tick(i, bar.label) for i, bar in enumerate(bars)]
    picks = sorted({round(k * (len(bars) - 1) / (X_TICKS - 1)) for k in range(X_TICKS)})
    return [Tick(i, bars[i].label) for i in picks]


def y_ticks(bars: list[Bar]) -> list[int]:
    """The y axis' labels, top to bottom: the tallest bar's count, half of it, 0."""
    peak = max((bar.count for bar in bars), default=0)
    return [peak, peak // 2, 0] if peak > 1 else [peak, 0]


def timeline_bars(histogram: DateHistogram, state) -> list[Bar]:
    """Bars for `histogram`, each linking to `state` narrowed to its bucket's first..last day."""
    buckets = histogram.buckets
    if not buckets:
        return []
    peak = max(b.count for b in buckets) or 1
    slot = WIDTH / len(buckets)
    gap = min(slot * 0.2, 4.0) if len(buckets) > 1 else 0.0
    bars = []
    for i, bucket in enumerate(buckets):
        height = 0.0 if not bucket.count else max(MIN_BAR_HEIGHT, (HEIGHT - 2) * bucket.count / peak)
        start, end = bucket.start.isoformat(), bucket.end.isoformat()
        bars.append(Bar(
            x=round(i * slot + gap / 2, 2), y=round(HEIGHT - height, 2), width=round(max(slot - gap, 0.5), 2),
            height=round(height, 2), label=bucket.label, count=bucket.count, start=start, end=end,
            url=state.url(date_from=start, date_to=end) if bucket.count else None,
            current=(state.date_from == start and state.date_to == end),
        ))
    return bars
