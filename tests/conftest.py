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

    from tools.opensearch_cluster import java_problem

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


def whoosh_engine_over(articles: list[dict], tmp_path_factory, name: str):
    """An Engine over a Whoosh index of `articles` (JSON Lines records, no NER): the small
    crafted corpora of the ranking tests."""
    import json

    from newsearch.indexing import index_paths
    from search import Engine

    folder = tmp_path_factory.mktemp(name)
    (folder / "articles.jsonl").write_text("\n".join(json.dumps(a) for a in articles) + "\n")
    index_dir = tmp_path_factory.mktemp(f"{name}-index")
    index_paths([folder], index_dir, entities=False, show_progress=False)
    return Engine(index_dir)


# ---- the contract suite: the same search, web and CLI tests on every backend ---------------------

BACKENDS_UNDER_TEST = ("whoosh", "opensearch")


class IndexMaker:
    """Builds named test indexes on one backend and opens Engines over them.

    Whoosh indexes are folders under a temporary directory; OpenSearch ones are aliases with a
    unique prefix on the test cluster, deleted (with their versioned indexes and templates) at
    the end of the session.
    """

    def __init__(self, backend: str, root: Path, url: str | None = None) -> None:
        import uuid

        self.backend, self.root, self.url = backend, root, url
        self.prefix = f"nstest-{uuid.uuid4().hex[:8]}"
        self.names: dict[str, dict] = {}

    def location(self, name: str) -> dict:
        """Backend options naming the test index `name`."""
        if name not in self.names:
            if self.backend == "whoosh":
                self.names[name] = {"index_dir": self.root / name}
            else:
                self.names[name] = {"url": self.url, "index": f"{self.prefix}-{name.lower()}"}
        return self.names[name]

    def index(self, name: str, sources: list[Path], **kwargs):
        """Run the indexer on `sources` into test index `name` (created on first use)."""
        from newsearch.indexing import index_paths

        kwargs.setdefault("entities", False)
        kwargs.setdefault("show_progress", False)
        return index_paths(sources, backend=self.backend, backend_options=self.location(name), **kwargs)

    def engine(self, name: str):
        from search import Engine

        return Engine(backend=self.backend, **self.location(name))

    def build(self, name: str, sources: list[Path], **kwargs):
        self.index(name, sources, **kwargs)
        return self.engine(name)

    def build_records(self, name: str, records: list[dict], **kwargs):
        """An Engine over `records` (JSON objects, one article each) indexed as test index `name`."""
        import json

        folder = self.root / f"{name}-records"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "records.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
        return self.build(name, [folder], **kwargs)

    def env(self, name: str) -> dict[str, str]:
        """Environment variables that point the `newsearch` command at test index `name`."""
        where = self.location(name)
        if self.backend == "whoosh":
            return {"NEWSEARCH_BACKEND": "whoosh", "NEWSEARCH_INDEX": str(where["index_dir"])}
        return {"NEWSEARCH_BACKEND": "opensearch", "NEWSEARCH_OPENSEARCH_URL": where["url"],
                "NEWSEARCH_OPENSEARCH_INDEX": where["index"]}

    def cleanup(self) -> None:
        if self.backend != "opensearch" or not self.names:
            return
        from opensearchpy import OpenSearch

        client = OpenSearch(self.url)
        try:
            client.indices.delete(index=f"{self.prefix}-*", ignore_unavailable=True, expand_wildcards="all")
            for template in client.indices.get_index_template(name=f"{self.prefix}-*", ignore=[404]).get(
                    "index_templates", []):
                client.indices.delete_index_template(name=template["name"], ignore=[404])
        finally:
            client.close()


@pytest.fixture(scope="session", params=BACKENDS_UNDER_TEST)
def backend_indexes(request, tmp_path_factory) -> IndexMaker:
    """One `IndexMaker` per backend: tests using it run on Whoosh and on OpenSearch (skipped
    with the reason when no cluster is reachable)."""
    url = opensearch_url() if request.param == "opensearch" else None
    maker = IndexMaker(request.param, tmp_path_factory.mktemp(f"indexes-{request.param}"), url)
    yield maker
    maker.cleanup()
