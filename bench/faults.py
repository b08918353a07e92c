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
import contextlib
import fcntl
import gc
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, SHARED, machine, require_data, table, versions, write_json  # noqa: E402

REUTERS = SHARED / "reuters21578"
SLOW_SECONDS = 1.0

# The index command in a child process with a short commit interval, as tests/corpus.py's child
# does, plus timers on the two lock waits (the run lock, Whoosh's write lock) and a COMMIT marker.
# Everything after the first three arguments is `newsearch`'s own command line.
CHILD = textwrap.dedent("""
    import atexit, importlib, json, sys, time
    import index.indexer as indexer
    import whoosh.writing as writing
    indexer.COMMIT_EVERY_DOCS = int(sys.argv[1])
    indexer.COMMIT_EVERY_SECONDS = float(sys.argv[2])
    waits = {"run_lock_s": 0.0, "writer_lock_s": 0.0, "commits": 0}

    def first_module(*names):
        for name in names:
            try:
                return importlib.import_module(name)
            except ImportError:
                pass

    def timed(owner, name, key):
        original = getattr(owner, name)
        def wrapper(*args, **kwargs):
            started = time.monotonic()
            try:
                return original(*args, **kwargs)
            finally:
                waits[key] += time.monotonic() - started
        setattr(owner, name, wrapper)

    locking = first_module("search.backends.whoosh.locking", "index.locking")
    if hasattr(locking, "RunLock"):
        timed(locking.RunLock, "__enter__", "run_lock_s")
    timed(writing, "try_for", "writer_lock_s")
    run_class = getattr(indexer, "_Run", None)
    if run_class is not None and hasattr(run_class, "commit"):
        original_commit = run_class.commit
        def commit(self):
            waits["commits"] += 1
            print("COMMIT", waits["commits"], flush=True)
            original_commit(self)
        run_class.commit = commit
    atexit.register(lambda: print("WAITS", json.dumps(waits), flush=True))
    main = first_module("newsearch.cli", "search.cli").main
    sys.exit(main(sys.argv[3:]))
""")



# ---- processes and locks ------------------------------------------------------------------------


def start_index_run(files: list[Path], ix: Path, out: Path, args, short_commits: bool = True) -> subprocess.Popen:
    """`newsearch index FILES --index-dir IX --no-entities --json` in a child process: through CHILD
    with the short commit interval, or the venv's own `newsearch` as shipped; its output goes to
    files (a pipe nobody reads would stall it)."""
    cli = Path(sys.executable).with_name("newsearch")
    if short_commits:
        command = [sys.executable, "-c", CHILD, str(args.commit_docs), str(args.commit_seconds)]
    else:
        command = [str(cli)] if cli.exists() else [sys.executable, "-m", "newsearch"]
    command += ["index", *map(str, files), "--index-dir", str(ix), "--no-entities", "--json",
                "--lock-timeout", str(args.lock_timeout)]
    out.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(command, cwd=REPO, stdout=open(out, "w"), stderr=open(out.with_suffix(".err"), "w"),
                            stdin=subprocess.DEVNULL, start_new_session=True)


def run_output(out: Path) -> dict:
    """The run's summary (its --json output), lock waits and commit count."""
    text = out.read_text("utf-8", errors="replace") if out.exists() else ""
    waits, body = {}, []
    for line in text.splitlines():
        if line.startswith("WAITS "):
            waits = json.loads(line[6:])
        elif not line.startswith("COMMIT "):
            body.append(line)
    try:
        summary = json.loads("\n".join(body)) if body else {}
    except ValueError:
        summary = {"unparsed": "\n".join(body)[-500:]}
    err = out.with_suffix(".err")
    return {"summary": summary, "waits": waits,
            "stderr_tail": err.read_text("utf-8", errors="replace")[-400:] if err.exists() else ""}


def processes_naming(path: Path) -> list:
    """Live processes (not this one) whose command line names `path`."""
    import psutil

    found, needle = [], str(path)
    for proc in psutil.process_iter(["pid", "cmdline"]):
        if proc.pid == os.getpid():
            continue
        try:
            if any(needle in part for part in (proc.info["cmdline"] or [])):
                found.append(proc)
        except psutil.Error:
            pass
    return found


