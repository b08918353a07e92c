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
