"""Submissions: what a student handed in, when the server received it, and its grading state."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import SubmissionSource, SubmissionStatus


class Submission(models.Model):
    activity = models.ForeignKey("courses.Activity", on_delete=models.PROTECT, related_name="submissions")
    # The content version the student answered; PROTECT keeps it through any re-import.
    version = models.ForeignKey("courses.ActivityVersion", on_delete=models.PROTECT, related_name="submissions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions")
    received_at = models.DateTimeField(_("received at"), db_index=True)
    blob = models.CharField(max_length=64, help_text=_("SHA-256 of the notebook bytes"))
    size = models.PositiveIntegerField()
    source = models.CharField(max_length=16, choices=SubmissionSource.choices)
    idempotency_key = models.CharField(max_length=80)
    status = models.CharField(
        max_length=20, choices=SubmissionStatus.choices, default=SubmissionStatus.RECEIVED, db_index=True
    )

    class Meta:
        ordering = ("-received_at",)
        constraints = [
            models.UniqueConstraint(fields=("user", "activity", "idempotency_key"), name="submission_idempotent"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.activity} at {self.received_at:%Y-%m-%d %H:%M:%S}"
