"""Broker connection options that keep a broker outage out of web requests.

A broker that refuses connections fails fast anyway; one that accepts and never answers (frozen,
overloaded, a half-open link) would hold every submit until gunicorn kills the worker. Every socket
to the broker therefore has a short connect and read timeout, and a failed connection is not retried
inside the request: the job's row is already committed and the sweep sends it later (core.jobs).
"""

from __future__ import annotations

from typing import Any


def transport_options(url: str, timeout: float) -> dict[str, Any]:
    """kombu ``transport_options`` for ``url`` with every blocking step bounded by ``timeout`` seconds."""
    if url.startswith(("redis://", "rediss://", "redis+socket://", "sentinel://")):
        return {
            "socket_connect_timeout": timeout,
            # A worker's BRPOP answers within brpop_timeout (1 s), so a read may wait a little longer.
            "socket_timeout": max(timeout, 1.25),
            "retry_on_timeout": False,
            "max_retries": 0,
            "health_check_interval": 10,
        }
    if url.startswith("sqla+"):
        # SQLite: wait at most this long for the database lock (a busy writer), never indefinitely.
        return {"max_retries": 0, "connect_args": {"timeout": timeout}} if "sqlite" in url else {"max_retries": 0}
    return {"max_retries": 0}
