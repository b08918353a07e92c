"""The query language, parsed once into a small tree that every search backend translates.

Why our own parser: each backend (Whoosh today, OpenSearch next) has its own query syntax with
its own quirks; parsing here means every backend accepts exactly the same language and reports
the same errors. The tree holds words as typed: lower-casing, stemming and stop words are each
backend's analysis, since each index analyses text its own way.

What a person can type (README, "Searching"; docs/parameters.md), within the whole query or a `( )` group:

    item   := "AND" | "OR" | "NOT" | [+|-] atom     AND/OR between spaces, NOT before a space
    atom   := [field:] ( "(" item* ")" | '"' text '"' | date-range | word )
    word   := characters up to a space, a parenthesis or a paired double quote

- Plain words must all appear (`And`); with `any_word=True` any of them may (`Or`).
- Precedence: NOT binds tightest, then AND, then OR, then adjacency: `a b OR c` is a AND (b OR c).
- `-atom` excludes and `+atom` requires, glued to the atom at a word start, for the whole group
  it stands in (as Whoosh does at the top level): `a OR -b c` is (a OR c) without b. With
  `any_word=True`, `+a b c` finds the articles with a, scored up by b and c (`AndMaybe`).
- Fields `title: body: person: org: place: source: date:` in any case; `field:"quoted value"` and
  `field:(group)`. Facet values stay as typed (`FieldValue`): the backend resolves them.
- Dates: `date:2019`, `date:2019-02`, `date:2019-02-28` (also `2019.02`, `201902`, `20190228`) are
  whole periods; `date:[2019-02-01 TO 2019-02-28]`, open `date:[2019-02 TO]` / `[TO 2019-03]`.
- `summ*`: a trailing wildcard right after 2 word characters; `a*` is refused as too broad. Any
  other `*` and every `?` are punctuation, read as a space (as the Whoosh-side cleaning
  `clean_query_text` does): never a pattern over every indexed word. Whoosh's `^2` boosts, `~`
  slops, `'single quotes'`, `[a TO b]` outside `date:` and `*:*` are plain characters of words
  (the analyser ignores them); so are unmatched parentheses and quotes, as in Whoosh.
"""
from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Union

from index.article import FACET_KINDS, TEXT_FIELDS
from search import analysis, stopwords
from search.results import QuerySyntaxError

MAX_QUERY_CHARS = 1000
MAX_QUERY_TERMS = 64
MAX_DEPTH = 32  # nested parentheses: bounds the parser's recursion, and nobody needs more
FACET_FIELDS = FACET_KINDS  # the fields a `field:value` names an entity or source by
# The researcher's own names (issue 22): `tag:` (articles tagged so) and `collection:` (any of a
# collection's sources). They live in the researcher's store, not in the index: the engine
# writes them out (search/memory/filters.py: ArticleIds, source values) before a backend sees the tree.
MEMORY_FIELDS = ("tag", "collection")
QUERY_FIELDS = TEXT_FIELDS + FACET_FIELDS + MEMORY_FIELDS + ("date",)
OPERATORS = ("AND", "OR", "NOT")

# `name:` followed by a value; "Update: Kim" (a space after the colon) and URLs are just words.
_FIELD = re.compile(r"([A-Za-z_]\w*):(?=[^\s/])")
_RANGE = re.compile(r"[\[{](?P<start>[^\]}]*?)[Tt][Oo](?P<end>[^\]}]*)[\]}]")
_DATE = re.compile(r"([0-9]{4})(?:[-.]([0-9]{1,2})(?:[-.]([0-9]{1,2}))?)?|([0-9]{4})([0-9]{2})?([0-9]{2})?")
_QUOTED = re.compile(r'("[^"]*")')
_WORDISH = re.compile(r'[\w"]')  # a field name right after these is part of a word
_TRAILING_PUNCTUATION = re.compile(r"[^\w\]}]+$")  # `date:2019,`: the comma is not the date's
# A `*` is a wildcard only right after 2 word characters and at the end of a word; any other
# `*`, and every `?`, is punctuation (the pattern Whoosh-side cleaning used).
# A date range's text, left out of the wildcard check: `date:[* TO *]` is open at both ends.
_DATE_RANGE_TEXT = re.compile(r"(?i)date:[\[{][^\]}]*[\]}]")
_STRAY_WILDCARD = re.compile(r"\*(?<!\w\w\*)|\*(?=[^\s)*])|\?")
_PLAIN_VALUE = re.compile(r'[^\s()"\[{*][^\s()"]*')


