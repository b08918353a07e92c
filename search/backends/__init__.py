"""The registry of storage backends: each is registered once, by name and the module that
declares its `search.backend.BackendFactory` (its capabilities, its options, how to name its
index and how to open its search side and its writer), and loaded only when first asked for.

- "whoosh" (the default): an index folder on this machine, zero set-up. Options: `index_dir`
  (else `$NEWSEARCH_INDEX`, else ./newsearch-index).
- "opensearch": an OpenSearch cluster, for archives that outgrow one machine. Options: `url`,
  `index`, `username`, `password`, `ca_certs`, `verify_certs`, `timeout` (else the
  `NEWSEARCH_OPENSEARCH_*` environment variables; see `opensearch.config`).

Only a backend's own package imports it (and its engine's library); everything else reaches a
backend through the functions here, by name, and asks `capabilities` what it can do instead of
branching on the name. `$NEWSEARCH_BACKEND` picks the backend when none is named.
"""
from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping

from search.backend import BackendFactory, Capabilities, IndexWriter, SearchBackend, WriterRun
from search.results import BadParameterError

# name -> the module whose FACTORY opens it; the first is the default.
REGISTRY: dict[str, str] = {
    "whoosh": "search.backends.whoosh.backend",
    "opensearch": "search.backends.opensearch.backend",
}
BACKENDS = tuple(REGISTRY)
DEFAULT_BACKEND = BACKENDS[0]


def backend_name(name: str | None = None) -> str:
    """The backend to use: `name`, else `$NEWSEARCH_BACKEND`, else the default; checked."""
    name = name or os.environ.get("NEWSEARCH_BACKEND") or DEFAULT_BACKEND
    if name not in REGISTRY:
        raise BadParameterError(f"unknown backend {name!r}; backends are {', '.join(BACKENDS)}")
    return name


def factory(name: str | None = None) -> BackendFactory:
    """The named backend's factory (`backend_name` picks and checks the name), loaded on first use."""
    module = importlib.import_module(REGISTRY[backend_name(name)])
    found = getattr(module, "FACTORY", None)
    if not isinstance(found, BackendFactory):
        raise TypeError(f"{module.__name__} declares no FACTORY (a search.backend.BackendFactory)")
    return found


def capabilities(name: str | None = None) -> Capabilities:
    """What the named backend can do (the same object as its sides' `capabilities`)."""
    return factory(name).capabilities


def index_location(name: str | None, options: Mapping[str, object]) -> str:
    """Where a backend's index is, as a string that names it (for sharing open engines)."""
    return factory(name).location(dict(options))


def open_search(name: str | None = None, **options: object) -> SearchBackend:
    """The search side of a backend. Opening is lazy: a missing index is reported by the first
    search (`IndexNotFoundError`), so a server can start before anything is indexed."""
    return factory(name).open_search(dict(options))


def open_writer(name: str | None = None, *, lock_timeout: float = 600.0, on_wait: Callable[[], None] | None = None,
                on_problem: Callable | None = None, part: tuple[int, int] | None = None, rebuild: bool = False,
                **options: object) -> IndexWriter:
    """The indexing side of a backend, for one run: use it as a context manager (`with`), which
    takes the index for the run and releases it. `on_problem` receives what the backend
    rejects (a bulk item, with the article's path); `part` is (k, n) for scale-out runs;
    `rebuild` builds a new index and switches searches to it when the run completes (backends
    with `Capabilities.rebuild`: no downtime)."""
    backend = factory(name)
    if rebuild and not backend.capabilities.rebuild:
        able = [other for other in BACKENDS if factory(other).capabilities.rebuild]
        raise BadParameterError(f"--rebuild is for the {' or '.join(able)} backend; {backend.name} cannot switch "
                                f"searches to a new index: index into a new location and point the server at it")
    if rebuild and part is not None:
        raise BadParameterError("--rebuild builds a whole new index in one run; it cannot be split with --part")
    run = WriterRun(lock_timeout=lock_timeout, on_wait=on_wait, on_problem=on_problem, part=part, rebuild=rebuild)
    return backend.open_writer(dict(options), run)


def command_line_options(name: str | None, given: Mapping[str, object], flags: Mapping[str, str]) -> tuple[str, dict]:
    """The backend's name (`backend_name`) and the options given on a command line (None: not
    given), refusing an option that belongs to another backend with a message that names its
    flag (`flags`: option -> flag, e.g. "url" -> "--opensearch-url")."""
    backend = factory(name)
    options = {key: value for key, value in given.items() if value is not None}
    for key in options:
        if key in backend.options:
            continue
        owner = next((other for other in BACKENDS if key in factory(other).options), None)
        flag = flags.get(key, key)
        if owner is None:
            raise BadParameterError(f"{flag} is not an option of any backend")
        raise BadParameterError(f"{flag} is {factory(owner).options[key]} for the {owner} backend, not "
                                f"{backend.name}: options of the {owner} backend need --backend {owner}")
    return backend.name, options


__all__ = ["REGISTRY", "BACKENDS", "DEFAULT_BACKEND", "backend_name", "factory", "capabilities", "open_search",
           "open_writer", "index_location", "command_line_options"]