def alive(procs: list) -> list:
    import psutil

    out = []
    for proc in procs:
        try:
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                out.append(proc)
        except psutil.Error:
            pass
    return out


def describe(proc) -> dict:
    import psutil

    try:
        return {"pid": proc.pid, "ppid": proc.ppid(), "status": proc.status(),
                "age_s": round(time.time() - proc.create_time(), 1)}
    except psutil.Error:
        return {"pid": proc.pid}


def kill_all(procs: list) -> None:
    """SIGKILL these processes (ours: started by our index runs), by pid, and reap them."""
    import psutil

    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(procs, timeout=10)


def held_locks(ix: Path) -> list[str]:
    """Which of the index's lock files someone holds (a non-blocking flock that fails)."""
    held = []
    for path in sorted([ix / "indexer.lock", *ix.glob("*WRITELOCK*")]) if ix.exists() else []:
        if not path.is_file():
            continue
        fd = os.open(path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
        except BlockingIOError:
            held.append(path.name)
        finally:
            os.close(fd)
    return held


# ---- the index's contents -----------------------------------------------------------------------


def has_commit(ix: Path) -> bool:
    return ix.exists() and any(ix.glob("*.toc"))


def contents(ix: Path) -> dict:
    """Every live document's id and file, and the segment files a commit does not reference."""
    from whoosh import index as whoosh_index  # Whoosh itself: the same whatever our modules are called

    index = whoosh_index.open_dir(str(ix))
    with index.searcher() as searcher:
        ids, paths = Counter(), Counter()
        for fields in searcher.all_stored_fields():
            ids[fields["id"]] += 1
            paths[fields.get("path", "")] += 1
    live = {s.make_filename(".seg") for s in index._segments()}
    stray = sorted(p.name for p in ix.glob("*.seg") if p.name not in live)
    return {"ids": ids, "paths": paths, "stray_segments": stray}


@contextlib.contextmanager
def engine(ix: Path):
    """A fresh Engine, closed afterwards (trial indexes are deleted one after another)."""
    from search import Engine

    opened = Engine(ix)
    try:
        yield opened
    finally:
        close = getattr(opened, "close", None)
        if close is not None:
            with contextlib.suppress(Exception):
                close()


def search_now(ix: Path) -> dict:
    """A search on a fresh Engine, as a new CLI process or server would open the index."""
    from search import IndexNotFoundError

    started = time.perf_counter()
    try:
        with engine(ix) as opened:
            results = opened.search("oil prices", page_size=10)
            total = opened.search("", page_size=1).total
        return {"answered": True, "total_all": total, "hits": len(results.hits),
                "seconds": round(time.perf_counter() - started, 3)}
    except IndexNotFoundError as exc:
        return {"answered": False, "no_index": True, "error": f"IndexNotFoundError: {exc}"[:200]}
    except Exception as exc:  # noqa: BLE001 - any failure to open and answer is the finding
        return {"answered": False, "no_index": False, "error": f"{type(exc).__name__}: {exc}"[:300]}


def query_answers(ix: Path, queries: list[str], depth: int) -> dict[str, dict]:
    """For each query: the total and the first `depth` (id, score, date) rows."""
    out = {}
    with engine(ix) as opened:
        for q in queries:
            results = opened.search(q, page_size=depth, snippets=False, facets=False)
            out[q] = {"total": results.total, "rows": [(h.id, h.score, str(h.date)) for h in results.hits]}
    return out


def same_top10(clean: dict, other: dict) -> bool:
    """The same top 10, where rows with equal (score, date) may come in any order: `clean` has
    100 rows, so a tie group cut at position 10 can be checked for membership."""
    mine, ref = other["rows"][:10], clean["rows"]
    if [(s, d) for _, s, d in mine] != [(s, d) for _, s, d in ref[:10]]:
        return False
    for key in {(s, d) for _, s, d in mine}:
        got = {i for i, s, d in mine if (s, d) == key}
        group = {i for i, s, d in ref if (s, d) == key}
        if len(group) == len(got) and got != group:  # the whole group is in the top 10
            return False
        if not got <= group:  # a group cut at position 10 (or deeper than 100: not checked)
            return False
    return True


def compare(clean: dict, clean_answers: dict, ix: Path, queries: list[str]) -> dict:
    """Trial index against the clean one: ids, counts, query totals and top 10."""
    mine = contents(ix)
    ids, ref = mine["ids"], clean["ids"]
    answers = query_answers(ix, queries, 10)
    with engine(ix) as opened:
        engine_total, stats_documents = opened.search("", page_size=1).total, opened.stats()["documents"]
    return {
        "documents": sum(ids.values()), "engine_total": engine_total, "stats_documents": stats_documents,
        "lost": len(set(ref) - set(ids)), "extra": len(set(ids) - set(ref)),
        "duplicated": sum(n - 1 for n in ids.values() if n > 1),
        "query_totals_differ": sum(answers[q]["total"] != clean_answers[q]["total"] for q in queries),
        "top10_differ": sum(not same_top10(clean_answers[q], answers[q]) for q in queries),
        "top10_differ_examples": [q for q in queries if not same_top10(clean_answers[q], answers[q])][:5],
        "stray_segments": len(mine["stray_segments"]),
    }


def committed_state(ix: Path, clean: dict) -> dict:
    """Right after a kill: whole files only (commits are at file boundaries), no duplicates."""
    if not has_commit(ix):
        return {"documents": 0, "partial_files": 0, "duplicated": 0, "unknown_ids": 0}
    try:
        mine = contents(ix)
    except Exception as exc:  # noqa: BLE001
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}
    partial = [p for p, n in mine["paths"].items() if n != clean["paths"].get(p)]
    return {"documents": sum(mine["ids"].values()), "partial_files": len(partial),
            "duplicated": sum(n - 1 for n in mine["ids"].values() if n > 1),
            "unknown_ids": len(set(mine["ids"]) - set(clean["ids"]))}


