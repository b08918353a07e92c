"""HTML pages saved from news sites: main text via trafilatura, metadata from the page's own tags.

Main text: trafilatura (boilerplate such as navigation, related links and comments removed; the
text of links inside paragraphs kept, because names in news copy are very often links; the
project's first seed article lost every linked name to a scraper that read only the strings
directly inside `<p>`). When trafilatura finds nothing (short or unusual pages), a BeautifulSoup
fallback joins `get_text()` of the paragraph-like blocks of `<article>`/`<main>`/`<body>`.

Metadata comes from what the publisher declares (JSON-LD, Open Graph, `<meta>`, `<time>`,
`<link rel=canonical>`), read with lxml, in the order of trust listed in each helper below.
"""
from __future__ import annotations

import codecs
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TypedDict
from urllib.parse import urljoin, urlparse

import lxml.html
import trafilatura
from bs4 import BeautifulSoup

from index.article import Article
from index.language_codes import normalise_language
from index.readers.base import PAGE_READ_BYTES, Problem, parse_date
from index.readers.publisher import publisher_name
from index.readers.records import split_authors
from index.readers.seed import derive_title, normalise_paragraphs, trim_title

# One article a page: its first bytes are all it can keep (see `index.readers.read_file`).
READ_BYTES = PAGE_READ_BYTES
# Settings chosen on the extraction benchmark (bench/extraction.py): comments are not the article,
# and favouring precision removes more leftover boilerplate at almost no cost in recall.


class _ExtractSettings(TypedDict):
    """The keyword arguments of `trafilatura.extract` this reader sets."""

    include_comments: bool
    favor_precision: bool
    include_tables: bool
    deduplicate: bool
    output_format: str


TRAFILATURA_SETTINGS: _ExtractSettings = {"include_comments": False, "favor_precision": True, "include_tables": True,
                                          "deduplicate": False, "output_format": "txt"}
# trafilatura (and htmldate, which it calls) log their own decisions at warning and error level:
# "discarding data: None" for every page whose text they do not find (deeply nested markup, very
# short pages), "empty HTML tree", ... Each is a step this reader already handles: the
# BeautifulSoup fallback reads the page, and a page with no text at all is a Problem with its
# path. Printed, they were noise without a file name, so they are not logged.
for _library in ("trafilatura", "htmldate", "courlan"):
    logging.getLogger(_library).setLevel(logging.CRITICAL)
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
_URL_DATE = re.compile(r"/((?:19|20)\d\d)[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?:/|[-_.]|$)")
_URL_DATE_NAMED = re.compile(r"/((?:19|20)\d\d)/(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*/"
                             r"(0?[1-9]|[12]\d|3[01])/", re.I)
_DECLARED_CHARSET = re.compile(r"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:·•»]{1,2}\s+")
_ARTICLE_TYPES = ("NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting",
                  "OpinionNewsArticle", "Report", "LiveBlogPosting", "WebPage")
_ENTITY_TYPES = {
    "person": ("Person",),
    "org": ("Organization", "Corporation", "NewsMediaOrganization", "GovernmentOrganization",
            "EducationalOrganization", "NGO", "SportsTeam", "SportsOrganization", "PoliticalParty"),
    "place": ("Place", "Country", "City", "State", "AdministrativeArea", "Continent", "Landform",
              "TouristAttraction", "LandmarksOrHistoricalBuildings"),
}
_META_DATES = ("article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate",
               "publish-date", "publish_date", "date", "dc.date.issued", "dc.date", "dcterms.created",
               "sailthru.date", "parsely-pub-date", "article.published", "original-publish-date")
_FALLBACK_BLOCKS = ["p", "h2", "h3", "h4", "blockquote", "pre", "li"]
_FALLBACK_DROP = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe",
                  "svg", "button", "template"]


def main_text(html: str) -> str:
    """The article text, paragraphs separated by blank lines; "" when there is none."""
    try:
        extracted = trafilatura.extract(html, **TRAFILATURA_SETTINGS)
    except Exception:  # trafilatura on hostile markup: fall back rather than lose the page
        extracted = None
    if extracted and extracted.strip():
        # trafilatura's txt output puts one block (paragraph, heading, list item) per line.
        return normalise_paragraphs(extracted.replace("\n", "\n\n"))
    return fallback_text(html)


def fallback_text(html: str) -> str:
    """BeautifulSoup reading: `get_text()` of whole blocks, so link text is never lost."""
    soup = BeautifulSoup(html, "lxml")
    for tag in soup.find_all(_FALLBACK_DROP):
        tag.decompose()
    container = soup.find("article") or soup.find("main") or soup.body or soup
    blocks = [b for b in container.find_all(_FALLBACK_BLOCKS)
              if not b.find_parent(_FALLBACK_BLOCKS)]  # a <p> inside an <li> is read once
    texts = [" ".join(b.get_text().split()) for b in blocks] if blocks else container.get_text("\n").split("\n")
    return normalise_paragraphs("\n\n".join(t for t in texts if t.strip()))


