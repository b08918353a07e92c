"""Names known from the archive, found in the text of an article that no model reads.

Why: for most languages there is no spaCy model (index/entities/languages.py), yet a German
article about "Angela Merkel", "Siemens" or "Paris" names the same entities the English
articles of the archive do, spelt the same way. Those names, recognised by a model in other
articles or given by sources as tags, are looked up in the text exactly: word-bounded and
case-sensitive ("Paris" the city, not "paris" a word), the longest known name first at each
position ("Deutsche Bank" before "Deutsche").

Which names may be matched (`matchable`): every name of several words ("Angela Merkel"); a name
of one word only when the archive names it in at least MIN_ONE_WORD_ARTICLES articles and it is
long enough to be no common word of another language: at least MIN_ONE_WORD_LETTERS letters
("Paris", "Merkel", "Bonn"), or an acronym in capitals of at least MIN_ACRONYM letters ("NATO",
"BMW"); a CJK name at least two characters. So "EU", "UN", "Al" or "Mark" is never matched alone:
two-letter acronyms and short words are common words or abbreviations in some language.

Scripts without spaces (Chinese, Japanese; Korean writes particles onto names) have no word
boundaries: a CJK name matches wherever its characters stand; a Latin name beside CJK text
("西门子Siemens公司") is bounded by the change of script.

Cost and memory: the names are grouped by their first word (a CJK name by its first character),
each group longest first; the text is read once, word by word, and only the names of a word's
group are compared there. At most MAX_NAMES names are held (the most mentioned: the caller
chooses them, see corpus.EntityCorpus.known_names). No spaCy import.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from index.entities.canonical import normalise

MIN_ONE_WORD_LETTERS = 4
MIN_ONE_WORD_ARTICLES = 2
MIN_ACRONYM = 3
MIN_CJK = 2
MAX_NAMES = 100_000
MAX_MENTIONS = 500  # per article: a very long text's mentions beyond these add no new facet value
# Han, kana, Hangul, CJK punctuation-free letter ranges (one token per character).
_CJK_RANGES = ("\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f"
               "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff")
_CJK = re.compile(f"[{_CJK_RANGES}]")
# A word: one CJK character, or a run of other letters and digits (with combining marks).
_TOKEN = re.compile(rf"[{_CJK_RANGES}]|[^\W_{_CJK_RANGES}]+")
_PARAGRAPHS = re.compile(r"\n\s*\n")


def _is_cjk(char: str) -> bool:
    return bool(_CJK.match(char))


def _is_word_char(char: str) -> bool:
    return (char.isalnum() or char == "_") and not _is_cjk(char)


def matchable(name: str, articles: int) -> bool:
    """Whether a name named by `articles` articles of the archive may be looked up in text no
    model reads (see the module doc for the rule and why)."""
    letters = sum(c.isalpha() for c in name)
    if letters < 2 or not _TOKEN.match(name):
        return False
    if " " in name:
        return True
    if articles < MIN_ONE_WORD_ARTICLES:
        return False
    if _is_cjk(name[0]):
        return len(name) >= MIN_CJK
    if name.isupper():
        return letters >= MIN_ACRONYM
    return letters >= MIN_ONE_WORD_LETTERS


class KnownNames:
    """The dictionary of known names: `add(name, kind)`, then `find(text)`."""

    def __init__(self, names: Iterable[tuple[str, str]] = (), limit: int = MAX_NAMES) -> None:
        self.limit = limit
        self._groups: dict[str, list[tuple[str, str]]] = {}
        self._names: set[str] = set()
        for name, kind in names:
            self.add(name, kind)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def add(self, name: str, kind: str) -> bool:
        """Add a name (with the kind it is known as); False when it is held already, has no
        word, or the dictionary is full."""
        name = normalise(name)
        first = _TOKEN.match(name)
        if name in self._names or first is None or len(self._names) >= self.limit:
            return False
        group = self._groups.setdefault(first.group(), [])
        group.append((name, kind))
        group.sort(key=lambda item: (-len(item[0]), item[0]))
        self._names.add(name)
        return True

    def find(self, text: str) -> list[list[str]]:
        """[[name, kind], ...]: the known names in `text`, in text order, each occurrence (up to
        MAX_MENTIONS), the longest name at each position; matches never overlap."""
        found: list[list[str]] = []
        if not self._names:
            return found
        for paragraph in _PARAGRAPHS.split(text):
            paragraph = normalise(paragraph)  # the names are normalised: straight quotes, one space
            end = 0
            for token in _TOKEN.finditer(paragraph):
                start = token.start()
                if start < end:
                    continue
                for name, kind in self._groups.get(token.group(), ()):
                    stop = start + len(name)
                    if paragraph.startswith(name, start) and (
                            stop == len(paragraph) or _is_cjk(name[-1]) or not _is_word_char(name[-1])
                            or not _is_word_char(paragraph[stop])):
                        found.append([name, kind])
                        end = stop
                        break
                if len(found) >= MAX_MENTIONS:
                    return found
        return found


__all__ = ["KnownNames", "MAX_NAMES", "matchable"]
