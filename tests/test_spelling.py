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
