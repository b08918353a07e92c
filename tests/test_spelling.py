"""Did-you-mean on a vocabulary with known counts."""
from __future__ import annotations

from search.backends.whoosh.spelling import Speller


def speller(counts: dict[str, int]) -> Speller:
    return Speller(dict(counts))


def test_unknown_word_gets_the_closest_then_most_common_word() -> None:
    s = speller({"summit": 50, "summary": 5, "gas": 500, "glass": 40, "coffee": 200, "come": 400})
    assert s.correct("sumit") == "summit"
    assert s.correct("gass") == "gas"
    assert s.correct("cofee") == "coffee"      # distance 1 beats the more common "come" (distance 2)


def test_rare_word_is_a_typo_only_next_to_a_much_commoner_one() -> None:
    s = speller({"government": 2000, "goverment": 8, "zloty": 3, "zlote": 1})
    assert s.correct("goverment") == "government"
    assert s.correct("zloty") is None
    assert s.correct("government") is None


def test_no_candidates_and_non_words() -> None:
    s = speller({"oil": 10})
    assert s.correct("xyzzyqq") is None
    assert s.correct("1987") is None


def test_distance_two_only_for_short_words():
    """Distance-2 candidates grow with the square of the length (seconds for 64 long unknown
    words): words longer than MAX_WORD_DISTANCE_2 are corrected at distance 1 only."""
    from search.backends.whoosh.spelling import Speller
    from search.spelling import MAX_WORD_DISTANCE_2

    speller = Speller({"summit": 50, "international": 50, "internationale": 50})
    assert speller.correct("smmiit") == "summit"              # distance 2 (u, m), short: corrected
    long_word = "intarnationel"                               # distance 2 from international
    assert len(long_word) > MAX_WORD_DISTANCE_2
    assert speller.correct(long_word) is None
    assert speller.correct("internatonal") == "international"  # distance 1, long: corrected


def test_a_known_word_is_corrected_one_edit_away_only():
    """Two edits are tried only for a word the index does not have: "lethal" (in 1 article) is
    not "legal" (two edits, in 500), though "letal" (unknown) is."""
    from search.spelling import best_correction

    counts = {"lethal": 1, "legal": 500}
    nearby = Speller(counts).nearby
    assert best_correction("lethal", 1, lambda edits: nearby("lethal", edits)) is None
    assert best_correction("legl", 0, lambda edits: nearby("legl", edits)) == "legal"
    assert best_correction("lethl", 0, lambda edits: nearby("lethl", edits)) == "lethal"


def test_the_query_level_decision():
    """search.spelling.suggest: plain words as typed (not operators, stop words, field values or
    wildcards), at most MAX_SPELL_WORDS of them, offered only when the corrected query finds more."""
    from search.backend import MAX_SPELL_WORDS
    from search.results import QuerySyntaxError
    from search.spelling import corrected, suggest, words_to_check

    text = "Sumit AND the person:Kim oil* sumit NOT tarifs"
    assert words_to_check(text) == (["sumit", "tarifs"], False)
    fixes = {"sumit": "summit", "tarifs": "tariffs"}
    assert corrected(text, fixes) == "summit AND the person:Kim oil* summit NOT tariffs"
    many = " ".join(["sumit"] * (MAX_SPELL_WORDS + 1))
    assert words_to_check(many) == (["sumit"], True)
    assert corrected(many, fixes).split() == ["summit"] * MAX_SPELL_WORDS + ["sumit"]

    asked: list[list[str]] = []

    def corrections(words: list[str]) -> tuple[dict[str, str], bool]:
        asked.append(words)
        return {w: fixes[w] for w in words if w in fixes}, False

    def run(found: int, late: bool = False) -> tuple[str | None, bool]:
        return suggest(text, lambda words: (corrections(words)[0], late), lambda tree: tree, lambda tree: 3, found)

    assert run(2) == ("summit AND the person:Kim oil* summit NOT tariffs", False)
    assert run(3) == (None, False)            # finds no more than the query did
    assert run(2, late=True)[1] is True       # the time budget ran out: said so
    assert asked[0] == ["sumit", "tarifs"]
    assert suggest("person:Kim", corrections, lambda tree: tree, lambda tree: 3, 0) == (None, False)

    def untranslatable(tree: object) -> object:
        raise QuerySyntaxError("too broad")

    # a corrected query the backend cannot translate (or the language read) is not offered
    assert suggest(text, corrections, untranslatable, lambda tree: 3, 0) == (None, False)
