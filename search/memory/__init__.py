"""The researcher's memory (issue 22): what a researcher keeps between searches.

- `store`: the SQLite file beside the index that holds all of it (`research.sqlite`);
- `saved`: saved searches with their result sets frozen, reopened with what changed since.

Everything here is keyed on stable article ids and names, so it survives re-indexing.
"""
