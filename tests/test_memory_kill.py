"""The researcher's store after `kill -9` (issue 22: "no data lost on kill -9"): a process saving
10,000-id searches and tagging articles in a loop is killed at a random moment; the SQLite file
is whole (integrity check), every saved search has exactly its frozen ids (none half-written),
and every change that returned before the kill is there."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from search.memory import saved, tags
from search.memory.store import ResearchStore

REPO = Path(__file__).resolve().parent.parent

WRITER = textwrap.dedent('''
    import sys
    sys.path.insert(0, sys.argv[2])
    from search.memory import saved, tags
    from search.memory.store import ResearchStore
    from search.request import SearchRequest
    from tests.test_saved_searches import PagingEngine

    store = ResearchStore(sys.argv[1])
    n = 0
    while True:
        saved.save(PagingEngine(10_000), store, f"{sys.argv[3]} search {n}", SearchRequest.build("oil"), author="ana")
        tags.tag_articles(store, f"{sys.argv[3]} tag {n}", [f"article-{i:05d}" for i in range(n, n + 50)],
                          author="ana")
        print(n, flush=True)  # both changes of round n returned
        n += 1
''')


def test_a_killed_writer_leaves_whole_changes_only(tmp_path):
    path = tmp_path / "research.sqlite"
    for delay in (0.7, 1.3):
        label = f"round {delay}"
        process = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(REPO), label], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        # At least one round has returned (a line), then the kill lands mid-way through another.
        line = process.stdout.readline() if process.stdout else ""
        assert line.strip(), f"the writer stopped: {process.stderr.read() if process.stderr else ''}"
        time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        confirmed = int(line)
        rest = process.stdout.read() if process.stdout else ""
        confirmed = max([confirmed] + [int(x) for x in rest.split()])

        store = ResearchStore(path)
        assert store.connection().execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        listed = saved.saved_searches(store)
        assert {s.name for s in listed} >= {f"{label} search {n}" for n in range(confirmed + 1)}
        for kept in listed:  # whole or absent: never a saved search with part of its ids
            ids = list(saved.frozen_ids(store, kept.name))
            assert kept.frozen == len(ids) == 10_000 and ids[-1] == "article-09999"
        counts = dict(tags.tags(store))
        for n in range(confirmed + 1):
            assert counts[f"{label} tag {n}"] == 50
        assert all(count == 50 for count in counts.values())
        store.close()
