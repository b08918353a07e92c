"""One index run at a time per index folder, and no lock outliving its run.

Whoosh's own write lock is released at every commit, so two runs could interleave batch by
batch. A run-level `flock` held for the whole run makes a second `newsearch index` wait for the
first to finish.

A `flock` belongs to the open file, and forked children share it: Whoosh's writer processes
(forked mid-run) kept both this lock and Whoosh's WRITELOCK after a `kill -9` of the run, and
themselves lived on, blocked on their job queue, so the next run waited out its whole timeout.
Three things now prevent that, each enough on its own in the common case:

- forked children close their copies of the lock files at once (`register_at_fork` below), so
  the locks go with the parent however its children fare;
- Whoosh's writer children ask the kernel to kill them when the run dies (`index.processes.die_with_parent`,
  installed by internals.py);
- the run lock file records its holder (pid, host, pid namespace). A run that finds the lock
  held although that holder is dead takes it over at once (a new lock file renamed into place;
  whatever leftover process holds the old one holds nothing that matters), and afterwards
  breaks a Whoosh WRITELOCK that nobody alive can be holding (`break_orphaned_write_lock`).
"""
from __future__ import annotations

import fcntl
import logging
import os
import socket
import time
import weakref
from collections.abc import Callable
from pathlib import Path

from search.results import IndexLockedError

log = logging.getLogger("newsearch.index")

RUN_LOCK_FILE = "indexer.lock"
LOCK_POLL_SECONDS = 0.2     # how often a waiting run tries the lock again

# Objects holding a lock's file descriptor in `.fd`; forked children close theirs (see module doc).
_HELD: weakref.WeakSet = weakref.WeakSet()


def hold_in_this_process_only(lock: object) -> None:
    """Register an object whose `.fd` holds a lock: a child forked while it is held closes its
    copy (and sets `.fd` to None) straight away, so the lock dies with this process."""
    _HELD.add(lock)


def released(lock: object) -> None:
    _HELD.discard(lock)


def _close_locks_in_child() -> None:
    for lock in list(_HELD):
        fd = getattr(lock, "fd", None)
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass
            lock.fd = None
    _HELD.clear()


os.register_at_fork(after_in_child=_close_locks_in_child)


def _identity() -> str:
    """Who holds a lock: pid, host and pid namespace (a pid means nothing on another host or
    in another container sharing the folder, and such a holder is never declared dead)."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    return f"{os.getpid()} {socket.gethostname()} {namespace}\n"


def _holder_is_dead(record: str) -> int | None:
    """The recorded holder's pid if that process is certainly gone, else None."""
    parts = record.split()
    if len(parts) < 2 or not parts[0].isdigit():
        return None  # nothing recorded (e.g. an older newsearch): assume alive, wait as before
    mine = _identity().split()
    if parts[1:] != mine[1:]:
        return None  # another host or pid namespace: cannot tell
    pid = int(parts[0])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return pid
    except PermissionError:  # exists, another user's
        return None
    try:  # a killed process not yet reaped by its parent is a zombie: it holds no files
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return pid if handle.read().rsplit(b")", 1)[-1].split()[0] == b"Z" else None
    except (OSError, IndexError):
        return None


def _read_record(fd: int) -> str:
    try:
        return os.pread(fd, 200, 0).decode("ascii", "replace")
    except OSError:
        return ""


