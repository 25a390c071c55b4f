"""The core app's own rows: what operations need to remember across processes.

- :class:`WorkerHeartbeat`: each Celery worker writes its row every few seconds (``core.heartbeat``),
  so the site overview and ``/readyz`` can tell a live worker from a dead one with any broker —
  the embedded SQLite broker cannot answer ``inspect ping``.
- :class:`JobClaim`: which worker holds a running job (``core.jobs.claim`` writes it), so that the
  sweep sees at once that *that* worker is gone, even while other workers of its queue beat on.
- :class:`DemoCourse`: courses that ``manage.py load_demo`` created. Demo-only data (made-up
  students, seeded results) goes into these and nowhere else.
"""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    hostname = models.CharField(max_length=255, unique=True)  # Celery's node name, e.g. celery@web1
    queues = models.CharField(max_length=255, blank=True)  # comma-separated queues it consumes
    pid = models.IntegerField(default=0)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ("hostname",)
        verbose_name = "worker heartbeat"

    def __str__(self) -> str:
        return f"{self.hostname} (seen {self.seen_at:%Y-%m-%d %H:%M:%S})"


class JobClaim(models.Model):
    queue = models.CharField(max_length=64)  # core.jobs.JobQueue.name
    job_id = models.BigIntegerField()
    hostname = models.CharField(max_length=255)  # the Celery node name, as in WorkerHeartbeat
    claimed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=("queue", "job_id"), name="core_jobclaim_one_per_job")]
        verbose_name = "job claim"

    def __str__(self) -> str:
        return f"{self.queue} {self.job_id} on {self.hostname}"


class DemoCourse(models.Model):
    course = models.OneToOneField("courses.Course", on_delete=models.CASCADE, related_name="demo_mark")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "demo course"

    def __str__(self) -> str:
        return f"demo: {self.course_id}"
