"""Celery tasks of the core app: the job kernel's housekeeping (thin: it calls core.jobs)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="core.housekeeping", ignore_result=True)
def housekeeping() -> dict[str, int]:
    """Periodic: sweep every job queue, prune delivered broker messages and dead jobs' folders."""
    from .jobs import housekeeping as run

    return run()
