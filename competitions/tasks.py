"""Celery tasks (queue "grading" by the competitions.* route): thin, they take ids and call a service."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="competitions.evaluate", acks_late=True)
def evaluate(submission_id: int) -> str:
    from .services import submission_evaluate

    return submission_evaluate(submission_id=submission_id).status


@shared_task(name="competitions.sweep")
def sweep() -> int:
    from .services import submissions_sweep

    return submissions_sweep()
