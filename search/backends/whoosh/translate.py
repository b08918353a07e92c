"""Our query tree (`search.querylang`) as a Whoosh query: the Whoosh backend's half of the parser.

The translation builds, node for node, what Whoosh's MultifieldParser built from the same text
(Whoosh's own MultifieldParser, as search/query.py used it; tests/whoosh_reference_parser.py keeps it), so matching and BM25F scores stay exactly as they were:

- an unfielded word is `Or([title term, body term])` (an Or, not a DisjunctionMax; the title's
  boost is its `field_boost`, applied to the indexed weights, so no query boost), each term
  analysed by that field's analyser in "query" mode; a stop word gives nothing, and a word that
  analyses into several tokens ("long-range") joins them with And, or with Or when any_word is
  set (Whoosh's group class);
- a phrase is analysed as a whole (stop words dropped) into a `Phrase` per field; a prefix is
  analysed without tokenising (`Summits*` looks for "summit...") into a `Prefix` per field;
- exclusions become `AndNot(And(kept), Or(excluded))`, as Whoosh's +/- plugin built them;
- the result is normalised (as the parser's output was) BEFORE facet values are resolved, so a
  value that resolves to nothing leaves a NullQuery that matches nothing inside an And, instead
  of being dropped by normalisation (the order the Whoosh parser path always used).

Languages (issue 21): a query is analysed in each language it searches (`languages`: analysis
languages, search.languages.searched); each word, phrase and prefix becomes the Or of its
languages' forms (English's plain, another's marked "de\x1f..."), one Term when English alone is
searched: an English index gets exactly the query it always got. A word typed with an accent
looks for its exact form too ("zürich" or "zurich"), so articles that spell it so rank first,
and for the form it has typed without the accent ("sequía": "sequ", "sequí" or "sequi").
A word that one language drops (a stop word: German "die") and another keeps must not make
that language's articles unreachable inside an And: there it also matches every article of the
languages that dropped it (a `language` facet term, which scores nothing), as long as another
word of the And is kept in that language.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from whoosh import query as wq  # type: ignore[import-untyped]

from index.article import TEXT_FIELDS
from search.analysis import DEFAULT_LANGUAGE, analysis_language
from search.backends.whoosh.schema import FACET_FIELDS, to_index_datetime
from search import querylang as ql

# A facet field's value as typed ("kim jong un", "U.S.") -> the display forms indexed.
Resolver = Callable[[str, str], list[str]]


def to_whoosh(node: ql.Node, schema, resolve: Resolver, *, any_word: bool = False,
              languages: list[str] | None = None, present: Mapping[str, int] | None = None) -> wq.Query:
    """The Whoosh query for a tree; pass the `any_word` the tree was parsed with, the analysis
    `languages` it searches (English alone by default) and the index's language counts
    (`present`: which articles a language's dropped word lets through)."""
    if isinstance(node, ql.MatchAll):
        return wq.Every()
    q = _Translator(schema, any_word, languages or [DEFAULT_LANGUAGE], present or {}).query(node)
    return _resolve_facets((q if q is not None else wq.NullQuery).normalize(), resolve)


def facet_query(fieldname: str, display_forms: Iterable[str]) -> wq.Query:
    """Any of a facet's display forms (NullQuery for none: that matches nothing)."""
    terms = [wq.Term(fieldname, form) for form in display_forms]
    if not terms:
        return wq.NullQuery
    return terms[0] if len(terms) == 1 else wq.Or(terms)


def _resolve_facets(q: wq.Query, resolve: Resolver) -> wq.Query:
    """Facet terms (the values as typed) replaced by the display forms they name."""
    if type(q) is wq.Term and q.fieldname in FACET_FIELDS:
        return facet_query(q.fieldname, resolve(q.fieldname, q.text))
    if not q.is_leaf():
        return q.apply(lambda child: _resolve_facets(child, resolve))
    return q


class _Translator:
    """One translation; `query` returns None where Whoosh's parser had no query (stop words)."""

    def __init__(self, schema, any_word: bool, languages: list[str], present: Mapping[str, int]) -> None:
        self.schema = schema
        self.any_word = any_word
        self.languages = list(dict.fromkeys(analysis_language(code) for code in languages))
        self.present = present
        # A leaf query (by id) -> its form in each searched language (None: the language dropped it).
        self.forms: dict[int, dict[str, wq.Query | None]] = {}

    def query(self, node: ql.Node) -> wq.Query | None:
        method = getattr(self, "_" + type(node).__name__)
        return method(node)

    def _in_languages(self, make: Callable[[str], wq.Query | None], fieldname: str | None) -> wq.Query | None:
        """The Or of a leaf's query in each searched language (the one query for one language),
        noting which languages dropped it (`kept`); a facet field's value has no language."""
        if fieldname is not None and fieldname not in TEXT_FIELDS:
            return make(DEFAULT_LANGUAGE)
        forms = {language: make(language) for language in self.languages}
        kept = [q for q in forms.values() if q is not None]
        if not kept:
            return None
        q = kept[0] if len(kept) == 1 else wq.Or(kept)
        self.forms[id(q)] = forms
        return q

    # leaves
    def _Word(self, node: ql.Word) -> wq.Query | None:
        return self._in_languages(lambda language: self._per_field(
            node.field, lambda field: self._term(field, node.text, language)), node.field)

    def _Phrase(self, node: ql.Phrase) -> wq.Query | None:
        text = " ".join(node.words)

        def phrase(fieldname: str, language: str) -> wq.Query | None:
            field = self.schema[fieldname]
            if fieldname not in TEXT_FIELDS:  # as Whoosh's parser did
                return wq.Phrase(fieldname, [token.text for token in field.tokenize(text, mode="query")])
            words = [term for term, _ in field.analyzer.query_forms(text, language)]
            return wq.Phrase(fieldname, words) if words else None
        return self._in_languages(lambda language: self._per_field(
            node.field, lambda field: phrase(field, language)), node.field)

    def _Prefix(self, node: ql.Prefix) -> wq.Query | None:
        def prefix(fieldname: str, language: str) -> wq.Query | None:
            field = self.schema[fieldname]
            if fieldname not in TEXT_FIELDS:  # as Whoosh's parser did
                texts = list(field.process_text(node.text, mode="query", tokenize=False, removestops=False))
            else:
                texts = [term for term, _ in field.analyzer.query_forms(node.text, language, tokenize=False,
                                                                         removestops=False)]
            return wq.Prefix(fieldname, texts[0]) if texts else None
        return self._in_languages(lambda language: self._per_field(
            node.field, lambda field: prefix(field, language)), node.field)

    def _FieldValue(self, node: ql.FieldValue) -> wq.Query | None:
        # The value as the field's analyser reads it (commas separate a keyword field's terms:
        # they read as spaces, as Whoosh read a quoted value); resolved after normalisation.
        tokens = list(self.schema[node.field].process_text(node.value, mode="query"))
        return wq.Term(node.field, " ".join(tokens)) if tokens else None

    def _ArticleIds(self, node: ql.ArticleIds) -> wq.Query:
        # A tag's articles (search/memory/filters.py): id terms filter, they don't score.
        return wq.Or([wq.Term("id", article_id) for article_id in node.ids]) if node.ids else wq.NullQuery

    def _DateRange(self, node: ql.DateRange) -> wq.Query:
        if node.start is None and node.end is None:
            return wq.Every("date")
        return wq.DateRange("date", to_index_datetime(node.start) if node.start else None,
                            to_index_datetime(node.end) if node.end else None)

    def _MatchAll(self, node: ql.MatchAll) -> wq.Query:
        return wq.Every()

    # compounds
    def _And(self, node: ql.And) -> wq.Query:
        # Stop words (nothing once normalised) leave the kept part, as Whoosh's And dropped
        # them: `the NOT oil` and `the -oil` are `-oil`, not nothing.
        kept = [q for child in node.children if not isinstance(child, ql.Not)
                if (q := self.query(child)) is not None and q.normalize() is not wq.NullQuery]
        kept = self._let_through(kept)
        excluded = [q for child in node.children if isinstance(child, ql.Not)
                    if (q := self.query(child.child)) is not None]
        if not excluded:
            return wq.And(kept)
        if not kept:  # only exclusions: everything but them
            return wq.And([wq.Not(q) for q in excluded])
        return wq.AndNot(wq.And(kept), wq.Or(excluded))

    def _Or(self, node: ql.Or) -> wq.Query:
        return wq.Or([q for child in node.children if (q := self.query(child)) is not None])

    def _AndMaybe(self, node: ql.AndMaybe) -> wq.Query:
        required, optional = self.query(node.required), self.query(node.optional)
        return wq.AndMaybe(required if required is not None else wq.NullQuery,
                           optional if optional is not None else wq.NullQuery)

    def _Not(self, node: ql.Not) -> wq.Query | None:
        q = self.query(node.child)
        return wq.Not(q) if q is not None else None

    # helpers
    def _let_through(self, kept: list[wq.Query]) -> list[wq.Query]:
        """An And's required parts in several languages, rebuilt language by language: a word's
        form that a language dropped, or that an earlier part has already (an English query's
        "copper coppers" is "copper" twice, Latin's two words), is replaced by every article of
        that language where another part is kept in it (see the module docstring). So each
        language's articles are matched and scored as if it were searched alone: Whoosh's
        normalisation keeps one copy of a repeated part, and English scores stay as they were."""
        if len(self.languages) < 2:
            return kept
        forms = [self.forms.get(id(q)) for q in kept]
        seen: dict[str, list[wq.Query]] = {language: [] for language in self.languages}
        out = []
        for i, q in enumerate(kept):
            if forms[i] is None:  # not a word, phrase or prefix: as it is
                out.append(q)
                continue
            parts, through = [], []
            for language, form in (forms[i] or {}).items():
                if form is not None and form not in seen[language]:
                    parts.append(form)
                    seen[language].append(form)
                elif any(others is None or others.get(language) is not None
                         for j, others in enumerate(forms) if j != i):
                    through.append(language)
            parts += [wq.Term("language", code) for code in self.present if analysis_language(code) in through]
            out.append(q if not parts else parts[0] if len(parts) == 1 else wq.Or(parts))
        return out

    def _per_field(self, fieldname: str | None, make: Callable[[str], wq.Query | None]) -> wq.Query | None:
        """One field's query, or (no field) an Or over title and body, as MultifieldParser did."""
        if fieldname is not None:
            return make(fieldname)
        # None when no field keeps the word (a stop word): an empty Or would count as a form the
        # word has in that language, and hide that the language dropped it (_let_through).
        queries = [q for field in TEXT_FIELDS if (q := make(field)) is not None]
        return wq.Or(queries) if queries else None

    def _term(self, fieldname: str, text: str, language: str) -> wq.Query | None:
        """Whoosh's `QueryParser.term_query` for a word: its tokens, joined as the field asks;
        a token with other forms (its exact form, typed with an accent; the form it has typed
        without: search.analysis.word_forms) is the Or of its forms."""
        field = self.schema[fieldname]
        if fieldname not in TEXT_FIELDS:  # as Whoosh's parser did
            forms: list[tuple[str, tuple[str, ...]]] = [(t, ()) for t in field.process_text(
                text, mode="query", tokenize=True, removestops=True)]
        else:
            forms = field.analyzer.query_forms(text, language)
        if not forms:
            return None

        def term(form: tuple[str, tuple[str, ...]]) -> wq.Query:
            folded, others = form
            return wq.Term(fieldname, folded) if not others else \
                wq.Or([wq.Term(fieldname, folded), *(wq.Term(fieldname, other) for other in others)])
        if len(forms) == 1:
            return term(forms[0])
        spec = field.multitoken_query.lower()
        if spec == "first":
            return term(forms[0])
        if spec == "phrase":
            return wq.Phrase(fieldname, [folded for folded, _ in forms])
        joint = {"and": wq.And, "or": wq.Or}.get(spec, wq.Or if self.any_word else wq.And)
        return joint([term(form) for form in forms])


__all__ = ["to_whoosh", "facet_query", "Resolver"]
