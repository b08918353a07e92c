"""The OpenSearch index layout both sides use: fields, analysis, the versioned template behind
the alias, and how an Article becomes a document.

Indexes: the alias (`config.index`, e.g. "newsearch") points at one concrete index
`<alias>-v<TEMPLATE_VERSION>-<UTC timestamp>`, created from the index template
`<alias>-template` (pattern `<alias>-v*`). A re-index builds a new concrete index
(`new_index`), fills it, and `swap_alias` moves the alias in one atomic call: searches answer
from the old index until the instant they answer from the new one. Beside them, two small
indexes hold the run state every machine shares (see writer.py): `<alias>-meta` (the settings
the search side reads, per concrete index) and `<alias>-files` (which file versions are done).

Fields (the search side imports the names from here):
- `title`, `body`: text, `news_english` analysis (`search.analysis`'s rules, which the Whoosh
  analyser follows too), offsets indexed so highlighting need not re-analyse long bodies;
  `title.words` / `body.words`: the same words unstemmed and with stop words kept, for
  did-you-mean.
- `combined`: the words of the title TITLE_BOOST times and of the body, one field (`copy_to`,
  nothing in `_source`), where plain query words, their adjacent pairs and feedback words are
  scored: `search.ranking`'s BM25 over the combined title and body (see COMBINED_FIELD).
- The same three for every other language, `title_<code>`, `body_<code>`, `combined_<code>`,
  with its own analyser (languages.py): an article's title and body are in its language's
  fields (`article_to_source`), English's and undetermined articles' in the three above.

Ranking settings are `search.ranking`'s: the template takes TITLE_BOOST (the title's copies),
BM25_K1 and BM25_B (the index's default similarity) from it when it is made, so an index keeps
the values it was created with (a cluster keeps a template of the same TEMPLATE_VERSION: new
values there need the version bumped); the search side reads the others at each search.
- `person`, `org`, `place`, `source`: keyword (display form, for facet counts) with
  `<facet>.lower` (lower-cased, accents folded) for case-insensitive filters.
- `date` (absent when undated), `id`, `url`, `authors`, `language`, `path`, `file_key`,
  `content_hash`.
"""
from __future__ import annotations

import hashlib
import logging
import os
import socket
import time
from datetime import datetime, timezone

from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConflictError, RequestError

from index.article import FACET_KINDS, TEXT_FIELDS, Article
from search import analysis, ranking
from search.backends.opensearch import languages as langs
from search.backends.opensearch.client import error_type, with_backoff
from search.backends.opensearch.config import OpenSearchConfig
from search.results import IncompatibleIndexError, IndexNotFoundError

# Bumped whenever the mapping or analysis changes incompatibly: the template is replaced, and new
# concrete indexes are named -v<new>; an index of another version must be rebuilt (re-index and
# swap the alias), never searched with the wrong analysis. The mapping's _meta records it.
log = logging.getLogger("newsearch.index")

TEMPLATE_VERSION = 5  # 2: the `story` field (index.stories); Snowball English stems; a derived
# title in `display_title` (stored, not indexed) with `title_derived`. 3: the `combined` field.
# 4: languages (issue 21): every language's analyser and fields (languages.py), CJK pairs in
# English's, `language` a facet with its `.lower`. 5: the unaccented forms of accented words in
# stemmed languages (languages.forms_filter: "sequía" found by "sequia"); English unchanged.
COPIES_WAIT_S = 30  # how long a new index may take to allocate its replicas before the run goes on
# Above other templates that may match `<alias>-v*` (OpenSearch refuses overlapping templates
# of equal priority), below what an operator would use to override ours on purpose (1000s).
TEMPLATE_PRIORITY = 200

# One field holding the title TITLE_BOOST times and the body, so that BM25 scores a word over the
# whole article as `search.ranking` defines it: its frequency is TITLE_BOOST x the title's count
# + the body's, its length TITLE_BOOST x the title's + the body's against the average of that,
# one saturation and one idf over the articles having it in either field. OpenSearch 2.19 has no
# `combined_fields` query, and adding a title and a body BM25 saturates a word twice (Cranfield
# nDCG@10 0.371 against 0.406 with one combined BM25). Filled by `copy_to` from the title
# (TITLE_BOOST times: each copy is one more value of the field) and the body: nothing is added to
# `_source`, partial updates (story ids) and re-analysis keep it, and a derived title
# (`display_title`, not copied) adds nothing. The values are separated by the text field's
# position_increment_gap (100), so a phrase never matches across two copies of the title or from
# the title into the body. Not searchable by name (the query language knows title and body only)
# and not highlighted.
COMBINED_FIELD = "combined"
FACET_FIELDS = FACET_KINDS  # index.article: the one list of facet kinds

