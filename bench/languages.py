"""Languages (issue 21): detection accuracy and cost (index/language.py), indexing speed with
detection on vs off, and retrieval per language on the shipped multilingual sample.

Data: the sentence test sets of the Lingua language detector (github.com/pemistahl/lingua-py,
folder language-testdata/sentences, Apache-2.0): 1,000 sentences per language for 75 languages,
drawn by Lingua's author from the Leipzig Wortschatz corpora (news and web text). They are not
shipped here: extract that folder anywhere (`--data DIR`, one `<code>.txt` per language, one
sentence a line). Consecutive sentences are joined into texts of news length (a news item's
paragraph: >= 500 characters, >= 200 for Chinese and Japanese, whose characters carry more); single
sentences are measured too, as the hard case (short items, headlines).

Variants, each over the same texts:
  shipped        detect_language(text): the product (restricted languages, first SAMPLE_CHARS
                 characters, "und" below MIN_CONFIDENCE; an "und" counts as wrong);
  py3langid      py3langid's own classify over all its 140 labels, whole text: the baseline that
                 shows what the restriction to ISO 639-1 languages changes;
  cap N          detect_language with the sample cut at N characters instead (accuracy vs cost);
  hint right     the page declares the right language (must stay right);
  hint "en"      every page declares English, as a site template's default would (the detector
                 must overrule it on other languages).

Cost: detection per article on Reuters-21578 (title + body, as indexing would pass it), in batches
of 256 (`detect_languages`, as indexing's batches) and one by one, median of `--runs` passes,
against reading + indexing per article measured in this script (index_paths, entities off, a
fresh Whoosh index of the same files): the goal is < 2%.

Indexing speed, detection on vs off (`--parts speed`): every Reuters-21578 file indexed by the
index run (index_paths, entities off, a fresh Whoosh index each time) with detection on and with it
off (newsearch.indexing.DETECT_LANGUAGES = False: an article keeps its declaration, else "und"),
`--runs` rounds of one run each, the order alternating (on, off / off, on / ...) so that a drift in
the machine's load falls on both; medians and their ratio, and the run's own account of detection
(IndexSummary.language_seconds: its share of the run, its cost per article) and of the languages
it found in an archive that is all English.

Retrieval sanity (`--parts retrieval`): the shipped sample tests/data/languages/news (41 real news
paragraphs in 11 languages, SOURCE.md) indexed by the index run; each case of its queries.json (a
query in a form its articles do not use, and the articles that language's analysis must find)
searched over every language, and with the language filter; recall per language, and how many
hits came from another language. On Whoosh, and on OpenSearch with `--opensearch URL`; and the
baseline, the same sample with every article analysed as English (declarations dropped, detection
off: "und"), as every index was before issue 21.

Run: nice -n 10 .venv/bin/python bench/languages.py --data /tmp/lingua-sentences   (about 10 minutes)
     --parts speed,retrieval to leave out accuracy and the detection-only cost.
"""
from __future__ import annotations

import argparse
import collections
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from common import RESULTS_DIR, SHARED, machine, require_data, table, versions, write_json  # noqa: E402

import index.language as language  # noqa: E402
from index.language import LANGUAGES, detect_language, detect_languages, normalise_language  # noqa: E402

NEWS_LENGTH = 500
NEWS_LENGTH_CJK = 200
CJK = {"zh", "ja"}
CAPS = (200, 300, 1000, 2000)
BATCH = 256  # articles per detect_languages call, as newsearch/indexing.py's NER_BATCH
SAMPLE_DIR = REPO / "tests" / "data" / "languages" / "news"
PARTS = ("accuracy", "cost", "speed", "retrieval")


