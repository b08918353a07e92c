"""The OpenSearch backend's faults: a busy or unreachable cluster (retries with backoff), articles
the cluster refuses (reported with their path, counted failed), and a node killed while a writer
commits (opt-in). Fixtures and helpers are tests/test_opensearch_writer.py's."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from opensearchpy.exceptions import AuthorizationException, ConnectionError as OSConnectionError
from opensearchpy.exceptions import NotFoundError, RequestError, TransportError

from index.article import Article
from search.backends.opensearch import client as client_module
from search.backends.opensearch import writer as writer_module
from search.backends.opensearch.client import ClusterUnavailableError, make_client, with_backoff
from search.backends.opensearch.config import OpenSearchConfig
from search.backends.opensearch.writer import OpenSearchWriter
from search.results import IndexNotFoundError, IndexPermissionError
from tests.conftest import REPO

# Opt-in: it kills a node of the cluster. Not in CI yet: on a loaded 2-core machine it failed once
# in three runs when a small state index's replica was not allocated by the time of the kill.
KILL_NODES = os.environ.get("NEWSEARCH_TEST_KILL_NODES") == "1"
SAMPLE = "North Korea's leaders met U.S. officials in Hanoi, where Nguyễn said 1,000 summits were planned."


from tests.test_opensearch_writer import article, client, config, count, run, urls  # noqa: F401  (fixtures)


# ---- client: retries and errors (no cluster needed) -----------------------------------------------

def test_make_client_uses_every_node_auth_and_retries():
    c = make_client(OpenSearchConfig(url="https://a.example:9200, https://b.example:9200", username="u",
                                     password="p", verify_certs=False))
    hosts = sorted(conn.host for conn in c.transport.connection_pool.connections)
    assert hosts == ["https://a.example:9200", "https://b.example:9200"]
    assert c.transport.retry_on_status == (429, 502, 503, 504) and c.transport.retry_on_timeout
    assert c.transport.max_retries == client_module.CLIENT_MAX_RETRIES
    assert c.transport.connection_pool.connections[0].headers["authorization"].startswith("Basic ")


def test_with_backoff_waits_and_retries_then_gives_up(monkeypatch: pytest.MonkeyPatch):
    waits: list[float] = []
    monkeypatch.setattr(client_module.time, "sleep", waits.append)
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise OSConnectionError("N/A", "connection refused", OSError("refused"))
        return "ok"

    assert with_backoff(flaky, "test") == "ok" and len(calls) == 3
    assert len(waits) == 2 and waits[1] > waits[0]  # exponential
    waits.clear()
    busy = TransportError(429, "es_rejected_execution_exception", {"error": {"type": "es_rejected_execution_exception",
                                                                            "reason": "queue full"}})
    with pytest.raises(ClusterUnavailableError, match="cannot index things: the cluster did not answer"):
        with_backoff(lambda: (_ for _ in ()).throw(busy), "index things")
    assert len(waits) == client_module.BACKOFF_ATTEMPTS - 1
    assert sum(waits) < 90  # bounded: a dead cluster is reported within about a minute


def test_with_backoff_errors_a_person_can_read(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(client_module.time, "sleep", lambda s: pytest.fail("must not wait"))
    denied = AuthorizationException(403, "security_exception", {"error": {"type": "security_exception",
                                                                          "reason": "no permissions"}})
    with pytest.raises(IndexPermissionError, match="^permission denied: cannot write to 'news'"):
        with_backoff(lambda: (_ for _ in ()).throw(denied), "write to 'news'")
    missing = NotFoundError(404, "index_not_found_exception", {"error": {"type": "index_not_found_exception",
                                                                         "reason": "no such index [news]"}})
    with pytest.raises(IndexNotFoundError, match="does not exist"):
        with_backoff(lambda: (_ for _ in ()).throw(missing), "search 'news'")
    bad = RequestError(400, "mapper_parsing_exception", {})
    with pytest.raises(RequestError):  # a bad request fails again: raised as it is, at once
        with_backoff(lambda: (_ for _ in ()).throw(bad), "index")


# ---- articles the cluster refuses or cannot take yet -----------------------------------------

def reject_titled(monkeypatch: pytest.MonkeyPatch, title: str) -> None:
    """Make the article titled `title` one the cluster refuses: a field the strict mapping lacks."""
    real = writer_module.article_to_source

    def with_a_stray_field(a: Article, *args):
        source = real(a, *args)
        if a.title == title:
            source["stray"] = 1
        return source

    monkeypatch.setattr(writer_module, "article_to_source", with_a_stray_field)


def test_rejected_article_is_reported_with_its_path(config: OpenSearchConfig, client,
                                                    monkeypatch: pytest.MonkeyPatch):
    reject_titled(monkeypatch, "Article 2")
    problems = []
    f = "/data/mixed.jsonl"
    with OpenSearchWriter(config, on_problem=problems.append) as writer:
        run(writer, [(f, [article(1, f), article(2, f), article(3, f)])])
        assert writer.rejected == 1 and writer.problems == problems
        # Rejected for its content, it would be rejected again: the file is done with 2 articles.
        assert writer.file_articles(f"{f}|v1") == 2
    (problem,) = problems
    assert (problem.path, problem.location, problem.severity) == (f, "line 2", "error")
    assert "strict_dynamic_mapping_exception" in problem.reason and "stray" in problem.reason
    assert count(client, config.index) == 2



def test_a_rejected_article_counts_as_failed_not_added(config: OpenSearchConfig, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch):
    """Through the index run: the summary's added/failed say what is really in the index."""
    from index.indexer import index_paths
    from tests.corpus import record, write_jsonl

    reject_titled(monkeypatch, "Second")
    write_jsonl(tmp_path / "d" / "a.jsonl", [record(k, t, "Body text.") for k, t in
                                             (("r1", "First"), ("r2", "Second"), ("r3", "Third"))])
    summary = index_paths([tmp_path / "d"], backend="opensearch", entities=False, show_progress=False,
                          backend_options={"url": config.url, "index": config.index})
    assert (summary.added, summary.failed) == (2, 1)
    assert any("rejected" in p.reason and p.location == "line 2" for p in summary.problems)

