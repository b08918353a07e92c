"""Ranking quality on every judged collection: ours vs tantivy, SQLite FTS5 and bm25s, and
leave-one-collection-out choice of our ranking settings.

Collections (bench/relevance_data.py; read in place from ../shared/data): Cranfield (1,400
abstracts, 225 queries, graded), CISI (1,460 abstracts, 76 judged queries) and CACM (3,204 titles
with optional abstracts, 52 judged queries). Peers and their preprocessing: bench/relevance_peers.py
(the same words for every engine). Ours is the product: each collection indexed by
`newsearch.indexing.index_paths` (JSON Lines with title and body), the query's words given to the
product's parser, matched (all words; the any-word fallback below RELAX_BELOW all-word hits with
all-word articles first), re-ranked (`search.backends.whoosh.ranking.rerank`) and ordered by
`WhooshSearch._rank`, as `WhooshSearch.run` does (checked equal to it on the top 100).

Metrics: ir-measures' pytrec_eval backend, called directly with the qrels parsed once: nDCG@10
(graded gains on Cranfield), AP (= MAP) and R@100, over all judged queries (a query without
results counts 0); runs are 1,000 deep and scored by rank, so ties keep the engine's order.

Settings (all measured, named): stemmer {porter, snowball} (index time: one index each), title
boost {1, 1.5, 2, 3} (index time), idf {whoosh, lucene}, fields {sum, bm25f, combined}, query word
frequency {off, on}, proximity {0, 0.25, 1 = BM25TP}, word pairs {0, 0.1, 0.2}, feedback (off or
one of FEEDBACK_FORMS), question words {in, out of long queries} and matching {ours, or (any
word, no all-words-first)}. The open settings are scored in every combination (the settled ones,
SETTLED, at their shipped values), every setting also one change at a time from BEFORE and from
SHIPPED. Leave-one-collection-out: for each collection, the combination with the best mean
nDCG@10 over the OTHER two (ties: MAP) is scored on it; those held-out scores are the honest
figures. The shipped defaults are the module constants (each the value most folds chose); they
are reported beside the held-out choices, with a paired randomisation test (10,000 sign flips)
against the best peer on each collection.

Usage: .venv/bin/python bench/relevance.py [--data DIR] [--only cranfield,cisi] [--shipped-only | --report-only]
Writes bench/results/relevance.json (--shipped-only: prints the shipped settings' figures only).
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, SHARED, machine, table, versions, write_json  # noqa: E402
from relevance_data import COLLECTIONS, LOADERS, words_of  # noqa: E402
from relevance_peers import DEPTH, run_bm25s, run_fts5, run_tantivy  # noqa: E402

import numpy as np  # noqa: E402

from search import ranking as _settings  # noqa: E402
from search import analysis as _analysis  # noqa: E402
from search.backends.whoosh import ranking as _ranking  # noqa: E402
from search.backends.whoosh import scoring as _scoring  # noqa: E402
from search import stopwords as _stopwords  # noqa: E402

MEASURES = ("nDCG@10", "MAP", "R@100")
PEERS = ("tantivy", "fts5", "bm25s")
# Feedback forms: off, or (how articles vote, Dirichlet smoothing in average lengths, weight of
# the original query). "share" without smoothing at 0.5 is Anserini's RM3 (session 4's form).
FEEDBACK_FORMS = {"off": None, "share 0.5": ("share", 0.0, 0.5), "likelihood 0.5": ("likelihood", 1.0, 0.5),
                  "likelihood 0.7": ("likelihood", 1.0, 0.7), "likelihood 0.85": ("likelihood", 1.0, 0.85),
                  "likelihood raw 0.85": ("likelihood", 0.0, 0.85), "share smoothed 0.85": ("share", 1.0, 0.85)}
GRID = {"stemmer": ("porter", "snowball"), "title": (1.0, 1.5, 2.0, 3.0), "idf": ("whoosh", "lucene"), "fields": ("sum", "bm25f", "combined"),
        "qtf": (False, True), "proximity": (0.0, 0.25, 1.0), "phrases": (0.0, 0.1, 0.2), "feedback": tuple(FEEDBACK_FORMS),
        "questions": (False, True), "matching": ("ours", "or")}


def feedback_form() -> str:
    """The name in FEEDBACK_FORMS of search.ranking's feedback settings."""
    if not _settings.FEEDBACK:
        return "off"
    current = (_settings.FEEDBACK_WEIGHTS, float(_settings.FEEDBACK_SMOOTHING), float(_settings.FEEDBACK_ORIGINAL))
    return next((name for name, form in FEEDBACK_FORMS.items() if form == current), f"{current}")


