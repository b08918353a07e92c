"""The OpenSearch half of bench/scale.py: the same generated shards and query set, on a cluster.

Per size (in scale.py's per-size child process, after the corpus is generated):
  (a) the shards indexed into a fresh alias `bench-scale-<size>-<tag>-1p` by ONE indexer process
      (`index_paths(..., backend="opensearch")` in a spawned child: a fresh interpreter, as the CLI);
  (b) the same shards into another fresh alias `...-2p` by TWO indexer processes started at once,
      on parts 1/2 and 2/2 (`part=(k, 2)`: files split by a stable hash of their names, so the
      parts differ a little in size: 6 and 4 of the 10 shards at 100k, 51 and 49 at 1M, and at
      10k the one shard is all in part 1 - a 2-process figure there means nothing);
  each timed from the processes' start to the last one's end (docs/s = articles / wall time),
  then the cluster's background merges are waited for (up to MERGE_WAIT_S, timed apart) and the
  store size read (after STORE_STATS_WAIT_S: the cluster caches it);
  (b) is then deleted, and the search phase runs on (a): a fresh `Engine(backend="opensearch")`,
  `POST <alias>/_cache/clear` (query, request and fielddata caches: the global ordinals of the
  facet fields go with the fielddata), the first request timed, the caches cleared again, then
  the query set twice, cold (pass 1) and warm (pass 2), through `Engine.search(q, page_size=10)`,
  the full request (two or more round trips: an overview, then the page with snippets, facets and
  histogram, `dfs_query_then_fetch`). The OS page cache is not dropped (as for Whoosh): "cold"
  means cold caches in the cluster and in our process, not cold disk.

CPU: the seconds the cluster's nodes, our processes and the whole machine spent in each phase
(/proc), so that the work per article on each side can be told apart from the sharing of 2 cores.

Memory: the indexer processes' peak PSS (common.PeakMemory: this process and its children); the
cluster nodes' RSS (VmRSS of each node's JVM, its pid from `_nodes/process`, so the nodes must
run on this machine) before, at its peak (sampled every 0.5 s) and after each phase, with the
anonymous/file split at the end (a node's RSS is its pre-touched heap + ~200 MB of JVM, plus the
index files it has mapped); the highest heap use any node reported (`_nodes/stats/jvm`, sampled
every 2 s) and circuit-breaker trips during the phase; the searching process's peak RSS (VmHWM).
The cluster is shared with whatever else runs on it: its RSS covers every index on it.
Index size: `_stats/store` of the alias, primaries and total (with the replicas).

Everything a size created is deleted after it (the concrete indexes `<alias>-v*`, the template
`<alias>-template`, `<alias>-meta`, `<alias>-files`, the local cache folder), unless --keep-index.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import queue as queue_mod
import secrets
import shutil
import threading
import time
import traceback
from pathlib import Path

from common import PeakMemory, percentile

MERGE_WAIT_S = 300.0     # longest wait for the cluster's merges after an indexing run
RSS_EVERY_S = 0.5        # node RSS sampling (reading /proc: cheap)
HEAP_EVERY_S = 2.0       # heap sampling (an HTTP call to the cluster)
MAX_ERRORS_KEPT = 5
# OpenSearch caches a shard's store size for `index.store.stats_refresh_interval` (10 s by
# default): read right after indexing, it can be that of an almost empty shard.
STORE_STATS_WAIT_S = 11.0


def default_url() -> str:
    from search.backends.opensearch.config import DEFAULT_URL
    return os.environ.get("NEWSEARCH_OPENSEARCH_URL") or DEFAULT_URL


def client_for(url: str):
    from search.backends.opensearch.client import make_client
    from search.backends.opensearch.config import OpenSearchConfig
    return make_client(OpenSearchConfig(url=url, timeout=120.0))


# ---- the cluster's memory ------------------------------------------------------------------------

def node_pids(client) -> dict[str, int]:
    """Each node's JVM pid (from the cluster itself), for the nodes that run on this machine."""
    info = client.nodes.info(metric="process")
    pids = {node["name"]: int(node["process"]["id"]) for node in info["nodes"].values()}
    return {name: pid for name, pid in pids.items() if Path(f"/proc/{pid}").exists()}


