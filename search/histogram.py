"""How many buckets a date histogram may have, and the interval that keeps it within that.

Readers accept any year from 1000 to 9999, so one article dated 9999 beside the 1990s asks a
day histogram for 2.9 million buckets (a 278 MB trends answer; by hour the server ran out of
memory). Both backends and trends therefore ask `fitting_interval` for the interval: the one
asked for (or `histogram_interval`'s rule) while it gives at most `MAX_BUCKETS` buckets, else the
finest coarser one that does, and `coarsened_notice` says so to the person who asked.

`MAX_BUCKETS` is above every bucket count the default rule can give (years: Python's calendar
ends in 9999, so at most 9,999 of them), so only an interval someone asked for is ever coarsened,
and years always fit.
"""
from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime, timedelta

from search.backend import histogram_interval
from search.request import INTERVALS
from search.results import DateBucket

MAX_BUCKETS = 10_000


def bucket_count(first: date, last: date, interval: str) -> int:
    """Buckets from the one holding `first` to the one holding `last`, both included (hours:
    every hour of those days, an upper bound)."""
    if interval == "hour":
        return ((last - first).days + 1) * 24
    if interval == "day":
        return (last - first).days + 1
    if interval == "week":
        monday = first - timedelta(days=first.weekday())
        return (last - monday).days // 7 + 1
    if interval == "month":
        return (last.year - first.year) * 12 + last.month - first.month + 1
    return last.year - first.year + 1


def fitting_interval(first: date, last: date, asked: str | None = None) -> str:
    """The interval for matches dated `first`..`last`: `asked` (None: the span's rule) or, when
    that would give more than MAX_BUCKETS buckets, the finest coarser one within the limit."""
    interval = asked or histogram_interval(first, last)
    for candidate in INTERVALS[INTERVALS.index(interval):]:
        if bucket_count(first, last, candidate) <= MAX_BUCKETS:
            return candidate
    return INTERVALS[-1]  # unreachable while years fit (see the module's docstring)


def coarsened_notice(asked: str | None, used: str) -> str | None:
    """What to tell a person whose `asked` interval was coarsened to `used`, or None."""
    if not asked or asked == used:
        return None
    return (f"by {used}, not by {asked}: by {asked} the dates would need more than {MAX_BUCKETS:,} "
            f"buckets (narrow the dates to see them by {asked})")


def week_end(start: date) -> date:
    """The Sunday of the week starting on Monday `start` (the calendar's last day for its last
    week, which ends after 31 December 9999)."""
    return date.max if start > date.max - timedelta(days=6) else start + timedelta(days=6)


def date_bucket(interval: str, start: date, count: int) -> DateBucket:
    """The `interval` bucket that starts at `start` (an hour's: a UTC datetime), labelled and
    bounded as every backend gives it: hours "YYYY-MM-DD HH:00" (from and to that day), days
    "YYYY-MM-DD", weeks (Monday to Sunday) by their Monday, months "YYYY-MM" (first to last day),
    years "YYYY" (1 January to 31 December)."""
    day = start.date() if isinstance(start, datetime) else start
    if interval == "hour":
        return DateBucket(start.strftime("%Y-%m-%d %H:00"), day, day, count)
    if interval == "day":
        return DateBucket(day.isoformat(), day, day, count)
    if interval == "week":
        return DateBucket(day.isoformat(), day, week_end(day), count)
    if interval == "month":
        return DateBucket(day.strftime("%Y-%m"), day, date(day.year, day.month, monthrange(day.year, day.month)[1]),
                          count)
    return DateBucket(str(day.year), date(day.year, 1, 1), date(day.year, 12, 31), count)


__all__ = ["MAX_BUCKETS", "bucket_count", "fitting_interval", "coarsened_notice", "week_end", "date_bucket"]
