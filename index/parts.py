"""Disjoint parts of a collection, for indexing it with several processes or machines at once.

`newsearch index DIR --part 2/4` indexes the second of four parts. A file's part depends only
on its name relative to the folder given (a stable hash), so every machine, wherever the
collection is mounted and whatever else it holds, agrees on which files are whose.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

_PART = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def parse_part(text: str) -> tuple[int, int]:
    """"2/4" -> (2, 4); raises ValueError saying what is wrong."""
    match = _PART.match(text)
    if not match:
        raise ValueError(f"--part takes K/N, e.g. 2/4, not {text!r}")
    k, n = int(match.group(1)), int(match.group(2))
    if not 1 <= k <= n:
        raise ValueError(f"--part {text}: K must be between 1 and N")
    return k, n


def in_part(name: Path | str, part: tuple[int, int]) -> bool:
    """Whether the file named `name` (relative to its folder) belongs to part `part` = (k, n)."""
    k, n = part
    digest = hashlib.sha1(Path(name).as_posix().encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % n == k - 1


__all__ = ["parse_part", "in_part"]
