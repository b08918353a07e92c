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


def opensearch_url() -> str:
    """The test cluster's address (`make cluster`; $NEWSEARCH_TEST_OPENSEARCH_URL elsewhere), or
    skip the calling test saying why there is none."""
    import urllib.error
    import urllib.request

    from search.backends.opensearch.cluster import java_problem

    url = os.environ.get("NEWSEARCH_TEST_OPENSEARCH_URL", "http://127.0.0.1:9200")
    try:
        with urllib.request.urlopen(url + "/_cluster/health", timeout=3) as response:
            response.read()
    except (OSError, urllib.error.URLError) as exc:
        why = java_problem() or f"no OpenSearch cluster answers at {url} ({exc}); start one with `make cluster`"
        pytest.skip(f"OpenSearch backend tests: {why}")
    return url


@pytest.fixture(scope="session")
def opensearch() -> str:
    return opensearch_url()