class RunLock:
    """The run lock of one index folder (`with RunLock(dir, timeout): ...`).

    `previous_holder_died` tells, once entered, that the lock's last holder was killed rather
    than finished (a finished run clears its record; a killed one cannot): its leftovers may
    still hold Whoosh's WRITELOCK.
    """

    def __init__(self, index_dir: Path, timeout: float, on_wait: Callable[[], None] | None = None) -> None:
        self.path = Path(index_dir) / RUN_LOCK_FILE
        self.timeout = timeout
        self.on_wait = on_wait
        self.fd: int | None = None
        self.previous_holder_died = False

    def __enter__(self) -> "RunLock":
        from search.backends.whoosh.store import check_writable  # here: search.backends.whoosh.store imports this module's users

        check_writable(self.path.parent)
        deadline = time.monotonic() + self.timeout
        told = False
        while not self._try_acquire():
            if not told and self.on_wait:
                self.on_wait()
                told = True
            if time.monotonic() >= deadline:
                raise IndexLockedError(
                    f"another `newsearch index` is writing to {self.path.parent}; waited "
                    f"{self.timeout:.0f} s. Try again when it has finished, or pass a longer --lock-timeout."
                )
            time.sleep(LOCK_POLL_SECONDS)
        return self

    def _try_acquire(self) -> bool:
        """One attempt, under the folder's guard (a brief `flock` on the folder itself), so that
        taking the lock and recording the holder are one step to every other run."""
        guard = _Guard(self.path.parent)
        try:
            if not guard.acquire():
                return False
            fd = self._open(self.path)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                dead = _holder_is_dead(_read_record(fd))
                os.close(fd)
                if dead is None:
                    return False
                fd = self._take_over(dead)
            else:
                self.previous_holder_died = _holder_is_dead(_read_record(fd)) is not None
            os.ftruncate(fd, 0)
            os.pwrite(fd, _identity().encode("ascii"), 0)
            self.fd = fd
            hold_in_this_process_only(self)
            return True
        finally:
            guard.release()

    def _open(self, path: Path) -> int:
        from search.results import IndexPermissionError

        try:
            return os.open(path, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o644)
        except PermissionError:
            raise IndexPermissionError(f"permission denied: cannot write the lock file {path}") from None

    def _take_over(self, dead_pid: int) -> int:
        """A fresh lock file, locked by us, renamed over the one leftover processes hold."""
        log.warning("the run that held %s (pid %d) is gone but left processes holding its lock; "
                    "taking the lock over", self.path, dead_pid)
        fresh = self.path.with_name(f"{RUN_LOCK_FILE}.{os.getpid()}.tmp")
        fresh.unlink(missing_ok=True)  # left by a takeover that was itself killed
        fd = self._open(fresh)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a new file: nobody else has it
        os.replace(fresh, self.path)
        self.previous_holder_died = True
        return fd

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            released(self)
            try:  # a finished run leaves no record: a record found on entry means a killed run
                os.ftruncate(self.fd, 0)
            except OSError:
                pass
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


class _Guard:
    """A short-lived exclusive `flock` on the index folder itself, around lock bookkeeping."""

    def __init__(self, folder: Path) -> None:
        from search.results import IndexPermissionError

        try:
            self.fd: int | None = os.open(folder, os.O_RDONLY | os.O_CLOEXEC)
        except PermissionError:
            raise IndexPermissionError(f"permission denied: cannot read the index folder {folder}") from None
        hold_in_this_process_only(self)

    def acquire(self) -> bool:
        if self.fd is None:
            raise RuntimeError("the lock guard was released")
        deadline = time.monotonic() + 5 * LOCK_POLL_SECONDS
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(LOCK_POLL_SECONDS / 10)

    def release(self) -> None:
        if self.fd is not None:
            released(self)
            os.close(self.fd)  # closing releases the flock
            self.fd = None


def break_orphaned_write_lock(ix, run_lock: RunLock) -> bool:
    """Free Whoosh's WRITELOCK if it is held while we hold the run lock of a killed run.

    Every newsearch writer holds the run lock for its whole run, so with the run lock ours and
    its previous holder dead, whoever holds the WRITELOCK is that run's leftover. Removing the
    file makes Whoosh lock a new one. Returns whether it did.
    """
    if not run_lock.previous_holder_died:
        return False
    lock = ix.lock("WRITELOCK")
    if lock.acquire(False):
        lock.release()
        return False
    path = Path(getattr(lock, "filename", ""))
    if not path.name:
        return False
    log.warning("Whoosh's write lock %s is held by leftovers of a killed run; breaking it", path)
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    return True