class Node:
    """Base of the tree's nodes; `str(node)` is the node as query text."""

    __slots__ = ()

    def __str__(self) -> str:
        return to_text(self)


@dataclass(frozen=True, slots=True)
class Word(Node):
    """A word as typed; `field` None means the default text fields (title and body)."""
    text: str
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Phrase(Node):
    """Words that must appear one right after another (as typed, split on spaces)."""
    words: tuple[str, ...]
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Prefix(Node):
    """Words starting with `text` (typed as `text*`); also on facet fields (`person:kim*`)."""
    text: str
    field: str | None = None


@dataclass(frozen=True, slots=True)
class FieldValue(Node):
    """A person/org/place/source value as typed; the backend resolves case and aliases."""
    field: str
    value: str


@dataclass(frozen=True, slots=True)
class ArticleIds(Node):
    """The articles with these ids: what a `tag:` value stands for once the engine has read the
    tag from the researcher's store. Never typed; printed as the `tag:` it came from."""
    ids: tuple[str, ...]
    tag: str = ""


@dataclass(frozen=True, slots=True)
class DateRange(Node):
    """Articles dated from `start` to `end`, both inclusive, UTC; None is an open end."""
    start: datetime | None
    end: datetime | None


@dataclass(frozen=True, slots=True)
class And(Node):
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or(Node):
    """At least one child matches; `Or(())` matches nothing (a query with nothing searchable)."""
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class AndMaybe(Node):
    """What `required` matches; `optional` only adds to the score (`+a b` with any_word)."""
    required: Node
    optional: Node


@dataclass(frozen=True, slots=True)
class Not(Node):
    """Everything but `child`; inside an And, an exclusion."""
    child: Node


@dataclass(frozen=True, slots=True)
class MatchAll(Node):
    """The empty query: every article (browsing by filters)."""


Tree = Union[Word, Phrase, Prefix, FieldValue, DateRange, And, Or, AndMaybe, Not, MatchAll]
_COMPOUND = (And, Or, AndMaybe, Not)


def parse(text: str, *, any_word: bool = False, languages: Sequence[str] | None = None) -> Node:
    """The tree of a query; raises QuerySyntaxError with what to change when it cannot be read.
    `languages`: the analysis languages it searches, among which a long query's language is
    told (search.analysis.query_language; None: every language with rules)."""
    # A surrogate pair typed as two code points becomes its character; a lone surrogate (which
    # no index can encode) is dropped.
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "ignore").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(f"The query is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}.")
    if len(text.split()) > MAX_QUERY_TERMS:
        raise QuerySyntaxError(f"The query has more than {MAX_QUERY_TERMS} words; shorten it.")
    prepared = _prepare(text)
    if not prepared:
        return MatchAll()
    node = _Parser(prepared, text, any_word).group(None, 0)
    return _without_question_words(node, languages) if node is not None else Or(())


def _without_question_words(node: Node, languages: Sequence[str] | None) -> Node:
    """A long query (LONG_QUERY_WORDS plain words or more) without its plain words in
    search.stopwords' list of its language: "what are the effects of X on Y" is searched as
    "effects X Y". Only unfielded words in positive position go; quoted phrases, fielded,
    `+`required and excluded words stay as typed, and so does a query that would be left with
    no word to search for (nothing but its language's question and stop words)."""
    plain = [leaf for leaf in text_terms(node) if isinstance(leaf, Word) and leaf.field is None]
    if not stopwords.APPLY_TO_LONG_QUERIES or len(plain) < stopwords.LONG_QUERY_WORDS:
        return node
    keys = [_key(leaf.text) for leaf in plain]
    asked, dropped = analysis.long_query_lists(analysis.query_language(keys, languages))
    if not asked or all(key in asked or key in dropped for key in keys):
        return node
    return _strip_question_words(node, asked) or node


