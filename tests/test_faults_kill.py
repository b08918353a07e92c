"""`kill -9` of an index run (the process alone, not its group) leaves nothing behind.

Whoosh's writer sub-processes used to survive the run, blocked on their job queue for ever and
holding, by inheritance, the run lock and Whoosh's WRITELOCK: the next run waited out its whole
lock timeout (7 kills in 10). Now they die with the run, and a lock whose recorded holder is
dead is taken over at once.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from newsearch.indexing import index_paths
from search.backends.whoosh.locking import RUN_LOCK_FILE, RunLock
from search.backends.whoosh.store import open_index
from tests.corpus import REPO, generate_corpus, start_index_child

PER_FILE = 300
KILLS = 3               # independent kills: before the fix each left the locks held 7 times in 10
GONE_WITHIN_S = 5.0     # how soon the killed run's children must be gone
LOCK_AT_ONCE_S = 2.0    # a new run must get the lock within this (the old default wait was 600 s)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kill-corpus")
    return {"dir": folder, "total": generate_corpus(folder, 30, PER_FILE, seed=5)}


def _children(pid: int) -> list[int]:
    """Live (non-zombie) processes whose parent is `pid`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat and int(stat[1]) == pid and stat[0] != "Z":
                found.append(int(entry))
    return found


def _stat(pid: int) -> list[str] | None:
    """[state, ppid, ...] of a process, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].decode().split()
    except (OSError, IndexError):
        return None


def _alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"  # a zombie holds no files; init reaps it


def _wait_for_line(child: subprocess.Popen, prefix: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            return False
        if line.startswith(prefix):
            return True
    return False


def _kill_mid_run(corpus_dir: Path, ix: Path) -> list[int]:
    """Start a run, wait until its writer processes work, `kill -9` the run's process only.
    Returns the writer processes' pids."""
    child = start_index_child(corpus_dir, ix, commit_every=600)
    try:
        assert _wait_for_line(child, "START", 60)
        assert _wait_for_line(child, "COMMIT", 120), "no commit seen"
        deadline = time.monotonic() + 30
        writers = _children(child.pid)
        while not writers and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.01)
            writers = _children(child.pid)
        assert writers, "the run had no writer processes to leave behind"
        assert child.poll() is None, "the run finished before the kill"
        os.kill(child.pid, signal.SIGKILL)  # the run alone, as `kill -9 PID` does
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    return writers


def test_kill_9_of_the_run_alone_leaves_no_writer_and_no_lock(tmp_path, corpus):
    ix = tmp_path / "ix"
    for n in range(KILLS):
        writers = _kill_mid_run(corpus["dir"], ix)
        deadline = time.monotonic() + GONE_WITHIN_S
        while any(map(_alive, writers)) and time.monotonic() < deadline:
            time.sleep(0.05)
        survivors = [pid for pid in writers if _alive(pid)]
        for pid in survivors:  # clean up before failing, so the rest of the suite can run
            os.kill(pid, signal.SIGKILL)
        assert not survivors, f"kill {n + 1}: writer processes {survivors} outlived the run"

        started = time.monotonic()
        with RunLock(ix, timeout=LOCK_AT_ONCE_S):
            assert time.monotonic() - started < LOCK_AT_ONCE_S
            lock = open_index(ix).lock("WRITELOCK")
            assert lock.acquire(False), f"kill {n + 1}: Whoosh's WRITELOCK is still held"
            lock.release()

    summary = index_paths([corpus["dir"]], ix, entities=False, show_progress=False, lock_timeout=LOCK_AT_ONCE_S)
    assert summary.failed == 0
    with open_index(ix).searcher() as searcher:
        ids = [fields["id"] for fields in searcher.all_stored_fields()]
    assert len(ids) == len(set(ids)) == corpus["total"]