def encoding(raw: bytes) -> str | None:
    """The charset a page declares in its `<meta>` (the registry decodes with it when the bytes
    are not UTF-8), so a windows-1252 page is not mis-guessed (à read as ŕ). Browsers read
    "iso-8859-1" as windows-1252, and so do we."""
    declared = _DECLARED_CHARSET.search(raw[:8192].decode("ascii", "replace"))
    if not declared:
        return None
    try:
        codec = codecs.lookup(declared.group(1)).name
    except LookupError:
        return None
    return "cp1252" if codec in ("latin-1", "iso8859-1") else codec


def _parse_tree(html: str) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.document_fromstring(_XML_DECLARATION.sub("", html, count=1))
    except (ValueError, lxml.etree.ParserError):
        return None


def _iter_jsonld(value: object) -> Iterator[dict]:
    """Every object in a JSON-LD value: lists flattened, `@graph`s opened."""
    if isinstance(value, list):
        for item in value:
            yield from _iter_jsonld(item)
    elif isinstance(value, dict):
        yield value
        if "@graph" in value:
            yield from _iter_jsonld(value["@graph"])


def jsonld_objects(tree: lxml.html.HtmlElement) -> list[dict]:
    """All JSON-LD objects on the page; a script that is not valid JSON is ignored."""
    objects: list[dict] = []
    for script in tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        raw = (script.text or "").strip().rstrip(";")
        try:
            objects.extend(_iter_jsonld(json.loads(raw, strict=False)))
        except (ValueError, RecursionError):  # RecursionError: nested thousands deep; not metadata
            continue
    return objects


def _types(obj: dict) -> list[str]:
    value = obj.get("@type", [])
    values = value if isinstance(value, list) else [value]
    return [v.rsplit("/", 1)[-1] for v in values if isinstance(v, str)]


def _article_object(objects: list[dict]) -> dict:
    """The JSON-LD object describing the article: an *Article type first, else a WebPage."""
    for wanted in _ARTICLE_TYPES:
        for obj in objects:
            if wanted in _types(obj):
                return obj
    return next((o for o in objects if "headline" in o or "datePublished" in o), {})


def _names(value: object) -> list[str]:
    """Names from a JSON-LD person/organisation value: a string, an object, or a list of them."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        return _names(name) if isinstance(name, (str, list)) else []
    if isinstance(value, list):
        return [n for item in value for n in _names(item)]
    return []


def _meta(tree: lxml.html.HtmlElement) -> dict[str, str]:
    """`<meta>` values by lower-cased name/property/itemprop; the first occurrence wins."""
    metas: dict[str, str] = {}
    for tag in tree.iter("meta"):
        content = tag.get("content")
        if content is None or not content.strip():
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = tag.get(attr)
            if key:
                metas.setdefault(key.strip().lower(), content.strip())
    return metas


def _strip_site_name(title: str, site_names: list[str]) -> str:
    """"Headline - Site" / "Headline | Site" (or "Site | Headline") without the site's name."""
    keys = {re.sub(r"\W+", "", s).lower() for s in site_names if s}
    keys.discard("")
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2 or not keys:
        return title
    if re.sub(r"\W+", "", parts[-1]).lower() in keys:
        return title[: title.rfind(parts[-1])].rstrip(" |-–—:·•»")
    if re.sub(r"\W+", "", parts[0]).lower() in keys:
        return title[len(parts[0]):].lstrip(" |-–—:·•»")
    return title


def _site_keys(source: str | None, url: str | None) -> list[str]:
    names = [source] if source else []
    if url:
        host = urlparse(url).hostname or ""
        labels = [label for label in host.split(".") if label not in ("www", "m", "amp")]
        if len(labels) >= 2:
            names += [labels[-2], ".".join(labels[-2:])]
    return names


def _find_url(tree: lxml.html.HtmlElement, metas: dict[str, str], article: dict) -> str | None:
    base = next(iter(tree.xpath("//base/@href")), None)
    candidates = [*tree.xpath('//link[contains(concat(" ", normalize-space(@rel), " "), " canonical ")]/@href'),
                  metas.get("og:url")]
    main_entity = article.get("mainEntityOfPage")
    candidates += [article.get("url"), main_entity.get("@id") if isinstance(main_entity, dict) else main_entity]
    absolute_base = next((c for c in candidates if isinstance(c, str) and c.startswith(("http://", "https://"))),
                         base)
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            url = urljoin(absolute_base or "", candidate.strip())
            if url.startswith(("http://", "https://")):
                return url
    return None


def _date_candidates(tree: lxml.html.HtmlElement, metas: dict[str, str], article: dict,
                     url: str | None) -> list[str | int | float]:
    """Publication dates, most trusted first; the URL's /YYYY/MM/DD/ comes last. Strings, or
    the numbers (Unix timestamps) a JSON-LD `datePublished` may hold: `parse_date` reads both."""
    candidates = [article.get("datePublished"), *(metas.get(k) for k in _META_DATES)]
    candidates += tree.xpath("//time/@datetime")[:1]
    for pattern in (_URL_DATE, _URL_DATE_NAMED):
        match = pattern.search(urlparse(url).path) if url else None
        if match:
            candidates.append(" ".join(match.groups()))
            break
    return [c for c in candidates if isinstance(c, (str, int, float)) and str(c).strip()]


