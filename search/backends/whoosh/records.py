"""Whole stored articles in batches, and the body's document frequencies of words, for the
Whoosh backend (`SearchBackend.articles` and `.document_frequencies`).

Export with text and top words read many articles at once; a word's document frequency comes
from the cached postings of the searcher's generation (deleted articles excluded), with the word
analysed by the index's own body analyser, so it counts exactly what a search for it matches.
"""
from __future__ import annotations

from index.article import ENTITY_TYPES
from search.analysis import DEFAULT_LANGUAGE
from search.backends.whoosh.analysis import strip_language
from search.backends.whoosh.schema import from_index_datetime
from search.results import ArticleRecord


def entities_of(stored: dict) -> dict[str, list[str]]:
    """Every entity kind's names from a stored document (commas separate them)."""
    return {kind: [v for v in stored.get(kind, "").split(",") if v] for kind in ENTITY_TYPES}


def record_from_stored(stored: dict) -> ArticleRecord:
    """An `ArticleRecord` from a document's stored fields."""
    return ArticleRecord(
        id=stored["id"], title=stored.get("title", ""), body=stored.get("body", ""),
        url=stored.get("url"), date=from_index_datetime(stored.get("date")),
        source=stored.get("source"), authors=list(stored.get("authors") or []),
        language=stored.get("language"), entities=entities_of(stored), path=stored.get("path", ""),
    )


def articles(searcher, article_ids: list[str]) -> list[ArticleRecord]:
    """The indexed ones of `article_ids`, in order (unknown ids are left out)."""
    out = []
    for article_id in article_ids:
        docnum = searcher.document_number(id=article_id)
        if docnum is not None:
            out.append(record_from_stored(searcher.stored_fields(docnum)))
    return out


def document_frequencies(searcher, postings, words: list[str],
                         language: str = DEFAULT_LANGUAGE) -> tuple[dict[str, tuple[str, int]], int]:
    """{word: (indexed body term, articles whose body has it)} for words the analyser keeps as
    exactly one term, analysed in `language` (the term without its language mark: "haus"; the
    count is of that language's articles, whose words are kept apart), and the number of live
    articles. `postings` is the generation's `PostingsCache` (its term entries exclude deleted
    articles and are reused by searches)."""
    analyzer = searcher.schema["body"].analyzer
    postings = postings.reading(searcher)  # read through this thread's own reader
    out: dict[str, tuple[str, int]] = {}
    for word in dict.fromkeys(words):
        terms = [term for term, _ in analyzer.query_forms(word, language)]
        if len(terms) != 1:
            continue  # a stop word, or not one word
        docs = postings.term("body", terms[0].encode("utf-8"))[0]
        out[word] = (strip_language(terms[0]), int(len(docs)))
    return out, int(len(postings.live))


__all__ = ["record_from_stored", "articles", "document_frequencies", "entities_of"]
