"""One index run at a time per index folder.

Whoosh's own write lock is released at every commit, so two runs could interleave batch by
batch. A run-level `flock` held for the whole run makes a second `newsearch index` wait for the
first to finish. `flock` locks vanish with their process, so a killed run (even `kill -9`)
never leaves a stale lock behind.
"""
from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path

RUN_LOCK_FILE = "indexer.lock"


class IndexLockedError(Exception):
    """Another index run holds the index for longer than we were willing to wait."""


class RunLock:
    def __init__(self, index_dir: Path, timeout: float, on_wait: Callable[[], None] | None = None) -> None:
        self.path = Path(index_dir) / RUN_LOCK_FILE
        self.timeout = timeout
        self.on_wait = on_wait
        self.fd: int | None = None

    def __enter__(self) -> "RunLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o644)
        deadline = time.monotonic() + self.timeout
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told and self.on_wait:
                    self.on_wait()
                    told = True
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise IndexLockedError(
                        f"another `newsearch index` is writing to {self.path.parent}; waited "
                        f"{self.timeout:.0f} s. Try again when it has finished, or pass a longer --lock-timeout."
                    ) from None
                time.sleep(0.2)
        self.fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
