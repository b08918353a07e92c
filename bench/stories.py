"""Stories on Reuters-21578 (index/stories.py): detection quality, grouping quality, cost.

    .venv/bin/python bench/stories.py all           # everything below, ~15 min on 2 busy cores
    .venv/bin/python bench/stories.py quality       # LSH vs brute force, groups, labelled pairs
    .venv/bin/python bench/stories.py quality --index-dir DIR   # ... with the names of an index of Reuters
                                                    # (the default pipeline's), and its archive figures
    .venv/bin/python bench/stories.py pairs         # write bench/stories_pairs.txt for labelling
    .venv/bin/python bench/stories.py cost          # indexing docs/s and request latency
    .venv/bin/python bench/stories.py scaling       # grouping time for 2k-20k same-day similar records

- LSH: the candidates the grouping checks (one LSH table over content-word signatures, see
  index/stories.py) against exact Jaccard computed by brute force (sparse matrix products) over
  every pair of articles within the date window: recall of the true near-duplicate pairs (word
  4-shingle Jaccard >= DUP_THRESHOLD) and of the true content-word pairs (>= WORDS_THRESHOLD),
  and precision/recall of the final near-duplicate decision (MinHash estimate >= threshold).
- Groups: duplicate groups and stories, their counts and sizes.
- Labelled pairs: bench/stories_labels.tsv (rule in bench/stories_labelling.md), pairs drawn
  across content-word similarity bands; pairwise precision and recall of "same story".
- Cost: `index_paths(..., entities=False)` with and without grouping, alternated, medians of
  docs/s and of the per-pair ratios (on Whoosh the grouping runs in its own process beside the
  run, index/story_process.py, so the ratio also depends on how busy the two cores are); full
  `Engine.search` requests (snippets, facets) with collapse on and off, alternated per query,
  p50/p95.
- Scaling (issue 23): the grouping alone (`StoryIndex.add`, no index) over N records of one day,
  N = 2k, 4k, 8k, 16k, 20k: "copies" (near-identical re-sends: one story) and "lookalikes"
  (a shared template interleaved with words of their own: LSH candidates of each other, no two
  the same event). Seconds, pairs judged, and each size's time per record over the smallest
  size's (1.0: linear).
"""
from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import SHARED, machine, percentile, require_data, table, write_json  # noqa: E402
from index import stories as st  # noqa: E402
from index.article import Article  # noqa: E402

REUTERS = SHARED / "reuters21578"
BENCH = Path(__file__).resolve().parent
LABELS = BENCH / "stories_labels.tsv"
PAIRS = BENCH / "stories_pairs.txt"
BANDS = [(0.10, 0.20), (0.20, 0.30), (0.30, 0.50), (0.50, 0.70), (0.70, 1.01)]
PER_BAND = 32
QUERIES = ["oil prices", "coffee", "interest rates", "trade deficit japan", "gold", "bank of england",
           "opec", "wheat exports", "dollar yen", "merger", "earnings", "strike", "crude oil",
           "grain", "money market", "shares", "acquisition", "inflation", "sugar", "copper",
           "tax", "budget", "bonds", "steel", "airline", "heating oil", "soybeans", "gulf",
           "brazil debt", "exxon"]


def read_reuters() -> list[Article]:
    """The articles with the entities an index run without NER gives them (the Reuters tags,
    canonicalised, the dateline's place, the collection's statistics): what the grouping sees."""
    from index.entities import EntityExtractor
    from index.readers import ReadOptions, iter_files, read_file

    found = []
    for path, fmt in sorted(iter_files([REUTERS])):
        if fmt == "reuters":
            found.extend(a for a in read_file(path, ReadOptions(), fmt) if isinstance(a, Article))
    folder = Path(tempfile.mkdtemp(prefix="stories-entities-"))
    try:
        extractor = EntityExtractor(cache_path=folder / "ner.sqlite", enabled=False,
                                    corpus_path=folder / "entity-corpus.sqlite")
        for start in range(0, len(found), 256):
            extractor.annotate(found[start:start + 256])
        extractor.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return found


