"""bench/faults.py's grouping part: many similar articles on one day (issue 23: story grouping
compared each article with every earlier one, 2k records 5.9 s, 16k 420 s).

JSON Lines records all dated the same day, each one of a few base stories with ~15% of its words
changed (near-duplicates: every one is a candidate of the others under MinHash LSH), are indexed
with `newsearch index --no-entities` (stories grouped, as by default) at growing sizes, each into
an empty folder. Time must grow linearly: the goal is a time per record at the largest size at
most 1.5x the one at the smallest. A size is skipped once the previous one took longer than
`--grouping-cap` seconds (said in the report), so a quadratic build cannot stall the benchmark.
A run of OVERHEAD_RECORDS records first measures what every run costs regardless of its size
(Python, spaCy-free imports, opening and committing the index): it is taken off before dividing.
"""
from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO  # noqa: E402

BASE_STORIES = 8
STORY_WORDS = 160
CHANGED = 0.15
LINEAR_GOAL = 1.5  # time per record, largest size / smallest size
OVERHEAD_RECORDS = 10
VOCABULARY = ("oil price bank rate trade export wheat gold dollar yen summit talks minister government company "
              "shares profit loss tax budget deficit growth coffee sugar japan crude output market council "
              "harvest port tanker pipeline refinery strike union court ruling election bridge railway steel "
              "copper silver airline festival museum library storm flood drought inflation currency bid merger").split()


def write_records(path: Path, count: int, seed: int) -> None:
    rng = random.Random(seed)
    stories = [rng.choices(VOCABULARY, k=STORY_WORDS) for _ in range(BASE_STORIES)]
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for n in range(count):
            words = list(stories[n % BASE_STORIES])
            for i in rng.sample(range(STORY_WORDS), int(CHANGED * STORY_WORDS)):
                words[i] = rng.choice(VOCABULARY)
            handle.write(json.dumps({"url": f"https://same-day.test/{n}", "title": " ".join(words[:8]).title(),
                                     "text": " ".join(words) + f". Report {n}.", "date": "2019-03-05"}) + "\n")


def _index(command: list[str], work: Path, size: int, seed: int) -> tuple[float, subprocess.CompletedProcess]:
    folder = work / f"same-day-{size}"
    write_records(folder / "in" / "records.jsonl", size, seed)
    started = time.monotonic()
    done = subprocess.run([*command, "index", str(folder / "in"), "--index-dir", str(folder / "ix"),
                           "--no-entities", "--json"], cwd=REPO, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    return time.monotonic() - started, done


def grouping_part(work: Path, args) -> dict:
    cli = Path(sys.executable).with_name("newsearch")
    command = [str(cli)] if cli.exists() else [sys.executable, "-m", "newsearch.cli"]
    overhead = min(_index(command, work / "overhead", OVERHEAD_RECORDS, args.seed + n)[0] for n in range(2))
    shutil.rmtree(work / "overhead", ignore_errors=True)
    rows, skipped = [], []
    for size in args.grouping_sizes:
        if rows and rows[-1]["seconds"] > args.grouping_cap:
            skipped.append(size)
            continue
        folder = work / f"same-day-{size}"
        seconds, done = _index(command, work, size, args.seed)
        try:
            summary = json.loads(done.stdout)
        except ValueError:
            summary = {}
        rows.append({"records": size, "seconds": round(seconds, 2), "exit": done.returncode,
                     "added": summary.get("added"),
                     "ms_per_record": round(1000 * max(seconds - overhead, 0.001) / size, 3),
                     "stderr_tail": done.stderr[-300:] if done.returncode else ""})
        print(f"  {size:>6,} same-day records: {seconds:6.1f} s ({rows[-1]['ms_per_record']:.2f} ms a record "
              f"after the {overhead:.1f} s every run costs), "
              f"exit {done.returncode}, added {summary.get('added')}", flush=True)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    ratio = (rows[-1]["ms_per_record"] / rows[0]["ms_per_record"]) if len(rows) > 1 else None
    return {"base_stories": BASE_STORIES, "changed_words": CHANGED, "overhead_seconds": round(overhead, 2),
            "sizes": rows, "skipped_sizes": skipped,
            "cap_seconds": args.grouping_cap,
            "per_record_ratio_largest_to_smallest": round(ratio, 2) if ratio else None,
            "linear": bool(ratio is not None and ratio <= LINEAR_GOAL and not skipped),
            "lost": sum(r["records"] - (r["added"] or 0) for r in rows),
            "runs_failed": sum(1 for r in rows if r["exit"] != 0)}


__all__ = ["grouping_part", "write_records", "LINEAR_GOAL"]
