"""Celery tasks of the courses app: thin wrappers that take ids and call services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="courses.import_course_zip", acks_late=True, reject_on_worker_lost=False, ignore_result=True)
def import_course_zip(job_id: int) -> str | None:
    """Import one uploaded course zip (it verifies changed assignments in the sandbox)."""
    from .imports import course_import_run

    job = course_import_run(job_id=job_id)
    return job.status if job is not None else None