def read_index(index_dir: Path) -> list[Article]:
    """The articles of a Whoosh index built from Reuters-21578 (the default pipeline: entity
    recognition on), with the names that run stored, in NEWID order: what the grouping saw in
    that run, to regroup without indexing again."""
    from datetime import timezone

    from whoosh.index import open_dir

    from index.article import ENTITY_TYPES

    found = []
    with open_dir(str(index_dir)).searcher() as searcher:
        for fields in searcher.all_stored_fields():
            date = fields.get("date")
            entities = {kind: [v for v in fields.get(kind, "").split(",") if v] for kind in ENTITY_TYPES}
            article = Article(title=fields.get("title", ""), body=fields.get("body", ""),
                              date=date.replace(tzinfo=timezone.utc) if date else None,
                              entities={k: v for k, v in entities.items() if v}, source_id=fields["id"])
            found.append(article)
    found.sort(key=lambda a: int(a.id.rsplit(":", 1)[1]) if a.id.rsplit(":", 1)[-1].isdigit() else 0)
    return found


# ---- brute force ------------------------------------------------------------------------------------

def _matrix(sets: list[set[bytes]]):
    from scipy.sparse import csr_matrix

    vocabulary: dict[bytes, int] = {}
    rows, cols = [], []
    for i, items in enumerate(sets):
        for item in items:
            rows.append(i)
            cols.append(vocabulary.setdefault(item, len(vocabulary)))
    data = np.ones(len(rows), dtype=np.float32)
    return csr_matrix((data, (rows, cols)), shape=(len(sets), len(vocabulary)))


def exact_pairs(entries, sets: list[set[bytes]], threshold: float) -> dict[tuple[int, int], float]:
    """Every pair (i < j) within the date window (undated with undated) whose exact Jaccard is
    >= threshold, by sparse products day by day."""
    matrix = _matrix(sets)
    sizes = np.array([len(s) for s in sets], dtype=np.float32)
    by_day: dict[object, list[int]] = {}
    for i, entry in enumerate(entries):
        by_day.setdefault(entry.day, []).append(i)
    found: dict[tuple[int, int], float] = {}
    days = sorted(d for d in by_day if d is not None)
    blocks = [(by_day[d], [j for e in range(d, d + st.WINDOW_DAYS + 1) for j in by_day.get(e, [])]) for d in days]
    if None in by_day:
        blocks.append((by_day[None], by_day[None]))
    for left, right in blocks:
        inter = (matrix[left] @ matrix[right].T).tocoo()
        for a, b, shared in zip(inter.row, inter.col, inter.data):
            i, j = left[a], right[b]
            if i == j:
                continue
            jac = shared / (sizes[i] + sizes[j] - shared)
            if jac >= threshold:
                found[(min(i, j), max(i, j))] = float(jac)
    return found


def lsh_candidates(entries) -> set[tuple[int, int]]:
    """The pairs the grouping checks: each article against the earlier ones, as an index run."""
    from index.minhash import BandIndex

    lsh = BandIndex(st.LSH_BANDS, st.LSH_ROWS)
    pairs = set()
    for i, entry in enumerate(entries):
        keys = lsh.band_keys(entry.words)
        for j in lsh.query(keys):
            other = entries[j]
            in_window = (entry.day is None and other.day is None) or (
                entry.day is not None and other.day is not None and abs(entry.day - other.day) <= st.WINDOW_DAYS)
            if in_window:
                pairs.add((min(i, j), max(i, j)))
        lsh.insert(i, keys)
    return pairs


def pr(predicted: set, truth: set) -> tuple[float, float]:
    hit = len(predicted & truth)
    return (hit / len(predicted) if predicted else 1.0), (hit / len(truth) if truth else 1.0)


# ---- quality ------------------------------------------------------------------------------------------

def group(articles: list[Article]) -> tuple[dict[str, str], dict[str, str], float]:
    folder = Path(tempfile.mkdtemp(prefix="stories-bench-"))
    try:
        index = st.StoryIndex(folder)
        started = time.perf_counter()
        for article in articles:
            index.add(article, article.id, article.content_hash)
        index.save()
        seconds = time.perf_counter() - started
        rows = list(index.store.assignments())
        index.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {a: s for a, s, _ in rows}, {a: d for a, _, d in rows}, seconds


def sizes_line(groups: dict[str, str]) -> dict:
    counts = Counter(groups.values())
    multi = [c for c in counts.values() if c > 1]
    histogram = Counter(min(c, 10) for c in multi)
    return {"groups": len(counts), "with_2_or_more": len(multi), "articles_in_them": sum(multi),
            "largest": max(multi, default=1), "sizes": {("10+" if k == 10 else str(k)): v
                                                         for k, v in sorted(histogram.items())}}


