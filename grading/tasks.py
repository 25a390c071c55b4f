"""Celery tasks of the grading app: thin wrappers that take ids and call services."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_process_init, worker_process_shutdown


@worker_process_init.connect
def _warm_up(**_: object) -> None:
    """Start this (prefork) worker process's warm sandboxes before the first job arrives.

    Only prefork children warm up at start; a solo or in-test worker warms lazily on its
    first job (GRADING_WARM_POOL=0 turns warm sandboxes off)."""
    from .services import warm_pool

    warm_pool()


@worker_process_shutdown.connect
def _cool_down(**_: object) -> None:
    """End this worker process's warm sandboxes and trusted parent as it stops: a prefork child
    leaves through os._exit, which skips atexit, and their job-folder mounts would stay behind."""
    from . import services
    from .runner.autograde import _COMPANIONS

    pool = services._POOL
    if pool is not None:
        pool.close()
    for server in list(_COMPANIONS.values()):
        server.discard()


@shared_task(name="grading.grade_submission", acks_late=True, reject_on_worker_lost=False, ignore_result=True)
def grade_submission(submission_id: int) -> str | None:
    """Grade one submission; the attempt counter lives on the row, not in Celery."""
    from .services import submission_grade

    sub = submission_grade(submission_id=submission_id)
    return sub.status if sub is not None else None


@shared_task(name="grading.sweep", ignore_result=True)
def sweep() -> int:
    """Periodic: enqueue submissions that were received but never queued, or lost mid-job."""
    from .services import submissions_sweep

    return submissions_sweep()
