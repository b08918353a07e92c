"""Query fuzzer: hypothesis-generated queries and parameters through `search()` and `/api/search`.

A query a person types, or a parameter a script sends, may be anything: the query language's
own tokens in any order (quotes, parentheses, -, +, *, ?, ~, ^, :, fields, AND/OR/NOT, dates,
[ TO ] ranges), Unicode (lone surrogates, combining marks, digits such as "²"), very long words,
parameters that are not numbers. Whatever comes in:

- `search()` either answers or raises `QuerySyntaxError` / `BadParameterError` (messages for a
  person); any other exception is a failure;
- `/api/search` answers 200 or a 4xx with `{"error": ...}`; any 5xx is a failure.

This file is the small version (300 inputs per entry point, seeded, on an index of the seeds and
generated articles, so it needs no shared data); `bench/faults.py` runs the same strategy over
10,000 inputs against Reuters-21578 and also counts calls over 1 s. The strategy and the checks
live here so that both use the same ones. Known hard inputs are explicit `@example`s.
"""
from __future__ import annotations

import logging
import os
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"

# ---- the strategy --------------------------------------------------------------------------------

# Words that occur in the seeds, the generated corpus (tests/corpus.py) and Reuters, so that
# generated queries also match documents and reach snippets, facets and ranking.
KNOWN_WORDS = [
    "oil", "prices", "bank", "rates", "coffee", "trade", "deficit", "copper", "gold", "dollar",
    "yen", "wheat", "strike", "summit", "harvest", "market", "shares", "said", "the", "of", "and",
    "Kim", "Hanoi", "Reuters", "opec", "tanker", "profit", "merger", "talks", "minister", "crude",
]
FIELDS = ["title", "body", "person", "org", "place", "source", "date",
          # not searchable, unknown, or oddly written
          "id", "url", "path", "file_key", "content_hash", "nofield", "TITLE", "Date", "_x", "title_", "é"]
OPERATORS = ["AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO", "and", "or", "not", "Or", "&&", "||", "|", "&", "!"]
PUNCTUATION = list('"()-+*?~^:[]{}\\/\'!|&<>=@#%$,.;_')
ODD = [
    "\ud800", "\udfff", "\udc80", "\u0301", "\u0308", "e\u0301", "\u200b", "\u200d", "\u202e", "\ufeff",
    "\x00", "\x1b", "\x7f", "\n", "\t", "\r", "\u3000", "\u00a0", "\u2028",
    "²", "³", "¹", "½", "①", "٣", "۴", "०", "Ⅻ", "𝟗", "ß", "ﬁ", "İ", "ı", "ǅ", "Ω", "Ａ", "ＡＮＤ", "ｏｉｌ",
    "😀", "👩\u200d🔬", "中文", "\U0010ffff", "\ufffd", "\uffff", "%00", "%ED%A0%80", "&amp;", "<b>",
]
SPECIAL_DATES = [
    "1987", "1987-03", "1987-03-01", "1987-02-29", "1988-02-29", "2019-02-30", "1987-13", "1987-00",
    "0000", "0001-01-01", "9999", "9999-12-31", "10000", "-1", "1987-3-1", "1987/03/01", "03/01/1987",
    "1987-03-01T12:00:00", "1987-03-01T25:00:00Z", "1987-03-01T12:00:00+99:00", "now", "today",
    "yesterday", "crude", "²⁰¹⁹", "١٩٨٧", "1e4", "", " ", "*", "1987*", "19870301",
]


def _join(parts: list[str], separator: str) -> str:
    return separator.join(parts)


unknown_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=5, max_size=30)
odd_text = st.lists(st.one_of(st.sampled_from(ODD),
                             st.characters(categories=["Cs", "Mn", "Me", "Nd", "No", "Nl", "Zs",
                                                       "Cc", "Cf", "Co", "So", "Lo"])),
                   min_size=1, max_size=6).map("".join)
