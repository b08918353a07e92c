"""The Whoosh schema: what is indexed, how it is analysed, and how an Article becomes a document.

Both the indexer and the search engine import from here, so the analyser used at query time is
always the one used at index time.
"""
from __future__ import annotations

from datetime import datetime, timezone

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, Schema  # type: ignore[import-untyped]

import search.backends.whoosh.internals  # noqa: F401  (must patch Whoosh before any index is used)
from search import ranking
from search.analysis import DEFAULT_LANGUAGE, analysis_language
from search.backends.whoosh.analysis import LanguageText, NewsAnalyzer, NewsText
from index.article import ENTITY_TYPES, FACET_KINDS, Article

# Bumped whenever the schema or analysis changes incompatibly; an index of another version is
# refused with a message to re-index rather than searched wrongly.
SCHEMA_VERSION = 5  # 2: no `spell_body` field (vocabulary.py keeps the spelling words); 3: the
# analyser and field classes pickled in the schema moved to search.backends.whoosh.analysis;
# 4: Snowball stemmer, `title_derived` (a derived title is stored, not indexed); 5: languages
# (issue 21): each article analysed in its own language, a non-English article's terms marked
# "de\x1f...", exact forms of accented words kept, CJK pairs, the vocabulary per language

# Fields a person can name in a query (`person:"Kim Jong Un"`) and filter on; their terms are the
# display forms, matched case-insensitively through the engine's lexicon lookup.
FACET_FIELDS = FACET_KINDS  # index.article: the one list of facet kinds


def news_analyzer() -> NewsAnalyzer:
    """Words, lower-cased, accents folded, stop words dropped, Snowball-stemmed (analysis.STEMMER),
    each article in its own language (search.backends.whoosh.analysis).

    Accent folding lets "Nguyen" find "Nguyễn"; the minimum size of 2 drops the "s" that the
    tokenizer splits off possessives ("Korea's" -> "korea"); stemming lets "summits" match
    "summit". Character offsets are kept, so highlighting marks the original words.
    """
    return NewsAnalyzer()


def build_schema() -> Schema:
    analyzer = news_analyzer()
    facet = dict(stored=True, commas=True, scorable=False, lowercase=False)
    return Schema(
        id=ID(unique=True, stored=True),
        url=STORED,
        # search.ranking.TITLE_BOOST, kept in the index's schema: an index ranks with the boost
        # it was built with.
        title=NewsText(analyzer=analyzer, stored=True, field_boost=ranking.TITLE_BOOST),
        # Set when the reader made the title from the lede (Article.title_derived).
        title_derived=STORED,
        # Not spelling=True: did-you-mean words are counted in vocabulary.py, at a fraction
        # of the cost of Whoosh's second field of unstemmed postings.
        body=NewsText(analyzer=analyzer, stored=True),
        date=DATETIME(stored=True, sortable=True),
        source=KEYWORD(**facet),
        person=KEYWORD(**facet),
        org=KEYWORD(**facet),
        place=KEYWORD(**facet),
        authors=STORED,
        # ISO 639-1 (index/language.py), "und" when undetermined: a facet like the source.
        language=KEYWORD(**facet),
        path=ID(stored=True),
        # "path|size|mtime_ns" of the file the article came from: lets a re-run skip unchanged files.
        file_key=ID,
        content_hash=STORED,
    )


def facet_value(name: str) -> str:
    """A display name as a facet term: commas separate terms in a KEYWORD field."""
    return " ".join(name.replace(",", " ").split())


def to_index_datetime(value: datetime) -> datetime:
    """Whoosh stores naive datetimes: store UTC."""
    return value.astimezone(timezone.utc).replace(tzinfo=None)


def from_index_datetime(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=timezone.utc) if value is not None else None


def article_to_document(article: Article, file_key: str, content_hash: str) -> dict:
    """The fields Whoosh stores and indexes for one article."""
    return fields_to_document(article.record(article.id, file_key, content_hash))


def fields_to_document(doc: dict) -> dict:
    """`Article.record` fields (plain types) as Whoosh takes them: naive UTC dates, facet
    terms joined by commas; a derived title stored, not indexed; the title and body in the
    article's language (`in_language`)."""
    doc = dict(doc)
    if doc.get("title_derived"):
        # Shown as the title, but not indexed: the lede it repeats would count twice, once with
        # the headline boost. The body has its words, and ranks the article alone.
        doc["_stored_title"], doc["title"] = doc["title"], ""
    in_language(doc)
    if "date" in doc:
        doc["date"] = to_index_datetime(doc["date"])
    if "source" in doc:
        doc["source"] = facet_value(doc["source"])
    for kind in ENTITY_TYPES:
        if kind in doc:
            doc[kind] = ",".join(dict.fromkeys(facet_value(name) for name in doc[kind]))
    return doc


def in_language(doc: dict) -> dict:
    """A document's title and body indexed in its `language` (changed in place, and returned):
    the indexed values carry it (`LanguageText`), the stored ones stay plain text. English
    (and "und", or no language) are passed as they always were."""
    language = doc.get("language")
    if analysis_language(language) == DEFAULT_LANGUAGE:
        return doc
    for name in ("title", "body"):
        value = doc.get(name)
        if isinstance(value, str) and not isinstance(value, LanguageText):
            doc.setdefault(f"_stored_{name}", value)
            doc[name] = LanguageText(value, language)
    return doc
