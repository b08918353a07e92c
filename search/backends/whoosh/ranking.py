"""The ranking of `search.ranking` (which explains the method and holds its settings) on the
Whoosh backend: BM25F re-scored with numpy over the postings cache, for the articles the query
matched (the same articles, in the same doc order).

- Query word frequency: the matching (Whoosh's query normalisation) keeps one copy of each
  word; `repeated_words` adds (n - 1) x the title-and-body score of a word said n times.
- Word pairs: how often the second word comes right after the first (title occurrences counting
  the index's title boost, as the words' do: positions.py), scored by `scoring`'s combined BM25
  with the pair's own idf (a rare pairing of common words, "interest rates", weighs as a rare
  word).
- Feedback: the voting articles' words are their stored title (unless derived) and body through
  the index's analyser; the feedback words are scored by the combined BM25F like query words.
- Proximity: every pair of different query words within PROXIMITY_WINDOW words of each other in
  the body adds 1/distance^2 to the pair's accumulator; the pair adds min(idf_i, idf_j) x acc x
  (K1 + 1) / (acc + K) to the score, K being BM25's length-normalised K1 for that body. Only the
  top RERANK_DEPTH articles by score are re-scored: the bonus is never negative, so an article
  below that depth could only have gained what those above already have.

With QUERY_TF, PHRASES, FEEDBACK and PROXIMITY off, the scores are the BM25F of
search.backends.whoosh.scoring alone (tests/test_scoring.py).
"""
from __future__ import annotations

from collections import Counter

import numpy as np
from whoosh import classify, query as wq  # type: ignore[import-untyped]

from search import querylang as ql, recency
from search import ranking as shared
from search.analysis import DEFAULT_LANGUAGE
from search.backend import relevance_model
from search.backends.whoosh import scoring
from search.backends.whoosh.facets import UNDATED
from search.backends.whoosh.internals import POSITION_BITS
from search.backends.whoosh.scoring import Evaluator, Matches, sorted_common, sorted_member, union
from search.results import QuerySyntaxError

RERANK_DEPTH = 100       # articles re-scored by proximity (see the module docstring)


def body_analyser(schema, language: str = DEFAULT_LANGUAGE) -> shared.Analyse:
    """The index's analyser as `search.ranking` asks for it: text -> its tokens (query mode),
    in `language` (search.languages.ranking_language: English on an English archive)."""
    analyzer = schema["body"].analyzer
    return lambda text: [token.text for token in analyzer(text, mode="query", language=language)]


def query_tree(text: str) -> ql.Node:
    """The query's tree (all words) for callers with only its text (a search passes its
    request's tree); nothing if it cannot be parsed."""
    try:
        return ql.parse(text)
    except QuerySyntaxError:
        return ql.Or(())


def repeated_words(evaluator: Evaluator, counts: Counter[str], found: Matches) -> Matches:
    """`found` plus (n - 1) x each word's title-and-body score for the words said n > 1 times."""
    scores = found.scores.copy()
    for word, n in counts.items():
        if n > 1:
            scored = evaluator.run(wq.Or([wq.Term(f, word) for f in scoring.TEXT_FIELDS]))
            _, i_found, i_scored = sorted_common(found.docs, scored.docs)
            scores[i_found] += (n - 1) * scored.scores[i_scored]
    return Matches(found.docs, scores)


def rerank(evaluator: Evaluator, q: wq.Query, found: Matches, preferred: np.ndarray | None,
           text: str = "", *, tree: ql.Node | None = None, language: str = DEFAULT_LANGUAGE) -> Matches:
    """`found` with its scores re-computed by the enabled features (the same articles, in the
    same doc order). The query's features come from its all-words `tree` (else `text`, the
    query as typed, parsed), analysed in `language` (search.languages.ranking_language); `q` is
    what matched (all words, or any word when relaxed)."""
    if tree is None:
        tree = query_tree(text) if text else ql.Or(())
    analyse = body_analyser(evaluator.searcher.schema, language)
    words = shared.query_words(tree, analyse)
    if not len(found.docs) or not words:
        return found
    counts = shared.word_counts(tree, analyse)
    if shared.QUERY_TF and any(n > 1 for n in counts.values()):
        found = repeated_words(evaluator, counts, found)
    if shared.PHRASES and len(words) > 1:
        found = phrases(evaluator, shared.word_pairs(tree, analyse), found)
    if shared.takes_feedback(tree, analyse):
        found = feedback(evaluator, shared.query_length(tree, analyse), found)
    if shared.PROXIMITY and len(words) > 1:
        found = proximity(evaluator, words, found, preferred)
    return found