def quality(articles: list[Article]) -> dict:
    entries = [st.make_entry(a, a.id, "") for a in articles]
    words = [st.tokens(f"{a.title}\n{a.body}") for a in articles]
    shingle_sets = [st.shingles(w) for w in words]
    word_sets = [st.content_words(w) for w in words]
    started = time.perf_counter()
    dup_truth = set(exact_pairs(entries, shingle_sets, st.DUP_THRESHOLD))
    word_truth = set(exact_pairs(entries, word_sets, st.WORDS_THRESHOLD))
    brute_s = time.perf_counter() - started
    started = time.perf_counter()
    candidates = lsh_candidates(entries)
    lsh_s = time.perf_counter() - started
    decided = {(i, j) for i, j in candidates if st.near_duplicates(entries[i], entries[j])}
    stories, dups, group_s = group(articles)
    result = {
        "articles": len(articles), "brute_force_s": round(brute_s, 1), "lsh_s": round(lsh_s, 1),
        "candidates": len(candidates), "true_dup_pairs": len(dup_truth), "true_word_pairs": len(word_truth),
        "candidate_recall_dup": round(pr(candidates, dup_truth)[1], 4),
        "candidate_recall_words": round(pr(candidates, word_truth)[1], 4),
        "candidate_precision_words": round(pr(candidates, word_truth)[0], 4),
        "dup_decision_precision": round(pr(decided, dup_truth)[0], 4),
        "dup_decision_recall": round(pr(decided, dup_truth)[1], 4),
        "dup_groups": sizes_line(dups), "stories": sizes_line(stories), "grouping_s": round(group_s, 1),
    }
    labelled = read_labels()
    if labelled:
        result["labelled"] = label_scores(labelled, stories, dups)
        # The thresholds were chosen on the even-numbered pairs; the odd ones are held out.
        result["labelled_tuning_half"] = label_scores(labelled[0::2], stories, dups)
        result["labelled_held_out_half"] = label_scores(labelled[1::2], stories, dups)
        result["labelled_bands"] = band_scores(labelled, stories)
        result["labelled_disagreement"] = label_scores(read_labels("disagreement"), stories, dups)
    return result


# ---- labelled pairs -------------------------------------------------------------------------------------

def draw_pairs(articles: list[Article]) -> list[tuple[int, int, float]]:
    """PER_BAND pairs per content-word Jaccard band, within the window, dated, seeded."""
    entries = [st.make_entry(a, a.id, "") for a in articles]
    word_sets = [st.content_words(st.tokens(f"{a.title}\n{a.body}")) for a in articles]
    pairs = exact_pairs(entries, word_sets, BANDS[0][0])
    rng = random.Random(1987)
    drawn = []
    for low, high in BANDS:
        band = sorted((i, j, jac) for (i, j), jac in pairs.items()
                      if low <= jac < high and entries[i].day is not None)
        drawn.extend(rng.sample(band, min(PER_BAND, len(band))))
    return drawn


