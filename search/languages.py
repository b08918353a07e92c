"""Which languages a query is analysed in, and which one ranks it: one rule for both backends.

An article is indexed in its own language's analysis (search.analysis.rules); a query word must be
analysed the same way to find it, so a query is analysed in every language it searches:
- the languages its `language` filter names (the request's filter, or `language:` values the query
  itself requires at its top level), read by index.language.normalise_language ("DE", "German",
  "de-AT" -> "de"), each through analysis_language ("und" -> English);
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

from index.language import normalise_language
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
    out: dict[str, None] = {}
    for value in values:
        code = UNDETERMINED if value.strip().casefold() == UNDETERMINED else normalise_language(value)
        out[code or value.strip().casefold()] = None
    return list(out)


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


__all__ = ["required_languages", "searched", "ranking_language"]