WORDS_SUBFIELD = "words"   # title.words / body.words: unstemmed, stop words kept (did-you-mean)
LOWER_SUBFIELD = "lower"   # person.lower, ...: lower-cased, accents folded (filters)
ANALYZER = langs.ANALYZER
WORDS_ANALYZER = langs.WORDS_ANALYZER
NORMALIZER = "news_fold"
DATE_FORMAT = "strict_date_optional_time||epoch_millis"


# Longest keyword value indexed (longer ones are kept in _source only): Lucene refuses a term over
# 32,766 UTF-8 bytes and with it the whole document; 8,191 characters of up to 4 bytes stay under.
# Entity names and sources are a few words; an id over this is a pathological URL.
KEYWORD_IGNORE_ABOVE = 8191
# OpenSearch's limit on a document _id, in UTF-8 bytes; longer article ids are hashed (doc_id).
MAX_ID_BYTES = 512
LONG_ID_PREFIX = "sha256-id:"

# The run-state indexes' fields (writer.py): settings per concrete index, and per-file done markers.
META_PROPERTIES = {"index": {"type": "keyword"}, "updated": {"type": "date"},
                   "settings": {"type": "object", "enabled": False}}
FILES_PROPERTIES = {"index": {"type": "keyword"}, "file_key": {"type": "keyword"}, "path": {"type": "keyword"},
                    "part": {"type": "keyword"}, "articles": {"type": "integer"}, "done_at": {"type": "date"}}
# The first index behind an alias is created by whichever of N starting indexers claims this
# document (create-only: one wins); the others wait for the alias. A claim older than
# CLAIM_STALE_S was left by an indexer that died while creating (creation takes ~1 s) and is
# taken over; CLAIM_POLL_S is how often a waiting indexer looks for the alias.
CLAIM_ID = "creating-first-index"
CLAIM_STALE_S = 60.0
CLAIM_POLL_S = 0.5

DEFAULT_SHARDS = 3     # lets a 3-node cluster share the indexing and search work from the start
DEFAULT_REPLICAS = 1   # one node may die with every shard still answering
# Index refresh: only explicit ones, at each writer's commit, so that searches see whole commits
# (the IndexWriter contract: nothing is visible before commit) and bulk loading does not pay for
# a refresh every second. Other writers' refreshes make any flushed bulk visible too: "as far as
# OpenSearch allows", see writer.py.
REFRESH_INTERVAL = "-1"


def analysis_settings() -> dict:
    """The analysers: `news_english` (the search analyser), `news_words` (did-you-mean), every
    other language's (languages.py) and the `news_fold` normalizer (case- and
    accent-insensitive keyword filters).

    `news_english` is `search.analysis`'s rules in OpenSearch's terms, read when the template is
    made: the standard tokenizer with the digit comma made a space (DIGIT_COMMA), the possessive
    "'s" taken off (the rules' words drop it as too short), lower-cased, accents folded, CJK runs
    cut into pairs, the language's minimum length, its stop list (the rules', not Lucene's
    `_english_`: the two differ in 21 words, among them "us", which ours drops, and "no", "but",
    "they", "was", which Lucene drops) and its Snowball stemmer."""
    english = analysis.rules()
    if english.snowball is None:
        raise ValueError("English's rules need a Snowball stemmer (the English analyser's)")
    if analysis.STEMMER != "snowball":
        raise ValueError(f"the OpenSearch template stems with Snowball only, not {analysis.STEMMER!r}")
    others = langs.language_analysis()
    return {
        "char_filter": {
            # "$1 ": the digit before the comma, then a space (a Java regex replacement).
            "news_digit_comma": {"type": "pattern_replace", "pattern": analysis.DIGIT_COMMA, "replacement": "$1 "},
            **others["char_filter"],
        },
        "filter": {
            "news_possessive": {"type": "stemmer", "language": "possessive_english"},
            "news_stop": {"type": "stop", "stopwords": sorted(english.stop_words)},
            "news_min_length": {"type": "length", "min": english.min_word},
            # The filter's languages are the Snowball stemmers' names capitalised ("English").
            "news_snowball": {"type": "snowball", "language": english.snowball.capitalize()},
            **others["filter"],
        },
        "analyzer": {
            ANALYZER: {"type": "custom", "tokenizer": "standard", "char_filter": ["news_digit_comma"],
                       "filter": langs.english_chain(["news_possessive", "lowercase", "asciifolding",
                                                      "news_min_length", "news_stop", "news_snowball"])},
            WORDS_ANALYZER: {"type": "custom", "tokenizer": "standard",
                             "filter": ["news_possessive", "lowercase", "asciifolding"]},
            **others["analyzer"],
        },
        "normalizer": {NORMALIZER: {"type": "custom", "filter": ["lowercase", "asciifolding"]}},
    }


