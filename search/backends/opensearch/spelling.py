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
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING

from opensearchpy.exceptions import TransportError

from search import querylang as ql, spelling
from search.backends.opensearch.schema import WORDS_SUBFIELD
from search.backends.opensearch.translate import texts_to_analyse, to_dsl

if TYPE_CHECKING:
    from search.backends.opensearch.search import OpenSearchSearch

SPELL_FIELD = f"body.{WORDS_SUBFIELD}"
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


def _request(words: list[str]) -> dict:
    suggester = {"field": SPELL_FIELD, "suggest_mode": "always", "max_edits": 2, "prefix_length": 0,
                 "min_word_length": 1, "size": SUGGEST_SIZE, "max_inspections": INSPECTIONS, "sort": "frequency",
                 "max_term_freq": MAX_TERM_FREQ, "accuracy": ACCURACY}
    return {"size": 0, "track_total_hits": False, "query": {"terms": {SPELL_FIELD: words}},
            "aggs": {f"k{i}": {"filter": {"term": {SPELL_FIELD: w}}} for i, w in enumerate(words)},
            "suggest": {f"w{i}": {"text": w, "term": suggester} for i, w in enumerate(words)}}


def suggest(backend: "OpenSearchSearch", text: str, filters: list[dict], found: int,
            deadline: float) -> tuple[str | None, bool]:
    """The query with unknown or rare words replaced by close common ones, if that finds more
    than `found` articles within `filters`; and whether the budget or MAX_SPELL_WORDS cut the
    checking short (`search.spelling.suggest`)."""

    def corrections(words: list[str]) -> tuple[dict[str, str], bool]:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return {}, True
        try:
            answer = backend.budget_client.search(index=backend.config.index, body=_request(words),
                                                  request_timeout=remaining)
        except TransportError:  # timed out (or failed): an optional part, left out and said so
            return {}, True
        fixes = {}
        for i, word in enumerate(words):
            entries = answer.get("suggest", {}).get(f"w{i}") or [{}]
            known = int(answer.get("aggregations", {}).get(f"k{i}", {}).get("doc_count", 0))
            better = correction(word, entries[0].get("options", []), known)
            if better is not None:
                fixes[word] = better
        return fixes, False

    def translate(tree: ql.Node) -> dict:
        return to_dsl(tree, backend.analyse(texts_to_analyse(tree)), backend.resolver())

    return spelling.suggest(text, corrections, translate,
                            lambda query: backend.count({"bool": {"filter": [*filters, query]}}), found)


__all__ = ["suggest", "correction"]
