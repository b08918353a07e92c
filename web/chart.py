"""Geometry of the trends chart: several series over the same date buckets as a server-side SVG
line chart with axes, labelled ticks, a legend and a <title> on every point (hover values).

Drawn on the server, like the timeline, so the chart works without JavaScript, in a feed reader
or a saved page; JavaScript only adds a read-out that follows the pointer. The template draws
what is computed here, so it holds no arithmetic. The queries it writes into the SVG pass
through `web.xmltext.xml_text` (the chart is SVG: XML's rules on characters apply).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from search.trends import Trends
from web.xmltext import xml_text

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 40, 26, 30   # margins for the axes' labels (the y title above the plot)
MAX_X_TICKS = 8
Y_TICKS = 5
SERIES_CLASSES = 5  # CSS classes series-0..4 (colours in style.css: inline style is forbidden)


@dataclass
class Point:
    x: float
    y: float
    title: str   # "oil — 1987-03: 512 articles, 12.3% of 4,187"


@dataclass
class Line:
    index: int
    query: str
    total: int
    all_words: bool = True
    points: list[Point] = field(default_factory=list)
    # Runs of consecutive plotted points, each drawn as one polyline: a share is undefined in a
    # bucket without any article, so the line breaks there instead of dropping to 0%.
    segments: list[str] = field(default_factory=list)


@dataclass
class Tick:
    position: float
    label: str


@dataclass
class Chart:
    width: int
    height: int
    left: int
    top: int
    right_edge: int
    bottom_edge: int
    lines: list[Line]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    y_title: str
    interval: str


def nice_step(peak: float, ticks: int = Y_TICKS) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving about `ticks` ticks up to `peak`."""
    if peak <= 0:
        return 1.0
    raw = peak / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _format(value: float, normalised: bool, step: float) -> str:
    if not normalised:
        return f"{value:,.0f}"
    percent, step_percent = value * 100, step * 100
    decimals = 0 if step_percent >= 1 else min(4, int(-math.floor(math.log10(step_percent))))
    return f"{percent:.{decimals}f}%"


def trends_chart(result: Trends) -> Chart | None:
    """The chart of `result`, or None when no series has a dated article."""
    if not result.series or not result.series[0].points:
        return None
    buckets = result.series[0].points
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    peak = max((result.value(p) for s in result.series for p in s.points), default=0.0)
    step = nice_step(peak) if peak else (0.01 if result.normalised else 1.0)
    if not result.normalised:
        step = max(1.0, step)  # no fractions of an article
    top_value = step * max(1, math.ceil(peak / step)) if peak else step
    slot = plot_w / max(len(buckets) - 1, 1)

    def x_at(i: int) -> float:
        return round(LEFT + (i * slot if len(buckets) > 1 else plot_w / 2), 2)

    def y_at(value: float) -> float:
        return round(TOP + plot_h - plot_h * value / top_value, 2)

    lines = []
    for index, series in enumerate(result.series):
        query = xml_text(series.query)
        line = Line(index % SERIES_CLASSES, query, series.total, series.all_words)
        run: list[Point] = []
        for i, point in enumerate(series.points):
            if result.normalised and not point.total:
                if run:
                    line.segments.append(" ".join(f"{p.x},{p.y}" for p in run))
                run = []
                continue
            title = (f"{query} — {point.label}: {point.count:,} article{'' if point.count == 1 else 's'}, "
                     f"{point.share * 100:.2f}% of {point.total:,}")
            run.append(Point(x_at(i), y_at(result.value(point)), title))
            line.points.append(run[-1])
        if run:
            line.segments.append(" ".join(f"{p.x},{p.y}" for p in run))
        lines.append(line)
    every = max(1, math.ceil(len(buckets) / MAX_X_TICKS))
    x_ticks = [Tick(x_at(i), buckets[i].label) for i in range(0, len(buckets), every)]
    y_ticks = [Tick(y_at(k * step), _format(k * step, result.normalised, step))
               for k in range(0, int(round(top_value / step)) + 1)]
    return Chart(WIDTH, HEIGHT, LEFT, TOP, WIDTH - RIGHT, TOP + plot_h, lines, x_ticks, y_ticks,
                 f"{result.scale()} per {result.interval}", result.interval)


__all__ = ["trends_chart", "Chart", "Line", "Point", "Tick", "nice_step"]
