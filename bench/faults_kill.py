"""Part 1 of bench/faults.py: kill -9 during indexing (see that file's docstring for the method).

A clean `newsearch index` run in a subprocess is the reference; then K runs on empty folders are
killed with SIGKILL at seeded moments, and each one's leftovers, locks, committed state and
re-run are checked against the reference. Kept apart from the load and fuzz parts, which only
need an index; `kill_part` is what bench/faults.py calls.
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
import textwrap
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO  # noqa: E402

# The index command in a child process with a short commit interval, as tests/corpus.py's child
# does, plus timers on the two lock waits (the run lock, Whoosh's write lock), a COMMIT marker and
# a WRITER <pid> line for each Whoosh writer process started (bench/faults_writer.py kills one).
# Everything after the first three arguments is `newsearch`'s own command line.
CHILD = textwrap.dedent("""
    import atexit, importlib, json, sys, time
    import newsearch.indexing as indexer
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
    import whoosh.multiproc as multiproc
    original_new_task = multiproc.MpWriter._new_task
    def new_task(self):
        original_new_task(self)
        print("WRITER", self.tasks[-1].pid, flush=True)
    multiproc.MpWriter._new_task = new_task
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
        elif not line.startswith(("COMMIT ", "WRITER ")):
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
