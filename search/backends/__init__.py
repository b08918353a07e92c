"""The storage backends behind `search.backend`'s contract, chosen by name.

Only the backend packages below import their engine's library (Whoosh, ...); everything else
reaches a backend through `open_search` (the search side) and `open_writer` (an index run).
"""
from __future__ import annotations

from pathlib import Path

from search.backend import IndexWriter, SearchBackend
from search.results import BadParameterError

BACKENDS = ("whoosh",)


def _check(name: str) -> None:
    if name not in BACKENDS:
        raise BadParameterError(f"unknown backend {name!r}; backends are {', '.join(BACKENDS)}")


def index_location(name: str, index_dir: Path | str | None) -> str:
    """Where a backend's index is, as a string that names it (for sharing open engines)."""
    _check(name)
    from search.backends.whoosh.store import default_index_dir

    return str((Path(index_dir) if index_dir is not None else default_index_dir()).resolve())


def open_search(name: str = "whoosh", *, index_dir: Path | str | None = None) -> SearchBackend:
    """The search side of a backend. Opening is lazy: a missing index is reported by the first
    search (`IndexNotFoundError`), so a server can start before anything is indexed."""
    _check(name)
    from search.backends.whoosh import WhooshSearch

    return WhooshSearch(index_dir)


def open_writer(name: str = "whoosh", *, index_dir: Path | str | None = None, lock_timeout: float = 600.0,
                on_wait=None) -> IndexWriter:
    """The indexing side of a backend, for one run: use it as a context manager (`with`), which
    takes the index for the run (waiting up to `lock_timeout` for another run) and releases it."""
    _check(name)
    from search.backends.whoosh import WhooshWriter
    from search.backends.whoosh.store import default_index_dir

    return WhooshWriter(Path(index_dir) if index_dir is not None else default_index_dir(),
                        lock_timeout=lock_timeout, on_wait=on_wait)


__all__ = ["BACKENDS", "open_search", "open_writer", "index_location"]