_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")


def _key(text: str) -> str:
    """A plain word as the question-word lists spell it: lower case, `’` as `'`, without the
    punctuation around it ("¿Cuándo" -> "cuándo", "why," -> "why")."""
    return _EDGE_PUNCTUATION.sub("", text.lower().replace("\u2019", "'"))


def _strip_question_words(node: Node, asked: frozenset[str]) -> Node | None:
    if isinstance(node, Word) and node.field is None and _key(node.text) in asked:
        return None
    if isinstance(node, (And, Or)):
        kept = tuple(k for k in (_strip_question_words(child, asked) for child in node.children) if k is not None)
        return None if not kept else kept[0] if len(kept) == 1 else type(node)(kept)
    if isinstance(node, AndMaybe):  # `+a b c` with any_word: a was required with a `+`
        optional = _strip_question_words(node.optional, asked)
        return node.required if optional is None else AndMaybe(node.required, optional)
    return node


def _prepare(text: str) -> str:
    """The text the parser reads: wildcards checked, stray ones and unmatched parentheses gone.

    Outside quoted phrases, a word ending in `*` needs 2 characters before it (`a*` is refused;
    a lone `*` is punctuation), and stray `*`/`?` become spaces. An unmatched parenthesis is
    dropped, as Whoosh drops it: right after a marker or field (`-(a b`, `title:(a`) it is
    removed, so they apply to the next word; elsewhere it becomes a space.
    """
    # The check the query language has always made (date ranges aside: a `*` there is an open end).
    for word in _DATE_RANGE_TEXT.sub(" ", _QUOTED.sub(" ", text)).split():
        if word.endswith("*") and word != "*" and len(word.rstrip("*").lstrip("+-(").split(":")[-1]) < 2:
            raise QuerySyntaxError(f"'{word}' is too broad: a wildcard needs at least 2 letters before the *.")
    parts = _QUOTED.split(text)  # quoted phrases at the odd indexes, paired left to right
    for i in range(0, len(parts), 2):
        parts[i] = _STRAY_WILDCARD.sub(" ", parts[i])
    if not "".join(parts).strip():
        return ""  # nothing but stray wildcards: the empty query
    chars = [list(part) if i % 2 == 0 else [part] for i, part in enumerate(parts)]
    opened: list[tuple[int, int]] = []
    dropped: list[tuple[int, int]] = []
    for i in range(0, len(chars), 2):
        for j, char in enumerate(chars[i]):
            if char == "(":
                opened.append((i, j))
            elif char == ")" and opened:
                opened.pop()
            elif char == ")":
                dropped.append((i, j))
    for i, j in sorted(dropped + opened):  # ("" before: a dropped one just removed, likewise)
        before = chars[i][j - 1] if j else (chars[i - 1][0][-1] if i else " ")
        chars[i][j] = "" if before in ("+", "-", ":", "") else " "
    depth = deepest = 0
    for i in range(0, len(chars), 2):
        for char in chars[i]:
            if char and char in "()":
                depth += 1 if char == "(" else -1
                deepest = max(deepest, depth)
    if deepest > MAX_DEPTH:
        raise QuerySyntaxError(f"The query nests parentheses {deepest} deep; the limit is {MAX_DEPTH}.")
    return "".join("".join(part) for part in chars)


def _period(value: str, query: str) -> tuple[datetime, datetime]:
    """First and last instant of a typed date: a year, a month or a day (UTC)."""
    match = _DATE.fullmatch(value.strip())
    if not match:
        raise _date_error(query, f"'{value.strip()}' is not a date")
    groups = match.groups()
    year, month, day = (groups[0:3] if groups[0] else groups[3:6])
    y, m, d = int(year), int(month) if month else None, int(day) if day else None
    if y < 1:
        raise _date_error(query, "year 0 does not exist")
    if m is not None and not 1 <= m <= 12:
        raise _date_error(query, "month must be in 1..12")
    last = monthrange(y, m or 12)[1]
    if d is not None and not 1 <= d <= last:
        raise _date_error(query, "day is out of range for month")
    return (datetime(y, m or 1, d or 1, tzinfo=timezone.utc),
            datetime(y, m or 12, d or last, 23, 59, 59, 999999, tzinfo=timezone.utc))


