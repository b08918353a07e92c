"""bench/faults.py's answers part: are the answers right under load, and is every feed XML?

1. concurrent answers (issue 23: rare 500s under 16-32 clients from a postings cache read through
   another thread's reader, and possibly wrong postings without an error). `newsearch serve` over
   the Reuters index; Q fixed searches (bench/core.py's queries, seed 7, through /api/search, also
   newest-first and page 2) are asked once each by one client: that is the reference, and every
   one-client latency is recorded (goal: none over 1 s). Then C clients ask them again and again
   in shuffled orders for S seconds, and every answer is compared with the reference: total and
   the page's (id, score) rows. A wrong answer, a 5xx or a failed request each count.
2. feeds. /feed for the same queries plus hostile ones (a %01, an ESC, U+FFFE in the query) must
   be well-formed XML: parsed by expat (xml.etree), which rejects what XML 1.0 forbids.
"""
from __future__ import annotations

import http.client
import json
import random
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

sys.path.insert(0, str(Path(__file__).resolve().parent))
from faults_load import serving  # noqa: E402

HOSTILE_FEED_QUERIES = ["\x01oil", "oil\x1b[31m", "\ufffeoil", "\x0bbank\x0c"]
SLOW_SECONDS = 1.0


def _fetch(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    conn.request("GET", path)
    response = conn.getresponse()
    return response.status, response.read()


def _key(body: bytes) -> tuple:
    data = json.loads(body)
    return data["total"], [(hit["id"], hit["score"]) for hit in data["hits"]], data.get("partial", False)


def search_paths(queries: list[str]) -> list[str]:
    paths = []
    for n, q in enumerate(queries):
        args = [("q", q), ("page_size", "10")]
        if n % 3 == 1:
            args.append(("sort", "newest"))
        if n % 5 == 2:
            args.append(("page", "2"))
        paths.append("/api/search?" + urlencode(args))
    return paths


def answers_part(ix: Path, work: Path, queries: list[str], args) -> dict:
    paths = search_paths(queries)
    report: dict = {"queries": len(paths), "clients": args.clients, "seconds": args.answers_seconds}
    with serving(ix, work) as (port, _server):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        _fetch(conn, paths[0])  # the first request opens the index: not one of the timed ones
        reference, one_client = {}, []
        for path in paths:
            started = time.perf_counter()
            status, body = _fetch(conn, path)
            one_client.append((time.perf_counter() - started, path, status))
            if status == 200:
                reference[path] = _key(body)
        conn.close()
        latencies = sorted(seconds for seconds, _, _ in one_client)
        report["one_client"] = {
            "requests": len(one_client), "errors": sum(1 for _, _, s in one_client if s != 200),
            "p50_ms": round(1000 * latencies[len(latencies) // 2], 1), "max_ms": round(1000 * latencies[-1], 1),
            "over_1s": [(round(s, 2), p) for s, p, _ in one_client if s > SLOW_SECONDS][:10],
            "partial": sum(1 for k in reference.values() if k[2])}

        counts = {"requests": 0, "wrong": 0, "5xx": 0, "other_status": 0, "failed": 0, "partial": 0}
        wrong_examples: list[dict] = []
        lock = threading.Lock()
        deadline = time.monotonic() + args.answers_seconds

        def client(number: int) -> None:
            rng = random.Random(number)
            local = dict.fromkeys(counts, 0)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            while time.monotonic() < deadline:
                order = list(reference)
                rng.shuffle(order)
                for path in order:
                    if time.monotonic() >= deadline:
                        break
                    local["requests"] += 1
                    try:
                        status, body = _fetch(conn, path)
                    except (OSError, http.client.HTTPException):
                        local["failed"] += 1
                        conn.close()
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                        continue
                    if status >= 500:
                        local["5xx"] += 1
                    elif status != 200:
                        local["other_status"] += 1
                    else:
                        got = _key(body)
                        local["partial"] += got[2]
                        if got[:2] != reference[path][:2]:
                            local["wrong"] += 1
                            with lock:
                                if len(wrong_examples) < 5:
                                    wrong_examples.append({"path": path, "expected": reference[path][1][:3],
                                                           "got": got[1][:3], "totals": (reference[path][0], got[0])})
            conn.close()
            with lock:
                for name, value in local.items():
                    counts[name] += value

        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        report["concurrent"] = {**counts, "wrong_examples": wrong_examples}
        report["feeds"] = feeds_check(port, queries[:20] + HOSTILE_FEED_QUERIES)
    c, f = report["concurrent"], report["feeds"]
    print(f"  one client: {len(paths)} searches, p50 {report['one_client']['p50_ms']} ms, max "
          f"{report['one_client']['max_ms']} ms, over 1 s {len(report['one_client']['over_1s'])}; "
          f"{args.clients} clients: {c['requests']:,} answers, wrong {c['wrong']}, 5xx {c['5xx']}, failed "
          f"{c['failed']}, partial {c['partial']}; feeds: {f['malformed']} malformed of {f['feeds']}", flush=True)
    return report


def feeds_check(port: int, queries: list[str]) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    malformed, statuses, entries = [], {}, 0
    for q in queries:
        status, body = _fetch(conn, "/feed?" + urlencode({"q": q}))
        statuses[status] = statuses.get(status, 0) + 1
        if status != 200:
            continue
        try:
            entries += len(ET.fromstring(body).findall("{http://www.w3.org/2005/Atom}entry"))
        except ET.ParseError as exc:
            malformed.append({"q": q, "error": str(exc)[:120]})
    conn.close()
    return {"feeds": len(queries), "statuses": statuses, "entries": entries, "malformed": len(malformed),
            "malformed_examples": malformed[:5]}


__all__ = ["answers_part", "feeds_check", "search_paths"]
