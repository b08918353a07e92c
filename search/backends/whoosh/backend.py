"""The Whoosh backend as the registry (`search.backends`) opens it: its capabilities, its one
option (`index_dir`: the index folder) and how to open its two sides.

Light on purpose: Whoosh itself is imported only when a side is opened, so reading a backend's
capabilities or checking its options costs nothing.
"""
from __future__ import annotations

import os
from pathlib import Path

from search.backend import BackendFactory, Capabilities, IndexWriter, SearchBackend, WriterRun
from search.results import BadParameterError

# Stories are kept beside the index (index.story_store), every match can be paged to, and an
# index folder is replaced by indexing into a new one (no alias to swap).
CAPABILITIES = Capabilities(story_field=False, max_results=None, rebuild=False)
OPTIONS = {"index_dir": "a folder"}


def index_dir(options: dict[str, object]) -> Path:
    """The index folder: the `index_dir` option, else `$NEWSEARCH_INDEX`, else ./newsearch-index."""
    from search.backends.whoosh.store import default_index_dir

    folder = options.pop("index_dir", None)
    if options:
        raise BadParameterError(f"option(s) {', '.join(sorted(options))} are for another backend, not whoosh")
    if folder is None:
        return default_index_dir()
    if not isinstance(folder, (str, os.PathLike)):
        raise BadParameterError(f"index_dir must be a folder's path, not {type(folder).__name__}")
    return Path(folder)


def location(options: dict[str, object]) -> str:
    return str(index_dir(options).resolve())


def open_search(options: dict[str, object]) -> SearchBackend:
    from search.backends.whoosh.search import WhooshSearch

    return WhooshSearch(index_dir(options))


def open_writer(options: dict[str, object], run: WriterRun) -> IndexWriter:
    """A run into the folder (`run.part` needs nothing here: each part is a run like any other)."""
    from search.backends.whoosh.writer import WhooshWriter

    return WhooshWriter(index_dir(options), lock_timeout=run.lock_timeout, on_wait=run.on_wait)


FACTORY = BackendFactory(name="whoosh", capabilities=CAPABILITIES, options=OPTIONS, location=location,
                         open_search=open_search, open_writer=open_writer)

__all__ = ["FACTORY", "CAPABILITIES", "index_dir"]
