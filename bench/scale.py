"""How our engine scales: synthetic news corpora of 10k / 100k / 1M articles, indexed and searched.

SYNTHETIC DATA. Articles are recombined Reuters-21578 sentences, generated deterministically from
--seed: title = one sentence (cut to at most 12 words), body = 3-12 sentences drawn at random from
the whole collection, date uniform over 1987-01-01 .. 2026-12-31, tags drawn from Zipf-like
distributions (weight 1/rank^1.1 over a seeded ordering) of the Reuters code lists, shown as display
names via `index.entities.reuters_codes.display_name`: 1-3 places, 0-2 people, 0-1 org per article.
Every article has source "synthetic" and a url synthetic://<seed>/<n>. Shards of 10,000 articles
are written as JSON Lines into a temporary folder (deleted afterwards, never committed).

Per size, the corpus is generated once (in a forked child), then each backend (--backend whoosh,
opensearch or both) runs in its own forked child: `index_paths(..., entities=False)`, then open an
`Engine` and run a fixed query set (--queries, built with the seed from generated titles and common
body words: 40% two title words, 30% title bigram phrases, 30% single common words) through
`Engine.search(q, page_size=10)` - the full request: snippets, all facets and the date histogram.
Each query runs twice: pass 1 "cold" (the query's postings are read from the index into the
engine's cache) and pass 2 "warm". Reported: generation and index time, index size, peak memory
(indexing: peak PSS of the process tree incl. our writer's processes, psutil 25 ms sampling;
searching: peak RSS (VmHWM) of the searching process after resetting it via /proc/self/clear_refs),
engine open time (first request: opens the index and, the first time after indexing, builds and
caches each segment's tables), the first request of an engine opened again (tables from the cache:
what a restarted server pays), latency p50/p95.
If warm p95 at the largest size exceeds 250 ms, the slowest query is profiled with cProfile
(in a fresh Engine whose tables are already built, so its postings are cold, as in pass 1) and the
time is split into postings / scoring / facets / snippets / stored fields / parsing / suggestion.

The OpenSearch side (--backend opensearch|both, --opensearch-url; bench/scale_opensearch.py says
what it measures): the same shards into fresh aliases with 1 and with 2 indexer processes at once
(docs/s of each), the same query set cold (the cluster's caches cleared) and warm on the first,
the cluster nodes' RSS, the index's store size; the aliases are deleted afterwards.

Usage: .venv/bin/python bench/scale.py [--sizes 10000,100000] [--queries 200] [--seed 7]
       .venv/bin/python bench/scale.py --sizes 100000 --backend both   # needs a cluster: make cluster
       .venv/bin/python bench/scale.py --sizes 1000000        # the long run (Whoosh: ~26 min indexing, ~31 min in all on a quiet machine, ~8 GB)
Writes bench/results/scale.json (one entry per size and backend; other entries already in the file
are kept when they used the same seed and query set, so the quick and the long run combine).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import multiprocessing as mp
import os
import pstats
import queue as queue_mod
import random
import re
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (REPO, RESULTS_DIR, SHARED, PeakMemory, dir_size, machine, percentile, require_data,  # noqa: E402
                    table, write_json)

SHARD = 10_000
DATE_FROM = datetime(1987, 1, 1, tzinfo=timezone.utc).timestamp()
DATE_TO = datetime(2027, 1, 1, tzinfo=timezone.utc).timestamp()
GOAL_P95_MS = 250.0


def reuters_sentences(data: Path) -> list[str]:
    from index.article import Article
    from index.readers import read_file
    splitter = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")
    seen: dict[str, None] = {}
    for path in sorted(data.glob("reut2-*.sgm.gz")):
        for a in read_file(path):
            if not isinstance(a, Article):
                continue
            body = re.sub(r"\s*Reuter\s*$", "", " ".join(a.body.split()))
            for s in splitter.split(body):
                if 40 <= len(s) <= 400 and s[-1] in ".!?\"'":
                    seen[s] = None
    return list(seen)


def code_list(data: Path, name: str) -> list[str]:
    return [line.strip() for line in (data / f"all-{name}-strings.lc.txt").read_text().splitlines() if line.strip()]


class Generator:
    def __init__(self, data: Path, sentences: list[str], seed: int) -> None:
        from index.entities.reuters_codes import display_name
        self.sentences = sentences
        self.seed = seed
        self.tags = {}
        for kind, name in (("place", "places"), ("person", "people"), ("org", "orgs")):
            codes = code_list(data, name)
            random.Random(f"{seed}-{kind}").shuffle(codes)
            names = list(dict.fromkeys(display_name(kind, c) for c in codes))
            weights = [1.0 / (r + 1) ** 1.1 for r in range(len(names))]
            cum, total = [], 0.0
            for w in weights:
                total += w
                cum.append(total)
            self.tags[kind] = (names, cum)

    def _pick(self, rng: random.Random, kind: str, k: int) -> list[str]:
        names, cum = self.tags[kind]
        return list(dict.fromkeys(rng.choices(names, cum_weights=cum, k=k))) if k else []

    def article(self, n: int) -> dict:
        rng = random.Random(self.seed * 1_000_003 + n)
        words = rng.choice(self.sentences).rstrip(".!?\"'").split()
        title = " ".join(words[:12])
        body = " ".join(rng.choice(self.sentences) for _ in range(rng.randint(3, 12)))
        stamp = rng.uniform(DATE_FROM, DATE_TO)
        return {
            "url": f"synthetic://{self.seed}/{n}", "source": "synthetic", "title": title, "body": body,
            "date": datetime.fromtimestamp(stamp, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "place": self._pick(rng, "place", rng.choice((1, 1, 1, 2, 2, 3))),
            "person": self._pick(rng, "person", rng.choice((0, 0, 0, 1, 1, 2))),
            "org": self._pick(rng, "org", rng.choice((0, 0, 0, 1))),
        }

    def write(self, folder: Path, size: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for start in range(0, size, SHARD):
            with open(folder / f"synthetic-{start // SHARD:05d}.jsonl", "w", encoding="utf-8") as fh:
                for n in range(start, min(size, start + SHARD)):
                    fh.write(json.dumps(self.article(n)) + "\n")


def build_queries(gen: Generator, n: int, seed: int) -> list[str]:
    """Fixed query set from the first 2,000 generated articles (every size contains them)."""
    from whoosh.analysis import STOP_WORDS
    rng = random.Random(seed)
    sample = [gen.article(i) for i in range(2_000)]
    titles = [[w.lower() for w in re.findall(r"[A-Za-z]+", a["title"])] for a in sample]
    df = Counter()
    for a in sample:
        # sorted: Counter keeps first-seen order among equal counts, and a set's order depends on
        # the process's string-hash seed, which made the query set differ between runs
        df.update(sorted({w.lower() for w in re.findall(r"[A-Za-z]{3,}", a["body"])}))
    ok = lambda w: len(w) >= 3 and w not in STOP_WORDS and w != "reuter"  # noqa: E731
    common = [w for w, _ in df.most_common(400) if ok(w)][:300]
    out, seen = [], set()
    kinds = ["words"] * 4 + ["phrase"] * 3 + ["common"] * 3
    while len(out) < n:
        kind = kinds[len(out) % len(kinds)]
        if kind == "common":
            text = rng.choice(common)
        else:
            toks = rng.choice(titles)
            if kind == "words":
                usable = sorted({t for t in toks if ok(t)})
                if len(usable) < 2:
                    continue
                text = " ".join(rng.sample(usable, 2))
            else:
                pairs = [(a, b) for a, b in zip(toks, toks[1:]) if ok(a) and ok(b)]
                if not pairs:
                    continue
                text = '"%s %s"' % rng.choice(pairs)
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out


def query_set_id(queries: list[str], seed: int) -> str:
    import hashlib
    return f"seed{seed}-" + hashlib.sha256("\n".join(queries).encode()).hexdigest()[:12]


def vm_hwm_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def categorise(stats: pstats.Stats) -> dict[str, float]:
    """Cumulative seconds of the engine's main stages within one profiled request."""
    wanted = {
        "postings (read from index into cache)": ("scoring.py", "term"),
        "matching+scoring (Evaluator.run, incl. postings)": ("scoring.py", "run"),
        "parsing": ("query.py", "parse_query"),
        "ranking": ("engine.py", "_rank"),
        "stored fields + snippets (Engine._hit)": ("engine.py", "_hit"),
        "snippets (make_snippet)": ("snippets.py", "make_snippet"),
        "facet counts": ("facets.py", "facet"),
        "date histogram": ("facets.py", "histogram"),
        "facet mask": ("facets.py", "mask"),
        "spelling suggestion": ("engine.py", "_suggest"),
        "whole request (Engine.search)": ("engine.py", "search"),
    }
    out = {}
    for label, (file_end, func) in wanted.items():
        best = 0.0
        for (filename, _, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
            if name == func and filename.endswith(file_end):
                # a recursive function: take the largest cumulative figure (the outermost call)
                best = max(best, ct)
        out[label] = best
    return out


def generate(size: int, args, sentences: list[str], corpus: Path) -> dict:
    t0 = time.perf_counter()
    Generator(args.data, sentences, args.seed).write(corpus, size)
    return {"generate_seconds": time.perf_counter() - t0, "corpus_mb": dir_size(corpus) / 2**20}


def run_whoosh(size: int, args, queries: list[str], corpus: Path, tmp: Path) -> dict:
    from newsearch.indexing import index_paths
    from scale_opensearch import machine_busy_cpu_s, own_cpu_s
    out: dict = {"size": size, "backend": "whoosh"}
    try:
        with PeakMemory() as mem:
            t0, cpu0, machine0 = time.perf_counter(), own_cpu_s(), machine_busy_cpu_s()
            summary = index_paths([corpus], tmp / "index", entities=False, show_progress=False)
            out["index_seconds"] = time.perf_counter() - t0
        # CPU seconds of the indexing process and its writer processes, and of the whole machine
        out["index_cpu"] = {"our_cpu_s": own_cpu_s() - cpu0, "machine_busy_cpu_s": machine_busy_cpu_s() - machine0}
        out["indexed"] = summary.added
        out["index_docs_per_s"] = summary.added / out["index_seconds"]
        out["index_peak_pss_mb"] = mem.peak_mb
        out["index_peak_delta_mb"] = mem.peak_delta_mb
        out["index_mb"] = dir_size(tmp / "index") / 2**20
        measure_search(tmp / "index", queries, args, out)
    finally:
        if args.keep_index:
            out["kept_index"] = str(tmp / "index")
            print(f"  kept the {size:,}-article index at {tmp / 'index'}")
        else:
            shutil.rmtree(tmp / "index", ignore_errors=True)
    return out


def run_opensearch(size: int, args, queries: list[str], corpus: Path, tmp: Path) -> dict:
    import scale_opensearch
    return scale_opensearch.run_size(size, args, queries, corpus, reset_peak, vm_hwm_mb)


def _child(target, queue, *args) -> None:
    try:
        queue.put(target(*args))
    except BaseException:
        queue.put({"error": traceback.format_exc()})
        raise


def in_child(target, *args) -> dict:
    """`target(*args)` in a forked process (its memory is its own, and returned at its end)."""
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(target, queue) + args)
    proc.start()
    while True:
        try:
            out = queue.get(timeout=5)
            break
        except queue_mod.Empty:
            if not proc.is_alive():
                out = {"error": f"the child process died (exit status {proc.exitcode}) without a result"}
                break
    proc.join()
    return out


