"""Re-ranking on top of BM25F: query word frequency, word pairs (phrases), pseudo-relevance
feedback (RM3) and a term-proximity bonus.

All of them only re-order the articles the query matched: the result count, the facets and the
all-words-first rule stay as the query's own matching made them.

- Query word frequency: a word the query says twice ("system" ... "systems") counts twice, as
  in Lucene, tantivy and bm25s (BM25's qtf factor with k3 -> infinity). The matching itself
  (Whoosh's query normalisation) keeps one copy of each word; QUERY_TF adds the other copies'
  scores. Long questions repeat their topic: it is the largest single gain on CACM.
- Phrases (the ordered part of Metzler & Croft's sequential dependence model, SIGIR 2005): each
  two words that stand side by side in the query ("interest rates", "sparse matrices") are
  scored as one more word, how often the second follows the first in the article, with BM25's
  saturation, length normalisation and the pair's own idf, times PHRASES. The BM25 engines
  score words as if their order did not matter; a query's adjacent words are often a name.
- Feedback (RM3, Lavrenko & Croft 2001): the FEEDBACK_DOCS best articles vote for words
  (`feedback_model`: the article's likelihood weight times the word's smoothed share of it);
  the FEEDBACK_TERMS strongest words form a second query, mixed with the original at
  FEEDBACK_ORIGINAL : 1 - FEEDBACK_ORIGINAL. Verbose questions ("what are the effects of ... on
  ...") name a topic with words the articles may not use; the best articles say which words
  they use. Applied only to queries of at least FEEDBACK_MIN_WORDS words: short queries are
  precise already, and this keeps their latency.
- Proximity (BM25TP, Rasolofo & Savoy, ECIR 2003): every pair of different query words that
  occur within PROXIMITY_WINDOW words of each other in the body adds 1/distance^2 to the pair's
  accumulator; the pair adds min(idf_i, idf_j) * acc * (K1 + 1) / (acc + K) to the score, K being
  BM25's length-normalised K1 for that body. Only the top RERANK_DEPTH articles by score are
  re-scored: the bonus is never negative, so an article below that depth could only have gained
  under it what those above already have.

Each default is the value most leave-one-collection-out folds chose over Cranfield, CISI and
CACM (bench/relevance.py; bench/RESULTS.md has the figures), with long queries' question words
left out (search.stopwords, chosen by 3 of 3): query word frequency on (3 of 3), PHRASES 0.1
(2 of 3; the third 0), feedback with likelihood votes and smoothed shares at FEEDBACK_ORIGINAL
0.85 (2 of 3; the third 0.7), PROXIMITY 0.25 (2 of 3; the third 0). Anserini's RM3 form
(score-share votes, raw shares, 0.5) costs CACM 0.08-0.10 nDCG@10: its one-line records outvote
real abstracts. With QUERY_TF, PHRASES, FEEDBACK and PROXIMITY off, the scores are the BM25F of
search.backends.whoosh.scoring alone (tests/test_scoring.py).
"""
from __future__ import annotations

from collections import Counter

import numpy as np
from whoosh import query as wq

from search import querylang as ql
from search.backend import relevance_model
from search.backends.whoosh import scoring
from search.backends.whoosh.internals import POSITION_BITS
from search.backends.whoosh.query import parsed
from search.backends.whoosh.scoring import Evaluator, Matches, sorted_common, sorted_member, union
from search.results import QuerySyntaxError

QUERY_TF = True          # a word said n times in the query counts n times
PHRASES = 0.1            # weight of the query's word pairs found side by side (0 turns it off)
PROXIMITY = 0.25         # weight of the BM25TP bonus (1.0 as published); 0 turns it off
PROXIMITY_WINDOW = 5     # words apart at most (BM25TP's window)
RERANK_DEPTH = 100       # articles re-scored by proximity
FEEDBACK = True          # RM3 for long queries
FEEDBACK_DOCS = 10       # articles that vote
FEEDBACK_TERMS = 10      # words kept from the vote
FEEDBACK_ORIGINAL = 0.85  # weight of the original query against the feedback words
FEEDBACK_WEIGHTS = "likelihood"  # how much each article votes: "likelihood" or "share" (see feedback_model)
FEEDBACK_SMOOTHING = 1.0  # Dirichlet prior of an article's word shares, in average article lengths
FEEDBACK_MIN_WORDS = 5   # query words needed before feedback is applied


def query_terms(q: wq.Query, fieldname: str = "body") -> list[str]:
    """The distinct words of `q` in `fieldname` that an article matches by (not excluded ones)."""
    words: dict[str, None] = {}

    def walk(node: wq.Query) -> None:
        if isinstance(node, wq.Not):
            return
        if isinstance(node, wq.AndNot):
            walk(node.a)
        elif isinstance(node, wq.Term):
            if node.fieldname == fieldname:
                words[node.text] = None
        elif not node.is_leaf():
            for child in node.children():
                walk(child)
    walk(q)
    return list(words)


def plain_leaves(text: str) -> list[ql.Node]:
    """The query's positive text leaves, in order (parsed once for query word frequency and the
    word pairs); none if it cannot be parsed (it was parsed once already, so not expected)."""
    try:
        return ql.text_terms(parsed(text))
    except QuerySyntaxError:
        return []