def title_copies() -> int:
    """How many times the title is copied into COMBINED_FIELD: search.ranking.TITLE_BOOST, which
    must be whole (a copy is a value of the field; a boost of 2.5 has no such form)."""
    boost = ranking.TITLE_BOOST
    if boost != int(boost) or boost < 1:
        raise ValueError(f"TITLE_BOOST {boost} must be a whole number for the combined field's copies")
    return int(boost)


def _text(copies: int, language: str = langs.DEFAULT_LANGUAGE) -> dict:
    """A text field of a language, copied `copies` times into its combined field; with the
    unstemmed words for did-you-mean where the language is stemmed or has stop words."""
    mapping: dict = {"type": "text", "analyzer": langs.analyzer(language), "index_options": "offsets",
                     # One target per copy: OpenSearch copies the value once per listed target.
                     "copy_to": [langs.field(COMBINED_FIELD, language)] * copies}
    if language == langs.DEFAULT_LANGUAGE or langs.has_rules(language):
        # Did-you-mean only needs each word's document frequency.
        words = WORDS_ANALYZER if language == langs.DEFAULT_LANGUAGE else langs.PLAIN_WORDS_ANALYZER
        mapping["fields"] = {WORDS_SUBFIELD: {"type": "text", "analyzer": words, "index_options": "docs",
                                              "norms": False}}
    return mapping


def language_fields(language: str) -> dict:
    """A language's title, body and combined fields (English's are `title`, `body`, `combined`)."""
    return {langs.field("title", language): _text(title_copies(), language),
            langs.field("body", language): _text(1, language),
            # Positions (not offsets: never highlighted) for the word pairs' phrases; norms for BM25.
            langs.field(COMBINED_FIELD, language): {"type": "text", "analyzer": langs.analyzer(language),
                                                     "index_options": "positions"}}


def _keyword(**extra: object) -> dict:
    return {"type": "keyword", "ignore_above": KEYWORD_IGNORE_ABOVE, **extra}


def mappings() -> dict:
    facet = _keyword(fields={LOWER_SUBFIELD: _keyword(normalizer=NORMALIZER)})
    return {
        "dynamic": "strict",
        "_meta": {"newsearch_template_version": TEMPLATE_VERSION},
        "properties": {
            "id": _keyword(),
            "url": {"type": "keyword", "index": False, "doc_values": False},  # display only; the id is searchable
            **language_fields(langs.DEFAULT_LANGUAGE),
            # A title the reader made from the lede (Article.title_derived): shown, not indexed,
            # so the article ranks by its body alone (search.ranking).
            "display_title": {"type": "keyword", "index": False, "doc_values": False},
            "title_derived": {"type": "boolean"},
            "date": {"type": "date", "format": DATE_FORMAT},
            # The facets, `language` among them (ISO 639-1 or "und", as stored).
            **{name: facet for name in FACET_FIELDS},
            "authors": _keyword(),
            # Every other language's text fields (languages.py).
            **{name: value for code in langs.MAPPED for name, value in language_fields(code).items()},
            "path": _keyword(),          # delete_stale, and the article API's `path`
            "file_key": _keyword(),      # "path|size|mtime_ns" of the file the article came from
            "content_hash": {"type": "keyword", "index": False, "doc_values": False},  # read by id only
            "story": _keyword(),         # index.stories: written with the article, updated when it changes
        },
    }