SHIPPED = {"stemmer": _analysis.STEMMER, "title": float(_settings.TITLE_BOOST), "idf": _scoring.IDF, "fields": _scoring.FIELDS,
           "qtf": _settings.QUERY_TF, "proximity": float(_settings.PROXIMITY), "phrases": float(_settings.PHRASES),
           "feedback": feedback_form(),
           "questions": _stopwords.APPLY_TO_LONG_QUERIES, "matching": "ours"}
# What the product shipped before issue 11 (schema version 3): the baseline of "what each change
# contributed".
BEFORE = {"stemmer": "porter", "title": 1.5, "idf": "whoosh", "fields": "sum", "qtf": False, "proximity": 0.0, "phrases": 0.0,
          "feedback": "off", "questions": False, "matching": "ours"}
# Settings measured one change at a time only (from BEFORE and from SHIPPED), not in every
# combination, to bound the grid's cost: the analysis and BM25 choices settled in session 4 (every
# leave-one-out fold chose the same value: snowball, lucene, combined, qtf on; the any-word
# matching is not the product's rule), and the feedback estimator's parts taken one at a time.
SETTLED = ("stemmer", "idf", "fields", "qtf", "matching")
SINGLES_ONLY = {"feedback": ("likelihood raw 0.85", "share smoothed 0.85"), "title": (1.0,)}
# The settings as (module, constant name) for patching inside this process.
PATCH = {"idf": (_scoring, "IDF"), "fields": (_scoring, "FIELDS"), "qtf": (_settings, "QUERY_TF"),
         "proximity": (_settings, "PROXIMITY"), "phrases": (_settings, "PHRASES"),
         "questions": (_stopwords, "APPLY_TO_LONG_QUERIES")}
FEEDBACK_PATCH = ("FEEDBACK", "FEEDBACK_WEIGHTS", "FEEDBACK_SMOOTHING", "FEEDBACK_ORIGINAL")


def patches(cfg: dict) -> list[tuple[object, str, object]]:
    """(module, constant, value) for every setting of `cfg` that is read at search time."""
    out = [(module, constant, cfg[k]) for k, (module, constant) in PATCH.items()]
    form = FEEDBACK_FORMS[cfg["feedback"]]
    values = (False, _settings.FEEDBACK_WEIGHTS, _settings.FEEDBACK_SMOOTHING, _settings.FEEDBACK_ORIGINAL) if form is None else (True, *form)
    return out + [(_settings, constant, value) for constant, value in zip(FEEDBACK_PATCH, values)]


def label(cfg: dict) -> str:
    return (f"{cfg['stemmer']}, title {cfg['title']:g}, idf {cfg['idf']}, {cfg['fields']}, qtf {'on' if cfg['qtf'] else 'off'}, "
            f"prox {cfg['proximity']:g}, phrases {cfg['phrases']:g}, fb {cfg['feedback']}, "
            f"questions {'out' if cfg['questions'] else 'in'}, {cfg['matching']}")


class Metrics:
    """nDCG@10, AP, R@100 per query from pytrec_eval (ir-measures' backend), qrels parsed once."""

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


def mean(values: dict[str, float]) -> float:
    return float(np.mean(list(values.values()))) if values else float("nan")


def paired_randomisation(a: list[float], b: list[float], trials: int = 10000, seed: int = 1) -> float:
    """Two-sided p-value of mean(a - b) under random sign flips (Fisher's randomisation test)."""
    diff = np.asarray(a) - np.asarray(b)
    observed = abs(diff.mean())
    signs = np.random.default_rng(seed).choice([-1.0, 1.0], size=(trials, len(diff)))
    return float(((np.abs((signs * diff).mean(axis=1)) >= observed - 1e-12).sum() + 1) / (trials + 1))


