"""The index run's language step: every article of a batch gets its language, in place.

What a reader put in `article.language` (the source's declaration, or None) is the hint; the file
an article came from is its group (`index.language.detect_languages`: a file's main language
settles its short and unsure texts). Afterwards `article.language` is an ISO 639-1 code or "und".
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from index.article import Article
from index.language import SAMPLE_CHARS, detect_languages
from index.language_codes import UNDETERMINED, normalise_language

# Articles detected in one call at most about this many: a file of a million records (one batch)
# would otherwise be sampled, joined and encoded all at once (gigabytes), and a file is cut into
# near-equal parts of about this size.
DETECT_CHUNK = 4096


def set_languages(files: Sequence[list[Article]], detect: bool = True) -> None:
    """Set the language of every article of `files` (each a file's articles, in order).

    `detect=False` skips the detector (for measuring what it costs): the declaration, else "und".
    """
    if not detect:
        for read in files:
            for article in read:
                article.language = normalise_language(article.language) or UNDETERMINED
        return
    call: list[tuple[tuple[int, int], list[Article]]] = []
    for group, part in _parts(files):
        call.append((group, part))
        if sum(len(articles) for _, articles in call) >= DETECT_CHUNK:
            _detect(call)
            call = []
    _detect(call)


def _parts(files: Sequence[list[Article]]) -> Iterable[tuple[tuple[int, int], list[Article]]]:
    """Each file's articles in near-equal parts of about DETECT_CHUNK, each part its own group,
    (file, part). A part depends only on its file, so every article's language does too, whatever
    else its batch holds: the same answers in a re-run, with --part K/N or other files around."""
    for number, read in enumerate(files):
        parts = max(1, round(len(read) / DETECT_CHUNK))
        size = max(1, -(-len(read) // parts))
        for first in range(0, len(read), size):
            yield (number, first // size), read[first:first + size]


def _detect(call: list[tuple[tuple[int, int], list[Article]]]) -> None:
    """The languages of the articles of `call`'s parts, detected in one batch (in place)."""
    articles = [article for _, part in call for article in part]
    if not articles:
        return
    # The detector reads the first SAMPLE_CHARS characters: title, then body (a title made from
    # the lede would only repeat it).
    texts = [article.body[:SAMPLE_CHARS] if article.title_derived
             else f"{article.title}\n\n{article.body[:SAMPLE_CHARS]}" for article in articles]
    groups = [group for group, part in call for _ in part]
    for article, code in zip(articles, detect_languages(texts, [a.language for a in articles], groups)):
        article.language = code