def word_counts(leaves: list[ql.Node], analyzer) -> Counter[str]:
    """How many times the query says each analysed word, counting its plain words (typed without
    a field, not excluded, not in a phrase): "system systems" says `system` twice."""
    return Counter(token.text for leaf in leaves if isinstance(leaf, ql.Word) and leaf.field is None
                   for token in analyzer(leaf.text, mode="query"))


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
           text: str = "") -> Matches:
    """`found` with its scores re-computed by the enabled features (the same articles, in the
    same doc order); `text` is the query as typed (for QUERY_TF)."""
    words = query_terms(q)
    if not len(found.docs) or not words:
        return found
    analyzer = evaluator.searcher.schema["body"].analyzer
    leaves = plain_leaves(text) if text else []
    counts = Counter({w: n for w, n in word_counts(leaves, analyzer).items() if w in words})
    if QUERY_TF and any(n > 1 for n in counts.values()):
        found = repeated_words(evaluator, counts, found)
    if PHRASES and len(words) > 1:
        found = phrases(evaluator, word_pairs(leaves, analyzer, words), found)
    if FEEDBACK and len(words) >= FEEDBACK_MIN_WORDS:
        length = sum(counts.values()) if QUERY_TF and counts else len(words)
        found = feedback(evaluator, length, found)
    if PROXIMITY and len(words) > 1:
        found = proximity(evaluator, words, found, preferred)
    return found


def word_pairs(leaves: list[ql.Node], analyzer, words: list[str]) -> list[tuple[str, str]]:
    """The distinct pairs of analysed words that stand side by side in the query's plain words
    (`leaves`: typed without a field, not excluded, not in a quoted phrase, which matches
    adjacency already), in order: "graph algorithms for sparse matrices" gives (graph, algorithm),
    (algorithm, spars), (spars, matric): stop words are skipped, as the index's positions skip
    them."""
    wanted = set(words)
    pairs: dict[tuple[str, str], None] = {}
    previous = None
    for leaf in leaves:
        if not isinstance(leaf, ql.Word) or leaf.field is not None:
            previous = None
            continue
        for token in analyzer(leaf.text, mode="query"):
            word = token.text if token.text in wanted else None
            if previous and word and word != previous:
                pairs[(previous, word)] = None
            previous = word
    return list(pairs)


def phrases(evaluator: Evaluator, pairs: list[tuple[str, str]], found: Matches) -> Matches:
    """`found` plus PHRASES x each pair's BM25 as if the pair were a word of its own: how often
    the second word comes right after the first (title occurrences counting TITLE_BOOST times,
    as the words' do), saturated and length-normalised like a word over the combined title and
    body, with the pair's own idf (a rare pairing of common words, "interest rates", weighs as
    a rare word)."""
    cache, schema = evaluator.cache, evaluator.searcher.schema
    scores = found.scores.copy()
    for first, second in pairs:
        parts = []
        for field in scoring.TEXT_FIELDS:
            docs, counts = cache.adjacent(field, schema[field].to_bytes(first), schema[field].to_bytes(second))
            parts.append(Matches(docs, counts * cache.boosts[field]))
        pair = union(parts)
        if not len(pair.docs):
            continue
        bm25 = cache.combined_bm25(pair.docs, pair.scores)
        _, i_found, i_pair = sorted_common(found.docs, pair.docs)
        scores[i_found] += PHRASES * bm25[i_pair]
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
    keys, labels, weights = [], [], []
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
    # occurrences at most PROXIMITY_WINDOW words apart is at most that many places apart here.
    every = np.concatenate(keys)
    order = np.argsort(every, kind="stable")
    every, label = every[order], np.concatenate(labels)[order]
    n_words = len(weights)
    pair_keys, pair_values = [], []
    for step in range(1, PROXIMITY_WINDOW + 1):
        gap = every[step:] - every[:-step]
        a, b = label[:-step], label[step:]
        near = (gap <= PROXIMITY_WINDOW) & (a != b) & ((every[step:] >> POSITION_BITS) == (every[:-step] >> POSITION_BITS))
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
    norm = scoring.K1 * ((1 - scoring.B) + scoring.B * lengths / cache.avg_length["body"])
    pair_bonus = np.minimum(weight_array[lo], weight_array[hi]) * acc * (scoring.K1 + 1) / (acc + norm)
    bonus = np.bincount(doc, weights=pair_bonus, minlength=len(candidates))
    if not bonus.any():
        return found
    scores = found.scores.copy()
    _, i_found, i_cand = sorted_common(found.docs, candidates)
    scores[i_found] += PROXIMITY * bonus[i_cand]
    return Matches(found.docs, scores)


def feedback_model(evaluator: Evaluator, found: Matches) -> dict[str, float]:
    """RM1 (`search.backend.relevance_model`) over the best FEEDBACK_DOCS articles: word ->
    weight, the FEEDBACK_TERMS strongest, summing to 1. An article's words are its title (unless
    derived) and body through the index's analyser; the average length is the combined one."""
    searcher = evaluator.searcher
    analyzer = searcher.schema["body"].analyzer
    articles = []
    for i in _top(found, FEEDBACK_DOCS):
        stored = searcher.stored_fields(int(found.docs[i]))
        text = stored.get("body", "")
        if not stored.get("title_derived"):  # a derived title repeats the lede
            text = f"{stored.get('title', '')}\n{text}"
        counts = {word: len(positions) for word, positions in analyzer.positions(text).items()}
        articles.append((float(found.scores[i]), counts))
    return relevance_model(articles, evaluator.cache.combined_lengths()[1], terms=FEEDBACK_TERMS,
                           weights=FEEDBACK_WEIGHTS, smoothing=FEEDBACK_SMOOTHING)


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
    scores = FEEDBACK_ORIGINAL * found.scores + (1 - FEEDBACK_ORIGINAL) * length * extra
    return Matches(found.docs, scores)
