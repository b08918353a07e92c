"""NER benchmark: facet F1 on CoNLL-2003 dev, tag recall on Reuters-21578, throughput vs raw spaCy.

Facet F1 (bench/ner_conll.py): document-level precision/recall/F1 of the person, org and place
facet values on CoNLL-2003 dev, ours against raw spaCy `en_core_web_sm` in the same run, and each
resolution step alone.

Recall: for articles that carry PEOPLE or PLACES tags, the share of tagged people and places
(codes -> display names -> canonical names, as the reader and `canonical_name` give them) that
the recogniser finds by itself in the text (source tags removed before annotating), counted
per document (a name found once in the article counts). Micro-averaged over all tags.
Throughput: `EntityExtractor.annotate` (no cache: every text goes through NER; with the corpus
statistics in a fresh SQLite file, as an index run has them, and the run's `finish` pass)
against plain `nlp.pipe` over the same texts with the same model, in the same run; overhead =
extra time.

Indexing (`--indexing N`): whole index runs (`index_paths`, Whoosh, no story grouping) over the
first N Reuters files with NER, the run's time over the time inside NER, with the corpus
statistics and without them (EntityExtractor without a corpus file), interleaved.

Usage: .venv/bin/python bench/ner.py [--limit N | --all] [--data DIR] [--conll FILE] [--conll-only]
       [--indexing N]
Writes bench/results/ner.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from index.article import Article  # noqa: E402
from index.entities import EntityExtractor, canonical_name  # noqa: E402
from index.entities.aliases import SHIPPED_ALIASES, key  # noqa: E402
from index.entities.corpus import EntityCorpus  # noqa: E402
from index.entities.extractor import ner_text  # noqa: E402
from index.entities.recognizer import BATCH_SIZE, EXCLUDE  # noqa: E402
from index.readers import read_file  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
import ner_conll  # noqa: E402

SHARED = Path(os.environ.get("NEWSEARCH_SHARED_DATA", REPO.parent / "shared" / "data"))
DEFAULT_DATA = SHARED / "reuters21578"
DEFAULT_CONLL = SHARED / "conll2003-dev" / "eng.testa.gz"
RESULTS = REPO / "bench" / "results" / "ner.json"
KINDS = ("person", "place")


def tagged_articles(data: Path, limit: int | None) -> list[Article]:
    """Reuters articles with PEOPLE or PLACES tags and some text, in file order."""
    out: list[Article] = []
    for path in sorted(data.glob("reut2-*.sgm*")):
        for item in read_file(path):
            if isinstance(item, Article) and any(item.entities.get(k) for k in KINDS) and ner_text(item):
                out.append(item)
                if limit is not None and len(out) >= limit:
                    return out
    return out


def spellings() -> dict[tuple[str, str], list[re.Pattern]]:
    """(kind, canonical) -> patterns of the spellings the alias file knows, to see if a text names it."""
    out: dict[tuple[str, str], set[str]] = {}
    for line in SHIPPED_ALIASES.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if line.startswith("#") or len(parts) != 3:
            continue
        if len(parts[1]) > 3 or "." in parts[1] or parts[1].isupper():  # not "Ore", "Pa" as words
            out.setdefault((parts[0], parts[2]), set()).add(parts[1])
    return {k: [re.compile(r"(?<!\w)" + re.escape(v) + r"(?!\w)") for v in vs] for k, vs in out.items()}


def named_in_text(kind: str, name: str, text: str, known: dict) -> bool:
    """Does the text spell out the tagged name (or an alias of it, or its surname for people)?"""
    variants = [re.compile(r"(?<!\w)" + re.escape(name) + r"(?!\w)")] + known.get((kind, name), [])
    if kind == "person":
        variants.append(re.compile(r"(?<!\w)" + re.escape(name.split(" ")[-1]) + r"(?!\w)"))
    return any(v.search(text) for v in variants)


def recall(articles: list[Article], tags: list[dict[str, set[str]]], texts: list[str]) -> dict:
    """Per-kind micro recall of the tags by the recognised names, plus the most missed names.

    `recall_named` counts only tags the text spells out (a Reuters tag is often implied: a
    Houston dateline is tagged `usa` without the text ever naming the country).
    """
    known = spellings()
    result = {}
    for kind in KINDS:
        total = hits = named = named_hits = 0
        missed: Counter = Counter()
        for article, tagged, text in zip(articles, tags, texts):
            found = {key(n) for n in article.entities.get(kind, [])}
            for name in tagged[kind]:
                total += 1
                hit = key(name) in found
                hits += hit
                if named_in_text(kind, name, text, known):
                    named += 1
                    named_hits += hit
                if not hit:
                    missed[name] += 1
        result[kind] = {"tags": total, "found": hits, "recall": round(hits / total, 4) if total else None,
                        "tags_named_in_text": named, "found_named": named_hits,
                        "recall_named": round(named_hits / named, 4) if named else None,
                        "most_missed": missed.most_common(10)}
    return result


def indexing_ratio(files: list[Path], repeat: int) -> dict:
    """Whole index runs' time over their time inside NER, with and without the corpus pass."""
    import index.entities.extractor as extractor_module
    from newsearch.indexing import index_paths

    real_init = extractor_module.EntityExtractor.__init__

    def without_corpus(self, *args, **kwargs):
        kwargs["corpus_path"] = None
        real_init(self, *args, **kwargs)

    runs: dict[str, list[float]] = {"with corpus": [], "without corpus": []}
    for _ in range(max(1, repeat)):
        for name in runs:
            extractor_module.EntityExtractor.__init__ = real_init if name == "with corpus" else without_corpus
            try:
                with tempfile.TemporaryDirectory() as tmp:
                    summary = index_paths(files, Path(tmp) / "ix", show_progress=False, stories=False)
            finally:
                extractor_module.EntityExtractor.__init__ = real_init
            runs[name].append(summary.elapsed / summary.ner_seconds)
    return {name: {"total_over_ner": round(min(r), 3), "runs": [round(x, 3) for x in r]} for name, r in runs.items()}


