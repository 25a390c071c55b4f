"""Broker connection options that keep a broker outage out of web requests.

A broker that refuses connections fails fast anyway; one that accepts and never answers (frozen,
overloaded, a half-open link) would hold every submit until gunicorn kills the worker. Every socket
to the broker therefore has a short connect and read timeout, and a failed connection is not retried
inside the request: the job's row is already committed and the sweep sends it later (core.jobs).
"""

from __future__ import annotations

from typing import Any

# How often a worker asks the embedded SQLite broker for a message (seconds). kombu's default is 1 s,
# which alone added 0.5 s on average to a student's time to feedback on an idle queue. A poll is one
# indexed SELECT on a table the housekeeping keeps small (about 0.3 ms of CPU), so 0.1 s costs a few
# milliseconds a second per worker; Redis and AMQP push messages and never poll.
SQLITE_POLL_SECONDS = 0.1


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


def set_sqlite_polling(url: str, poll: float = SQLITE_POLL_SECONDS) -> None:
    """Poll the embedded SQLite broker every ``poll`` seconds. kombu's SQLAlchemy transport hands every
    transport option it does not know to ``create_engine`` (which refuses ``polling_interval``), so
    the interval is set on the transport class, which kombu reads when a connection is made."""
    if url.startswith("sqla+"):
        from kombu.transport import sqlalchemy

        sqlalchemy.Transport.polling_interval = poll
