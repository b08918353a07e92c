"""The README's pictures of the web app (docs/screenshots/*.png), taken by `make screenshots`.

Indexes the seeds and, when the shared Reuters-21578 copy is beside the repository (or at
$NEWSEARCH_SHARED_DATA), its first four files, serves the index on a free port and photographs
the pages at 1280x900 (a desktop) and 390x844 (a phone) with headless Chromium through
Playwright (`make install-test` installs it; Debian's `chromium` is the browser). Screenshots are
of the viewport, not the whole page, so they stay small and show what a person sees first; when
`pngquant` is installed (apt-get install pngquant) they are quantised to a third of their size
with no visible change.

    .venv/bin/python docs/make_screenshots.py [--out docs/screenshots] [--chromium /usr/bin/chromium]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from newsearch.indexing import index_paths  # noqa: E402
from web.serve import make_server, server_url  # noqa: E402

SHARED = Path(os.environ.get("NEWSEARCH_SHARED_DATA", REPO.parent / "shared" / "data")) / "reuters21578"
REUTERS_FILES = [f"reut2-{n:03d}.sgm.gz" for n in range(4)]
DESKTOP, PHONE = (1280, 900), (390, 844)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


def build_index(folder: Path) -> bool:
    """The seeds (with entity recognition) and, if present, four Reuters files; True with Reuters."""
    index_paths([REPO / "seeds"], folder, entities=True, show_progress=False)
    reuters = [SHARED / name for name in REUTERS_FILES if (SHARED / name).exists()]
    if reuters:
        index_paths(reuters, folder, entities=False, show_progress=False)
    return bool(reuters)


def _json(base: str, path: str) -> dict:
    with urllib.request.urlopen(base + path, timeout=30) as response:
        return json.loads(response.read())


def shots(base: str, with_reuters: bool) -> list[tuple[str, tuple[int, int], str, str | None]]:
    """(file name, viewport, path, what to click first) for each picture."""
    query = "oil prices" if with_reuters else "Kim Hanoi"
    q = query.replace(" ", "+")
    stories = _json(base, f"/api/stories?q={q}&top=1")["stories"] or _json(base, "/api/stories?top=1")["stories"]
    article = _json(base, f"/api/search?q={q}")["hits"][0]["id"]
    trends = "/trends?q=oil&q=wheat&q=coffee" if with_reuters else "/trends?q=Kim&q=Trump"
    story = f"/story/{stories[0]['id']}?q={q}" if stories else "/"
    return [
        ("results.png", DESKTOP, f"/?q={q}&collapse=1", None),
        ("story.png", DESKTOP, story, None),
        ("article.png", DESKTOP, f"/article/{urllib.request.quote(article, safe='')}?q={q}", None),
        ("trends.png", DESKTOP, trends, None),
        ("tips.png", DESKTOP, "/tips", None),
        ("phone-results.png", PHONE, f"/?q={q}", None),
        ("phone-filters.png", PHONE, f"/?q={q}", ".filters-button"),
        ("phone-story.png", PHONE, story, None),
    ]


def shrink(png: Path) -> None:
    """Quantise the picture in place with pngquant, when it is installed (else leave it)."""
    if shutil.which("pngquant"):
        subprocess.run(["pngquant", "--quality", "70-95", "--speed", "1", "--force", "--skip-if-larger",
                        "--output", str(png), str(png)], check=False)


def take(base: str, out: Path, with_reuters: bool, chromium: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            for name, (width, height), path, click in shots(base, with_reuters):
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                page.goto(base + path, wait_until="networkidle")
                if click:
                    page.locator(click).click()
                page.screenshot(path=str(out / name), full_page=False)
                context.close()
                shrink(out / name)
                written.append(out / name)
        finally:
            browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args(argv)
    if not Path(args.chromium).exists():
        print(f"make_screenshots: no Chromium at {args.chromium} (apt-get install chromium)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="newsearch-shots-") as scratch:
        with_reuters = build_index(Path(scratch) / "index")
        if not with_reuters:
            print(f"make_screenshots: {SHARED} not found: the pictures show the seeds only", file=sys.stderr)
        server = make_server(Path(scratch) / "index", port=0, threads=4)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            for path in take(server_url(server), args.out, with_reuters, args.chromium):
                print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}  {path.stat().st_size // 1024} KB")
        finally:
            server.close()
            thread.join(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
