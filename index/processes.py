"""Child processes of an index run (Whoosh's writer processes, NER workers, the story grouping
process): dying with the run, ending them, and saying how one ended.

Neutral ground: the index run (newsearch/indexing.py), index/ner_pool.py, index/story_process.py
and the Whoosh backend all use these, so they live below all of them rather than in one backend.
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys
from multiprocessing.process import BaseProcess

PR_SET_PDEATHSIG = 1        # from <linux/prctl.h>


class ProcessDiedError(RuntimeError):
    """A process an index run depends on (a Whoosh writer, an NER worker) died or failed: what
    it held since the last commit is lost, so the run must stop without committing. The message
    says which process and how it ended."""


def how_it_ended(exitcode: int | None) -> str:
    """A child's `multiprocessing` exit code in words: "was killed by SIGKILL", "exited with 1"."""
    if exitcode is None:
        return "is still running"
    if exitcode < 0:
        try:
            return f"was killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"was killed by signal {-exitcode}"
    return f"exited with status {exitcode}"


def die_with_parent(expected_parent: int) -> None:
    """Make the calling (child) process die with `expected_parent`; exit now if it already has.

    PR_SET_PDEATHSIG is Linux's; elsewhere this only checks the parent. The check after the
    prctl closes the race where the parent died between fork and prctl (the child was already
    re-parented then, and no signal will come). The kernel sends the signal when the *thread*
    that forked the child ends: an index run starts its writer processes in the thread that
    runs it and ends them (commit or close) before that thread returns.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the parent check below still applies
            pass
    if os.getppid() != expected_parent:
        os._exit(1)


def end_process(process: BaseProcess, grace_seconds: float) -> None:
    """Wait up to `grace_seconds` for a child (a multiprocessing.Process) that was asked to stop,
    then kill it: a child that hangs must not keep a finished or failed run alive."""
    process.join(timeout=grace_seconds)
    if process.is_alive():
        process.kill()
        process.join()


__all__ = ["ProcessDiedError", "how_it_ended", "die_with_parent", "end_process"]
