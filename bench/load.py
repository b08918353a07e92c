"""Load benchmark of the web app: concurrent clients against a waitress server over Reuters-21578.

Starts the same server `newsearch serve` runs (waitress, `web.create_app`) on 127.0.0.1 with a
free port, then C client threads (http.client, keep-alive) cycle through a fixed list of
requests — search pages with and without filters, sorts, deep pages, the JSON API, article
pages, and the researcher's tools (trends of 2 queries, top words, export) — until N requests
are done or the time limit passes. Reports requests/s, p50/p95/p99 latency and the error count,
per kind and overall; then measures the export's peak memory for 1,000 and 10,000 rows.

Usage: .venv/bin/python bench/load.py [--index-dir DIR] [--clients 8] [--requests 2000]
                                      [--duration 60] [--threads 4] [--files N]
                                      [--opensearch-index NAME [--opensearch-url URL]]
Without --index-dir, builds a Reuters index (entities from the collection's tags, no NER) in a
temporary folder first. Writes bench/results/load.json.
"""
from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from web.serve import make_server  # noqa: E402

DEFAULT_DATA = Path(os.environ.get("NEWSEARCH_SHARED_DATA", REPO.parent / "shared" / "data")) / "reuters21578"
RESULTS = REPO / "bench" / "results" / "load.json"

# (kind, path without the article ids, which are filled in from the index at start)
SEARCHES: list[tuple[str, dict]] = [
    ("page", {"q": "oil prices"}),
    ("page", {"q": "coffee", "sort": "newest"}),
    ("page", {"q": "interest rates", "place": "United States"}),
    ("page", {"q": "bank", "page": "3"}),
    ("page", {"q": '"trade deficit"'}),
    ("page", {"q": "grain OR wheat", "sort": "oldest"}),
    ("page", {}),                                    # browse everything: facets over all documents
    ("page", {"q": "opec", "from": "1987-03-01", "to": "1987-03-31"}),
    ("page", {"q": "gold -silver"}),
    ("page", {"q": "earnings"}),
    ("page", {"q": "shipping strike", "page": "2"}),
    ("page", {"q": "yen dollar"}),
    ("api", {"q": "oil prices"}),
    ("api", {"q": "japan", "page_size": "50"}),
    ("api", {"q": "acquisition", "sort": "newest"}),
    ("api", {"q": "sugr"}),                          # a misspelling: the suggestion path
]

# The researcher's tools (issue 14): full paths; their kinds are reported separately.
RESEARCH: list[tuple[str, str]] = [
    ("trends", "/api/trends?" + urlencode([("q", "oil"), ("q", "wheat")])),
    ("trends", "/api/trends?" + urlencode([("q", "coffee"), ("q", "sugar place:Brazil")])),
    ("trends", "/trends?" + urlencode([("q", "interest rates"), ("q", "inflation"), ("interval", "week")])),
    ("topwords", "/api/top-words?" + urlencode({"q": "oil prices"})),
    ("topwords", "/api/top-words?" + urlencode({"q": "coffee", "place": "Brazil"})),
    ("topwords", "/api/top-words?" + urlencode({"q": "bank"})),
    ("export", "/api/export?" + urlencode({"q": "coffee", "format": "csv"})),
    ("export", "/api/export?" + urlencode({"q": "opec", "format": "jsonl"})),
]


def build_index(data: Path, files: int | None, into: Path | None, **backend: object) -> Path | None:
    """Index the Reuters files into the folder `into`, or into the backend `backend` names."""
    from newsearch.indexing import index_paths

    paths = sorted(data.glob("reut2-*.sgm*"))[:files]
    if not paths:
        raise SystemExit(f"no Reuters files in {data}")
    started = time.monotonic()
    summary = index_paths(paths, into, entities=False, show_progress=False, **backend)
    print(f"built index of {summary.added} articles from {len(paths)} files in {time.monotonic() - started:.1f} s")
    return into


def opensearch_engine(args: argparse.Namespace):
    """The Engine over the cluster's alias `--opensearch-index`, indexed from Reuters first when
    it does not exist yet."""
    from search import Engine, IndexNotFoundError

    options = {"url": args.opensearch_url, "index": args.opensearch_index}
    engine = Engine(backend="opensearch", **options)
    try:
        engine.stats()
    except IndexNotFoundError:
        build_index(args.data, args.files, None, backend="opensearch", backend_options=options)
    return engine


def request_list(engine) -> list[tuple[str, str]]:
    """The fixed request cycle: searches, plus article pages for the top hits of a few of them."""
    requests = [(kind, ("/api/search?" if kind == "api" else "/?") + urlencode(args)) for kind, args in SEARCHES]
    requests += RESEARCH
    for query in ("oil prices", "bank", "coffee", "trade"):
        for hit in engine.search(query, page_size=2).hits:
            requests.append(("article", "/article/" + quote(hit.id, safe="/:") + "?" + urlencode({"q": query})))
    return requests