# ---- ours -------------------------------------------------------------------------------------

def our_text(query: str) -> tuple[str, bool]:
    """The words given to our parser, and whether they had to be cut: the product refuses
    queries over MAX_QUERY_TERMS words or MAX_QUERY_CHARS characters (CISI has questions of up to
    335 words). Stop words go first (the analyser drops them anyway, so matching is unchanged),
    then words past the limits."""
    from search.analysis import rules
    from search.querylang import MAX_QUERY_CHARS, MAX_QUERY_TERMS
    from whoosh.analysis import STOP_WORDS
    words = words_of(query)
    if len(words) <= MAX_QUERY_TERMS and len(" ".join(words)) <= MAX_QUERY_CHARS:
        return " ".join(words), False
    words = [w for w in words if w not in STOP_WORDS and len(w) >= rules().min_word]
    cut = len(words) > MAX_QUERY_TERMS
    words = words[:MAX_QUERY_TERMS]
    while len(" ".join(words)) > MAX_QUERY_CHARS:
        words, cut = words[:-1], True
    return " ".join(words), cut


def build_ours(docs, index_dir: Path, stemmer: str, title_boost: float) -> None:
    """Index a collection into our engine with the given stemmer and title boost (a JSON Lines
    file of title and body per document, through the product's index run)."""
    from newsearch.indexing import index_paths
    jsonl = index_dir.parent / (index_dir.name + ".jsonl")
    with open(jsonl, "w", encoding="utf-8") as fh:
        for doc_id, (title, body) in docs.items():
            fh.write(json.dumps({"url": f"doc:{doc_id}", "title": title, "body": body}) + "\n")
    saved = _analysis.STEMMER, _settings.TITLE_BOOST
    _analysis.STEMMER, _settings.TITLE_BOOST = stemmer, title_boost
    try:
        index_paths([jsonl], index_dir, entities=False, show_progress=False)
    finally:
        _analysis.STEMMER, _settings.TITLE_BOOST = saved


class Ours:
    """Our engine over one index: the product's matching, re-ranking and order, 1,000 deep."""

    def __init__(self, index_dir: Path) -> None:
        from search.backends.whoosh.search import WhooshSearch
        self.engine = WhooshSearch(index_dir)
        self.searcher = self.engine._searcher()
        self.tables, self.postings = self.engine._generation(self.searcher)
        self.ids = [str(self.searcher.stored_fields(d)["id"]).split(":", 1)[1]
                    for d in range(self.searcher.doc_count_all())]
        self.resolve = self.engine._resolver(self.tables)

    def rank(self, text: str, cfg: dict) -> list[str]:
        """Ranked doc ids under `cfg` (its idf, proximity, feedback and matching)."""
        from search.backend import RELAX_BELOW
        from search.backends.whoosh.query import parse_query
        from search.backends.whoosh.scoring import Evaluator
        if not text.strip():
            return []
        settings = patches(cfg)
        saved = [(module, constant, getattr(module, constant)) for module, constant, _ in settings]
        for module, constant, value in settings:
            setattr(module, constant, value)
        try:
            evaluator = Evaluator(self.searcher, self.postings, self.tables.timestamps)
            schema = self.searcher.schema
            user_q = parse_query(text, schema, self.resolve, any_word=cfg["matching"] == "or")
            found, preferred = evaluator.run(user_q), None
            if (cfg["matching"] == "ours" and len(found.docs) < RELAX_BELOW and len(_settings.query_words(
                    _ranking.query_tree(text), _ranking.body_analyser(schema), excluded=True)) > 1):
                any_q = parse_query(text, schema, self.resolve, any_word=True)
                relaxed = evaluator.run(any_q)
                if len(relaxed.docs) > len(found.docs):
                    preferred, found, user_q = found.docs, relaxed, any_q
            found = _ranking.rerank(evaluator, user_q, found, preferred, text)
            ranked = self.engine._rank(self.tables, found, preferred, "relevance", DEPTH)
        finally:
            for module, constant, value in saved:
                setattr(module, constant, value)
        return [self.ids[d] for d, _ in ranked]

    def product_top100(self, text: str) -> list[str]:
        from search.request import SearchRequest
        if not text.strip():
            return []
        hits = self.engine.run(SearchRequest.build(text, page_size=100, facets=False, snippets=False)).hits
        return [h.id.split(":", 1)[1] for h in hits]


