"""Article ids by content hash depend only on what the reader read, never on entity recognition.

A seed article has no URL and no source id, so its id is a hash. When that hash covered the
entities, indexing with and without `--no-entities` (or with another recogniser, or a new alias
table) gave the same article two different ids.
"""
from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from index.article import Article
from newsearch.indexing import index_paths
from search.backends.whoosh.store import open_index
from tests.corpus import bump_mtime

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


def _ids(index_dir: Path) -> set[str]:
    with open_index(index_dir).searcher() as searcher:
        return {fields["id"] for fields in searcher.all_stored_fields()}


def test_hash_id_ignores_entities_but_not_the_text():
    article = Article(title="Talks in Hanoi", body="Officials met in Hanoi.", date=datetime(2019, 2, 23),
                      source="Reuters")
    before = article.id
    article.entities = {"place": ["Hanoi", "Vietnam"], "person": ["Kim Jong Un"]}
    assert article.id == before
    assert article.id.startswith("sha256:")
    for change in ({"title": "Talks in Seoul"}, {"body": "Officials met in Seoul."},
                   {"date": datetime(2019, 2, 24)}, {"source": "AP"}):
        other = Article(**{"title": "Talks in Hanoi", "body": "Officials met in Hanoi.",
                           "date": datetime(2019, 2, 23), "source": "Reuters"} | change)
        assert other.id != before, change


def test_seed_ids_are_the_same_with_and_without_entities_and_across_runs(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    plain, annotated = tmp_path / "plain", tmp_path / "annotated"
    index_paths([seeds], plain, entities=False, show_progress=False)
    summary = index_paths([seeds], annotated, entities=True, show_progress=False)
    assert summary.added == 2
    ids = _ids(plain)
    assert len(ids) == 2 and all(i.startswith("sha256:") for i in ids)
    assert _ids(annotated) == ids
    # The files re-read (touched) into the entity-less index, now with entities: the same
    # articles, not two new ones beside two deleted ones.
    for path in seeds.iterdir():
        bump_mtime(path)
    again = index_paths([seeds], plain, entities=True, show_progress=False)
    assert (again.files_read, again.added, again.failed) == (2, 0, 0)
    assert _ids(plain) == ids
