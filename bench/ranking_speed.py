"""What the new ranking costs per request on Reuters-21578: before vs shipped, in one run.

"before" is the ranking as it was (Whoosh's Porter stemmer, Whoosh's idf, a BM25 score per field
added, no query word frequency, proximity or feedback); "shipped" is the module defaults. Each
has its own index of all of Reuters (the stemmer is an index setting; --no-entities), and the
two are timed alternately, query by query, so that the load of a busy machine falls on both
alike. Query sets: bench/core.py's 300 (single words, word pairs, quoted bigrams: the ones the
1.5x target is about) and 100 long ones (the first 5-12 words of Reuters headlines, where
feedback applies; phrases apply to both). Full requests (snippets, facets, histogram), median of 3 passes per query
after a warm-up pass; p50/p95 over queries and the shipped/before ratio.

Usage: .venv/bin/python bench/ranking_speed.py [--files N] [--queries 300]
Writes bench/results/ranking_speed.json.
"""
from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, machine, percentile, table, write_json  # noqa: E402
from core import build_queries, reuters_files  # noqa: E402
from relevance import BEFORE, SHIPPED, patches  # noqa: E402

from newsearch.indexing import index_paths  # noqa: E402
from index.readers import read_file  # noqa: E402
from index.readers.base import Problem  # noqa: E402
from search import Engine  # noqa: E402
from search import analysis  # noqa: E402


def long_queries(files: list[Path], n: int, seed: int = 7) -> list[str]:
    """Headline words as verbose queries: 5 to 12 words each."""
    titles = [a.title for f in files[-3:] for a in read_file(f) if not isinstance(a, Problem) and a.title]
    rng = random.Random(seed)
    out = []
    while len(out) < n and titles:
        words = re.findall(r"[a-z]{2,}", rng.choice(titles).lower())
        if len(words) >= 5:
            out.append(" ".join(words[:12]))
    return out


def apply(cfg: dict) -> None:
    for module, constant, value in patches(cfg):
        setattr(module, constant, value)


def timed(engine: Engine, cfg: dict, query: str, passes: int) -> float:
    apply(cfg)
    samples = []
    for _ in range(passes):
        started = time.perf_counter()
        engine.search(query)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=None, help="only the first N reut2 files")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--long", type=int, default=100)
    ap.add_argument("--passes", type=int, default=3)
    args = ap.parse_args()
    files = reuters_files()[: args.files]
    engines = {}
    with tempfile.TemporaryDirectory(prefix="bench-ranking-speed-") as tmp:
        for name, cfg in (("before", BEFORE), ("shipped", SHIPPED)):
            saved = analysis.STEMMER
            analysis.STEMMER = cfg["stemmer"]
            try:
                summary = index_paths(files, Path(tmp) / name, entities=False, show_progress=False)
            finally:
                analysis.STEMMER = saved
            print(f"{name}: indexed {summary.added} articles in {summary.elapsed:.1f} s")
            engines[name] = Engine(Path(tmp) / name)
        sets = {"core (short)": build_queries(files, args.queries), "long (5-12 words)": long_queries(files, args.long)}
        result: dict = {"machine": machine(), "files": len(files), "passes": args.passes, "sets": {}}
        rows = []
        for set_name, queries in sets.items():
            for name, cfg in (("before", BEFORE), ("shipped", SHIPPED)):  # warm-up
                apply(cfg)
                for q in queries:
                    engines[name].search(q)
            times: dict[str, list[float]] = {"before": [], "shipped": []}
            for q in queries:  # alternate, query by query
                times["before"].append(timed(engines["before"], BEFORE, q, args.passes))
                times["shipped"].append(timed(engines["shipped"], SHIPPED, q, args.passes))
            apply(SHIPPED)
            stats = {k: {"p50_ms": percentile(v, 50), "p95_ms": percentile(v, 95)} for k, v in times.items()}
            stats["ratio_p50"] = stats["shipped"]["p50_ms"] / stats["before"]["p50_ms"]
            stats["ratio_p95"] = stats["shipped"]["p95_ms"] / stats["before"]["p95_ms"]
            result["sets"][set_name] = {**stats, "queries": len(queries)}
            rows.append([set_name, len(queries), stats["before"]["p50_ms"], stats["shipped"]["p50_ms"],
                         stats["ratio_p50"], stats["before"]["p95_ms"], stats["shipped"]["p95_ms"], stats["ratio_p95"]])
    print("\nFull request latency on Reuters-21578, before vs shipped ranking (ms; alternating, one process)")
    print(table(["queries", "n", "before p50", "shipped p50", "ratio", "before p95", "shipped p95", "ratio"], rows))
    path = write_json("ranking_speed.json", result)
    print(f"wrote {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
