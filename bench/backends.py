"""The two storage backends side by side: embedded Whoosh and an OpenSearch cluster.

    make cluster                                  # a local 3-node OpenSearch (see docs/opensearch.md)
    .venv/bin/python bench/backends.py            # Reuters-21578 and Cranfield on both
    .venv/bin/python bench/backends.py --quick    # 3 Reuters files, 60 queries

What it checks and measures, through the public `Engine` API only (so it measures what a user
gets): the same articles indexed into both (no NER: entities from the Reuters tags, so the two
indexes hold identical facet values); document counts; facet counts and the date histogram of
the whole collection; for bench/core.py's query set, the overlap of the top-10 ids and the
equality of totals; Cranfield nDCG@10 (bench/relevance.py's loader and metric); indexing docs/s
and the full request's latency (p50/p95 of three passes after a warm-up, same process). Writes
bench/results/backends.json and prints the tables for bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from common import SHARED, machine, percentile, require_data, table, write_json  # noqa: E402
from core import build_queries  # noqa: E402

from newsearch.indexing import index_paths  # noqa: E402
from search import Engine  # noqa: E402


def timed_index(files: list[Path], backend: str, where: dict) -> tuple[int, float]:
    started = time.perf_counter()
    summary = index_paths(files, backend=backend, backend_options=where, entities=False, show_progress=False)
    return summary.added + summary.updated + summary.unchanged, time.perf_counter() - started


def full_request_latency(engine: Engine, queries: list[str], passes: int = 3) -> dict:
    for q in queries:  # warm-up
        engine.search(q)
    medians = []
    for q in queries:
        times = []
        for _ in range(passes):
            t0 = time.perf_counter()
            engine.search(q)
            times.append((time.perf_counter() - t0) * 1000)
        medians.append(statistics.median(times))
    return {"p50_ms": round(percentile(medians, 50), 2), "p95_ms": round(percentile(medians, 95), 2)}


def facet_table(engine: Engine) -> dict:
    results = engine.search("", page_size=1, facet_top=50)
    facets = results.facets
    return {"total": results.total,
            **{kind: [(v.value, v.count) for v in getattr(facets, kind)] for kind in ("person", "org", "place", "source")},
            "histogram": [(b.label, b.count) for b in facets.dates.buckets], "undated": facets.dates.undated}


def compare_reuters(files: list[Path], queries: list[str], where: dict[str, dict]) -> dict:
    out: dict = {"indexing": {}, "latency": {}}
    engines = {}
    for backend, location in where.items():
        docs, seconds = timed_index(files, backend, location)
        out["indexing"][backend] = {"docs": docs, "seconds": round(seconds, 1), "docs_per_s": round(docs / seconds, 1)}
        engines[backend] = Engine(backend=backend, **location)
    tables = {b: facet_table(e) for b, e in engines.items()}
    whoosh, opensearch = tables["whoosh"], tables["opensearch"]
    out["documents"] = {b: t["total"] for b, t in tables.items()}
    out["facets_identical"] = {k: whoosh[k] == opensearch[k] for k in whoosh if k != "total"}
    out["facet_differences"] = {k: {"whoosh_only": sorted(set(whoosh[k]) - set(opensearch[k]))[:10],
                                    "opensearch_only": sorted(set(opensearch[k]) - set(whoosh[k]))[:10]}
                                for k in ("person", "org", "place", "source", "histogram") if whoosh[k] != opensearch[k]}
    overlaps, same_total = [], 0
    for q in queries:
        a, b = (engines[n].search(q, page_size=10) for n in ("whoosh", "opensearch"))
        ids_a, ids_b = {h.id for h in a.hits}, {h.id for h in b.hits}
        if ids_a or ids_b:
            overlaps.append(len(ids_a & ids_b) / max(len(ids_a), len(ids_b)))
        same_total += a.total == b.total
    out["top10_overlap_mean"] = round(statistics.mean(overlaps), 4) if overlaps else None
    out["top10_overlap_median"] = round(statistics.median(overlaps), 4) if overlaps else None
    out["same_total"] = f"{same_total}/{len(queries)}"
    for backend, engine in engines.items():
        out["latency"][backend] = full_request_latency(engine, queries)
    return out


def compare_cranfield(data: Path, where: dict[str, dict], tmp: Path) -> dict:
    from relevance import Metrics, mean, our_text
    from relevance_data import load_cranfield

    docs, queries, qrels = load_cranfield(data)
    metrics_of = Metrics(qrels)
    jsonl = tmp / "cranfield.jsonl"
    with open(jsonl, "w", encoding="utf-8") as fh:
        for doc_id, (title, body) in docs.items():
            fh.write(json.dumps({"url": f"cran:{doc_id}", "title": title, "body": body}) + "\n")
    qids = sorted(queries, key=int)
    out = {}
    for backend, location in where.items():
        index_paths([jsonl], backend=backend, backend_options=location, entities=False, show_progress=False)
        engine = Engine(backend=backend, **location)
        runs = {}
        for q in qids:
            try:
                hits = engine.search(our_text(queries[q])[0], page_size=100).hits
            except Exception:  # noqa: BLE001 - a query one backend refuses scores 0, and is counted
                hits = []
            runs[q] = [h.id.split(":", 1)[1] for h in hits]
        metrics = metrics_of(runs, qids)
        out[backend] = {name: round(mean(values), 4) for name, values in metrics.items()}
    out["ndcg10_difference"] = round(out["opensearch"]["nDCG@10"] - out["whoosh"]["nDCG@10"], 4)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 Reuters files and 60 queries")
    ap.add_argument("--opensearch-url", default="http://127.0.0.1:9200")
    ap.add_argument("--keep", action="store_true", help="keep the OpenSearch test indexes")
    args = ap.parse_args()
    reuters = SHARED / "reuters21578"
    require_data(reuters, "Reuters-21578")
    files = sorted(reuters.glob("reut2-*.sgm.gz"))[: 3 if args.quick else None]
    queries = build_queries(files)[: 60 if args.quick else None]
    tag = uuid.uuid4().hex[:6]
    with tempfile.TemporaryDirectory(prefix="newsearch-backends-") as tmp_name:
        tmp = Path(tmp_name)
        where = {"whoosh": {"index_dir": tmp / "reuters"},
                 "opensearch": {"url": args.opensearch_url, "index": f"bench-reuters-{tag}"}}
        result = {"machine": machine(), "files": len(files), "queries": len(queries),
                  "reuters": compare_reuters(files, queries, where)}
        cranfield = SHARED / "cranfield"
        if cranfield.exists():
            where = {"whoosh": {"index_dir": tmp / "cranfield"},
                     "opensearch": {"url": args.opensearch_url, "index": f"bench-cranfield-{tag}"}}
            result["cranfield"] = compare_cranfield(cranfield, where, tmp)
        if not args.keep:
            from opensearchpy import OpenSearch

            client = OpenSearch(args.opensearch_url)
            for alias in (f"bench-reuters-{tag}", f"bench-cranfield-{tag}"):
                found = client.indices.get(index=f"{alias}-*", params={"allow_no_indices": "true",
                                                                      "expand_wildcards": "all"})
                for name in found:
                    client.indices.delete(index=name)
                client.indices.delete_index_template(name=f"{alias}-template", ignore=[404])
    r = result["reuters"]
    print(table(["", "whoosh", "opensearch"], [
        ["documents", r["documents"]["whoosh"], r["documents"]["opensearch"]],
        ["indexing docs/s", r["indexing"]["whoosh"]["docs_per_s"], r["indexing"]["opensearch"]["docs_per_s"]],
        ["full request p50 ms", r["latency"]["whoosh"]["p50_ms"], r["latency"]["opensearch"]["p50_ms"]],
        ["full request p95 ms", r["latency"]["whoosh"]["p95_ms"], r["latency"]["opensearch"]["p95_ms"]],
    ]))
    print(f"facets identical: {r['facets_identical']}; top-10 overlap mean {r['top10_overlap_mean']}, "
          f"median {r['top10_overlap_median']}; same totals {r['same_total']}")
    if "cranfield" in result:
        c = result["cranfield"]
        print(f"Cranfield nDCG@10: whoosh {c['whoosh']['nDCG@10']}, opensearch {c['opensearch']['nDCG@10']} "
              f"(difference {c['ndcg10_difference']})")
    print(f"wrote {write_json('backends.json', result)}")


if __name__ == "__main__":
    main()
