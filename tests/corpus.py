"""Test articles written by the tests themselves: JSON Lines files with full control over ids,
dates, text and entities, and a deterministic generated corpus for the larger indexing tests.

Every article has a `url`, so its id is that URL (`Article.id`): tests can name documents.
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

_VOCABULARY = (
    "market shares bank rates oil prices trade deficit minister talks election parliament "
    "coffee harvest export grain wheat steel output strike union court ruling reform budget "
    "currency dollar yen inflation growth forecast quarter profit loss merger takeover bid "
    "pipeline refinery tanker port airline factory mine copper gold silver council treaty "
    "summit envoy border railway bridge flood drought storm festival museum library stadium"
).split()


def record(key: str, title: str = "", text: str = "", date: str | None = None, **fields) -> dict:
    """One JSON record; `key` makes the URL (and so the article id) `https://example.test/<key>`."""
    data = {"url": url(key), "title": title, "text": text}
    if date is not None:
        data["date"] = date
    data.update(fields)
    return data


def url(key: str) -> str:
    return f"https://example.test/{key}"


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for item in records:
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    return path


def bump_mtime(path: Path, seconds: int = 10) -> None:
    """Move a file's mtime forward, so a rewrite is seen as a new version even on coarse clocks."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + seconds * 1_000_000_000))


def generate_corpus(folder: Path, files: int, per_file: int, seed: int = 7) -> int:
    """`files` JSONL files of `per_file` distinct articles each; returns the number of articles."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for f in range(files):
        records = []
        for n in range(per_file):
            words = rng.choices(_VOCABULARY, k=120)
            body = "\n\n".join(" ".join(words[i:i + 40]).capitalize() + "." for i in range(0, 120, 40))
            records.append(record(f"gen/{f:03d}/{n:04d}", title=" ".join(words[:6]).title(), text=body,
                                  date=f"20{10 + f % 10:02d}-{1 + n % 12:02d}-{1 + n % 28:02d}"))
        write_jsonl(folder / f"part-{f:03d}.jsonl", records)
    return files * per_file


# A run of index_paths in a child process, printing markers a test can wait for: "START" just
# before indexing begins, "COMMIT <files done>" as each commit begins, "DONE <json>" at the end.
# Only COMMIT_EVERY_DOCS is changed (commits every ~2 files of 300); the commit wrapper only prints.
_CHILD = textwrap.dedent("""
    import json, sys
    import newsearch.indexing as indexer
    indexer.COMMIT_EVERY_DOCS = int(sys.argv[3])
    original_commit = indexer._Run.commit
    def commit(self):
        if self.writer.writer is not None:  # the Whoosh writer: something to commit
            print("COMMIT", self.files_done, flush=True)
        original_commit(self)
    indexer._Run.commit = commit
    print("START", flush=True)
    summary = indexer.index_paths([sys.argv[1]], sys.argv[2], entities=False, show_progress=False)
    print("DONE", json.dumps({k: v for k, v in summary.to_dict().items() if k != "problems"}), flush=True)
""")


def start_index_child(corpus: Path, index_dir: Path, commit_every: int = 500) -> subprocess.Popen:
    """Start indexing `corpus` in a child process, in its own session (so its whole process group,
    Whoosh's writer sub-processes included, can be killed at once)."""
    return subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(corpus), str(index_dir), str(commit_every)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