def _date_error(query: str, reason: str) -> QuerySyntaxError:
    return QuerySyntaxError(f"Cannot read the date in '{query}': {reason}. Use YYYY, YYYY-MM or "
                            f"YYYY-MM-DD, e.g. date:[2019-02-01 TO 2019-02-28].")


class _Parser:
    """Recursive descent over the characters: a group is read item by item, then combined."""

    def __init__(self, text: str, original: str, any_word: bool) -> None:
        self.text, self.n, self.pos = text, len(text), 0
        self.original = original  # for messages: the query as typed
        self.any_word = any_word

    def group(self, field: str | None, depth: int) -> Node | None:
        """Items up to the matching `)` (or the end), combined; None when nothing is left."""
        items: list[str | tuple[str | None, Node]] = []
        text = self.text
        while True:
            start = self.pos
            while self.pos < self.n and text[self.pos].isspace():
                self.pos += 1
            if self.pos >= self.n:
                break
            if text[self.pos] == ")":
                self.pos += 1
                if depth:
                    break
                continue  # not reached: _balance dropped unmatched ones
            operator = self._operator(spaced=self.pos > start)
            if operator:
                items.append(operator)
                continue
            marker = None
            if (text[self.pos] in "+-" and self._word_start() and self.pos + 1 < self.n
                    and not text[self.pos + 1].isspace() and text[self.pos + 1] != ")"):
                marker = text[self.pos]
                self.pos += 1
            node = self._atom(field, depth)
            if node is not None:
                items.append((marker, node))
        return self._combine(items)

    def _word_start(self) -> bool:
        return self.pos == 0 or self.text[self.pos - 1].isspace() or self.text[self.pos - 1] == "("

    def _operator(self, spaced: bool) -> str | None:
        """AND/OR between spaces, NOT at a word start before a space (upper case, as Whoosh)."""
        for word in OPERATORS:
            end = self.pos + len(word)
            if self.text.startswith(word, self.pos) and end < self.n and self.text[end].isspace():
                if spaced if word != "NOT" else self._word_start() or self.text[self.pos - 1] == ")":
                    self.pos = end
                    return word
        return None

    def _atom(self, field: str | None, depth: int) -> Node | None:
        explicit = None
        while match := _FIELD.match(self.text, self.pos):
            name = match.group(1)
            if name.lower() not in QUERY_FIELDS:
                raise QuerySyntaxError(
                    f"Unknown field '{name}:'. Fields are {', '.join(f + ':' for f in QUERY_FIELDS)} "
                    f"(or put the words in quotes to search for them as text).")
            if self.text[match.end()] == ")":
                break  # `title:)`: no value, so the colon is part of a word
            explicit, self.pos = name.lower(), match.end()
        field = explicit or field
        char = self.text[self.pos]
        if char == "(":
            self.pos += 1
            return self.group(field, depth + 1)
        if char == '"':
            close = self.text.find('"', self.pos + 1)
            if close != -1:
                value, self.pos = self.text[self.pos + 1:close], close + 1
                return self._quoted(value, field)
        if field == "date" and char in "[{":
            match = _RANGE.match(self.text, self.pos)
            if match:
                self.pos = match.end()
                return self._date_range(match.group("start").strip(), match.group("end").strip())
        word = self._read_word()
        return self._word(word, field)

    def _read_word(self) -> str:
        """Characters up to a space, a parenthesis, a double quote that opens a phrase, or a
        field after punctuation (`x.title:bar`, `~date:2019`: Whoosh's fields start anywhere)."""
        text, start = self.text, self.pos
        while self.pos < self.n:
            char = text[self.pos]
            if char.isspace() or char in "()":
                break
            if self.pos > start and (char == '"' and text.find('"', self.pos + 1) != -1 or (
                    char.isalpha() or char == "_") and not _WORDISH.match(text[self.pos - 1])
                    and _FIELD.match(text, self.pos)):
                break
            self.pos += 1
        return text[start:self.pos]

    def _word(self, word: str, field: str | None) -> Node:
        if field == "date":  # `date:2019*` is 2019; so is `date:2019,` (punctuation after a word)
            return DateRange(*_period(_TRAILING_PUNCTUATION.sub("", word), self.original))
        if word.endswith("*"):  # _prepare left only wildcards after 2 word characters
            return Prefix(word.rstrip("*"), field)
        if field in FACET_FIELDS or field in MEMORY_FIELDS:
            return FieldValue(field, word)
        return Word(word, field)

    def _quoted(self, value: str, field: str | None) -> Node | None:
        if field == "date":
            return DateRange(*_period(value, self.original))
        if field in FACET_FIELDS or field in MEMORY_FIELDS:
            return FieldValue(field, value.strip()) if value.strip() else None
        words = tuple(value.split())
        return Phrase(words, field) if words else None

    def _date_range(self, start_text: str, end_text: str) -> DateRange:
        start = _period(start_text, self.original)[0] if start_text else None
        end = _period(end_text, self.original)[1] if end_text else None
        if start and end and start > end:
            raise QuerySyntaxError("The date range starts after it ends; write the earlier date first, "
                                   "e.g. date:[2019-02-01 TO 2019-02-28].")
        return DateRange(start, end)

    def _combine(self, items: list) -> Node | None:
        """One group's items as a node: markers pulled out, then NOT, AND, OR, adjacency."""
        marked = [item for item in items if isinstance(item, tuple)]
        required = [node for marker, node in marked if marker == "+"]
        banned = [node for marker, node in marked if marker == "-"]
        sequence = [item if isinstance(item, str) else item[1] for item in items
                    if isinstance(item, str) or item[0] is None]
        nodes = _binary(_binary(_apply_not(sequence), "AND", And), "OR", Or)
        if self.any_word:
            core = _join(Or, nodes)
            must = _join(And, required)
            if must is not None:
                core = AndMaybe(must, core) if core else must
        else:
            core = _join(And, required + nodes)
        return _join(And, ([core] if core else []) + [Not(node) for node in banned])


