"""Words in context on Reuters-21578 (search/kwic.py, collocations.py, cooccurrence.py): the time
of one answer over a 1,000-article result set (issue 22's goal: p95 < 300 ms).

    .venv/bin/python bench/context.py                      # builds a Whoosh index of Reuters (no NER)
    .venv/bin/python bench/context.py --index-dir DIR      # ... there, or uses the one there
    .venv/bin/python bench/context.py --backend opensearch --opensearch-index NAME   # an OpenSearch one

The index is built without entity recognition: Reuters' own PLACES, ORGS and PEOPLE tags are
stored as each article's places, organisations and people, which is what co-occurrence pairs,
so no NER index is needed for it. Each query below matches more than 1,000 articles; every
answer reads the first 1,000 (the default cap) in relevance order. Each request is timed cold:
the KWIC answer cache (kept per index generation, for paging) is emptied before each, so a
figure is the whole work: the searches that list the ids, reading the 1,000 articles in batches
of 100, tokenising and matching (KWIC, collocations), or the hits' entities (co-occurrence).
`--repeat` rounds over the queries; p50 and p95 over all requests, of the wall time and of the
CPU time (on a machine busy with other work the wall time waits for a core; the CPU time is what
a quiet machine takes). Results in bench/results/context.json.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import SHARED, machine, percentile, require_data, table, write_json  # noqa: E402

REUTERS = SHARED / "reuters21578"
# Topical words with more than 1,000 matching Reuters articles each (checked when run).
QUERIES = ["market", "prices", "shares", "bank", "company", "trade", "government", "rate", "sales", "stock",
           "profit", "dollar"]
SET_SIZE = 1_000
GOAL_MS = 300.0


def _engine(args: argparse.Namespace):
    from search import Engine

    if args.backend == "opensearch":
        return Engine(backend="opensearch", url=args.opensearch_url, index=args.opensearch_index), None
    if args.index_dir and args.index_dir.exists():
        return Engine(args.index_dir), None
    from newsearch.indexing import index_paths

    require_data(REUTERS, "Reuters-21578")
    folder = args.index_dir or Path(tempfile.mkdtemp(prefix="newsearch-bench-context-"))
    started = time.perf_counter()
    index_paths([REUTERS], folder, entities=False, show_progress=False)
    return Engine(folder), time.perf_counter() - started


def _time(call, *args) -> tuple[float, float]:
    """(wall ms, CPU ms of this process): on a busy machine the CPU time is what a quiet one
    would take, the whole request being one thread's work (the Whoosh index is read from the
    page cache)."""
    started, cpu = time.perf_counter(), time.process_time()
    call(*args)
    return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", type=Path)
    parser.add_argument("--backend", choices=("whoosh", "opensearch"), default="whoosh")
    parser.add_argument("--opensearch-url", default="http://127.0.0.1:9200")
    parser.add_argument("--opensearch-index", default="newsearch")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", default="context.json")
    args = parser.parse_args()

    from search import SearchRequest
    import search.kwic as kwic_module
    from search.collocations import collocations
    from search.cooccurrence import cooccurrence
    from search.kwic import kwic

    engine, built_s = _engine(args)
    if built_s is not None:
        print(f"indexed Reuters-21578 without NER in {built_s:.1f} s")
    requests = {}
    for query in QUERIES:
        request = SearchRequest.build(query)
        total = engine.run(request.with_changes(page_size=1, snippets=False, facets=False)).total
        if total < SET_SIZE:
            print(f"skip {query!r}: {total} matching articles (< {SET_SIZE})")
            continue
        requests[query] = (request, total)

    def cold_kwic(request):
        kwic_module._ANSWERS.clear()
        return kwic(engine, request, articles=SET_SIZE, sort="left")

    tasks = {"kwic (first page, sorted left)": cold_kwic,
             "collocations": lambda request: collocations(engine, request, articles=SET_SIZE),
             "cooccurrence": lambda request: cooccurrence(engine, request, articles=SET_SIZE)}
    for request, _ in requests.values():  # warm the process (imports, stemmer caches, open index)
        for task in tasks.values():
            task(request)
    times: dict[str, list[float]] = {name: [] for name in tasks}
    cpu: dict[str, list[float]] = {name: [] for name in tasks}
    sizes: dict[str, dict] = {}
    for _ in range(args.repeat):
        for request, _total in requests.values():
            for name, task in tasks.items():
                wall, used = _time(task, request)
                times[name].append(wall)
                cpu[name].append(used)
    for query, (request, total) in requests.items():
        page = cold_kwic(request)
        pairs = cooccurrence(engine, request, articles=SET_SIZE)
        sizes[query] = {"matching": total, "read": page.articles_read, "kwic_lines": page.total_lines,
                        "pairs": pairs.distinct_pairs, "articles_with_entities": pairs.articles_with_entities}
    rows = [[name, len(ms), statistics.median(ms), percentile(ms, 95), max(ms),
             "yes" if percentile(ms, 95) < GOAL_MS else "NO", statistics.median(cpu[name]),
             percentile(cpu[name], 95)] for name, ms in times.items()]
    print(table(["answer (1,000 articles)", "requests", "p50 ms", "p95 ms", "max ms", f"p95 < {GOAL_MS:.0f}",
                 "CPU p50", "CPU p95"], rows))
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(table(["query", "matching", "read", "KWIC lines", "entity pairs"],
                [[q, s["matching"], s["read"], s["kwic_lines"], s["pairs"]] for q, s in sizes.items()]))
    out = write_json(args.out, {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
        "backend": args.backend, "set_size": SET_SIZE, "repeat": args.repeat, "index_built_s": built_s,
        "load_average": os.getloadavg(),
        "results": {name: {"requests": len(ms), "p50_ms": round(statistics.median(ms), 1),
                           "p95_ms": round(percentile(ms, 95), 1), "max_ms": round(max(ms), 1),
                           "cpu_p50_ms": round(statistics.median(cpu[name]), 1),
                           "cpu_p95_ms": round(percentile(cpu[name], 95), 1)}
                    for name, ms in times.items()},
        "queries": sizes})
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
