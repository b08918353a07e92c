"""The did-you-mean vocabulary: every word as written in the articles, with its article count.

Why a side table and not Whoosh: Whoosh keeps the unstemmed words for spelling as a second
indexed field, a posting per distinct word per article. That doubled the postings written and
was about a third of all indexing work, for a lookup that needs only word -> count. So the
indexer counts words in memory (`VocabularyCounter`) and adds the counts to `vocabulary.sqlite`
beside the index just before each Whoosh commit; the search engine loads it into a dict
(`load_vocabulary`) for `search.spelling.Speller`.

The counts are approximate, which is all suggestions need (the engine offers a correction only
when the corrected query really finds more articles): they are not lowered when an article is
deleted or replaced, and a run killed between this write and the Whoosh commit counts that
commit's articles again when the next run re-reads their files.
"""
from __future__ import annotations

import logging
import sqlite3
from collections import Counter
from pathlib import Path

VOCABULARY_FILE = "vocabulary.sqlite"
BUSY_TIMEOUT_S = 30.0  # a search may be reading while an index run writes, or the reverse

log = logging.getLogger("newsearch.vocabulary")


class VocabularyCounter:
    """Counts, per word, the articles that use it, until `save` adds them to the table."""

    def __init__(self, analyzer) -> None:
        self.analyzer = analyzer
        self.counts: Counter[str] = Counter()

    def add(self, *texts: str) -> None:
        """One article's texts: each distinct unstemmed, unstopped word counts once."""
        words: set[str] = set()
        for text in texts:
            if text:
                words |= self.analyzer.spelling_words(text)
        self.counts.update(words)

    def save(self, index_dir: Path) -> None:
        if not self.counts:
            return
        db = sqlite3.connect(Path(index_dir) / VOCABULARY_FILE, timeout=BUSY_TIMEOUT_S)
        try:
            db.execute("CREATE TABLE IF NOT EXISTS vocabulary (word TEXT PRIMARY KEY, articles INTEGER NOT NULL)")
            with db:
                db.executemany(
                    "INSERT INTO vocabulary (word, articles) VALUES (?, ?) "
                    "ON CONFLICT (word) DO UPDATE SET articles = articles + excluded.articles",
                    self.counts.items())
        finally:
            db.close()
        self.counts.clear()


def load_vocabulary(index_dir: Path) -> dict[str, int]:
    """word -> number of articles using it; empty (suggestions off) if there is none or it is unreadable."""
    path = Path(index_dir) / VOCABULARY_FILE
    if not path.exists():
        return {}
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
        try:
            return dict(db.execute("SELECT word, articles FROM vocabulary"))
        finally:
            db.close()
    except sqlite3.Error as exc:
        log.warning("no spelling suggestions: cannot read %s: %s", path, exc)
        return {}
