"""A student's attempt at a quiz or exam, and their autosaved answers.

The questions themselves are course content (``courses.ActivityVersion`` facts point at the
content-addressed definition and variants; see :mod:`assessments.importing`). An attempt records
the questions drawn and the variant seeds (``layout``), when it started, and once graded the
per-part results; its score reaches the gradebook as a ``grading.Submission`` (the one scoring
rule), linked here.

The deadline is not stored: it is computed by one rule (:func:`assessments.services.deadline_rule`)
from the start, the time limit, the student's extra-time factor and the due time in force
(extension included) *as they are now*, so an extension or accommodation granted mid-exam moves it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.utils.translation import gettext_lazy as _

# Attributes that ``AttemptQuerySet.with_deadline_inputs`` annotates (dropped on refresh_from_db).
DEADLINE_INPUTS = ("deadline_due", "deadline_factor", "deadline_blob", "deadline_read_only")


class AttemptStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    SUBMITTED = "submitted", _("Submitted, being graded")
    GRADED = "graded", _("Graded")
    ERROR = "error", _("Grading failed")


class ClosedBy(models.TextChoices):
    STUDENT = "student", _("Submitted by the student")
    TIMEOUT = "timeout", _("Closed by the server at the time limit")


class AttemptQuerySet(models.QuerySet["Attempt"]):
    def with_deadline_inputs(self) -> AttemptQuerySet:
        """Annotate what the deadline rule needs, in the same query (no query per attempt later):

        ``deadline_due``: the due time in force for the student (their extension, else their
        offering's, else the activity's: ``courses.selectors.due_in_force_expression``); ``deadline_factor``: their extra-time factor in
        the course (``grading.selectors.extra_time_factor``, None without an accommodation);
        ``deadline_blob``: the digest of the version's assessment definition (time limit, IP ranges);
        ``deadline_read_only``: the student's offering's term has ended (``courses.selectors.enrollment_read_only``).
        """
        from courses.selectors import due_in_force_expression, read_only_expression
        from grading.models import Accommodation

        accommodation = Accommodation.objects.filter(
            course_id=OuterRef("activity__course_id"), user_id=OuterRef("user_id")
        )
        return self.annotate(
            deadline_due=due_in_force_expression(
                activity_id=OuterRef("activity_id"), user_id=OuterRef("user_id"), activity_due=F("activity__due_at")
            ),
            deadline_factor=Subquery(accommodation.values("extra_time_factor")[:1]),
            deadline_blob=KeyTextTransform("assessment_blob", "version__facts"),
            deadline_read_only=read_only_expression(course_id=OuterRef("activity__course_id"), user_id=OuterRef("user_id")),
        )


class Attempt(models.Model):
    activity = models.ForeignKey("courses.Activity", on_delete=models.PROTECT, related_name="quiz_attempts")
    version = models.ForeignKey("courses.ActivityVersion", on_delete=models.PROTECT, related_name="quiz_attempts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quiz_attempts")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=AttemptStatus.choices, default=AttemptStatus.OPEN, db_index=True)
    started_at = models.DateTimeField()
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

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ("-started_at", "-id")
        constraints = [models.UniqueConstraint(fields=("activity", "user", "number"), name="quiz_attempt_number")]
        indexes = [models.Index(fields=("activity", "user"))]

    def __str__(self) -> str:
        return f"{self.user} · {self.activity} #{self.number}"

    @property
    def deadline_at(self) -> datetime | None:
        """The server's time authority, as of now: answers after it are refused (None: no limit, no close)."""
        from .services import attempt_deadline

        return attempt_deadline(self)

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        super().refresh_from_db(*args, **kwargs)
        for name in DEADLINE_INPUTS:  # an extension may have been granted since they were read
            self.__dict__.pop(name, None)


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