def test_busy_cluster_items_are_sent_again(config: OpenSearchConfig, client, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(writer_module, "backoff_delays", lambda *a: [0.0] * 20)
    f = "/data/busy.txt"
    with OpenSearchWriter(config) as writer:
        real, calls = writer.client.bulk, []

        def busy_once(*args, **kwargs):
            calls.append(1)
            if len(calls) == 1:  # the first request is refused item by item, as a full queue does
                n = kwargs["body"].count(b"\n") // 2
                return {"errors": True, "items": [{"index": {"status": 429, "error": {
                    "type": "es_rejected_execution_exception", "reason": "queue full"}}}] * n}
            return real(*args, **kwargs)

        writer.client.bulk = busy_once
        run(writer, [(f, [article(i, f) for i in range(5)])])
        # The refused request, the same articles again, then the file's done marker.
        assert len(calls) == 3 and writer.rejected == 0 and writer.file_articles(f"{f}|v1") == 5
    assert count(client, config.index) == 5


def test_items_still_refused_are_reported_and_the_file_left_undone(config: OpenSearchConfig, client,
                                                                   monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(writer_module, "backoff_delays", lambda *a: [0.0] * 20)
    monkeypatch.setattr(writer_module, "BACKOFF_ATTEMPTS", 2)
    f = "/data/busy.txt"
    problems = []
    with OpenSearchWriter(config, on_problem=problems.append) as writer:
        def always_busy(*args, **kwargs):
            n = kwargs["body"].count(b"\n") // 2
            return {"errors": True, "items": [{"index": {"status": 429, "error": {
                "type": "es_rejected_execution_exception", "reason": "queue full"}}}] * n}

        writer.client.bulk = always_busy
        run(writer, [(f, [article(i, f) for i in range(3)])])
        assert writer.rejected == 3 and writer.file_articles(f"{f}|v1") == 0  # a re-run reads it again
    assert all("re-run will try again" in p.reason and p.path == f for p in problems)


# ---- faults: a node killed during a run -----------------------------------------------------------

@pytest.mark.skipif(not KILL_NODES, reason="kills and restarts a node of the dev cluster (~20 s): set "
                                           "NEWSEARCH_TEST_KILL_NODES=1")
def test_node_killed_while_committing(config: OpenSearchConfig, client):
    """kill -9 of one node of the 3-node cluster (1 replica) while a writer sends 5,000 articles:
    the run finishes, every article is searchable, and searches answer throughout.

    Runs only with NEWSEARCH_TEST_KILL_NODES=1, since it kills a node of the shared
    dev cluster (`make cluster`, data in .cluster/) and restarts it afterwards with
    `cluster.py start`, which starts only the missing node (~20 s).
    """
    from search.backends.opensearch.cluster import ClusterConfig, node_pid

    data = Path(os.environ.get("NEWSEARCH_CLUSTER_DATA", REPO / ".cluster"))  # .ci/run sets it
    state_file = data / "cluster.json"
    if not state_file.exists():
        pytest.skip("no dev cluster in .cluster/ (make cluster) whose nodes this test may kill")
    state = json.loads(state_file.read_text())
    cluster = ClusterConfig(data=data, nodes=state["nodes"], base_port=state["base_port"])
    if cluster.nodes < 3:
        pytest.skip(f"the dev cluster has {cluster.nodes} node(s); this test needs 3")
    writer = OpenSearchWriter(config, batch_docs=100, replicas=1)
    with writer:
        # Every shard must have its replica before a node dies, or its articles die with it.
        # (The server waits up to its default 30 s; a `timeout=` here would be the client's.)
        health = client.cluster.health(index=writer.index, wait_for_status="green", request_timeout=60)
        assert health["status"] == "green"
        manager = client.cat.cluster_manager(format="json")[0]["node"]
        primaries = {s["node"] for s in client.cat.shards(index=writer.index, format="json") if s["prirep"] == "p"}
        # A node holding a primary of ours, preferably neither the manager nor node-1 (port 9200,
        # the address other users of the dev cluster default to).
        candidates = sorted(primaries - {manager, "node-1"}) or sorted(primaries - {manager}) or sorted(primaries)
        victim = cluster.node(int(candidates[0].split("-")[1]))
        pid = node_pid(victim)
        if pid is None:
            pytest.skip(f"{victim.name} is not running from {cluster.data}")
        answered, errors, stop = [], [], threading.Event()

        def search() -> None:
            c = make_client(config)
            try:
                while not stop.is_set():
                    try:
                        c.search(index=writer.index, body={"query": {"match": {"body": "kill"}}, "size": 1})
                        answered.append(time.monotonic())
                    except BaseException as exc:  # noqa: BLE001 (recorded and asserted on)
                        errors.append(exc)
                    time.sleep(0.05)
            finally:
                c.close()

        real_bulk, sent = writer.client.bulk, []

        def bulk(*args, **kwargs):
            sent.append(1)
            if len(sent) == 5:  # mid-run: kill the node while this request is on its way
                threading.Thread(target=os.kill, args=(pid, signal.SIGKILL)).start()
            return real_bulk(*args, **kwargs)

        writer.client.bulk = bulk
        searcher = threading.Thread(target=search)
        searcher.start()
        articles = [Article(title=f"Small article {i}", body=f"Article {i} of the node kill test.",
                            path=f"/synthetic/{i // 500}.txt", location=f"line {i % 500 + 1}",
                            source_id=f"kill-{i}") for i in range(5000)]
        try:
            began = time.monotonic()
            run(writer, [(f"/synthetic/{n}.txt", articles[n * 500:(n + 1) * 500]) for n in range(10)])
            took = time.monotonic() - began
            assert node_pid(victim) is None, "the node was not killed during the run"
            assert writer.rejected == 0
            assert count(client, config.index) == 5000
            assert all(writer.file_articles(f"/synthetic/{n}.txt|v1") == 500 for n in range(10))
        finally:
            stop.set()
            searcher.join(60)
            restart = subprocess.run([sys.executable, str(REPO / "search/backends/opensearch/cluster.py"), "start",
                                      "--data", str(cluster.data), "--nodes", str(cluster.nodes),
                                      "--base-port", str(cluster.base_port)],
                                     cwd=REPO, timeout=300, capture_output=True, text=True)
            assert restart.returncode == 0, restart.stdout + restart.stderr
    assert not errors, errors[:3]
    assert len(answered) > 10
    print(f"5,000 articles in {took:.1f} s with {victim.name} killed after 4 of 50 bulks; "
          f"{len(answered)} searches answered meanwhile")