def proc_status_mb(pid: int, *keys: str) -> dict[str, float]:
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key = line.split(":", 1)[0]
            if key in keys:
                out[key] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return out


def nodes_rss_mb(pids: dict[str, int]) -> float:
    return sum(proc_status_mb(pid, "VmRSS").get("VmRSS", 0.0) for pid in pids.values())


def proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used (/proc/<pid>/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def machine_busy_cpu_s() -> float:
    """CPU seconds the whole machine has spent busy (all cores; /proc/stat, idle and iowait excluded)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def own_cpu_s() -> float:
    """CPU seconds of this process and of its children that have ended (and been waited for)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def breaker_trips(client) -> int:
    stats = client.nodes.stats(metric="breaker")
    return sum(b.get("tripped", 0) for node in stats["nodes"].values() for b in node.get("breakers", {}).values())


def heap_percent(client) -> int:
    stats = client.nodes.stats(metric="jvm")
    return max(int(node["jvm"]["mem"]["heap_used_percent"]) for node in stats["nodes"].values())


class ClusterWatch:
    """`with ClusterWatch(url) as w:` then `w.summary()`: the nodes' RSS sum (before, peak, after,
    anonymous/file at the end), the highest heap use seen and the circuit-breaker trips."""

    def __init__(self, url: str) -> None:
        self.client = client_for(url)
        self.pids = node_pids(self.client)

    def __enter__(self) -> "ClusterWatch":
        self.before = nodes_rss_mb(self.pids)
        self.peak = self.before
        self.heap_peak = heap_percent(self.client)
        self.trips_before = breaker_trips(self.client)
        self.cpu_before = {name: proc_cpu_s(pid) for name, pid in self.pids.items()}
        self.machine_before, self.own_before = machine_busy_cpu_s(), own_cpu_s()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        last_heap = time.monotonic()
        while not self._stop.wait(RSS_EVERY_S):
            self.peak = max(self.peak, nodes_rss_mb(self.pids))
            if time.monotonic() - last_heap >= HEAP_EVERY_S:
                last_heap = time.monotonic()
                try:
                    self.heap_peak = max(self.heap_peak, heap_percent(self.client))
                except Exception:  # noqa: BLE001 - a busy cluster may not answer a stats call
                    pass

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.after = nodes_rss_mb(self.pids)
        self.peak = max(self.peak, self.after)
        self.trips = breaker_trips(self.client) - self.trips_before
        self.cpu = sum(proc_cpu_s(pid) - self.cpu_before[name] for name, pid in self.pids.items())
        self.machine_cpu = machine_busy_cpu_s() - self.machine_before
        self.own_cpu = own_cpu_s() - self.own_before
        self.split = {name: proc_status_mb(pid, "RssAnon", "RssFile") for name, pid in self.pids.items()}
        self.client.close()

    def summary(self) -> dict:
        return {"nodes": len(self.pids), "rss_before_mb": self.before, "rss_peak_mb": self.peak,
                "rss_after_mb": self.after, "heap_peak_percent": self.heap_peak, "breaker_trips": self.trips,
                "rss_split_after_mb": self.split,
                # CPU seconds during the phase: the cluster's nodes, our processes (the indexers once
                # joined), and the whole machine (the rest is other people's work on it)
                "cluster_cpu_s": self.cpu, "our_cpu_s": self.own_cpu, "machine_busy_cpu_s": self.machine_cpu}


# ---- indexes -------------------------------------------------------------------------------------

def store_stats(client, alias: str) -> dict:
    stats = client.indices.stats(index=alias, metric="docs,store,segments")["_all"]
    return {"docs": stats["primaries"]["docs"]["count"],
            "primaries_mb": stats["primaries"]["store"]["size_in_bytes"] / 2**20,
            "total_mb": stats["total"]["store"]["size_in_bytes"] / 2**20,
            "segments": stats["primaries"]["segments"]["count"]}


def wait_for_merges(client, alias: str, limit: float = MERGE_WAIT_S) -> float:
    """Seconds until no merge runs on the alias's shards (at most `limit`)."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit:
        merges = client.indices.stats(index=alias, metric="merge")["_all"]["total"]["merges"]
        if not merges.get("current"):
            break
        time.sleep(1.0)
    return time.perf_counter() - t0


def drop(url: str, alias: str) -> list[str]:
    """Delete everything an index run into `alias` created; returns what was deleted."""
    from search.backends.opensearch.config import OpenSearchConfig
    from search.backends.opensearch.writer import cache_dir
    client = client_for(url)
    gone = []
    try:
        found = client.indices.get(index=f"{alias}-v*", params={"allow_no_indices": "true",
                                                                 "expand_wildcards": "all"})
        for name in sorted(found) + [f"{alias}-meta", f"{alias}-files"]:
            if client.indices.exists(index=name):
                client.indices.delete(index=name)
                gone.append(name)
        if client.indices.exists_index_template(name=f"{alias}-template"):
            client.indices.delete_index_template(name=f"{alias}-template")
            gone.append(f"{alias}-template")
    finally:
        client.close()
    shutil.rmtree(cache_dir(OpenSearchConfig(url=url, index=alias)), ignore_errors=True)
    return gone


# ---- indexing ------------------------------------------------------------------------------------

def _indexer(corpus: Path, url: str, alias: str, part, queue) -> None:
    from newsearch.indexing import index_paths
    t0 = time.perf_counter()
    try:
        summary = index_paths([corpus], backend="opensearch", backend_options={"url": url, "index": alias},
                              part=part, entities=False, show_progress=False)
        queue.put({"part": part, "seconds": time.perf_counter() - t0, "added": summary.added,
                   "updated": summary.updated, "files_read": summary.files_read, "failed": summary.failed,
                   "problems": [str(p) for p in summary.problems[:MAX_ERRORS_KEPT]]})
    except BaseException:
        queue.put({"part": part, "error": traceback.format_exc()})
        raise


def index_with(processes: int, corpus: Path, url: str, alias: str) -> dict:
    """Index `corpus` into a fresh `alias` with this many indexer processes running at once."""
    # spawn, not fork: this process runs sampling threads (a fork could copy a lock one holds),
    # and a fresh interpreter is what a separate indexer process (the CLI) is.
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    parts = [None] if processes == 1 else [(k, processes) for k in range(1, processes + 1)]
    load_before = os.getloadavg()[0]
    with PeakMemory() as mem, ClusterWatch(url) as watch:
        t0 = time.perf_counter()
        procs = [ctx.Process(target=_indexer, args=(corpus, url, alias, part, queue)) for part in parts]
        for proc in procs:
            proc.start()
        results = []
        while len(results) < len(procs):
            try:
                results.append(queue.get(timeout=5))
            except queue_mod.Empty:
                if not any(p.is_alive() for p in procs) and queue.empty():
                    break
        seconds = time.perf_counter() - t0
        for proc in procs:
            proc.join()
    errors = [r["error"] for r in results if "error" in r]
    if errors or len(results) < len(procs):
        raise RuntimeError(f"an indexer process failed ({len(results)} of {len(procs)} answered):\n"
                           + "\n".join(errors))
    added = sum(r["added"] + r["updated"] for r in results)
    client = client_for(url)
    try:
        merge_wait = wait_for_merges(client, alias)
        time.sleep(STORE_STATS_WAIT_S)
        store = store_stats(client, alias)
    finally:
        client.close()
    return {"processes": processes, "alias": alias, "seconds": seconds, "indexed": added,
            "docs_per_s": added / seconds, "parts": sorted(results, key=lambda r: r["part"] or (0, 0)),
            "failed": sum(r["failed"] for r in results), "merge_wait_seconds": merge_wait,
            "indexer_peak_pss_mb": mem.peak_mb, "cluster": watch.summary(), "store": store,
            "load_1m_before": load_before, "load_1m_after": os.getloadavg()[0]}


# ---- searching -----------------------------------------------------------------------------------

def clear_caches(url: str, alias: str) -> None:
    client = client_for(url)
    try:
        client.indices.clear_cache(index=alias)
    finally:
        client.close()


def measure_search(url: str, alias: str, queries: list[str], out: dict, reset_peak, vm_hwm_mb) -> None:
    """The search phase on `alias`: first request, a cold and a warm pass of the full request."""
    from search import Engine
    out["search_peak_is_vmhwm_after_reset"] = reset_peak()
    errors: list[str] = []
    load_before = os.getloadavg()[0]
    with ClusterWatch(url) as watch:
        engine = Engine(backend="opensearch", url=url, index=alias)
        clear_caches(url, alias)
        t0 = time.perf_counter()
        engine.search(queries[0], page_size=10)
        out["open_first_request_ms"] = (time.perf_counter() - t0) * 1000
        clear_caches(url, alias)
        passes, slow = {}, []
        for name in ("cold", "warm"):
            times = []
            for q in queries:
                t0 = time.perf_counter()
                try:
                    r = engine.search(q, page_size=10)
                except Exception as exc:  # noqa: BLE001 - a breaker or timeout is a finding: keep going
                    if len(errors) < MAX_ERRORS_KEPT:
                        errors.append(f"{name} {q!r}: {type(exc).__name__}: {exc}")
                    out["search_errors"] = out.get("search_errors", 0) + 1
                    continue
                ms = (time.perf_counter() - t0) * 1000
                times.append(ms)
                if name == "warm":
                    slow.append((ms, q, r.total))
            passes[name] = {"p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95),
                            "max_ms": max(times, default=float("nan")),
                            "mean_ms": sum(times) / len(times) if times else float("nan"), "ok": len(times)}
        engine.close()
    out["latency"] = passes
    out["search_peak_rss_mb"] = vm_hwm_mb()
    out["search_cluster"] = watch.summary()
    out["search_load_1m"] = [load_before, os.getloadavg()[0]]
    if errors:
        out["search_error_examples"] = errors
    slow.sort(reverse=True)
    out["slowest_warm"] = [{"ms": ms, "query": q, "total": t} for ms, q, t in slow[:5]]


# ---- one size ------------------------------------------------------------------------------------

def run_size(size: int, args, queries: list[str], corpus: Path, reset_peak, vm_hwm_mb) -> dict:
    """Index `corpus` with 1 and with 2 processes, search the first; returns scale.py's entry."""
    tag = f"bench-scale-{size}-{secrets.token_hex(3)}"
    one, two = f"{tag}-1p", f"{tag}-2p"
    out: dict = {"size": size, "backend": "opensearch", "url": args.opensearch_url}
    try:
        print(f"  {size:>9,} opensearch: indexing into {one} (1 process)", flush=True)
        out["index_1p"] = index_with(1, corpus, args.opensearch_url, one)
        print(f"  {size:>9,} opensearch: {out['index_1p']['docs_per_s']:,.0f} docs/s; indexing into {two} "
              f"(2 processes)", flush=True)
        out["index_2p"] = index_with(2, corpus, args.opensearch_url, two)
        print(f"  {size:>9,} opensearch: {out['index_2p']['docs_per_s']:,.0f} docs/s", flush=True)
        if not args.keep_index:
            drop(args.opensearch_url, two)
        a = out["index_1p"]
        out.update(indexed=a["indexed"], index_seconds=a["seconds"], index_docs_per_s=a["docs_per_s"],
                   index_docs_per_s_2p=out["index_2p"]["docs_per_s"], index_mb=a["store"]["primaries_mb"],
                   index_mb_with_replicas=a["store"]["total_mb"], index_peak_pss_mb=a["indexer_peak_pss_mb"],
                   cluster_rss_peak_mb=max(a["cluster"]["rss_peak_mb"], out["index_2p"]["cluster"]["rss_peak_mb"]))
        measure_search(args.opensearch_url, one, queries, out, reset_peak, vm_hwm_mb)
        out["cluster_rss_peak_mb"] = max(out["cluster_rss_peak_mb"], out["search_cluster"]["rss_peak_mb"])
    finally:
        if args.keep_index:
            out["kept_aliases"] = [one, two]
            print(f"  kept the OpenSearch aliases {one} and {two}")
        else:
            out["dropped"] = drop(args.opensearch_url, one) + drop(args.opensearch_url, two)
    return out


__all__ = ["run_size", "default_url", "drop", "index_with", "measure_search", "ClusterWatch"]