digits = st.text(alphabet="0123456789²³¹⁰½①٣۴०𝟗", min_size=1, max_size=12)
dates = st.one_of(
    st.sampled_from(SPECIAL_DATES),
    st.builds(lambda y, m, d, shape: [f"{y:04d}", f"{y:04d}-{m:02d}", f"{y:04d}-{m:02d}-{d:02d}"][shape],
              st.integers(-1, 10_001), st.integers(-1, 14), st.integers(-1, 33), st.integers(0, 2)),
    digits,
)
date_ranges = st.builds(
    lambda lo, a, b, hi, to: f"{lo}{a}{to}{b}{hi}",
    st.sampled_from(["[", "{", "", "("]), st.one_of(dates, st.just("")),
    st.one_of(dates, st.just("")), st.sampled_from(["]", "}", "", ")"]),
    st.sampled_from([" TO ", " to ", " TO", "TO ", " ", " - ", " TO TO "]),
)
words = st.one_of(st.sampled_from(KNOWN_WORDS), unknown_words)
phrases = st.builds(lambda ws, closed: '"' + " ".join(ws) + ('"' if closed else ""),
                    st.lists(st.one_of(words, odd_text), max_size=5), st.booleans())
wildcards = st.builds(lambda w, tail: w[:6] + tail, st.one_of(words, st.text(max_size=3)),
                      st.sampled_from(["*", "?", "**", "*?", "?*", "*a", "***", "~", "~2", "^3", "^0", "^-1"]))
field_values = st.one_of(words, phrases, dates, date_ranges, wildcards, st.just(""), odd_text)
field_terms = st.builds(lambda f, sep, v: f + sep + v, st.sampled_from(FIELDS), st.sampled_from([":", "::", ": "]),
                        field_values)
date_terms = st.builds(lambda sep, v: "date" + sep + v, st.sampled_from([":", ":", ": "]),
                       st.one_of(dates, date_ranges, words, phrases, phrases))
long_words = st.builds(lambda c, n: c * n, st.sampled_from(["a", "z", "ab", "²", "\u0301", "*", "é", "x*"]),
                       st.integers(50, 1_500))
atoms = st.one_of(
    words, words, unknown_words, phrases, wildcards, field_terms, field_terms, date_terms,
    st.sampled_from(OPERATORS), st.sampled_from(OPERATORS), st.text(alphabet=PUNCTUATION, min_size=1, max_size=6),
    odd_text, digits, dates, date_ranges, long_words,
    st.text(max_size=12),  # anything at all
)
tokens = st.recursive(
    atoms,
    lambda inner: st.one_of(
        st.builds(lambda p, t: p + t, st.sampled_from(["-", "+", "NOT ", "!", "~", "^"]), inner),
        st.builds(lambda ts, closed: "(" + " ".join(ts) + (")" if closed else ""), st.lists(inner, max_size=4),
                  st.booleans()),
    ),
    max_leaves=8,
)
separators = st.sampled_from([" ", " ", " ", "", "  ", "\t", "\n", "\u3000", " OR ", " AND ", ","])
queries = st.one_of(
    st.builds(_join, st.lists(tokens, min_size=1, max_size=16), separators),
    st.builds(_join, st.lists(tokens, min_size=1, max_size=16), separators),
    st.builds(_join, st.lists(tokens, min_size=1, max_size=16), separators),
    st.lists(st.one_of(unknown_words, unknown_words, words), min_size=3, max_size=25).map(" ".join),  # did-you-mean
    st.text(max_size=60),
)

# Parameters: None leaves one out (the default); ints are for the Python API (the web gets str()).
# Each is absent or valid most of the time, so that the query itself is usually what gets tested
# (a bad parameter is refused before the query is read).
def maybe(valid, junk):
    return {"query": st.one_of(st.none(), st.none(), valid), "params": st.one_of(st.none(), valid, junk)}


