"""Ranking quality on Cranfield: ours vs tantivy vs SQLite FTS5 vs bm25s, then cross-validated tuning.

Collection: Cranfield (1,400 abstracts, 225 queries; /work/shared/data/cranfield). Documents are
`.T` title + `.W` abstract (authors and bibliography are not indexed by any engine). Query ids are
the position 1..225 in cran.qry (the qrels use positions, not the `.I` ids); the `-1` ("no interest")
judgments are dropped; grades 1 (best) .. 4 become gains 4 .. 1 (gain = 5 - grade).

Every engine gets the same words: the query lower-cased, split on anything not [a-z0-9] (so no
query syntax survives), then written in each engine's syntax:
  ours     the words separated by spaces (our parser: all words required, any-word fallback
           below RELAX_BELOW all-word hits, all-word articles first) - the product's semantics;
  tantivy  the words separated by spaces, parsed over title and body (disjunction, default BM25,
           `en_stem` tokenizer on both fields);
  FTS5     each word double-quoted, joined by OR; `tokenize='porter'`; ORDER BY bm25(docs, 1, 1)
           (title and body weighted equally: the brief's default, and Cranfield titles are short
           abstracts-in-brief, so no principled reason to favour either for the baseline);
  bm25s    title + abstract as one text, `bm25s.tokenize(stopwords="en", stemmer=PyStemmer english)`,
           BM25 "lucene" variant with its defaults (k1=1.5, b=0.75).
Runs are 1,000 deep; each run's scores are replaced by (1000 - rank) so that the metric library
sees exactly the engine's order (trec_eval would otherwise re-sort ties by doc id).
Metrics: ir-measures (pytrec_eval backend): nDCG@10 (graded gains), AP (=MAP, grades >= 1 relevant),
R@100; averaged over all 225 queries (a query with no results counts 0). The tuning grid calls
pytrec_eval (the same backend) directly with the qrels parsed once; the two are asserted equal
on the defaults.

Tuning (ours only): 5-fold cross-validation over queries (seeded shuffle). Grid: B in {0.5,0.75,0.9},
K1 in {0.9,1.2,1.5,2.0}, title boost in {1,2,3} (index-time: one index per value), stop words on/off
(one index each), matching in {ours (AND, any-word fallback below 10, all-word first), all_first
(always any word, all-word articles first = RELAX_BELOW infinite), or (any word, plain BM25F sum),
or_coord (any word, BM25F sum x matched/query words)}. The config with the best mean nDCG@10 on the
4 training folds (ties: MAP) is scored on the held-out fold; the held-out scores of all folds give
the cross-validated figure. The module constants (search.backends.whoosh.scoring.B/K1, search.backends.whoosh.schema.TITLE_BOOST,
search.backends.whoosh.schema.news_analyzer for stop words) are patched inside this process only; the matching
variants are computed from the same per-word postings the engine uses and `Engine._rank` (checked
against `Engine.search` for the defaults).

Usage: .venv/bin/python bench/relevance.py [--data DIR] [--no-tune] [--folds 5] [--seed 13]
Writes bench/results/relevance.json.
"""
from __future__ import annotations

import argparse
import gzip
import itertools
import json
import re
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, SHARED, machine, require_data, table, versions, write_json  # noqa: E402

import numpy as np  # noqa: E402

DEPTH = 1000
MATCHINGS = ("ours", "all_first", "or", "or_coord")
GRID_B = (0.5, 0.75, 0.9)
GRID_K1 = (0.9, 1.2, 1.5, 2.0)
GRID_TITLE = (1.0, 2.0, 3.0)
GRID_STOP = (True, False)
sys.path.insert(0, str(REPO))
from search.backends.whoosh import schema as _schema  # noqa: E402
from search.backends.whoosh import scoring as _scoring  # noqa: E402

# The product's shipped settings: what "ours" is measured with, and the baseline for tuning.
DEFAULT = {"B": _scoring.B, "K1": _scoring.K1, "title_boost": float(_schema.TITLE_BOOST), "stop": True,
           "matching": "ours"}
# The shipped title boost is always in the grid, so the defaults are scored like every other setting.
GRID_TITLE = tuple(sorted(set(GRID_TITLE) | {DEFAULT["title_boost"]}))
DEFAULT_LABEL = (f"B {DEFAULT['B']}, K1 {DEFAULT['K1']}, title {DEFAULT['title_boost']:g}, stop on, ours")


# ---- data -------------------------------------------------------------------------------------