def template_name(alias: str) -> str:
    return f"{alias}-template"


def index_pattern(alias: str) -> str:
    return f"{alias}-v*"


def meta_index(alias: str) -> str:
    return f"{alias}-meta"


def files_index(alias: str) -> str:
    return f"{alias}-files"


def template_body(alias: str) -> dict:
    return {
        "index_patterns": [index_pattern(alias)],
        "priority": TEMPLATE_PRIORITY,
        "version": TEMPLATE_VERSION,
        "_meta": {"newsearch_template_version": TEMPLATE_VERSION},
        "template": {
            "settings": {
                "index": {
                    "analysis": analysis_settings(),
                    "similarity": {"default": {"type": "BM25", "k1": ranking.BM25_K1, "b": ranking.BM25_B}},
                    "refresh_interval": REFRESH_INTERVAL,
                },
            },
            "mappings": mappings(),
        },
    }


def put_template(client: OpenSearch, config: OpenSearchConfig) -> None:
    """Put the versioned template unless the cluster already has this version of it."""
    name = template_name(config.index)
    where = f"{config.index!r} at {config.url}"
    found = with_backoff(lambda: client.indices.get_index_template(name=name, ignore=404),
                         f"read the index template of {where}")
    for item in (found or {}).get("index_templates", []):
        if item.get("index_template", {}).get("version") == TEMPLATE_VERSION:
            return
    with_backoff(lambda: client.indices.put_index_template(name=name, body=template_body(config.index)),
                 f"create the index template of {where}")


def replicas_for(client: OpenSearch, wanted: int) -> int:
    """`wanted` replicas, but no more than the cluster has other data nodes to hold them (a
    single-node cluster gets 0, else it would stay yellow forever)."""
    health = with_backoff(lambda: client.cluster.health(), "read the cluster health")
    return max(0, min(wanted, int(health.get("number_of_data_nodes", 1)) - 1))


def concrete_name(alias: str) -> str:
    """`<alias>-v<TEMPLATE_VERSION>-<UTC timestamp to the millisecond>`: sorts by creation."""
    now = datetime.now(timezone.utc)
    return f"{alias}-v{TEMPLATE_VERSION}-{now:%Y%m%dt%H%M%S}{now.microsecond // 1000:03d}z"


def alias_indexes(client: OpenSearch, alias: str) -> list[str]:
    """The concrete indexes the alias points at ([] when there is no such alias)."""
    found = with_backoff(lambda: client.indices.get_alias(name=alias, ignore=404), f"look up the alias {alias!r}")
    if not isinstance(found, dict) or "error" in found or found.get("status") == 404:
        return []
    return sorted(name for name, info in found.items() if alias in info.get("aliases", {}))


def new_index(client: OpenSearch, config: OpenSearchConfig, *, shards: int = DEFAULT_SHARDS,
              replicas: int = DEFAULT_REPLICAS, alias: bool = False) -> str:
    """Create a new concrete index from the (current) template and return its name; with
    `alias` it is created already behind the alias (the first index), else it waits for
    `swap_alias` (a re-index)."""
    put_template(client, config)
    name = concrete_name(config.index)
    body: dict = {"settings": {"index": {"number_of_shards": shards,
                                         "number_of_replicas": replicas_for(client, replicas)}}}
    if alias:
        body["aliases"] = {config.index: {}}
    with_backoff(lambda: client.indices.create(index=name, body=body, params={"wait_for_active_shards": "1"}),
                 f"create the index {name!r} at {config.url}")
    wait_for_copies(client, name)
    return name


def swap_alias(client: OpenSearch, alias: str, old: str | None, new: str) -> None:
    """Point `alias` at `new` instead of `old` in one atomic call: every search is answered by
    one or the other, never by neither or both."""
    actions: list[dict] = [{"add": {"index": new, "alias": alias}}]
    if old:
        actions.insert(0, {"remove": {"index": old, "alias": alias, "must_exist": True}})
    with_backoff(lambda: client.indices.update_aliases(body={"actions": actions}),
                 f"move the alias {alias!r} from {old!r} to {new!r}")