# ---- one collection ---------------------------------------------------------------------------

def evaluate_collection(name: str, data: Path, tmp: Path, configs: list[dict]) -> dict:
    """Peers and every configuration of ours on one collection (ours indexed once per stemmer
    and title boost that `configs` use)."""
    docs, queries, qrels = LOADERS[name](data)
    qids = list(queries)
    texts = {q: our_text(t)[0] for q, t in queries.items()}
    cut = sum(our_text(t)[1] for t in queries.values())
    metrics = Metrics(qrels)
    print(f"\n{name}: {len(docs)} docs, {len(qids)} judged queries, {len(qrels)} positive judgments; "
          f"{cut} queries cut to the product's query limits for ours")
    work = tmp / name
    work.mkdir()
    per_query: dict[str, dict[str, dict[str, float]]] = {}
    notes = {}
    runs = {"tantivy": run_tantivy(docs, queries, work)}
    notes["tantivy"] = "default BM25 (k1=1.2, b=0.75), en_stem on title+body, OR of the words"
    runs["fts5"] = run_fts5(docs, queries, work)
    notes["fts5"] = "FTS5 tokenize='porter', OR of quoted words, bm25(docs,1,1)"
    runs["bm25s"], notes["bm25s"] = run_bm25s(docs, queries)
    for peer, run in runs.items():
        per_query[peer] = metrics(run, qids)
    engines = {}
    for stemmer, title in sorted({(c["stemmer"], c["title"]) for c in configs}):
        build_ours(docs, work / f"ours-{stemmer}-{title:g}", stemmer, title)
        engines[(stemmer, title)] = Ours(work / f"ours-{stemmer}-{title:g}")
    timing = {}
    for cfg in configs:
        t0 = time.perf_counter()
        run = {q: engines[(cfg["stemmer"], cfg["title"])].rank(texts[q], cfg) for q in qids}
        timing[label(cfg)] = (time.perf_counter() - t0) / max(len(qids), 1) * 1000
        per_query[label(cfg)] = metrics(run, qids)
    shipped = engines[(SHIPPED["stemmer"], SHIPPED["title"])]
    import search.backends.whoosh.analysis  # noqa: F401  (the product's settings are the shipped ones)
    same = sum(shipped.product_top100(texts[q]) == shipped.rank(texts[q], SHIPPED)[:100] for q in qids)
    print(f"  check: this ranking equals WhooshSearch.run's top 100 for {same}/{len(qids)} queries")
    return {"docs": len(docs), "queries": len(qids), "judgments": len(qrels), "per_query": per_query,
            "peer_setup": notes, "ms_per_query": timing, "queries_cut": cut, "engine_check": f"{same}/{len(qids)}", "qids": qids}


# ---- reports ----------------------------------------------------------------------------------

def summary(results: dict) -> dict:
    """{collection: {run label: {measure: mean}}}."""
    return {c: {run: {m: mean(v[m]) for m in MEASURES} for run, v in r["per_query"].items()}
            for c, r in results.items()}


def leave_one_out(means: dict, configs: list[dict]) -> list[dict]:
    """For each collection, the config best on the other two (mean nDCG@10, then MAP), scored on it."""
    rows = []
    for held in means:
        train = [c for c in means if c != held]

        def key(cfg: dict, train: list = train) -> tuple:
            lab = label(cfg)
            return (round(float(np.mean([means[c][lab]["nDCG@10"] for c in train])), 6),
                    round(float(np.mean([means[c][lab]["MAP"] for c in train])), 6))
        best = max((c for c in configs if all(c[k] not in v for k, v in SINGLES_ONLY.items())
                    and all(c[k] == SHIPPED[k] for k in SETTLED)), key=key)
        lab = label(best)
        rows.append({"held_out": held, "chosen": best, "label": lab,
                     "train_nDCG@10": key(best)[0], **{m: means[held][lab][m] for m in MEASURES}})
    return rows