def load_cranfield(data: Path):
    text = gzip.open(data / "cran.all.1400.gz", "rt", encoding="ascii").read()
    docs = {}
    for chunk in re.split(r"^\.I ", text, flags=re.M)[1:]:
        lines = chunk.split("\n")
        doc_id = lines[0].strip()
        fields, current = {}, None
        for line in lines[1:]:
            m = re.match(r"^\.([TAWB])\s*$", line)
            if m:
                current = m.group(1)
                fields[current] = []
            elif current:
                fields[current].append(line)
        docs[doc_id] = (" ".join(" ".join(fields.get("T", [])).split()),
                        " ".join(" ".join(fields.get("W", [])).split()))
    qtext = (data / "cran.qry").read_text(encoding="ascii").replace("\r\n", "\n")
    queries = {}
    for pos, chunk in enumerate(re.split(r"^\.I ", qtext, flags=re.M)[1:], start=1):
        body = chunk.split(".W", 1)[1] if ".W" in chunk else ""
        queries[str(pos)] = " ".join(body.split())
    qrels = []
    for line in (data / "cranqrel").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3:
            q, d, g = parts[0], parts[1], int(parts[2])
            if 1 <= g <= 4:
                qrels.append((q, d, 5 - g))
    return docs, queries, qrels


def words_of(query: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", query.lower())


# ---- metrics ----------------------------------------------------------------------------------

def per_query_metrics(qrels, runs: dict[str, list[str]], qids: list[str]) -> dict[str, dict[str, float]]:
    """{measure: {qid: value}} for nDCG@10, AP, R@100 (0 for a query without results)."""
    import ir_measures
    from ir_measures import AP, R, nDCG
    measures = {"nDCG@10": nDCG @ 10, "MAP": AP, "R@100": R @ 100}
    qrel_objs = [ir_measures.Qrel(q, d, g) for q, d, g in qrels]
    run_objs = [ir_measures.ScoredDoc(q, d, float(DEPTH - i)) for q, ranked in runs.items()
                for i, d in enumerate(ranked[:DEPTH])]
    out = {name: {q: 0.0 for q in qids} for name in measures}
    by_measure = {str(m): name for name, m in measures.items()}
    for metric in ir_measures.iter_calc(list(measures.values()), qrel_objs, run_objs):
        out[by_measure[str(metric.measure)]][metric.query_id] = float(metric.value)
    return out


class FastMetrics:
    """The same three measures straight from pytrec_eval (ir-measures' backend), with the qrels
    parsed once: the tuning grid evaluates hundreds of runs. Checked equal to `per_query_metrics`."""

    NAMES = {"nDCG@10": "ndcg_cut_10", "MAP": "map", "R@100": "recall_100"}

    def __init__(self, qrels) -> None:
        import pytrec_eval
        judged: dict[str, dict[str, int]] = {}
        for q, d, g in qrels:
            judged.setdefault(q, {})[d] = g
        self.evaluator = pytrec_eval.RelevanceEvaluator(judged, set(self.NAMES.values()))

    def __call__(self, runs: dict[str, list[str]], qids: list[str]) -> dict[str, dict[str, float]]:
        res = self.evaluator.evaluate({q: {d: float(DEPTH - i) for i, d in enumerate(r[:DEPTH])}
                                       for q, r in runs.items() if r})
        return {name: {q: float(res.get(q, {}).get(key, 0.0)) for q in qids} for name, key in self.NAMES.items()}


def mean(values: dict[str, float], qids: list[str]) -> float:
    return float(np.mean([values[q] for q in qids])) if qids else float("nan")


# ---- engines ----------------------------------------------------------------------------------

def run_tantivy(docs, queries, workdir: Path) -> dict[str, list[str]]:
    import tantivy
    sb = tantivy.SchemaBuilder()
    sb.add_unsigned_field("id", stored=True)
    sb.add_text_field("title", tokenizer_name="en_stem")
    sb.add_text_field("body", tokenizer_name="en_stem")
    schema = sb.build()
    path = workdir / "tantivy"
    path.mkdir()
    ix = tantivy.Index(schema, path=str(path))
    writer = ix.writer(num_threads=1)
    for doc_id, (title, body) in docs.items():
        writer.add_document(tantivy.Document(id=int(doc_id), title=title, body=body))
    writer.commit()
    writer.wait_merging_threads()
    ix.reload()
    searcher = ix.searcher()
    runs = {}
    for qid, text in queries.items():
        words = words_of(text)
        if not words:
            runs[qid] = []
            continue
        q = ix.parse_query(" ".join(words), ["title", "body"])
        hits = searcher.search(q, DEPTH).hits
        runs[qid] = [str(searcher.doc(addr)["id"][0]) for _, addr in hits]
    return runs


def run_fts5(docs, queries, workdir: Path) -> dict[str, list[str]]:
    db = sqlite3.connect(str(workdir / "fts5.sqlite"))
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='porter')")
    db.executemany("INSERT INTO docs(rowid, title, body) VALUES (?, ?, ?)",
                   ((int(d), t, b) for d, (t, b) in docs.items()))
    db.commit()
    runs = {}
    for qid, text in queries.items():
        words = words_of(text)
        if not words:
            runs[qid] = []
            continue
        match = " OR ".join(f'"{w}"' for w in words)
        rows = db.execute("SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 1.0, 1.0) LIMIT ?",
                          (match, DEPTH)).fetchall()
        runs[qid] = [str(r[0]) for r in rows]
    db.close()
    return runs