def ensure_state_index(client: OpenSearch, name: str, properties: dict) -> None:
    """Create a small run-state index (`<alias>-meta`, `<alias>-files`) unless it exists; safe
    when N indexers do it at once (the losers' "already exists" is success)."""
    body = {"settings": {"index": {"number_of_shards": 1, "auto_expand_replicas": "0-1"}},
            "mappings": {"dynamic": False, "properties": properties}}

    def create() -> None:
        try:
            client.indices.create(index=name, body=body)
        except RequestError as exc:
            if error_type(exc) != "resource_already_exists_exception":
                raise

    if not with_backoff(lambda: client.indices.exists(index=name), f"look up the index {name!r}"):
        with_backoff(create, f"create the index {name!r}")
        wait_for_copies(client, name)


def wait_for_copies(client: OpenSearch, index: str, seconds: int = COPIES_WAIT_S) -> None:
    """Wait (at most `seconds`) until every copy of a new index is allocated: a node killed right
    after the creation otherwise takes the only active copy with it, and writes wait for it to
    come back (found by killing a node in CI). Best effort: a cluster with a node down still works."""
    try:
        # request_timeout given: else opensearch-py takes the query's "timeout" ("30s") as the
        # HTTP timeout, urllib3 refuses the string, and nothing was ever waited for.
        client.cluster.health(index=index, params={"wait_for_status": "green", "timeout": f"{seconds}s",
                                                   "request_timeout": seconds + 10})
    except Exception as exc:  # noqa: BLE001 - only a wait; the writes that follow report real trouble
        log.info("index %s not green after %s s: %s", index, seconds, exc)


def one_index(config: OpenSearchConfig, indexes: list[str]) -> str:
    """The one concrete index behind the alias; an alias over several is not ours to guess at."""
    if len(indexes) != 1:
        raise IndexNotFoundError(f"the alias {config.index!r} at {config.url} points at {len(indexes)} indexes "
                                 f"({', '.join(indexes)}); newsearch needs exactly one (fix it with POST _aliases)")
    return indexes[0]


def check_version(client: OpenSearch, config: OpenSearchConfig, index: str) -> None:
    """Refuse an index built from another template version: its analysis or fields differ, so
    searching or adding to it would silently mix two layouts. Raises `IncompatibleIndexError`."""
    found = with_backoff(lambda: client.indices.get_mapping(index=index), f"read the mapping of {index!r}")
    check_layout(found or {index: {}}, config)


def check_layout(found: dict, config: OpenSearchConfig) -> None:
    """`check_version` on a `get_mapping` answer ({concrete index: {"mappings": ...}}, of one index
    or of the alias): the search side asks for the alias's, as its queries name fields an older
    layout lacks (`combined`, version 3) and would match nothing there instead of failing."""
    for index, body in found.items():
        version = (body or {}).get("mappings", {}).get("_meta", {}).get("newsearch_template_version")
        if version != TEMPLATE_VERSION:
            raise IncompatibleIndexError(f"the index {index!r} at {config.url} has layout version {version} and "
                                         f"this newsearch uses {TEMPLATE_VERSION}: re-index into a new index and swap "
                                         f"the alias {config.index!r} (newsearch index DIR --backend opensearch "
                                         f"--rebuild does both)")


def ensure_index(client: OpenSearch, config: OpenSearchConfig, *, shards: int = DEFAULT_SHARDS,
                 replicas: int = DEFAULT_REPLICAS) -> str:
    """The concrete index behind `config.index`, creating the template, the first index and
    the alias (and the run-state indexes) when missing. Safe when N indexers start at once:
    exactly one creates the index (see CLAIM_ID), the others wait for the alias."""
    alias = config.index
    indexes = alias_indexes(client, alias)
    if indexes:
        return one_index(config, indexes)
    meta = meta_index(alias)
    ensure_state_index(client, meta, META_PROPERTIES)
    claim = {"claimed_at": datetime.now(timezone.utc).isoformat(), "by": f"{socket.gethostname()}:{os.getpid()}"}
    while True:
        indexes = alias_indexes(client, alias)
        if indexes:
            return one_index(config, indexes)
        try:
            with_backoff(lambda: client.create(index=meta, id=CLAIM_ID, body=claim, params={"refresh": "true"}),
                         f"claim the creation of {alias!r}")
        except ConflictError:
            _drop_stale_claim(client, meta)
            time.sleep(CLAIM_POLL_S)
            continue
        try:
            indexes = alias_indexes(client, alias)  # created by the claim's previous holder
            return one_index(config, indexes) if indexes else new_index(client, config, shards=shards,
                                                                         replicas=replicas, alias=True)
        finally:
            with_backoff(lambda: client.delete(index=meta, id=CLAIM_ID, params={"refresh": "true"}, ignore=404),
                         f"release the creation claim of {alias!r}")


