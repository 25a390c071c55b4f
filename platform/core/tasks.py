"""Celery tasks of the core app: the job kernel's housekeeping (thin: it calls core.jobs)."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.signals import task_postrun, task_prerun, worker_init, worker_shutdown


@shared_task(name="core.housekeeping", ignore_result=True)
def housekeeping() -> dict[str, int]:
    """Periodic: sweep every job queue, prune delivered broker messages and dead jobs' folders."""
    from .jobs import housekeeping as run

    return run()


# --- the worker heartbeat (core.health): a row per worker, readable with every broker ----------
_heartbeat: dict[str, Any] = {}


@worker_init.connect
def _heartbeat_start(sender: Any = None, **_: object) -> None:
    from .health import heartbeat_start

    hostname = str(getattr(sender, "hostname", "") or "celery@unknown")
    try:
        queues = ",".join(sorted(sender.app.amqp.queues.consume_from))
    except Exception:
        queues = ""
    _heartbeat["finish"] = heartbeat_start(hostname=hostname, queues=queues)


@worker_shutdown.connect
def _heartbeat_stop(**_: object) -> None:
    heartbeat_finish()


def heartbeat_finish() -> None:
    """Stop this process's heartbeat and remove its row. A warm shutdown calls it; after a cold one
    (or a killed worker) the row simply ages out after three beats."""
    finish = _heartbeat.pop("finish", None)
    if finish is None:
        return
    try:
        finish()
    except Exception as exc:  # a worker going down with the database: its row simply ages out
        logging.getLogger(__name__).info("heartbeat row not removed: %s", exc)


@task_prerun.connect
def _log_task_id(task_id: str | None = None, **_: object) -> None:
    from .logging import task_started

    task_started(task_id)


@task_postrun.connect
def _log_task_done(**_: object) -> None:
    from .logging import task_finished

    task_finished()
