"""The did-you-mean vocabulary: every word as written in the articles, with its article count.

Why a side table and not Whoosh: Whoosh keeps the unstemmed words for spelling as a second
indexed field, a posting per distinct word per article. That doubled the postings written and
was about a third of all indexing work, for a lookup that needs only word -> count. So the
indexer counts words in memory (`VocabularyCounter`) and adds the counts to `vocabulary.sqlite`
beside the index just before each Whoosh commit; the search engine loads it into a dict
(`load_vocabulary`) for `Speller`, which finds the candidates that `search.spelling` decides
between.

Whoosh's own corrector is unusable here twice over: it ranks candidates by the *stemmed* field's
frequency (zero for every unstemmed word), and its Levenshtein automaton walks the lexicon of
every segment (~0.5 s per word on a 22-segment Reuters index). Instead candidates are generated
by edits (deletes, transposes, replaces, inserts: ~54 x word length for distance 1), each a dict
lookup; distance 2 is generated only when `search.spelling` asks for it (nothing at distance 1).

Languages: each article's words are counted in its own language (`NewsAnalyzer.spelling_words`):
English words folded and plain, as they always were; another language's lower-cased, with its
mark ("fr\x1félection"), so a query searched in French gets French candidates only, edits drawn
from the letters its French words use (`Speller.alphabet`). A language whose words use more
than MAX_ALPHABET letters (Chinese, Japanese: their pairs are not counted at all) gets none.

The counts are approximate, which is all suggestions need (the engine offers a correction only
when the corrected query really finds more articles): they are not lowered when an article is
deleted or replaced, and a run killed between this write and the Whoosh commit counts that
commit's articles again when the next run re-reads their files.
"""
from __future__ import annotations

import logging
import sqlite3
import string
from collections import Counter
from copy import copy
from pathlib import Path

from search.analysis import DEFAULT_LANGUAGE, analysis_language
from search.backends.whoosh.analysis import SEPARATOR, prefix_of
from search.spelling import best_correction

VOCABULARY_FILE = "vocabulary.sqlite"
BUSY_TIMEOUT_S = 30.0  # a search may be reading while an index run writes, or the reverse

LETTERS = string.ascii_lowercase  # English's edits (its words are folded)
# A language whose vocabulary uses more letters than this is not corrected by edits: each edit
# costs a lookup per letter (Chinese has thousands).
MAX_ALPHABET = 80

log = logging.getLogger("newsearch.vocabulary")


class VocabularyCounter:
    """Counts, per word, the articles that use it, until `save` adds them to the table."""

    def __init__(self, analyzer) -> None:
        self.analyzer = analyzer
        self.counts: Counter[str] = Counter()

    def add(self, *texts: str, language: str | None = None) -> None:
        """One article's texts, in its language: each distinct unstemmed, unstopped word counts once."""
        words: set[str] = set()
        for text in texts:
            if text:
                words |= self.analyzer.spelling_words(text, language)
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


def _edits(word: str, letters: str = LETTERS) -> set[str]:
    """Every string one edit from `word` (deletes, transposes, replaces, inserts)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    transposes = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in letters}
    inserts = {a + c + b for a, b in splits for c in letters}
    return deletes | transposes | replaces | inserts


class Speller:
    """Corrections over one index generation's vocabulary (word -> article count), in the
    analysis languages a query searches (`languages`; English alone by default: `searching`)."""

    def __init__(self, counts: dict[str, int], languages: tuple[str, ...] = (DEFAULT_LANGUAGE,)) -> None:
        self.counts = counts
        self.languages = languages
        self._alphabets: dict[str, str] = {}  # shared by the views of `searching`, filled once

    def searching(self, languages: list[str]) -> "Speller":
        """This vocabulary, corrected in `languages` (codes of articles: "und" is English)."""
        view = copy(self)
        view.languages = tuple(dict.fromkeys(analysis_language(code) for code in languages)) or (DEFAULT_LANGUAGE,)
        return view

    def alphabet(self, language: str) -> str:
        """The letters a language's edits are drawn from: English's a-z; another language's,
        the letters its words use ("" for more than MAX_ALPHABET: no corrections)."""
        if language == DEFAULT_LANGUAGE:
            return LETTERS
        if not self._alphabets:
            seen: dict[str, set[str]] = {}
            for key in self.counts:
                code, separator, word = key.partition(SEPARATOR)
                if separator:
                    seen.setdefault(code, set()).update(word)
            self._alphabets.update({code: "".join(sorted(c for c in chars if c.isalpha()))
                                    for code, chars in seen.items()})
            self._alphabets[DEFAULT_LANGUAGE] = LETTERS  # counted: not filled again
        letters = self._alphabets.get(language, "")
        return letters if len(letters) <= MAX_ALPHABET else ""

    def nearby(self, word: str, edits: int) -> dict[str, int]:
        """The searched languages' words `edits` (1 or 2) edits from `word`, with their counts
        (summed over languages that share a spelling)."""
        out: dict[str, int] = {}
        for language in self.languages:
            letters, prefix = self.alphabet(language), prefix_of(language)
            if not letters:
                continue
            found = _edits(word, letters) if edits == 1 else {w2 for w1 in _edits(word, letters)
                                                              for w2 in _edits(w1, letters)}
            for candidate in found:
                n = self.counts.get(prefix + candidate)
                if n:
                    out[candidate] = out.get(candidate, 0) + n
        return out

    def correct(self, word: str) -> str | None:
        """A better spelling of a lower-case `word` in the searched languages, or None if it
        looks meant (the decision is `search.spelling.best_correction`'s)."""
        known = sum(self.counts.get(prefix_of(code) + word, 0) for code in self.languages)
        return best_correction(word, known, lambda edits: self.nearby(word, edits))
