"""bench/faults.py's third part: 10,000 generated queries through `search()` and `/api/search`,
counting non-`QuerySyntaxError` exceptions, 5xx answers and calls over a second, each distinct
failure shrunk to a small reproducer and each slow call profiled to its hot spot. The query
generator is tests/test_fuzz.py's, so the test suite's small fuzzer and this one are the same.
"""
from __future__ import annotations

import cProfile
import io
import pstats
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, percentile  # noqa: E402

SLOW_SECONDS = 1.0

# ---- part 3: fuzz -------------------------------------------------------------------------------


def hot_spot(run) -> str:
    """Where a slow call spends its time: the most specific function of this repository whose
    cumulative time is at least half of the whole call's (from a cProfile re-run)."""
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    try:
        run()
    finally:
        profile.disable()
    total = time.perf_counter() - started
    stats = pstats.Stats(profile, stream=io.StringIO()).stats
    best = None
    for (filename, line, func), (_cc, _nc, _tt, cumulative, _callers) in stats.items():
        if not filename.startswith(str(REPO)) or "/.venv/" in filename or "/tests/" in filename or "/bench/" in filename:
            continue
        if cumulative >= 0.5 * total and (best is None or cumulative < best[0]):
            best = (cumulative, f"{Path(filename).relative_to(REPO)}:{line} {func}")
    return f"{best[1]} ({total:.1f} s re-run)" if best else f"? ({total:.1f} s re-run)"


def minimise(case: dict, reproduces, budget: int = 300) -> dict:
    """A smaller input with the same failure: drop parameters, then chunks of the query's
    space-separated tokens (halves, quarters, ... single tokens), then single characters of a
    short query; at most `budget` calls."""
    calls = 0

    def still(candidate: dict) -> bool:
        nonlocal calls
        if calls >= budget:
            return False
        calls += 1
        return reproduces(candidate)

    current = dict(case)
    for key in [k for k in current if k != "q"]:
        candidate = {k: v for k, v in current.items() if k != key}
        if still(candidate):
            current = candidate
    tokens = current["q"].split(" ")
    size = max(1, len(tokens) // 2)
    while size >= 1 and len(tokens) > 1:
        start = 0
        while start < len(tokens):
            candidate_tokens = tokens[:start] + tokens[start + size:]
            if candidate_tokens and still({**current, "q": " ".join(candidate_tokens)}):
                tokens = candidate_tokens
            else:
                start += size
        size //= 2
    current["q"] = " ".join(tokens)
    if len(current["q"]) <= 80:
        i = 0
        while i < len(current["q"]):
            candidate = {**current, "q": current["q"][:i] + current["q"][i + 1:]}
            if still(candidate):
                current = candidate
            else:
                i += 1
    return current


def fuzz_part(ix: Path, args) -> dict:
    from hypothesis import HealthCheck, Phase, given, seed, settings

    import search
    from tests.test_fuzz import KNOWN_HARD, call_search, call_web, fuzz_client, search_cases

    engine = search.engine_for(ix)
    client = fuzz_client(ix, engine=engine)
    search.search("oil", index_dir=ix)  # open the index and build its tables before timing anything
    outcomes: dict[str, list] = {"search()": [], "/api/search": []}
    budget_end = time.monotonic() + args.fuzz_budget
    counted = {"explicit": 0, "generated": 0, "skipped_over_budget": 0}

    def one(case: dict, kind: str) -> None:
        if time.monotonic() > budget_end:
            counted["skipped_over_budget"] += 1
            return
        counted[kind] += 1
        outcomes["search()"].append(call_search(ix, case, clock=time.perf_counter))
        outcomes["/api/search"].append(call_web(client, case, clock=time.perf_counter))
        done = counted["explicit"] + counted["generated"]
        if done % 1000 == 0:
            print(f"  {done} inputs, {sum(o.failure is not None for v in outcomes.values() for o in v)} failures, "
                  f"{sum(o.seconds > SLOW_SECONDS for v in outcomes.values() for o in v)} over 1 s", flush=True)

    for case in KNOWN_HARD:
        one(case, "explicit")

    @seed(args.seed)
    @settings(max_examples=args.fuzz, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=search_cases())
    def generated(case: dict) -> None:
        one(case, "generated")

    started = time.monotonic()
    generated()
    seconds = time.monotonic() - started

    report = {"inputs": counted, "seconds": round(seconds, 1), "per_entry_point": {}, "distinct_failures": []}
    groups: dict[tuple, list] = {}
    slow_all = []
    for where, items in outcomes.items():
        times = sorted(o.seconds for o in items)
        failures = [o for o in items if o.failure]
        slow = [o for o in items if o.seconds > SLOW_SECONDS]
        slow_all += slow
        results = Counter(o.result for o in items if not o.failure)
        report["per_entry_point"][where] = {
            "calls": len(items), "failures": len(failures), "over_1s": len(slow),
            "answered": results.get("ok", 0) + results.get("200", 0),
            "refused": sum(n for r, n in results.items() if r not in ("ok", "200")),
            "results": dict(results.most_common()),
            "p50_ms": round(1000 * percentile(times, 50), 2), "p95_ms": round(1000 * percentile(times, 95), 2),
            "p99_ms": round(1000 * percentile(times, 99), 2), "max_ms": round(1000 * times[-1], 1) if times else None,
        }
        for o in failures:
            groups.setdefault(o.signature, []).append(o)
    for signature, items in groups.items():
        shortest = min(items, key=lambda o: len(repr(o.case)))
        call = call_search if signature[0] == "search()" else (lambda _ix, c: call_web(client, c))
        smallest = minimise(shortest.case, lambda c, call=call, signature=signature: call(ix, c).signature == signature)
        report["distinct_failures"].append({
            "where": signature[0], "kind": signature[1], "error": shortest.error, "site": signature[3],
            "count": len(items), "reproducer": smallest, "found_as": shortest.case,
        })
    # Slow calls: where the time goes, from a profiled re-run of the shortest few.
    slow_groups: dict[str, list] = {}
    profiled = 0
    for o in sorted(slow_all, key=lambda o: len(repr(o.case))):
        if profiled >= args.profile_slow:
            break
        if any(o.case == other.case for items in slow_groups.values() for other in items):
            continue
        profiled += 1
        if o.where == "search()":
            spot = hot_spot(lambda o=o: call_search(ix, o.case))
        else:
            spot = hot_spot(lambda o=o: call_web(client, o.case))
        slow_groups.setdefault(spot.split(" (")[0], []).append(o)
    report["slow"] = {
        "calls": len(slow_all), "inputs": len({repr(o.case) for o in slow_all}), "profiled": profiled,
        "slowest": [{"where": o.where, "seconds": round(o.seconds, 2), "case": o.case}
                    for o in sorted(slow_all, key=lambda o: -o.seconds)[:5]],
        "by_hot_spot": [{"hot_spot": spot, "profiled": len(items), "where": items[0].where,
                         "seconds": round(items[0].seconds, 2), "reproducer": items[0].case}
                        for spot, items in slow_groups.items()],
    }
    report["totals"] = {
        "inputs": counted["explicit"] + counted["generated"],
        "failures": sum(v["failures"] for v in report["per_entry_point"].values()),
        "exceptions": report["per_entry_point"]["search()"]["failures"],
        "http_5xx": sum(1 for o in outcomes["/api/search"] if o.failure == "5xx"),
        "over_1s": len(slow_all), "distinct_failures": len(groups), "distinct_slow_hot_spots": len(slow_groups),
    }
    return report