def _entities(article: dict) -> dict[str, list[str]]:
    """Typed names from JSON-LD `about`/`mentions`; untyped strings say nothing about kind: skipped."""
    entities: dict[str, list[str]] = {}
    for key in ("about", "mentions"):
        for obj in _iter_jsonld(article.get(key)):
            kind = next((k for k, types in _ENTITY_TYPES.items() if set(types) & set(_types(obj))), None)
            if kind is None:
                continue
            for name in _names(obj):
                name = " ".join(name.split())
                if name and name not in entities.setdefault(kind, []):
                    entities[kind].append(name)
    return {k: v for k, v in entities.items() if v}


def _language(tree: lxml.html.HtmlElement, metas: dict[str, str], article: dict) -> str | None:
    """The language the page declares, as ISO 639-1 (`normalise_language`: "en-US", "pt_BR",
    "English" -> "en", "pt", "en"), or None. Most specific first: the article's own JSON-LD
    `inLanguage`, `<html lang>` (or xml:lang), `<meta http-equiv=content-language>`, `og:locale`,
    `<meta name=language>` / `dc.language`; the first that names a language wins ("xx-YY", numbers
    and lists of several languages name none). Only a hint: indexing detects the language from the
    text and overrules a declaration the text contradicts (a site template's default)."""
    declared = article.get("inLanguage")
    if isinstance(declared, list):
        declared = declared[0] if declared else None
    if isinstance(declared, dict):  # {"@type": "Language", "name": "English", "alternateName": "en"}
        declared = declared.get("alternateName") or declared.get("name")
    # lxml's HTML parser keeps xml:lang as a plain attribute name; its XML form for XHTML trees.
    candidates = [declared, tree.get("lang"), tree.get("xml:lang"), tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
                  *(metas.get(key) for key in ("content-language", "og:locale", "language", "dc.language",
                                               "inlanguage"))]
    return next((code for code in map(normalise_language, candidates) if code is not None), None)


def _authors(metas: dict[str, str], article: dict) -> list[str]:
    raw = _names(article.get("author")) or _names(article.get("creator"))
    if not raw:
        raw = [metas[k] for k in ("author", "article:author", "byl", "parsely-author", "dc.creator")
               if k in metas and not metas[k].startswith(("http://", "https://"))][:1]
    authors: list[str] = []
    for value in raw:
        for name in split_authors(re.sub(r"^\s*by\s+", "", value, flags=re.I)):
            if name not in authors:
                authors.append(name)
    return authors


def _drop_repeated_headline(body: str, headlines: set[str]) -> str:
    """The page's <h1> often opens the extracted text; it is the title, not body text."""
    first, _, rest = body.partition("\n\n")
    if rest and first.casefold() in {h.casefold() for h in headlines if h}:
        return rest
    return body


def read(path: Path, text: str, options: object, fmt: str) -> Iterator[Article | Problem]:
    """One Article per page, or one Problem when the page has no article text and no title."""
    where = str(path)
    tree = _parse_tree(text)
    if tree is None:
        yield Problem(where, "not parseable as HTML")
        return
    metas = _meta(tree)
    objects = jsonld_objects(tree)
    article = _article_object(objects)
    url = _find_url(tree, metas, article)
    publisher = _names(article.get("publisher"))
    body = main_text(text)
    # A publisher, not a place or a URL: site name metadata, else the URL's domain, else the
    # dateline's agency (index/readers/publisher.py).
    source = publisher_name([metas.get("og:site_name"), *publisher[:1], metas.get("application-name")], url, body)
    headline = article.get("headline") if isinstance(article.get("headline"), str) else None
    title_tag = next(iter(tree.xpath("//title")), None)
    h1 = next(iter(tree.xpath("//h1")), None)
    h1_text = " ".join(h1.text_content().split()) if h1 is not None else ""
    raw_title = metas.get("og:title") or headline or (title_tag.text_content() if title_tag is not None else "") \
        or metas.get("twitter:title") or h1_text
    title = _strip_site_name(" ".join(raw_title.split()), _site_keys(source, url))
    body = _drop_repeated_headline(body, {title, h1_text})
    if not body and not title:
        yield Problem(where, "no article text found in the page")
        return
    derived = not title
    if derived:
        title = derive_title(body)
    date = None
    candidates = _date_candidates(tree, metas, article, url)
    for candidate in candidates:
        try:
            date = parse_date(candidate)
            break
        except ValueError:
            continue
    if date is None and candidates:
        yield Problem(where, f"cannot parse publication date {candidates[0]!r}; indexed as undated",
                      None, "warning")
    yield Article(title=trim_title(title, 300), body=body, date=date, url=url,
                  source=" ".join(source.split()) if source else None, authors=_authors(metas, article),
                  language=_language(tree, metas, article), entities=_entities(article), path=where,
                  title_derived=derived)
