"""Dates in a score, the same on every backend: the recency factor that a search's `recency`
half-life mixes into relevance, and the closeness in date that related articles prefer.

Each backend computes these where its scores are (the Whoosh backend over numpy arrays, the
OpenSearch backend in a script on the cluster) from the settings and rules here; the functions
below are the reference for one article.

- Recency: a relevance score times `recency_factor(age)`, 1 for the newest matching article,
  halving the bonus over RECENCY_FLOOR every half-life older. Age is counted from the newest
  *matching* article, not from today, so that an archive from 1987 still has a "recent".
  Undated articles get the floor.
- Related articles: an article's RELATED_TERMS key terms find the others; each one's score is
  times `closeness(days apart)`, 1 / sqrt(1 + days / CLOSENESS_DAYS): a month apart costs ~30%,
  a year ~75%. An undated article counts as UNDATED_DAYS apart (it might be from any time).
"""
from __future__ import annotations

import math

RECENCY_FLOOR = 0.5       # the factor of an article infinitely older than the newest match (and of undated ones)
RELATED_TERMS = 12        # key terms of an article that find related ones
CLOSENESS_DAYS = 30.0     # days apart that cost a related article 1 - 1/sqrt(2), ~30%
UNDATED_DAYS = 365.0      # how far apart an undated article counts


def recency_factor(age_days: float | None, half_life_days: float) -> float:
    """The score multiplier of an article `age_days` older than the newest match (None: undated)."""
    if age_days is None:
        return RECENCY_FLOOR
    return RECENCY_FLOOR + (1 - RECENCY_FLOOR) * 0.5 ** (max(0.0, age_days) / half_life_days)


def closeness(days_apart: float | None) -> float:
    """The score multiplier of a related article `days_apart` from the article (None: undated)."""
    days = UNDATED_DAYS if days_apart is None else abs(days_apart)
    return 1.0 / math.sqrt(1.0 + days / CLOSENESS_DAYS)


__all__ = ["RECENCY_FLOOR", "RELATED_TERMS", "CLOSENESS_DAYS", "UNDATED_DAYS", "recency_factor", "closeness"]
