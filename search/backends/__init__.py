"""The storage backends behind `search.backend`'s contract, chosen by name.

- "whoosh" (the default): an index folder on this machine, zero set-up. Options: `index_dir`
  (else `$NEWSEARCH_INDEX`, else ./newsearch-index).
- "opensearch": an OpenSearch cluster, for archives that outgrow one machine. Options: `url`,
  `index`, `username`, `password`, `ca_certs`, `verify_certs`, `timeout` (else the
  `NEWSEARCH_OPENSEARCH_*` environment variables; see `opensearch.config`).

Only the backend packages import their engine's library; everything else reaches a backend
through `open_search` (the search side) and `open_writer` (an index run). `$NEWSEARCH_BACKEND`
picks the backend when none is named.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from search.backend import IndexWriter, SearchBackend
from search.results import BadParameterError

BACKENDS = ("whoosh", "opensearch")
DEFAULT_BACKEND = "whoosh"


def backend_name(name: str | None = None) -> str:
    """The backend to use: `name`, else `$NEWSEARCH_BACKEND`, else Whoosh; checked."""
    name = name or os.environ.get("NEWSEARCH_BACKEND") or DEFAULT_BACKEND
    if name not in BACKENDS:
        raise BadParameterError(f"unknown backend {name!r}; backends are {', '.join(BACKENDS)}")
    return name


def _whoosh_dir(options: dict) -> Path:
    from search.backends.whoosh.store import default_index_dir

    index_dir = options.pop("index_dir", None)
    if options:
        raise BadParameterError(f"option(s) {', '.join(sorted(options))} are for another backend, not whoosh")
    return Path(index_dir) if index_dir is not None else default_index_dir()


def _opensearch_config(options: dict):
    from search.backends.opensearch.config import OpenSearchConfig

    options.pop("index_dir", None)  # a folder means nothing to a cluster
    try:
        return OpenSearchConfig.from_options(**options)
    except (TypeError, ValueError) as exc:
        raise BadParameterError(str(exc)) from None


def index_location(name: str | None, options: dict) -> str:
    """Where a backend's index is, as a string that names it (for sharing open engines)."""
    name = backend_name(name)
    if name == "whoosh":
        return str(_whoosh_dir(dict(options)).resolve())
    config = _opensearch_config(dict(options))
    return f"{config.url}#{config.index}"


def open_search(name: str | None = None, **options: object) -> SearchBackend:
    """The search side of a backend. Opening is lazy: a missing index is reported by the first
    search (`IndexNotFoundError`), so a server can start before anything is indexed."""
    name = backend_name(name)
    if name == "whoosh":
        from search.backends.whoosh import WhooshSearch

        return WhooshSearch(_whoosh_dir(dict(options)))
    from search.backends.opensearch.search import OpenSearchSearch

    return OpenSearchSearch(_opensearch_config(dict(options)))


def open_writer(name: str | None = None, *, lock_timeout: float = 600.0, on_wait: Callable[[], None] | None = None,
                on_problem: Callable | None = None, part: tuple[int, int] | None = None, rebuild: bool = False,
                **options: object) -> IndexWriter:
    """The indexing side of a backend, for one run: use it as a context manager (`with`), which
    takes the index for the run and releases it. `on_problem` receives what the backend
    rejects (a bulk item, with the article's path); `part` is (k, n) for scale-out runs;
    `rebuild` builds a new index and switches searches to it when the run completes
    (OpenSearch only: an alias swap, no downtime)."""
    name = backend_name(name)
    if name == "whoosh":
        from search.backends.whoosh import WhooshWriter

        if rebuild:
            raise BadParameterError("--rebuild is for the opensearch backend; with whoosh, index into a new "
                                    "--index-dir and point the server at it")
        return WhooshWriter(_whoosh_dir(dict(options)), lock_timeout=lock_timeout, on_wait=on_wait)
    from search.backends.opensearch.writer import OpenSearchWriter

    if rebuild and part is not None:
        raise BadParameterError("--rebuild builds a whole new index in one run; it cannot be split with --part")
    return OpenSearchWriter(_opensearch_config(dict(options)), part=part, on_problem=on_problem, rebuild=rebuild)


__all__ = ["BACKENDS", "DEFAULT_BACKEND", "backend_name", "open_search", "open_writer", "index_location"]