def _drop_stale_claim(client: OpenSearch, meta: str) -> None:
    """Delete the creation claim if its holder has had it for over CLAIM_STALE_S (it died)."""
    found = with_backoff(lambda: client.get(index=meta, id=CLAIM_ID, ignore=404), "read the creation claim")
    if not found.get("found"):
        return
    claimed = datetime.fromisoformat(found["_source"]["claimed_at"])
    if (datetime.now(timezone.utc) - claimed).total_seconds() > CLAIM_STALE_S:
        # Only that claim (seq_no/primary_term): a newer claim by a live indexer stays.
        with_backoff(lambda: client.delete(index=meta, id=CLAIM_ID, ignore=(404, 409), params={
            "if_seq_no": found["_seq_no"], "if_primary_term": found["_primary_term"]}), "drop a stale creation claim")


# ---- documents -----------------------------------------------------------------------------------

def doc_id(article_id: str) -> str:
    """The OpenSearch `_id` of an article id: the id itself, or for an id over MAX_ID_BYTES bytes
    of UTF-8 (or not valid UTF-8) `LONG_ID_PREFIX` + the SHA-256 of its UTF-8 (surrogates
    passed): the same on every machine and run, so re-runs stay idempotent. The full id is
    kept in the `id` field."""
    try:
        if len(article_id.encode("utf-8")) <= MAX_ID_BYTES:
            return article_id
    except UnicodeEncodeError:
        pass
    return LONG_ID_PREFIX + hashlib.sha256(article_id.encode("utf-8", "surrogatepass")).hexdigest()


def index_date(value: datetime) -> str:
    """A date as stored: ISO 8601 in UTC ("2019-02-27T09:30:00+00:00")."""
    return value.astimezone(timezone.utc).isoformat()


def article_to_source(article: Article, article_id: str, file_key: str, content_hash: str) -> dict:
    """The `_source` of one article: what is indexed and what display reads back. The title and
    body of an article in another language than English go to its language's fields
    (`title_<code>`, `body_<code>`: languages.field_language of its `language`)."""
    doc = article.record(article_id, file_key, content_hash)
    if "date" in doc:
        doc["date"] = index_date(doc["date"])
    if doc.get("title_derived"):
        doc["display_title"] = doc.pop("title")
    language = langs.field_language(doc.get("language"))
    if language != langs.DEFAULT_LANGUAGE:
        for name in TEXT_FIELDS:
            if name in doc:
                doc[langs.field(name, language)] = doc.pop(name)
    return doc


def text_of(source: dict, name: str) -> str:
    """A stored article's title or body (`name`), in whichever language's field it is."""
    value = source.get(name)
    if value is None:
        value = source.get(langs.field(name, langs.field_language(source.get("language"))))
    if value is None:  # a source read without its language: the one field of that name's kind
        value = next((v for k, v in source.items() if k.startswith(f"{name}_") and k != "title_derived"), None)
    return value if isinstance(value, str) else ""


def title_of(source: dict) -> str:
    """The title to show: the source's (in its language's field), or the derived one
    (`display_title`)."""
    return text_of(source, "title") or source.get("display_title") or ""


__all__ = ["TEMPLATE_VERSION", "TEXT_FIELDS", "COMBINED_FIELD", "title_copies", "FACET_FIELDS", "WORDS_SUBFIELD",
           "LOWER_SUBFIELD", "ANALYZER", "WORDS_ANALYZER", "NORMALIZER", "DATE_FORMAT",
           "DEFAULT_SHARDS", "DEFAULT_REPLICAS", "analysis_settings", "mappings", "template_body",
           "template_name", "index_pattern", "meta_index", "files_index", "put_template", "new_index", "ensure_index",
           "check_version", "check_layout", "one_index", "ensure_state_index", "META_PROPERTIES", "FILES_PROPERTIES",
           "swap_alias", "alias_indexes", "doc_id", "article_to_source", "index_date", "title_of", "text_of",
           "language_fields"]
