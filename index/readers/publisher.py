"""The source facet names publishers: "Reuters", "The Guardian", "NJ.com", never a place or a URL.

Why: pages' metadata is uneven. `og:site_name` is sometimes a bare subdomain ("nj"), a URL, or
a section that is a place ("U.S."); a JSON-LD publisher is sometimes a URL. `publisher_name`
takes, in this order, the first usable of
  1. the site name metadata (og:site_name, JSON-LD publisher, application-name), as given;
  2. the URL's registered domain, mapped to a readable name (`data/publishers.tsv`, else the
     domain itself: "nj.com");
  3. the dateline's agency ("SEOUL (Reuters) -" -> Reuters).
A candidate is unusable when it is a URL or a domain (then its domain counts, as in 2), a
known place and nothing else, or a lower-case fragment of up to three letters ("nj").
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlparse

from index.entities.aliases import DATA_DIR, load_aliases
from index.readers.seed import DATELINE

PUBLISHERS = DATA_DIR / "publishers.tsv"
# Second-level suffixes under which the registered domain has three labels (bbc.co.uk).
_SECOND_LEVEL = frozenset("co.uk org.uk ac.uk gov.uk me.uk com.au net.au org.au co.nz co.jp co.kr "
                          "co.in com.br com.cn com.hk com.sg co.za com.mx com.tr com.ar".split())
_RESERVED = frozenset("example.com example.net example.org".split())
_RESERVED_TLDS = frozenset("test example invalid localhost local".split())
DATELINE_WITHIN = 1000  # a dateline opens the story, maybe after a photo caption
_DOMAIN = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}$", re.IGNORECASE)


@lru_cache(maxsize=1)
def _publishers() -> dict[str, str]:
    table = {}
    for line in PUBLISHERS.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and not line.startswith("#"):
            table[parts[0].strip().lower()] = parts[1].strip()
    return table


def registered_domain(url_or_host: str) -> str | None:
    """"https://www.nj.com/news/x.html" -> "nj.com"; "news.bbc.co.uk" -> "bbc.co.uk"."""
    text = url_or_host.strip()
    host = urlparse(text).hostname if "://" in text else text.split("/")[0].split(":")[0]
    if not host or not _DOMAIN.match(host):
        return None
    labels = host.lower().split(".")
    size = 3 if ".".join(labels[-2:]) in _SECOND_LEVEL and len(labels) >= 3 else 2
    return ".".join(labels[-size:]) if len(labels) >= size else None


def domain_publisher(url_or_host: str) -> str | None:
    """A readable publisher name for a URL or host: the shipped name, else the domain. Names
    reserved for examples and tests (RFC 2606, 6761: example.com, *.test, *.invalid, ...) name
    no publisher."""
    domain = registered_domain(url_or_host)
    if domain is None or domain in _RESERVED or domain.rsplit(".", 1)[-1] in _RESERVED_TLDS:
        return None
    table = _publishers()
    host = urlparse(url_or_host).hostname if "://" in url_or_host else url_or_host
    for candidate in (host or "", domain):  # abcnews.go.com is listed by its host
        candidate = candidate.lower().removeprefix("www.")
        if candidate in table:
            return table[candidate]
    return domain


def dateline_agency(body: str) -> str | None:
    """The agency of a wire dateline near the start: "SEOUL (Reuters) - ..." -> "Reuters"
    (the seed reader's pattern: the place in capitals, the agency in brackets)."""
    match = DATELINE.search((body or "")[:DATELINE_WITHIN])
    return match.group("source").strip() if match else None


def _usable(name: str) -> str | None:
    name = " ".join(name.split())
    if not name:
        return None
    if "://" in name or name.lower().startswith("www.") or _DOMAIN.match(name) and "." in name:
        return domain_publisher(name)
    if len(name) <= 3 and name.islower():
        return None  # "nj": a subdomain, not a name
    if load_aliases(None).kinds_of(name) == ["place"]:
        return None  # "U.S.": a section, not a publisher
    return name


def publisher_name(site_names: Iterable[str | None], url: str | None, body: str | None = None) -> str | None:
    """The article's source (see module doc), or None when nothing names a publisher."""
    for name in site_names:
        if isinstance(name, str):
            found = _usable(name)
            if found:
                return found
    if url:
        found = domain_publisher(url)
        if found:
            return found
    return dateline_agency(body or "")


__all__ = ["publisher_name", "registered_domain", "domain_publisher", "dateline_agency"]
