"""Opening an index: one-shot command-line wall time, a fresh server's first request, open cost.

What a new user waits for. Each figure is measured in a fresh process, several times, and the
median is reported:

- `cli`: wall time and CPU time (user + system: on a busy machine the wall time is mostly
  waiting for a core) of `python -m newsearch.cli <command>` (Python start and imports included)
  for search (a misspelt word, whose answer must carry "did you mean"; two plain words, whose
  snippets must be highlighted), stats, trends, stories and entities, on a Whoosh index.
- `server`: a freshly started `newsearch serve`: the wall time of its first `/api/search`
  request (the index is opened by that request), and whether that answer was complete.
- `open`: in a fresh Python process, `Engine(index).search(q)` for the first time, split into
  imports and first request; `--cold` also measures it with the on-disk table cache removed
  (the first search after a commit: the tables of the new segments are built then).

`--source DIR` runs the commands from another checkout (e.g. `git archive` of an older commit)
against the same index, so a before/after pair is measured in one run under the same load.

Usage: .venv/bin/python bench/first_answer.py --index /tmp/reuters-index [--runs 5] [--cold]
       .venv/bin/python bench/first_answer.py --index IDX --source /tmp/old-checkout --label before
Writes bench/results/first_answer-<label>.json.
"""
from __future__ import annotations

import argparse
import json
import resource
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, machine, table, write_json  # noqa: E402
from search.backends.whoosh.tablecache import SUFFIX  # noqa: E402

PYTHON = sys.executable
MISSPELT, EXPECTED = "petroleom", "petroleum"
TWO_WORDS = "oil prices"
COMMANDS = {
    "search (misspelt)": ["search", MISSPELT, "--json"],
    "search (two words)": ["search", TWO_WORDS, "--json"],
    "stats": ["stats"],
    "trends": ["trends", "oil", "coffee"],
    "stories": ["stories"],
    "entities": ["entities", "--top", "10"],
}


def complete(name: str, out: str) -> str:
    """'' when a search's JSON answer is complete and what it should be, else what is wrong."""
    if not name.startswith("search"):
        return ""
    answer = json.loads(out)
    problems = ["partial"] if answer.get("partial") else []
    if name == "search (misspelt)" and EXPECTED not in (answer.get("suggestion") or ""):
        problems.append("no did-you-mean")
    if name == "search (two words)" and not any("<mark>" in h.get("snippet", "") for h in answer["hits"]):
        problems.append("snippets not highlighted")
    return ", ".join(problems)


