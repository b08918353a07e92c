"""How the OpenSearch search side reads a query in the index's languages (issue 21): which
languages the index holds, each text's tokens by each language's own analyser, and the one
language the ranking features use (search/languages.py decides; this gathers what it needs).

- `present`: the articles per stored language code, one `terms` aggregation on `language`,
  answered from the shards' request cache until the next refresh (a size-0 request: OpenSearch
  caches it per shard and drops it when the shard refreshes, i.e. per index generation), and
  kept here PRESENT_TTL_S so that one page's several requests (the search, did-you-mean,
  stories) ask once.
- `Analyses.analyse`: a language's analyser over query texts, by `_analyze` on the index, cached
  per (analyser, text). Where the analyser keeps an accented word's exact form beside the folded
  one (search.analysis.KEEP_EXACT: same position), or its unaccented stem (KEEP_UNACCENTED), the
  folded term, first at its position, alone stands for the word here (the index has it for both
  spellings): a word is still one token for the translation's rules; the query text itself,
  analysed again by the cluster, looks for every form and ranks the exact first.
- `Reading`: a request's languages, their analyses and the ranking language.
"""
from __future__ import annotations

import time
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from search import languages as rule
from search import querylang as ql
from search.analysis import DEFAULT_LANGUAGE, UNDETERMINED
from search.backends.opensearch.languages import analyzer, field_language
from search.backends.opensearch.translate import Analysed, texts_to_analyse

ANALYSIS_CACHE = 100_000     # texts whose analysed tokens are remembered (emptied when full)
# ...and for how long: a re-index may swap the alias to an index with other analysis
# (mapping.TEMPLATE_VERSION); a long-running server follows within this time.
ANALYSIS_TTL_S = 600.0
PRESENT_TTL_S = 1.0          # how long the index's language counts are reused by one searcher
LANGUAGE_BUCKETS = 1_000     # more than there are ISO 639-1 codes (and "und")


@dataclass(frozen=True)
class Reading:
    """A query read in its languages: `analysed` (language -> its analysis of the query's texts,
    the searched languages most articles first), `ranking` (the ranking features' language) and
    `codes` (language -> the stored codes whose articles are in its fields)."""
    analysed: dict[str, Analysed]
    ranking: str = DEFAULT_LANGUAGE
    codes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ranked(self) -> Analysed:
        """The ranking language's analysis (what pairs, proximity, feedback and the relax test read)."""
        return self.analysed.get(self.ranking, {})

    @property
    def languages(self) -> list[str]:
        return list(self.analysed)


def present_request() -> dict:
    return {"size": 0, "track_total_hits": False,
            "aggs": {"languages": {"terms": {"field": "language", "size": LANGUAGE_BUCKETS}},
                     "none": {"missing": {"field": "language"}}}}


def read_present(answer: dict) -> dict[str, int]:
    """{stored code: articles} from `present_request`'s answer; articles without a language
    count as undetermined."""
    aggs = answer.get("aggregations", {})
    counts = {str(b["key"]): int(b["doc_count"]) for b in aggs.get("languages", {}).get("buckets", [])}
    missing = int(aggs.get("none", {}).get("doc_count", 0))
    if missing:
        counts[UNDETERMINED] = counts.get(UNDETERMINED, 0) + missing
    return counts


class Analyses:
    """Tokens of texts by the index's analysers, and the index's languages, for one searcher.
    `call(what, request)` runs a request with the searcher's errors; `client_of()` gives its client."""

    def __init__(self, call: Callable[[str, Callable[[], dict]], dict], client_of: Callable[[], object],
                 index: Callable[[], str]) -> None:
        self._call, self._client, self._index = call, client_of, index
        self._analysed: dict[tuple[str, str], tuple[str, ...]] = {}
        self._analysed_since = time.monotonic()
        self._present: tuple[float, dict[str, int]] | None = None

    def present(self) -> dict[str, int]:
        """Articles per stored language code (see the module docstring)."""
        cached = self._present
        if cached is not None and time.monotonic() - cached[0] < PRESENT_TTL_S:
            return cached[1]
        client = self._client()
        answer = self._call("count the languages in", lambda: client.search(  # type: ignore[attr-defined]
            index=self._index(), body=present_request(), params={"request_cache": "true"}))
        counts = read_present(answer)
        self._present = (time.monotonic(), counts)
        return counts

    def analyse(self, texts: set[str], language: str = DEFAULT_LANGUAGE) -> Analysed:
        """Each text's tokens by `language`'s analyser: one `_analyze` call for the texts not
        seen before (joined by newlines, which no token spans; tokens are told apart by offset,
        which OpenSearch counts in UTF-16 units); a further token at a word's position (its exact
        or unaccented form) is left out."""
        name = analyzer(language)
        if time.monotonic() - self._analysed_since > ANALYSIS_TTL_S:
            self._analysed, self._analysed_since = {}, time.monotonic()
        missing = sorted(t for t in texts if (name, t) not in self._analysed)
        if missing:
            joined = "\n".join(missing)
            starts, offset = [], 0
            for text in missing:
                starts.append(offset)
                offset += len(text.encode("utf-16-le")) // 2 + 1
            found: dict[str, list[str]] = {text: [] for text in missing}
            client = self._client()
            answer = self._call("analyse the query for", lambda: client.indices.analyze(  # type: ignore[attr-defined]
                index=self._index(), body={"analyzer": name, "text": joined}))
            last = None
            for token in answer.get("tokens", []):
                if token.get("position") is not None and token.get("position") == last:
                    continue
                last = token.get("position")
                found[missing[max(0, bisect_right(starts, token["start_offset"]) - 1)]].append(token["token"])
            if len(self._analysed) + len(found) > ANALYSIS_CACHE:
                self._analysed = {}
            self._analysed.update({(name, text): tuple(tokens) for text, tokens in found.items()})
        return {text: self._analysed.get((name, text), ()) for text in texts}

    def languages(self, request_languages: Iterable[str], tree: ql.Node | None) -> tuple[list[str], str,
                                                                                          dict[str, list[str]]]:
        """(The languages whose fields a query searches, most articles first; the ranking language;
        each one's stored codes): search.languages' rule over the index's languages, each
        language as its fields hold it (languages.field_language: "und" -> English)."""
        present = self.present()
        counts: dict[str, int] = {}
        codes: dict[str, list[str]] = {}
        for code, n in present.items():
            language = field_language(code)
            counts[language] = counts.get(language, 0) + n
            codes.setdefault(language, []).append(code)
        searched = list(dict.fromkeys(field_language(code) for code in rule.searched(request_languages, tree, counts)))
        return searched, rule.ranking_language(searched, counts), {language: sorted(codes.get(language, [language]))
                                                                   for language in searched}

    def read(self, request_languages: Iterable[str], *trees: ql.Node) -> Reading:
        """The `Reading` of a request's trees (its query, and its any-word form)."""
        searched, ranking, codes = self.languages(request_languages, trees[0] if trees else None)
        texts: set[str] = set().union(*(texts_to_analyse(tree) for tree in trees)) if trees else set()
        return Reading({language: self.analyse(texts, language) for language in searched}, ranking, codes)


__all__ = ["Reading", "Analyses", "present_request", "read_present", "ANALYSIS_CACHE", "ANALYSIS_TTL_S",
           "PRESENT_TTL_S"]
