"""The did-you-mean vocabulary kept beside the index (search/backends/whoosh/spelling.py), end to end."""
from __future__ import annotations

import json
from pathlib import Path

from newsearch.indexing import index_paths
from search.backends.whoosh.spelling import VOCABULARY_FILE, load_vocabulary
from search import Engine

from .conftest import SEEDS


def index(paths, index_dir: Path):
    return index_paths(paths, index_dir, entities=False, show_progress=False)


def test_seeds_vocabulary_counts_words_as_written_per_article(tmp_path):
    index([SEEDS], tmp_path / "ix")
    vocabulary = load_vocabulary(tmp_path / "ix")
    assert vocabulary["summit"] >= 1 or vocabulary["summits"] >= 1
    assert "the" not in vocabulary                                 # stop words are never suggested
    assert all(word == word.lower() for word in vocabulary)        # folded, as typed queries are
    assert max(vocabulary.values()) <= 2                           # per article, not per occurrence


def test_new_articles_add_to_counts_and_suggestions_follow(tmp_path):
    ix = tmp_path / "ix"
    first = tmp_path / "a.jsonl"
    first.write_text(json.dumps({"url": "http://x/1", "title": "Coffee prices", "body": "Coffee rose."}) + "\n")
    index([first], ix)
    assert load_vocabulary(ix)["coffee"] == 1
    second = tmp_path / "b.jsonl"
    second.write_text("".join(json.dumps({"url": f"http://x/b{i}", "title": "Cocoa", "body": "Coffee and cocoa."}) + "\n"
                              for i in range(3)))
    index([second], ix)
    assert load_vocabulary(ix)["coffee"] == 4
    engine = Engine(ix)
    assert engine.search("cofee").suggestion == "coffee"


def test_missing_or_unreadable_vocabulary_only_turns_suggestions_off(tmp_path):
    ix = tmp_path / "ix"
    index([SEEDS], ix)
    (ix / VOCABULARY_FILE).write_bytes(b"this is not a database")
    assert load_vocabulary(ix) == {}
    results = Engine(ix).search("sumit")
    assert results.suggestion is None and results.total == 0
    (ix / VOCABULARY_FILE).unlink()
    assert load_vocabulary(ix) == {}