# ---- part 1: kill -9 ----------------------------------------------------------------------------


def clean_run(files: list[Path], work: Path, args, name: str = "clean",
              short_commits: bool = False) -> tuple[Path, float, dict]:
    """One uninterrupted index run into an empty folder: its index, wall time and output."""
    ix = work / name / "ix"
    started = time.monotonic()
    proc = start_index_run(files, ix, work / name / "run.out", args, short_commits)
    code = proc.wait()
    seconds = time.monotonic() - started
    out = run_output(work / name / "run.out")
    if code != 0:
        raise SystemExit(f"the clean index run failed (exit {code}): {out['stderr_tail']}")
    leftovers = alive(processes_naming(ix))
    if leftovers:
        print(f"note: {len(leftovers)} processes still name the clean index after a clean run")
        kill_all(leftovers)
    return ix, seconds, out


def kill_trial(n: int, at: float, files: list[Path], work: Path, clean: dict, clean_answers: dict,
               queries: list[str], args) -> dict:
    import psutil

    trial_dir = work / f"kill-{n:02d}"
    ix = trial_dir / "ix"
    row: dict = {"trial": n, "kill_at_s": round(at, 2)}
    started = time.monotonic()
    proc = start_index_run(files, ix, trial_dir / "run.out", args)
    try:
        proc.wait(timeout=at)
        row["finished_before_kill"] = True
        children = []
    except subprocess.TimeoutExpired:
        row["finished_before_kill"] = False
        try:
            children = psutil.Process(proc.pid).children(recursive=True)
        except psutil.Error:
            children = []
        os.kill(proc.pid, signal.SIGKILL)  # the main process only, as `kill -9 PID` does
        proc.wait()
        row["killed_at_s"] = round(time.monotonic() - started, 2)
    row["children_at_kill"] = [describe(c) for c in children]
    row["commits_before_kill"] = sum(1 for line in (trial_dir / "run.out").read_text().splitlines()
                                     if line.startswith("COMMIT "))  # begun, not necessarily finished

    # Left-over processes: the run's own, still alive after a grace period, and any naming the folder.
    deadline = time.monotonic() + args.grace
    while alive(children) and time.monotonic() < deadline:
        time.sleep(0.1)
    leftovers = {p.pid: p for p in alive(children) + alive(processes_naming(ix))}
    row["leftover_processes"] = len(leftovers)
    row["leftover_detail"] = [describe(p) for p in leftovers.values()]
    row["locks_held_after_kill"] = held_locks(ix)

    # The index must open and answer now (or say that there is none yet), in a committed state.
    row["search_after_kill"] = search_now(ix)
    row["state_after_kill"] = committed_state(ix, clean)
    gc.collect()

    if leftovers:
        # Do they block the next run? The same command with a short lock timeout.
        probe_started = time.monotonic()
        probe_args = argparse.Namespace(**{**vars(args), "lock_timeout": args.probe_lock_timeout})
        probe = start_index_run(files, ix, trial_dir / "probe.out", probe_args)
        code = probe.wait()
        probe_out = run_output(trial_dir / "probe.out")
        row["rerun_with_leftovers"] = {
            "exit": code, "seconds": round(time.monotonic() - probe_started, 2),
            "blocked": code != 0 and "another" in probe_out["stderr_tail"],
            "message": probe_out["stderr_tail"].strip().splitlines()[-1][:200] if probe_out["stderr_tail"].strip() else "",
        }
        if code == 0:  # it got through: nothing more to re-run
            row["rerun_with_leftovers"]["summary"] = {k: probe_out["summary"].get(k) for k in ("added", "files_read")}
        kill_all(list(leftovers.values()) + alive(processes_naming(ix)))

    # Re-run to completion; time its lock waits.
    rerun_started = time.monotonic()
    rerun = start_index_run(files, ix, trial_dir / "rerun.out", args)
    code = rerun.wait()
    out = run_output(trial_dir / "rerun.out")
    summary = out["summary"]
    row["rerun"] = {"exit": code, "seconds": round(time.monotonic() - rerun_started, 2),
                    "run_lock_wait_s": round(out["waits"].get("run_lock_s", float("nan")), 3),
                    "writer_lock_wait_s": round(out["waits"].get("writer_lock_s", float("nan")), 3),
                    "added": summary.get("added"), "updated": summary.get("updated"),
                    "files_read": summary.get("files_read"), "files_unchanged": summary.get("files_unchanged")}
    if code != 0:
        row["rerun"]["stderr"] = out["stderr_tail"][-300:]
    row["leftover_after_rerun"] = len(alive(processes_naming(ix)))
    row["locks_held_after_rerun"] = held_locks(ix)
    kill_all(alive(processes_naming(ix)))
    try:
        row["compare"] = compare(clean, clean_answers, ix, queries)
    except Exception as exc:  # noqa: BLE001
        row["compare"] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    gc.collect()
    if not args.keep:
        shutil.rmtree(trial_dir, ignore_errors=True)
    return row


