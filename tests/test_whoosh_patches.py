"""Our Whoosh patches must write exactly what Whoosh writes, only faster."""
from __future__ import annotations

from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.codec import whoosh3

import search.backends.whoosh.internals as patches
from index.readers import read_file
from index.readers.base import Problem
from search.backends.whoosh.schema import article_to_document, build_schema

from .conftest import SEEDS


def segment_files(index_dir: Path) -> dict[str, bytes]:
    """The files inside the index's one compound segment, by name without the segment's id."""
    ix = whoosh_index.open_dir(str(index_dir))
    (segment,) = ix._segments()
    storage = segment.open_compound_file(ix.storage)
    files = {name.replace(segment.segment_id(), "SEGMENT"): storage.open_file(name).read()
             for name in storage.list()}
    ix.close()
    return files


def write_segment(index_dir: Path, docs: list[dict], add_postings) -> dict[str, bytes]:
    saved = whoosh3.W3FieldWriter.add_postings
    whoosh3.W3FieldWriter.add_postings = add_postings
    try:
        ix = whoosh_index.create_in(str(index_dir), build_schema())
        writer = ix.writer()
        for doc in docs:
            writer.add_document(**doc)
        writer.commit()
    finally:
        whoosh3.W3FieldWriter.add_postings = saved
    return segment_files(index_dir)


def documents(paths) -> list[dict]:
    return [article_to_document(a, "key", a.content_hash) for p in paths for a in read_file(p)
            if not isinstance(a, Problem)]


def assert_same_segment(tmp_path: Path, docs: list[dict]) -> None:
    (tmp_path / "whoosh").mkdir()
    (tmp_path / "ours").mkdir()
    theirs = write_segment(tmp_path / "whoosh", docs, patches._original_add_postings)
    ours = write_segment(tmp_path / "ours", docs, patches._add_postings)
    assert set(ours) == set(theirs)
    assert any(name.endswith(".pst") for name in ours)
    for name in ours:
        assert ours[name] == theirs[name], f"{name} differs"


def test_postings_writer_writes_whoosh_bytes_for_the_seeds(tmp_path):
    assert patches._add_postings is whoosh3.W3FieldWriter.add_postings  # the patch is in force
    assert_same_segment(tmp_path, documents(sorted(SEEDS.iterdir())))


def test_postings_writer_writes_whoosh_bytes_for_reuters(tmp_path, reuters_dir):
    docs = documents(sorted(reuters_dir.glob("reut2-*.sgm.gz"))[:2])
    assert len(docs) > 1500
    assert_same_segment(tmp_path, docs)
