"""Stories on the OpenSearch backend: the `story` keyword field (set by the indexer's partial
updates, see index.stories), OpenSearch's field collapsing for one hit per story, and story
summaries from one aggregation.

Field collapsing keeps each story's best hit in the requested sort and pages over stories; a
`cardinality` aggregation counts them (exact below PRECISION_THRESHOLD distinct stories, within
a few percent beyond: OpenSearch's HyperLogLog++).
"""
from __future__ import annotations

from datetime import datetime, timezone

from search.backends.opensearch.schema import title_of
from search.request import SearchRequest
from search.results import MAX_STORY_OTHERS, StoryInfo

FIELD = "story"
PRECISION_THRESHOLD = 40_000  # OpenSearch's maximum
MAX_SOURCES = 20


def story_filters(request: SearchRequest) -> list[dict]:
    """The `story` filter: articles of any of the requested stories."""
    return [{"terms": {FIELD: list(request.story)}}] if request.story else []


def add_collapse(body: dict) -> None:
    """One hit per story in a page request, and the story count."""
    body["collapse"] = {"field": FIELD}
    body.setdefault("aggs", {})["stories"] = {"cardinality": {"field": FIELD,
                                                               "precision_threshold": PRECISION_THRESHOLD}}


def story_count(answer: dict) -> int:
    return int(answer.get("aggregations", {}).get("stories", {}).get("value", 0))


def hit_story(raw: dict) -> str | None:
    """The story id of a collapsed hit (OpenSearch returns the collapse key in `fields`)."""
    values = raw.get("fields", {}).get(FIELD) or raw.get("_source", {}).get(FIELD)
    if isinstance(values, list):
        return values[0] if values else None
    return values


def _date(millis: float | str | None) -> datetime | None:
    if millis is None:
        return None
    return datetime.fromtimestamp(float(millis) / 1000, tz=timezone.utc)


def _summary_aggs(size: int, order: list | None = None, include: list[str] | None = None) -> dict:
    terms: dict = {"field": FIELD, "size": size}
    if include is not None:
        terms["include"] = include
    if order is not None:
        terms["order"] = order
    return {"stories": {"terms": terms, "aggs": {
        "first": {"min": {"field": "date"}}, "last": {"max": {"field": "date"}},
        "sources": {"terms": {"field": "source", "size": MAX_SOURCES}},
        "members": {"top_hits": {"size": MAX_STORY_OTHERS + 1, "_source": ["id", "title", "display_title", "language", "title_*"],
                                 "sort": [{"date": {"order": "asc", "missing": "_last"}}, {"id": "asc"}]}}}}}


def _read_summaries(aggs: dict) -> dict[str, StoryInfo]:
    found = {}
    for bucket in aggs.get("stories", {}).get("buckets", []):
        members = [hit.get("_source", {}) for hit in bucket["members"]["hits"]["hits"]]
        found[bucket["key"]] = StoryInfo(
            id=bucket["key"], size=int(bucket["doc_count"]),
            date_from=_date(bucket["first"].get("value")), date_to=_date(bucket["last"].get("value")),
            sources=[b["key"] for b in bucket["sources"]["buckets"]],
            others=[m.get("id", "") for m in members],
            representative=members[0].get("id", "") if members else "",
            title=title_of(members[0]) if members else "")
    return found


def summaries(search, story_ids: list[str | None]) -> dict[str, StoryInfo]:
    """Story id -> its summary over all its indexed articles (one request). `others` holds all
    members here; `with_story` drops the hit's own id."""
    ids = list(dict.fromkeys(s for s in story_ids if s))
    if not ids:
        return {}
    body = {"size": 0, "query": {"terms": {FIELD: ids}}, "aggs": _summary_aggs(len(ids), include=ids)}
    return _read_summaries(search._search("summarise the stories in", body).get("aggregations", {}))


def with_story(hit, info: StoryInfo | None) -> None:
    """Attach a story summary to a hit, listing the story's other articles."""
    if info is None:
        return
    others = [aid for aid in info.others if aid != hit.id][:MAX_STORY_OTHERS]
    hit.story = StoryInfo(info.id, info.size, info.date_from, info.date_to, info.sources, others,
                          info.representative, info.title)


def largest(search, query: dict, top: int) -> list[StoryInfo]:
    """The `top` stories with most articles matching `query` (ties in story id order), with
    their summaries over all their articles."""
    body = {"size": 0, "query": query,
            "aggs": {"stories": {"terms": {"field": FIELD, "size": max(1, top),
                                           "order": [{"_count": "desc"}, {"_key": "asc"}]}}}}
    answer = search._search("find the largest stories in", body)
    ids = [b["key"] for b in answer.get("aggregations", {}).get("stories", {}).get("buckets", [])]
    found = summaries(search, ids)
    return [found[i] for i in ids if i in found]


__all__ = ["story_filters", "add_collapse", "story_count", "hit_story", "summaries", "with_story", "largest"]
