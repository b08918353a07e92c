"""bench/stories_archive.py: story sizes and TOPICS agreement on Reuters-21578, from an article id
-> story id mapping (the figures issue 19 judges stories by)."""
from __future__ import annotations

from bench.stories_archive import figures_from_assignments, reuters_meta, size_class, story_figures


def test_size_classes():
    assert [size_class(n) for n in (1, 2, 5, 6, 20, 21, 300)] == ["1", "2-5", "2-5", "6-20", "6-20", "21+", "21+"]


def test_agreement_per_class_from_known_topics(reuters_dir, tmp_path):
    meta = reuters_meta(reuters_dir)
    coded = sorted((aid for aid, (topics, _, _) in meta.items() if topics), key=lambda a: int(a.split(":")[1]))
    by_topic: dict[str, list[str]] = {}
    for aid in coded:
        if len(meta[aid][0]) == 1:
            by_topic.setdefault(next(iter(meta[aid][0])), []).append(aid)
    earn, acq = by_topic["earn"][:30], by_topic["acq"][:3]
    assignments = {aid: "s-earn" for aid in earn}            # 30 articles sharing "earn": class 21+
    assignments.update({aid: "s-mixed" for aid in acq})       # 3 "acq"...
    assignments[earn[-1]] = "s-mixed"                         # ... and one "earn": 3 of 6 pairs agree
    assignments.update({aid: f"s-{aid}" for aid in coded[:50] if aid not in assignments})
    figures = figures_from_assignments(assignments, reuters_dir)
    assert figures["largest_sizes"][:2] == [29, 4]
    assert figures["classes"]["21+"] == {"stories": 1, "articles": 29, "pairs": 406, "shared": 406, "agreement": 1.0}
    assert figures["classes"]["2-5"]["pairs"] == 6 and figures["classes"]["2-5"]["agreement"] == 0.5
    assert figures["classes"]["6-20"]["agreement"] is None
    assert figures["stories_10_or_more"] == 1 and figures["articles_in_stories_10_or_more"] == 29
    assert 0 < figures["random_pair_agreement"] < 1


def test_story_figures_of_an_index_without_stories(tmp_path, reuters_dir):
    import pytest

    with pytest.raises(ValueError, match="no stories"):
        story_figures(tmp_path, reuters_dir)
