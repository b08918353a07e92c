"""Main-text extraction quality on the Zyte/Scrapinghub article extraction benchmark (181 pages).

Scored as the benchmark's own evaluate.py does (see the data set's SOURCE.md): `\\w+` tokens,
4-token shingles counted as a multiset, per-page precision and recall averaged over pages (each
page weighs the same), F1 = harmonic mean of the two averages. Compares our HTML reader with
the BeautifulSoup "join every <p>" baseline, and the reader's own BeautifulSoup fallback alone.

Usage: .venv/bin/python bench/extraction.py [DATA_DIR]   (writes bench/results/extraction.json)
"""
from __future__ import annotations

import gzip
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bs4 import BeautifulSoup

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from index.article import Article  # noqa: E402
from index.readers import read_file  # noqa: E402
from index.readers.html import fallback_text  # noqa: E402

DEFAULT_DATA = Path(os.environ.get("NEWSEARCH_SHARED_DATA", REPO.parent / "shared" / "data")) \
    / "article_extraction_benchmark"
RESULTS = REPO / "bench" / "results" / "extraction.json"


def shingles(text: str, size: int = 4) -> Counter:
    """Multiset of `size`-token shingles; a text shorter than that is one shingle of itself."""
    tokens = re.findall(r"\w+", text, re.UNICODE)
    if len(tokens) < size:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i:i + size]) for i in range(len(tokens) - size + 1))


def page_scores(predicted: str, gold: str) -> tuple[float, float]:
    """(precision, recall) of one page; an empty prediction has precision 0, as in the benchmark."""
    pred, true = shingles(predicted), shingles(gold)
    tp = sum((pred & true).values())
    precision = tp / sum(pred.values()) if pred else 0.0
    recall = tp / sum(true.values()) if true else 0.0
    return precision, recall


def ours(path: Path) -> str:
    return next((x.body for x in read_file(path, fmt="html") if isinstance(x, Article)), "")


def baseline(path: Path) -> str:
    """The naive scraper: text of every <p> on the page, joined (link text included)."""
    soup = BeautifulSoup(gzip.open(path).read().decode("utf-8"), "lxml")
    return "\n\n".join(p.get_text() for p in soup.find_all("p"))


def fallback_only(path: Path) -> str:
    return fallback_text(gzip.open(path).read().decode("utf-8"))


def evaluate(data_dir: Path, extract: Callable[[Path], str]) -> dict:
    gold = json.load(gzip.open(data_dir / "ground-truth.json.gz"))
    started = time.perf_counter()
    precisions, recalls = [], []
    for page_id in sorted(gold):
        p, r = page_scores(extract(data_dir / "html" / f"{page_id}.html.gz"), gold[page_id]["articleBody"])
        precisions.append(p)
        recalls.append(r)
    precision, recall = sum(precisions) / len(precisions), sum(recalls) / len(recalls)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"pages": len(precisions), "precision": round(precision, 4), "recall": round(recall, 4),
            "f1": round(f1, 4), "seconds": round(time.perf_counter() - started, 1)}


def main(argv: list[str]) -> int:
    data_dir = Path(argv[1]) if len(argv) > 1 else DEFAULT_DATA
    if not (data_dir / "ground-truth.json.gz").exists():
        print(f"benchmark data not found at {data_dir}", file=sys.stderr)
        return 1
    results = {"method": "4-token shingles, multiset overlap, per-page averaged P/R, F1 of the averages",
               "systems": {}}
    for name, extract in (("newsearch html reader (trafilatura + fallback)", ours),
                          ("baseline: BeautifulSoup join of all <p>", baseline),
                          ("newsearch BeautifulSoup fallback alone", fallback_only)):
        scores = evaluate(data_dir, extract)
        results["systems"][name] = scores
        print(f"{name:50s} P={scores['precision']:.3f} R={scores['recall']:.3f} F1={scores['f1']:.3f}"
              f"  ({scores['pages']} pages, {scores['seconds']} s)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