def report(results: dict, configs: list[dict]) -> dict:
    means = summary(results)
    colls = list(results)
    shipped, before = label(SHIPPED), label(BEFORE)
    print("\nPer collection (mean over judged queries)")
    rows = []
    for run in (*PEERS, before, shipped):
        name = {before: "ours before (" + before + ")", shipped: "ours shipped (" + shipped + ")"}.get(run, run)
        cells = [means[c][run][m] for c in colls for m in ("nDCG@10", "MAP")]
        rows.append([name, *cells, float(np.mean([means[c][run]["nDCG@10"] for c in colls]))])
    print(table(["engine", *[f"{c} {m}" for c in colls for m in ("nDCG", "MAP")], "mean nDCG"], rows))

    tests = {}
    for c in colls:
        best_peer = max(PEERS, key=lambda p: means[c][p]["nDCG@10"])
        pq, qids = results[c]["per_query"], results[c]["qids"]
        tests[c] = {"best_peer": best_peer, **{
            f"p_{m}": paired_randomisation([pq[shipped][m][q] for q in qids], [pq[best_peer][m][q] for q in qids])
            for m in ("nDCG@10", "MAP")},
            **{f"delta_{m}": means[c][shipped][m] - means[c][best_peer][m] for m in ("nDCG@10", "MAP")}}
    print("\nShipped vs the best peer per collection (paired randomisation test, 10,000 flips)")
    print(table(["collection", "best peer", "d nDCG@10", "p", "d MAP", "p"],
                [[c, t["best_peer"], t["delta_nDCG@10"], t["p_nDCG@10"], t["delta_MAP"], t["p_MAP"]]
                 for c, t in tests.items()]))
    peer_means = {p: float(np.mean([means[c][p]["nDCG@10"] for c in colls])) for p in PEERS}
    best_mean_peer = max(peer_means, key=peer_means.get)
    shipped_mean = float(np.mean([means[c][shipped]["nDCG@10"] for c in colls]))
    print(f"  mean nDCG@10: shipped {shipped_mean:.4f} vs best peer {best_mean_peer} "
          f"{peer_means[best_mean_peer]:.4f} (margin {shipped_mean - peer_means[best_mean_peer]:+.4f})")

    loo = leave_one_out(means, configs) if len(colls) > 1 else []
    if loo:
        print("\nLeave-one-collection-out: chosen on the other collections, scored on the held-out one")
        print(table(["held out", "chosen on the others", "train nDCG", "nDCG@10", "MAP", "R@100",
                     "shipped nDCG@10", "best peer nDCG@10"],
                    [[r["held_out"], r["label"], r["train_nDCG@10"], r["nDCG@10"], r["MAP"], r["R@100"],
                      means[r["held_out"]][shipped]["nDCG@10"],
                      max(means[r["held_out"]][p]["nDCG@10"] for p in PEERS)] for r in loo]))
        print(f"  mean held-out nDCG@10: {np.mean([r['nDCG@10'] for r in loo]):.4f}")
        print("\nEach setting's value in the folds' choices; the default is the majority's (shipped now)")
        majority = {}
        for dim in GRID:
            votes = [r["chosen"][dim] for r in loo]
            majority[dim] = max(set(votes), key=votes.count)
            print(f"  {dim}: {', '.join(map(str, votes))} -> majority {majority[dim]}, shipped {SHIPPED[dim]}")

    print("\nEach change alone from before, and each removed from shipped (nDCG@10 / MAP per collection)")
    rows = []
    for direction, base in (("add to before", BEFORE), ("remove from shipped", SHIPPED)):
        for dim in GRID:
            for value in GRID[dim]:
                if value == base[dim]:
                    continue
                cfg = dict(base, **{dim: value})
                lab = label(cfg)
                if lab not in means[colls[0]]:
                    continue
                rows.append([direction, f"{dim}={value}", *[means[c][lab][m] - means[c][label(base)][m]
                                                            for c in colls for m in ("nDCG@10", "MAP")]])
    print(table(["", "change", *[f"{c} d{m}" for c in colls for m in ("nDCG", "MAP")]], rows))
    return {"means": means, "shipped_vs_best_peer": tests, "peer_mean_nDCG@10": peer_means,
            "shipped_mean_nDCG@10": shipped_mean, "leave_one_out": loo,
            "changes": [dict(zip(["direction", "change", *[f"{c} d{m}" for c in colls for m in ("nDCG", "MAP")]], r))
                        for r in rows]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=SHARED, help="folder holding cranfield/, cisi/, cacm/")
    ap.add_argument("--only", default=",".join(COLLECTIONS), help="comma-separated collections")
    ap.add_argument("--shipped-only", action="store_true",
                    help="score only the shipped settings (and the peers): minutes instead of the grid's ~21; "
                         "for checking that a change kept the ranking (nDCG@10 / MAP per collection)")
    ap.add_argument("--report-only", action="store_true",
                    help="report again from the last run's per-query figures (bench/results/relevance_runs.json) "
                         "with the current defaults as 'shipped'")
    args = ap.parse_args()
    runs_file = REPO / "bench" / "results" / "relevance_runs.json"
    if args.report_only:
        saved = json.loads(runs_file.read_text())
        configs = [dict(c, title=float(c["title"]), proximity=float(c["proximity"]), phrases=float(c["phrases"]))
                   for c in saved["configs"]]
        report(saved["results"], configs)
        return
    started = time.perf_counter()
    names = [n for n in args.only.split(",") if n]
    missing = [n for n in names if not (args.data / n / COLLECTIONS[n]).exists()]
    for n in missing:
        print(f"SKIP: {n} not found at {args.data / n}")
    names = [n for n in names if n not in missing]
    if not names:
        return
    # Every combination with the product's matching, then one setting changed from BEFORE and
    # from SHIPPED (the any-word matching is measured that way only: it is the product's rule).
    open_dims = {k: tuple(v for v in values if v not in SINGLES_ONLY.get(k, ())) for k, values in GRID.items() if k not in SETTLED}
    configs = [dict(SHIPPED, **dict(zip(open_dims, values))) for values in itertools.product(*open_dims.values())]
    for base in (BEFORE, SHIPPED):
        for dim, values in GRID.items():
            configs += [dict(base, **{dim: v}) for v in values]
    configs = list({label(c): c for c in configs}.values())
    if args.shipped_only:
        configs = [SHIPPED]
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-relevance-") as tmp:
        for name in names:
            results[name] = evaluate_collection(name, args.data / name, Path(tmp), configs)
    if args.shipped_only:
        means = summary(results)
        print("\nShipped settings only (" + label(SHIPPED) + ")")
        print(table(["engine", *[f"{c} {m}" for c in results for m in ("nDCG", "MAP")]],
                    [[run, *[means[c][run][m] for c in results for m in ("nDCG@10", "MAP")]]
                     for run in (*PEERS, label(SHIPPED))]))
        print(f"({round(time.perf_counter() - started)} s)")
        return
    runs_file.parent.mkdir(parents=True, exist_ok=True)
    runs_file.write_text(json.dumps({"configs": configs, "results": results}))
    out = report(results, configs)
    out.update({"collections": {c: {k: r[k] for k in ("docs", "queries", "judgments", "engine_check", "queries_cut",
                                                      "peer_setup", "ms_per_query")} for c, r in results.items()},
                "shipped": SHIPPED, "before": BEFORE, "grid": GRID, "depth": DEPTH, "machine": machine(),
                "versions": versions("ir-measures", "pytrec-eval-terrier", "tantivy", "bm25s", "PyStemmer",
                                     "whoosh-reloaded"),
                "seconds": round(time.perf_counter() - started, 1)})
    path = write_json("relevance.json", out)
    print(f"\nwrote {path.relative_to(REPO)} ({out['seconds']} s)")


if __name__ == "__main__":
    main()
