"""The query language as Whoosh's own parser read it (search/query.py until the query tree
replaced it): kept as a reference implementation for tests/test_querylang.py, which checks that
our parser plus its Whoosh translation builds the same queries, documents and scores, except
where `DIFFERENCES` says why not. Not used by the product.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from whoosh import query as wq
from whoosh.qparser import AndGroup, MultifieldParser, OrGroup, PlusMinusPlugin
from whoosh.util.times import TimeError

from index.article import TEXT_FIELDS
from search.backends.whoosh.schema import FACET_FIELDS
from search.backends.whoosh.query import date_range_query, facet_query  # the same as the product's
from search.request import parse_date_param
from search.results import BadParameterError, QuerySyntaxError

MAX_QUERY_CHARS = 1000
MAX_QUERY_TERMS = 64
# A wildcard may stand for at most this many different indexed words: "co*" is ~900 words on
# Reuters; a prefix that needs more is too broad to mean anything (and each word is a postings
# read, so an unbounded one could hold a request for seconds on a big index).
MAX_WILDCARD_TERMS = 5_000
# The researcher's tag: and collection: (issue 22) are names the engine writes out before any
# parser's output reaches Whoosh; the field list (and so the unknown-field message) names them.
QUERY_FIELDS = TEXT_FIELDS + FACET_FIELDS + ("tag", "collection", "date")

# `name:` followed by a value; "Update: Kim" (a space after the colon) is just words.
_FIELD_PREFIX = re.compile(r'(?<![\w"])([A-Za-z_]\w*):(?=[^\s/])')
_QUOTED = re.compile(r'"[^"]*"')
# A minus or plus starts an operator only at the start of a word: "long-range" is not "long -range".
_PLUS = r"(?:^|(?<=[\s(]))\+"
_MINUS = r"(?:^|(?<=[\s(]))-"

# A `*` is a wildcard only when it ends a word of at least two letters ("summ*"); anywhere else
# ("**", "*oil", "a*b") it is punctuation. `?` is always punctuation: Whoosh would read "what?"
# as a one-letter wildcard, and a leading "*" as a pattern scanning every word in the index.
_STRAY_WILDCARD = re.compile(r"\*(?<!\w\w\*)|\*(?=[^\s)*])|\?")
# Unpaired UTF-16 surrogates ("\ud800") are not characters; they cannot even be encoded to look up.
_SURROGATES = re.compile(r"[\ud800-\udfff]")

# Resolves a facet field's value as typed ("kim jong un", "U.S.") to the display forms indexed.
Resolver = Callable[[str, str], list[str]]


def _parser(schema, any_word: bool) -> MultifieldParser:
    group = OrGroup.factory(0.9) if any_word else AndGroup
    parser = MultifieldParser(list(TEXT_FIELDS), schema, group=group)
    parser.add_plugin(PlusMinusPlugin(plusexpr=_PLUS, minusexpr=_MINUS))
    return parser


def check_query_text(text: str) -> None:
    """Refuse queries that cannot mean what the person intended, with what to do instead."""
    if len(text) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(f"The query is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}.")
    if len(text.split()) > MAX_QUERY_TERMS:
        raise QuerySyntaxError(f"The query has more than {MAX_QUERY_TERMS} words; shorten it.")
    unquoted = _QUOTED.sub(" ", text)
    for match in _FIELD_PREFIX.finditer(unquoted):
        name = match.group(1)
        if name.lower() not in QUERY_FIELDS:
            raise QuerySyntaxError(
                f"Unknown field '{name}:'. Fields are {', '.join(f + ':' for f in QUERY_FIELDS)} "
                f"(or put the words in quotes to search for them as text)."
            )
    for word in unquoted.split():
        if word.endswith("*") and len(word.rstrip("*").lstrip("+-(").split(":")[-1]) < 2 and word != "*":
            raise QuerySyntaxError(f"'{word}' is too broad: a wildcard needs at least 2 letters before the *.")


def clean_query_text(text: str) -> str:
    """The query without what cannot be meant: unpaired surrogates and stray wildcard characters.

    Quoted phrases are left alone (a `*` inside quotes is not a wildcard anyway).
    """
    text = _SURROGATES.sub("", text)
    parts = re.split(r'("[^"]*")', text)
    return "".join(part if part.startswith('"') else _STRAY_WILDCARD.sub(" ", part) for part in parts)


def parse_query(text: str, schema, resolve: Resolver, *, any_word: bool = False) -> wq.Query:
    """A Whoosh query for `text`; an empty query matches every article (browse by filters)."""
    text = text.strip()
    if not text:
        return wq.Every()
    check_query_text(text)
    text = clean_query_text(text).strip()
    if not text:
        return wq.Every()
    # Field names are case-insensitive for people ("Person:"); Whoosh's are not.
    text = _FIELD_PREFIX.sub(lambda m: m.group(1).lower() + ":", text)
    try:
        parsed = _parser(schema, any_word).parse(text)
    except (TimeError, ValueError) as exc:
        if "date:" in text:
            raise QuerySyntaxError(f"Cannot read the date in '{text}': {exc}. Use YYYY, YYYY-MM or "
                                   f"YYYY-MM-DD, e.g. date:[2019-02-01 TO 2019-02-28].") from None
        parsed = _as_plain_words(text, schema, any_word)
    except Exception:
        parsed = _as_plain_words(text, schema, any_word)
    _raise_on_errors(parsed, text)
    return _resolve_facet_terms(_date_terms_as_ranges(parsed), resolve)


def _as_plain_words(text: str, schema, any_word: bool) -> wq.Query:
    """Syntax we cannot read ("NOT NOT 0" breaks Whoosh's parser): search its words as plain
    words, operators and punctuation included, rather than fail."""
    words = re.sub(r"[^\w\s]", " ", text)
    words = re.sub(r"\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE|TO)\b", lambda m: m.group(0).lower(), words)
    try:
        return _parser(schema, any_word).parse(words)
    except Exception:
        raise QuerySyntaxError(f"Cannot read the query '{text[:100]}'; try plain words.") from None


def _raise_on_errors(q: wq.Query, text: str) -> None:
    for node in q.leaves() if not q.is_leaf() else [q]:
        error = getattr(node, "error", None)
        if error:
            raise QuerySyntaxError(f"Cannot read '{text}': {error}.")


def _date_terms_as_ranges(q: wq.Query) -> wq.Query:
    """`date:"2019-02"` (quoted) reaches us as a plain term on the date field: read it as the
    period it names, and refuse what is not a date (`date:"crude"`) with the accepted forms."""
    if getattr(q, "fieldname", None) == "date" and isinstance(q, (wq.Term, wq.Phrase, wq.Prefix, wq.Wildcard)):
        text = str(q.text) if not isinstance(q, wq.Phrase) else " ".join(q.words)
        try:
            start = parse_date_param(text, "date", end=False)
            end = parse_date_param(text, "date", end=True)
        except BadParameterError:
            raise QuerySyntaxError(f"Cannot read the date in 'date:{text}'. Use YYYY, YYYY-MM or YYYY-MM-DD, "
                                   f"e.g. date:2019-02 or date:[2019-02-01 TO 2019-02-28].") from None
        return date_range_query(start, end) or wq.NullQuery
    if getattr(q, "fieldname", None) == "date" and isinstance(q, wq.NumericRange):
        if q.start is not None and q.end is not None and q.start > q.end:
            raise QuerySyntaxError("The date range starts after it ends; write the earlier date first, "
                                   "e.g. date:[2019-02-01 TO 2019-02-28].")
    if not q.is_leaf():
        return q.apply(_date_terms_as_ranges)
    return q


def _facet_text(node: wq.Query) -> str | None:
    if isinstance(node, wq.Term):
        return str(node.text)
    if isinstance(node, wq.Phrase):
        return " ".join(node.words)
    return None


def _resolve_facet_terms(q: wq.Query, resolve: Resolver) -> wq.Query:
    """Rewrite person:/org:/place:/source: terms to the indexed display forms they name."""
    fieldname = getattr(q, "fieldname", None)
    if fieldname in FACET_FIELDS:
        if isinstance(q, (wq.Prefix, wq.Wildcard)):
            return q
        value = _facet_text(q)
        if value is not None:
            return facet_query(fieldname, resolve(fieldname, value))
    if not q.is_leaf():
        return q.apply(lambda child: _resolve_facet_terms(child, resolve))
    return q
