"""Speed and size on Reuters-21578: ours vs tantivy vs SQLite FTS5, same articles, same queries.

Articles: `index.readers.read_file` over the reut2-*.sgm.gz files (--quick: the first 5 files,
~5k articles; full: all 22, 21,577 articles). Every engine indexes the same Article objects with
equivalent fields: title, body (both stemmed full text, stored), date, place (a facet).
  ours     `index_paths` over the same .sgm.gz files, entities=False (so its time *includes*
           reading/parsing the SGML; the table also gives it with the separately measured read
           time subtracted). Our writer uses 2 processes.
  tantivy  title/body `en_stem` (stored, positions), date (fast), place (raw tokenizer, fast,
           multi-valued), month = YYYYMM integer fast field derived at index time (tantivy's
           date_histogram has only fixed intervals, so calendar months come from a terms
           aggregation on it). Writer with default threads (auto) and heap; commit + merge wait.
  FTS5     fts5(title, body, tokenize='porter') + table art(id, date ISO text) + places(doc, place)
           indexed by doc; one transaction, then FTS5 'optimize'.
Indexing runs in a forked child per engine; peak memory = peak PSS (proportional set size, psutil,
sampled every 25 ms) of that child and its own children (our writer's processes) above its value at
the start. Index size = bytes on disk after the commit.

Queries: one fixed set, built with --seed from the indexed articles: 40% two title words (AND),
30% title bigram phrases ("w1 w2"), 30% single words among the 300 most common body words.
Semantics: all words required in every engine (ours falls back to any word below 10 hits, as the
product does; the others don't). Latency per query, three levels:
  (a) top-10: ranked ids + stored titles of the first 10;
  (b) (a) + a highlighted body snippet per hit (ours: search.backends.whoosh.snippets; tantivy: SnippetGenerator;
      FTS5: snippet());
  (c) the full request: (b) + total count + place facet (top 20) + month histogram over the whole
      result set. Ours: `Engine.search(q, page_size=10)` exactly (it also counts person/org/source
      facets and may compute a spelling suggestion). tantivy: `Searcher.aggregate` with a terms
      aggregation on place and on month (the binding has the aggregation API). FTS5: snippet() +
      count(*) + GROUP BY over places and over substr(date, 1, 7) joined to the MATCH set.
Each engine first runs every query once (warm-up, untimed); then queries are timed interleaved
(per query: each level, each engine, engine order rotating). All in this one process.

Usage: .venv/bin/python bench/compare.py [--quick] [--queries N] [--seed S] [--data DIR]
Writes bench/results/compare.json (--quick: bench/results/compare.quick.json, so a quick run never
overwrites the full figures).
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import re
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (REPO, SHARED, PeakMemory, dir_size, machine, percentile, require_data, table,  # noqa: E402
                    versions, write_json)

ENGINES = ("ours", "tantivy", "fts5")
LEVELS = ("top10", "snippets", "full")
ARTICLES: list = []  # filled before forking the indexing children
FILES: list[Path] = []


# ---- corpus and queries -------------------------------------------------------------------------

def load_articles(files: list[Path]) -> tuple[list, float]:
    from index.article import Article
    from index.readers import read_file
    t0 = time.perf_counter()
    out = [a for f in files for a in read_file(f) if isinstance(a, Article)]
    return out, time.perf_counter() - t0


def build_queries(articles, n: int, seed: int) -> list[dict]:
    from whoosh.analysis import STOP_WORDS
    rng = random.Random(seed)
    word = re.compile(r"[A-Za-z]{3,}")

    def usable(w: str) -> bool:
        return w not in STOP_WORDS and w not in ("reuter", "reuters")

    titled = [[w.lower() for w in re.findall(r"[A-Za-z]+", a.title)] for a in articles if a.title]
    df = Counter()
    for a in articles:
        df.update({w.lower() for w in word.findall(a.body)})
    common = [w for w, _ in df.most_common(400) if usable(w)][:300]
    queries, seen = [], set()
    kinds = ["words"] * 4 + ["phrase"] * 3 + ["common"] * 3
    attempts = 0
    while len(queries) < n and attempts < n * 200:
        attempts += 1
        kind = kinds[len(queries) % len(kinds)]
        if kind == "common":
            text = rng.choice(common)
        else:
            toks = rng.choice(titled)
            if kind == "words":
                ok = sorted({t for t in toks if len(t) >= 3 and usable(t)})
                if len(ok) < 2:
                    continue
                text = " ".join(rng.sample(ok, 2))
            else:
                pairs = [(a, b) for a, b in zip(toks, toks[1:])
                         if len(a) >= 3 and len(b) >= 3 and usable(a) and usable(b)]
                if not pairs:
                    continue
                text = '"%s %s"' % rng.choice(pairs)
        if text in seen:
            continue
        seen.add(text)
        queries.append({"kind": kind, "text": text})
    return queries


def fts5_match(q: dict) -> str:
    if q["kind"] == "phrase":
        return q["text"]  # already '"w1 w2"', plain lower-case letters
    return " ".join(f'"{w}"' for w in q["text"].split())


# ---- indexing (in forked children) ----------------------------------------------------------------

def index_ours(path: Path) -> int:
    from newsearch.indexing import index_paths
    summary = index_paths(FILES, path, entities=False, show_progress=False)
    return summary.added


def tantivy_schema():
    import tantivy
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("nid", stored=True, fast=True)
    sb.add_text_field("title", stored=True, tokenizer_name="en_stem")
    sb.add_text_field("body", stored=True, tokenizer_name="en_stem")
    sb.add_date_field("date", stored=True, fast=True, indexed=True)
    sb.add_text_field("place", stored=True, fast=True, tokenizer_name="raw")
    sb.add_integer_field("month", fast=True, indexed=True)
    return sb.build()


def index_tantivy(path: Path) -> int:
    import tantivy
    path.mkdir(parents=True, exist_ok=True)
    ix = tantivy.Index(tantivy_schema(), path=str(path))
    writer = ix.writer()
    for i, a in enumerate(ARTICLES):
        doc = tantivy.Document(nid=i, title=a.title, body=a.body)
        if a.date is not None:
            doc.add_date("date", a.date.replace(tzinfo=None))
            doc.add_integer("month", a.date.year * 100 + a.date.month)
        for place in a.entities.get("place", ()):
            doc.add_text("place", place)
        writer.add_document(doc)
    writer.commit()
    writer.wait_merging_threads()
    return len(ARTICLES)


def index_fts5(path: Path) -> int:
    db = sqlite3.connect(str(path))
    db.executescript("""
        CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='porter');
        CREATE TABLE art(id INTEGER PRIMARY KEY, date TEXT);
        CREATE TABLE places(doc INTEGER NOT NULL, place TEXT NOT NULL);
    """)
    with db:
        db.executemany("INSERT INTO docs(rowid, title, body) VALUES (?, ?, ?)",
                       ((i + 1, a.title, a.body) for i, a in enumerate(ARTICLES)))
        db.executemany("INSERT INTO art(id, date) VALUES (?, ?)",
                       ((i + 1, a.date.isoformat() if a.date else None) for i, a in enumerate(ARTICLES)))
        db.executemany("INSERT INTO places(doc, place) VALUES (?, ?)",
                       ((i + 1, p) for i, a in enumerate(ARTICLES) for p in a.entities.get("place", ())))
        db.execute("CREATE INDEX places_doc ON places(doc)")
        db.execute("INSERT INTO docs(docs) VALUES ('optimize')")
    db.close()
    return len(ARTICLES)


def _index_child(engine: str, path: str, queue) -> None:
    fn = {"ours": index_ours, "tantivy": index_tantivy, "fts5": index_fts5}[engine]
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        docs = fn(Path(path))
        seconds = time.perf_counter() - t0
    queue.put({"docs": docs, "seconds": seconds, "peak_mem_delta_mb": mem.peak_delta_mb, "mem_kind": mem.kind})


def index_in_child(engine: str, path: Path) -> dict:
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_index_child, args=(engine, str(path), queue))
    proc.start()
    out = queue.get()
    proc.join()
    out["size_bytes"] = dir_size(path)
    return out


# ---- searching ------------------------------------------------------------------------------------

class Ours:
    def __init__(self, path: Path) -> None:
        from search.backends.whoosh import WhooshSearch as Engine
        self.engine = Engine(path)

    def top(self, text: str, snippets: bool) -> list:
        """Engine.search without facets: parse, match, fallback, rank, then the 10 hits."""
        from search.backends.whoosh.search import RELAX_BELOW
        from search import ranking as shared
        from search.backends.whoosh.query import parse_query
        from search.backends.whoosh.ranking import body_analyser, query_tree
        from search.backends.whoosh.scoring import Evaluator
        from search.backends.whoosh.snippets import highlight_terms, make_snippet
        e = self.engine
        searcher = e._searcher()
        tables, postings = e._generation(searcher)
        evaluator = Evaluator(searcher, postings, tables.timestamps)
        resolve = e._resolver(tables)
        q = parse_query(text, searcher.schema, resolve)
        found, preferred = evaluator.run(q), None
        if (len(found.docs) < RELAX_BELOW
                and len(shared.query_words(query_tree(text), body_analyser(searcher.schema), excluded=True)) > 1):
            any_q = parse_query(text, searcher.schema, resolve, any_word=True)
            relaxed = evaluator.run(any_q)
            if len(relaxed.docs) > len(found.docs):
                preferred, found, q = found.docs, relaxed, any_q
        ranked = e._rank(tables, found, preferred, "relevance", 10)
        out = []
        terms = highlight_terms(q, searcher.reader()) if snippets else None
        for docnum, _ in ranked:
            stored = searcher.stored_fields(docnum)
            out.append((stored["title"], make_snippet(stored.get("body", ""), terms) if snippets else None))
        return out

    def full(self, text: str) -> int:
        from search.request import SearchRequest
        r = self.engine.run(SearchRequest.build(text, page_size=10))
        return r.total


class Tantivy:
    def __init__(self, path: Path) -> None:
        import tantivy
        self.tantivy = tantivy
        self.ix = tantivy.Index.open(str(path))
        self.searcher = self.ix.searcher()
        self.schema = self.ix.schema

    def _q(self, text: str):
        return self.ix.parse_query(text, ["title", "body"], conjunction_by_default=True)

    def top(self, text: str, snippets: bool, q=None) -> list:
        q = q or self._q(text)
        hits = self.searcher.search(q, 10).hits
        gen = self.tantivy.SnippetGenerator.create(self.searcher, q, self.schema, "body") if snippets and hits else None
        out = []
        for _, addr in hits:
            doc = self.searcher.doc(addr)
            out.append((doc["title"][0], gen.snippet_from_doc(doc).to_html() if gen else None))
        return out

    def full(self, text: str) -> int:
        q = self._q(text)
        result = self.searcher.search(q, 10, count=True)
        hits = result.hits
        gen = self.tantivy.SnippetGenerator.create(self.searcher, q, self.schema, "body") if hits else None
        page = []
        for _, addr in hits:
            doc = self.searcher.doc(addr)
            page.append((doc["title"][0], gen.snippet_from_doc(doc).to_html()))
        aggs = self.searcher.aggregate(q, {"places": {"terms": {"field": "place", "size": 20}},
                                           "months": {"terms": {"field": "month", "size": 10000}}})
        # Built and dropped: a full request's page, facet and histogram work is what is timed.
        _places = [(b["key"], b["doc_count"]) for b in aggs["places"]["buckets"]]
        _months = sorted((b["key"], b["doc_count"]) for b in aggs["months"]["buckets"])
        return result.count


class Fts5:
    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(str(path), check_same_thread=False)

    def top(self, text: str, snippets: bool, match: str | None = None) -> list:
        sql = ("SELECT title, snippet(docs, 1, '<mark>', '</mark>', '…', 24) FROM docs WHERE docs MATCH ? "
               "ORDER BY rank LIMIT 10") if snippets else \
              "SELECT title, NULL FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT 10"
        return self.db.execute(sql, (match,)).fetchall()

    def full(self, match: str) -> int:
        # Built and dropped: a full request's page, facet and histogram work is what is timed.
        _page = self.top("", True, match)
        total = self.db.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()[0]
        _places = self.db.execute(
            "SELECT p.place, count(*) AS c FROM docs JOIN places p ON p.doc = docs.rowid WHERE docs MATCH ? "
            "GROUP BY p.place ORDER BY c DESC LIMIT 20", (match,)).fetchall()
        _months = self.db.execute(
            "SELECT substr(a.date, 1, 7) AS m, count(*) FROM docs JOIN art a ON a.id = docs.rowid "
            "WHERE docs MATCH ? GROUP BY m ORDER BY m", (match,)).fetchall()
        return total


def make_calls(engines: dict, q: dict) -> dict:
    """{(engine, level): zero-arg callable} for one query."""
    text, match = q["text"], fts5_match(q)
    o, t, f = engines["ours"], engines["tantivy"], engines["fts5"]
    return {
        ("ours", "top10"): lambda: o.top(text, False),
        ("ours", "snippets"): lambda: o.top(text, True),
        ("ours", "full"): lambda: o.full(text),
        ("tantivy", "top10"): lambda: t.top(text, False),
        ("tantivy", "snippets"): lambda: t.top(text, True),
        ("tantivy", "full"): lambda: t.full(text),
        ("fts5", "top10"): lambda: f.top(text, False, match),
        ("fts5", "snippets"): lambda: f.top(text, True, match),
        ("fts5", "full"): lambda: f.full(match),
    }


def main() -> None:
    global ARTICLES, FILES
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="first 5 Reuters files (~5k articles), 200 queries")
    ap.add_argument("--queries", type=int, help="number of queries (default 200 quick, 600 full)")
    ap.add_argument("--seed", type=int, default=21578)
    ap.add_argument("--data", type=Path, default=SHARED / "reuters21578")
    args = ap.parse_args()
    require_data(args.data / "reut2-000.sgm.gz", "Reuters-21578")
    started = time.perf_counter()
    FILES = sorted(args.data.glob("reut2-*.sgm.gz"))[: 5 if args.quick else None]
    n_queries = args.queries or (200 if args.quick else 600)
    ARTICLES, read_seconds = load_articles(FILES)
    queries = build_queries(ARTICLES, n_queries, args.seed)
    print(f"{len(ARTICLES)} articles from {len(FILES)} files (read in {read_seconds:.1f} s); "
          f"{len(queries)} queries {dict(Counter(q['kind'] for q in queries))}")

    result: dict = {"mode": "quick" if args.quick else "full", "articles": len(ARTICLES),
                    "read_seconds": read_seconds, "queries": queries, "machine": machine(),
                    "versions": {**versions("tantivy", "whoosh-reloaded", "psutil"), "sqlite": sqlite3.sqlite_version},
                    "memory_measure": "peak PSS of the indexing child process tree above its start (psutil, 25 ms sampling)"}
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as tmp:
        tmp = Path(tmp)
        paths = {"ours": tmp / "ours", "tantivy": tmp / "tantivy", "fts5": tmp / "fts5.sqlite"}
        build = {}
        for name in ENGINES:
            build[name] = index_in_child(name, paths[name])
            print(f"  indexed {name}: {build[name]['docs']} docs in {build[name]['seconds']:.1f} s")
        build["ours"]["seconds_excluding_read"] = build["ours"]["seconds"] - read_seconds
        engines = {"ours": Ours(paths["ours"]), "tantivy": Tantivy(paths["tantivy"]), "fts5": Fts5(paths["fts5"])}

        # warm-up: every query once on every engine and level; also compare totals
        t0 = time.perf_counter()
        totals = {name: [] for name in ENGINES}
        for q in queries:
            calls = make_calls(engines, q)
            for (name, level), call in calls.items():
                value = call()
                if level == "full":
                    totals[name].append(value)
        warm = time.perf_counter() - t0
        agree = {
            "tantivy_vs_fts5_same_total": sum(a == b for a, b in zip(totals["tantivy"], totals["fts5"])),
            "ours_vs_fts5_same_total": sum(a == b for a, b in zip(totals["ours"], totals["fts5"])),
            "ours_vs_tantivy_same_total": sum(a == b for a, b in zip(totals["ours"], totals["tantivy"])),
            "queries": len(queries),
            "mean_total": {n: sum(v) / len(v) for n, v in totals.items()},
        }
        # timed, interleaved
        times = {(n, lv): [] for n in ENGINES for lv in LEVELS}
        for i, q in enumerate(queries):
            calls = make_calls(engines, q)
            order = ENGINES[i % 3:] + ENGINES[:i % 3]
            for level in LEVELS:
                for name in order:
                    call = calls[(name, level)]
                    t = time.perf_counter()
                    call()
                    times[(name, level)].append((time.perf_counter() - t) * 1000)

    lat = {n: {lv: {"p50_ms": percentile(times[(n, lv)], 50), "p95_ms": percentile(times[(n, lv)], 95),
                    "mean_ms": sum(times[(n, lv)]) / len(times[(n, lv)])} for lv in LEVELS} for n in ENGINES}
    per_engine = {}
    for n in ENGINES:
        b = build[n]
        per_engine[n] = {
            "index_docs_per_s": b["docs"] / b["seconds"], "index_seconds": b["seconds"],
            "index_size_mb": b["size_bytes"] / 2**20, "peak_mem_delta_mb": b["peak_mem_delta_mb"],
            **{f"{lv}_{k}": v for lv in LEVELS for k, v in lat[n][lv].items()},
        }
    per_engine["ours"]["index_docs_per_s_excluding_read"] = build["ours"]["docs"] / build["ours"]["seconds_excluding_read"]
    slowest = sorted(zip(times[("ours", "full")], (q["text"] for q in queries), totals["ours"]), reverse=True)[:8]
    result.update(build=build, engines=per_engine, totals_agreement=agree, warmup_seconds=warm,
                  ours_slowest_full=[{"ms": ms, "query": t, "total": n} for ms, t, n in slowest])

    rows_spec = [("indexing docs/s (ours incl. SGML read)", "index_docs_per_s", True),
                 ("index size MB", "index_size_mb", False),
                 ("peak mem delta MB (indexing)", "peak_mem_delta_mb", False)]
    for lv, label in (("top10", "top-10"), ("snippets", "top-10+snippets"), ("full", "full request")):
        rows_spec += [(f"{label} p50 ms", f"{lv}_p50_ms", False), (f"{label} p95 ms", f"{lv}_p95_ms", False)]
    rows = []
    for label, key, _higher_better in rows_spec:
        o, t, f = (per_engine[n][key] for n in ENGINES)
        rows.append([label, o, t, f, o / t if t else float("nan"), o / f if f else float("nan")])
    ox = per_engine["ours"]["index_docs_per_s_excluding_read"]
    rows.insert(1, ["  ours indexing excl. SGML read", ox, per_engine["tantivy"]["index_docs_per_s"],
                    per_engine["fts5"]["index_docs_per_s"], ox / per_engine["tantivy"]["index_docs_per_s"],
                    ox / per_engine["fts5"]["index_docs_per_s"]])
    print(f"\nReuters-21578 {result['mode']}: {len(ARTICLES)} articles, {len(queries)} queries "
          f"(ratios: ours / other; docs/s higher is better, everything else lower is better)")
    print(table(["measure", "ours", "tantivy", "fts5", "ours/tantivy", "ours/fts5"], rows))
    print(f"  same total hits: tantivy=fts5 {agree['tantivy_vs_fts5_same_total']}/{len(queries)}, "
          f"ours=fts5 {agree['ours_vs_fts5_same_total']}/{len(queries)}, ours=tantivy "
          f"{agree['ours_vs_tantivy_same_total']}/{len(queries)}; mean totals "
          + ", ".join(f"{n} {v:.0f}" for n, v in agree["mean_total"].items()))
    print(f"  memory: {result['memory_measure']}")
    print("  ours' slowest full requests: " + "; ".join(f"{t} {ms:.0f} ms ({n} hits)" for ms, t, n in slowest[:5]))
    result["table"] = [dict(zip(["measure", "ours", "tantivy", "fts5", "ours_over_tantivy", "ours_over_fts5"], r))
                       for r in rows]
    result["seconds"] = round(time.perf_counter() - started, 1)
    out = write_json("compare.json" if not args.quick else "compare.quick.json", result)
    print(f"\nwrote {out.relative_to(REPO)} ({result['seconds']} s)")


if __name__ == "__main__":
    main()
