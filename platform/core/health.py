"""Liveness, readiness and the worker heartbeat.

- ``/healthz`` (liveness): the process answers; it touches nothing else, so a database outage
  never makes an orchestrator restart every web process.
- ``/readyz`` (readiness): the database, the broker, the cache and the file storage each answer
  within ``READYZ_TIMEOUT_SECONDS`` (checked side by side, so the probe takes one timeout at most);
  503 when one of ``READYZ_REQUIRED`` does not (all four by default), 200 "degraded" when only
  another one fails — an orchestrator that should keep serving degraded pages while Redis is
  down lists only ``database,storage``. Everybody gets the bare status; superusers, or a request carrying
  ``READYZ_TOKEN`` as a bearer token, get the JSON detail.
- Celery workers write a heartbeat row (:func:`heartbeat_start`, a thread started by the
  ``worker_init`` signal, removed at ``worker_shutdown``), which works with every broker — the embedded SQLite one cannot answer
  ``inspect ping``. Workers are listed in the detail but do not make the web tier unready.

:class:`ProbeMiddleware` answers these paths (and ``/metrics``) before the host and HTTPS checks:
a kubelet or Prometheus asks by pod address over plain HTTP. A request that carries the site's
session cookie goes through the normal stack instead, so a signed-in superuser gets the detail.
"""

from __future__ import annotations

import hmac
import logging
import os
import queue
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

log = logging.getLogger(__name__)

PROBE_PATHS = ("/healthz", "/readyz", "/metrics")


def bearer_token(request: HttpRequest) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def token_matches(request: HttpRequest, expected: str) -> bool:
    given = bearer_token(request)
    return bool(expected) and bool(given) and hmac.compare_digest(given.encode(), expected.encode())


# ---------------------------------------------------------------------------------------
# checks: each raises on failure; run side by side with one timeout


def check_database() -> str:
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return connection.vendor
    finally:
        connection.close()  # this runs in a probe thread: never leave its connection behind


def check_broker() -> str:
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=settings.READYZ_TIMEOUT_SECONDS)
        return str(conn.transport_cls)


def check_cache() -> str:
    from django.core.cache import cache

    ping = getattr(cache, "ping", None)
    if ping is not None:
        ping()  # the fail-soft Redis cache hides outages from get/set: ask Redis itself
        return "redis"
    key = f"readyz:{os.getpid()}:{threading.get_ident()}"
    cache.set(key, 1, 10)
    if cache.get(key) != 1:
        raise RuntimeError("a value written to the cache was not read back")
    return type(cache).__name__


def check_storage() -> str:
    """The blob root (and the competition data folder, when it exists) is there and writable."""
    from core.blobs import blob_root_ensure

    root = blob_root_ensure()
    fd, name = tempfile.mkstemp(dir=root, prefix=".tmp-readyz-")
    try:
        os.write(fd, b"ok")
        os.fsync(fd)
    finally:
        os.close(fd)
        Path(name).unlink(missing_ok=True)
    data = Path(settings.COMPETITIONS_DATA_DIR)
    if data.exists() and not os.access(data, os.R_OK | os.X_OK):
        raise PermissionError(f"cannot read {data}")
    free = os.statvfs(root)
    return f"{free.f_bavail * free.f_frsize // (1024 * 1024)} MiB free"


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "broker": check_broker,
    "cache": check_cache,
    "storage": check_storage,
}


def run_checks(checks: dict[str, Callable[[], str]] | None = None, *, timeout: float | None = None) -> dict[str, dict[str, Any]]:
    """Every check in its own daemon thread; one that has not answered by the timeout fails
    (its thread is left to finish or hang on its own: the probe answers either way)."""
    checks = checks or CHECKS
    timeout = settings.READYZ_TIMEOUT_SECONDS if timeout is None else timeout
    answers: queue.Queue[tuple[str, bool, str, float]] = queue.Queue()

    def run(name: str, check: Callable[[], str]) -> None:
        started = time.perf_counter()
        try:
            answers.put((name, True, check(), time.perf_counter() - started))
        except Exception as exc:
            answers.put((name, False, f"{type(exc).__name__}: {exc}"[:300], time.perf_counter() - started))

    for name, check in checks.items():
        threading.Thread(target=run, args=(name, check), name=f"readyz-{name}", daemon=True).start()
    results: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + timeout
    while len(results) < len(checks):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            name, ok, detail, seconds = answers.get(timeout=left)
        except queue.Empty:
            break
        results[name] = {"ok": ok, "detail": detail, "ms": round(seconds * 1000)}
    for name in checks:
        results.setdefault(name, {"ok": False, "detail": f"no answer within {timeout:g} s", "ms": round(timeout * 1000)})
    return results


