"""The core app's own rows: what operations need to remember across processes.

- :class:`WorkerHeartbeat`: each Celery worker writes its row every few seconds (``core.heartbeat``),
  so the site overview and ``/readyz`` can tell a live worker from a dead one with any broker —
  the embedded SQLite broker cannot answer ``inspect ping``.
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


class DemoCourse(models.Model):
    course = models.OneToOneField("courses.Course", on_delete=models.CASCADE, related_name="demo_mark")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "demo course"

    def __str__(self) -> str:
        return f"demo: {self.course_id}"
