"""Did-you-mean on the OpenSearch backend: the cluster's term suggester finds the candidates,
`search.spelling` decides (which words of the query are checked, which candidate a word gets,
whether the corrected query is offered).

The words to check go to the cluster in one request, within the request's time budget: a term
suggester per word on `body.words` (the unstemmed words) for candidates within two edits with
their article counts, and a filter count per word for how common the word itself is. The
candidates are told apart by `search.spelling.edit_distance` for the decision.

What is gathered here: counts of the articles with the word in the body (titles are not
counted), and the suggester's best SUGGEST_SIZE x INSPECTIONS candidates per shard rather than
every indexed word one or two edits away.

Languages (issue 21): the words come from the searched languages' bodies only
(languages.spell_field: `body_<code>.words`, or a language without rules' `body_<code>`), so a
French query is never corrected into English; with several languages a word gets a suggester per
language and its counts and candidates are summed over them. English alone: the request as before.
"""
from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

from opensearchpy.exceptions import TransportError

from search import querylang as ql, spelling
from search.backends.opensearch.languages import spell_field
from search.backends.opensearch.translate import texts_to_analyse
from search.backends.opensearch.schema import WORDS_SUBFIELD

if TYPE_CHECKING:
    from search.backends.opensearch.reading import Reading
    from search.backends.opensearch.search import OpenSearchSearch

SPELL_FIELD = f"body.{WORDS_SUBFIELD}"  # English's
SUGGEST_SIZE = 20    # candidates per word returned (the most common first)
INSPECTIONS = 10     # x SUGGEST_SIZE candidates looked at per shard
# Words in more than this share of the articles get no candidates from the suggester (its
# default, 1%, would never correct a common word; search.spelling.RATIO decides that).
MAX_TERM_FREQ = 0.99
# Candidates must be this similar (OpenSearch's 0..1 string similarity); its default 0.5 drops two
# edits in a short word, which search.spelling allows.
ACCURACY = 0.1


def correction(word: str, options: list[dict], known: int) -> str | None:
    """`search.spelling.best_correction` among the suggester's candidates (text, freq) for a
    word `known` articles use."""
    counts = {o["text"]: int(o["freq"]) for o in options if o.get("text")}
    return spelling.best_correction(word, known, lambda edits: {
        w: n for w, n in counts.items() if spelling.edit_distance(word, w) == edits})


def _suggester(field: str) -> dict:
    return {"field": field, "suggest_mode": "always", "max_edits": 2, "prefix_length": 0,
            "min_word_length": 1, "size": SUGGEST_SIZE, "max_inspections": INSPECTIONS, "sort": "frequency",
            "max_term_freq": MAX_TERM_FREQ, "accuracy": ACCURACY}


def _suggestion(i: int, j: int) -> str:
    """The name of word i's suggester on field j (English's alone: "w<i>", as before languages)."""
    return f"w{i}" if j == 0 else f"w{i}_{j}"


def _request(words: list[str], fields: tuple[str, ...] = (SPELL_FIELD,)) -> dict:
    """One request: each word's candidates per field (`fields`: the searched languages' words),
    and how many articles have the word in any of them."""
    counts: dict[str, dict]
    if len(fields) == 1:
        query: dict = {"terms": {fields[0]: words}}
        counts = {f"k{i}": {"filter": {"term": {fields[0]: w}}} for i, w in enumerate(words)}
    else:
        query = {"bool": {"should": [{"terms": {f: words}} for f in fields], "minimum_should_match": 1}}
        counts = {f"k{i}": {"filter": {"bool": {"should": [{"term": {f: w}} for f in fields],
                                                 "minimum_should_match": 1}}} for i, w in enumerate(words)}
    return {"size": 0, "track_total_hits": False, "query": query, "aggs": counts,
            "suggest": {_suggestion(i, j): {"text": w, "term": _suggester(f)}
                        for i, w in enumerate(words) for j, f in enumerate(fields)}}


def _options(answer: dict, i: int, fields: int) -> list[dict]:
    """Word i's candidates over every field, their counts summed."""
    counts: dict[str, int] = {}
    for j in range(fields):
        entries = answer.get("suggest", {}).get(_suggestion(i, j)) or [{}]
        for option in entries[0].get("options", []):
            if option.get("text"):
                counts[option["text"]] = counts.get(option["text"], 0) + int(option.get("freq", 0))
    return [{"text": text, "freq": n} for text, n in counts.items()]


def suggest(backend: "OpenSearchSearch", text: str, filters: list[dict], found: int,
            deadline: float, reading: "Reading | None" = None) -> tuple[str | None, bool]:
    """The query with unknown or rare words replaced by close common ones, if that finds more
    than `found` articles within `filters`; and whether the budget or MAX_SPELL_WORDS cut the
    checking short (`search.spelling.suggest`). `reading`: the query's languages (the
    request's; English alone when not given)."""
    languages = reading.languages if reading is not None else ["en"]
    fields = tuple(spell_field(language, WORDS_SUBFIELD) for language in languages)

    def corrections(words: list[str]) -> tuple[dict[str, str], bool]:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return {}, True
        try:
            answer = backend.budget_client.search(index=backend.config.index, body=_request(words, fields),
                                                  request_timeout=remaining)
        except TransportError:  # timed out (or failed): an optional part, left out and said so
            return {}, True
        fixes = {}
        for i, word in enumerate(words):
            known = int(answer.get("aggregations", {}).get(f"k{i}", {}).get("doc_count", 0))
            better = correction(word, _options(answer, i, len(fields)), known)
            if better is not None:
                fixes[word] = better
        return fixes, False

    def translate(tree: ql.Node) -> dict:
        return backend.translate(tree, backend.read((), tree) if reading is None else
                                 replace(reading, analysed={language: backend.analyse(texts_to_analyse(tree), language)
                                                            for language in languages}), backend.resolver())

    return spelling.suggest(text, corrections, translate,
                            lambda query: backend.count({"bool": {"filter": [*filters, query]}}), found,
                            languages)


__all__ = ["suggest", "correction"]
