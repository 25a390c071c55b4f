"""Brokers that are down, for the job kernel's tests: refused (a closed loopback port) and frozen
(a loopback server that accepts connections and never answers), and a real Redis to come back to."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

REDIS_BACK = os.environ.get("LIANGZHI_TEST_BROKER_BACK", "redis://127.0.0.1:6379/13")


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then closed: connecting is refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def frozen_server() -> Iterator[int]:
    """A TCP server on loopback that accepts every connection and never sends a byte."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            held.append(conn)  # read nothing, answer nothing

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        server.close()


def redis_back_or_skip() -> str:
    """The real Redis the tests send to once the broker is back (its own database number)."""
    import redis

    try:
        redis.Redis.from_url(REDIS_BACK, socket_connect_timeout=2).ping()
    except Exception:
        if os.environ.get("LIANGZHI_REQUIRE_REDIS") == "1":
            pytest.fail(f"LIANGZHI_REQUIRE_REDIS=1 but {REDIS_BACK} is unreachable")
        pytest.skip(f"no Redis at {REDIS_BACK}")
    return REDIS_BACK


_ENV_URLS = ("CELERY_BROKER_URL", "CELERY_BROKER_READ_URL", "CELERY_BROKER_WRITE_URL")


def use_broker(url: str) -> None:
    """Point the Celery app at ``url`` with the options the settings would give it."""
    from django.conf import settings

    from config.broker import transport_options
    from config.celery import app

    # Celery reads CELERY_BROKER_URL (and _READ_/_WRITE_) from the environment before its conf
    # (celery.app.utils.Settings.broker_url): where the environment names a broker (CI's Redis),
    # a conf change alone would still publish there. Call inside broker_config(), which restores them.
    for name in _ENV_URLS:
        os.environ.pop(name, None)
    os.environ["CELERY_BROKER_URL"] = url
    app.conf.update(
        broker_url=url,
        broker_transport_options=transport_options(url, settings.CELERY_BROKER_TIMEOUT),
        broker_connection_timeout=settings.CELERY_BROKER_TIMEOUT,
    )
    if app._pool is not None:  # a producer pool made earlier would still publish to the old broker
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def broker_config() -> Iterator[None]:
    """Restore the Celery app's broker settings afterwards."""
    from config.celery import app

    keys = ("broker_url", "broker_transport_options", "broker_connection_timeout", "task_always_eager")
    # Celery's conf is a chain: explicit changes over the Django settings. Put back exactly the
    # changes there were, so that afterwards every value follows the Django settings again.
    saved = {k: app.conf.changes[k] for k in keys if k in app.conf.changes}
    saved_env = {name: os.environ.get(name) for name in _ENV_URLS}
    try:
        yield
    finally:
        for key in keys:
            app.conf.changes.pop(key, None)
        app.conf.update(saved)
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None


def queued_task_args(url: str, queue: str) -> list[tuple[str, Any]]:
    """(task name, args) of every message waiting in a Redis-backed Celery queue."""
    import json

    import redis

    client = redis.Redis.from_url(url)
    out = []
    for raw in client.lrange(queue, 0, -1):
        msg = json.loads(raw)
        body = msg["body"]
        import base64

        args = json.loads(base64.b64decode(body))[0] if msg.get("properties", {}).get("body_encoding") == "base64" else None
        out.append((msg["headers"]["task"], args))
    return out


def clear_queue(url: str, queue: str) -> None:
    import redis

    redis.Redis.from_url(url).delete(queue)
