"""bench/faults.py's second part: 64 clients for 60 s on a `newsearch serve` of the Reuters index
(a subprocess on loopback only), with throughput, p50/p95/p99, errors and the server's RSS."""
from __future__ import annotations

import contextlib
import http.client
import logging
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO  # noqa: E402

# ---- part 2: load -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    import psutil

    return round(psutil.Process(pid).memory_info().rss / 2**20, 1)


def get(port: int, path: str, timeout: float = 10) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@contextlib.contextmanager
def serving(ix: Path, work: Path):
    """`newsearch serve` (waitress, 4 threads) over `ix` as a subprocess on loopback, ready; yields
    (port, process) and stops it (SIGTERM, then SIGKILL) afterwards."""
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    port = free_port()
    cli = Path(sys.executable).with_name("newsearch")
    command = [str(cli)] if cli.exists() else [sys.executable, "-m", "newsearch.cli"]
    err = open(work / f"serve-{port}.err", "w")
    server = subprocess.Popen([*command, "serve", "--index-dir", str(ix), "--host", "127.0.0.1", "--port", str(port)],
                              cwd=REPO, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise SystemExit(f"newsearch serve exited with {server.returncode}: "
                                 f"{(work / f'serve-{port}.err').read_text()[-400:]}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if get(port, "/api/stats") == 200:
                    break
            if time.monotonic() > deadline:
                raise SystemExit("newsearch serve did not answer within 60 s")
            time.sleep(0.2)
        yield port, server
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        err.close()


def load_part(ix: Path, work: Path, args) -> dict:
    import load  # bench/load.py: the request mix, the client loop and the summary

    with serving(ix, work) as (port, server):
        rss_ready = rss_mb(server.pid)
        from search import Engine

        requests = load.request_list(Engine(ix))  # its article pages: the top hits of a few searches
        load.run_clients("127.0.0.1", port, requests, 4, args.warmup, 60.0)
        rss_before = rss_mb(server.pid)
        peak = [rss_before]
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(0.5):
                with contextlib.suppress(Exception):
                    peak.append(rss_mb(server.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        results, wall = load.run_clients("127.0.0.1", port, requests, args.clients, args.max_requests,
                                         args.load_seconds)
        stop.set()
        sampler.join()
        rss_after = rss_mb(server.pid)
        summary = load.summarise(results, wall)
    return {"clients": args.clients, "seconds": args.load_seconds, "wall_s": round(wall, 2),
            "server_threads": 4, "distinct_requests": len(requests), "results": summary,
            "rss_mb": {"ready": rss_ready, "before": rss_before, "peak": max(peak), "after": rss_after},
            "server_exit": server.returncode}
