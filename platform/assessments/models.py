"""A student's attempt at a quiz or exam, and their autosaved answers.

The questions themselves are course content (``courses.ActivityVersion`` facts point at the
content-addressed definition and variants; see :mod:`assessments.importing`). An attempt records
the questions drawn and the variant seeds (``layout``), the server's deadline, and once graded
the per-part results; its score reaches the gradebook as a ``grading.Submission`` (the one
scoring rule), linked here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AttemptStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    SUBMITTED = "submitted", _("Submitted, being graded")
    GRADED = "graded", _("Graded")
    ERROR = "error", _("Grading failed")


class ClosedBy(models.TextChoices):
    STUDENT = "student", _("Submitted by the student")
    TIMEOUT = "timeout", _("Closed by the server at the time limit")


class Attempt(models.Model):
    activity = models.ForeignKey("courses.Activity", on_delete=models.PROTECT, related_name="quiz_attempts")
    version = models.ForeignKey("courses.ActivityVersion", on_delete=models.PROTECT, related_name="quiz_attempts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quiz_attempts")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=AttemptStatus.choices, default=AttemptStatus.OPEN, db_index=True)
    started_at = models.DateTimeField()
    # The server's time authority: answers after this are refused (None: no limit, no close).
    deadline_at = models.DateTimeField(null=True, blank=True, db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.CharField(max_length=16, choices=ClosedBy.choices, blank=True)
    # [{"qid", "seed", "perm": {part: [shown index -> option index]}}], fixed at start
    layout = models.JSONField(default=list)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    results = models.JSONField(default=dict, blank=True)  # "qid.part" -> {"fraction", "points", "feedback"}
    grading_attempts = models.PositiveSmallIntegerField(default=0)
    submission = models.OneToOneField(
        "grading.Submission", on_delete=models.SET_NULL, null=True, blank=True, related_name="quiz_attempt"
    )

    class Meta:
        ordering = ("-started_at", "-id")
        constraints = [models.UniqueConstraint(fields=("activity", "user", "number"), name="quiz_attempt_number")]
        indexes = [models.Index(fields=("activity", "user")), models.Index(fields=("status", "deadline_at"))]

    def __str__(self) -> str:
        return f"{self.user} · {self.activity} #{self.number}"


class Answer(models.Model):
    """The newest saved answer to one part of one attempt (``key`` = ``qid.part``).

    ``seq`` is the client's counter: a save with a lower or equal ``seq`` than the stored one is
    an older save that arrived late and is ignored, so reordering on the network never loses
    the newer answer.
    """

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    key = models.CharField(max_length=100)
    value = models.JSONField(null=True)
    seq = models.BigIntegerField(default=0)
    first_saved_at = models.DateTimeField()
    saved_at = models.DateTimeField()
    saves = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=("attempt", "key"), name="quiz_answer_per_part")]

    def __str__(self) -> str:
        return f"{self.attempt_id}:{self.key}"
