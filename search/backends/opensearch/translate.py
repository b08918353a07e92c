"""Our query tree (`search.querylang`) as OpenSearch query DSL: the OpenSearch backend's half of
the parser. Pure functions: no client, so every rule here is tested without a cluster.

What each node means (the contract suite checks that every backend answers alike):

- an unfielded word is a `match` on `combined` (schema.COMBINED_FIELD: the title TITLE_BOOST
  times and the body), one BM25 over the whole article (`search.ranking`); it matches where the
  title or the body has the word. A word that analyses into several tokens ("long-range") needs
  them all in one field (`operator: and`), so it stays a `bool` should over `match title`
  (boosted TITLE_BOOST) and `match body`, the SUM of the two fields' scores; with `any_word`
  any of its tokens will do, so it is `combined` with `operator: or`;
- a `title:` or `body:` word is a `match` on that field (the title's boosted TITLE_BOOST);
- a phrase is `match_phrase` per field, scored field by field; a prefix (`summ*`) is a
  constant-score `prefix` on the stemmed field with the typed text as the index analyses it
  ("Summits*" looks for "summit...", a stop word such as "in*" for "in..."); on a facet field
  (`person:Kim*`) it is the display form as typed, case-sensitive;
- facet values are `terms` on `<field>.lower` with the value as typed and its canonical name
  (the resolver); they, date ranges and match-alls never score;
- exclusions are `must_not`; an And of exclusions only is everything but them.

Languages (issue 21): an article's text is in its language's fields (languages.py), so a query
is translated once per language it searches (`search.languages.searched`), each time with that
language's analysis on that language's fields (`to_dsl(..., language=code)`); with more than one,
the translations are alternatives, each held to its language's articles (`languages_dsl`): an
article is in one language, so it answers its own language's reading of the query (a German
stop word leaves the German reading, never the English one; an exclusion excludes within each
language). One language (an English archive) is translated exactly as before.

A word that analyses to nothing (a stop word, punctuation) is nothing, and the emptiness
propagates: an And or Or of nothing is nothing and leaves its parent, a phrase of stop words is
nothing, an exclusion of nothing excludes nothing, and nothing at the top matches nothing.
OpenSearch's `match` with zero tokens would instead match nothing (or, with `zero_terms_query:
all`, everything) wherever it stands, so a stop word inside an And would empty the result. We
therefore need to know, per word, what the index analyser makes of it: `texts_to_analyse` lists
the texts, the caller analyses them with the index's own analyser (`_analyze`, exact, cached)
and passes the tokens in; a text that gives no token translates to None ("nothing") here, and
propagates as above.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone

from search import querylang as ql
from search import ranking
from search.analysis import DEFAULT_LANGUAGE
from search.backends.opensearch.languages import field as language_field
from search.backends.opensearch.schema import COMBINED_FIELD, LOWER_SUBFIELD, TEXT_FIELDS

# A facet field's value as typed ("kim jong un", "U.S.") -> the forms to look for in `<field>.lower`
# (its normalizer folds case and accents, so the forms need not be the indexed spelling).
Resolver = Callable[[str, str], list[str]]
# Text as typed -> the tokens the index analyser (`news_english`) makes of it, stemmed.
Analysed = Mapping[str, tuple[str, ...]]

DSL = dict
MATCH_NONE: DSL = {"match_none": {}}
# Every article, scoring 0 (a 1.0 would be a constant added to every score, harmless to the
# order but shown as the hits' scores).
MATCH_ALL: DSL = {"match_all": {"boost": 0.0}}
# A prefix's score: a constant 1 per field matched (the words it stands for are not ranked).
PREFIX_SCORE = 1.0
DATE_FIELD = "date"
ISO_MS = "strict_date_optional_time"


def fold(text: str) -> str:
    """Lower-cased, accents folded (what `lowercase` + `asciifolding` do to most Latin text):
    the form of a prefix the analyser leaves no token for (a stop word)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def phrase_text(node: ql.Phrase) -> str:
    return " ".join(node.words)