def run_bm25s(docs, queries) -> tuple[dict[str, list[str]], str]:
    import bm25s
    try:
        import Stemmer
        stemmer, note = Stemmer.Stemmer("english"), "PyStemmer english (Snowball) stemmer, stopwords='en'"
    except ImportError:
        stemmer, note = None, "no stemmer (PyStemmer missing), stopwords='en'"
    ids = list(docs)
    corpus = [f"{t} {b}" for t, b in docs.values()]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(corpus, stopwords="en", stemmer=stemmer, show_progress=False),
                    show_progress=False)
    runs = {}
    for qid, text in queries.items():
        words = " ".join(words_of(text))
        tokens = bm25s.tokenize([words], stopwords="en", stemmer=stemmer, return_ids=False,
                                show_progress=False)[0]
        tokens = [t for t in tokens if t in retriever.vocab_dict]
        if not tokens:
            runs[qid] = []
            continue
        results, scores = retriever.retrieve([tokens], k=min(DEPTH, len(ids)), show_progress=False)
        runs[qid] = [ids[int(i)] for i, s in zip(results[0], scores[0]) if s > 0]
    return runs, f"bm25s BM25(method='lucene', k1=1.5, b=0.75); {note}; title+abstract as one field"


# ---- ours -------------------------------------------------------------------------------------

def build_ours(docs, index_dir: Path, title_boost: float, stop: bool) -> float:
    """Index Cranfield into our engine with the given title boost / stop list; returns seconds."""
    import search.backends.whoosh.schema as schema_mod
    from search.backends.whoosh.analysis import NewsAnalyzer
    from index.indexer import index_paths

    jsonl = index_dir.parent / (index_dir.name + ".jsonl")
    with open(jsonl, "w", encoding="utf-8") as fh:
        for doc_id, (title, body) in docs.items():
            fh.write(json.dumps({"url": f"cran:{doc_id}", "title": title, "body": body}) + "\n")
    saved = schema_mod.TITLE_BOOST, schema_mod.news_analyzer
    schema_mod.TITLE_BOOST = title_boost
    if not stop:
        schema_mod.news_analyzer = lambda: NewsAnalyzer(stoplist=())
    try:
        t0 = time.perf_counter()
        index_paths([jsonl], index_dir, entities=False, show_progress=False)
        return time.perf_counter() - t0
    finally:
        schema_mod.TITLE_BOOST, schema_mod.news_analyzer = saved