def read_texts(data: Path, max_sentences: int) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Per language (ISO 639-1, as the detector names it): news-length texts and single sentences."""
    paragraphs: dict[str, list[str]] = {}
    sentences: dict[str, list[str]] = {}
    for path in sorted(data.glob("*.txt")):
        code = normalise_language(path.stem)
        if code is None:
            continue
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        lines = lines[:max_sentences]
        least = NEWS_LENGTH_CJK if code in CJK else NEWS_LENGTH
        texts, current = [], ""
        for line in lines:
            current = f"{current} {line}".strip()
            if len(current) >= least:
                texts.append(current)
                current = ""
        paragraphs[code], sentences[code] = texts, lines
    return paragraphs, sentences


def accuracy(texts: dict[str, list[str]], decide) -> dict:
    """Share of texts `decide` gets right, per language and overall, with the commonest mistakes."""
    per: dict[str, dict] = {}
    right = total = 0
    for code, items in texts.items():
        wrong: collections.Counter[str] = collections.Counter()
        for text in items:
            got = decide(text, code)
            if got != code:
                wrong[got] += 1
        ok = len(items) - sum(wrong.values())
        per[code] = {"texts": len(items), "accuracy": round(ok / len(items), 4) if items else None,
                     "mistaken_for": dict(wrong.most_common(3))}
        right += ok
        total += len(items)
    return {"overall": round(right / total, 4) if total else None, "texts": total, "per_language": per}


def variants(py3_model) -> dict:
    """name -> decide(text, true_code) for every variant measured."""
    def with_cap(cap: int):
        def decide(text: str, code: str) -> str:
            saved, language.SAMPLE_CHARS = language.SAMPLE_CHARS, cap
            try:
                return detect_language(text)
            finally:
                language.SAMPLE_CHARS = saved
        return decide

    out = {
        "shipped": lambda text, code: detect_language(text),
        "py3langid": lambda text, code: py3_model.classify(text)[0],
        "hint right": lambda text, code: detect_language(text, hint=code),
        'hint "en"': lambda text, code: detect_language(text, hint="en"),
    }
    for cap in CAPS:
        out[f"cap {cap}"] = with_cap(cap)
    return out


def reuters_articles(files: list[Path]) -> tuple[list[str], list[str | None]]:
    """Every article's title + body, and what its reader declares (Reuters: "en")."""
    from index.article import Article
    from index.readers import read_file

    texts, declared = [], []
    for path in files:
        for item in read_file(path):
            if isinstance(item, Article):
                texts.append(f"{item.title}\n{item.body}")
                declared.append(item.language)
    return texts, declared


