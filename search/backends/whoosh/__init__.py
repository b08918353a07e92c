"""The embedded Whoosh backend: an index folder on this machine, zero set-up (the default).

The only package of newsearch that imports Whoosh. `backend.FACTORY` is how the registry
(`search.backends`) opens it; `search.WhooshSearch` is its search side, `writer.WhooshWriter`
its indexing side; every private Whoosh name it relies on is in `internals`, which checks the
installed Whoosh version first (every module that touches an index imports it through
`schema`). Nothing is loaded here until asked for, so that reading the backend's capabilities or
options does not load Whoosh.
"""
from __future__ import annotations

from typing import Any

# The sides and the default folder, by name, imported on first use (PEP 562).
_LAZY = {"WhooshSearch": "search", "WhooshWriter": "writer", "default_index_dir": "store"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)


__all__ = ["WhooshSearch", "WhooshWriter", "default_index_dir"]
