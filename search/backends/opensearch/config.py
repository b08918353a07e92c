"""Where the OpenSearch cluster is and how to reach it: one settings object for the search and
the indexing side, from arguments or the environment.

Real clusters run with security on, so basic auth and TLS (a CA bundle, or certificate checks
off for a test cluster) are part of it. The index name is an alias: the backend writes to a
versioned index behind it, so a re-index can build a new index and swap the alias.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields

DEFAULT_URL = "http://127.0.0.1:9200"
DEFAULT_INDEX = "newsearch"
ENV_PREFIX = "NEWSEARCH_OPENSEARCH_"


@dataclass(frozen=True)
class OpenSearchConfig:
    """How to reach the cluster (`url`, several comma-separated for more nodes) and which
    alias holds the articles (`index`)."""

    url: str = DEFAULT_URL
    index: str = DEFAULT_INDEX
    username: str | None = None
    password: str | None = None
    ca_certs: str | None = None      # a CA bundle for https clusters with their own CA
    verify_certs: bool = True        # False only for a test cluster with a self-signed certificate
    timeout: float = 30.0            # seconds per request

    @property
    def urls(self) -> list[str]:
        return [u.strip() for u in self.url.split(",") if u.strip()]

    @classmethod
    def from_options(cls, **options: object) -> "OpenSearchConfig":
        """Settings from keyword options (None: not given), else `NEWSEARCH_OPENSEARCH_<NAME>`
        environment variables (URL, INDEX, USERNAME, PASSWORD, CA_CERTS, VERIFY_CERTS, TIMEOUT),
        else the defaults."""
        values: dict[str, object] = {}
        for f in fields(cls):
            value = options.get(f.name)
            if value is None:
                value = os.environ.get(ENV_PREFIX + f.name.upper())
            if value is None:
                continue
            if f.name == "verify_certs" and isinstance(value, str):
                value = value.strip().lower() not in ("0", "false", "no", "off")
            elif f.name == "timeout":
                try:
                    value = float(value)  # type: ignore[arg-type]
                except (TypeError, ValueError):
                    raise ValueError(f"the OpenSearch timeout ({ENV_PREFIX}TIMEOUT) must be a number of seconds, "
                                     f"not {value!r}") from None
            values[f.name] = value
        unknown = set(options) - {f.name for f in fields(cls)}
        if unknown:
            raise TypeError(f"unknown OpenSearch option(s): {', '.join(sorted(unknown))}")
        return cls(**values)  # type: ignore[arg-type]

    def describe(self) -> str:
        """Where the index is, for messages (never the password)."""
        return f"OpenSearch index {self.index!r} at {self.url}"


__all__ = ["OpenSearchConfig", "DEFAULT_URL", "DEFAULT_INDEX"]