def export_memory(engine, limits: tuple[int, ...] = (1_000, 10_000)) -> dict:
    """Peak Python memory (tracemalloc, numpy included) and time of exporting every article of
    the index as CSV with text, cut at each limit: constant memory means the 10,000-row export
    peaks no higher than the 1,000-row one, in the same process, one after the other."""
    import tracemalloc

    engine.search("", page_size=100)  # tables built before measuring
    out = {}
    for limit in limits:
        tracemalloc.start()
        started = time.perf_counter()
        lines = sum(1 for _ in engine.export("", "csv", limit=limit, text=True))
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        out[str(limit)] = {"lines": lines, "peak_mb": round(peak / 1e6, 2), "seconds": round(seconds, 2)}
    return out


def percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, round(pct / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def run_clients(host: str, port: int, requests: list[tuple[str, str]], clients: int, total: int,
                duration: float) -> tuple[list[tuple[str, float, bool]], float]:
    """(kind, seconds, ok) per request, and the wall time; stops at `total` requests or `duration`."""
    counter = iter(range(total))
    counter_lock = threading.Lock()
    results: list[tuple[str, float, bool]] = []
    results_lock = threading.Lock()
    deadline = time.monotonic() + duration

    def client(number: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        local = []
        while time.monotonic() < deadline:
            with counter_lock:
                i = next(counter, None)
            if i is None:
                break
            kind, path = requests[(i + number * 7) % len(requests)]
            started = time.perf_counter()
            ok = False
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
            local.append((kind, time.perf_counter() - started, ok))
        conn.close()
        with results_lock:
            results.extend(local)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, time.perf_counter() - started


def summarise(results: list[tuple[str, float, bool]], wall: float) -> dict:
    def stats(rows: list[tuple[str, float, bool]], seconds: float | None) -> dict:
        latencies = sorted(r[1] * 1000 for r in rows)
        return {
            "requests": len(rows), "errors": sum(1 for r in rows if not r[2]),
            "requests_per_s": round(len(rows) / seconds, 1) if seconds else None,
            "p50_ms": round(percentile(latencies, 50), 1), "p95_ms": round(percentile(latencies, 95), 1),
            "p99_ms": round(percentile(latencies, 99), 1), "max_ms": round(latencies[-1], 1) if latencies else None,
        }

    kinds = sorted({r[0] for r in results})
    return {"all": stats(results, wall), **{k: stats([r for r in results if r[0] == k], None) for k in kinds}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index-dir", type=Path, help="existing index (default: build one from Reuters)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="Reuters-21578 folder")
    parser.add_argument("--files", type=int, default=None, help="index only the first N Reuters files")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=2000, help="total requests (bound)")
    parser.add_argument("--duration", type=float, default=60.0, help="time limit in seconds (bound)")
    parser.add_argument("--threads", type=int, default=4, help="waitress threads")
    parser.add_argument("--warmup", type=int, default=50, help="requests before measuring")
    parser.add_argument("--opensearch-index", metavar="NAME",
                        help="serve this alias of an OpenSearch cluster instead (indexed from Reuters if absent)")
    parser.add_argument("--opensearch-url", default="http://127.0.0.1:9200", metavar="URL")
    args = parser.parse_args(argv)

    # waitress logs "Task queue depth" whenever clients outnumber its threads: expected here.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    from search import Engine

    tmp = None
    index_dir = args.index_dir
    if args.opensearch_index:
        engine = opensearch_engine(args)
    else:
        if index_dir is None:
            tmp = Path(tempfile.mkdtemp(prefix="newsearch-load-"))
            index_dir = build_index(args.data, args.files, tmp / "index")
        engine = Engine(index_dir)
    try:
        server = make_server(None, host="127.0.0.1", port=0, threads=args.threads, engine=engine)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        host, port = "127.0.0.1", server.effective_port
        requests = request_list(engine)
        documents = engine.stats()["documents"]
        run_clients(host, port, requests, min(args.clients, 4), args.warmup, 30.0)
        results, wall = run_clients(host, port, requests, args.clients, args.requests, args.duration)
        server.close()
        thread.join(5)
        memory = export_memory(engine)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)

    summary = summarise(results, wall)
    report = {
        "clients": args.clients, "server_threads": args.threads, "wall_s": round(wall, 2),
        "index_dir": str(index_dir) if tmp is None else None, "documents": documents,
        "backend": engine.backend.name, "opensearch_index": args.opensearch_index,
        "reuters_files": args.files, "distinct_requests": len(requests), "results": summary,
        "export_memory": memory,
        "python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
    }
    print(f"\n{args.clients} clients, {args.threads} server threads, {len(results)} requests in {wall:.1f} s\n")
    print(f"{'kind':<8} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind, row in summary.items():
        rate = f"{row['requests_per_s']:.1f}" if row["requests_per_s"] else "-"
        print(f"{kind:<8} {row['requests']:>8} {row['errors']:>6} {rate:>8} {row['p50_ms']:>8} "
              f"{row['p95_ms']:>8} {row['p99_ms']:>8} {row['max_ms']:>8}")
    reference = summary.get("page", {}).get("p50_ms")
    for kind in ("trends", "topwords", "export"):
        if kind in summary and reference:
            print(f"{kind}: p50 {summary[kind]['p50_ms'] / reference:.2f}x a search page's")
    for limit, row in memory.items():
        print(f"export of {limit:>6} rows with text: {row['lines']} lines, peak {row['peak_mb']} MB, {row['seconds']} s")
    out = RESULTS.with_name("load-opensearch.json") if args.opensearch_index else RESULTS
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {out.relative_to(REPO)}")
    return 1 if summary["all"]["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
