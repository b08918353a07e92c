"""Snippets mark exactly the words that analyse to a query term: the fast scan (only the words
whose first letter can start a term) finds what testing every token finds."""
from __future__ import annotations

import random

from search.backends.whoosh.snippets import _TOKEN, analysed, find_matches, make_snippet

PIECES = ["oil", "Oil", "OIL", "oils", "toil", "price", "prices", "Pricing", "U.S.", "U.S", "é", "Zürich",
          "zurich", "ZÜRICH", ".", "..", "*", "oil*", "_x", "a", "3.5", "35", " ", " ", " ", "-", "'", "s",
          "ÉCOLE", "école", "Ecole", "oil.price", "x", "—", "“", "’", "\u212a", "ß", "Straße", "naïve"]
TERMS = ["oil", "price", "u.s", "zurich", "ecol", "a", "s", "x", "3.5", "oil*", "strass", "naiv", "k", "35"]


def every_token(text: str, terms: frozenset[str]) -> list[tuple[int, int, str]]:
    """The reference: every `_TOKEN` token analysed and tested."""
    return [(m.start(), m.end(), analysed(m.group())) for m in _TOKEN.finditer(text) if analysed(m.group()) in terms]


def test_find_matches_equals_testing_every_token() -> None:
    rng = random.Random(3)
    for _ in range(20_000):
        text = "".join(rng.choice(PIECES) + rng.choice(["", " ", ".", "", ""]) for _ in range(rng.randint(0, 25)))
        terms = frozenset(rng.sample(TERMS, rng.randint(1, 4)))
        assert find_matches(text, terms) == every_token(text, terms), (text, terms)


def test_accented_and_dotted_words_are_marked() -> None:
    text = "The École in Zürich and the U.S. oil.price index; ZURICH oil."
    found = find_matches(text, frozenset({"ecol", "zurich", analysed("U.S"), "oil"}))
    assert [text[s:e] for s, e, _ in found] == ["École", "Zürich", "U.S", "ZURICH", "oil"]  # not oil.price
    assert "<mark>Zürich</mark>" in make_snippet(text, frozenset({"zurich"}))


def test_the_snippet_rules_are_search_snippets(monkeypatch) -> None:
    """search/snippets.py says what a snippet is; both backends' snippet makers follow it, read
    when the snippet is made."""
    from search import snippets
    from search.backends.opensearch.snippets import snippet as from_highlighter

    body = "A <b>bold</b>   claim &\n" + "more words " * 40
    lead = snippets.lead(body)
    assert lead.startswith("A &lt;b&gt;bold&lt;/b&gt; claim &amp; more") and lead.endswith(" …")
    assert len(lead.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")) <= snippets.LEAD_CHARS + 2
    # nothing to mark: the opening lines, the same from both backends
    assert make_snippet(body, frozenset({"absent"})) == lead
    assert from_highlighter([snippets.escape(body[:480])]) == lead
    assert snippets.join_fragments([snippets.fragment("<mark>a</mark>", starts=True, ends=False),
                                    snippets.fragment("b", starts=False, ends=True)]) == "<mark>a</mark>… …b"
    monkeypatch.setattr(snippets, "LEAD_CHARS", 20)
    assert make_snippet(body, frozenset()) == from_highlighter([snippets.escape(body[:480])]) == \
        "A &lt;b&gt;bold&lt;/b&gt; claim …"
    text = " ".join(f"oil{i} filler words here to space the matches apart " * 3 + "oil" for i in range(6))
    assert make_snippet(text, frozenset({"oil"})).count("<mark>") == 3
    monkeypatch.setattr(snippets, "MAX_FRAGMENTS", 1)
    assert make_snippet(text, frozenset({"oil"})).count("<mark>") == 1