param_text = st.one_of(
    st.sampled_from(["1", "2", "0", "-1", "10", "100", "101", "1000000000", "99999999999999999999", "²",
                     "٣", "1.5", "1e3", "0x10", " 2 ", "+3", "", " ", "nan", "inf", "-0", "1_000", "⁵"]),
    digits, st.text(max_size=12), st.integers(-3, 10**12),
)
pages = maybe(st.one_of(st.integers(1, 5), st.sampled_from(["1", "2", "3", "50"])), param_text)
page_sizes = maybe(st.one_of(st.integers(1, 100), st.sampled_from(["1", "10", "100"])), param_text)
sorts = maybe(st.sampled_from(["relevance", "newest", "oldest"]),
              st.one_of(st.sampled_from(["Newest", " newest", "date", "", "RELEVANCE"]), st.text(max_size=10)))
recencies = maybe(st.sampled_from(["30", "365.25", "0.5", 30, 7.5]),
                  st.one_of(st.sampled_from(["0", "-1", "nan", "inf", "-inf", "1e308", "1e-320", "", "30 days",
                                             "²", "1000000", "1000001"]),
                            st.floats(), st.integers(-5, 10**7), st.text(max_size=8)))
date_params = maybe(st.sampled_from(["1987", "1987-03", "1987-03-15", "2019-02", "2020-01-01"]), dates)
ENTITY_VALUES = ["United States", "usa", "US", "u.s.", "Kim Jong Un", "opec", "Japan", "Reuters", ""]
known_filter_values = st.lists(st.sampled_from(ENTITY_VALUES), max_size=2)
filter_values = st.lists(st.one_of(st.sampled_from(ENTITY_VALUES), st.text(max_size=30), odd_text, long_words),
                         max_size=3)


@st.composite
def search_cases(draw) -> dict:
    """One input: the query and the parameters, keyed by their /api/search names."""
    case = {"q": draw(queries)}
    mode = draw(st.sampled_from(["query", "query", "params"]))  # junk parameters in one case in three
    for name, strategies in (("page", pages), ("page_size", page_sizes), ("from", date_params), ("to", date_params),
                           ("sort", sorts), ("recency", recencies)):
        value = draw(strategies[mode])
        if value is not None:
            case[name] = value
    for kind in ("person", "org", "place", "source"):
        if draw(st.integers(0, 5)) == 0:  # filters in about one case in six per kind
            case[kind] = draw(filter_values if mode == "params" else known_filter_values)
    return case


# Inputs known to have hurt, each reached by the strategy above and kept here so they always run.
MANY_UNKNOWN_WORDS = " ".join(["qwzkvb", "zzkxqjv", "vbqjzxkw", "jjqzxkvw", "wqzxkvjb", "kzqxjvwq", "xqzjvkwb",
                               "bzqxjkwv", "vzqxjkbw", "qzxjkvbwq", "zqxjvkbw", "jqzxkvbw", "kqzxjvbw", "wzqxjkvb"])
KNOWN_HARD = [
    {"q": "oil", "page": "²"},                 # Unicode digit: isdigit() but not int()
    {"q": "oil", "page_size": "²"},
    {"q": 'date:"crude"'},                    # a date field given a word
    {"q": "date:crude"},
    {"q": "ab\ud800*"},                       # a lone surrogate in a prefix
    {"q": "oil \udfff"},
    {"q": "**andAND|"},                       # ~9 s over Reuters
    {"q": MANY_UNKNOWN_WORDS},                # did-you-mean over many unknown words: 13-19 s over Reuters
    {"q": "a" * 1500},
    {"q": "oil", "recency": "nan"},
    {"q": "oil", "from": "1987-02-30", "to": "²⁰¹⁹"},
    {"q": "date:[1987-03 TO crude]"},
    {"q": "title:"},
]

# ---- running one input ---------------------------------------------------------------------------

ALLOWED_STATUSES = {200, 400, 404, 414}  # 404 is not expected for /api/search, but is not a crash