def phrases(evaluator: Evaluator, pairs: list[shared.WordPair], found: Matches) -> Matches:
    """`found` plus PHRASES x each pair's BM25 as if the pair were a word of its own (see the
    module docstring)."""
    cache, schema = evaluator.cache, evaluator.searcher.schema
    scores = found.scores.copy()
    for first, second, _ in pairs:
        parts = []
        for field in scoring.TEXT_FIELDS:
            docs, counts = cache.adjacent(field, schema[field].to_bytes(first), schema[field].to_bytes(second))
            parts.append(Matches(docs, counts * cache.boosts[field]))
        pair = union(parts)
        if not len(pair.docs):
            continue
        bm25 = cache.combined_bm25(pair.docs, pair.scores)
        _, i_found, i_pair = sorted_common(found.docs, pair.docs)
        scores[i_found] += shared.PHRASES * bm25[i_pair]
    return Matches(found.docs, scores)


def _top(found: Matches, k: int) -> np.ndarray:
    """Indices into `found` of its k best scores (ties: lower doc number), best first."""
    if len(found.docs) <= k:
        idx = np.arange(len(found.docs))
    else:
        idx = np.argpartition(-found.scores, k - 1)[:k]
    return idx[np.lexsort((found.docs[idx], -found.scores[idx]))]


def proximity(evaluator: Evaluator, words: list[str], found: Matches, preferred: np.ndarray | None) -> Matches:
    """BM25TP: the top articles' scores plus the proximity bonus of their query-word pairs."""
    cache = evaluator.cache
    top = _top(found, RERANK_DEPTH)
    if preferred is not None and len(preferred):
        top = np.union1d(top, np.flatnonzero(sorted_member(found.docs, preferred)))
    candidates = np.sort(found.docs[top])
    field = evaluator.searcher.schema["body"]
    keys: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    weights: list[float] = []
    for word in words:
        btext = field.to_bytes(word)
        found_keys = cache.positions_in("body", btext, candidates)
        if len(found_keys):
            keys.append(found_keys)
            labels.append(np.full(len(found_keys), len(weights), dtype=np.int64))
            weights.append(cache.idf(cache.term("body", btext)[2]))
    if len(keys) < 2:
        return found
    # All occurrences of the query's words in the candidates, in text order: a pair of
    # occurrences at most `window` words apart is at most that many places apart here.
    every = np.concatenate(keys)
    order = np.argsort(every, kind="stable")
    every, label = every[order], np.concatenate(labels)[order]
    n_words = len(weights)
    window = shared.PROXIMITY_WINDOW
    pair_keys, pair_values = [], []
    for step in range(1, window + 1):
        gap = every[step:] - every[:-step]
        a, b = label[:-step], label[step:]
        near = (gap <= window) & (a != b) & ((every[step:] >> POSITION_BITS) == (every[:-step] >> POSITION_BITS))
        if near.any():
            doc = np.searchsorted(candidates, every[step:][near] >> POSITION_BITS)
            lo, hi = np.minimum(a[near], b[near]), np.maximum(a[near], b[near])
            pair_keys.append((doc * n_words + lo) * n_words + hi)
            pair_values.append(1.0 / gap[near].astype(np.float64) ** 2)
    if not pair_keys:
        return found
    unique, inverse = np.unique(np.concatenate(pair_keys), return_inverse=True)
    acc = np.bincount(inverse, weights=np.concatenate(pair_values))
    doc, rest = np.divmod(unique, n_words * n_words)
    lo, hi = np.divmod(rest, n_words)
    weight_array = np.asarray(weights)
    lengths = cache.lengths["body"][candidates[doc]]
    k1, b_len = shared.BM25_K1, shared.BM25_B
    norm = k1 * ((1 - b_len) + b_len * lengths / cache.avg_length["body"])
    pair_bonus = np.minimum(weight_array[lo], weight_array[hi]) * acc * (k1 + 1) / (acc + norm)
    bonus = np.bincount(doc, weights=pair_bonus, minlength=len(candidates))
    if not bonus.any():
        return found
    scores = found.scores.copy()
    _, i_found, i_cand = sorted_common(found.docs, candidates)
    scores[i_found] += shared.PROXIMITY * bonus[i_cand]
    return Matches(found.docs, scores)


