"""One way to talk to the cluster, for the search and the indexing side: the client, retries
with backoff, and the errors a person is shown.

Two layers of retry, for two kinds of trouble:
- The client (`make_client`) retries a request at once on another node when a node does not
  answer (connection refused, reset, timed out) or answers 429/502/503/504: a dead node costs
  one extra round trip, not an error.
- `with_backoff` retries what must not fail with waits in between (0.5 s, 1 s, 2 s, ... up to
  `BACKOFF_CAP_S`): a cluster that rejects work (429, its queues are full) or is electing a
  manager or promoting replicas after losing a node (503, connection errors on every node)
  needs time, not an immediate second try.

Errors come out as the project's own: `IndexNotFoundError` when the alias or index does not
exist, `IndexPermissionError` ("permission denied" and what was refused) for 401/403, and
`ClusterUnavailableError` when no node answered within the retries; the CLI exits 1 and the
web app answers 503 for all three (they are `IndexNotFoundError`s).
"""
from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import TransportError

from search.backends.opensearch.config import OpenSearchConfig
from search.results import IndexNotFoundError, IndexPermissionError

log = logging.getLogger("newsearch.opensearch")

T = TypeVar("T")

# Statuses the client retries at once on another node: 429 (that node's queue is full), 502/504
# (a proxy in front of the cluster lost its node), 503 (no manager yet / shard not allocated).
RETRY_ON_STATUS = (429, 502, 503, 504)
# Immediate retries on other nodes per request: with 3 nodes, 3 retries reach every node once
# even when the first one tried is the dead one.
CLIENT_MAX_RETRIES = 3
# Statuses worth waiting for (`with_backoff`): the cluster is busy or recovering, and the same
# request will succeed later. Anything else (400 mapping errors, 404, 409) will not.
BACKOFF_ON_STATUS = (429, 502, 503, 504)
# Waits between attempts: BACKOFF_FIRST_S, doubling, capped at BACKOFF_CAP_S, at most
# BACKOFF_ATTEMPTS tries: 0.5+1+2+4+8+16+20 = 51.5 s of waiting in all. Longer than what a
# dead node costs (on the dev cluster a kill -9 was noticed and its node removed within 0.2 s,
# its primaries' replicas promoted at once; a manager election takes a few seconds) and than a
# node restart (16 s measured), short enough that a really dead cluster is reported within a
# minute.
BACKOFF_FIRST_S = 0.5
BACKOFF_CAP_S = 20.0
BACKOFF_ATTEMPTS = 8


class ClusterUnavailableError(IndexNotFoundError):
    """No node of the cluster answered (or it stayed busy) through every retry.

    An `IndexNotFoundError`, so that the CLI (exit 1) and the web app (503) handle it as they
    handle a missing index; the message names the cluster and what could not be done.
    """


def make_client(config: OpenSearchConfig) -> OpenSearch:
    """A client for `config`'s cluster: every url as a host (a request goes to the next one
    when one fails), basic auth, TLS for https urls (its CA bundle, or checks off for a test
    cluster), and immediate retries on other nodes (see `RETRY_ON_STATUS`)."""
    urls = config.urls
    use_ssl = any(url.lower().startswith("https://") for url in urls)
    kwargs: dict = {
        "hosts": urls,
        "timeout": config.timeout,
        "max_retries": CLIENT_MAX_RETRIES,
        "retry_on_status": RETRY_ON_STATUS,
        "retry_on_timeout": True,
        # Responses are JSON of up to a few MB (a page of articles): gzip costs more CPU than the
        # local network it saves; bulk bodies go uncompressed for the same reason.
        "http_compress": False,
    }
    if config.username is not None:
        kwargs["http_auth"] = (config.username, config.password or "")
    if use_ssl:
        kwargs.update(use_ssl=True, verify_certs=config.verify_certs, ssl_show_warn=config.verify_certs)
        if config.ca_certs:
            kwargs["ca_certs"] = config.ca_certs
        if not config.verify_certs:
            kwargs.update(ssl_assert_hostname=False)
    return OpenSearch(**kwargs)