@dataclass
class Outcome:
    """What one call did. `failure` is None when it behaved (answered or refused properly)."""

    where: str                   # "search()" or "/api/search"
    case: dict
    seconds: float = 0.0
    result: str = ""             # "ok", an allowed error's type, or the HTTP status
    failure: str | None = None   # "exception" / "5xx"
    error: str = ""              # type: message of the exception
    site: str = ""               # where it was raised: the deepest repository frame and the deepest frame
    details: dict = field(default_factory=dict)

    @property
    def signature(self) -> tuple[str, str, str, str]:
        """Distinct failures: the same entry point, kind, exception type and raising site."""
        return (self.where, self.failure or "", self.error.split(":", 1)[0], self.site)

    def describe(self) -> str:
        return (f"{self.where} {self.failure} on {self.case!r}: {self.error} at {self.site}"
                if self.failure else f"{self.where} {self.result} on {self.case!r}")


def raising_site(exc: BaseException) -> str:
    """'search/scoring.py:350 (whoosh/fields.py:887)': the deepest frame in this repository's own
    code, and the deepest frame of all when that is elsewhere (a library)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"

    def short(frame) -> str:
        path = Path(frame.filename)
        try:
            rel = path.resolve().relative_to(REPO)
            if rel.parts[0] == ".venv":
                raise ValueError
            name = str(rel)
        except ValueError:
            parts = path.parts
            name = "/".join(parts[parts.index("site-packages") + 1:]) if "site-packages" in parts else path.name
        return f"{name}:{frame.lineno}"

    own = [f for f in frames if ".venv" not in f.filename and f.filename.startswith(str(REPO))
           and "/tests/" not in f.filename and "/bench/" not in f.filename]
    deepest = short(frames[-1])
    if own and own[-1] is not frames[-1]:
        return f"{short(own[-1])} ({deepest})"
    return deepest


def api_kwargs(case: dict) -> dict:
    """`search()` keyword arguments for a case (the API names its dates date_from/date_to)."""
    names = {"from": "date_from", "to": "date_to"}
    return {names.get(k, k): v for k, v in case.items() if k != "q"}


def call_search(index_dir: Path, case: dict, clock=None) -> Outcome:
    """`search.search()` on one case; any exception but the two documented ones is a failure."""
    import search as api

    outcome = Outcome("search()", case)
    started = clock() if clock else 0.0
    try:
        results = api.search(case["q"], index_dir=index_dir, **api_kwargs(case))
        outcome.result = "ok"
        outcome.details = {"total": results.total}
    except (api.QuerySyntaxError, api.BadParameterError) as exc:
        outcome.result = type(exc).__name__
    except Exception as exc:  # noqa: BLE001 - this is what we look for
        outcome.failure = "exception"
        outcome.error = f"{type(exc).__name__}: {str(exc)[:200]}"
        outcome.site = raising_site(exc)
    if clock:
        outcome.seconds = clock() - started
    return outcome


def query_string(case: dict) -> str:
    """The case as a URL query string, percent-encoded as UTF-8 the way a client sends it; a lone
    surrogate becomes its (invalid) UTF-8 bytes, which is what a hostile client can send."""
    pairs = []
    for key, value in case.items():
        for item in (value if isinstance(value, list) else [value]):
            pairs.append(quote(key) + "=" + quote(str(item), safe="", encoding="utf-8", errors="surrogatepass"))
    return "&".join(pairs)


class ErrorCapture(logging.Handler):
    """Keeps the exception behind the last logged error (the app logs every 500 it serves)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.last: BaseException | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.last = record.exc_info[1]


def fuzz_client(index_dir: Path, engine=None):
    """A Flask test client over the index, with the app's error log captured (not printed)."""
    from flask.logging import default_handler

    from web import create_app

    settings = {"engine": engine} if engine is not None else {}
    app = create_app(index_dir=index_dir, testing=True, **settings)
    capture = ErrorCapture()
    app.logger.removeHandler(default_handler)
    app.logger.addHandler(capture)
    app.logger.propagate = False
    client = app.test_client()
    client.capture = capture
    return client


