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
    # The embedded SQLite broker cannot freeze like a network peer: a busy writer holds its lock
    # for milliseconds, and SQLite's own lock wait (5 s) bounds the rest; a shorter one would make
    # the worker's polling fail under the contention of a deadline.
    return {"max_retries": 0}
