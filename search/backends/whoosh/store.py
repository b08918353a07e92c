"""Where an index lives on disk: opening, creating, and the metadata kept beside it.

The metadata file (`newsearch.json`) records the schema version, which entity recogniser
produced the entities, and when the index was last updated. It is written atomically (temp file
+ rename) after each Whoosh commit, so a crash leaves either the old or the new version.
"""
from __future__ import annotations

import errno
import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from whoosh import index as whoosh_index  # type: ignore[import-untyped]
from whoosh.index import EmptyIndexError, Index  # type: ignore[import-untyped]

from search.backends.whoosh.schema import SCHEMA_VERSION, build_schema
from search.backends.whoosh import mapped  # noqa: F401  (segments read from the map, not copied at open)
from search.backends.whoosh.spelling import VOCABULARY_FILE
from search.results import IncompatibleIndexError, IndexNotFoundError, IndexPermissionError

META_FILE = "newsearch.json"
INDEX_NAME = "MAIN"
DEFAULT_INDEX_DIR = "newsearch-index"
# Files besides Whoosh's own that a search reads.
_SEARCH_READS = (META_FILE, VOCABULARY_FILE)


def _denied(exc: OSError, doing: str, path: Path) -> IndexPermissionError:
    """The error for an OSError met while `doing` something with `path`, in one line."""
    reason = "read-only file system" if exc.errno == errno.EROFS else "permission denied"
    return IndexPermissionError(f"{reason}: cannot {doing} {exc.filename or path}")


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
    readable_by_others(fd)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(meta, handle, indent=2, sort_keys=True)
    os.replace(tmp, index_dir / META_FILE)
    return meta


def readable_by_others(fd: int) -> None:
    """Give a file made by mkstemp the permissions of any other file of the index (the umask's).

    mkstemp makes the file private (0600): the index would then be searchable only by the
    user who built it, and others' searches would lose its schema version and alias file.
    """
    os.fchmod(fd, 0o666 & ~_umask())


def _umask() -> int:
    """The process's umask, read without changing it (os.umask would race other threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def open_index(index_dir: Path | str) -> Index:
    """Open an existing index for searching; clear errors when there is none, it is foreign, or
    this user may not read it (`IndexPermissionError`, not "no index")."""
    index_dir = Path(index_dir)
    check_readable(index_dir)
    if not whoosh_index.exists_in(str(index_dir), indexname=INDEX_NAME):
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
    except PermissionError as exc:
        raise _denied(exc, "read the index file", index_dir) from None


def check_readable(index_dir: Path) -> None:
    """Raise `IndexNotFoundError` when there is no folder, `IndexPermissionError` when this user
    cannot list it or read a file a search reads (checked by opening each: access(2) answers
    for the real, not the effective, user)."""
    try:
        names = os.listdir(index_dir)
    except (FileNotFoundError, NotADirectoryError):
        raise IndexNotFoundError(
            f"no newsearch index at {index_dir}: run `newsearch index PATH --index-dir {index_dir}` first"
        ) from None
    except PermissionError as exc:
        raise _denied(exc, "read the index folder", index_dir) from None
    for name in sorted(names):
        if name.startswith((INDEX_NAME, "_" + INDEX_NAME)) or name in _SEARCH_READS:
            try:
                os.close(os.open(index_dir / name, os.O_RDONLY))
            except PermissionError as exc:
                raise _denied(exc, "read the index file", index_dir / name) from None
            except OSError:  # gone meanwhile (a merge removed a segment): not a permission matter
                pass


def check_writable(index_dir: Path) -> None:
    """Create the index folder if needed and make sure this user can write in it, before a run
    starts: Whoosh would otherwise fail at its first segment, with a traceback."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
    except PermissionError as exc:
        raise _denied(exc, "create the index folder", index_dir) from None
    except OSError as exc:
        if exc.errno != errno.EROFS:
            raise
        raise _denied(exc, "create the index folder", index_dir) from None
    effective = os.access in os.supports_effective_ids
    if not os.access(index_dir, os.W_OK | os.X_OK, effective_ids=effective):
        code = errno.EROFS if _read_only_fs(index_dir) else errno.EACCES
        raise _denied(OSError(code, os.strerror(code), str(index_dir)), "write to the index folder", index_dir)


def _read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def open_or_create_index(index_dir: Path | str) -> Index:
    """Open the index for writing, creating it (and its folder) the first time."""
    index_dir = Path(index_dir)
    check_writable(index_dir)
    check_readable(index_dir)
    if whoosh_index.exists_in(str(index_dir), indexname=INDEX_NAME):
        return open_index(index_dir)
    ix = whoosh_index.create_in(str(index_dir), build_schema(), indexname=INDEX_NAME)
    write_meta(index_dir, created=now_iso())
    return ix


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def index_size_bytes(index_dir: Path | str) -> int:
    return sum(p.stat().st_size for p in Path(index_dir).iterdir() if p.is_file())