class Ours:
    """Our engine's pieces for one index: per-word matches, and rankings under each matching."""

    def __init__(self, index_dir: Path) -> None:
        from search.backends.whoosh import WhooshSearch as Engine
        self.engine = Engine(index_dir)
        self.searcher = self.engine._searcher()
        self.tables, self.postings = self.engine._generation(self.searcher)
        self.ids = [str(self.searcher.stored_fields(d)["id"]).split(":", 1)[1]
                    for d in range(self.searcher.doc_count_all())]
        self.resolve = self.engine._resolver(self.tables)
        self._parts: dict[str, list] = {}

    def parts(self, text: str) -> list:
        """The query's per-word subqueries (each an Or over title/body), as the product parses them."""
        from whoosh import query as wq
        from search.backends.whoosh.query import parse_query
        if text not in self._parts:
            q = parse_query(text, self.searcher.schema, self.resolve) if text.strip() else wq.NullQuery
            if q is wq.NullQuery:
                parts = []
            else:
                parts = list(q.children()) if isinstance(q, wq.And) else [q]
            self._parts[text] = parts
        return self._parts[text]

    def rank(self, text: str, matchings=MATCHINGS) -> dict[str, list[str]]:
        """{matching: ranked cran ids} with the current search.backends.whoosh.scoring.B/K1."""
        from search.backends.whoosh.engine import RELAX_BELOW, WhooshSearch as Engine
        from search.backends.whoosh.scoring import Evaluator, Matches
        parts = self.parts(text)
        if not parts:
            return {m: [] for m in matchings}
        evaluator = Evaluator(self.searcher, self.postings, self.tables.timestamps)
        found = [evaluator.run(p) for p in parts]
        docs = np.concatenate([f.docs for f in found])
        if not len(docs):
            return {m: [] for m in matchings}
        scores = np.concatenate([f.scores for f in found])
        unique, inverse = np.unique(docs, return_inverse=True)
        total = np.bincount(inverse, weights=scores, minlength=len(unique))
        count = np.bincount(inverse, minlength=len(unique))
        n = len(parts)
        all_docs = unique[count == n]
        out = {}
        for m in matchings:
            preferred = None
            if m == "ours":
                if n > 1 and len(all_docs) < RELAX_BELOW and len(unique) > len(all_docs):
                    found_m, preferred = Matches(unique, total), all_docs
                else:
                    keep = count == n
                    found_m = Matches(unique[keep], total[keep])
            elif m == "all_first":
                found_m, preferred = Matches(unique, total), (all_docs if n > 1 else None)
            elif m == "or":
                found_m = Matches(unique, total)
            elif m == "or_coord":
                found_m = Matches(unique, total * count / n)
            else:
                raise ValueError(m)
            ranked = Engine._rank(self.tables, found_m, preferred, "relevance", DEPTH)
            out[m] = [self.ids[d] for d, _ in ranked]
        return out

    def product_top100(self, text: str) -> list[str]:
        if not text.strip():
            return []
        from search.request import SearchRequest
        return [h.id.split(":", 1)[1] for h in self.engine.run(SearchRequest.build(text, page_size=100)).hits]


# ---- main -------------------------------------------------------------------------------------

def fold_of(qids: list[str], folds: int, seed: int) -> dict[str, int]:
    order = np.random.default_rng(seed).permutation(len(qids))
    return {qids[i]: k % folds for k, i in enumerate(order)}


def paired_randomisation(a: list[float], b: list[float], trials: int = 10000, seed: int = 1) -> float:
    """Two-sided p-value of mean(a - b) under random sign flips (Fisher's randomisation test)."""
    diff = np.asarray(a) - np.asarray(b)
    observed = abs(diff.mean())
    signs = np.random.default_rng(seed).choice([-1.0, 1.0], size=(trials, len(diff)))
    return float(((np.abs((signs * diff).mean(axis=1)) >= observed - 1e-12).sum() + 1) / (trials + 1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=SHARED / "cranfield", help="Cranfield folder")
    ap.add_argument("--no-tune", action="store_true", help="only the 4-engine comparison")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=13, help="seed of the query-fold shuffle")
    args = ap.parse_args()
    require_data(args.data / "cran.all.1400.gz", "Cranfield")
    started = time.perf_counter()
    import search.backends.whoosh.scoring as scoring

    docs, queries, qrels = load_cranfield(args.data)
    qids = list(queries)
    print(f"Cranfield: {len(docs)} docs, {len(queries)} queries, {len(qrels)} positive judgments")
    texts = {q: " ".join(words_of(t)) for q, t in queries.items()}
    result: dict = {"collection": {"docs": len(docs), "queries": len(queries), "judgments": len(qrels)},
                    "metric_library": versions("ir-measures", "pytrec-eval-terrier"),
                    "engines": versions("tantivy", "bm25s", "PyStemmer", "whoosh-reloaded"),
                    "machine": machine(), "depth": DEPTH}

    with tempfile.TemporaryDirectory(prefix="bench-relevance-") as tmp:
        tmp = Path(tmp)
        runs, notes = {}, {}
        # ours, product defaults
        build_ours(docs, tmp / "ours-default", DEFAULT["title_boost"], True)
        ours = {(DEFAULT["title_boost"], True): Ours(tmp / "ours-default")}
        o = ours[(DEFAULT["title_boost"], True)]
        runs["ours"] = {q: o.rank(texts[q], ("ours",))["ours"] for q in qids}
        same = sum(o.product_top100(texts[q]) == runs["ours"][q][:100] for q in qids)
        print(f"check: our reimplemented ranking equals Engine.search top-100 for {same}/{len(qids)} queries")
        result["ours_matches_engine_search_top100"] = f"{same}/{len(qids)}"
        notes["ours"] = (f"Engine (BM25F B={DEFAULT['B']} K1={DEFAULT['K1']}, title boost "
                         f"{DEFAULT['title_boost']:g}, stop words, Porter), product matching: all words, "
                         "any-word fallback below 10 all-word hits")
        runs["tantivy"] = run_tantivy(docs, queries, tmp)
        notes["tantivy"] = "default BM25 (k1=1.2, b=0.75), en_stem on title+body, disjunction (OR) of the words"
        runs["fts5"] = run_fts5(docs, queries, tmp)
        notes["fts5"] = f"SQLite {sqlite3.sqlite_version} FTS5 tokenize='porter', OR of quoted words, bm25(docs,1,1)"
        runs["bm25s"], notes["bm25s"] = run_bm25s(docs, queries)

        rows, result["engines_results"] = [], {}
        for name, run in runs.items():
            pq = per_query_metrics(qrels, run, qids)
            means = {m: mean(v, qids) for m, v in pq.items()}
            result["engines_results"][name] = {**means, "setup": notes[name]}
            rows.append([name, means["nDCG@10"], means["MAP"], means["R@100"]])
        print("\nRelevance on Cranfield (ir-measures / pytrec_eval; 225 queries, runs 1000 deep)")
        print(table(["engine", "nDCG@10", "MAP", "R@100"], rows))
        for name, note in notes.items():
            print(f"  {name}: {note}")

        if not args.no_tune:
            result["tuning"] = tune(docs, qids, texts, qrels, tmp, ours, scoring, args)
    result["seconds"] = round(time.perf_counter() - started, 1)
    out = write_json("relevance.json", result)
    print(f"\nwrote {out.relative_to(REPO)} ({result['seconds']} s)")


