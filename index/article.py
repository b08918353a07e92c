"""The one record that flows through the pipeline: reader -> entities -> index -> search.

Readers fill what their source gives; everything derived (id, content hash) is computed here
so that every reader agrees on what "the same article" means.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

ENTITY_TYPES = ("person", "org", "place")
# The article's text fields: what plain query words search, and what both backends index as text.
TEXT_FIELDS = ("title", "body")
# What a search can be narrowed by and counted by (facets, filters, `field:value` in a query, URL
# and command-line parameters): the entity types, the source and the language (ISO 639-1, "und"
# when undetermined: index/language.py). Defined here, at the bottom of
# the stack, so every layer (both backends' schemas, the query language, the request, the page)
# imports the one list.
FACET_KINDS = ENTITY_TYPES + ("source", "language")
# How far after today an article's date may lie. A news archive holds nothing from the future:
# a later date is a typo or a placeholder (9999-12-31), and one such date stretched the trends
# chart over eight thousand years (issue 23). A year's margin keeps embargoed and scheduled
# items and any clock or time-zone skew. Readers leave such an article undated (with a warning);
# search code that needs the same bound imports it from here.
FUTURE_DATE_MARGIN = timedelta(days=366)


def latest_plausible_date(now: datetime | None = None) -> datetime:
    """The latest publication date an article may have: `FUTURE_DATE_MARGIN` after `now` (UTC)."""
    return (now or datetime.now(timezone.utc)) + FUTURE_DATE_MARGIN


@dataclass
class Article:
    """A news article as read from a file, before or after entity recognition.

    `entities` maps an entity type ("person", "org", "place") to display names. Readers put there
    what the source itself tags (Reuters PLACES, JSON fields, JSON-LD `about`); the entities stage
    merges recognised names in and canonicalises all of them.

    `language`: readers put there what the source declares, as ISO 639-1
    (`index.language_codes.normalise_language`), or None; the index run then replaces it with the
    detected language (`index.language.detect_languages`, the declaration as a hint), so from
    entity recognition on it is always an ISO 639-1 code or "und" (undetermined).
    """

    title: str
    body: str
    date: datetime | None = None
    url: str | None = None
    source: str | None = None
    authors: list[str] = field(default_factory=list)
    language: str | None = None
    entities: dict[str, list[str]] = field(default_factory=dict)
    path: str = ""
    # Where in `path` the article came from ("line 12", "NEWID 17"), for error messages.
    location: str | None = None
    # An identifier the source itself assigns when it has no URL (e.g. Reuters NEWID). Two
    # different articles with identical text must stay two documents, so such ids win over hashes.
    source_id: str | None = None
    # True when the source gave no title and the reader made one from the lede (seed and plain
    # text files, JSON/CSV records and pages without one). It is shown like a title, but it is
    # not an editor's headline: the backends rank such an article by its body alone.
    title_derived: bool = False

    def __post_init__(self) -> None:
        if self.date is not None and self.date.tzinfo is None:
            # Sources without a zone are taken as UTC so that every date compares with every other.
            self.date = self.date.replace(tzinfo=timezone.utc)

    @property
    def id(self) -> str:
        """Stable across re-reads: the URL, else the source's own id, else the source hash.

        Never the content hash: that one covers entities, which entity recognition fills in
        later, so the same article would get one id with `--no-entities` and another without.
        """
        if self.url:
            return self.url
        if self.source_id:
            return self.source_id
        return "sha256:" + self.source_hash[:32]

    @property
    def source_hash(self) -> str:
        """Hash of the text a reader read that makes an article this article: title, body,
        date, source. Nothing derived later (entities, canonical names) goes in, so an id made
        from it is the same whichever recogniser ran, or none."""
        h = hashlib.sha256()
        for part in (self.title, self.body, self.date.isoformat() if self.date else "", self.source or ""):
            h.update(part.encode("utf-8", "surrogatepass"))
            h.update(b"\x00")
        return h.hexdigest()

    def record(self, article_id: str, file_key: str, content_hash: str) -> dict:
        """The fields every storage backend keeps for this article, in plain Python types: the
        backends only convert them to their own (dates, keyword lists). Names are whitespace-
        collapsed and each entity listed once; absent values are left out."""
        def clean(name: str) -> str:
            return " ".join(name.split())

        record: dict = {"id": article_id, "title": self.title, "body": self.body, "path": self.path,
                        "file_key": file_key, "content_hash": content_hash, "authors": list(self.authors)}
        if self.title_derived:
            record["title_derived"] = True
        if self.url:
            record["url"] = self.url
        if self.date is not None:
            record["date"] = self.date
        if self.source and clean(self.source):
            record["source"] = clean(self.source)
        if self.language:
            record["language"] = self.language
        for kind in ENTITY_TYPES:
            names = list(dict.fromkeys(clean(n) for n in self.entities.get(kind, ()) if n.strip()))
            if names:
                record[kind] = names
        return record

    @property
    def content_hash(self) -> str:
        """Hash of everything a reader extracted; a change here means the stored version is stale."""
        h = hashlib.sha256()
        for part in (
            self.title,
            self.body,
            self.date.isoformat() if self.date else "",
            self.url or "",
            self.source or "",
            "|".join(self.authors),
            self.language or "",
            repr(sorted((k, sorted(v)) for k, v in self.entities.items())),
        ):
            h.update(part.encode("utf-8", "surrogatepass"))
            h.update(b"\x00")
        return h.hexdigest()

    @property
    def text_hash(self) -> str:
        """Hash of the text that entity recognition reads; the NER cache is keyed by it."""
        return hashlib.sha256(f"{self.title}\n\n{self.body}".encode("utf-8", "surrogatepass")).hexdigest()