def _children_cpu() -> float:
    """CPU seconds (user + system) of finished child processes: less at the mercy of a busy
    machine than wall time, which is what a user waits for but includes waiting for a core."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_shot(source: Path, index: Path, runs: int) -> dict:
    results = {}
    for name, argv in COMMANDS.items():
        walls, cpus, problems = [], [], set()
        for _ in range(runs):
            t0, cpu0 = time.perf_counter(), _children_cpu()
            done = subprocess.run([PYTHON, "-m", "newsearch.cli", *argv, "--index-dir", str(index)], cwd=source,
                                  capture_output=True, text=True)
            walls.append(time.perf_counter() - t0)
            cpus.append(_children_cpu() - cpu0)
            if done.returncode:
                problems.add(f"exit {done.returncode}: {done.stderr.strip()[-200:]}")
            else:
                problems.add(complete(name, done.stdout))
        results[name] = {"median_s": statistics.median(walls), "runs_s": walls, "cpu_median_s": statistics.median(cpus),
                         "problems": sorted(p for p in problems if p)}
    return results


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_request(source: Path, index: Path, runs: int) -> dict:
    """A fresh server per run: wait until it listens, then time its first search request."""
    walls, problems = [], set()
    for _ in range(runs):
        port = _free_port()
        server = subprocess.Popen([PYTHON, "-m", "newsearch.cli", "serve", "--index-dir", str(index),
                                   "--port", str(port)], cwd=source,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.05)
            url = f"http://127.0.0.1:{port}/api/search?q={MISSPELT}"
            t0 = time.perf_counter()
            with urllib.request.urlopen(url, timeout=120) as response:
                body = response.read()
            walls.append(time.perf_counter() - t0)
            problems.add(complete("search (misspelt)", body.decode("utf-8")))
        finally:
            server.terminate()
            server.wait(10)
    return {"median_s": statistics.median(walls), "runs_s": walls, "problems": sorted(p for p in problems if p)}


_OPEN = """
import json, sys, time
t0 = time.perf_counter()
from search import Engine
t1 = time.perf_counter()
r = Engine(sys.argv[1]).search(sys.argv[2])
t2 = time.perf_counter()
print(json.dumps({"imports_s": t1 - t0, "first_request_s": t2 - t1, "took_ms": r.took_ms, "partial": r.partial}))
"""


def open_cost(source: Path, index: Path, runs: int, cold: bool) -> dict:
    """In-process: imports, then the first request (opening included); `cold` removes the table
    cache before each run (what the first search after a commit pays)."""
    rows = []
    for _ in range(runs):
        if cold:
            for path in index.glob(f"*{SUFFIX}"):
                path.unlink()
        done = subprocess.run([PYTHON, "-c", _OPEN, str(index), TWO_WORDS], cwd=source, capture_output=True,
                              text=True, check=True)
        rows.append(json.loads(done.stdout))
    return {key: statistics.median(r[key] for r in rows) for key in ("imports_s", "first_request_s", "took_ms")} | {
        "partial_any": any(r["partial"] for r in rows)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, required=True, help="a Whoosh index (e.g. of Reuters-21578)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--source", type=Path, default=REPO, help="the checkout whose code runs (default: this one)")
    ap.add_argument("--label", default="current")
    ap.add_argument("--cold", action="store_true", help="also measure the first request with no table cache")
    ap.add_argument("--only", choices=("cli", "server", "open"), action="append",
                    help="measure only these parts (default: all)")
    args = ap.parse_args()
    parts = args.only or ["cli", "server", "open"]
    source, index = args.source.resolve(), args.index.resolve()
    out: dict = {"label": args.label, "source": str(source), "index": str(index), "runs": args.runs,
                 "machine": machine(), "at": time.strftime("%Y-%m-%d %H:%M")}
    with open("/proc/loadavg") as fh:
        out["loadavg_before"] = fh.read().split()[:3]
    if "cli" in parts:
        out["cli"] = one_shot(source, index, args.runs)
    if "server" in parts:
        out["server_first_request"] = first_request(source, index, args.runs)
    if "open" in parts:
        out["open_warm_cache"] = open_cost(source, index, args.runs, cold=False)
        if args.cold:
            out["open_no_cache"] = open_cost(source, index, args.runs, cold=True)
            open_cost(source, index, 1, cold=False)  # leave the cache built
    with open("/proc/loadavg") as fh:
        out["loadavg_after"] = fh.read().split()[:3]
    write_json(f"first_answer-{args.label}.json", out)
    rows = [[f"cli {name}", r["median_s"], r["cpu_median_s"], ", ".join(r["problems"]) or "complete"]
            for name, r in out.get("cli", {}).items()]
    if "server_first_request" in out:
        r = out["server_first_request"]
        rows.append(["server first request", r["median_s"], "", ", ".join(r["problems"]) or "complete"])
    for key in ("open_warm_cache", "open_no_cache"):
        if key in out:
            r = out[key]
            rows.append([f"{key}: imports", r["imports_s"], "", ""])
            rows.append([f"{key}: first request", r["first_request_s"], "", "partial" if r["partial_any"] else "complete"])
    print(f"{args.label} ({source}), index {index}, median of {args.runs}, load {out['loadavg_before']}")
    print(table(["what", "wall s (median)", "CPU s (median)", "answer"], rows))


if __name__ == "__main__":
    main()
