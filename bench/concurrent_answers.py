"""The concurrent-answers check (issue 23.7): many threads searching one Reuters index must get
exactly the answers one thread gets.

Answers are computed once in one thread (the reference), then by C threads at once, each
running every query in its own order, R rounds; every answer's total, ids, order and scores are
compared with the reference, so a wrong answer counts even when nothing raised. `--no-cache`
keeps the postings cache to one entry, so that every request reads the index files (the reads
that raced); the default cache is what a server runs with. Queries: bench/core.py's set.

Usage: .venv/bin/python bench/concurrent_answers.py --index-dir DIR [--threads 16] [--rounds 2]
                                                    [--queries 150] [--no-cache] [--switch-interval S]
Writes bench/results/concurrent_answers.json.
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, machine, write_json  # noqa: E402
from core import build_queries, reuters_files  # noqa: E402

from search import Engine  # noqa: E402
from search.backends.whoosh import scoring  # noqa: E402
from search.request import SearchRequest  # noqa: E402


def answer(engine: Engine, text: str) -> tuple:
    results = engine.run(SearchRequest.build(text, page_size=10))
    return results.total, tuple((hit.id, hit.score) for hit in results.hits)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index-dir", type=Path, required=True, help="a Whoosh index of Reuters-21578")
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--queries", type=int, default=150)
    ap.add_argument("--no-cache", action="store_true", help="postings cache of one entry: every read hits the files")
    ap.add_argument("--switch-interval", type=float, default=None, metavar="S",
                    help="sys.setswitchinterval while the threads run (Python's default 0.005; 1e-6 switches "
                         "threads between almost every bytecode, so rare races show at once)")
    args = ap.parse_args()
    if args.no_cache:
        scoring.CACHE_POSTINGS = 1
    queries = build_queries(reuters_files(), args.queries)
    engine = Engine(args.index_dir)
    started = time.perf_counter()
    expected = {text: answer(engine, text) for text in queries}
    reference_s = time.perf_counter() - started
    wrong: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()

    def work(number: int) -> None:
        order = queries[number % len(queries):] + queries[:number % len(queries)]
        for _ in range(args.rounds):
            for text in order:
                try:
                    got = answer(engine, text)
                except Exception as error:  # noqa: BLE001 (counted and reported)
                    with lock:
                        errors.append(f"{text!r}: {error!r}")
                    continue
                if got != expected[text]:
                    with lock:
                        wrong.append(text)
    threads = [threading.Thread(target=work, args=(n,)) for n in range(args.threads)]
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    answers = args.threads * args.rounds * len(queries)
    result = {"machine": machine(), "index_dir": str(args.index_dir), "threads": args.threads, "rounds": args.rounds,
              "queries": len(queries), "answers": answers, "no_cache": args.no_cache,
              "switch_interval": args.switch_interval, "wrong": len(wrong),
              "errors": len(errors), "first_errors": errors[:5], "wrong_queries": sorted(set(wrong))[:20],
              "seconds": round(seconds, 1), "reference_seconds": round(reference_s, 1)}
    print(f"{answers} answers from {args.threads} threads in {seconds:.1f} s "
          f"({'no cache' if args.no_cache else 'default cache'}): {len(wrong)} wrong, {len(errors)} errors")
    for line in errors[:5]:
        print("  error:", line)
    path = write_json("concurrent_answers.json", result)
    print(f"wrote {path.relative_to(REPO)}")
    sys.exit(1 if wrong or errors else 0)


if __name__ == "__main__":
    main()