def texts_to_analyse(node: ql.Node) -> set[str]:
    """Every text whose tokens `to_dsl` needs: words, phrases and prefixes on text fields."""
    if isinstance(node, ql.Word):
        return {node.text}
    if isinstance(node, ql.Phrase):
        return {phrase_text(node)}
    if isinstance(node, ql.Prefix):
        return {node.text} if node.field in (None,) + TEXT_FIELDS else set()
    if isinstance(node, (ql.And, ql.Or)):
        return set().union(*(texts_to_analyse(child) for child in node.children)) if node.children else set()
    if isinstance(node, ql.AndMaybe):
        return texts_to_analyse(node.required) | texts_to_analyse(node.optional)
    if isinstance(node, ql.Not):
        return texts_to_analyse(node.child)
    return set()


def analyser(analysed: Analysed) -> ranking.Analyse:
    """`analysed` as `search.ranking` reads the index's analysis: a text's tokens (none when the
    text was not analysed)."""
    return lambda text: analysed.get(text, ())


def plain_word_count(node: ql.Node, analysed: Analysed) -> int:
    """How many distinct body words the query has, excluded ones included
    (`search.ranking.query_words`): more than one lets an any-word search find more."""
    return len(ranking.query_words(node, analyser(analysed), excluded=True))


def to_dsl(node: ql.Node, analysed: Analysed, resolve: Resolver, *, any_word: bool = False,
           language: str = DEFAULT_LANGUAGE) -> DSL:
    """The query for a tree on one language's fields (`analysed`: that language's analysis);
    pass the `any_word` the tree was parsed with. A tree that is nothing (only stop words)
    matches nothing."""
    if isinstance(node, ql.MatchAll):
        return MATCH_ALL
    query = _Translator(analysed, resolve, any_word, language).scored(node)
    return query if query is not None else MATCH_NONE


def language_filter(language: str, codes: Mapping[str, Iterable[str]]) -> DSL:
    """The articles whose text is in `language`'s fields: those stored with one of its codes
    (`codes`: each searched language's stored codes, "de" -> ["de"]); for English, every
    article not stored with another searched language's code ("und", none, "en")."""
    if language != DEFAULT_LANGUAGE:
        return {"terms": {"language": sorted(codes.get(language, ()))}}
    others = sorted({code for other, found in codes.items() if other != language for code in found})
    return {"bool": {"must_not": [{"terms": {"language": others}}]}}


def languages_dsl(node: ql.Node, analysed: Mapping[str, Analysed], resolve: Resolver, *, any_word: bool = False,
                  codes: Mapping[str, Iterable[str]] | None = None) -> DSL:
    """The query for a tree in every language of `analysed` (language -> its analysis, most
    articles first): `to_dsl` for one language; for several, any language's translation held
    to that language's articles (`language_filter`; `codes`: each language's stored codes)."""
    languages = list(analysed) or [DEFAULT_LANGUAGE]
    if len(languages) == 1:
        return to_dsl(node, analysed.get(languages[0], {}), resolve, any_word=any_word, language=languages[0])
    if isinstance(node, ql.MatchAll):
        return MATCH_ALL
    codes = codes if codes is not None else {language: [language] for language in languages}
    alternatives = []
    for language in languages:
        query = _Translator(analysed[language], resolve, any_word, language).scored(node)
        if query is not None:
            alternatives.append({"bool": {"must": [query], "filter": [language_filter(language, codes)]}})
    if not alternatives:
        return MATCH_NONE
    return alternatives[0] if len(alternatives) == 1 else {"bool": {"should": alternatives,
                                                                    "minimum_should_match": 1}}