def run_size(size: int, args, sentences: list[str], queries: list[str], backends: list[str],
             on_result=lambda out: None) -> list[dict]:
    """One size: generate the corpus once (in a child), then each backend in its own child;
    `on_result` gets each backend's entry as soon as it is measured."""
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-scale-{size}-", dir=args.tmp))
    results = []
    try:
        made = in_child(generate, size, args, sentences, tmp / "corpus")
        if "error" in made:
            print(f"  {size:>9,}: generating the corpus failed:\n{made['error']}", flush=True)
            return []
        for backend in backends:
            out = in_child(run_whoosh if backend == "whoosh" else run_opensearch, size, args, queries,
                           tmp / "corpus", tmp)
            if "error" in out:
                print(f"  {size:>9,} {backend}: FAILED\n{out['error']}", flush=True)
                continue
            out.update(made, query_set=query_set_id(queries, args.seed),
                       finished=time.strftime("%Y-%m-%d %H:%M"), load_1m_end=os.getloadavg()[0])
            results.append(out)
            on_result(out)
            lat = out["latency"]
            print(f"  {size:>9,} {backend}: indexed in {out['index_seconds']:.0f} s "
                  f"({out['index_docs_per_s']:,.0f} docs/s), warm p95 {lat['warm']['p95_ms']:.1f} ms", flush=True)
    finally:
        shutil.rmtree(tmp / "corpus", ignore_errors=True)
        if not args.keep_index:
            shutil.rmtree(tmp, ignore_errors=True)
    return results


