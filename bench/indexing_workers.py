"""Indexing with entity recognition in 1 and in N worker processes (issue 20, `--workers`).

    nice -n 10 .venv/bin/python bench/indexing_workers.py                 # 2 Reuters files, 3 rounds
    .venv/bin/python bench/indexing_workers.py --files 1 --rounds 5 --workers 1 2

Each round indexes the same Reuters-21578 slice (NER on, story grouping on, the Whoosh
backend) into a fresh index (so a fresh NER cache: every text is recognised) once per worker
count, in alternating order (1,2 then 2,1, ...) so that a drift in the machine's load hits both
alike. Reported per run: wall seconds, docs/s, CPU seconds of the run and all its children
(NER workers, Whoosh writers, story grouping; os.times of reaped children) and how much of it
was system time (page faults: see index/ner_pool.py's `_keep_freed_memory`), the load average
before it, and with --memory the peak PSS of the process tree (pages shared by the fork counted
once; the sampling costs the run's process CPU time, so it is off by default). Per
worker count: the median docs/s over rounds, and the median of each round's ratio to 1 worker.
On a shared machine the wall figures depend on what else runs: the CPU seconds per document
say what the workers cost, and the load average says how busy the cores were. From the CPU
times also comes a bound for idle cores: the run cannot take less than its total CPU time over
the cores, nor less than its own process's CPU time (one thread); the ratio of those bounds is
what the workers can give where the cores are free (a model, printed beside the measurement).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SHARED, PeakMemory, machine, require_data, table, write_json  # noqa: E402

from newsearch.indexing import index_paths  # noqa: E402


def one_run(files: list[Path], workers: int, memory: bool = False) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="ns-bench-workers-"))
    try:
        load = os.getloadavg()[0]
        before = os.times()
        # Sampling memory reads every process's smaps from this process: it would add to the
        # CPU time of the run's own process, the figure the idle-cores bound rests on.
        peak = PeakMemory(interval=0.2) if memory else None
        if peak is not None:
            peak.__enter__()
        try:
            summary = index_paths(files, folder / "ix", workers=workers, show_progress=False)
        finally:
            if peak is not None:
                peak.__exit__(None, None, None)
        after = os.times()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    own = sum(getattr(after, f) - getattr(before, f) for f in ("user", "system"))
    children = sum(getattr(after, f) - getattr(before, f) for f in ("children_user", "children_system"))
    cpu = own + children
    # In the kernel (page faults above all): NER workers once spent ~9% of their CPU here.
    system = sum(getattr(after, f) - getattr(before, f) for f in ("system", "children_system"))
    docs = summary.added + summary.updated
    # The shortest the run could take on `cores` idle cores, from its CPU time: all of it spread
    # evenly, but never less than the run's own process, which is one thread of work (and,
    # with one worker, does the NER itself).
    cores = os.cpu_count() or 1
    bound = max(own, cpu / cores)
    return {"workers": workers, "docs": docs, "seconds": round(summary.elapsed, 2),
            "docs_per_s": round(summary.docs_per_second, 1), "cpu_s": round(cpu, 1),
            "cpu_run_process_s": round(own, 1), "cpu_children_s": round(children, 1), "cpu_system_s": round(system, 1),
            "idle_bound_docs_per_s": round(docs / bound, 1),
            "cpu_ms_per_doc": round(1000 * cpu / docs, 2), "ner_s": round(summary.ner_seconds, 1),
            "ner_workers": summary.ner_workers, "load_before": round(load, 2),
            "peak_pss_mb": round(peak.peak_mb) if peak is not None else None, "failed": summary.failed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=SHARED / "reuters21578")
    parser.add_argument("--files", type=int, default=2, help="how many reut2-*.sgm files (1,000 articles each)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--memory", action="store_true",
                        help="also sample the peak PSS of the process tree (costs the run's process CPU time)")
    args = parser.parse_args()
    require_data(args.data, "Reuters-21578")
    files = sorted(args.data.glob("reut2-*.sgm*"))[:args.files]
    runs: list[dict] = []
    for n in range(args.rounds):
        order = args.workers if n % 2 == 0 else list(reversed(args.workers))
        for workers in order:
            run = one_run(files, workers, args.memory)
            run["round"] = n + 1
            runs.append(run)
            print(json.dumps(run), flush=True)
    base = args.workers[0]
    rows = []
    for workers in args.workers:
        mine = [r for r in runs if r["workers"] == workers]
        ratios = [r["docs_per_s"] / b["docs_per_s"] for r in mine for b in runs
                  if b["workers"] == base and b["round"] == r["round"]]
        bounds = [r["idle_bound_docs_per_s"] / b["idle_bound_docs_per_s"] for r in mine for b in runs
                  if b["workers"] == base and b["round"] == r["round"]]
        rows.append([workers, statistics.median(r["docs_per_s"] for r in mine), statistics.median(ratios),
                     statistics.median(r["cpu_ms_per_doc"] for r in mine),
                     statistics.median(r["cpu_run_process_s"] for r in mine),
                     statistics.median(bounds),
                     statistics.median(r["load_before"] for r in mine),
                     max((r["peak_pss_mb"] or 0 for r in mine), default=0) or "-"])
    print()
    print(f"{date.today()}  {machine()}  {len(files)} Reuters files, {runs[0]['docs']} articles, "
          f"{args.rounds} rounds")
    print(table(["workers", "docs/s (median)", f"ratio to {base} (median)", "CPU ms/doc",
                 "run process CPU s", "idle-cores bound ratio", "load before",
                 "peak PSS MB"], rows))
    write_json("indexing_workers.json", {"date": str(date.today()), "machine": machine(), "runs": runs})


if __name__ == "__main__":
    main()
