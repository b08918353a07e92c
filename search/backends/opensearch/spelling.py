"""Did-you-mean on the OpenSearch backend: the Whoosh backend's rules (search/spelling.py's
`Speller`, search/backends/whoosh/search.py's `_suggest`), with the cluster's term suggester
finding the candidates.

The plain words of the query *as typed* are checked (correcting the parsed query would correct
stems), up to MAX_SPELL_WORDS of them within the request's time budget, in one request: a term
suggester per word on `body.words` (the unstemmed words) for candidates within two edits with
their article counts, and a filter count per word for how common the word itself is. Then the
Speller's rules pick: the most common candidate one edit away, else (words up to
MAX_WORD_DISTANCE_2 letters) two edits away; taken only when it is RATIO times as common as the
word. The corrected query is offered only when it finds more articles than the query did.

Differences from Whoosh: counts are of articles with the word in the body (Whoosh's vocabulary
also counts titles), and candidates are the suggester's best SUGGEST_SIZE x INSPECTIONS per
shard rather than every word one or two edits away.
"""
from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from opensearchpy.exceptions import TransportError

from search import querylang as ql
from search.backend import MAX_SPELL_WORDS
from search.backends.opensearch.schema import STOP_WORDS, WORDS_SUBFIELD
from search.backends.opensearch.translate import texts_to_analyse, to_dsl
from search.results import SearchError
from search.spelling import MAX_WORD, MAX_WORD_DISTANCE_2, RATIO

if TYPE_CHECKING:
    from search.backends.opensearch.search import OpenSearchSearch

# A plain word of the query: not a field value (person:Kim), not a wildcard, not a number
# (= search.backends.whoosh.search._PLAIN_WORD, which this backend may not import).
PLAIN_WORD = re.compile(r"(?<![\w:*'’-])[A-Za-z]{3,}(?![\w:*])")
OPERATORS = {"AND", "OR", "NOT", "TO", "ANDNOT", "ANDMAYBE"}
SPELL_FIELD = f"body.{WORDS_SUBFIELD}"
SUGGEST_SIZE = 20    # candidates per word returned (the most common first)
INSPECTIONS = 10     # x SUGGEST_SIZE candidates looked at per shard
# Words in more than this share of the articles get no candidates from the suggester (its
# default, 1%, would never correct a common word; the RATIO rule decides that here).
MAX_TERM_FREQ = 0.99
# Candidates must be this similar (OpenSearch's 0..1 string similarity); its default 0.5 drops two
# edits in a short word, which the Speller allows.
ACCURACY = 0.1
STOPS = frozenset(STOP_WORDS)


def edit_distance(a: str, b: str) -> int:
    """Edits between two words: deletes, inserts, replaces and swaps of neighbours (the edits
    the Speller generates; optimal string alignment distance)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def best_correction(word: str, options: list[dict], known: int) -> str | None:
    """The Speller's choice among the suggester's candidates (text, freq), or None."""
    if len(word) > MAX_WORD or not word.isalpha():
        return None
    counts = {o["text"]: int(o["freq"]) for o in options if o.get("text") and o["text"] != word}
    candidates = [w for w in counts if edit_distance(word, w) == 1]
    if not candidates and len(word) <= MAX_WORD_DISTANCE_2:
        candidates = [w for w in counts if edit_distance(word, w) == 2]
    if not candidates:
        return None
    best = max(candidates, key=lambda w: (counts[w], w))
    return best if counts[best] >= max(RATIO * known, 1) else None


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
    than `found` articles; and whether the budget or MAX_SPELL_WORDS cut the checking short."""
    occurrences = [m.group(0) for m in PLAIN_WORD.finditer(text)
                   if m.group(0) not in OPERATORS and m.group(0).lower() not in STOPS]
    checked = occurrences[:MAX_SPELL_WORDS]
    cut_short = len(occurrences) > MAX_SPELL_WORDS
    words = list(dict.fromkeys(w.lower() for w in checked))
    remaining = deadline - time.perf_counter()
    if not words:
        return None, cut_short
    if remaining <= 0:
        return None, True
    try:
        answer = backend.budget_client.search(index=backend.config.index, body=_request(words),
                                              request_timeout=remaining)
    except TransportError:  # timed out (or failed): an optional part, left out and said so
        return None, True
    fixes = {}
    for i, word in enumerate(words):
        entries = answer.get("suggest", {}).get(f"w{i}") or [{}]
        known = int(answer.get("aggregations", {}).get(f"k{i}", {}).get("doc_count", 0))
        better = best_correction(word, entries[0].get("options", []), known)
        if better is not None:
            fixes[word] = better
    budget = [MAX_SPELL_WORDS]

    def fix(match: re.Match) -> str:
        word = match.group(0)
        if word in OPERATORS or word.lower() in STOPS or budget[0] <= 0:
            return word
        budget[0] -= 1
        return fixes.get(word.lower(), word)

    suggested = PLAIN_WORD.sub(fix, text)
    if not fixes or suggested == text:
        return None, cut_short
    try:
        tree = ql.parse(suggested)
        resolve = backend.resolver()
        query = to_dsl(tree, backend.analyse(texts_to_analyse(tree)), resolve)
    except SearchError:
        return None, cut_short
    counted = backend.count({"bool": {"filter": [*filters, query]}})
    return (suggested if counted > found else None), cut_short


__all__ = ["suggest", "best_correction", "edit_distance", "PLAIN_WORD"]
