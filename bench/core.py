"""Core benchmark: index Reuters-21578, re-index it, and time a fixed query set.

    .venv/bin/python bench/core.py                 # entities from Reuters tags only (no NER)
    .venv/bin/python bench/core.py --entities      # with spaCy NER (several minutes)
    .venv/bin/python bench/core.py --index-dir DIR --skip-index   # time queries on an index

Reports indexing docs/s, re-run time (incremental: nothing to do), index size, peak memory, and
latency p50/p95 for three request kinds over the same queries: plain top-10, top-10 with
snippets, and the full request (snippets + all facets + date histogram). Latencies are medians
of three passes after a warm-up pass, measured in this process. Writes bench/results/core.json.
"""
from __future__ import annotations

import argparse
import json
import platform
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from newsearch.indexing import index_paths  # noqa: E402
from index.readers import read_file  # noqa: E402
from index.readers.base import Problem  # noqa: E402
from search.backends.whoosh.store import index_size_bytes  # noqa: E402
from search import Engine  # noqa: E402

REUTERS = REPO.parent / "shared" / "data" / "reuters21578"
STOP = set("a an and the of to in for on at by with from as is are was be it its said says say new u.s".split())


def reuters_files() -> list[Path]:
    files = sorted(REUTERS.glob("reut2-*.sgm.gz"))
    if not files:
        sys.exit(f"Reuters-21578 not found at {REUTERS}; nothing to benchmark")
    return files


def build_queries(files: list[Path], n: int = 300, seed: int = 42) -> list[str]:
    """Single title words (by frequency), two-word combinations and quoted title bigrams."""
    titles = [a.title for f in files[:5] for a in read_file(f) if not isinstance(a, Problem) and a.title]
    words = [w for t in titles for w in re.findall(r"[a-z]{3,}", t.lower()) if w not in STOP]
    common = [w for w, _ in Counter(words).most_common(400)]
    rng = random.Random(seed)
    queries = [rng.choice(common) for _ in range(n // 3)]
    queries += [f"{rng.choice(common)} {rng.choice(common)}" for _ in range(n // 3)]
    while len(queries) < n:
        tokens = re.findall(r"[a-z]{3,}", rng.choice(titles).lower())
        if len(tokens) >= 2:
            i = rng.randrange(len(tokens) - 1)
            queries.append(f'"{tokens[i]} {tokens[i + 1]}"')
    return queries


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def time_queries(engine: Engine, queries: list[str], passes: int = 3) -> dict:
    kinds = {"plain": dict(snippets=False, facets=False), "snippets": dict(facets=False), "full": {}}
    for q in queries:  # warm-up: postings cache, stemmer cache, OS page cache
        engine.search(q)
    out = {}
    for kind, options in kinds.items():
        per_query = []
        for q in queries:
            samples = []
            for _ in range(passes):
                started = time.perf_counter()
                engine.search(q, **options)
                samples.append((time.perf_counter() - started) * 1000)
            per_query.append(statistics.median(samples))
        out[kind] = {"p50_ms": round(percentile(per_query, 50), 2), "p95_ms": round(percentile(per_query, 95), 2),
                     "p99_ms": round(percentile(per_query, 99), 2)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entities", action="store_true", help="run spaCy NER while indexing")
    parser.add_argument("--index-dir", type=Path, help="index folder (default: a temporary one)")
    parser.add_argument("--skip-index", action="store_true", help="only time queries on --index-dir")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--files", type=int, default=None, help="only the first N reut2 files (1,000 articles each)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "core.json")
    args = parser.parse_args()

    files = reuters_files()[: args.files]
    index_dir = args.index_dir or Path(tempfile.mkdtemp(prefix="newsearch-bench-"))
    result: dict = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "machine": f"{platform.node()} {platform.machine()} python {platform.python_version()}",
                    "entities": args.entities, "index_dir": str(index_dir)}
    if not args.skip_index:
        first = index_paths(files, index_dir, entities=args.entities, show_progress=False)
        again = index_paths(files, index_dir, entities=args.entities, show_progress=False)
        result["index"] = {
            "documents": first.added, "failed": first.failed, "seconds": round(first.elapsed, 1),
            "docs_per_s": round(first.docs_per_second, 1), "ner_seconds": round(first.ner_seconds, 1),
            # With NER: the whole run's time against the time spent inside the recogniser (which
            # bench/ner.py measures against raw spaCy on the same texts).
            "total_over_ner": round(first.elapsed / first.ner_seconds, 3) if first.ner_seconds else None,
            "rerun_seconds": round(again.elapsed, 2), "rerun_added": again.added,
            "rerun_speedup": round(first.elapsed / max(again.elapsed, 1e-9), 1),
            "size_mb": round(index_size_bytes(index_dir) / 1e6, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "peak_rss_writer_procs_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        }
    engine = Engine(index_dir)
    started = time.perf_counter()
    engine.search("oil")
    result["first_query_ms"] = round((time.perf_counter() - started) * 1000, 1)  # opens index, builds tables
    queries = build_queries(files, args.queries)
    result["queries"] = len(queries)
    result["latency"] = time_queries(engine, queries)
    result["peak_rss_mb_after_queries"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

    if "index" in result:
        i = result["index"]
        print(f"indexed {i['documents']} docs in {i['seconds']} s = {i['docs_per_s']} docs/s "
              f"(NER {i['ner_seconds']} s, total/NER {i['total_over_ner']}); re-run {i['rerun_seconds']} s ({i['rerun_speedup']}x faster, "
              f"added {i['rerun_added']}); size {i['size_mb']} MB; peak RSS {i['peak_rss_mb']} MB "
              f"(+ writer processes {i['peak_rss_writer_procs_mb']} MB)")
    print(f"first query (open + tables): {result['first_query_ms']} ms; {len(queries)} queries x 3 passes")
    print(f"{'request':<10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for kind, row in result["latency"].items():
        print(f"{kind:<10} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['p99_ms']:>8}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
