"""Whole stored articles in batches, and the body's document frequencies of words, for the
OpenSearch backend (`SearchBackend.articles` and `.document_frequencies`): one request each,
whatever the number of articles or words, since every request is a round trip to the cluster.
"""
from __future__ import annotations

from datetime import datetime, timezone

from index.article import ENTITY_TYPES
from search.backends.opensearch.languages import field, field_language
from search.backends.opensearch.schema import doc_id, text_of, title_of
from search.backends.opensearch.translate import language_filter
from search.results import ArticleRecord

# Words per document-frequency request: one `filters` bucket each, far below the cluster's
# search.max_buckets (65,535).
MAX_WORDS = 1_000


def stored_date(value: object) -> datetime | None:
    """A stored date (ISO 8601, or epoch milliseconds) as an aware UTC datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value / 1000, tz=timezone.utc)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def entities_of(source: dict) -> dict[str, list[str]]:
    """Every entity kind's names (empty lists included: a hit lists every kind)."""
    out = {}
    for kind in ENTITY_TYPES:
        values = source.get(kind) or []
        out[kind] = [values] if isinstance(values, str) else list(values)
    return out


def record_from_source(source: dict, article_id: str = "") -> ArticleRecord:
    """An `ArticleRecord` from a document's source (`article_id` when it has no id)."""
    return ArticleRecord(
        id=source.get("id", article_id), title=title_of(source), body=text_of(source, "body"),
        url=source.get("url"), date=stored_date(source.get("date")), source=source.get("source"),
        authors=list(source.get("authors") or []), language=source.get("language"),
        entities=entities_of(source), path=source.get("path", ""))


def articles(backend, article_ids: list[str]) -> list[ArticleRecord]:
    """The indexed ones of `article_ids`, in order (unknown ids are left out)."""
    if not article_ids:
        return []
    body = {"query": {"ids": {"values": [doc_id(i) for i in dict.fromkeys(article_ids)]}},
            "size": len(article_ids)}
    answer = backend._search("read articles from", body)
    found = {}
    for raw in answer["hits"]["hits"]:
        source = raw.get("_source", {})
        found[source.get("id")] = record_from_source(source)
    return [found[i] for i in article_ids if i in found]


def document_frequencies(backend, words: list[str], language: str = "en") -> tuple[dict[str, tuple[str, int]], int]:
    """{word: (indexed body term, articles whose body has it)} for words `language`'s analyser
    keeps as exactly one term (stop words drop out), and the number of that language's articles
    ("und" counts as English): the words are analysed by the cluster, then counted by one
    `filters` aggregation on that language's body field."""
    language = field_language(language)
    body_field = field("body", language)
    words = list(dict.fromkeys(words))[:MAX_WORDS]
    analysed = backend.analyse(set(words), language) if words else {}
    terms = {word: analysed[word][0] for word in words if len(analysed.get(word, ())) == 1}
    unique = sorted(set(terms.values()))
    body: dict = {"size": 0, "track_total_hits": True}
    present = backend.analyses.present()
    others = sorted(code for code in present if field_language(code) != language)
    if others:  # the language's articles only (an English archive: every article, as before)
        mine = sorted(code for code in present if field_language(code) == language)
        body["query"] = language_filter(language, {language: mine, "": others})
    if unique:
        body["aggs"] = {"df": {"filters": {"filters": {t: {"term": {body_field: t}} for t in unique}}}}
    answer = backend._search("count words in", body)
    buckets = answer.get("aggregations", {}).get("df", {}).get("buckets", {})
    counts = {term: int(bucket.get("doc_count", 0)) for term, bucket in buckets.items()}
    return ({word: (term, counts.get(term, 0)) for word, term in terms.items()},
            int(answer["hits"]["total"]["value"]))


__all__ = ["articles", "document_frequencies", "record_from_source", "entities_of", "stored_date", "MAX_WORDS"]
