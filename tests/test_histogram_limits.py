"""A date histogram never has more than `search.histogram.MAX_BUCKETS` buckets, whatever dates an
index holds (contract suite: both backends): an article dated 9999 beside the 1990s once made
`/api/trends?interval=day` answer 278 MB in 31 s, `interval=hour` ran out of memory and
`interval=week` failed with "year 10000 is out of range".

The articles are written with the backend's writer, not through the readers: the readers may
refuse far-future dates, but an index built before they did can hold them.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from index.article import Article
from search.backends import open_writer
from search.histogram import MAX_BUCKETS, bucket_count, fitting_interval, week_end


def _article(key: str, title: str, when: datetime) -> Article:
    return Article(title=title, body=f"{title}. Crude oil prices moved.", date=when,
                   url=f"https://example.test/{key}", path="/synthetic/far.jsonl", location=key)


def write_articles(maker, name: str, articles: list[Article]) -> None:
    """What the indexer does with a writer, without its readers."""
    with open_writer(maker.backend, **maker.location(name)) as writer:
        for a in articles:
            writer.write(a, a.id, "/synthetic/far.jsonl|v1", f"hash-{a.id}")
        writer.commit()


@pytest.fixture(scope="module")
def far(backend_indexes):
    utc = timezone.utc
    write_articles(backend_indexes, "far", [
        _article("old", "Oil in 1995", datetime(1995, 3, 1, 12, tzinfo=utc)),
        _article("mid", "Oil in 1996", datetime(1996, 6, 1, 9, tzinfo=utc)),
        _article("end", "Oil at the end of time", datetime(9999, 12, 31, 23, tzinfo=utc)),
    ])
    return backend_indexes.engine("far")


def test_the_limit_and_the_interval_rule():
    assert bucket_count(date(2019, 3, 3), date(2019, 3, 4), "week") == 2  # Sunday, then Monday
    assert bucket_count(date(1995, 1, 1), date(9999, 12, 31), "day") > MAX_BUCKETS
    assert fitting_interval(date(1995, 1, 1), date(9999, 12, 31), "day") == "year"
    assert fitting_interval(date(1995, 1, 1), date(2000, 1, 1), "day") == "day"       # 1,827 days
    assert fitting_interval(date(1995, 1, 1), date(2030, 1, 1), "day") == "week"
    assert fitting_interval(date(1995, 1, 1), date(2030, 1, 1), "hour") == "week"
    assert fitting_interval(date(1000, 1, 1), date(9999, 12, 31)) == "year"          # the rule's own
    assert bucket_count(date(1, 1, 1), date(9999, 12, 31), "year") <= MAX_BUCKETS      # years always fit
    assert week_end(date(9999, 12, 27)) == date(9999, 12, 31)


@pytest.mark.parametrize("asked", ["hour", "day", "week"])
def test_far_future_dates_coarsen_the_histogram(far, asked):
    histogram = far.search("oil", interval=asked).facets.dates
    assert len(histogram.buckets) <= MAX_BUCKETS
    assert histogram.interval in ("week", "month", "year")
    assert sum(b.count for b in histogram.buckets) == 3


def test_week_buckets_up_to_the_last_day_of_the_calendar(far):
    histogram = far.search("oil", date_from="9999-12-01", interval="week").facets.dates
    assert histogram.interval == "week"
    last = histogram.buckets[-1]
    assert (last.label, last.start, last.end, last.count) == ("9999-12-27", date(9999, 12, 27), date.max, 1)


def test_trends_coarsen_and_say_so(far):
    result = far.trends(["oil", "end of time"], interval="day")
    assert result.interval == "year"
    assert all(len(s.points) <= MAX_BUCKETS for s in result.series)
    assert [p.label for p in result.series[0].points][:2] == ["1995", "1996"]
    assert sum(p.count for p in result.series[0].points) == 3
    assert result.notice and "not by day" in result.notice and f"{MAX_BUCKETS:,}" in result.notice
    assert result.to_dict()["notice"] == result.notice
    # Asked within the limit: no notice, and the interval asked for.
    narrow = far.trends(["oil"], interval="day", date_from="1995", date_to="1996")
    assert narrow.interval == "day" and narrow.notice is None


def test_trends_baseline_in_the_same_buckets_when_the_dates_are_wider(far):
    # The series lie in 1995-96 (days fit) while the baseline's dates reach 9999: the baseline
    # must be counted in the series' buckets, not coarsened on its own.
    result = far.trends(["1995 OR 1996"], interval="day", date_from="1000-01-01")
    assert result.interval == "day"
    points = result.series[0].points
    assert len(points) <= MAX_BUCKETS and sum(p.total for p in points) == 2 == sum(p.count for p in points)


def test_api_trends_by_hour_answers_small(far):
    from web import create_app

    client = create_app(engine=far, testing=True).test_client()
    response = client.get("/api/trends?q=oil&interval=hour")
    assert response.status_code == 200
    assert len(response.data) < 2_000_000
    data = response.get_json()
    assert data["interval"] == "year" and "not by hour" in data["notice"]
    week = client.get("/api/trends?q=oil&interval=week&from=9999-01-01")
    assert week.status_code == 200 and week.get_json()["series"][0]["buckets"][-1]["end"] == "9999-12-31"
    page = client.get("/trends?q=oil&interval=day")
    assert page.status_code == 200 and "not by day" in page.get_data(as_text=True)
