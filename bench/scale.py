"""How our engine scales: synthetic news corpora of 10k / 100k / 1M articles, indexed and searched.

SYNTHETIC DATA. Articles are recombined Reuters-21578 sentences, generated deterministically from
--seed: title = one sentence (cut to at most 12 words), body = 3-12 sentences drawn at random from
the whole collection, date uniform over 1987-01-01 .. 2026-12-31, tags drawn from Zipf-like
distributions (weight 1/rank^1.1 over a seeded ordering) of the Reuters code lists, shown as display
names via `index.entities.reuters_codes.display_name`: 1-3 places, 0-2 people, 0-1 org per article.
Every article has source "synthetic" and a url synthetic://<seed>/<n>. Shards of 10,000 articles
are written as JSON Lines into a temporary folder (deleted afterwards, never committed).

Per size, in a forked child process: generate, `index_paths(..., entities=False)`, then open an
`Engine` and run a fixed query set (--queries, built with the seed from generated titles and common
body words: 40% two title words, 30% title bigram phrases, 30% single common words) through
`Engine.search(q, page_size=10)` - the full request: snippets, all facets and the date histogram.
Each query runs twice: pass 1 "cold" (the query's postings are read from the index into the
engine's cache) and pass 2 "warm". Reported: generation and index time, index size, peak memory
(indexing: peak PSS of the process tree incl. our writer's processes, psutil 25 ms sampling;
searching: peak RSS (VmHWM) of the searching process after resetting it via /proc/self/clear_refs),
engine open time (first request, builds the facet tables and field lengths), latency p50/p95.
If warm p95 at the largest size exceeds 250 ms, the slowest query is profiled with cProfile
(in a fresh Engine whose tables are already built, so its postings are cold, as in pass 1) and the
time is split into postings / scoring / facets / snippets / stored fields / parsing / suggestion.

Usage: .venv/bin/python bench/scale.py [--sizes 10000,100000] [--queries 200] [--seed 7]
       .venv/bin/python bench/scale.py --sizes 1000000        # the long run (100k took 281 s to index, ~360 docs/s, 1.8 GB peak: expect ~50+ min, several GB)
Writes bench/results/scale.json (one entry per size; the entries of other sizes already in the file
are kept when they used the same seed and query set, so the quick and the long run combine).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import multiprocessing as mp
import pstats
import random
import re
import shutil
import sys
import tempfile
import time
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
        for (filename, _, name), (cc, nc, tt, ct, callers) in stats.stats.items():
            if name == func and filename.endswith(file_end):
                # a recursive function: take the largest cumulative figure (the outermost call)
                best = max(best, ct)
        out[label] = best
    return out


def run_size(size: int, args, sentences: list[str], queries: list[str], queue) -> None:
    from index.indexer import index_paths
    gen = Generator(args.data, sentences, args.seed)
    out: dict = {"size": size, "query_set": query_set_id(queries, args.seed)}
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-scale-{size}-", dir=args.tmp))
    try:
        t0 = time.perf_counter()
        gen.write(tmp / "corpus", size)
        out["generate_seconds"] = time.perf_counter() - t0
        out["corpus_mb"] = dir_size(tmp / "corpus") / 2**20
        with PeakMemory() as mem:
            t0 = time.perf_counter()
            summary = index_paths([tmp / "corpus"], tmp / "index", entities=False, show_progress=False)
            out["index_seconds"] = time.perf_counter() - t0
        out["indexed"] = summary.added
        out["index_docs_per_s"] = summary.added / out["index_seconds"]
        out["index_peak_pss_mb"] = mem.peak_mb
        out["index_peak_delta_mb"] = mem.peak_delta_mb
        out["index_mb"] = dir_size(tmp / "index") / 2**20
        shutil.rmtree(tmp / "corpus")
        measure_search(tmp / "index", queries, args, out)
    finally:
        if args.keep_index:
            shutil.rmtree(tmp / "corpus", ignore_errors=True)
            out["kept_index"] = str(tmp / "index")
            print(f"  kept the {size:,}-article index at {tmp / 'index'}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    queue.put(out)


def measure_search(index_dir: Path, queries: list[str], args, out: dict) -> None:
    """The search phase of one size: first request, a cold and a warm pass, a profile if slow."""
    from search import Engine
    out["search_peak_is_vmhwm_after_reset"] = reset_peak()
    engine = Engine(index_dir)
    t0 = time.perf_counter()
    engine.search(queries[0], page_size=10)
    out["open_first_request_ms"] = (time.perf_counter() - t0) * 1000
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
    ap.add_argument("--profile-always", action="store_true", help="profile the slowest query at every size")
    ap.add_argument("--keep-index", action="store_true", help="keep each index (not the corpus) for later experiments")
    ap.add_argument("--search-only", type=Path, metavar="INDEX_DIR",
                    help="re-measure only the search phase on an index kept by --keep-index (one size in --sizes; "
                         "the indexing figures are taken from bench/results/scale.json)")
    args = ap.parse_args()
    require_data(args.data / "reut2-000.sgm.gz", "Reuters-21578")
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    started = time.perf_counter()
    sentences = reuters_sentences(args.data)
    gen = Generator(args.data, sentences, args.seed)
    queries = build_queries(gen, args.queries, args.seed)
    print(f"{len(sentences)} distinct Reuters sentences; {len(queries)} queries; sizes {sizes} (SYNTHETIC corpora)")
    results = []
    for size in sizes if args.search_only is None else ():
        ctx = mp.get_context("fork")
        queue = ctx.Queue()
        proc = ctx.Process(target=run_size, args=(size, args, sentences, queries, queue))
        proc.start()
        out = queue.get()
        proc.join()
        results.append(out)
        lat = out["latency"]
        print(f"  {size:>9,}: indexed in {out['index_seconds']:.0f} s, warm p95 {lat['warm']['p95_ms']:.1f} ms",
              flush=True)

    previous = {}
    path = RESULTS_DIR / "scale.json"
    if args.search_only is not None:
        if len(sizes) != 1:
            sys.exit("--search-only needs exactly one size in --sizes: the size of the kept index")
        entries = json.loads(path.read_text()).get("sizes", []) if path.exists() else []
        out = next((dict(e) for e in entries if e["size"] == sizes[0]), None)
        if out is None:
            sys.exit(f"no indexing figures for {sizes[0]:,} articles in {path}: run without --search-only first")
        out["search_remeasured"] = {"index": str(args.search_only), "at": time.strftime("%Y-%m-%d %H:%M")}
        out["query_set"] = query_set_id(queries, args.seed)
        out.pop("profile", None)
        measure_search(args.search_only, queries, args, out)
        results.append(out)
        print(f"  {sizes[0]:>9,}: search re-measured, warm p95 {out['latency']['warm']['p95_ms']:.1f} ms")

    if path.exists():
        try:
            # keep other sizes measured with the same generator seed and query set only (all of
            # them when re-measuring one size: re-measure each, and the table is whole again)
            same = query_set_id(queries, args.seed)
            previous = {e["size"]: e for e in json.loads(path.read_text()).get("sizes", [])
                        if e.get("query_set") == same or args.search_only is not None}
        except (ValueError, KeyError):
            previous = {}
    previous.update({r["size"]: r for r in results})
    merged = [previous[s] for s in sorted(previous)]
    rows = [[f"{r['size']:,}", r["index_seconds"], r["index_docs_per_s"], r["index_mb"], r["index_peak_pss_mb"],
             r["search_peak_rss_mb"], r["open_first_request_ms"], r["latency"]["cold"]["p50_ms"],
             r["latency"]["cold"]["p95_ms"], r["latency"]["warm"]["p50_ms"], r["latency"]["warm"]["p95_ms"]]
            for r in merged]
    print("\nScale (synthetic corpora; full request = Engine.search page_size=10 with snippets, facets, histogram)")
    print(table(["articles", "index s", "docs/s", "index MB", "index peak PSS MB", "search peak RSS MB",
                 "open ms", "cold p50", "cold p95", "warm p50", "warm p95"], rows))
    for r in results:
        print(f"  slowest warm at {r['size']:,}: " + "; ".join(f"{s['query']} {s['ms']:.0f} ms ({s['total']} hits)"
                                                             for s in r["slowest_warm"][:3]))
        if "profile" in r:
            p = r["profile"]
            print(f"  profile of {p['query']!r} at {r['size']:,} (cProfile, ms):")
            for name in ("cold", "warm"):
                stages = ", ".join(f"{k} {v:.0f}" for k, v in p[name]["stages_ms"].items())
                print(f"    {name}: {stages}")
    out = write_json("scale.json", {"synthetic": True, "seed": args.seed, "queries": queries, "sizes": merged,
                                    "machine": machine(), "goal_p95_ms": GOAL_P95_MS,
                                    "memory": "index: peak PSS of process tree (psutil, 25 ms); search: VmHWM after clear_refs reset"})
    print(f"\nwrote {out.relative_to(REPO)} ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
