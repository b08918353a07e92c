"""What reading one big file costs: wall time and peak RSS of `read_file` on a generated 20 MB
HTML page, a 50 MB .txt file and a 50 MB JSON Lines dump (issue 23.6: memory followed the file,
not the 500,000-character cut: 62 s and 1.75 GB for the page, 1.6 GB for the .txt).

Each file is read in a fresh child process (`python -c`, so one reading's peak is not another's),
which reports its own peak RSS (getrusage) and the RSS after importing the readers, before
reading; the difference is what the file cost. `--repo` reads with another checkout's code (an
older commit, for before/after figures in the same run):

    python bench/reader_memory.py                       # this checkout
    python bench/reader_memory.py --repo /tmp/old-clone --rounds 3
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import REPO, machine, table

PARAGRAPH = ("SEOUL, Feb 26 - North Korean leader Kim Jong Un arrived in Vietnam on Tuesday for a second summit "
             "with U.S. President Donald Trump, officials said, as the two sides sought to narrow their "
             "differences over the North's nuclear weapons programme and sanctions relief.")

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from index.readers import read_file
import index.readers.html, index.readers.seed, index.readers.records  # imports count as the baseline

def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
base = rss_mb()
started = time.perf_counter()
items = list(read_file(Path(sys.argv[2])))
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
articles = [i for i in items if hasattr(i, "body")]
print(json.dumps({"seconds": seconds, "base_mb": base, "peak_mb": peak, "articles": len(articles),
                  "kept_chars": sum(len(a.body) for a in articles),
                  "problems": [str(i) for i in items if not hasattr(i, "body")][:3]}))
"""


def generate(folder: Path) -> dict[str, Path]:
    """The three files: sizes as in the issue's probe."""
    paragraphs = [f"{PARAGRAPH} (paragraph {n})" for n in range(200_000)]
    files = {}
    html = folder / "big.html"
    with html.open("w", encoding="utf-8") as out:
        out.write("<!doctype html><html><head><title>A very long page</title></head><body><article>\n")
        size = 0
        for p in paragraphs:
            line = f"<p>{p}</p>\n"
            out.write(line)
            size += len(line)
            if size >= 20 * 1024 * 1024:
                break
        out.write("</article></body></html>\n")
    files["html 20 MB"] = html
    text = folder / "big.txt"
    with text.open("w", encoding="utf-8") as out:
        out.write("A very long text\n\n")
        size, n = 0, 0
        while size < 50 * 1024 * 1024:
            line = f"{paragraphs[n % len(paragraphs)]}\n\n"
            out.write(line)
            size += len(line)
            n += 1
    files["txt 50 MB"] = text
    jsonl = folder / "big.jsonl"
    with jsonl.open("w", encoding="utf-8") as out:
        size, n = 0, 0
        while size < 50 * 1024 * 1024:
            line = json.dumps({"title": f"Story {n}", "body": " ".join(paragraphs[n % 1000: n % 1000 + 10])}) + "\n"
            out.write(line)
            size += len(line)
            n += 1
    files["jsonl 50 MB"] = jsonl
    return files


def measure(repo: Path, path: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(repo), str(path)], capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=REPO, help="checkout whose readers are measured")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(machine()))
    with tempfile.TemporaryDirectory(prefix="reader-memory-") as tmp:
        files = generate(Path(tmp))
        rows = []
        for name, path in files.items():
            runs = [measure(args.repo, path) for _ in range(args.rounds)]
            last = runs[-1]
            rows.append([name, f"{path.stat().st_size / 2**20:.0f}", statistics.median(r["seconds"] for r in runs),
                         statistics.median(r["peak_mb"] for r in runs),
                         statistics.median(r["peak_mb"] - r["base_mb"] for r in runs),
                         last["articles"], last["kept_chars"], "; ".join(last["problems"])[:90]])
    print(f"readers of {args.repo}, median of {args.rounds}")
    print(table(["file", "MiB", "seconds", "peak RSS MB", "over imports MB", "articles", "chars kept", "problems"],
                rows))


if __name__ == "__main__":
    main()
