"""Checks every article passes on its way out of a reader, whatever its format (see `read_file`):
its text is valid Unicode and its date is not in the future. What a check changes is reported
as a warning with the file and the record, and the article is indexed.

Why here and not in each reader: the faults come from any source (a JSON escape, a CSV cell, a
page's metadata, a date typed by hand), and the stages after reading (spaCy, the index writers,
the web pages) must never see them: a JSON record with a lone surrogate escape ("\\ud83d", half
of an emoji) stopped a whole run inside spaCy (issue 23).
"""
from __future__ import annotations

import dataclasses
import re
from datetime import datetime

from index.article import Article, latest_plausible_date
from index.readers.base import Problem

_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_unicode(text: str) -> tuple[str, int]:
    """`text` with every lone UTF-16 surrogate replaced by U+FFFD (a pair of them, which some
    sources write as two escapes, becomes the one character it encodes), and how many were
    replaced. Such code points cannot be encoded as UTF-8: every later stage would fail on them."""
    if _SURROGATE.search(text) is None:
        return text, 0
    fixed = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return fixed, fixed.count("\ufffd") - text.count("\ufffd")


def _valid_names(names: list[str]) -> tuple[list[str], int]:
    fixed = [valid_unicode(name) for name in names]
    return [name for name, _ in fixed], sum(count for _, count in fixed)


def check_text(article: Article) -> list[Problem]:
    """Make every text field of `article` valid Unicode (in place): title, body, URL, source,
    language, source id, authors and entity names. One warning names the fields changed."""
    changed: dict[str, int] = {}
    for name in ("title", "body", "url", "source", "language", "source_id"):
        value = getattr(article, name)
        if isinstance(value, str):
            fixed, count = valid_unicode(value)
            if count:
                setattr(article, name, fixed)
                changed[name] = count
    article.authors, count = _valid_names(article.authors)
    if count:
        changed["authors"] = count
    for kind, names in list(article.entities.items()):
        article.entities[kind], count = _valid_names(names)
        if count:
            changed[kind] = count
    if not changed:
        return []
    total = sum(changed.values())
    where = ", ".join(f"{name} ({count})" for name, count in changed.items())
    return [Problem(article.path, f"{total} invalid character{'s' if total > 1 else ''} (lone UTF-16 surrogates, "
                    f"e.g. a JSON escape \\ud83d that is half of an emoji) replaced by U+FFFD in: {where}",
                    article.location, "warning")]


def check_date(article: Article, now: datetime | None = None) -> list[Problem]:
    """Leave `article` undated (in place) when its date is later than `latest_plausible_date`."""
    if article.date is None:
        return []
    limit = latest_plausible_date(now)
    if article.date <= limit:
        return []
    date = article.date
    article.date = None
    return [Problem(article.path, f"date {date.isoformat()} is in the future (later than {limit:%Y-%m-%d}, a year "
                    "after today): a news archive has no such article; indexed as undated",
                    article.location, "warning")]


def check_problem(problem: Problem) -> Problem:
    """`problem` with its reason and location made valid Unicode (a reason may quote the file's
    text, e.g. an exception's message): the summary prints them and `--errors` writes them as
    UTF-8. The path is left as it is: a file name's bytes are the indexer's to show."""
    reason, bad = valid_unicode(problem.reason)
    location, bad_location = valid_unicode(problem.location) if problem.location else (problem.location, 0)
    if not bad and not bad_location:
        return problem
    return dataclasses.replace(problem, reason=reason, location=location)


def check_article(article: Article) -> list[Problem]:
    """Every check above, in place; the warnings they give."""
    return check_text(article) + check_date(article)