def call_web(client, case: dict, clock=None) -> Outcome:
    """GET /api/search with the case's parameters; a 5xx is a failure."""
    outcome = Outcome("/api/search", case)
    client.capture.last = None
    started = clock() if clock else 0.0
    try:
        response = client.get("/api/search?" + query_string(case))
        status = response.status_code
        outcome.result = str(status)
        if status >= 500 or status not in ALLOWED_STATUSES:
            outcome.failure = "5xx" if status >= 500 else f"status {status}"
            exc = client.capture.last
            body = response.get_data(as_text=True)[:200]
            outcome.error = f"{type(exc).__name__}: {str(exc)[:200]}" if exc else f"HTTP {status}: {body}"
            outcome.site = raising_site(exc) if exc else ""
        elif status != 200 and not (response.is_json and "error" in (response.get_json() or {})):
            outcome.failure = "no JSON error"
            outcome.error = f"HTTP {status}: {response.get_data(as_text=True)[:200]}"
    except Exception as exc:  # noqa: BLE001 - an exception escaping the app (it should answer 500)
        outcome.failure = "exception"
        outcome.error = f"{type(exc).__name__}: {str(exc)[:200]}"
        outcome.site = raising_site(exc)
    if clock:
        outcome.seconds = clock() - started
    return outcome


# ---- the tests (the small version) ---------------------------------------------------------------

EXAMPLES = int(os.environ.get("NEWSEARCH_FUZZ_EXAMPLES", "300"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES, derandomize=True, database=None, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                           HealthCheck.large_base_example],
)


def with_known_hard(test):
    for case in reversed(KNOWN_HARD):
        test = example(case=case)(test)
    return test


@pytest.fixture(scope="module")
def fuzz_index(tmp_path_factory) -> Path:
    """The seeds plus 160 generated articles (tests/corpus.py), no NER: a few seconds to build."""
    from newsearch.indexing import index_paths
    from tests.corpus import generate_corpus

    root = tmp_path_factory.mktemp("fuzz")
    generate_corpus(root / "data", 4, 40, seed=5)
    summary = index_paths([SEEDS, root / "data"], root / "ix", entities=False, show_progress=False)
    assert summary.added == 162 and summary.failed == 0
    return root / "ix"


@pytest.fixture(scope="module")
def fuzz_web(fuzz_index):
    return fuzz_client(fuzz_index)


@with_known_hard
@FUZZ_SETTINGS
@given(case=search_cases())
def test_search_raises_only_documented_errors(fuzz_index, case):
    outcome = call_search(fuzz_index, case)
    assert outcome.failure is None, outcome.describe()


@with_known_hard
@FUZZ_SETTINGS
@given(case=search_cases())
def test_api_search_never_answers_5xx(fuzz_web, case):
    outcome = call_web(fuzz_web, case)
    assert outcome.failure is None, outcome.describe()


def test_strategy_reaches_the_known_hard_shapes():
    """The generated inputs (not only the explicit examples) include each hard shape."""
    shapes = {
        "unicode digit page": lambda c: isinstance(c.get("page"), str) and any(ch in "²³¹⁰½①٣۴०𝟗⁵" for ch in c["page"]),
        "date field with a word": lambda c: re.search(r'date:\s*"?[a-z]{3}', c["q"]) is not None,
        "lone surrogate and a wildcard": lambda c: any("\ud800" <= ch <= "\udfff" for ch in c["q"]) and "*" in c["q"],
        "many unknown words": lambda c: len([w for w in c["q"].split() if w.isalpha() and w.islower()
                                             and len(w) >= 5 and w not in KNOWN_WORDS]) >= 8,
        "repeated wildcards and operators": lambda c: "**" in c["q"] and any(o in c["q"] for o in ("AND", "OR", "|")),
    }
    seen = dict.fromkeys(shapes, 0)

    @settings(max_examples=1_000, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(case=search_cases())
    def count(case):
        for name, predicate in shapes.items():
            seen[name] += bool(predicate(case))

    count()
    print("hard shapes among 1,000 generated inputs:", seen)
    assert all(seen.values()), seen
