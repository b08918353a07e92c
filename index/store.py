"""Where an index lives on disk: opening, creating, and the metadata kept beside it.

The metadata file (`newsearch.json`) records the schema version, which entity recogniser
produced the entities, and when the index was last updated. It is written atomically (temp file
+ rename) after each Whoosh commit, so a crash leaves either the old or the new version.
"""
from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import EmptyIndexError, Index

from index.schema import SCHEMA_VERSION, build_schema

META_FILE = "newsearch.json"
INDEX_NAME = "MAIN"
DEFAULT_INDEX_DIR = "newsearch-index"


class IndexNotFoundError(Exception):
    """There is no index at the given directory (yet)."""


class IncompatibleIndexError(Exception):
    """The index was written by a version of newsearch with another schema."""


def default_index_dir() -> Path:
    """`$NEWSEARCH_INDEX`, else `./newsearch-index`."""
    return Path(os.environ.get("NEWSEARCH_INDEX") or DEFAULT_INDEX_DIR)


def read_meta(index_dir: Path) -> dict:
    try:
        return json.loads((Path(index_dir) / META_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def write_meta(index_dir: Path, **updates: object) -> dict:
    """Merge `updates` into the metadata file, atomically."""
    index_dir = Path(index_dir)
    meta = read_meta(index_dir) | updates
    meta["schema_version"] = SCHEMA_VERSION
    fd, tmp = tempfile.mkstemp(dir=index_dir, prefix=".meta-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(meta, handle, indent=2, sort_keys=True)
    os.replace(tmp, index_dir / META_FILE)
    return meta


def open_index(index_dir: Path | str) -> Index:
    """Open an existing index for searching; clear errors when there is none or it is foreign."""
    index_dir = Path(index_dir)
    if not index_dir.is_dir() or not whoosh_index.exists_in(str(index_dir), indexname=INDEX_NAME):
        raise IndexNotFoundError(
            f"no newsearch index at {index_dir}: run `newsearch index PATH --index-dir {index_dir}` first"
        )
    version = read_meta(index_dir).get("schema_version")
    if version is not None and version != SCHEMA_VERSION:
        raise IncompatibleIndexError(
            f"the index at {index_dir} has schema version {version}, this newsearch needs "
            f"{SCHEMA_VERSION}: delete the folder and index again"
        )
    try:
        return whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
    except EmptyIndexError as exc:
        raise IndexNotFoundError(f"no usable index at {index_dir}: {exc}") from None


def open_or_create_index(index_dir: Path | str) -> Index:
    """Open the index for writing, creating it (and its folder) the first time."""
    index_dir = Path(index_dir)
    if index_dir.is_dir() and whoosh_index.exists_in(str(index_dir), indexname=INDEX_NAME):
        return open_index(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(index_dir), build_schema(), indexname=INDEX_NAME)
    write_meta(index_dir, created=now_iso())
    return ix


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def index_size_bytes(index_dir: Path | str) -> int:
    return sum(p.stat().st_size for p in Path(index_dir).iterdir() if p.is_file())
