"""bench/faults.py's writer part: a Whoosh writer process killed mid-run, and a file whose name is
not valid UTF-8 (issue 23: both once lost articles while the run said "added N, failed 0").

1. writer kill. The Reuters run (bench/faults_kill.py's CHILD: short commits, and a `WRITER <pid>`
   line for each Whoosh writer process it starts) is started K times into an empty folder; once
   it has started a seeded number of writer processes (drawn from the first 90% of the ~2 per
   commit the clean run with short commits started) and a seeded 0-0.5 s more, the newest one
   still alive gets SIGKILL (a moment in seconds would miss the run when the machine's load
   changes its speed). The run must then fail (exit non-zero, saying what was lost), never report success;
   nothing of it may be left running or holding a lock; the same command re-run must complete,
   and the index must equal the clean one (ids, counts, query totals and top 10).
2. hostile name. A folder of 300 small text files and one named $'bad\\nname\\xff\\xfe.txt' is
   indexed, then indexed again: both runs exit 0, all 301 articles are in the index once each,
   the second run finds them all unchanged, and the hostile one is found by a search.
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO  # noqa: E402
from faults_kill import (alive, compare, contents, describe, engine, held_locks, kill_all,  # noqa: E402
                         processes_naming, run_output, start_index_run)

HOSTILE = b"bad\nname\xff\xfe.txt"
GOOD_FILES = 300


def writer_pids(out: Path) -> list[int]:
    text = out.read_text("utf-8", errors="replace") if out.exists() else ""
    return [int(line.split()[1]) for line in text.splitlines() if line.startswith("WRITER ")]


def writer_kill_trial(n: int, at: tuple[int, float], files: list[Path], work: Path, clean: dict,
                      clean_answers: dict, queries: list[str], duration: float, args) -> dict:
    import psutil

    trial_dir = work / f"writer-kill-{n:02d}"
    ix = trial_dir / "ix"
    after_writers, delay = at
    row: dict = {"trial": n, "kill_after_writers": after_writers, "kill_delay_s": round(delay, 2)}
    started = time.monotonic()
    proc = start_index_run(files, ix, trial_dir / "run.out", args)
    victim, reached = None, None
    while proc.poll() is None and victim is None:
        time.sleep(0.02)
        pids = writer_pids(trial_dir / "run.out")
        if len(pids) < after_writers:
            continue
        reached = reached or time.monotonic()
        if time.monotonic() - reached < delay:
            continue
        live = [pid for pid in reversed(pids) if psutil.pid_exists(pid)]
        if live:
            victim = live[0]
            os.kill(victim, signal.SIGKILL)
            row["killed_at_s"] = round(time.monotonic() - started, 2)
    row["killed_pid"] = victim
    row["finished_before_kill"] = victim is None
    try:
        code = proc.wait(timeout=max(120.0, 5 * duration))
        row["hung"] = False
    except subprocess.TimeoutExpired:  # a dead writer holding the job queue's lock: the others wait for ever
        row["hung"] = True
        kill_all(alive([psutil.Process(proc.pid)] + psutil.Process(proc.pid).children(recursive=True)))
        code = proc.wait()
    out = run_output(trial_dir / "run.out")
    row["exit"] = code
    row["reported_success"] = code == 0 and victim is not None
    lines = [line for line in out["stderr_tail"].splitlines() if line.strip()]
    row["message"] = lines[-1][:300] if lines else ""
    row["says_what_was_lost"] = "Not indexed" in out["stderr_tail"] or "re-run" in out["stderr_tail"].lower()
    time.sleep(args.grace)
    leftovers = alive(processes_naming(ix))
    row["leftover_processes"] = len(leftovers)
    row["leftover_detail"] = [describe(p) for p in leftovers]
    row["locks_held_after_run"] = held_locks(ix)
    kill_all(leftovers)

    rerun_started = time.monotonic()
    rerun = start_index_run(files, ix, trial_dir / "rerun.out", args)
    rerun_code = rerun.wait()
    rerun_out = run_output(trial_dir / "rerun.out")
    row["rerun"] = {"exit": rerun_code, "seconds": round(time.monotonic() - rerun_started, 2),
                    "added": rerun_out["summary"].get("added"), "failed": rerun_out["summary"].get("failed")}
    if rerun_code != 0:
        row["rerun"]["stderr"] = rerun_out["stderr_tail"][-300:]
    kill_all(alive(processes_naming(ix)))
    try:
        row["compare"] = compare(clean, clean_answers, ix, queries)
    except Exception as exc:  # noqa: BLE001 - an index that cannot be read is the finding
        row["compare"] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    if not args.keep:
        shutil.rmtree(trial_dir, ignore_errors=True)
    return row


def writer_kill_part(files: list[Path], work: Path, clean_ix: Path, clean_answers: dict, queries: list[str],
                     duration: float, writers: int, args) -> dict:
    """`writers`: how many writer processes the clean run with short commits started."""
    clean = contents(clean_ix)
    rng = random.Random(args.seed + 1)
    rows = []
    for n in range(1, args.writer_kills + 1):
        at = (rng.randint(1, max(1, int(0.9 * writers))), rng.uniform(0.0, 0.5))
        row = writer_kill_trial(n, at, files, work, clean, clean_answers, queries, duration, args)
        rows.append(row)
        c = row.get("compare", {})
        print(f"  writer kill {n}: after writer {at[0]} + {at[1]:.2f} s, at {row.get('killed_at_s')} s pid "
              f"{row['killed_pid']}, run exit {row['exit']}"
              f"{' (HUNG)' if row['hung'] else ''}, left over {row['leftover_processes']}, "
              f"re-run exit {row['rerun']['exit']}, lost {c.get('lost')}, dup {c.get('duplicated')}, "
              f"top10 diff {c.get('top10_differ')}; said: {row['message'][:90]}", flush=True)
    killed = [r for r in rows if not r["finished_before_kill"]]

    def total(key: str) -> int:
        return sum(int(r.get("compare", {}).get(key) or 0) for r in rows)

    return {"trials": rows, "totals": {
        "kills": len(killed), "finished_before_kill": len(rows) - len(killed),
        "reported_success": sum(r["reported_success"] for r in rows),
        "silent_about_loss": sum(1 for r in killed if not r["says_what_was_lost"]),
        "hung": sum(r["hung"] for r in rows),
        "leftover_processes": sum(r["leftover_processes"] for r in rows),
        "locks_held_after_run": sum(1 for r in rows if r["locks_held_after_run"]),
        "reruns_failed": sum(1 for r in rows if r["rerun"]["exit"] != 0),
        "lost": total("lost"), "duplicated": total("duplicated"), "extra": total("extra"),
        "query_totals_differ": total("query_totals_differ"), "top10_differ": total("top10_differ"),
        "compare_errors": sum(1 for r in rows if r.get("compare", {}).get("error")),
    }}


# ---- the hostile file name ----------------------------------------------------------------------------


def _newsearch(*args: str, log: Path) -> tuple[int, str]:
    cli = Path(sys.executable).with_name("newsearch")
    command = [str(cli)] if cli.exists() else [sys.executable, "-m", "newsearch.cli"]
    with open(log, "w") as err:
        done = subprocess.run([*command, *args], cwd=REPO, stdout=subprocess.PIPE, stderr=err, text=True,
                              timeout=600, stdin=subprocess.DEVNULL)
    return done.returncode, done.stdout


def hostile_name_part(work: Path) -> dict:
    import json

    folder = work / "hostile-name" / "in"
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(GOOD_FILES + 1):
        name = HOSTILE if n == 0 else f"good{n:03d}.txt".encode()
        with open(os.path.join(os.fsencode(folder), name), "w", encoding="utf-8") as handle:
            handle.write(f"Markets story number {n}\n\nShares in market number {n} rose as traders bought "
                         f"stocks{' zanzibarite' if n == 0 else ''} after the central bank held its rates.\n")
    ix = work / "hostile-name" / "ix"
    row: dict = {"files": GOOD_FILES + 1}
    for run in ("first", "again"):
        code, out = _newsearch("index", str(folder), "--index-dir", str(ix), "--no-entities", "--json",
                               log=work / "hostile-name" / f"{run}.err")
        try:
            summary = json.loads(out)
        except ValueError:
            summary = {}
        row[run] = {"exit": code, "added": summary.get("added"), "unchanged": summary.get("unchanged"),
                    "failed": summary.get("failed"),
                    "stderr_tail": (work / "hostile-name" / f"{run}.err").read_text(errors="replace")[-300:]}
    try:
        stored = contents(ix)
        row["documents"] = sum(stored["ids"].values())
        row["duplicated"] = sum(n - 1 for n in stored["ids"].values() if n > 1)
        with engine(ix) as opened:
            row["hostile_found"] = opened.search("zanzibarite").total
    except Exception as exc:  # noqa: BLE001 - an index that cannot be read is the finding
        row["error"] = f"{type(exc).__name__}: {exc}"[:300]
    row["lost"] = row["files"] - row.get("documents", 0)
    row["ok"] = (row["first"]["exit"] == 0 and row["again"]["exit"] == 0 and row["lost"] == 0
                 and not row.get("duplicated") and row.get("hostile_found") == 1
                 and row["again"]["unchanged"] == row["files"])
    print(f"  hostile name: exit {row['first']['exit']}/{row['again']['exit']}, {row.get('documents')} of "
          f"{row['files']} indexed, re-run unchanged {row['again']['unchanged']}, found by search "
          f"{row.get('hostile_found')}{'' if row['ok'] else '  <- FAILED ' + row.get('error', '')}", flush=True)
    return row


__all__ = ["writer_kill_part", "hostile_name_part"]