def tune(docs, qids, texts, qrels, tmp: Path, ours: dict, scoring, args) -> dict:
    print(f"\nTuning: {len(GRID_TITLE) * len(GRID_STOP)} indexes x {len(GRID_B) * len(GRID_K1)} (B, K1) x "
          f"{len(MATCHINGS)} matchings, {args.folds}-fold CV over queries (seed {args.seed})")
    per_config: dict[tuple, dict[str, dict[str, float]]] = {}
    fast = FastMetrics(qrels)
    for title_boost, stop in itertools.product(GRID_TITLE, GRID_STOP):
        key = (title_boost, stop)
        if key not in ours:
            name = f"ours-t{title_boost:g}-{'stop' if stop else 'nostop'}"
            build_ours(docs, tmp / name, title_boost, stop)
            ours[key] = Ours(tmp / name)
        o = ours[key]
        saved = scoring.B, scoring.K1
        try:
            for b, k1 in itertools.product(GRID_B, GRID_K1):
                scoring.B, scoring.K1 = b, k1
                ranked = {q: o.rank(texts[q]) for q in qids}
                for m in MATCHINGS:
                    run = {q: ranked[q][m] for q in qids}
                    per_config[(b, k1, title_boost, stop, m)] = fast(run, qids)
                    if (b, k1, title_boost, stop, m) == tuple(DEFAULT[k] for k in ("B", "K1", "title_boost", "stop", "matching")):
                        slow = per_query_metrics(qrels, run, qids)
                        assert all(abs(slow[x][q] - per_config[(b, k1, title_boost, stop, m)][x][q]) < 1e-9
                                   for x in slow for q in qids), "pytrec_eval and ir-measures disagree"
        finally:
            scoring.B, scoring.K1 = saved
        print(f"  title boost {title_boost:g}, stop words {'on' if stop else 'off'}: done")

    def as_dict(cfg):
        return dict(zip(("B", "K1", "title_boost", "stop", "matching"), cfg))

    default_key = tuple(DEFAULT[k] for k in ("B", "K1", "title_boost", "stop", "matching"))
    folds = fold_of(qids, args.folds, args.seed)
    cv = {"nDCG@10": {}, "MAP": {}, "R@100": {}}
    chosen = []
    for k in range(args.folds):
        train = [q for q in qids if folds[q] != k]
        test = [q for q in qids if folds[q] == k]
        best = max(per_config, key=lambda c: (round(mean(per_config[c]["nDCG@10"], train), 6),
                                              round(mean(per_config[c]["MAP"], train), 6), c == default_key))
        chosen.append({"fold": k, **as_dict(best), "train_nDCG@10": mean(per_config[best]["nDCG@10"], train),
                       "test_nDCG@10": mean(per_config[best]["nDCG@10"], test),
                       "test_MAP": mean(per_config[best]["MAP"], test),
                       "default_test_nDCG@10": mean(per_config[default_key]["nDCG@10"], test)})
        for measure in cv:
            for q in test:
                cv[measure][q] = per_config[best][measure][q]
    default = per_config[default_key]
    summary = {
        "default": {m: mean(default[m], qids) for m in cv},
        "cross_validated_tuned": {m: mean(cv[m], qids) for m in cv},
        "p_value_nDCG@10": paired_randomisation([cv["nDCG@10"][q] for q in qids], [default["nDCG@10"][q] for q in qids]),
        "p_value_MAP": paired_randomisation([cv["MAP"][q] for q in qids], [default["MAP"][q] for q in qids]),
    }
    print("\nChosen per fold (selected on the 4 training folds by nDCG@10, scored on the held-out fold)")
    print(table(["fold", "B", "K1", "title", "stop", "matching", "train nDCG", "test nDCG", "test MAP", "default test nDCG"],
                [[c["fold"], c["B"], c["K1"], c["title_boost"], c["stop"], c["matching"], c["train_nDCG@10"],
                  c["test_nDCG@10"], c["test_MAP"], c["default_test_nDCG@10"]] for c in chosen]))
    print("\nCross-validated (held-out queries only) vs product defaults, all 225 queries")
    print(table(["setting", "nDCG@10", "MAP", "R@100"],
                [[f"defaults ({DEFAULT_LABEL})", *summary["default"].values()],
                 ["tuned per fold (5-fold CV)", *summary["cross_validated_tuned"].values()]]))
    print(f"  paired randomisation test tuned vs default: p(nDCG@10) = {summary['p_value_nDCG@10']:.3f}, "
          f"p(MAP) = {summary['p_value_MAP']:.3f}")

    # One dimension at a time from the defaults (all 225 queries; descriptive, not a CV figure).
    marginal = []
    for dim, values in (("B", GRID_B), ("K1", GRID_K1), ("title_boost", GRID_TITLE), ("stop", GRID_STOP),
                        ("matching", MATCHINGS)):
        for v in values:
            cfg = dict(DEFAULT, **{dim: v})
            key = tuple(cfg[k] for k in ("B", "K1", "title_boost", "stop", "matching"))
            marginal.append({"dimension": dim, "value": v, "nDCG@10": mean(per_config[key]["nDCG@10"], qids),
                             "MAP": mean(per_config[key]["MAP"], qids), "R@100": mean(per_config[key]["R@100"], qids)})
    print("\nOne setting changed from the defaults (all queries; descriptive)")
    print(table(["dimension", "value", "nDCG@10", "MAP", "R@100"],
                [[m["dimension"], m["value"], m["nDCG@10"], m["MAP"], m["R@100"]] for m in marginal]))
    ranked = sorted(per_config, key=lambda c: -mean(per_config[c]["nDCG@10"], qids))
    top = [{**as_dict(c), "nDCG@10": mean(per_config[c]["nDCG@10"], qids), "MAP": mean(per_config[c]["MAP"], qids),
            "R@100": mean(per_config[c]["R@100"], qids)} for c in ranked[:10]]
    print("\nTop 10 configs on all queries (in-sample: for reading only, optimistic)")
    print(table(["B", "K1", "title", "stop", "matching", "nDCG@10", "MAP", "R@100"],
                [[t["B"], t["K1"], t["title_boost"], t["stop"], t["matching"], t["nDCG@10"], t["MAP"], t["R@100"]]
                 for t in top]))
    return {"grid": {"B": GRID_B, "K1": GRID_K1, "title_boost": GRID_TITLE, "stop": GRID_STOP, "matching": MATCHINGS},
            "folds": args.folds, "seed": args.seed, "chosen_per_fold": chosen, "summary": summary,
            "one_at_a_time": marginal, "top10_in_sample": top,
            "all_configs": [{**as_dict(c), "nDCG@10": mean(v["nDCG@10"], qids), "MAP": mean(v["MAP"], qids),
                             "R@100": mean(v["R@100"], qids)} for c, v in per_config.items()]}


if __name__ == "__main__":
    main()
