"""The story grouping in its own process (index/story_process.py): the same stories as in the
indexing process, failures reported before the index commit, nothing left after kill -9."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from index.article import Article
from index.stories import StoryIndex
from index.story_process import StoryGroupingError, StoryProcess
from tests.corpus import REPO


def _articles(reuters_dir) -> list[Article]:
    from index.readers import ReadOptions, read_file

    path = reuters_dir / "reut2-004.sgm.gz"
    if not path.exists():
        pytest.skip("Reuters-21578 not available")
    return [a for a in read_file(path, ReadOptions(), "reuters") if isinstance(a, Article)]


def _rows(folder) -> list[tuple]:
    conn = sqlite3.connect(folder / "stories.sqlite")
    try:
        return list(conn.execute("SELECT id, link, level, story, dup, shingles, words, n_shingles, n_words "
                                 "FROM article ORDER BY id"))
    finally:
        conn.close()


def test_same_stories_and_changes_as_in_process(reuters_dir, tmp_path):
    articles = _articles(reuters_dir)
    here, there = StoryIndex(tmp_path / "here"), StoryProcess(tmp_path / "there")
    for grouping in (here, there):
        for n, article in enumerate(articles):
            grouping.add(article, article.id, article.content_hash)
            if n == 400:  # a commit midway, as a run makes them
                grouping.save()
                first = grouping.take_changes()
                assert len(first) >= 401
        grouping.save()
        grouping.close()
    assert _rows(tmp_path / "here") == _rows(tmp_path / "there")
    # A second run over the same articles (unchanged) and a changed one, in the child.
    again = StoryProcess(tmp_path / "there")
    for article in articles[:50]:
        again.add(article, article.id, article.content_hash)
    changed = articles[60]
    again.add(Article(title=changed.title, body=changed.body + " Corrected.", date=changed.date,
                      entities=changed.entities), changed.id, "changed")
    again.save()
    changes = again.take_changes()
    assert again.story_of(changed.id) is None  # not known at write time in this mode
    again.close()
    assert set(changes) >= {a.id for a in articles[:50]} | {changed.id}


def test_unsaved_work_is_dropped_on_close(tmp_path):
    grouping = StoryProcess(tmp_path)
    grouping.add(Article(title="Oil", body="Oil prices rose on Monday."), "a", "h")
    grouping.close()
    grouping.close()  # twice is fine
    assert _rows(tmp_path) == []


def test_a_failure_in_the_child_stops_the_save(tmp_path, monkeypatch):
    def broken(self, article, article_id, content_hash):
        raise ValueError("boom")

    monkeypatch.setattr(StoryIndex, "add", broken)  # inherited by the forked child
    grouping = StoryProcess(tmp_path)
    grouping.add(Article(title="Oil", body="Oil prices rose."), "a", "h")
    with pytest.raises(StoryGroupingError, match="boom"):
        grouping.save()
    grouping.close()


_RUN = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[2])
    from index.article import Article
    from index.story_process import StoryProcess
    grouping = StoryProcess(Path(sys.argv[1]))
    grouping.add(Article(title="Oil", body="Oil prices rose on Monday."), "a", "h")
    grouping.save()
    grouping.add(Article(title="Gold", body="Gold fell."), "b", "h")
    print("CHILD", grouping._process.pid, flush=True)
    time.sleep(60)
""")


def test_kill_9_of_the_run_ends_the_grouping_process(tmp_path):
    run = subprocess.Popen([sys.executable, "-c", _RUN, str(tmp_path), str(REPO)], stdout=subprocess.PIPE,
                           text=True, cwd=REPO)
    try:
        line = run.stdout.readline()
        assert line.startswith("CHILD"), line
        child = int(line.split()[1])
        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and _alive(child):
            time.sleep(0.05)
        alive = _alive(child)
        if alive:
            os.kill(child, signal.SIGKILL)
        assert not alive, "the grouping process outlived the run"
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    # What was saved is there, the rest is not, and the store takes writes at once.
    assert [row[0] for row in _rows(tmp_path)] == ["a"]
    again = StoryIndex(tmp_path)
    again.add(Article(title="Gold", body="Gold fell."), "b", "h")
    again.save()
    again.close()
    assert [row[0] for row in _rows(tmp_path)] == ["a", "b"]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return False
