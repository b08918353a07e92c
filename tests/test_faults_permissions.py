"""An index folder this user may not read or write: "permission denied" and the path, exit 1.

Before, `search`/`stats` on an unreadable index said "no newsearch index" (it is there), and
`index` into a read-only folder ended in a traceback.

The suite runs as root, for whom permission bits deny nothing, so each check runs in a child
process forked from this one that drops to the `nobody` user (forked, not exec'd: the
interpreter lives under /root, which `nobody` may not enter; the modules a check needs are
imported before the fork for the same reason). Run as another user, the child stays that user.
"""
from __future__ import annotations

import os
import pwd
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest

import index.entities  # noqa: F401 - imported before the fork (see above)
import newsearch.indexing  # noqa: F401
import index.readers.seed  # noqa: F401
import newsearch.cli
from search.backends.whoosh.store import IndexNotFoundError, IndexPermissionError, open_index
from search import Engine

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


def _unprivileged_ids() -> tuple[int, int] | None:
    if os.geteuid() != 0:
        return None  # already unprivileged: run as we are
    try:
        user = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("running as root and there is no `nobody` user to drop to")
    return user.pw_uid, user.pw_gid


def run_unprivileged(check: Callable[[], int | None]) -> tuple[int, str, str]:
    """Run `check` in a forked child as an unprivileged user: (exit code, stdout, stderr)."""
    ids = _unprivileged_ids()
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 99
        try:
            os.dup2(out.fileno(), 1)
            os.dup2(err.fileno(), 2)
            # pytest's capture replaced sys.stdout/err with its own buffers: write to the files
            sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
            sys.stderr = open(2, "w", encoding="utf-8", closefd=False)
            if ids is not None:
                os.setgroups([])
                os.setgid(ids[1])
                os.setuid(ids[0])
            code = check() or 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # noqa: BLE001 - reported to the parent as output
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    out.seek(0)
    err.seek(0)
    return os.waitstatus_to_exitcode(status), out.read().decode(), err.read().decode()


def cli(*args: object) -> tuple[int, str, str]:
    return run_unprivileged(lambda: newsearch.cli.main([str(a) for a in args]))


def one_line(code: int, out: str, err: str, expected_code: int = 1) -> str:
    assert code == expected_code, (code, out, err)
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("newsearch: "), err
    return lines[0]


@pytest.fixture(scope="module")
def base():
    """A folder every user can enter (pytest's own tmp folders are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="newsearch-perm-", dir="/tmp"))
    folder.chmod(0o755)
    # The seeds the unprivileged child indexes, copied here: the clone's own seeds/ may sit under
    # a private folder (mktemp -d makes 0700 ones) that the child cannot enter.
    shutil.copytree(SEEDS, folder / "seeds")
    for path in [folder / "seeds", *(folder / "seeds").rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    newsearch.indexing.index_paths([folder / "seeds"], folder / "built", entities=False, show_progress=False)
    Engine(folder / "built").search("kim")  # Whoosh's lazily imported modules, before any fork
    Engine(folder / "built").stats()
    yield folder
    for path in folder.rglob("*"):
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(folder)


def copy_index(base: Path, name: str) -> Path:
    target = base / name
    shutil.copytree(base / "built", target)
    target.chmod(0o755)
    return target


def test_search_and_stats_on_an_unreadable_index_folder(base):
    ix = copy_index(base, "unreadable")
    ix.chmod(0o000)
    for args in (("search", "kim"), ("stats",), ("entities",)):
        line = one_line(*cli(*args, "--index-dir", ix))
        assert line == f"newsearch: permission denied: cannot read the index folder {ix}", line


def test_search_on_an_index_with_an_unreadable_segment_names_the_file(base):
    ix = copy_index(base, "private-segment")
    [segment] = ix.glob("*.seg")
    segment.chmod(0o600)
    line = one_line(*cli("search", "kim", "--index-dir", ix))
    assert line == f"newsearch: permission denied: cannot read the index file {segment}", line


def test_read_only_index_can_be_searched(base):
    ix = copy_index(base, "read-only")
    code, out, err = cli("search", "kim", "--index-dir", ix)
    assert code == 0 and out.startswith("2 results"), (out, err)
    code, out, err = cli("stats", "--index-dir", ix)
    assert code == 0 and "documents: 2" in out, (out, err)


def test_index_into_a_read_only_index_folder(base):
    ix = copy_index(base, "no-write")
    before = sorted(p.name for p in ix.iterdir())
    line = one_line(*cli("index", base / "seeds", "--no-entities", "--index-dir", ix))
    assert line == f"newsearch: permission denied: cannot write to the index folder {ix}", line
    assert sorted(p.name for p in ix.iterdir()) == before


def test_index_into_a_new_folder_under_a_read_only_one(base):
    parent = base / "locked-parent"
    parent.mkdir(mode=0o755)
    line = one_line(*cli("index", base / "seeds", "--no-entities", "--index-dir", parent / "sub" / "ix"))
    assert line == f"newsearch: permission denied: cannot create the index folder {parent / 'sub'}", line
    assert list(parent.iterdir()) == []


def test_index_with_a_lock_file_of_another_user(base):
    ix = copy_index(base, "foreign-lock")
    ix.chmod(0o777)  # the folder is writable, the lock file (root's, 0644) is not
    (ix / "indexer.lock").touch()
    (ix / "indexer.lock").chmod(0o644)
    line = one_line(*cli("index", base / "seeds", "--no-entities", "--index-dir", ix))
    assert line == f"newsearch: permission denied: cannot write the lock file {ix / 'indexer.lock'}", line


def test_api_raises_the_not_found_subclass(base):
    """The web app maps IndexNotFoundError to 503; the permission error is one."""
    assert issubclass(IndexPermissionError, IndexNotFoundError)
    ix = copy_index(base, "api-unreadable")
    ix.chmod(0o000)

    def check() -> int:
        try:
            Engine(ix).search("kim")
        except IndexPermissionError as exc:
            print(exc)
            return 3
        return 0

    code, out, _ = run_unprivileged(check)
    assert code == 3 and "permission denied" in out and str(ix) in out


def test_open_index_maps_a_permission_error_without_a_second_user(tmp_path, monkeypatch):
    """The same mapping, by a PermissionError injected where listing the folder fails."""
    newsearch.indexing.index_paths([SEEDS], tmp_path / "ix", entities=False, show_progress=False)

    def denied(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(os, "listdir", denied)
    with pytest.raises(IndexPermissionError, match=f"permission denied: cannot read the index folder {tmp_path / 'ix'}"):
        open_index(tmp_path / "ix")


def test_meta_file_is_readable_by_others(base):
    """mkstemp's 0600 made newsearch.json private to the indexing user."""
    mode = (base / "built" / "newsearch.json").stat().st_mode & 0o777
    assert mode & 0o044 == 0o044, oct(mode)
