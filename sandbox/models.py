"""The lab's own rows: the admission queue of lab starts, lab preparations and scheduled lessons.

Everything else about a lab lives in the hub; these rows only decide *when* the site asks the hub
to start a server (sandbox.services: ``lab_start``, ``queue_pump``, ``labs_prepare``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class StartState(models.TextChoices):
    QUEUED = "queued", _("queued")
    STARTING = "starting", _("starting")
    READY = "ready", _("ready")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")
    STOPPED = "stopped", _("stopped")


ACTIVE_STATES = (StartState.QUEUED, StartState.STARTING)


class StartReason(models.TextChoices):
    CLICK = "click", _("opened by the student")
    PREPARE = "prepare", _("prepared for a lesson")


class StartPriority(models.IntegerChoices):
    STUDENT_WAITING = 0, _("a student is waiting")
    PREPARED = 1, _("prepared ahead")


class AdmissionGate(models.Model):
    """One row; every admission locks it first (UPDATE), so admitters take turns on every database."""

    turns = models.PositiveBigIntegerField(default=0)
    drive_until = models.DateTimeField(null=True, blank=True)  # a worker follows the queue until then

    def __str__(self) -> str:
        return f"admission gate ({self.turns} turns)"


class LabPreparation(models.Model):
    """A teacher's "prepare labs" (or a scheduled lesson's): which labs it asked for."""

    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="lab_preparations")
    section = models.ForeignKey("grading.Section", on_delete=models.SET_NULL, null=True, blank=True)
    lesson = models.ForeignKey("sandbox.ScheduledLesson", on_delete=models.SET_NULL, null=True, blank=True)
    # the notebook the class will open: written into each prepared lab before the click, its warm kernel bound
    activity = models.ForeignKey("courses.Activity", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    students = models.PositiveIntegerField(default=0)
    already_running = models.PositiveIntegerField(default=0)
    skipped_budget = models.PositiveIntegerField(default=0)
    budget_mb = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("lab preparation")
        verbose_name_plural = _("lab preparations")

    def __str__(self) -> str:
        return f"{self.course_id} {self.created_at:%Y-%m-%d %H:%M}"


class LabStart(models.Model):
    """One start of one student's lab: queued, admitted (starting), then ready or failed.

    At most one queued-or-starting row per user. Rows are admitted in (priority, id) order, at
    most ``LAB_START_CONCURRENCY`` starting at once; the hub is asked only at admission, so the
    hub's start timeout counts from there, not from the click.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lab_starts")
    profile = models.CharField(max_length=64)
    memory_mb = models.PositiveIntegerField(default=0)
    reason = models.CharField(max_length=16, choices=StartReason.choices, default=StartReason.CLICK)
    priority = models.PositiveSmallIntegerField(choices=StartPriority.choices, default=StartPriority.STUDENT_WAITING)
    state = models.CharField(max_length=16, choices=StartState.choices, default=StartState.QUEUED)
    preparation = models.ForeignKey(
        LabPreparation, on_delete=models.SET_NULL, null=True, blank=True, related_name="starts"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(null=True, blank=True)  # a waiting page's last poll
    admitted_at = models.DateTimeField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)  # the hub accepted the start
    finished_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)  # the student asked for this lab
    # a prepared lab with its preparation's activity placed (notebooks written, warm kernel bound and idle);
    # the student's first "enter" of that activity takes it without asking their server again, and clears it
    placed_at = models.DateTimeField(null=True, blank=True)
    placed_version = models.ForeignKey(
        "courses.ActivityVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    placed_lang = models.CharField(max_length=16, blank=True)  # the notebooks' language as placed
    place_tries = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ("priority", "id")
        indexes = [models.Index(fields=("state", "priority", "id"), name="labstart_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=("user",), condition=Q(state__in=("queued", "starting")), name="labstart_one_active_per_user"
            )
        ]
        verbose_name = _("lab start")
        verbose_name_plural = _("lab starts")

    def __str__(self) -> str:
        return f"{self.user_id} {self.state}"


class ScheduledLesson(models.Model):
    """A lesson at a set time: the housekeeping prepares its students' labs shortly before it."""

    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="scheduled_lessons")
    section = models.ForeignKey(
        "grading.Section",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("class"),
        help_text=_("Leave empty for all students of the course."),
    )
    starts_at = models.DateTimeField(_("starts at"))
    activity = models.ForeignKey(
        "courses.Activity",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("activity"),
        help_text=_("Its notebook is placed in each prepared lab, so the click opens it at once."),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    prepared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("starts_at", "id")
        indexes = [models.Index(fields=("prepared_at", "starts_at"), name="lesson_due")]
        verbose_name = _("scheduled lesson")
        verbose_name_plural = _("scheduled lessons")

    def __str__(self) -> str:
        return f"{self.course_id} {self.starts_at:%Y-%m-%d %H:%M}"
