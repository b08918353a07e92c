"""Which languages a query is analysed in, and which one ranks it: one rule for both backends.

An article is indexed in its own language's analysis (search.analysis.rules); a query word must be
analysed the same way to find it, so a query is analysed in every language it searches:
- the languages its `language` filter names (the request's filter, or `language:` values the query
  itself requires at its top level), read by `language_code` ("DE", "German", "de-AT" -> "de",
  as `language:` values are wherever they stand), each through analysis_language ("und" ->
  English);
- else every language the index holds (the backend's `present` counts).
English results do not change in an archive that holds other languages too: each language's
words live apart in the index (the Whoosh backend marks a non-English article's words with its
language, the OpenSearch backend gives each language its own fields), so a German analysis of
an English query word can only find German articles.

The query's ranking features (word pairs, proximity, feedback, repeated words: search.ranking)
are computed in ONE language, `ranking_language`: the searched language with most articles
(English on an English archive, so the judged collections' figures stay as they were).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from index.language_codes import normalise_language
from search import querylang as ql
from search.analysis import DEFAULT_LANGUAGE, UNDETERMINED, analysis_language


def required_languages(request_languages: Iterable[str], tree: ql.Node | None = None) -> list[str]:
    """The languages a search is restricted to, as ISO 639-1 codes (may be empty: no restriction).
    Values that name no language are kept as typed (they match no article)."""
    values = list(request_languages)
    if isinstance(tree, ql.FieldValue) and tree.field == "language":
        values.append(tree.value)
    elif isinstance(tree, ql.And):
        values += [child.value for child in tree.children
                   if isinstance(child, ql.FieldValue) and child.field == "language"]
    return list(dict.fromkeys(language_code(value) for value in values))


def language_code(value: str) -> str:
    """The stored code a typed language value names, as the URL and CLI filter and the query
    language's `language:` read it on every backend (both facet resolvers call this): "German",
    "DE", "de-AT" -> "de" (index.language_codes.normalise_language); "und" stays "und"; a value that
    names no language is kept as typed, case-folded (it matches no article)."""
    text = value.strip().casefold()
    if text == UNDETERMINED:
        return UNDETERMINED
    return normalise_language(value) or text


def searched(request_languages: Iterable[str], tree: ql.Node | None, present: Mapping[str, int]) -> list[str]:
    """The analysis languages a query is analysed in (see the module docstring), most articles
    first; English alone for an empty index."""
    required = required_languages(request_languages, tree)
    codes = required if required else sorted(present, key=lambda code: -present[code])
    out = list(dict.fromkeys(analysis_language(code) for code in codes))
    return out or [DEFAULT_LANGUAGE]


def ranking_language(languages: list[str], present: Mapping[str, int]) -> str:
    """The one language the query's ranking features are computed in: of the searched analysis
    languages, the one with most articles ("und" counts as English)."""
    counts: dict[str, int] = {}
    for code, n in present.items():
        key = analysis_language(code)
        counts[key] = counts.get(key, 0) + n
    return max(languages, key=lambda code: (counts.get(code, 0), code == DEFAULT_LANGUAGE)) if languages \
        else DEFAULT_LANGUAGE


__all__ = ["required_languages", "language_code", "searched", "ranking_language"]
