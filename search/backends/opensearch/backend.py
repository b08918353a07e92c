"""The OpenSearch backend as the registry (`search.backends`) opens it: its capabilities, its
options (`config.OpenSearchConfig`'s: url, index, username, password, ca_certs, verify_certs,
timeout) and how to open its two sides.

Light on purpose: the client library is imported only when a side is opened, so reading a
backend's capabilities or checking its options costs nothing.
"""
from __future__ import annotations

from search.backend import BackendFactory, Capabilities, IndexWriter, SearchBackend, WriterRun
from search.backends.opensearch.config import OpenSearchConfig
from search.results import BadParameterError

# OpenSearch's default `index.max_result_window` (our template keeps it): from + size beyond it
# is refused by the cluster, so a search (and an export) reaches at most this many results.
MAX_RESULT_WINDOW = 10_000
# Story ids live in the documents (a `story` field, set by partial updates), results stop at the
# window, and a rebuild fills a new index and moves the alias to it (schema.swap_alias).
CAPABILITIES = Capabilities(story_field=True, max_results=MAX_RESULT_WINDOW, rebuild=True)
OPTIONS = {"url": "the cluster's address", "index": "the index alias", "username": "a cluster user",
           "password": "a cluster password", "ca_certs": "a CA bundle", "verify_certs": "a TLS check",
           "timeout": "a request timeout"}


def config(options: dict[str, object]) -> OpenSearchConfig:
    """The cluster settings: the options, else `$NEWSEARCH_OPENSEARCH_*`, else the defaults."""
    options.pop("index_dir", None)  # a folder means nothing to a cluster
    try:
        return OpenSearchConfig.from_options(**options)
    except (TypeError, ValueError) as exc:
        raise BadParameterError(str(exc)) from None


def location(options: dict[str, object]) -> str:
    settings = config(options)
    return f"{settings.url}#{settings.index}"


def open_search(options: dict[str, object]) -> SearchBackend:
    from search.backends.opensearch.search import OpenSearchSearch

    return OpenSearchSearch(config(options))


def open_writer(options: dict[str, object], run: WriterRun) -> IndexWriter:
    """A run into the alias's index, or with `run.rebuild` into a new one that the alias moves to
    at the end; no lock (re-runs are idempotent, see writer.py), so `run.lock_timeout` is unused."""
    from search.backends.opensearch.writer import OpenSearchWriter

    return OpenSearchWriter(config(options), part=run.part, on_problem=run.on_problem, rebuild=run.rebuild)


FACTORY = BackendFactory(name="opensearch", capabilities=CAPABILITIES, options=OPTIONS, location=location,
                         open_search=open_search, open_writer=open_writer)

__all__ = ["FACTORY", "CAPABILITIES", "MAX_RESULT_WINDOW", "config"]
