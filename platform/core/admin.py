"""Admin pages of the core app: worker heartbeats, job claims and demo-course marks (read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import DemoCourse, JobClaim, WorkerHeartbeat


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(_ReadOnly):
    list_display = ("hostname", "queues", "pid", "started_at", "seen_at")


@admin.register(JobClaim)
class JobClaimAdmin(_ReadOnly):
    list_display = ("queue", "job_id", "hostname", "claimed_at")
    list_filter = ("queue",)
    search_fields = ("hostname",)


@admin.register(DemoCourse)
class DemoCourseAdmin(_ReadOnly):
    list_display = ("course", "created_at")
    list_select_related = ("course",)
    raw_id_fields = ("course",)
