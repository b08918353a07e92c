"""What a user sees on a whole archive (issue 19): the top-50 facet values and the stories of
Reuters-21578 indexed with the default pipeline (entity recognition on).

    .venv/bin/python bench/archive_quality.py INDEX_DIR [--build] [--ner-cache FILE] [--top 50] [--json]

INDEX_DIR is an index of Reuters-21578; `--build` first makes it with the default pipeline
(`newsearch index reuters21578 --index-dir INDEX_DIR`), optionally seeded with an earlier
run's NER cache (`--ner-cache .../entities-cache.sqlite`: the cache is keyed by text, so only
the recogniser's work is skipped; every rule after it runs).

Figures:
- per facet (person, org, place): the top N values (`newsearch entities --type K --top N`), each
  judged by the rule in bench/archive_quality_labelling.md against the committed judgements in
  bench/archive_quality_judged.tsv (`kind<TAB>value<TAB>y|n<TAB>same as<TAB>note`): precision
  over the judged values, the values not judged yet (to judge by the same rule and add), and
  the duplicate pairs (two values of one top N naming one entity: a judged row's "same as"
  column names the other value);
- stories: bench/stories_archive.py's figures for the same index (sizes, TOPICS agreement per
  story-size class).
Writes bench/results/archive_quality.json.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, SHARED, machine, require_data, write_json  # noqa: E402

KINDS = ("person", "org", "place")
JUDGED = REPO / "bench" / "archive_quality_judged.tsv"
REUTERS = SHARED / "reuters21578"
NEWSEARCH = [sys.executable, "-m", "newsearch"]


def load_judged(path: Path = JUDGED) -> dict[tuple[str, str], tuple[bool, str]]:
    """(kind, value) -> (is a real entity of that kind, the value it duplicates or "")."""
    judged: dict[tuple[str, str], tuple[bool, str]] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t") + ["", ""]
        kind, value, label, same = parts[0], parts[1], parts[2], parts[3]
        if kind not in KINDS or label not in ("y", "n"):
            raise ValueError(f"{path}:{lineno}: want kind<TAB>value<TAB>y|n<TAB>same as<TAB>note, got {line!r}")
        judged[(kind, value)] = (label == "y", same.strip())
    return judged


def top_values(index_dir: Path, kind: str, top: int) -> list[tuple[str, int]]:
    """The facet's top values as `newsearch entities` gives them to a user."""
    out = subprocess.run(NEWSEARCH + ["entities", "--index-dir", str(index_dir), "--type", kind,
                                      "--top", str(top), "--json"],
                         check=True, capture_output=True, text=True, cwd=REPO).stdout
    return [(row["value"], row["count"]) for row in json.loads(out)[kind]]


def facet_figures(values: list[tuple[str, int]], kind: str, judged: dict) -> dict:
    """Precision over the judged values, the unjudged ones, and the duplicate pairs."""
    names = [v for v, _ in values]
    labels = {v: judged[(kind, v)] for v in names if (kind, v) in judged}
    good = [v for v in names if v in labels and labels[v][0]]
    bad = [v for v in names if v in labels and not labels[v][0]]
    pairs = sorted({tuple(sorted((v, labels[v][1]))) for v in names
                    if v in labels and labels[v][1] and labels[v][1] in names})
    return {"values": len(names), "judged": len(labels), "real": len(good),
            "precision": round(len(good) / len(labels), 3) if labels else None,
            "not_real": bad, "unjudged": [v for v in names if v not in labels],
            "duplicate_pairs": [list(p) for p in pairs], "top": values}


def build(index_dir: Path, ner_cache: Path | None) -> None:
    index_dir.mkdir(parents=True, exist_ok=True)
    if ner_cache is not None:
        shutil.copy(ner_cache, index_dir / "entities-cache.sqlite")
    subprocess.run(NEWSEARCH + ["index", str(REUTERS), "--index-dir", str(index_dir)], check=True, cwd=REPO,
                   stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("--build", action="store_true", help="index Reuters-21578 into INDEX_DIR first")
    parser.add_argument("--ner-cache", type=Path, help="an earlier run's entities-cache.sqlite (with --build)")
    parser.add_argument("--top", type=int, default=50)
    parser.add_argument("--no-stories", action="store_true", help="facets only")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    require_data(REUTERS, "Reuters-21578")
    if args.build:
        build(args.index_dir, args.ner_cache)
    judged = load_judged()
    report: dict = {"date": date.today().isoformat(), "machine": machine(), "index_dir": str(args.index_dir),
                    "top": args.top, "facets": {}}
    for kind in KINDS:
        report["facets"][kind] = facet_figures(top_values(args.index_dir, kind, args.top), kind, judged)
    if not args.no_stories:
        from bench import stories_archive  # issue 19's stories half

        report["stories"] = stories_archive.story_figures(args.index_dir)
    write_json("archive_quality.json", report)
    if args.json:
        print(json.dumps(report, indent=1))
        return
    for kind, f in report["facets"].items():
        p = "-" if f["precision"] is None else f"{f['precision']:.0%}"
        print(f"{kind}: top {f['values']}: {f['real']}/{f['judged']} judged values real ({p}); "
              f"not real: {', '.join(f['not_real']) or '-'}; duplicate pairs: "
              f"{'; '.join(' / '.join(p) for p in f['duplicate_pairs']) or 'none'}")
        if f["unjudged"]:
            print(f"  not judged yet ({len(f['unjudged'])}): {', '.join(f['unjudged'])}")
    if "stories" in report:
        from bench import stories_archive

        print(stories_archive.report(report["stories"]))


if __name__ == "__main__":
    main()