def measure_search(index_dir: Path, queries: list[str], args, out: dict) -> None:
    """The search phase of one size: first request, a cold and a warm pass, a profile if slow."""
    from scale_opensearch import machine_busy_cpu_s, own_cpu_s
    from search import Engine
    out["search_peak_is_vmhwm_after_reset"] = reset_peak()
    cpu0, machine0 = own_cpu_s(), machine_busy_cpu_s()
    engine = Engine(index_dir)
    t0 = time.perf_counter()
    engine.search(queries[0], page_size=10)
    out["open_first_request_ms"] = (time.perf_counter() - t0) * 1000
    # Opened again, as a restarted server does: the segments' tables now come from their cache
    # beside the index (the first open after indexing built it); another query's postings are cold.
    t0 = time.perf_counter()
    reopened = Engine(index_dir).search(queries[1], page_size=10)
    out["reopen_first_request_ms"] = (time.perf_counter() - t0) * 1000
    out["reopen_first_request_partial"] = reopened.partial
    passes = {}
    slow = []
    for name in ("cold", "warm"):
        times = []
        for q in queries:
            t0 = time.perf_counter()
            r = engine.search(q, page_size=10)
            ms = (time.perf_counter() - t0) * 1000
            times.append(ms)
            if name == "warm":
                slow.append((ms, q, r.total))
        passes[name] = {"p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95),
                        "max_ms": max(times), "mean_ms": sum(times) / len(times)}
    out["latency"] = passes
    out["search_cpu"] = {"our_cpu_s": own_cpu_s() - cpu0, "machine_busy_cpu_s": machine_busy_cpu_s() - machine0}
    out["search_peak_rss_mb"] = vm_hwm_mb()
    slow.sort(reverse=True)
    out["slowest_warm"] = [{"ms": ms, "query": q, "total": t} for ms, q, t in slow[:5]]
    if args.profile_always or passes["warm"]["p95_ms"] > GOAL_P95_MS or passes["cold"]["p95_ms"] > GOAL_P95_MS:
        out["profile"] = profile(index_dir, queries, slow[0][1])


