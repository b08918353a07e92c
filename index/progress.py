"""Progress of an index run: a bar on a terminal, plain lines in a log (CI, cron, pipes)."""
from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Reports files and articles done; throttled so printing never costs indexing time."""

    BAR_WIDTH = 28

    def __init__(self, total_files: int, stream: TextIO | None = None, enabled: bool = True,
                 line_interval: float = 5.0) -> None:
        self.total_files = max(total_files, 0)
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.is_tty = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.line_interval = line_interval
        self.started = time.monotonic()
        self._last_print = 0.0
        self.files_done = 0
        self.articles = 0

    def update(self, files_done: int, articles: int, current: str = "") -> None:
        self.files_done, self.articles = files_done, articles
        now = time.monotonic()
        interval = 0.1 if self.is_tty else self.line_interval
        if self.enabled and now - self._last_print >= interval and files_done < self.total_files:
            self._last_print = now
            self._print(current)

    def _print(self, current: str) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = self.articles / elapsed
        total = self.total_files or 1
        if self.is_tty:
            filled = int(self.BAR_WIDTH * self.files_done / total)
            bar = "#" * filled + "." * (self.BAR_WIDTH - filled)
            name = current[-30:]
            self.stream.write(f"\r[{bar}] {self.files_done}/{self.total_files} files  "
                              f"{self.articles:,} articles  {rate:,.0f} docs/s  {name:<30}")
        else:
            self.stream.write(f"progress: {self.files_done}/{self.total_files} files, "
                              f"{self.articles:,} articles, {rate:,.0f} docs/s\n")
        self.stream.flush()

    def close(self) -> None:
        """The final state, once (a log gets one last line, a terminal its finished bar)."""
        if self.enabled:
            self._print("")
            if self.is_tty:
                self.stream.write("\n")
                self.stream.flush()