# ---------------------------------------------------------------------------------------
# views


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: this process answers. Nothing else is touched (see /readyz)."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    results = run_checks()
    required = set(settings.READYZ_REQUIRED)
    ready = all(r["ok"] for name, r in results.items() if name in required)
    failing = any(not r["ok"] for r in results.values())
    # "degraded": a check outside READYZ_REQUIRED fails (say the cache): pages still answer
    body: dict[str, Any] = {"status": ("degraded" if failing else "ok") if ready else "unavailable"}
    user = getattr(request, "user", None)
    if token_matches(request, settings.READYZ_TOKEN) or (user is not None and user.is_superuser):
        body["checks"] = results
        body["workers"] = alive = workers_alive()
        body["queues_without_worker"] = queues_unserved(alive)
    return JsonResponse(body, status=200 if ready else 503)


class ProbeMiddleware:
    """Answers /healthz, /readyz and /metrics before the host, HTTPS and session machinery."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info.rstrip("/")
        if path in PROBE_PATHS and settings.SESSION_COOKIE_NAME not in request.COOKIES:
            if path == "/healthz":
                return healthz(request)
            if path == "/readyz":
                return readyz(request)
            from .metrics import metrics

            return metrics(request)
        return self.get_response(request)


# ---------------------------------------------------------------------------------------
# worker heartbeat


def heartbeat_write(*, hostname: str, queues: str, started_at: Any) -> None:
    from .models import WorkerHeartbeat

    WorkerHeartbeat.objects.update_or_create(
        hostname=hostname,
        defaults={"queues": queues[:255], "pid": os.getpid(), "started_at": started_at, "seen_at": timezone.now()},
    )


def heartbeat_start(*, hostname: str, queues: str) -> Callable[[], None]:
    """Write this worker's heartbeat now and every ``WORKER_HEARTBEAT_SECONDS`` in a daemon thread;
    the returned function (called at worker shutdown) stops the thread, then removes the row."""
    from django.db import connection

    from .models import WorkerHeartbeat

    stop = threading.Event()
    started_at = timezone.now()

    def beat() -> None:
        while True:
            try:
                heartbeat_write(hostname=hostname, queues=queues, started_at=started_at)
            except Exception as exc:  # the database may be away for a moment: try again next beat
                log.warning("worker heartbeat not written: %s", exc)
            finally:
                connection.close()
            if stop.wait(settings.WORKER_HEARTBEAT_SECONDS):
                return

    thread = threading.Thread(target=beat, name="liangzhi-heartbeat", daemon=True)
    thread.start()

    def finish() -> None:
        stop.set()
        thread.join(timeout=10)  # a write in flight must not bring the row back after it is removed
        WorkerHeartbeat.objects.filter(hostname=hostname).delete()

    return finish


def workers_alive(*, now: Any = None) -> list[dict[str, Any]]:
    """Workers whose heartbeat is younger than three beats."""
    from .models import WorkerHeartbeat

    now = now or timezone.now()
    fresh = now - timedelta(seconds=3 * settings.WORKER_HEARTBEAT_SECONDS)
    return [
        {"hostname": w.hostname, "queues": w.queues, "pid": w.pid, "seen_at": w.seen_at.isoformat()}
        for w in WorkerHeartbeat.objects.filter(seen_at__gte=fresh)
    ]


def queues_unserved(alive: list[dict[str, Any]]) -> list[str]:
    """The queues of ``settings.WORKER_QUEUES`` that none of the ``alive`` workers consumes."""
    served = {q for w in alive for q in w["queues"].split(",")}
    return [q for q in settings.WORKER_QUEUES if q not in served]


def node_name() -> str:
    return f"celery@{socket.gethostname()}"
