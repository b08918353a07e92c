"""Atom 1.0 feeds of searches: every search's newest matching articles, so a feed reader is an
alert ("tell me when new articles match").

Built with ElementTree, so titles and summaries with markup characters cannot break the XML,
and every text and attribute goes through `web.xmltext.xml_text`, so neither can the control
characters XML 1.0 forbids (a \x01 in a title, a %01 in the query).
Summaries are plain text (the snippet without its <mark>s); each entry's id is the absolute URL
of its article page here, which stays the same for the article as long as its id does (RFC 4287
asks for ids that never change and are never reused).
"""
from __future__ import annotations

import html
import re
from datetime import datetime, timezone
from xml.etree import ElementTree as ET

from index.article import ENTITY_TYPES
from index.language_codes import UNDETERMINED
from search import SearchResults
from web.xmltext import xml_text

ATOM = "http://www.w3.org/2005/Atom"
DUBLIN_CORE = "http://purl.org/dc/elements/1.1/"  # dc:language, which feed readers and archivers read
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
FEED_ENTRIES = 50
STYLESHEET_PI = b'<?xml-stylesheet type="text/css" href="/static/feed.css"?>'
_TAG = re.compile(r"<[^>]+>")


def plain_text(snippet_html: str) -> str:
    """A snippet's safe HTML (escaped text and <mark>s) as plain text."""
    return html.unescape(_TAG.sub("", snippet_html)).strip()


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def atom_feed(results: SearchResults, *, title: str, feed_url: str, page_url: str, article_url,
              now: datetime | None = None) -> bytes:
    """The feed document. `article_url(hit)` gives an absolute article-page URL; an undated
    article's `updated` is `now` (Atom requires one)."""
    now = now or datetime.now(timezone.utc)
    ET.register_namespace("", ATOM)
    ET.register_namespace("dc", DUBLIN_CORE)

    def sub(parent, tag: str, text: str | None = None, **attrs: str):
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {name: xml_text(value) for name, value in attrs.items()})
        if text is not None:
            element.text = xml_text(text)
        return element

    feed = ET.Element(f"{{{ATOM}}}feed")
    sub(feed, "title", title)
    sub(feed, "subtitle", f"The {FEED_ENTRIES} newest articles matching this search ({results.total:,} in all)")
    sub(feed, "id", feed_url)
    dates = [hit.date for hit in results.hits if hit.date]
    sub(feed, "updated", _stamp(max(dates) if dates else now))
    sub(feed, "link", rel="self", type="application/atom+xml", href=feed_url)
    sub(feed, "link", rel="alternate", type="text/html", href=page_url)
    author = sub(feed, "author")
    sub(author, "name", "newsearch")
    sub(feed, "generator", "newsearch")
    for hit in results.hits:
        entry = sub(feed, "entry")
        # The entry's language (RFC 4287 §2: xml:lang on any element), so a reader shows and
        # reads it aloud as such; an undetermined one says nothing (the feed's default applies).
        if hit.language and hit.language != UNDETERMINED:
            entry.set(XML_LANG, xml_text(hit.language))
            ET.SubElement(entry, f"{{{DUBLIN_CORE}}}language").text = xml_text(hit.language)
        sub(entry, "title", hit.title or "Untitled article", type="text")
        own = article_url(hit)
        sub(entry, "id", own)
        sub(entry, "updated", _stamp(hit.date or now))
        if hit.date:
            sub(entry, "published", _stamp(hit.date))
        sub(entry, "link", rel="alternate", type="text/html", href=own)
        if hit.url and hit.url.lower().startswith(("http://", "https://")):
            sub(entry, "link", rel="via", href=hit.url)
        if hit.source:
            source_author = sub(entry, "author")
            sub(source_author, "name", hit.source)
        for kind in ENTITY_TYPES:
            for name in hit.entities.get(kind, []):
                sub(entry, "category", term=name, label=f"{kind}: {name}", scheme=f"urn:newsearch:{kind}")
        sub(entry, "summary", plain_text(hit.snippet), type="text")
    document = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    # A browser opening the feed by itself shows it with web/static/feed.css (what it is for, the
    # entries readable) instead of a wall of XML; feed readers ignore the instruction.
    declaration, rest = document.split(b"\n", 1)
    return declaration + b"\n" + STYLESHEET_PI + b"\n" + rest


__all__ = ["atom_feed", "plain_text", "FEED_ENTRIES", "ATOM"]
