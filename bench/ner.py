"""NER benchmark on Reuters-21578: tag recall of the recogniser, and throughput vs raw spaCy.

Recall: for articles that carry PEOPLE or PLACES tags, the share of tagged people and places
(codes -> display names -> canonical names, as the reader and `canonical_name` give them) that
the recogniser finds by itself in the text (source tags removed before annotating), counted
per document (a name found once in the article counts). Micro-averaged over all tags.
Throughput: `EntityExtractor.annotate` (no cache: every text goes through NER) against plain
`nlp.pipe` over the same texts with the same model, in the same run; overhead = extra time.

Usage: .venv/bin/python bench/ner.py [--limit N | --all] [--data DIR]
Writes bench/results/ner.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from index.article import Article  # noqa: E402
from index.entities import EntityExtractor, canonical_name  # noqa: E402
from index.entities.aliases import key  # noqa: E402
from index.entities.extractor import ner_text  # noqa: E402
from index.entities.recognizer import BATCH_SIZE, EXCLUDE  # noqa: E402
from index.readers import read_file  # noqa: E402

DEFAULT_DATA = Path(os.environ.get("NEWSEARCH_SHARED_DATA", REPO.parent / "shared" / "data")) / "reuters21578"
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


def recall(articles: list[Article], tags: list[dict[str, set[str]]]) -> dict:
    """Per-kind micro recall of the tags by the recognised names, plus the most missed names."""
    result = {}
    for kind in KINDS:
        total = hits = 0
        missed: Counter = Counter()
        for article, tagged in zip(articles, tags):
            found = {key(n) for n in article.entities.get(kind, [])}
            for name in tagged[kind]:
                total += 1
                if key(name) in found:
                    hits += 1
                else:
                    missed[name] += 1
        result[kind] = {"tags": total, "found": hits, "recall": round(hits / total, 4) if total else None,
                        "most_missed": missed.most_common(10)}
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=2000, help="articles with tags to use (default 2000)")
    ap.add_argument("--all", action="store_true", help="use every tagged article")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = ap.parse_args()
    if not args.data.exists():
        sys.exit(f"Reuters-21578 not found at {args.data} (use --data or NEWSEARCH_SHARED_DATA)")

    articles = tagged_articles(args.data, None if args.all else args.limit)
    tags = [{k: {canonical_name(k, n) for n in a.entities.get(k, [])} for k in KINDS} for a in articles]
    for a in articles:
        a.entities = {}  # the recogniser alone is measured
    texts = [ner_text(a) for a in articles]
    chars = sum(len(t) for t in texts)

    extractor = EntityExtractor(cache_path=None)
    import spacy  # the raw baseline: same model, same exclusions, same batch size

    model = extractor.recogniser.split(" ")[0]
    nlp = spacy.load(model, exclude=EXCLUDE)
    warm = [Article(title="", body=t) for t in texts[:20]]
    extractor.annotate(warm)
    list(nlp.pipe(texts[:20], batch_size=BATCH_SIZE))
    extractor.ner_calls = 0
    ner_before = extractor.ner_seconds

    start = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=BATCH_SIZE):
        pass
    raw_s = time.perf_counter() - start

    start = time.perf_counter()
    for i in range(0, len(articles), 500):  # batches as the indexer sends them
        extractor.annotate(articles[i:i + 500])
    ours_s = time.perf_counter() - start
    ner_s = extractor.ner_seconds - ner_before

    rec = recall(articles, tags)
    n = len(articles)
    report = {
        "data": str(args.data), "articles": n, "characters": chars,
        "recogniser": extractor.recogniser, "degraded": extractor.degraded,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "spacy": spacy.__version__},
        "recall": rec,
        "throughput": {
            "raw_spacy": {"seconds": round(raw_s, 2), "chars_per_s": round(chars / raw_s), "articles_per_s": round(n / raw_s, 1)},
            "ours": {"seconds": round(ours_s, 2), "chars_per_s": round(chars / ours_s), "articles_per_s": round(n / ours_s, 1),
                     "ner_seconds": round(ner_s, 2)},
            "overhead_pct": round(100 * (ours_s - raw_s) / raw_s, 1),
        },
    }
    extractor.close()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    t = report["throughput"]
    print(f"NER benchmark: {n} Reuters articles with PEOPLE/PLACES tags, {chars:,} characters, {extractor.recogniser}")
    print(f"{'kind':<8}{'tags':>8}{'found':>8}{'recall':>9}")
    for kind in KINDS:
        r = rec[kind]
        print(f"{kind:<8}{r['tags']:>8}{r['found']:>8}{(r['recall'] or 0):>9.1%}")
    print(f"\n{'':<12}{'seconds':>9}{'chars/s':>10}{'articles/s':>12}")
    for name in ("raw_spacy", "ours"):
        print(f"{name:<12}{t[name]['seconds']:>9.2f}{t[name]['chars_per_s']:>10,}{t[name]['articles_per_s']:>12.1f}")
    print(f"overhead: {t['overhead_pct']:+.1f}%   (ours: {t['ours']['ner_seconds']:.2f}s inside NER)")
    for kind in KINDS:
        print(f"most missed {kind}s: " + ", ".join(f"{k} ({v})" for k, v in rec[kind]["most_missed"]))
    print(f"wrote {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
