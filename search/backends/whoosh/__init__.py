"""The embedded Whoosh backend: an index folder on this machine, zero set-up (the default).

The only package of newsearch that imports Whoosh. `backend.FACTORY` is how the registry
(`search.backends`) opens it; `search.WhooshSearch` is its search side, `writer.WhooshWriter`
its indexing side; every private Whoosh name it relies on is in `internals`, which checks the
installed Whoosh version first (every module that touches an index imports it through
`schema`). Nothing is imported here, so that reading the backend's capabilities or options
does not load Whoosh.
"""