def _write(report: dict) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(REPO)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=2000, help="articles with tags to use (default 2000)")
    ap.add_argument("--all", action="store_true", help="use every tagged article")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--conll", type=Path, default=DEFAULT_CONLL, help="CoNLL-2003 dev file (eng.testa.gz)")
    ap.add_argument("--conll-only", action="store_true", help="only the CoNLL facet F1 table")
    ap.add_argument("--indexing", type=int, default=0, metavar="N",
                    help="also time whole index runs over the first N Reuters files (total / NER time)")
    ap.add_argument("--repeat", type=int, default=2,
                    help="timed runs of each, interleaved; the best of each is reported (default 2)")
    args = ap.parse_args()
    if not args.conll.exists():
        sys.exit(f"CoNLL-2003 dev not found at {args.conll} (use --conll or NEWSEARCH_SHARED_DATA)")
    if not args.data.exists() and not args.conll_only:
        sys.exit(f"Reuters-21578 not found at {args.data} (use --data or NEWSEARCH_SHARED_DATA)")
    import spacy  # the raw baseline: same model, same exclusions, same batch size

    extractor = EntityExtractor(cache_path=None)
    model = extractor.recogniser.split(" ")[0]
    nlp = spacy.load(model, exclude=EXCLUDE)
    facets = ner_conll.run(args.conll, extractor, nlp)
    ner_conll.print_report(facets)
    if args.conll_only:
        _write({"conll": facets, "recogniser": extractor.recogniser})
        return

    articles = tagged_articles(args.data, None if args.all else args.limit)
    tags = [{k: {canonical_name(k, n) for n in a.entities.get(k, [])} for k in KINDS} for a in articles]
    for a in articles:
        a.entities = {}  # the recogniser alone is measured
    texts = [ner_text(a) for a in articles]
    chars = sum(len(t) for t in texts)

    warm = [Article(title="", body=t) for t in texts[:20]]
    extractor.annotate(warm)
    list(nlp.pipe(texts[:20], batch_size=BATCH_SIZE))
    raw_runs, our_runs, ner_runs = [], [], []
    for _ in range(max(1, args.repeat)):  # interleaved, so a busy moment hits both alike
        start = time.perf_counter()
        for _doc in nlp.pipe(texts, batch_size=BATCH_SIZE):
            pass
        raw_runs.append(time.perf_counter() - start)

        for a in articles:
            a.entities = {}
        ner_before = extractor.ner_seconds
        with tempfile.TemporaryDirectory() as tmp:  # a fresh corpus, as a first index run has
            extractor.corpus = EntityCorpus(Path(tmp) / "corpus.sqlite", extractor.aliases)
            start = time.perf_counter()
            for i in range(0, len(articles), 256):  # batches as the indexer sends them (NER_BATCH)
                extractor.annotate(articles[i:i + 256])
            changed = extractor.finish(lambda aid, values: None)
            our_runs.append(time.perf_counter() - start)
            extractor.corpus.close()
            extractor.corpus = None
        ner_runs.append(extractor.ner_seconds - ner_before)
    raw_s, ours_s, ner_s = min(raw_runs), min(our_runs), min(ner_runs)

    rec = recall(articles, tags, texts)
    n = len(articles)
    report = {
        "conll": facets, "finish_changed": changed,
        "data": str(args.data), "articles": n, "characters": chars,
        "recogniser": extractor.recogniser, "degraded": extractor.degraded,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "spacy": spacy.__version__},
        "recall": rec,
        "throughput": {
            "raw_spacy": {"seconds": round(raw_s, 2), "chars_per_s": round(chars / raw_s), "articles_per_s": round(n / raw_s, 1)},
            "ours": {"seconds": round(ours_s, 2), "chars_per_s": round(chars / ours_s), "articles_per_s": round(n / ours_s, 1),
                     "ner_seconds": round(ner_s, 2)},
            "overhead_pct": round(100 * (ours_s - raw_s) / raw_s, 1),
            # Time ours spends outside nlp.pipe (cache, span copy, canonicalisation): the part of
            # the overhead that is ours, immune to the machine's load between the two runs.
            "outside_ner_pct": round(100 * (ours_s - ner_s) / ours_s, 2),
            "runs": {"raw_spacy": [round(x, 2) for x in raw_runs], "ours": [round(x, 2) for x in our_runs]},
        },
    }
    extractor.close()
    if args.indexing:
        files = sorted(args.data.glob("reut2-*.sgm*"))[:args.indexing]
        report["indexing"] = indexing_ratio(files, args.repeat)
        for name, r in report["indexing"].items():
            print(f"whole index run over {len(files)} Reuters files, {name}: total / NER time {r['total_over_ner']} "
                  f"(runs {r['runs']})")
    _write(report)

    t = report["throughput"]
    print(f"NER benchmark: {n} Reuters articles with PEOPLE/PLACES tags, {chars:,} characters, {extractor.recogniser}")
    print(f"{'kind':<8}{'tags':>8}{'found':>8}{'recall':>9}   {'named in text':>14}{'found':>8}{'recall':>9}")
    for kind in KINDS:
        r = rec[kind]
        print(f"{kind:<8}{r['tags']:>8}{r['found']:>8}{(r['recall'] or 0):>9.1%}   "
              f"{r['tags_named_in_text']:>14}{r['found_named']:>8}{(r['recall_named'] or 0):>9.1%}")
    print(f"\n{'':<12}{'seconds':>9}{'chars/s':>10}{'articles/s':>12}")
    for name in ("raw_spacy", "ours"):
        print(f"{name:<12}{t[name]['seconds']:>9.2f}{t[name]['chars_per_s']:>10,}{t[name]['articles_per_s']:>12.1f}")
    print(f"overhead: {t['overhead_pct']:+.1f}%   (ours: {t['ours']['ner_seconds']:.2f}s inside NER, "
          f"{t['outside_ner_pct']:.2f}% of our time outside it)")
    for kind in KINDS:
        print(f"most missed {kind}s: " + ", ".join(f"{k} ({v})" for k, v in rec[kind]["most_missed"]))
    print(f"end-of-run pass rewrote {changed} of {n} articles' entity fields")


if __name__ == "__main__":
    main()
