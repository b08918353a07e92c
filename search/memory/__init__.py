"""The researcher's memory (issue 22): what a researcher keeps between searches.

- `store`: what every store does (`MemoryStore`), the SQLite file beside a Whoosh index that holds
  all of it (`research.sqlite`), and `store_for(engine)`, which picks the engine's;
- `cluster`: the store in the OpenSearch cluster (`<alias>-memory-*` indices), one per deployment;
- `saved`: saved searches with their result sets frozen, reopened with what changed since.

Everything here is keyed on stable article ids and names, so it survives re-indexing.
"""
