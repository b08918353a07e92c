"""Small helpers shared by the bench scripts: paths, percentiles, tables, machine notes, memory.

Memory: `PeakMemory` samples the proportional set size (PSS, from /proc/<pid>/smaps_rollup via
psutil) of this process *and its children* every 25 ms, so a writer that forks (our Whoosh writer
uses 2 processes) is counted, and pages shared by a fork are not counted twice. It reports the peak
of that sum above the value when it started. Falls back to RSS if PSS cannot be read.
"""
from __future__ import annotations

import json
import os
import platform
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "bench" / "results"
SHARED = Path(os.environ.get("NEWSEARCH_SHARED_DATA", REPO.parent / "shared" / "data"))

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def require_data(path: Path, what: str) -> None:
    """Exit cleanly (status 0, a clear message) when the shared data is not there."""
    if not path.exists():
        print(f"SKIP: {what} not found at {path} (set NEWSEARCH_SHARED_DATA or --data).")
        sys.exit(0)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def table(headers: list[str], rows: list[list[object]]) -> str:
    def fmt(v: object) -> str:
        if isinstance(v, float):
            if v != v:
                return "-"
            return f"{v:.4f}" if abs(v) < 10 else f"{v:,.1f}"
        return str(v)
    cells = [[fmt(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = " | ".join(h.ljust(w) for h, w in zip(headers, widths))
    out = [line, "-+-".join("-" * w for w in widths)]
    out += [" | ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in cells]
    return "\n".join(out)


def machine() -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform(),
            "cpus": os.cpu_count(), "processor": platform.processor() or platform.machine()}
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                info["mem_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    return info


def versions(*modules: str) -> dict:
    from importlib.metadata import PackageNotFoundError, version
    out = {}
    for name in modules:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def dir_size(path: Path) -> int:
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def write_json(name: str, data: dict) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / name
    out.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    return out


def _tree_memory() -> tuple[int, str]:
    import psutil
    me = psutil.Process()
    procs = [me] + me.children(recursive=True)
    total, kind = 0, "pss"
    for p in procs:
        try:
            total += p.memory_full_info().pss
        except (AttributeError, psutil.Error):
            try:
                total += p.memory_info().rss
                kind = "rss"
            except psutil.Error:
                pass
    return total, kind


def rss_mb() -> float:
    import psutil
    return psutil.Process().memory_info().rss / 2**20


class PeakMemory:
    """`with PeakMemory() as m: ...` then m.peak_delta_mb, m.peak_mb (process tree PSS, sampled)."""

    def __init__(self, interval: float = 0.025) -> None:
        self.interval = interval
        self.kind = "pss"

    def __enter__(self) -> "PeakMemory":
        self.start, self.kind = _tree_memory()
        self.peak = self.start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            value, _ = _tree_memory()
            self.peak = max(self.peak, value)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        value, _ = _tree_memory()
        self.peak = max(self.peak, value)

    @property
    def peak_delta_mb(self) -> float:
        return (self.peak - self.start) / 2**20

    @property
    def peak_mb(self) -> float:
        return self.peak / 2**20


class Stopwatch:
    def __enter__(self) -> "Stopwatch":
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.t0
