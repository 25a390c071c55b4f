"""Reads of the grading app."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Submission


def recent_feedback_for_user(*, user: object, limit: int = 5) -> QuerySet[Submission]:
    """The user's latest submissions, newest first, for the student home page."""
    return (
        Submission.objects.filter(user=user)
        .select_related("activity", "activity__course")
        .order_by("-received_at")[:limit]
    )
