"""Story grouping stays near-linear when many similar articles share a day (issue 23): the pairs
the grouping judges grow in proportion to the records, not to their square.

Pairs are counted through `index.stories.judge`, which every comparison goes through (in the
chaining grouping before as now), so the test measures work, not time.
"""
from __future__ import annotations

import pytest

from bench.stories import flood
from index import stories as st


def _group(folder, records, monkeypatch) -> tuple[int, dict[str, str]]:
    judged = [0]
    real = st.judge

    def counting(entry, others, *args):
        judged[0] += len(others)
        return real(entry, others, *args)

    monkeypatch.setattr(st, "judge", counting)
    index = st.StoryIndex(folder)
    for article_id, article in records:
        index.add(article, article_id, article.content_hash)
    index.save()
    stories = {aid: story for aid, story, _ in index.store.assignments()}
    index.close()
    return judged[0], stories


@pytest.mark.parametrize("kind", ["copies", "lookalikes"])
def test_pairs_judged_grow_linearly_with_same_day_records(tmp_path, monkeypatch, kind):
    small, large = 600, 1200
    judged_small, stories_small = _group(tmp_path / "small", flood(small, kind), monkeypatch)
    judged_large, stories_large = _group(tmp_path / "large", flood(large, kind), monkeypatch)
    # Linear: twice the records, about twice the pairs (the chaining grouping judged 4x: every
    # earlier record), and a bound per record that does not depend on how many there are.
    assert judged_large <= 2.5 * judged_small, (judged_small, judged_large)
    assert judged_large <= (2 * st.MAX_CANDIDATES + 8) * large, judged_large
    # The same decisions a comparison of every pair gives: the copies are one story, the
    # lookalikes (no two the same event) each a story of its own.
    if kind == "copies":
        assert len(set(stories_large.values())) == 1
    else:
        assert len(set(stories_large.values())) == large


def test_copies_arriving_in_any_order_are_one_story(tmp_path):
    """The representative changes each time an earlier copy arrives; the story is the same."""
    records = flood(200, "copies", seed=5)
    index = st.StoryIndex(tmp_path)
    for article_id, article in records:
        index.add(article, article_id, article.content_hash)
    index.save()
    stories = {story for _, story, _ in index.store.assignments()}
    first = min((st.make_entry(a, aid, "") for aid, a in records), key=lambda e: e.rank_key())
    assert stories == {st.group_id("s-", [first])}
    index.close()
