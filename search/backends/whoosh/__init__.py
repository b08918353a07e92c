"""The embedded Whoosh backend: an index folder on this machine, zero set-up (the default).

The only package of newsearch that imports Whoosh. `WhooshSearch` is its search side,
`WhooshWriter` its indexing side; every private Whoosh name it relies on is in `internals`,
which checks the installed Whoosh version first.
"""
from __future__ import annotations

from search.backends.whoosh import internals  # noqa: F401  (version check and patches, first)
from search.backends.whoosh.search import WhooshSearch
from search.backends.whoosh.store import default_index_dir
from search.backends.whoosh.writer import WhooshWriter

__all__ = ["WhooshSearch", "WhooshWriter", "default_index_dir"]
