"""System probes for the site overview: hub health, sandbox capabilities, worker heartbeat.

Each probe returns ``{"name", "ok", "detail"}`` and never raises: a probe that fails is a
red line on the admin's page, not an error page. Each has a short timeout.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings

log = logging.getLogger(__name__)


def _result(name: str, ok: bool | None, detail: str, started: float) -> dict[str, Any]:
    return {"name": name, "ok": ok, "detail": detail, "ms": round(1000 * (time.perf_counter() - started))}


def probe_hub() -> dict[str, Any]:
    started = time.perf_counter()
    try:
        from sandbox.services import hub_client

        version = hub_client(timeout=settings.DASHBOARD_HUB_TIMEOUT_SECONDS).version()
        return _result("JupyterHub", True, f"version {version} at {settings.HUB_URL}", started)
    except Exception as exc:  # the hub being down is a finding, not a crash
        return _result("JupyterHub", False, f"unavailable: {exc}", started)


def probe_sandbox() -> dict[str, Any]:
    """The grading sandbox's capabilities (bubblewrap, cgroups), cached by the grading runner."""
    started = time.perf_counter()
    try:
        from grading.runner.sandbox import sandbox_probe

        info = sandbox_probe()
    except Exception as exc:
        return _result("Grading sandbox", False, f"probe failed: {exc}", started)
    flags = ", ".join(
        f"{k}={'yes' if v is True else ('no' if v is False else v)}"
        for k, v in info.items()
        if k not in ("python", "prefix")
    )
    return _result("Grading sandbox", bool(info.get("isolated")), flags, started)


def probe_worker() -> dict[str, Any]:
    """Celery workers alive: each writes a heartbeat row (core.health), which works with every
    broker — the embedded SQLite broker cannot answer ``inspect ping``."""
    started = time.perf_counter()
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return _result("Celery worker", None, "tasks run eagerly in the web process (no worker needed)", started)
    try:
        from core.health import queues_unserved, workers_alive

        alive = workers_alive()
    except Exception as exc:
        return _result("Celery worker", False, f"heartbeats unreadable: {exc}", started)
    if not alive:
        return _result(
            "Celery worker",
            False,
            f"no worker heartbeat in the last {3 * settings.WORKER_HEARTBEAT_SECONDS:g} s",
            started,
        )
    names = ", ".join(f"{w['hostname']} ({w['queues'] or '?'})" for w in alive)
    missing = queues_unserved(alive)
    if missing:
        return _result(
            "Celery worker",
            False,
            f"{len(alive)} alive, none consumes the queue(s) {', '.join(missing)}: {names}",
            started,
        )
    return _result("Celery worker", True, f"{len(alive)} alive: {names}", started)


def run_all() -> list[dict[str, Any]]:
    return [probe_hub(), probe_sandbox(), probe_worker()]