def highlight_dsl(node: ql.Node, analysed: Analysed, field: str = "body") -> DSL | None:
    """What to mark in `field`: every word of the query's positive text leaves, on any text
    field (a `title:` word is marked in the body too) and each word of a phrase on its own;
    never an excluded word or a facet value."""
    clauses: list[DSL] = []
    for leaf in ql.text_terms(node):
        if isinstance(leaf, ql.Prefix):
            clauses.append({"prefix": {field: {"value": prefix_form(leaf.text, analysed)}}})
            continue
        text = leaf.text if isinstance(leaf, ql.Word) else phrase_text(leaf)
        if analysed.get(text):
            clauses.append({"match": {field: {"query": text, "operator": "or"}}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses, "minimum_should_match": 1}}


def proximity_clauses(node: ql.Node, analysed: Analysed, window: int | None = None,
                      boost: float | None = None, language: str = DEFAULT_LANGUAGE) -> list[DSL]:
    """`search.ranking`'s proximity bonus as Lucene can score it: for each two consecutive plain
    words of the query (unfielded, not excluded, each one analysed token), a sloppy phrase on
    the body (`slop` window - 1: the two words at most `window` words apart in order, or closer
    in reverse). Lucene scores a sloppy phrase by sum(1 / (1 + distance)) through BM25, where
    BM25TP sums 1 / distance^2 over every pair of query words: the same preference, not the
    same numbers. `window` and `boost` are search.ranking's PROXIMITY_WINDOW and PROXIMITY unless
    given; empty when `boost` is 0. `language`: whose body field (the ranking language's)."""
    window = ranking.PROXIMITY_WINDOW if window is None else window
    boost = ranking.PROXIMITY if boost is None else boost
    if not boost or window < 2:
        return []
    words = [leaf.text for leaf in ql.text_terms(node)
             if isinstance(leaf, ql.Word) and leaf.field is None and len(analysed.get(leaf.text, ())) == 1]
    pairs = list(dict.fromkeys((a, b) for a, b in zip(words, words[1:])
                               if analysed[a] != analysed[b]))
    body = language_field("body", language)
    return [{"match_phrase": {body: {"query": f"{a} {b}", "slop": window - 1, "boost": boost}}} for a, b in pairs]


def phrase_clauses(node: ql.Node, analysed: Analysed, boost: float | None = None,
                   language: str = DEFAULT_LANGUAGE) -> list[DSL]:
    """`search.ranking`'s word pairs (PHRASES) as Lucene can score them: for each pair, a slop-0
    phrase of its text on `combined` times `boost`, to be added as optional clauses (score,
    never matches). A pair is scored as a word of its own over the combined title and body,
    and so does BM25 on `combined`, whose title copies give the pair's frequency the same
    TITLE_BOOST x title + body (the copies' position gap keeps a pair from spanning two of
    them). Lucene's phrase idf is the SUM of its words' idfs, not the pair's own document
    frequency (a rare pairing of common words, "interest rates", weighs as a rare word there):
    the same preference (the words side by side first), not the same numbers. `boost` is
    search.ranking.PHRASES unless given; empty when it is 0. `language`: whose combined field
    (the ranking language's)."""
    boost = ranking.PHRASES if boost is None else boost
    if not boost:
        return []
    combined = language_field(COMBINED_FIELD, language)
    return [{"match_phrase": {combined: {"query": pair.text, "slop": 0, "boost": boost}}}
            for pair in ranking.word_pairs(node, analyser(analysed))]


def prefix_form(text: str, analysed: Analysed) -> str:
    """The indexed form a prefix looks for: the analyser's one token ("summits" -> "summit"),
    else the folded text (a stop word like "in", or several tokens): a prefix is analysed
    without tokenising it and without the stop list."""
    tokens = analysed.get(text, ())
    return tokens[0] if len(tokens) == 1 else fold(text)


def facet_query(field: str, forms: Iterable[str]) -> DSL:
    """Any of the forms of one facet value, case- and accent-insensitively; non-scoring."""
    values = sorted({" ".join(form.split()) for form in forms if form.strip()})
    if not values:
        return MATCH_NONE
    return {"terms": {f"{field}.{LOWER_SUBFIELD}": values}}