def profile(index_dir: Path, queries: list[str], query: str) -> dict:
    """cProfile of one request: cold postings (fresh Engine, tables built by another query) and warm."""
    from search import Engine
    engine = Engine(index_dir)
    other = next(q for q in queries if q != query)
    engine.search(other, page_size=10)
    result = {"query": query}
    for name in ("cold", "warm"):
        prof = cProfile.Profile()
        t0 = time.perf_counter()
        prof.enable()
        engine.search(query, page_size=10)
        prof.disable()
        wall = (time.perf_counter() - t0) * 1000
        stats = pstats.Stats(prof)
        text = io.StringIO()
        pstats.Stats(prof, stream=text).sort_stats("cumulative").print_stats(18)
        result[name] = {"wall_ms_under_profiler": wall,
                        "stages_ms": {k: v * 1000 for k, v in categorise(stats).items()},
                        "top_cumulative": text.getvalue().split("\n")[:60]}
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000", help="comma-separated corpus sizes (default 10000,100000)")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--data", type=Path, default=SHARED / "reuters21578")
    ap.add_argument("--tmp", default=None, help="where to write the temporary corpora and indexes")
    ap.add_argument("--backend", choices=("whoosh", "opensearch", "both"), default="whoosh",
                    help="which storage backend(s) to measure (both: Whoosh then OpenSearch, same corpus)")
    ap.add_argument("--opensearch-url", default=None,
                    help="the cluster (default $NEWSEARCH_OPENSEARCH_URL or http://127.0.0.1:9200)")
    ap.add_argument("--profile-always", action="store_true", help="profile the slowest query at every size")
    ap.add_argument("--keep-index", action="store_true",
                    help="keep each index (not the corpus) for later experiments; OpenSearch: keep the aliases")
    ap.add_argument("--search-only", type=Path, metavar="INDEX_DIR",
                    help="re-measure only the search phase on a Whoosh index kept by --keep-index (one size in "
                         "--sizes; the indexing figures are taken from bench/results/scale.json)")
    args = ap.parse_args()
    require_data(args.data / "reut2-000.sgm.gz", "Reuters-21578")
    backends = ["whoosh", "opensearch"] if args.backend == "both" else [args.backend]
    if args.search_only is not None and backends != ["whoosh"]:
        sys.exit("--search-only re-measures a kept Whoosh index: use it with --backend whoosh")
    if "opensearch" in backends:
        import scale_opensearch
        args.opensearch_url = args.opensearch_url or scale_opensearch.default_url()
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    started = time.perf_counter()
    sentences = reuters_sentences(args.data)
    gen = Generator(args.data, sentences, args.seed)
    queries = build_queries(gen, args.queries, args.seed)
    print(f"{len(sentences)} distinct Reuters sentences; {len(queries)} queries; sizes {sizes}; "
          f"backends {', '.join(backends)} (SYNTHETIC corpora)")
    path = RESULTS_DIR / "scale.json"
    key = lambda e: (e["size"], e.get("backend", "whoosh"))  # noqa: E731 - entries before 2 backends: Whoosh
    previous = {}
    if path.exists():
        try:
            # keep other sizes measured with the same generator seed and query set only (all of
            # them when re-measuring one size: re-measure each, and the table is whole again)
            same = query_set_id(queries, args.seed)
            previous = {key(e): e for e in json.loads(path.read_text()).get("sizes", [])
                        if e.get("query_set") == same or args.search_only is not None}
        except (ValueError, KeyError):
            previous = {}
    if args.search_only is not None:
        if len(sizes) != 1:
            sys.exit("--search-only needs exactly one size in --sizes: the size of the kept index")
        out = previous.get((sizes[0], "whoosh"))
        if out is None:
            sys.exit(f"no indexing figures for {sizes[0]:,} articles in {path}: run without --search-only first")
        out = dict(out)
        out["search_remeasured"] = {"index": str(args.search_only), "at": time.strftime("%Y-%m-%d %H:%M")}
        out["query_set"] = query_set_id(queries, args.seed)
        out.pop("profile", None)
        measure_search(args.search_only, queries, args, out)
        print(f"  {sizes[0]:>9,}: search re-measured, warm p95 {out['latency']['warm']['p95_ms']:.1f} ms")

    order = lambda k: (k[0], k[1] != "whoosh")  # noqa: E731 - by size, Whoosh first
    results: list[dict] = []

    def save(out: dict) -> None:
        """Merge one new entry and write the file (after each backend: a long run that dies later
        keeps what it measured)."""
        results.append(out)
        previous[key(out)] = out
        write_json("scale.json", {"synthetic": True, "seed": args.seed, "queries": queries,
                                  "sizes": [previous[k] for k in sorted(previous, key=order)],
                                  "machine": machine(), "goal_p95_ms": GOAL_P95_MS,
                                  "memory": "Whoosh index: peak PSS of process tree (psutil, 25 ms); search: VmHWM "
                                            "after clear_refs reset. OpenSearch: see bench/scale_opensearch.py"})

    if args.search_only is not None:
        save(out)
    for size in sizes if args.search_only is None else ():
        run_size(size, args, sentences, queries, backends, on_result=save)
    merged = [previous[k] for k in sorted(previous, key=order)]
    print("\nScale (synthetic corpora; full request = Engine.search page_size=10 with snippets, facets, histogram)")
    print(table(TABLE_HEADERS, [table_row(r) for r in merged]))
    print("  index MB: OpenSearch primaries / with the replica; memory: Whoosh indexing = the indexing process tree's "
          "peak PSS, searching = the searching process's peak RSS (it holds the index); OpenSearch indexing = the "
          "indexer process's peak PSS, cluster = the 3 nodes' RSS at its peak (they hold the index), searching = "
          "the client process's peak RSS")
    for r in results:
        print(f"  slowest warm at {r['size']:,} ({r.get('backend', 'whoosh')}): "
              + "; ".join(f"{s['query']} {s['ms']:.0f} ms ({s['total']} hits)" for s in r["slowest_warm"][:3]))
        if r.get("search_errors"):
            print(f"  {r['search_errors']} failed requests at {r['size']:,}: {r['search_error_examples']}")
        if "profile" in r:
            p = r["profile"]
            print(f"  profile of {p['query']!r} at {r['size']:,} (cProfile, ms):")
            for name in ("cold", "warm"):
                stages = ", ".join(f"{k} {v:.0f}" for k, v in p[name]["stages_ms"].items())
                print(f"    {name}: {stages}")
    print(f"\n{'wrote ' + str(path.relative_to(REPO)) if results else 'nothing measured'} "
          f"({time.perf_counter() - started:.0f} s)")


TABLE_HEADERS = ["articles", "backend", "index s", "docs/s 1 proc", "docs/s 2 procs", "index MB",
                 "indexing peak MB", "cluster RSS MB", "search peak RSS MB", "first ms", "reopened first ms",
                 "cold p50", "cold p95", "warm p50", "warm p95"]


def table_row(r: dict) -> list:
    lat = r["latency"]
    opensearch = r.get("backend") == "opensearch"
    size_mb = f"{r['index_mb']:,.0f} / {r['index_mb_with_replicas']:,.0f}" if opensearch else r["index_mb"]
    return [f"{r['size']:,}", r.get("backend", "whoosh"), r["index_seconds"], r["index_docs_per_s"],
            r.get("index_docs_per_s_2p", "-"), size_mb, r["index_peak_pss_mb"], r.get("cluster_rss_peak_mb", "-"),
            r["search_peak_rss_mb"], r["open_first_request_ms"], r.get("reopen_first_request_ms", "-"),
            lat["cold"]["p50_ms"], lat["cold"]["p95_ms"],
            lat["warm"]["p50_ms"], lat["warm"]["p95_ms"]]


if __name__ == "__main__":
    main()