def kill_part(files: list[Path], work: Path, args) -> dict:
    sys.path.insert(0, str(REPO / "bench"))
    from core import build_queries

    print(f"clean run over {len(files)} Reuters files (newsearch index as shipped) ...", flush=True)
    ix, reference_seconds, reference_out = clean_run(files, work, args)
    clean = contents(ix)
    queries = build_queries(files, n=args.queries, seed=42)
    clean_answers = query_answers(ix, queries, 100)
    print(f"  {sum(clean['ids'].values()):,} documents in {reference_seconds:.1f} s", flush=True)
    print(f"clean run with commits every {args.commit_docs} docs / {args.commit_seconds} s (the runs to kill) ...",
          flush=True)
    short_ix, duration, out = clean_run(files, work, args, "clean-short", short_commits=True)
    short_vs_reference = compare(clean, clean_answers, short_ix, queries)
    shutil.rmtree(short_ix.parent, ignore_errors=True)
    print(f"  {out['waits'].get('commits')} commits, {duration:.1f} s; against the first: lost "
          f"{short_vs_reference['lost']}, dup {short_vs_reference['duplicated']}, "
          f"top10 diff {short_vs_reference['top10_differ']}", flush=True)
    rng = random.Random(args.seed)
    moments = [rng.uniform(0.03, 0.95) * duration for _ in range(args.kills)]
    rows = []
    for n, at in enumerate(moments, 1):
        row = kill_trial(n, at, files, work, clean, clean_answers, queries, args)
        rows.append(row)
        c = row.get("compare", {})
        print(f"  kill {n:2d} at {at:5.1f} s: {row['state_after_kill'].get('documents', '?'):>6} committed, "
              f"{row['leftover_processes']} left over, locks held {row['locks_held_after_kill'] or '-'}, "
              f"search {'ok' if row['search_after_kill']['answered'] else row['search_after_kill'].get('error', '')[:40]}, "
              f"re-run {row['rerun']['seconds']} s (lock wait {row['rerun']['run_lock_wait_s']} s), "
              f"lost {c.get('lost')}, dup {c.get('duplicated')}, top10 diff {c.get('top10_differ')}", flush=True)
    return {"clean": {"documents": sum(clean["ids"].values()), "seconds": round(reference_seconds, 2),
                      "files": len(files), "docs_per_s": reference_out["summary"].get("docs_per_second")},
            "clean_short_commits": {"seconds": round(duration, 2), "commits": out["waits"].get("commits"),
                                    "against_clean": short_vs_reference},
            "index_dir": ix, "queries": len(queries), "trials": rows, "totals": kill_totals(rows)}


