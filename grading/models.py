"""Submissions: what a student handed in, when the server received it, and its grading state.

Scores written by the autograder live on the submission (``cells``: one entry per graded
cell, from the trusted process only). Teachers' work is kept as append-only history rows
(``ManualGrade``, ``Override``): the latest row wins, earlier rows stay for the record.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import FINAL_STATUSES, SubmissionSource, SubmissionStatus


class Submission(models.Model):
    activity = models.ForeignKey("courses.Activity", on_delete=models.PROTECT, related_name="submissions")
    # The content version the student answered; PROTECT keeps it through any re-import.
    version = models.ForeignKey("courses.ActivityVersion", on_delete=models.PROTECT, related_name="submissions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions")
    received_at = models.DateTimeField(_("received at"), db_index=True)
    blob = models.CharField(max_length=64, help_text=_("SHA-256 of the notebook bytes"))
    size = models.PositiveIntegerField()
    filename = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=16, choices=SubmissionSource.choices)
    idempotency_key = models.CharField(max_length=80)
    status = models.CharField(
        max_length=20, choices=SubmissionStatus.choices, default=SubmissionStatus.RECEIVED, db_index=True
    )
    # Lateness, decided once from the server's receipt time and the due date in force then.
    late_seconds = models.PositiveIntegerField(default=0)
    penalty = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal(0))
    # Grading bookkeeping: our own attempt counter (acks_late alone can loop forever).
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    # Results from the trusted process.
    auto_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    cells = models.JSONField(default=list, blank=True)
    feedback_blob = models.CharField(max_length=64, blank=True)
    message = models.CharField(max_length=500, blank=True, help_text=_("Shown to the student"))
    log = models.TextField(blank=True, help_text=_("Execution log, for staff only"))

    class Meta:
        ordering = ("-received_at",)
        constraints = [
            models.UniqueConstraint(fields=("user", "activity", "idempotency_key"), name="submission_idempotent"),
        ]
        indexes = [models.Index(fields=("activity", "user", "-received_at"))]

    def __str__(self) -> str:
        return f"{self.user} → {self.activity} at {self.received_at:%Y-%m-%d %H:%M:%S}"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def is_late(self) -> bool:
        return self.late_seconds > 0


class ManualGrade(models.Model):
    """A teacher's or TA's score for one manually graded cell; newest row per cell wins."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="manual_grades")
    grade_id = models.CharField(max_length=200)
    score = models.DecimalField(max_digits=8, decimal_places=2)
    comment = models.TextField(blank=True)
    graded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # The rubric items the grader ticked ({"id", "label", "points"} each), kept as they read then.
    rubric = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.grade_id}: {self.score}"


class Override(models.Model):
    """A staff override of a submission's total, with the reason; newest row wins, history kept."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="overrides")
    score = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True, help_text=_("Empty clears the override")
    )
    reason = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"override {self.score} ({self.reason[:40]})"


class Extension(models.Model):
    """A per-student due date that replaces the activity's."""

    activity = models.ForeignKey("courses.Activity", on_delete=models.CASCADE, related_name="extensions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="extensions")
    due_at = models.DateTimeField()
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=("activity", "user"), name="extension_unique")]

    def __str__(self) -> str:
        return f"{self.user} until {self.due_at:%Y-%m-%d %H:%M}"


class ScoreRelease(models.Model):
    """Teacher's switch: with ``hidden`` set, students do not see the activity's scores yet."""

    activity = models.OneToOneField("courses.Activity", on_delete=models.CASCADE, related_name="score_release")
    hidden = models.BooleanField(default=False)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    def __str__(self) -> str:
        return f"{self.activity}: {'hidden' if self.hidden else 'released'}"


class GeneralComment(models.Model):
    """The teacher's general comment on a submission (history kept; newest row wins; empty clears)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="general_comments")
    text = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return self.text[:40]


class Accommodation(models.Model):
    """Per student for a whole course: extra time on timed work (1.5 = half as long again)."""

    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="accommodations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="accommodations")
    extra_time_factor = models.DecimalField(_("extra time factor"), max_digits=4, decimal_places=2, default=Decimal(1))
    note = models.CharField(_("note"), max_length=200, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=("course", "user"), name="accommodation_unique")]

    def __str__(self) -> str:
        return f"{self.user} ×{self.extra_time_factor}"


class RubricItem(models.Model):
    """A teacher-defined rubric line for one question (activity + grade id), reused for every student."""

    activity = models.ForeignKey("courses.Activity", on_delete=models.CASCADE, related_name="rubric_items")
    grade_id = models.CharField(max_length=200)
    label = models.CharField(_("rubric item"), max_length=200)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("order", "id")
        indexes = [models.Index(fields=("activity", "grade_id"))]

    def __str__(self) -> str:
        return f"{self.label} ({self.points})"


class SavedComment(models.Model):
    """A reusable comment for one question (activity + grade id)."""

    activity = models.ForeignKey("courses.Activity", on_delete=models.CASCADE, related_name="saved_comments")
    grade_id = models.CharField(max_length=200)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)
        indexes = [models.Index(fields=("activity", "grade_id"))]

    def __str__(self) -> str:
        return self.text[:40]


class Section(models.Model):
    """A named group of a course's students; TAs assigned to sections grade only their students."""

    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="sections")
    name = models.CharField(_("section"), max_length=100)
    students = models.ManyToManyField("courses.Enrollment", related_name="sections", blank=True)
    tas = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="ta_sections", blank=True)

    class Meta:
        ordering = ("name", "id")
        constraints = [models.UniqueConstraint(fields=("course", "name"), name="section_name_unique")]

    def __str__(self) -> str:
        return self.name