def _apply_not(sequence: list) -> list:
    """NOT wraps the operand after it (right to left, so NOT NOT a works); a dangling NOT goes."""
    out: list = []
    for item in reversed(sequence):
        if item == "NOT":
            if out and isinstance(out[-1], Node):
                out[-1] = Not(out[-1])
        else:
            out.append(item)
    out.reverse()
    return out


def _binary(sequence: list, operator: str, cls: type) -> list:
    """Join the operands on either side of each `operator`; one without both sides is dropped."""
    out: list = []
    pending = False
    for item in sequence:
        if item == operator:
            pending = bool(out) and isinstance(out[-1], Node)
            continue
        if pending and isinstance(item, Node):
            out[-1] = _join(cls, [out[-1], item])
        else:
            out.append(item)
        pending = False
    return out


def _join(cls: type, nodes: list) -> Node | None:
    """`cls` of the nodes, flattened (And in And is one And); one node is itself; none is None."""
    children: list[Node] = []
    for node in nodes:
        if isinstance(node, str):
            continue  # an operator left without operands
        children.extend(node.children if type(node) is cls and isinstance(node, (And, Or)) else (node,))
    if not children:
        return None
    if cls is And:  # exclusions last, however typed: `a NOT b c` and `a c -b` are one tree
        children.sort(key=lambda child: isinstance(child, Not))
    return children[0] if len(children) == 1 else cls(tuple(children))


# ---- reading the tree --------------------------------------------------------------------------

def text_terms(node: Node) -> list[Word | Phrase | Prefix]:
    """The text-field leaves a matching article is found *by* (not excluded ones), in order."""
    if isinstance(node, (Word, Phrase, Prefix)):
        return [node] if node.field in (None,) + TEXT_FIELDS else []
    if isinstance(node, (And, Or)):
        return [leaf for child in node.children for leaf in text_terms(child)]
    if isinstance(node, AndMaybe):
        return text_terms(node.required) + text_terms(node.optional)
    return []  # Not, facet values, dates, MatchAll