def kill_totals(rows: list[dict]) -> dict:
    def compare_sum(key: str) -> int:
        return sum(int(r.get("compare", {}).get(key) or 0) for r in rows)

    searches_ok = sum(1 for r in rows if r["search_after_kill"]["answered"]
                      or (r["search_after_kill"].get("no_index") and r["state_after_kill"].get("documents") == 0))
    rerun_waits = [r["rerun"]["run_lock_wait_s"] for r in rows]
    return {
        "kills": sum(1 for r in rows if not r["finished_before_kill"]),
        "finished_before_kill": sum(1 for r in rows if r["finished_before_kill"]),
        "lost": compare_sum("lost"), "extra": compare_sum("extra"), "duplicated": compare_sum("duplicated"),
        "count_mismatches": sum(1 for r in rows if "compare" in r and (
            r["compare"].get("error") or len({r["compare"]["documents"], r["compare"]["engine_total"],
                                              r["compare"]["stats_documents"]}) != 1)),
        "query_totals_differ": compare_sum("query_totals_differ"), "top10_differ": compare_sum("top10_differ"),
        "trials_with_leftover_processes": sum(1 for r in rows if r["leftover_processes"]),
        "leftover_processes": sum(r["leftover_processes"] for r in rows),
        "trials_with_locks_held_after_kill": sum(1 for r in rows if r["locks_held_after_kill"]),
        "reruns_blocked_by_leftovers": sum(1 for r in rows if r.get("rerun_with_leftovers", {}).get("blocked")),
        "leftover_after_rerun": sum(r["leftover_after_rerun"] for r in rows),
        "locks_held_after_rerun": sum(1 for r in rows if r["locks_held_after_rerun"]),
        "searches_after_kill_ok": searches_ok,
        "states_after_kill_not_committed": sum(1 for r in rows if r["state_after_kill"].get("error")
                                               or r["state_after_kill"].get("partial_files")
                                               or r["state_after_kill"].get("duplicated")),
        "reruns_failed": sum(1 for r in rows if r["rerun"]["exit"] != 0),
        "rerun_lock_wait_median_s": round(statistics.median(rerun_waits), 3) if rerun_waits else None,
        "rerun_lock_wait_max_s": max(rerun_waits) if rerun_waits else None,
        "rerun_seconds_median": round(statistics.median(r["rerun"]["seconds"] for r in rows), 2) if rows else None,
        "stray_segments": compare_sum("stray_segments"),
    }


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
