"""Fixtures shared by the whole suite.

Shared data (Reuters-21578, the extraction benchmark, Cranfield) lives beside the repository in
`../shared/data`; a user's machine won't have it, so tests that need it skip with the reason.
`NEWSEARCH_SHARED_DATA` points elsewhere if needed.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
SHARED_DATA = Path(os.environ.get("NEWSEARCH_SHARED_DATA", REPO.parent / "shared" / "data"))


def shared_path(name: str) -> Path:
    """Path of a shared data set, or skip the calling test with a clear reason."""
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"shared data set {name!r} not found at {path} (set NEWSEARCH_SHARED_DATA)")
    return path


@pytest.fixture
def reuters_dir() -> Path:
    return shared_path("reuters21578")


@pytest.fixture
def extraction_benchmark_dir() -> Path:
    return shared_path("article_extraction_benchmark")


@pytest.fixture
def cranfield_dir() -> Path:
    return shared_path("cranfield")