def words(node: Node) -> list[str]:
    """The plain words in positive position, as typed (for did-you-mean and relaxing)."""
    return [leaf.text for leaf in text_terms(node) if isinstance(leaf, Word)]


# ---- printing ------------------------------------------------------------------------------------

def to_text(node: Node, *, any_word: bool = False) -> str:
    """The node as query text that `parse(..., any_word=any_word)` reads back as the same tree.

    A word the language would read as syntax prints so that it is not: `OR` as `(OR)`, and
    `-x` (from `--x`) as the one-word phrase `"-x"`, the same search.
    """
    def text(n: Node, wrap: tuple = ()) -> str:
        if isinstance(n, And):  # exclusions as -x; `a (b OR c)` reads clearer than `a b OR c`
            out = (" AND " if any_word else " ").join(
                "-" + text(c.child, _COMPOUND) if isinstance(c, Not) else text(c, (And, Or, AndMaybe))
                for c in n.children)
        elif isinstance(n, Or):  # -x inside an Or would be pulled out of it: NOT x
            out = " OR ".join("NOT " + text(c.child, _COMPOUND) if isinstance(c, Not) else text(c, (And, AndMaybe))
                              for c in n.children) if n.children else "()"
        elif isinstance(n, AndMaybe):
            required = n.required.children if isinstance(n.required, And) else (n.required,)
            optional = n.optional.children if isinstance(n.optional, Or) else (n.optional,)
            out = " ".join(["+" + text(c, _COMPOUND) for c in required] + [text(c, _COMPOUND) for c in optional])
        elif isinstance(n, Not):
            out = "-" + text(n.child, _COMPOUND)
        else:
            out = _leaf_text(n)
        if not isinstance(n, wrap):
            return out
        return f"({out} )" if out.endswith(":") else f"({out})"  # `word:)` would read as a field
    return text(node)


def _leaf_text(node: Node) -> str:
    if isinstance(node, MatchAll):
        return ""
    if isinstance(node, Word):
        text = node.text
        if text in OPERATORS and not node.field:
            text = f"({text})"  # a group of one word: never read as an operator
        elif (text[:1] in "+-" and len(text) > 1 or _FIELD.match(text)
              or text.endswith("*") and "*" not in text.rstrip("*")):
            text = f'"{text}"'
        return (node.field + ":" if node.field else "") + text
    if isinstance(node, Phrase):
        return (node.field + ":" if node.field else "") + '"' + " ".join(node.words) + '"'
    if isinstance(node, Prefix):
        return (node.field + ":" if node.field else "") + node.text + "*"
    if isinstance(node, FieldValue):
        plain = _PLAIN_VALUE.fullmatch(node.value) and not node.value.endswith("*") \
            and not _FIELD.match(node.value)
        value = node.value if plain else f'"{node.value}"'
        return f"{node.field}:{value}"
    if isinstance(node, DateRange):
        return "date:" + _date_text(node.start, node.end)
    if isinstance(node, ArticleIds):
        return _leaf_text(FieldValue("tag", node.tag))
    raise TypeError(f"not a query node: {node!r}")


def _date_text(start: datetime | None, end: datetime | None) -> str:
    if start is not None and end is not None:
        for text in (f"{start.year:04d}", f"{start.year:04d}-{start.month:02d}", _day(start)):
            if (start, end) == _period(text, text):
                return text
    return f"[{_day(start) + ' ' if start else ''}TO{' ' + _day(end) if end else ''}]"


def _day(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"


__all__ = ["parse", "to_text", "words", "text_terms", "Node", "Tree", "Word", "Phrase", "Prefix",
           "FieldValue", "ArticleIds", "DateRange", "And", "Or", "AndMaybe", "Not", "MatchAll", "MAX_QUERY_CHARS",
           "MAX_QUERY_TERMS", "MAX_DEPTH", "QUERY_FIELDS", "MEMORY_FIELDS"]