def write_pairs(articles: list[Article]) -> None:
    lines = []
    for n, (i, j, jac) in enumerate(draw_pairs(articles)):
        lines.append(f"=== pair {n}  {articles[i].id}  {articles[j].id}  words_jaccard={jac:.2f}")
        for a in (articles[i], articles[j]):
            places = ", ".join(v for vs in a.entities.values() for v in vs)
            lines.append(f"--- {a.date.date() if a.date else 'undated'} | {a.title} | {places}")
            lines.append(" ".join(a.body.split())[:500])
    PAIRS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {PAIRS} ({len(lines) // 5} pairs); label them in {LABELS}")


DRAWN_NOTE = "default-pipeline draw"  # bench/stories_labelling.md: pairs drawn where two groupings disagree


def read_labels(which: str = "random") -> list[tuple[str, str, int, float]]:
    """The labelled pairs: "random" (the 160 drawn per content-word band, whatever any grouping
    does), "disagreement" (drawn where rule 3 and rule 4 disagree, noted DRAWN_NOTE) or "all"."""
    if not LABELS.exists():
        return []
    found = []
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        a, b, label, jac, *rest = line.split("\t")
        drawn = bool(rest) and rest[0].startswith(DRAWN_NOTE)
        if which == "all" or drawn == (which == "disagreement"):
            found.append((a, b, int(label), float(jac)))
    return found


def label_scores(labelled, stories: dict[str, str], dups: dict[str, str]) -> dict:
    truth = {(a, b) for a, b, label, _ in labelled if label}
    together = {(a, b) for a, b, _, _ in labelled if stories.get(a) is not None and stories.get(a) == stories.get(b)}
    precision, recall = pr(together, truth)
    return {"pairs": len(labelled), "same_event": len(truth), "grouped": len(together),
            "precision": round(precision, 3), "recall": round(recall, 3),
            "f1": round(2 * precision * recall / (precision + recall), 3) if precision + recall else 0.0}


def band_scores(labelled, stories: dict[str, str]) -> list[dict]:
    rows = []
    for low, high in BANDS:
        inside = [(a, b, label) for a, b, label, jac in labelled if low <= jac < high]
        rows.append({"band": f"{low:.2f}-{min(high, 1.0):.2f}", "pairs": len(inside),
                     "same_event": sum(label for _, _, label in inside),
                     "grouped": sum(1 for a, b, _ in inside if stories.get(a) == stories.get(b)),
                     "grouped_and_same": sum(1 for a, b, label in inside if label and stories.get(a) == stories.get(b))})
    return rows


# ---- cost -----------------------------------------------------------------------------------------------

def cost(repeats: int, files: int) -> dict:
    """Index runs alternate (with, without; then without, with) so that the load of a busy
    machine falls on both alike; each pair gives a ratio, and the median of those is reported."""
    from newsearch.indexing import index_paths
    from search import Engine

    rates: dict[str, list[float]] = {"without": [], "with": []}
    inputs = sorted(REUTERS.glob("reut2-*.sgm*"))[:files]
    root = Path(tempfile.mkdtemp(prefix="stories-cost-"))
    try:
        for n in range(repeats):
            for mode in (("without", "with") if n % 2 == 0 else ("with", "without")):
                folder = root / f"{mode}-{n}"
                summary = index_paths(inputs, folder, entities=False, show_progress=False,
                                      stories=mode == "with")
                rates[mode].append(summary.docs_per_second)
                print(f"  index {mode} grouping: {summary.docs_per_second:,.0f} docs/s", flush=True)
                shutil.rmtree(folder, ignore_errors=True)
        # Requests on the whole of Reuters-21578, grouped.
        index_paths([REUTERS], root / "full", entities=False, show_progress=False)
        engine = Engine(root / "full")
        for query in QUERIES:  # warm: the tables of the generation, the story table, postings
            engine.search(query, collapse=True)
            engine.search(query)
        times: dict[str, list[float]] = {"off": [], "on": []}
        for rep in range(5):
            for k, query in enumerate(QUERIES):
                order = ("off", "on") if (k + rep) % 2 == 0 else ("on", "off")
                for mode in order:
                    started = time.perf_counter()
                    engine.search(query, collapse=mode == "on")
                    times[mode].append((time.perf_counter() - started) * 1000)
        engine.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    index_ratio = statistics.median(rates["with"]) / statistics.median(rates["without"])
    pair_ratios = [w / wo for w, wo in zip(rates["with"], rates["without"])]
    p = {mode: (percentile(v, 50), percentile(v, 95)) for mode, v in times.items()}
    return {"docs_per_s_without": [round(r) for r in rates["without"]],
            "docs_per_s_with": [round(r) for r in rates["with"]],
            "index_rate_ratio": round(index_ratio, 3), "index_files": len(inputs),
            "index_pair_ratios": [round(r, 3) for r in pair_ratios],
            "index_pair_ratio_median": round(statistics.median(pair_ratios), 3),
            "search_ms": {mode: {"p50": round(a, 1), "p95": round(b, 1)} for mode, (a, b) in p.items()},
            "search_p50_ratio": round(p["on"][0] / p["off"][0], 3), "search_p95_ratio": round(p["on"][1] / p["off"][1], 3),
            "requests_each": len(times["on"])}


# ---- scaling ----------------------------------------------------------------------------------------

SCALING_SIZES = (2000, 4000, 8000, 16000, 20000)
_FLOOD_WORDS = [a + b + c for a in ("tar", "mol", "vek", "dun", "pra", "sil", "gor", "ham", "lin", "zet")
                for b in ("ab", "ic", "on", "ur", "es", "ix", "al", "em") for c in ("d", "k", "m", "n", "p", "s", "t")]


def flood(n: int, kind: str, seed: int = 23) -> list[tuple[str, Article]]:
    """`n` records of one day (2 March 2020, no time), ids in random order: "copies" of one
    150-word text with a word in 100 changed (shingle Jaccard ~0.85), or "lookalikes": a 80-word
    template interleaved, two words at a time, with 40 words of their own (content-word Jaccard
    ~0.45, no shared shingles or names)."""
    from datetime import datetime, timezone

    rng = random.Random(seed)
    date = datetime(2020, 3, 2, tzinfo=timezone.utc)
    base = [rng.choice(_FLOOD_WORDS) for _ in range(150 if kind == "copies" else 80)]
    found = []
    for _ in range(n):
        if kind == "copies":
            words = [rng.choice(_FLOOD_WORDS) if rng.random() < 0.01 else w for w in base]
        elif kind == "lookalikes":
            own = [rng.choice(_FLOOD_WORDS) + str(rng.randrange(100)) for _ in range(40)]
            words = [w for i in range(0, 80, 4) for w in (*base[i:i + 4][:2], *own[i // 2:i // 2 + 2], *base[i + 2:i + 4])]
        else:
            raise ValueError(f"unknown flood kind {kind!r}")
        found.append((f"flood-{rng.getrandbits(64):016x}", Article(title="Record", body=" ".join(words), date=date)))
    return found


def scaling(sizes: tuple[int, ...] = SCALING_SIZES) -> dict:
    out: dict = {}
    for kind in ("copies", "lookalikes"):
        rows = []
        for n in sizes:
            records = flood(n, kind)
            folder = Path(tempfile.mkdtemp(prefix="stories-scaling-"))
            try:
                index = st.StoryIndex(folder)
                started = time.perf_counter()
                for article_id, article in records:
                    index.add(article, article_id, article.content_hash)
                index.save()
                seconds = time.perf_counter() - started
                stories = len({s for _, s, _ in index.store.assignments()})
                rows.append({"records": n, "seconds": round(seconds, 2), "pairs_judged": index.comparisons,
                             "stories": stories})
                index.close()
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            first = rows[0]
            rows[-1]["per_record_vs_smallest"] = round((seconds / n) / (first["seconds"] / first["records"]), 2)
            print(f"  {kind:10s} {n:6d} records: {seconds:6.1f} s, {index.comparisons:,} pairs judged, "
                  f"{stories:,} stories, per record x{rows[-1]['per_record_vs_smallest']}", flush=True)
        out[kind] = rows
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("part", choices=["all", "quality", "pairs", "cost", "scaling"])
    parser.add_argument("--repeats", type=int, default=6, help="index runs per mode (cost)")
    parser.add_argument("--files", type=int, default=6, help="Reuters files indexed per run (cost; 22 is all)")
    parser.add_argument("--index-dir", type=Path, help="quality: the articles and names of this index of "
                        "Reuters-21578 (e.g. built with the default pipeline) instead of a run without NER")
    args = parser.parse_args()
    require_data(REUTERS, "Reuters-21578")
    out: dict = {"machine": machine(), "settings": st.SETTINGS}
    if args.part == "pairs":
        write_pairs(read_reuters())
        return
    if args.part in ("all", "quality"):
        articles = read_index(args.index_dir) if args.index_dir else read_reuters()
        out["quality"] = quality(articles)
        if args.index_dir:
            from bench.stories_archive import figures_from_assignments

            out["quality"]["archive"] = figures_from_assignments(group(articles)[0])
        q = out["quality"]
        print(table(["measure", "value"], [[k, v] for k, v in q.items() if not isinstance(v, (dict, list))]))
        print("dup groups:", q["dup_groups"], "\nstories:", q["stories"])
        if "labelled" in q:
            print("labelled:", q["labelled"])
            print("tuning half:", q["labelled_tuning_half"], "\nheld-out half:", q["labelled_held_out_half"])
            print(table(list(q["labelled_bands"][0]), [list(r.values()) for r in q["labelled_bands"]]))
            print("pairs drawn where rules 3 and 4 disagree:", q["labelled_disagreement"])
    if args.part in ("all", "scaling"):
        out["scaling"] = scaling()
    if args.part in ("all", "cost"):
        out["cost"] = cost(args.repeats, args.files)
        print(out["cost"])
    print("wrote", write_json("stories.json" if args.part == "all" else f"stories-{args.part}.json", out))


if __name__ == "__main__":
    main()