def date_query(start: datetime | None, end: datetime | None) -> DSL:
    """Articles dated from `start` to `end`, both inclusive (UTC); both None: any dated article."""
    if start is None and end is None:
        return {"exists": {"field": DATE_FIELD}}
    bounds: dict = {"format": ISO_MS}
    if start is not None:
        bounds["gte"] = _ms(start)
    if end is not None:
        bounds["lte"] = _ms(end)
    return {"range": {DATE_FIELD: bounds}}


def _ms(moment: datetime) -> str:
    """ISO 8601 in UTC to the millisecond (the date field's resolution; 23:59:59.999999 -> .999)."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def filter_clauses(filters: Mapping[str, tuple[str, ...]], date_from: datetime | None,
                   date_to: datetime | None, resolve: Resolver) -> list[DSL]:
    """The request's filters: each value of each kind must apply (one clause per value), and dates."""
    clauses = [facet_query(kind, resolve(kind, value)) for kind, values in filters.items() for value in values]
    if date_from is not None or date_to is not None:
        clauses.append(date_query(date_from, date_to))
    return clauses


def _unscored(query: DSL) -> DSL:
    """A filter in a scoring position (an Or's child): it matches but adds 0."""
    return {"constant_score": {"filter": query, "boost": 0.0}}


class _Translator:
    """One translation; `query` returns None where the tree is nothing (see the module docstring)."""

    def __init__(self, analysed: Analysed, resolve: Resolver, any_word: bool,
                 language: str = DEFAULT_LANGUAGE) -> None:
        self.analysed = analysed
        self.resolve = resolve
        self.any_word = any_word
        self.language = language
        self.combined = language_field(COMBINED_FIELD, language)

    def field(self, name: str) -> str:
        """The language's field of a text field's name ("body" -> "body_de")."""
        return language_field(name, self.language)

    def query(self, node: ql.Node) -> DSL | None:
        return getattr(self, "_" + type(node).__name__)(node)

    def scored(self, node: ql.Node) -> DSL | None:
        """The node in a scoring position (must/should): filters wrapped to score 0."""
        query = self.query(node)
        if query is not None and isinstance(node, (ql.FieldValue, ql.DateRange, ql.ArticleIds)):
            return _unscored(query)
        return query

    # leaves
    def _Word(self, node: ql.Word) -> DSL | None:
        tokens = self.analysed.get(node.text)
        if not tokens:
            return None  # a stop word or punctuation: nothing
        operator = "or" if self.any_word else "and"
        if node.field is None and (len(tokens) == 1 or self.any_word):  # see the module docstring
            return {"match": {self.combined: {"query": node.text, "operator": operator}}}
        return self._per_field(node.field, lambda field: {"match": {self.field(field): {
            "query": node.text, "operator": operator, **_boost(field)}}})

    def _Phrase(self, node: ql.Phrase) -> DSL | None:
        text = phrase_text(node)
        if not self.analysed.get(text):
            return None
        return self._per_field(node.field, lambda field: {"match_phrase": {self.field(field): {
            "query": text, **_boost(field)}}})

    def _Prefix(self, node: ql.Prefix) -> DSL | None:
        if node.field not in (None,) + TEXT_FIELDS:  # a facet: the display form as typed
            return {"prefix": {node.field: {"value": node.text, "boost": PREFIX_SCORE}}}
        value = prefix_form(node.text, self.analysed)
        if not value:
            return None
        return self._per_field(node.field, lambda field: {"prefix": {self.field(field): {
            "value": value, "boost": PREFIX_SCORE}}})

    def _FieldValue(self, node: ql.FieldValue) -> DSL | None:
        # Commas separate a facet value's terms: they read as spaces.
        value = " ".join(node.value.replace(",", " ").split())
        if not value:
            return None
        return facet_query(node.field, self.resolve(node.field, value))

    def _ArticleIds(self, node: ql.ArticleIds) -> DSL:
        # A tag's articles (search/memory/filters.py): an id filter.
        return {"terms": {"id": list(node.ids)}} if node.ids else MATCH_NONE

    def _DateRange(self, node: ql.DateRange) -> DSL:
        return date_query(node.start, node.end)

    def _MatchAll(self, node: ql.MatchAll) -> DSL:
        return MATCH_ALL

    # compounds
    def _And(self, node: ql.And) -> DSL | None:
        must: list[DSL] = []
        filters: list[DSL] = []
        excluded: list[DSL] = []
        for child in self._distinct(node.children):
            if isinstance(child, ql.Not):
                query = self.query(child.child)
                if query is not None:  # excluding nothing excludes nothing
                    excluded.append(query)
                continue
            query = self.query(child)
            if query is None:
                continue  # a stop word leaves the And
            (filters if isinstance(child, (ql.FieldValue, ql.DateRange, ql.ArticleIds)) else must).append(query)
        if not must and not filters:
            if not excluded:
                return None
            filters.append(MATCH_ALL)  # only exclusions: everything but them (scoring 0)
        if len(must) == 1 and not filters and not excluded:
            return must[0]
        body: dict = {}
        for key, clauses in (("must", must), ("filter", filters), ("must_not", excluded)):
            if clauses:
                body[key] = clauses
        return {"bool": body}

    def _Or(self, node: ql.Or) -> DSL | None:
        should = [query for child in self._distinct(node.children) if (query := self.scored(child)) is not None]
        if not should:
            return None
        return should[0] if len(should) == 1 else {"bool": {"should": should, "minimum_should_match": 1}}

    def _AndMaybe(self, node: ql.AndMaybe) -> DSL | None:
        required = self.scored(node.required)
        if required is None:
            return None
        optional = self.scored(node.optional)
        if optional is None:
            return required
        return {"bool": {"must": [required], "should": [optional]}}

    def _Not(self, node: ql.Not) -> DSL | None:
        query = self.query(node.child)
        if query is None:
            return None  # NOT of nothing is nothing
        return {"bool": {"filter": [MATCH_ALL], "must_not": [query]}}

    # helpers
    def _distinct(self, children: tuple[ql.Node, ...]) -> list[ql.Node]:
        """The children, with a word or phrase said again in the same field (the same analysed
        tokens: "system systems") left out when search.ranking.QUERY_TF is off, so that it
        counts once; when it is on, every saying is a clause of its own and adds its score."""
        if ranking.QUERY_TF:
            return list(children)
        seen: set[tuple] = set()
        kept = []
        for child in children:
            key = self._said(child)
            if key is None or key not in seen:
                kept.append(child)
            if key is not None:
                seen.add(key)
        return kept

    def _said(self, node: ql.Node) -> tuple | None:
        """What a word or phrase says, for `_distinct` (one token is a word, typed either way)."""
        if isinstance(node, (ql.Word, ql.Phrase)):
            tokens = tuple(self.analysed.get(node.text if isinstance(node, ql.Word) else phrase_text(node), ()))
            kind = "word" if len(tokens) == 1 else type(node).__name__
            return (kind, node.field, tokens)
        return None

    def _per_field(self, field: str | None, make: Callable[[str], DSL]) -> DSL:
        """One field's query, or (no field) the sum over title and body."""
        if field is not None:
            return make(field)
        return {"bool": {"should": [make(name) for name in TEXT_FIELDS], "minimum_should_match": 1}}


def _boost(field: str) -> dict:
    """Title words weigh search.ranking.TITLE_BOOST, whichever way the title is searched."""
    return {"boost": ranking.TITLE_BOOST} if field == "title" else {}


__all__ = ["to_dsl", "languages_dsl", "language_filter", "texts_to_analyse", "proximity_clauses", "phrase_clauses", "analyser", "plain_word_count",
           "highlight_dsl", "prefix_form", "facet_query",
           "date_query", "filter_clauses", "fold", "Resolver", "Analysed", "MATCH_ALL", "MATCH_NONE"]
