"""Counting reads of the courses app for the site overview (admins)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from .enums import Role
from .models import Course


def courses_overview() -> list[dict[str, Any]]:
    """Every course with its number of students, staff and live activities (one query)."""
    rows = Course.objects.annotate(
        n_students=Count("enrollments", filter=Q(enrollments__role=Role.STUDENT), distinct=True),
        n_staff=Count("enrollments", filter=~Q(enrollments__role=Role.STUDENT), distinct=True),
        n_activities=Count("activities", filter=Q(activities__archived=False), distinct=True),
    ).order_by("title")
    return [
        {"course": c, "students": c.n_students, "staff": c.n_staff, "activities": c.n_activities}  # type: ignore[attr-defined]
        for c in rows
    ]


def site_counts() -> dict[str, int]:
    """Users in all, active in the last week (logged in), course creators."""
    users = get_user_model().objects
    week = timezone.now() - timedelta(days=7)
    return users.aggregate(
        users=Count("id"),
        active_week=Count("id", filter=Q(last_login__gte=week)),
        creators=Count("id", filter=Q(can_create_courses=True)),
    )