# A stand-in for a killed run's leftovers: holds the run lock file (recording `dead_pid` as the
# holder) and Whoosh's WRITELOCK, as inherited descriptors would, until it is killed.
_LEFTOVER = textwrap.dedent("""
    import fcntl, os, socket, sys
    ix, dead_pid = sys.argv[1], sys.argv[2]
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    run_lock = os.open(os.path.join(ix, "indexer.lock"), os.O_CREAT | os.O_RDWR)
    fcntl.flock(run_lock, fcntl.LOCK_EX)
    os.ftruncate(run_lock, 0)
    os.pwrite(run_lock, f"{dead_pid} {socket.gethostname()} {namespace}\\n".encode(), 0)
    write_lock = os.open(os.path.join(ix, "MAIN_WRITELOCK"), os.O_CREAT | os.O_WRONLY)
    fcntl.flock(write_lock, fcntl.LOCK_EX)
    print("HOLDING", flush=True)
    sys.stdin.read()
""")


def _dead_pid() -> int:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    return gone.pid


def test_locks_held_by_leftovers_of_a_dead_run_are_taken_over_at_once(tmp_path):
    ix = tmp_path / "ix"
    index_paths([REPO / "seeds"], ix, entities=False, show_progress=False)
    leftover = subprocess.Popen([sys.executable, "-c", _LEFTOVER, str(ix), str(_dead_pid())],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert leftover.stdout.readline().strip() == "HOLDING"
        data = tmp_path / "data"
        (data / "a").mkdir(parents=True)
        (data / "a" / "note.txt").write_text("Harbour news\n\nThe harbour reopened on Monday.\n", "utf-8")
        started = time.monotonic()
        summary = index_paths([data], ix, entities=False, show_progress=False, lock_timeout=30)
        took = time.monotonic() - started
        assert summary.added == 1
        assert took < 10, f"waited {took:.1f} s for locks nobody alive holds"
        assert leftover.poll() is None  # it was not killed: its locks were simply left to it
        assert (ix / RUN_LOCK_FILE).read_text() == ""  # released and cleared by the finished run
    finally:
        leftover.kill()
        leftover.wait()


def test_a_live_holder_is_waited_for_not_taken_over(tmp_path):
    """The recorded holder alive (this very process): the run waits and gives up clearly."""
    from search.backends.whoosh.locking import IndexLockedError

    ix = tmp_path / "ix"
    with RunLock(ix, timeout=1):
        started = time.monotonic()
        with pytest.raises(IndexLockedError):
            index_paths([REPO / "seeds"], ix, entities=False, show_progress=False, lock_timeout=1)
        assert time.monotonic() - started >= 0.9
        assert (ix / RUN_LOCK_FILE).read_text().split()[0] == str(os.getpid())


def test_a_failed_run_leaves_no_writer_processes(tmp_path, corpus):
    """An exception mid-run: Whoosh's cancel only flagged its writers in this process's copies."""
    script = textwrap.dedent("""
        import os, sys, newsearch.indexing as indexer
        original, calls = indexer.read_file, []
        def read_file(*args, **kwargs):
            calls.append(1)
            if len(calls) == 3:
                raise OSError("disk on fire")
            return original(*args, **kwargs)
        indexer.read_file = read_file
        try:
            indexer.index_paths([sys.argv[1]], sys.argv[2], entities=False, show_progress=False)
        except OSError as exc:
            print("FAILED", exc, flush=True)
        def parent_of(pid):
            try:
                with open(f"/proc/{pid}/stat", "rb") as handle:
                    return int(handle.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                return None
        children = [p for p in os.listdir("/proc") if p.isdigit() and parent_of(p) == os.getpid()]
        print("CHILDREN", len(children), flush=True)
    """)
    result = subprocess.run([sys.executable, "-c", script, str(corpus["dir"]), str(tmp_path / "ix")],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert "FAILED disk on fire" in result.stdout, result.stderr
    assert "CHILDREN 0" in result.stdout
    assert "Traceback" not in result.stderr, result.stderr  # writers reading deleted job files
