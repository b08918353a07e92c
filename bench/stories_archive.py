"""Stories over a whole Reuters-21578 index: how big they get, and whether their articles agree.

    .venv/bin/python bench/stories_archive.py INDEX_DIR [--reuters DIR] [--json]

INDEX_DIR is an index built from Reuters-21578 (any pipeline; issue 19 judges the default one,
entity recognition on). The figures, from the index's `stories.sqlite` and the collection's own
TOPICS codes (read from the SGML by NEWID; the index does not keep them):

- sizes: the largest stories, how many have 10 or more articles and how many articles they hold;
- topic agreement per story-size class (2-5, 6-20, more): of all pairs of articles inside the
  stories of that class, where both articles carry at least one TOPICS code, the share that
  share a code (pooled: a story of n articles gives n(n-1)/2 pairs); and the same share for
  random pairs of articles with codes (seeded), the baseline a grouping must beat.

`story_figures(index_dir)` is the stable entry point (bench/archive_quality.py imports it);
`figures_from_assignments` computes the same from an article id -> story id mapping, so a
scratch harness can score a grouping without writing an index.
"""
from __future__ import annotations

import argparse
import gzip
import html
import json
import random
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Mapping
from functools import lru_cache
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import SHARED, require_data, table  # noqa: E402
from index.story_store import read_assignments  # noqa: E402

REUTERS = SHARED / "reuters21578"
ID_PREFIX = "reuters-21578:"   # the article ids index/readers/reuters.py gives (its source_id)
SIZE_CLASSES = ((2, 5), (6, 20), (21, None))
RANDOM_PAIRS = 200_000
LARGEST = 10
_BLOCK = re.compile(r"<REUTERS\b[^>]*\bNEWID=\"(\d+)\"[^>]*>(.*?)</REUTERS>", re.S)
_TOPICS = re.compile(r"<TOPICS>(.*?)</TOPICS>", re.S)
_TITLE = re.compile(r"<TITLE>(.*?)</TITLE>", re.S)
_DATE = re.compile(r"<DATE>(.*?)</DATE>", re.S)
_BODY = re.compile(r"<BODY>(.*?)</BODY>|<TEXT[^>]*>(.*?)</TEXT>", re.S)
_D = re.compile(r"<D>(.*?)</D>", re.S)


@lru_cache(maxsize=4)
def reuters_meta(reuters_dir: Path = REUTERS) -> dict[str, tuple[frozenset[str], str, str]]:
    """Article id -> (TOPICS codes, title, raw date) for every document of the collection."""
    found: dict[str, tuple[frozenset[str], str, str]] = {}
    for path in sorted(Path(reuters_dir).glob("reut2-*.sgm*")):
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        text = raw.decode("latin-1")
        for newid, block in _BLOCK.findall(text):
            topics = _TOPICS.search(block)
            codes = frozenset(c.strip() for c in _D.findall(topics.group(1))) if topics else frozenset()
            title = _TITLE.search(block)
            if title:
                title = " ".join(title.group(1).split())
            else:  # a bulletin without a headline: its first words
                body = _BODY.search(block)
                title = "(untitled) " + " ".join(re.sub(r"<[^>]+>", " ", (body.group(1) or body.group(2)) if body else "")
                                                 .split()[:10])
            date = _DATE.search(block)
            found[ID_PREFIX + newid] = (codes, html.unescape(title), date.group(1).strip() if date else "")
    return found


def size_class(size: int) -> str:
    for low, high in SIZE_CLASSES:
        if size >= low and (high is None or size <= high):
            return f"{low}-{high}" if high is not None else f"{low}+"
    return "1"


def _agreement(pairs_shared: int, pairs: int) -> float | None:
    return round(pairs_shared / pairs, 4) if pairs else None


def figures_from_assignments(assignments: Mapping[str, str], reuters_dir: Path = REUTERS,
                             seed: int = 1987) -> dict:
    """The figures (see the module doc) for article id -> story id; ids not in Reuters are left out."""
    meta = reuters_meta(Path(reuters_dir))
    members: dict[str, list[str]] = defaultdict(list)
    for article_id, story in assignments.items():
        if article_id in meta:
            members[story].append(article_id)
    sizes = Counter({story: len(ids) for story, ids in members.items()})
    classes: dict[str, dict[str, int]] = {size_class(low): {"stories": 0, "articles": 0, "pairs": 0, "shared": 0}
                                          for low, _ in SIZE_CLASSES}
    for ids in members.values():
        if len(ids) < 2:
            continue
        row = classes[size_class(len(ids))]
        row["stories"] += 1
        row["articles"] += len(ids)
        coded = [meta[i][0] for i in ids if meta[i][0]]
        for a, b in combinations(coded, 2):
            row["pairs"] += 1
            row["shared"] += bool(a & b)
    for row in classes.values():
        row["agreement"] = _agreement(row["shared"], row["pairs"])
    coded_ids = sorted(i for i in members_ids(members) if meta[i][0])
    rng = random.Random(seed)
    shared = total = 0
    for _ in range(RANDOM_PAIRS if len(coded_ids) > 1 else 0):
        a, b = rng.sample(coded_ids, 2)
        total += 1
        shared += bool(meta[a][0] & meta[b][0])
    largest = []
    for story, size in sizes.most_common(LARGEST):
        first = min(members[story], key=lambda i: int(i.split(":")[1]))
        largest.append({"story": story, "size": size, "title": meta[first][1]})
    big = [s for s in sizes.values() if s >= 10]
    return {"articles": sum(sizes.values()), "stories": len(sizes),
            "stories_2_or_more": sum(1 for s in sizes.values() if s > 1),
            "largest_sizes": [s for _, s in sizes.most_common(LARGEST)],
            "stories_10_or_more": len(big), "articles_in_stories_10_or_more": sum(big),
            "classes": classes, "random_pair_agreement": _agreement(shared, total), "random_pairs": total,
            "largest": largest}


def members_ids(members: Mapping[str, list[str]]) -> list[str]:
    return [i for ids in members.values() for i in ids]


def story_figures(index_dir: Path, reuters_dir: Path = REUTERS) -> dict:
    """The figures for an index built from Reuters-21578 (its `stories.sqlite`)."""
    assignments = read_assignments(Path(index_dir))
    if not assignments:
        raise ValueError(f"{index_dir}: no stories (no stories.sqlite, or an index built without grouping)")
    return figures_from_assignments(assignments, Path(reuters_dir))


def report(figures: dict) -> str:
    lines = [f"{figures['articles']:,} articles in {figures['stories']:,} stories "
             f"({figures['stories_2_or_more']:,} of 2 or more); largest: {figures['largest_sizes']}",
             f"stories of 10 or more: {figures['stories_10_or_more']} holding "
             f"{figures['articles_in_stories_10_or_more']:,} articles",
             table(["class", "stories", "articles", "coded pairs", "share a TOPICS code"],
                   [[name, row["stories"], row["articles"], row["pairs"],
                     "-" if row["agreement"] is None else f"{row['agreement']:.1%}"]
                    for name, row in figures["classes"].items()]),
             f"random pairs: {figures['random_pair_agreement']:.1%} share a code ({figures['random_pairs']:,} pairs)",
             "largest stories (first article's title):"]
    lines += [f"  {row['size']:4d}  {row['title']}" for row in figures["largest"]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("--reuters", type=Path, default=REUTERS, help="the Reuters-21578 folder (SGML files)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    require_data(args.reuters, "Reuters-21578")
    figures = story_figures(args.index_dir, args.reuters)
    print(json.dumps(figures, indent=1) if args.json else report(figures))


if __name__ == "__main__":
    main()