def cpu() -> float:
    """CPU seconds of this process and of its ended children (an index run's writer processes)."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def cost(files: list[Path], runs: int, py3_model) -> dict:
    """Detection per article against reading + indexing per article, both measured here."""
    from newsearch.indexing import index_paths

    articles, declared = reuters_articles(files)
    detect_language(articles[0])  # the model loads once per process, before timing

    def timed(work) -> tuple[float, float]:
        """(wall, CPU) seconds per article of `work()` in this process."""
        wall, own = time.perf_counter(), time.process_time()
        work()
        return ((time.perf_counter() - wall) / len(articles), (time.process_time() - own) / len(articles))

    runs_of: dict[str, list[tuple[float, float]]] = {"batch, declared": [], "batch": [], "one by one": [],
                                                     "py3langid": [], "index": []}
    for _ in range(runs):
        # As the index run calls it: batches, each article with its reader's declaration.
        runs_of["batch, declared"].append(timed(lambda: [
            detect_languages(articles[first:first + BATCH], declared[first:first + BATCH])
            for first in range(0, len(articles), BATCH)]))
        # The same articles undeclared (a text or CSV archive that names no language).
        runs_of["batch"].append(timed(lambda: [detect_languages(articles[first:first + BATCH])
                                               for first in range(0, len(articles), BATCH)]))
        runs_of["one by one"].append(timed(lambda: [detect_language(text) for text in articles]))
        runs_of["py3langid"].append(timed(lambda: [py3_model.classify(text[:language.SAMPLE_CHARS])
                                                   for text in articles]))
        with tempfile.TemporaryDirectory(prefix="newsearch-languages-") as where:
            c0, started = cpu(), time.perf_counter()
            summary = index_paths(files, Path(where) / "index", entities=False, show_progress=False)
            done = summary.added + summary.updated + summary.unchanged
            # CPU: this process and its writer processes (children, counted once they have ended).
            runs_of["index"].append(((time.perf_counter() - started) / done, (cpu() - c0) / done))
    median = {name: (statistics.median(w for w, _ in values), statistics.median(c for _, c in values))
              for name, values in runs_of.items()}
    index_wall, index_cpu = median["index"]
    out: dict = {"articles": len(articles), "runs": runs, "batch": BATCH,
                 "mean_article_chars": round(statistics.mean(len(t) for t in articles)),
                 "index_wall_ms_per_article": round(index_wall * 1e3, 3),
                 "index_cpu_ms_per_article": round(index_cpu * 1e3, 3),
                 "runs_ms_wall_cpu": {name: [[round(w * 1e3, 4), round(c * 1e3, 4)] for w, c in values]
                                      for name, values in runs_of.items()}}
    for name in ("batch, declared", "batch", "one by one", "py3langid"):
        wall, own = median[name]
        out[name] = {"wall_ms_per_article": round(wall * 1e3, 4), "cpu_ms_per_article": round(own * 1e3, 4),
                     "share_of_index_wall": round(wall / index_wall, 4),
                     "share_of_index_cpu": round(own / index_cpu, 4)}
    return out


def speed(files: list[Path], runs: int) -> dict:
    """Index runs over `files` with detection on and off, alternating; medians and their ratio."""
    import newsearch.indexing as indexing
    from newsearch.indexing import index_paths

    detect_language("The model loads once per process, before timing.")
    measured: dict[str, list[dict]] = {"on": [], "off": []}
    for round_ in range(runs):
        for mode in (("on", "off") if round_ % 2 == 0 else ("off", "on")):
            saved, indexing.DETECT_LANGUAGES = indexing.DETECT_LANGUAGES, mode == "on"
            try:
                with tempfile.TemporaryDirectory(prefix="newsearch-languages-speed-") as where:
                    c0 = cpu()
                    summary = index_paths(files, Path(where) / "index", entities=False, show_progress=False)
                    used = cpu() - c0
            finally:
                indexing.DETECT_LANGUAGES = saved
            articles = summary.added + summary.updated + summary.unchanged
            measured[mode].append({"seconds": round(summary.elapsed, 3), "cpu_seconds": round(used, 3),
                                   "articles": articles, "language_seconds": round(summary.language_seconds, 4),
                                   "languages": dict(summary.language_counts()[:8])})
            print(f"  round {round_ + 1} detection {mode:3s}: {summary.elapsed:6.2f} s, {articles:,} articles, "
                  f"detection {summary.language_seconds:.3f} s", flush=True)

    def median(mode: str, key: str) -> float:
        return statistics.median(run[key] for run in measured[mode])

    on, off = median("on", "seconds"), median("off", "seconds")
    articles = measured["on"][0]["articles"]
    share = statistics.median(run["language_seconds"] / run["seconds"] for run in measured["on"])
    return {"files": len(files), "articles": articles, "runs": runs, "runs_detail": measured,
            "median_seconds": {"on": on, "off": off}, "ratio_on_off": round(on / off, 4),
            "median_cpu_seconds": {"on": median("on", "cpu_seconds"), "off": median("off", "cpu_seconds")},
            "articles_per_second": {"on": round(articles / on), "off": round(articles / off)},
            "detection_ms_per_article": round(median("on", "language_seconds") / articles * 1e3, 4),
            "detection_share_of_run": round(share, 4),
            "languages_found": measured["on"][-1]["languages"]}


def sample_engine(backend: str, where: Path, url: str | None, as_english: bool = False):
    """An Engine over the shipped sample indexed by the index run (entities off), and the options
    naming its index (OpenSearch: an index to delete afterwards). `as_english`: the baseline, every
    article analysed as English as before issue 21 (declarations dropped, detection off: "und")."""
    import newsearch.indexing as indexing
    from newsearch.indexing import index_paths
    from search import Engine

    options = {"index_dir": where / "sample"} if backend == "whoosh" else \
        {"url": url, "index": f"bench-languages-{int(time.time())}"}
    source = SAMPLE_DIR / "articles.jsonl"
    if as_english:
        records = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
        source = where / "undeclared.jsonl"
        source.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "language"}) + "\n"
                                  for r in records), encoding="utf-8")
    saved, indexing.DETECT_LANGUAGES = indexing.DETECT_LANGUAGES, indexing.DETECT_LANGUAGES and not as_english
    try:
        index_paths([source], backend=backend, backend_options=options, entities=False, show_progress=False)
    finally:
        indexing.DETECT_LANGUAGES = saved
    return Engine(backend=backend, **options), options


def drop_opensearch_index(options: dict) -> None:
    """Delete a bench index, its versioned indexes and templates (as the tests' IndexMaker does)."""
    from opensearchpy import OpenSearch

    client = OpenSearch(options["url"])
    try:
        client.indices.delete(index=f"{options['index']}*", ignore_unavailable=True, expand_wildcards="all")
        for template in client.indices.get_index_template(name=f"{options['index']}*", ignore=[404]).get(
                "index_templates", []):
            client.indices.delete_index_template(name=template["name"], ignore=[404])
    finally:
        client.close()


def retrieval(backend: str, url: str | None = None, as_english: bool = False) -> dict:
    """Detection and per-language recall of queries.json's cases on the shipped sample (see
    `sample_engine` for `as_english`)."""
    records = [json.loads(line) for line in (SAMPLE_DIR / "articles.jsonl").read_text(encoding="utf-8").splitlines()
               if line.strip()]
    expected = {r["url"]: r["expected_language"] for r in records}
    cases = json.loads((SAMPLE_DIR / "queries.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="newsearch-languages-sample-") as where:
        engine, options = sample_engine(backend, Path(where), url, as_english)
        try:
            stored = {r.id: r.language for r in engine.articles(list(expected))}
            per: dict[str, dict] = {}
            misses = []
            for case in cases:
                code = case["language"]
                row = per.setdefault(code, {"queries": 0, "expected": 0, "found": 0, "found_filtered": 0,
                                            "other_language_hits": 0})
                hits = engine.search(case["query"], page_size=100).hits
                filtered = {h.id for h in engine.search(case["query"], language=code, page_size=100).hits}
                found = [u for u in case["finds"] if u in {h.id for h in hits}]
                row["queries"] += 1
                row["expected"] += len(case["finds"])
                row["found"] += len(found)
                # The filter keeps the case's language only (the mixed article is stored as one of its two).
                own = [u for u in case["finds"] if expected[u] == code]
                row["expected_filtered"] = row.get("expected_filtered", 0) + len(own)
                row["found_filtered"] += sum(u in filtered for u in own)
                row["other_language_hits"] += sum(expected.get(h.id) not in (code, "mixed") for h in hits)
                if len(found) < len(case["finds"]):
                    misses.append({"language": code, "query": case["query"], "forms_in_text": case["forms_in_text"],
                                   "missed": sorted(set(case["finds"]) - set(found))})
        finally:
            engine.close()
            if backend == "opensearch":
                drop_opensearch_index(options)
    for row in per.values():
        row["recall"] = round(row["found"] / row["expected"], 4)
        row["recall_filtered"] = round(row["found_filtered"] / row["expected_filtered"], 4)
    wrong = {u: {"stored": stored.get(u), "expected": e} for u, e in expected.items()
             if stored.get(u) != e and not (e == "mixed" and stored.get(u) in ("de", "zh", "und"))}
    total = sum(row["expected"] for row in per.values())
    return {"backend": backend, "articles": len(expected), "detection_right": len(expected) - len(wrong),
            "detection_wrong": wrong, "per_language": per, "misses": misses,
            "recall": round(sum(row["found"] for row in per.values()) / total, 4)}


def text_cost(texts: dict[str, list[str]], decide, limit: int = 40) -> float:
    """Median microseconds per news-length text over up to `limit` texts of every language."""
    sample = [t for items in texts.values() for t in items[:limit]]
    times = []
    for _ in range(3):
        started = time.perf_counter()
        for text in sample:
            decide(text, "")
        times.append((time.perf_counter() - started) / len(sample))
    return round(statistics.median(times) * 1e6, 1)


def accuracy_part(args, py3_model) -> dict:
    """Accuracy per variant on news-length texts and single sentences (see the docstring)."""
    require_data(args.data, "Lingua's language-testdata/sentences folder")
    paragraphs, sentences = read_texts(args.data, args.max_sentences)
    known = {code: items for code, items in paragraphs.items() if code in LANGUAGES}
    unknown = sorted(set(paragraphs) - set(known))
    known_sentences = {code: sentences[code] for code in known}
    print(f"{len(known)} languages the detector knows ({sum(map(len, known.values()))} news-length texts); "
          f"not in its model: {', '.join(unknown) or 'none'}")
    results: dict = {"data": str(args.data), "news_length_chars": NEWS_LENGTH, "news_length_cjk_chars": NEWS_LENGTH_CJK,
                     "sample_chars": language.SAMPLE_CHARS, "languages": len(known), "variants": {}}
    for name, decide in variants(py3_model).items():
        started = time.perf_counter()
        measured = accuracy(known, decide)
        measured["us_per_text"] = text_cost(known, decide)
        results["variants"][name] = measured
        print(f"{name:12s} news-length {measured['overall']:.4f}  {measured['us_per_text']:8.1f} us/text"
              f"  ({time.perf_counter() - started:.0f} s)")
    for name in ("shipped", "py3langid", "hint right", 'hint "en"'):
        decide = variants(py3_model)[name]
        results["variants"][name]["sentences"] = accuracy(known_sentences, decide)
        print(f"{name:12s} sentences   {results['variants'][name]['sentences']['overall']:.4f}")
    # Languages outside the model: what the shipped detector says of them (ideally "und").
    results["outside_model"] = {code: dict(collections.Counter(detect_language(t) for t in paragraphs[code])
                                           .most_common(3)) for code in unknown}
    rows = []
    shipped, base = results["variants"]["shipped"]["per_language"], results["variants"]["py3langid"]["per_language"]
    for code in sorted(known):
        rows.append([code, shipped[code]["texts"], shipped[code]["accuracy"], base[code]["accuracy"],
                     results["variants"]["shipped"]["sentences"]["per_language"][code]["accuracy"],
                     ", ".join(f"{k} {v}" for k, v in shipped[code]["mistaken_for"].items())])
    print(table(["lang", "texts", "shipped", "py3langid all", "sentences", "shipped mistaken for"], rows))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("/tmp/lingua-sentences"),
                        help="folder of <code>.txt files, one sentence a line (Lingua's test sentences)")
    parser.add_argument("--reuters", type=Path, default=SHARED / "reuters21578")
    parser.add_argument("--reuters-files", type=int, default=3, help="how many reut2-*.sgm.gz files for the cost")
    parser.add_argument("--speed-files", type=int, default=22, help="how many reut2-*.sgm.gz files for on vs off")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-sentences", type=int, default=1000)
    parser.add_argument("--parts", default=",".join(PARTS), help=f"which parts, comma-separated ({', '.join(PARTS)})")
    parser.add_argument("--skip-cost", action="store_true", help="the same as leaving 'cost' out of --parts")
    parser.add_argument("--opensearch", metavar="URL", help="measure retrieval on an OpenSearch cluster too")
    args = parser.parse_args()
    parts = [p for p in args.parts.split(",") if p and not (p == "cost" and args.skip_cost)]
    if set(parts) - set(PARTS):
        parser.error(f"unknown parts: {', '.join(sorted(set(parts) - set(PARTS)))}")

    # Earlier parts' results stay in the file: a run of some parts updates theirs.
    out = RESULTS_DIR / "languages.json"
    results: dict = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    results.update({"machine": machine(), "versions": versions("py3langid", "numpy", "PyStemmer")})
    results.setdefault("measured", {})
    py3_model = None

    def done(part: str) -> None:
        """Record a finished part and write the file: a later part's failure loses nothing."""
        results["measured"][part] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
        write_json("languages.json", results)

    if "accuracy" in parts or "cost" in parts:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped]
        py3_model = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    if "accuracy" in parts:
        results.update(accuracy_part(args, py3_model))
        done("accuracy")
    reuters = sorted(args.reuters.glob("reut2-*.sgm.gz"))
    if "cost" in parts:
        require_data(args.reuters, "Reuters-21578")
        results["cost"] = cost(reuters[:args.reuters_files], args.runs, py3_model)
        print("cost:", results["cost"])
        done("cost")
    if "speed" in parts:
        require_data(args.reuters, "Reuters-21578")
        results["speed"] = speed(reuters[:args.speed_files], args.runs)
        print("speed:", {k: v for k, v in results["speed"].items() if k != "runs_detail"})
        done("speed")
    if "retrieval" in parts:
        results["retrieval"] = {"whoosh": retrieval("whoosh"),
                                "whoosh, every article as English": retrieval("whoosh", as_english=True)}
        if args.opensearch:
            results["retrieval"]["opensearch"] = retrieval("opensearch", args.opensearch)
        for backend, measured in results["retrieval"].items():
            print(f"retrieval ({backend}): recall {measured['recall']}, detection {measured['detection_right']}"
                  f"/{measured['articles']}, misses {measured['misses']}")
            print(table(["lang", "queries", "expected", "recall", "recall, filtered", "other-language hits"],
                        [[code, row["queries"], row["expected"], row["recall"], row["recall_filtered"],
                          row["other_language_hits"]] for code, row in sorted(measured["per_language"].items())]))
        done("retrieval")
    print("wrote", RESULTS_DIR / "languages.json")


if __name__ == "__main__":
    main()
