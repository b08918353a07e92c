"""How a search ranks its results, on every backend: the ranking settings and the query's
features they work on, defined once. Pure Python: each backend imports this module and only
computes what it says (search/backends/<name>/ranking.py says how).

Scores are BM25 (BM25_K1, BM25_B) over each article's title and body as one field: a word's
frequency is TITLE_BOOST x its count in the title + its count in the body, its length likewise
against the average of that, one saturation and one idf (Lucene's) over the articles having the
word in either (Robertson, Zaragoza & Taylor 2004's BM25F; Lucene's `combined_fields`). A title
a reader made from the lede (`Article.title_derived`) is not a headline: it is not indexed, and
the article ranks by its body. On top of BM25, four features re-order the articles the query
matched; none changes which articles match, the result count, the facets or the all-words-first
rule (fewer than search.backend.RELAX_BELOW articles with every word: those first, then the
articles with some of the words).

- Query word frequency (QUERY_TF): a word the query says twice ("system" ... "systems") counts
  twice, as in Lucene, tantivy and bm25s (BM25's qtf factor with k3 -> infinity). Long
  questions repeat their topic: it is the largest single gain on CACM. `word_counts`.
- Word pairs (PHRASES; the ordered part of Metzler & Croft's sequential dependence model, SIGIR
  2005): each two words that stand side by side in the query ("interest rates", "sparse
  matrices") are scored as one more word, how often the second follows the first in the
  article, with BM25's saturation and length normalisation over the combined title and body,
  times PHRASES. BM25 scores words as if their order did not matter; a query's adjacent words
  are often a name. `word_pairs`.
- Feedback (RM3, Lavrenko & Croft 2001): the FEEDBACK_DOCS best articles vote for words
  (`search.backend.relevance_model`: the article's likelihood weight times the word's smoothed
  share of it); the FEEDBACK_TERMS strongest words form a second query, scored like query words
  and mixed with the original at FEEDBACK_ORIGINAL : 1 - FEEDBACK_ORIGINAL, the feedback part
  scaled by the query's length (`query_length`) so that both are on one scale. Verbose
  questions ("what are the effects of ... on ...") name a topic with words the articles may not
  use; the best articles say which words they use. Only for queries of at least
  FEEDBACK_MIN_WORDS distinct words (`takes_feedback`): short queries are precise already, and
  this keeps their latency.
- Proximity (PROXIMITY, PROXIMITY_WINDOW; BM25TP, Rasolofo & Savoy, ECIR 2003): query words
  that occur within PROXIMITY_WINDOW words of each other in the body add a bonus that grows as
  they come closer, saturated like a BM25 term, times PROXIMITY.

Long queries also leave out their question words before any of this (search.stopwords,
applied by search.querylang.parse): the words all of the above count are the topic's.

Each default is the value most leave-one-collection-out folds chose over Cranfield, CISI and
CACM when it was set (bench/relevance.py; bench/RESULTS.md has the figures and the run), with
long queries' question words left out (chosen by 3 of 3): query word frequency on (3 of 3),
PHRASES 0.1 (2 of 3; the third 0), feedback with likelihood votes and smoothed shares at
FEEDBACK_ORIGINAL 0.85 (2 of 3; the third 0.7), PROXIMITY 0.25 (2 of 3; the third 0),
TITLE_BOOST 3 (2 of 3; the third 1.5), BM25_K1 1.5 (4 of 5 folds on Cranfield; Whoosh's default
is 1.2), BM25_B 0.75 (full length normalisation: news runs from one-line briefs to features).
Anserini's RM3 form (score-share votes, raw shares, 0.5) costs CACM 0.08-0.10 nDCG@10: its
one-line records outvote real abstracts.

The settings are read when a search runs (and TITLE_BOOST, BM25_K1 and BM25_B when an index is
created: they are part of its layout), so a test or a measurement can set them here, in one
place, for every backend.

The query's features are read from the parsed tree (`search.querylang`) and the index's
analysis, given as `analyse` (text as typed -> the index analyser's tokens, stemmed, stop words
out), so that each backend counts with its own index's words. They are the *plain* words: typed
without a field, not excluded, not in a quoted phrase (which matches adjacency already).
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import NamedTuple

from search import querylang as ql
from search.analysis import CJK, rules
from search.language_data import MARKS

# ---- settings ----------------------------------------------------------------------------------

BM25_K1 = 1.5            # BM25's term-frequency saturation
BM25_B = 0.75            # BM25's length normalisation (1: full)
TITLE_BOOST = 3.0        # an occurrence in the title counts as this many in the body (whole: see backends)
QUERY_TF = True          # a word said n times in the query counts n times
PHRASES = 0.1            # weight of the query's word pairs found side by side (0 turns it off)
PROXIMITY = 0.25         # weight of the proximity bonus (1.0 as published); 0 turns it off
PROXIMITY_WINDOW = 5     # words apart at most (BM25TP's window)
FEEDBACK = True          # RM3 for long queries
FEEDBACK_DOCS = 10       # articles that vote
FEEDBACK_TERMS = 10      # words kept from the vote
FEEDBACK_ORIGINAL = 0.85  # weight of the original query against the feedback words
FEEDBACK_WEIGHTS = "likelihood"  # how much each article votes: "likelihood" or "share" (relevance_model)
FEEDBACK_SMOOTHING = 1.0  # Dirichlet prior of an article's word shares, in average article lengths
FEEDBACK_MIN_WORDS = 5   # distinct query words needed before feedback is applied

# ---- the query's features ----------------------------------------------------------------------

# Text as typed -> the tokens the index analyser makes of it (stemmed, stop words out).
Analyse = Callable[[str], Sequence[str]]

# A plain word of the query as typed, for did-you-mean: not a field value (person:Kim), not a
# wildcard, not a number, not an operator (OPERATOR_WORDS) or a stop word (`correctable`). Any
# script's letters (with their combining marks: "Zürich", "naïve", "العربيّة", "हिन्दी"), at
# least 3 of them; on ASCII text exactly the `[A-Za-z]{3,}` this was before languages.
PLAIN_WORD = re.compile(rf"(?<![\w:*'’\-{MARKS}])[^\W\d_](?:[^\W\d_]|[{MARKS}]){{2,}}(?![\w:*{MARKS}])")
# Upper-case words a query uses as operators (ours: AND, OR, NOT; TO, ANDNOT and ANDMAYBE read as
# operators in the Whoosh syntax people also type): never "corrected".
OPERATOR_WORDS = frozenset({"AND", "OR", "NOT", "TO", "ANDNOT", "ANDMAYBE"})
# Scripts written without spaces: Chinese, Japanese, Korean (indexed as character pairs:
# search.analysis.CJK) and Thai, Lao, Myanmar, Khmer (indexed as whole runs). A "word" of theirs
# as typed is a phrase, not a spelling to correct: one edit away from it are other phrases, or
# (CJK) the pairs it is indexed as.
NO_SPACES = re.compile(CJK.pattern[:-2] + "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]")


def correctable(word: str, languages: Sequence[str] = ("en",)) -> bool:
    """Whether did-you-mean may check a PLAIN_WORD match: not an operator, not a stop word of
    any of `languages` (the analysis languages the query searches, search.languages.searched:
    each analyser drops its stop words, so "les" of a French query is no typo of "lee"; English's
    are its index stop list, as before languages), not of a script written without spaces."""
    if word in OPERATOR_WORDS or NO_SPACES.search(word):
        return False
    lower = word.lower()
    return not any(lower in rules(code).stop_words for code in languages or ("en",))


def query_words(tree: ql.Node, analyse: Analyse, *, excluded: bool = False) -> list[str]:
    """The distinct analysed body words of the query, in order: unfielded and `body:` words
    (every token of each), one-word phrases; not prefixes, longer phrases or `title:` words.
    Without `excluded`, the words an article matches by (feedback's count, the pairs' words);
    with it, excluded words too: more than one such word is what lets an any-word search find
    more than the all-words one (the backends' relaxation test)."""
    words: dict[str, None] = {}

    def walk(node: ql.Node) -> None:
        if isinstance(node, ql.Word) and node.field in (None, "body"):
            words.update(dict.fromkeys(analyse(node.text)))
        elif isinstance(node, ql.Phrase) and node.field in (None, "body"):
            tokens = analyse(" ".join(node.words))
            if len(tokens) == 1:
                words.update(dict.fromkeys(tokens))
        elif isinstance(node, (ql.And, ql.Or)):
            for child in node.children:
                walk(child)
        elif isinstance(node, ql.AndMaybe):
            walk(node.required)
            walk(node.optional)
        elif isinstance(node, ql.Not) and excluded:
            walk(node.child)
    walk(tree)
    return list(words)


def word_counts(tree: ql.Node, analyse: Analyse) -> Counter[str]:
    """How many times the query says each of its `query_words`, counting its plain words'
    tokens: "system systems" says `system` twice."""
    wanted = set(query_words(tree, analyse))
    return Counter(token for leaf in ql.text_terms(tree) if isinstance(leaf, ql.Word) and leaf.field is None
                   for token in analyse(leaf.text) if token in wanted)


def query_length(tree: ql.Node, analyse: Analyse) -> int:
    """The query's length, which scales feedback's part of the mix: its plain words with
    repeats when QUERY_TF is on ("system systems" is 2), else (or without plain words) its
    distinct `query_words`."""
    counts = word_counts(tree, analyse)
    return sum(counts.values()) if QUERY_TF and counts else len(query_words(tree, analyse))


def takes_feedback(tree: ql.Node, analyse: Analyse) -> bool:
    """Whether feedback applies to the query: FEEDBACK on and FEEDBACK_MIN_WORDS distinct words."""
    return bool(FEEDBACK) and len(query_words(tree, analyse)) >= FEEDBACK_MIN_WORDS


class WordPair(NamedTuple):
    """Two analysed words side by side in the query, and the query's text from the first to the
    second (stop words between them kept: an index that keeps their positions' gap finds "bank
    of england" and "bank in england" by it, not "bank england")."""
    first: str
    second: str
    text: str


def word_pairs(tree: ql.Node, analyse: Analyse) -> list[WordPair]:
    """The distinct pairs of analysed words that stand side by side in the query's plain words,
    in order: "graph algorithms for sparse matrices" gives (graph, algorithm), (algorithm,
    spars) as "algorithms for sparse", (spars, matric): a stop word between two words is
    skipped, as the index's positions skip it. A quoted phrase, a fielded word, a prefix or a
    word of several tokens ("long-range", "U.S.-led") breaks the chain: a phrase matches
    adjacency already, and a word of several tokens has no text of its own for each of its
    tokens. (Pairs inside and across such words were measured, the judged collections' queries
    typed with their 96 hyphenated words: nDCG@10 +0.0013, -0.0010, +0.0004 on Cranfield, CISI,
    CACM, none significant.)"""
    wanted = set(query_words(tree, analyse))
    pairs: dict[tuple[str, str], WordPair] = {}
    previous: tuple[str, list[str]] | None = None  # (its token, the texts from it on)
    for leaf in ql.text_terms(tree):
        if not isinstance(leaf, ql.Word) or leaf.field is not None:
            previous = None
            continue
        tokens = analyse(leaf.text)
        if not tokens:  # a stop word: skipped, as the index skips it
            if previous:
                previous[1].append(leaf.text)
            continue
        if len(tokens) > 1 or tokens[0] not in wanted:
            previous = None
            continue
        if previous and previous[0] != tokens[0]:
            key = (previous[0], tokens[0])
            if key not in pairs:
                pairs[key] = WordPair(*key, " ".join([*previous[1], leaf.text]))
        previous = (tokens[0], [leaf.text])
    return list(pairs.values())


__all__ = ["BM25_K1", "BM25_B", "TITLE_BOOST", "QUERY_TF", "PHRASES", "PROXIMITY", "PROXIMITY_WINDOW",
           "FEEDBACK", "FEEDBACK_DOCS", "FEEDBACK_TERMS", "FEEDBACK_ORIGINAL", "FEEDBACK_WEIGHTS",
           "FEEDBACK_SMOOTHING", "FEEDBACK_MIN_WORDS", "Analyse", "PLAIN_WORD", "OPERATOR_WORDS", "NO_SPACES", "correctable",
           "query_words", "word_counts", "query_length", "takes_feedback", "WordPair", "word_pairs"]