def error_type(exc: TransportError) -> str:
    """OpenSearch's error type ("index_not_found_exception", ...) from an exception, or ""."""
    info = exc.info if isinstance(exc.info, dict) else {}
    error = info.get("error")
    if isinstance(error, dict):
        return str(error.get("type", ""))
    return str(exc.error or "")


def error_reason(exc: TransportError) -> str:
    """A one-line reason for a message: OpenSearch's reason when it gave one."""
    info = exc.info if isinstance(exc.info, dict) else {}
    error = info.get("error")
    if isinstance(error, dict) and error.get("reason"):
        return f"{error.get('type', 'error')}: {error['reason']}"
    if isinstance(exc, OSConnectionError):
        return f"no answer ({type(exc.info).__name__ if exc.info is not None else exc.error})"
    return str(exc.error or exc)


def is_transient(exc: BaseException) -> bool:
    """Whether waiting and trying again can help: connection trouble, or a busy/recovering cluster."""
    if isinstance(exc, OSConnectionError):
        return True
    return isinstance(exc, TransportError) and exc.status_code in BACKOFF_ON_STATUS


def backoff_delays(attempts: int = BACKOFF_ATTEMPTS) -> list[float]:
    """The waits between `attempts` tries (one fewer than tries), with ±20% jitter so that N
    indexers rejected together do not come back together."""
    return [min(BACKOFF_CAP_S, BACKOFF_FIRST_S * 2 ** i) * random.uniform(0.8, 1.2) for i in range(attempts - 1)]


def index_not_found(config: OpenSearchConfig) -> IndexNotFoundError:
    """The error for a search or lookup on an alias that does not exist (yet)."""
    return IndexNotFoundError(f"no newsearch index {config.index!r} at {config.url} (index some articles "
                              f"into it first: newsearch index ... --backend opensearch)")


def with_backoff(call: Callable[[], T], what: str, *, attempts: int = BACKOFF_ATTEMPTS) -> T:
    """`call()`, tried again with exponential backoff while the cluster is unreachable or busy.

    `what` says what the call does, with the index and cluster ("bulk-index into 'news-v1' at
    http://...") for the messages. Raises `IndexPermissionError` at once on 401/403,
    `IndexNotFoundError` at once when the index does not exist, `ClusterUnavailableError` after
    the last attempt; any other `TransportError` (a bad request, a conflict) is raised as it is.
    """
    delays = backoff_delays(attempts)
    for attempt in range(attempts):
        try:
            return call()
        except TransportError as exc:
            if exc.status_code in (401, 403):
                raise IndexPermissionError(f"permission denied: cannot {what} ({error_reason(exc)})") from None
            if exc.status_code == 404 and error_type(exc) == "index_not_found_exception":
                raise IndexNotFoundError(f"cannot {what}: the index does not exist ({error_reason(exc)})") from None
            if not is_transient(exc):
                raise
            if attempt == attempts - 1:
                raise ClusterUnavailableError(f"cannot {what}: the cluster did not answer after {attempts} "
                                              f"attempts over {sum(delays):.0f} s ({error_reason(exc)})") from None
            log.warning("cannot %s (%s); trying again in %.1f s", what, error_reason(exc), delays[attempt])
            time.sleep(delays[attempt])
    raise AssertionError("unreachable")  # the loop returns or raises


__all__ = ["make_client", "with_backoff", "ClusterUnavailableError", "IndexNotFoundError", "IndexPermissionError",
           "index_not_found", "is_transient", "error_type", "error_reason", "backoff_delays", "RETRY_ON_STATUS",
           "BACKOFF_ON_STATUS", "BACKOFF_FIRST_S", "BACKOFF_CAP_S", "BACKOFF_ATTEMPTS", "CLIENT_MAX_RETRIES"]
