"""Fault benchmark: kill -9 during indexing, 64 clients on the server, a query fuzzer.

    .venv/bin/python bench/faults.py                # the full run (~25 minutes on 2 cores)
    .venv/bin/python bench/faults.py --quick        # 3 kills, 10 s of load, 500 fuzz inputs
    .venv/bin/python bench/faults.py --only fuzz --fuzz 2000 --index-dir DIR

Three parts, over Reuters-21578 (the 22 `reut2-*.sgm.gz` files, `--no-entities`):

1. kill -9. One clean `newsearch index` run (a real subprocess: the venv's CLI with the commit
   interval shortened to COMMIT_EVERY_DOCS=1000 / COMMIT_EVERY_SECONDS=2, about one commit per
   file) gives the reference index and the run's duration D. Then, K times, a fresh run on an
   empty folder is killed with SIGKILL on its main process only (what `kill -9 PID` does) at a
   moment drawn uniformly from [0.03 D, 0.95 D] (seeded). After each kill: the processes the run
   had started are given 3 s to go away; those still alive, and any process whose command line
   names the index folder, are left-over processes; the run lock and Whoosh's write lock are
   tested (flock, non-blocking); a search must open the index and answer (or report "no index"
   when nothing was committed); the committed state must hold whole files only and no
   duplicate; when processes were left over, a re-run with a 3 s lock timeout shows whether
   they block the next run; then they are killed (so the benchmark can go on), the same command
   is re-run to completion, and its waits for the run lock and Whoosh's write lock are timed.
   The result is compared with the clean index: the same ids (lost, extra, duplicated), the same
   count, and for fixed queries (bench/core.py's, seed 42) the same total and the same top 10
   (equal-score, equal-date ties may come in any order: compared as sets).
2. load. `newsearch serve` (waitress, 4 threads) as a subprocess on 127.0.0.1 over the clean
   index; C client threads (bench/load.py's request mix: search pages, the JSON API, article
   pages) for S seconds, bounded in time and count; throughput, p50/p95/p99, errors (any
   non-200: every request in the mix is valid), and the server's RSS when ready, after a
   warm-up, at its peak and after the load.
3. fuzz. N hypothesis-generated inputs (tests/test_fuzz.py's strategy, seeded), plus its
   explicit hard examples, each through `search()` and through `/api/search` (Flask's test
   client over the same Engine), every call timed. Failures: an exception other than
   QuerySyntaxError/BadParameterError, a 5xx, a call over 1 s. Distinct failures are grouped by
   entry point, exception type and raising site (slow ones by where the time went, from a
   cProfile re-run), each with its shortest reproducer.

Goal: 0 lost, 0 duplicated, 0 left-over processes or held locks, 0 load errors, 0 fuzz failures,
0 calls over 1 s. Prints tables, writes bench/results/faults.json; exits 1 if a goal is missed.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, SHARED, machine, require_data, table, versions, write_json  # noqa: E402

REUTERS = SHARED / "reuters21578"
SLOW_SECONDS = 1.0

from faults_kill import alive, clean_run, describe, kill_all, kill_part, processes_naming  # noqa: E402  (part 1)
from faults_load import load_part  # noqa: E402  (part 2)
from faults_fuzz import fuzz_part  # noqa: E402  (part 3)


# ---- main ---------------------------------------------------------------------------------------


def git_commit() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "index", "search", "web", "newsearch"],
                               cwd=REPO, capture_output=True, text=True).stdout.strip()
        return commit + (" (+ uncommitted changes in index/search/web/newsearch)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


def print_tables(report: dict) -> None:
    if "kill" in report:
        k = report["kill"]
        t = k["totals"]
        print(f"\nkill -9: clean run {k['clean']['documents']:,} documents in {k['clean']['seconds']} s; with short "
              f"commits {k['clean_short_commits']['seconds']} s ({k['clean_short_commits']['commits']} commits); "
              f"{t['kills']} kills ({t['finished_before_kill']} runs finished first)")
        print(table(["measure", "value", "goal"], [
            ["documents lost", t["lost"], 0], ["documents duplicated", t["duplicated"], 0],
            ["unknown documents (extra ids)", t["extra"], 0],
            ["count mismatches (Whoosh / search / stats)", t["count_mismatches"], 0],
            [f"query totals differing ({k['queries']} queries x trials)", t["query_totals_differ"], 0],
            ["top-10 lists differing", t["top10_differ"], 0],
            ["trials with left-over processes", t["trials_with_leftover_processes"], 0],
            ["left-over processes", t["leftover_processes"], 0],
            ["trials with a lock held after the kill", t["trials_with_locks_held_after_kill"], 0],
            ["re-runs blocked by left-overs (3 s lock timeout)", t["reruns_blocked_by_leftovers"], 0],
            ["searches right after the kill that answered", f"{t['searches_after_kill_ok']}/{len(k['trials'])}", "all"],
            ["states after the kill not a commit (partial file, dup)", t["states_after_kill_not_committed"], 0],
            ["re-runs failed", t["reruns_failed"], 0],
            ["re-run lock wait, median / max s", f"{t['rerun_lock_wait_median_s']} / {t['rerun_lock_wait_max_s']}", "~0"],
            ["re-run duration, median s", t["rerun_seconds_median"], ""],
            ["processes / locks left after the re-runs", f"{t['leftover_after_rerun']} / {t['locks_held_after_rerun']}", "0 / 0"],
            ["stray segment files after the re-run", t["stray_segments"], ""],
        ]))
    if "load" in report:
        lo = report["load"]
        r = lo["results"]
        print(f"\nload: {lo['clients']} clients for {lo['seconds']} s on newsearch serve "
              f"({lo['server_threads']} threads), RSS MB ready {lo['rss_mb']['ready']}, before {lo['rss_mb']['before']}, "
              f"peak {lo['rss_mb']['peak']}, after {lo['rss_mb']['after']}")
        print(table(["kind", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"],
                    [[kind, v["requests"], v["errors"], v["requests_per_s"] or "", v["p50_ms"], v["p95_ms"],
                      v["p99_ms"], v["max_ms"]] for kind, v in r.items()]))
    if "fuzz" in report:
        f = report["fuzz"]
        print(f"\nfuzz: {f['totals']['inputs']:,} inputs ({f['inputs']['explicit']} explicit), {f['seconds']} s"
              + (f", {f['inputs']['skipped_over_budget']} skipped over the time budget" if f['inputs']['skipped_over_budget'] else ""))
        print(table(["entry point", "calls", "answered", "refused (4xx)", "failures", "over 1 s", "p50 ms", "p99 ms", "max ms"],
                    [[w, v["calls"], v["answered"], v["refused"], v["failures"], v["over_1s"], v["p50_ms"],
                      v["p99_ms"], v["max_ms"]] for w, v in f["per_entry_point"].items()]))
        for d in f["distinct_failures"]:
            print(f"  FAILURE x{d['count']} {d['where']} {d['kind']}: {d['error'][:120]} at {d['site']}\n"
                  f"      reproducer: {d['reproducer']!r}"[:600])
        for s in f["slow"]["by_hot_spot"]:
            print(f"  SLOW {s['where']} {s['seconds']} s, time in {s['hot_spot']}\n      reproducer: {s['reproducer']!r}"[:600])


def goals_missed(report: dict) -> list[str]:
    missed = []
    if "kill" in report:
        t = report["kill"]["totals"]
        for key in ("lost", "duplicated", "extra", "count_mismatches", "query_totals_differ", "top10_differ",
                    "leftover_processes", "trials_with_locks_held_after_kill", "leftover_after_rerun",
                    "locks_held_after_rerun", "states_after_kill_not_committed", "reruns_failed"):
            if t[key]:
                missed.append(f"kill: {key} = {t[key]}")
        if t["searches_after_kill_ok"] != len(report["kill"]["trials"]):
            missed.append("kill: a search after a kill failed")
    if "load" in report and report["load"]["results"]["all"]["errors"]:
        missed.append(f"load: {report['load']['results']['all']['errors']} errors")
    if "fuzz" in report:
        t = report["fuzz"]["totals"]
        if t["failures"]:
            missed.append(f"fuzz: {t['failures']} failures ({t['distinct_failures']} distinct)")
        if t["over_1s"]:
            missed.append(f"fuzz: {t['over_1s']} calls over 1 s")
    return missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 kills, 16 clients for 10 s, 500 fuzz inputs")
    parser.add_argument("--only", choices=["kill", "load", "fuzz"], action="append",
                        help="run only this part (repeatable); load and fuzz then need --index-dir or build one")
    parser.add_argument("--data", type=Path, default=REUTERS, help="Reuters-21578 folder")
    parser.add_argument("--files", type=int, default=None, help="only the first N Reuters files (development)")
    parser.add_argument("--index-dir", type=Path, help="existing Reuters index for load/fuzz (skips the build)")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--commit-docs", type=int, default=1000, help="COMMIT_EVERY_DOCS for the index runs")
    parser.add_argument("--commit-seconds", type=float, default=2.0, help="COMMIT_EVERY_SECONDS for the index runs")
    parser.add_argument("--lock-timeout", type=float, default=300.0, help="--lock-timeout of the index runs")
    parser.add_argument("--probe-lock-timeout", type=float, default=3.0,
                        help="--lock-timeout of the re-run tried while left-over processes live")
    parser.add_argument("--grace", type=float, default=3.0, help="seconds a killed run's children get to exit")
    parser.add_argument("--queries", type=int, default=90, help="fixed queries compared (bench/core.py's)")
    parser.add_argument("--load-seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--max-requests", type=int, default=1_000_000, help="bound on load requests")
    parser.add_argument("--warmup", type=int, default=100, help="load warm-up requests (4 clients)")
    parser.add_argument("--fuzz", type=int, default=10_000, help="generated fuzz inputs")
    parser.add_argument("--fuzz-budget", type=float, default=3600.0, help="stop fuzzing after this many seconds")
    parser.add_argument("--profile-slow", type=int, default=12, help="slow fuzz inputs re-run under cProfile")
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--keep", action="store_true", help="keep the work folder (indexes, run outputs)")
    args = parser.parse_args(argv)
    if args.quick:
        args.kills, args.load_seconds, args.clients, args.fuzz = min(args.kills, 3), 10.0, 16, 500
    parts = set(args.only or ["kill", "load", "fuzz"])

    require_data(args.data, "Reuters-21578")
    files = sorted(args.data.glob("reut2-*.sgm.gz"))[:args.files]
    if not files:
        raise SystemExit(f"no reut2-*.sgm.gz files in {args.data}")
    work = Path(tempfile.mkdtemp(prefix="newsearch-faults-"))
    report: dict = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "commit": git_commit(),
        "machine": machine(), "load_average_at_start": os.getloadavg(), "versions": versions("whoosh-reloaded", "hypothesis"),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
    }
    started = time.monotonic()
    try:
        ix = args.index_dir
        if "kill" in parts:
            report["kill"] = kill_part(files, work, args)
            ix = ix or report["kill"].pop("index_dir")
            report["kill"].pop("index_dir", None)
        if ({"load", "fuzz"} & parts) and ix is None:
            print("building a Reuters index for load/fuzz ...", flush=True)
            ix, _, _ = clean_run(files, work, args)
        if "load" in parts:
            print(f"\nload: {args.clients} clients for {args.load_seconds} s ...", flush=True)
            report["load"] = load_part(ix, work, args)
        if "fuzz" in parts:
            print(f"\nfuzz: {args.fuzz} generated inputs (seed {args.seed}) ...", flush=True)
            report["fuzz"] = fuzz_part(ix, args)
        report["leftover_processes_at_end"] = [describe(p) for p in alive(processes_naming(work))]
        kill_all(alive(processes_naming(work)))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}")
    report["seconds"] = round(time.monotonic() - started, 1)
    report["load_average_at_end"] = os.getloadavg()
    report["goals_missed"] = goals_missed(report)
    print_tables(report)
    out = write_json("faults.json", report)
    print(f"\n{len(report['goals_missed'])} goals missed" + "".join(f"\n  {m}" for m in report["goals_missed"]))
    print(f"wrote {out.relative_to(REPO)} ({report['seconds']} s)")
    return 1 if report["goals_missed"] else 0


if __name__ == "__main__":
    sys.exit(main())
