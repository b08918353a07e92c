"""Fault benchmark: kill -9 during indexing, a writer process killed, a hostile file name, many
same-day near-duplicates, 64 clients on the server, answers checked under load, feeds parsed as
XML, a query fuzzer.

    .venv/bin/python bench/faults.py                # the full run (~40 minutes on 2 cores)
    .venv/bin/python bench/faults.py --quick        # 3 kills, 2 writer kills, 10 s of load, 500 fuzz inputs
    .venv/bin/python bench/faults.py --only fuzz --fuzz 2000 --index-dir DIR
    .venv/bin/python bench/faults.py --only answers --only hostile --index-dir DIR

Parts 1-3 and 5 over Reuters-21578 (the 22 `reut2-*.sgm.gz` files, `--no-entities`); 4 and 6
(bench/faults_writer.py, bench/faults_grouping.py, bench/faults_answers.py say how) over their
own small inputs and the Reuters index:

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
4. writer (bench/faults_writer.py). A Whoosh writer process of the Reuters run killed with SIGKILL
   at a seeded moment: the run must fail saying what was lost, the re-run complete, the index
   equal the clean one. hostile: a file named $'bad\nname\xff\xfe.txt' beside 300 others.
5. answers (bench/faults_answers.py). Every answer of C clients compared with a one-client run
   (total, ids, scores); one-client latencies; /feed parsed as XML, hostile queries included.
6. grouping (bench/faults_grouping.py). 2.5k-20k near-duplicate records on one day: indexing
   time per record must stay flat (largest/smallest <= 1.5).

Goal: 0 lost, 0 duplicated, 0 wrong answers, 0 5xx, 0 left-over processes or held locks, 0 load
errors, 0 fuzz failures, nothing over 1 s at one client, a killed writer never reported as
success, grouping linear. Prints tables, writes bench/results/faults.json; exits 1 if a goal is
missed.
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
from faults_writer import hostile_name_part, writer_kill_part, writer_pids  # noqa: E402  (part 4)
from faults_answers import answers_part  # noqa: E402  (part 5)
from faults_grouping import LINEAR_GOAL, grouping_part  # noqa: E402  (part 6)
PARTS = ("kill", "writer", "hostile", "load", "answers", "fuzz", "grouping")


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


def print_more_tables(report: dict) -> None:
    """Parts 4-6."""
    if "writer" in report:
        t = report["writer"]["totals"]
        print(f"\nwriter process killed: {t['kills']} kills ({t['finished_before_kill']} runs finished first)")
        print(table(["measure", "value", "goal"], [
            ["runs reported as success", t["reported_success"], 0], ["runs silent about what was lost",
                                                                     t["silent_about_loss"], 0],
            ["runs hung", t["hung"], 0], ["left-over processes / runs with locks held",
                                          f"{t['leftover_processes']} / {t['locks_held_after_run']}", "0 / 0"],
            ["re-runs failed", t["reruns_failed"], 0], ["documents lost after the re-run", t["lost"], 0],
            ["duplicated / extra", f"{t['duplicated']} / {t['extra']}", "0 / 0"],
            ["query totals / top-10 lists differing", f"{t['query_totals_differ']} / {t['top10_differ']}", "0 / 0"]]))
    if "hostile" in report:
        h = report["hostile"]
        print(f"\nhostile name: exits {h['first']['exit']}/{h['again']['exit']}, {h.get('documents')} of {h['files']} "
              f"indexed, re-run unchanged {h['again']['unchanged']}, found {h.get('hostile_found')}: "
              f"{'ok' if h['ok'] else 'FAILED'}")
    if "answers" in report:
        a = report["answers"]
        o, c, f = a["one_client"], a["concurrent"], a["feeds"]
        print(f"\nanswers: {a['queries']} searches; one client p50 {o['p50_ms']} ms, max {o['max_ms']} ms")
        print(table(["measure", "value", "goal"], [
            ["one-client requests over 1 s", len(o["over_1s"]), 0], ["one-client errors", o["errors"], 0],
            [f"answers from {a['clients']} clients ({a['seconds']} s)", c["requests"], ""],
            ["wrong answers (total, ids or scores)", c["wrong"], 0], ["5xx", c["5xx"], 0],
            ["failed requests / other statuses", f"{c['failed']} / {c['other_status']}", "0 / 0"],
            ["partial answers (snippets or spelling left out)", c["partial"], ""],
            [f"feeds not well-formed XML (of {f['feeds']})", f["malformed"], 0]]))
    if "grouping" in report:
        g = report["grouping"]
        print(f"\nsame-day near-duplicates ({g['base_stories']} stories, {g['changed_words']:.0%} of words changed):")
        print(table(["records", "seconds", "ms a record", "added", "exit"],
                    [[r["records"], r["seconds"], r["ms_per_record"], r["added"], r["exit"]] for r in g["sizes"]]))
        print(f"  time a record, largest / smallest: {g['per_record_ratio_largest_to_smallest']} (goal <= {LINEAR_GOAL})"
              + (f"; skipped {g['skipped_sizes']} (the size before took over {g['cap_seconds']} s)"
                 if g["skipped_sizes"] else ""))


def more_goals_missed(report: dict) -> list[str]:
    missed = []
    if "writer" in report:
        t = report["writer"]["totals"]
        for key in ("reported_success", "silent_about_loss", "hung", "leftover_processes", "locks_held_after_run",
                    "reruns_failed", "lost", "duplicated", "extra", "query_totals_differ", "top10_differ",
                    "compare_errors"):
            if t[key]:
                missed.append(f"writer: {key} = {t[key]}")
        if not t["kills"]:
            missed.append("writer: every run finished before its writer process could be killed")
    if "hostile" in report and not report["hostile"]["ok"]:
        missed.append("hostile: the hostile-name folder was not indexed whole, or its re-run failed")
    if "answers" in report:
        a = report["answers"]
        for key in ("wrong", "5xx", "failed", "other_status"):
            if a["concurrent"][key]:
                missed.append(f"answers: {key} = {a['concurrent'][key]}")
        if a["one_client"]["over_1s"] or a["one_client"]["errors"]:
            missed.append(f"answers: one client, {len(a['one_client']['over_1s'])} requests over 1 s, "
                          f"{a['one_client']['errors']} errors")
        if a["feeds"]["malformed"]:
            missed.append(f"answers: {a['feeds']['malformed']} feeds not well-formed XML")
    if "grouping" in report:
        g = report["grouping"]
        if not g["linear"]:
            missed.append(f"grouping: time a record grew {g['per_record_ratio_largest_to_smallest']}x"
                          + (f", sizes {g['skipped_sizes']} skipped" if g["skipped_sizes"] else ""))
        if g["lost"] or g["runs_failed"]:
            missed.append(f"grouping: {g['lost']} records lost, {g['runs_failed']} runs failed")
    return missed


def goals_missed(report: dict) -> list[str]:
    missed = more_goals_missed(report)
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
    parser.add_argument("--quick", action="store_true",
                        help="3 kills, 2 writer kills, 16 clients for 10 s (answers 20 s), 500 fuzz inputs")
    parser.add_argument("--only", choices=PARTS, action="append",
                        help="run only this part (repeatable); the Reuters parts then need --index-dir or build one")
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
    parser.add_argument("--writer-kills", type=int, default=5, help="runs whose writer process is killed")
    parser.add_argument("--answers-seconds", type=float, default=60.0, help="seconds of concurrent answers")
    parser.add_argument("--answer-queries", type=int, default=60, help="fixed searches in the answers check")
    parser.add_argument("--grouping-sizes", type=int, nargs="+", default=[2500, 5000, 10000, 20000])
    parser.add_argument("--grouping-cap", type=float, default=300.0,
                        help="skip the larger grouping sizes once one took longer than this")
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--keep", action="store_true", help="keep the work folder (indexes, run outputs)")
    args = parser.parse_args(argv)
    if args.quick:
        args.kills, args.load_seconds, args.clients, args.fuzz = min(args.kills, 3), 10.0, 16, 500
        args.writer_kills, args.answers_seconds = min(args.writer_kills, 2), 20.0
    parts = set(args.only or PARTS)

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
        if ({"load", "fuzz", "writer", "answers"} & parts) and ix is None:
            print("building a Reuters index for load/fuzz ...", flush=True)
            ix, _, _ = clean_run(files, work, args)
        if "writer" in parts:
            from core import build_queries
            from faults_kill import query_answers

            print("a run with short commits: how many writer processes it starts ...", flush=True)
            short_started = time.monotonic()
            short_ix, _, _ = clean_run(files, work, args, "clean-short-writers", short_commits=True)
            duration = time.monotonic() - short_started
            writers = len(writer_pids(short_ix.parent / "run.out"))
            shutil.rmtree(short_ix.parent, ignore_errors=True)
            print(f"\nwriter: {args.writer_kills} runs with a writer process killed ({writers} started in a "
                  f"clean run) ...", flush=True)
            queries = build_queries(files, n=args.queries, seed=42)
            report["writer"] = writer_kill_part(files, work, ix, query_answers(ix, queries, 100), queries,
                                                duration, writers, args)
        if "hostile" in parts:
            print("\nhostile: a file name that is not UTF-8 beside 300 others ...", flush=True)
            report["hostile"] = hostile_name_part(work)
        if "answers" in parts:
            from core import build_queries

            print(f"\nanswers: {args.clients} clients for {args.answers_seconds} s against one ...", flush=True)
            report["answers"] = answers_part(ix, work, build_queries(files, n=args.answer_queries, seed=7), args)
        if "grouping" in parts:
            print(f"\ngrouping: {args.grouping_sizes} same-day near-duplicate records ...", flush=True)
            report["grouping"] = grouping_part(work, args)
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
    print_more_tables(report)
    out = write_json("faults.json", report)
    print(f"\n{len(report['goals_missed'])} goals missed" + "".join(f"\n  {m}" for m in report["goals_missed"]))
    print(f"wrote {out.relative_to(REPO)} ({report['seconds']} s)")
    return 1 if report["goals_missed"] else 0


if __name__ == "__main__":
    sys.exit(main())
