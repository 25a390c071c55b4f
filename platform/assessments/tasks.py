"""Celery tasks of the assessments app: thin wrappers that take ids and call services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="assessments.grade_attempt", acks_late=True, reject_on_worker_lost=False, ignore_result=True)
def grade_attempt(attempt_id: int) -> str:
    """Grade one submitted attempt (sympy, qiskit and short code run in the grading sandbox)."""
    from .services import attempt_grade

    return str(attempt_grade(attempt_id=attempt_id).status)


@shared_task(name="assessments.close_expired", ignore_result=True)
def close_expired() -> int:
    """Periodic: close open attempts past their deadline (pages close them lazily too)."""
    from .services import attempts_close_expired, attempts_resend_stuck

    return attempts_close_expired() + attempts_resend_stuck()