def feedback_model(evaluator: Evaluator, found: Matches) -> dict[str, float]:
    """RM1 (`search.backend.relevance_model`) over the best FEEDBACK_DOCS articles: word ->
    weight, the FEEDBACK_TERMS strongest, summing to 1. An article's words are its title (unless
    derived) and body through the index's analyser, in the article's own language (a German
    article votes for German words); the average length is the combined one."""
    searcher = evaluator.searcher
    analyzer = searcher.schema["body"].analyzer
    articles = []
    for i in _top(found, shared.FEEDBACK_DOCS):
        stored = searcher.stored_fields(int(found.docs[i]))
        text = stored.get("body", "")
        if not stored.get("title_derived"):  # a derived title repeats the lede
            text = f"{stored.get('title', '')}\n{text}"
        positions = analyzer.positions(text, stored.get("language"))
        counts = {word: len(at) for word, at in positions.items()}
        articles.append((float(found.scores[i]), counts))
    return relevance_model(articles, evaluator.cache.combined_lengths()[1], terms=shared.FEEDBACK_TERMS,
                           weights=shared.FEEDBACK_WEIGHTS, smoothing=shared.FEEDBACK_SMOOTHING)


def feedback(evaluator: Evaluator, length: int, found: Matches) -> Matches:
    """RM3: FEEDBACK_ORIGINAL x the query's score + the rest x the feedback words' BM25F scores
    (scaled by the query's length, so both parts are on the same scale), over the same articles."""
    model = feedback_model(evaluator, found)
    if not model:
        return found
    extra = np.zeros(len(found.docs))
    for word, weight in model.items():
        scored = evaluator.run(wq.Or([wq.Term(f, word) for f in scoring.TEXT_FIELDS]))
        _, i_found, i_scored = sorted_common(found.docs, scored.docs)
        extra[i_found] += weight * scored.scores[i_scored]
    original = shared.FEEDBACK_ORIGINAL
    scores = original * found.scores + (1 - original) * length * extra
    return Matches(found.docs, scores)


def related_articles(evaluator: Evaluator, timestamps: np.ndarray, docnum: int, top: int) -> list[tuple[int, float]]:
    """(docnum, score) of the `top` articles most like article `docnum`, preferring ones close
    in date: Whoosh's expander picks its key terms (Bo1 over the stored body's words, in the
    article's own language), our evaluator scores them (Whoosh's `more_like` took ~16 ms of a ~18 ms article
    page on Reuters)."""
    searcher = evaluator.searcher
    stored = searcher.stored_fields(docnum)
    # What `searcher.key_terms_from_text` does, with the body's words in its language and
    # without the exact forms beside accented words (they would take key terms' places).
    expander = classify.Expander(searcher.reader(), "body", model=classify.Bo1Model)
    positions = searcher.schema["body"].analyzer.positions(stored.get("body", ""), stored.get("language"))
    expander.add((term, float(len(at))) for term, at in positions.items())
    key_terms = expander.expanded_terms(recency.RELATED_TERMS, normalize=True)
    if not key_terms:
        return []
    found = evaluator.run(wq.Or([wq.Term("body", term, boost=weight) for term, weight in key_terms]))
    others = found.docs != docnum
    docs, scores = found.docs[others], found.scores[others]
    own = timestamps[docnum]
    stamps = timestamps[docs]
    if own != UNDATED:
        days_apart = np.abs(stamps - own) / 86_400
        # An undated article counts as a year apart: it might be from any time.
        days_apart = np.where(stamps == UNDATED, recency.UNDATED_DAYS, days_apart)
        closeness = 1.0 / np.sqrt(1.0 + days_apart / recency.CLOSENESS_DAYS)
        scores = scores * closeness  # a month apart costs ~30%, a year ~75%
    order = np.lexsort((docs, -scores))[:top]
    return [(int(docs[i]), float(scores[i])) for i in order]
