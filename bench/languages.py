"""Language detection (index/language.py): accuracy per language and overall, and cost per article.

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
of 256 (`detect_languages`, as indexing's batches) and one by one, median of `--runs` passes, against reading + indexing per article measured in this script (index_paths,
entities off, a fresh Whoosh index of the same files): the goal is < 2%.

Run: .venv/bin/python bench/languages.py --data /tmp/lingua-sentences   (about 3 minutes)
"""
from __future__ import annotations

import argparse
import collections
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from common import SHARED, machine, require_data, table, versions, write_json  # noqa: E402

import index.language as language  # noqa: E402
from index.language import LANGUAGES, detect_language, detect_languages, normalise_language  # noqa: E402

NEWS_LENGTH = 500
NEWS_LENGTH_CJK = 200
CJK = {"zh", "ja"}
CAPS = (200, 300, 1000, 2000)
BATCH = 256  # articles per detect_languages call, as newsearch/indexing.py's NER_BATCH


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


def reuters_articles(files: list[Path]) -> list[str]:
    from index.article import Article
    from index.readers import read_file

    texts = []
    for path in files:
        for item in read_file(path):
            if isinstance(item, Article):
                texts.append(f"{item.title}\n{item.body}")
    return texts


def cost(files: list[Path], runs: int, py3_model) -> dict:
    """Detection per article against reading + indexing per article, both measured here."""
    import resource

    from newsearch.indexing import index_paths

    def cpu() -> float:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    articles = reuters_articles(files)
    detect_language(articles[0])  # the model loads once per process, before timing

    def timed(work) -> tuple[float, float]:
        """(wall, CPU) seconds per article of `work()` in this process."""
        wall, own = time.perf_counter(), time.process_time()
        work()
        return ((time.perf_counter() - wall) / len(articles), (time.process_time() - own) / len(articles))

    runs_of: dict[str, list[tuple[float, float]]] = {"batch": [], "one by one": [], "py3langid": [], "index": []}
    for _ in range(runs):
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
    for name in ("batch", "one by one", "py3langid"):
        wall, own = median[name]
        out[name] = {"wall_ms_per_article": round(wall * 1e3, 4), "cpu_ms_per_article": round(own * 1e3, 4),
                     "share_of_index_wall": round(wall / index_wall, 4),
                     "share_of_index_cpu": round(own / index_cpu, 4)}
    return out


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("/tmp/lingua-sentences"),
                        help="folder of <code>.txt files, one sentence a line (Lingua's test sentences)")
    parser.add_argument("--reuters", type=Path, default=SHARED / "reuters21578")
    parser.add_argument("--reuters-files", type=int, default=3, help="how many reut2-*.sgm.gz files for the cost")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-sentences", type=int, default=1000)
    parser.add_argument("--skip-cost", action="store_true")
    args = parser.parse_args()
    require_data(args.data, "Lingua's language-testdata/sentences folder")

    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped]
    py3_model = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    paragraphs, sentences = read_texts(args.data, args.max_sentences)
    known = {code: items for code, items in paragraphs.items() if code in LANGUAGES}
    unknown = sorted(set(paragraphs) - set(known))
    known_sentences = {code: sentences[code] for code in known}
    print(f"{len(known)} languages the detector knows ({sum(map(len, known.values()))} news-length texts); "
          f"not in its model: {', '.join(unknown) or 'none'}")

    results: dict = {"data": str(args.data), "news_length_chars": NEWS_LENGTH, "news_length_cjk_chars": NEWS_LENGTH_CJK,
                     "sample_chars": language.SAMPLE_CHARS, "languages": len(known),
                     "machine": machine(), "versions": versions("py3langid", "numpy"), "variants": {}}
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

    if not args.skip_cost:
        require_data(args.reuters, "Reuters-21578")
        files = sorted(args.reuters.glob("reut2-*.sgm.gz"))[:args.reuters_files]
        results["cost"] = cost(files, args.runs, py3_model)
        print("cost:", results["cost"])
    print("wrote", write_json("languages.json", results))


if __name__ == "__main__":
    main()
