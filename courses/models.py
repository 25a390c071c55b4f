"""Course → Unit → Activity, enrollments with per-course roles, and versioned content.

Content is versioned: every import that changes an activity's files creates a new
:class:`ActivityVersion`; submissions point at the version they answered, so a
re-import never pulls the ground from under a graded notebook.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .enums import STAGE_OF_KIND, ActivityKind, FileKind, Role, Stage

JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(8))


class Bilingual(models.Model):
    """Title and summary in English with an optional Simplified Chinese translation."""

    title = models.CharField(_("title"), max_length=200)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    summary_zh = models.TextField(_("summary (Chinese)"), blank=True)

    class Meta:
        abstract = True

    def _pick(self, en: str, zh: str) -> str:
        return zh if zh and (get_language() or "").startswith("zh") else en

    @property
    def local_title(self) -> str:
        return self._pick(self.title, self.title_zh)

    @property
    def local_summary(self) -> str:
        return self._pick(self.summary, self.summary_zh)


class Course(Bilingual):
    slug = models.SlugField(_("short name"), max_length=64, unique=True)
    join_code = models.CharField(_("join code"), max_length=16, unique=True, default=new_join_code)
    join_open = models.BooleanField(_("students may join with the code"), default=True)
    language = models.CharField(_("content language"), max_length=10, default="en")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Digest of the last imported folder: a re-import of identical content is a no-op.
    source_digest = models.CharField(max_length=64, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    # The school or district whose template this is (offered per class and term: orgs.Offering).
    owner = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="courses",
        verbose_name=_("owned by"),
    )

    class Meta:
        ordering = ("title",)
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self) -> str:
        return self.title


class Enrollment(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.STUDENT)
    # The offering (class × term × school) the member takes or teaches the course in; NULL only
    # for staff of the whole template (its authors).
    offering = models.ForeignKey(
        "orgs.Offering", on_delete=models.PROTECT, null=True, blank=True, related_name="enrollments"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=("course", "user"), name="one_enrollment_per_user")]
        indexes = [models.Index(fields=("user", "role"))]
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")

    def __str__(self) -> str:
        return f"{self.user} in {self.course} as {self.role}"


class Unit(Bilingual):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="units")
    slug = models.SlugField(max_length=64)
    order = models.PositiveIntegerField(default=0)
    archived = models.BooleanField(default=False, help_text=_("Removed from the course folder; kept for history."))

    class Meta:
        ordering = ("order", "id")
        constraints = [models.UniqueConstraint(fields=("course", "slug"), name="unit_slug_unique_in_course")]

    def __str__(self) -> str:
        return self.title


class Counting(models.TextChoices):
    """Which attempt counts (the values of ``grading.scoring.Counting``, the rule's owner)."""

    LATEST_ON_TIME = "latest_on_time", _("Latest on-time attempt")
    BEST = "best", _("Best attempt")
    LATEST = "latest", _("Latest attempt")


class ActivityQuerySet(models.QuerySet["Activity"]):
    def released(self, at: datetime | None = None) -> ActivityQuerySet:
        now = at or timezone.now()
        return self.filter(models.Q(release_at__isnull=True) | models.Q(release_at__lte=now))

    def live(self) -> ActivityQuerySet:
        return self.filter(archived=False, unit__archived=False)


class Activity(Bilingual):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="activities")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="activities")
    slug = models.SlugField(max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=ActivityKind.choices)
    order = models.PositiveIntegerField(default=0)
    release_at = models.DateTimeField(_("released at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=2, default=0)
    concepts = models.JSONField(_("concept tags"), default=list, blank=True)
    # Which attempt counts toward the grade (manifest ``counting:``), for assignments and exams.
    counting = models.CharField(
        _("counted attempt"), max_length=16, choices=Counting.choices, default=Counting.LATEST_ON_TIME
    )
    # Kind-specific settings from the manifest (late policy, competition slug, ...).
    options = models.JSONField(default=dict, blank=True)
    current_version = models.ForeignKey(
        "ActivityVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    archived = models.BooleanField(default=False, help_text=_("Removed from the course folder; kept for history."))

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ("unit__order", "order", "id")
        constraints = [models.UniqueConstraint(fields=("course", "slug"), name="activity_slug_unique_in_course")]
        indexes = [models.Index(fields=("course", "release_at")), models.Index(fields=("course", "due_at"))]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return self.title

    @property
    def stage(self) -> Stage:
        return STAGE_OF_KIND[ActivityKind(self.kind)]

    def is_released(self, at: datetime | None = None) -> bool:
        return self.release_at is None or self.release_at <= (at or timezone.now())

    def is_past_due(self, at: datetime | None = None) -> bool:
        return self.due_at is not None and self.due_at < (at or timezone.now())


class ActivityVersion(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    digest = models.CharField(max_length=64, help_text=_("SHA-256 over the version's files and settings"))
    created_at = models.DateTimeField(auto_now_add=True)
    # Sanitised HTML rendered at import time (lesson Markdown, or the student notebook),
    # so that no page view ever runs Markdown or nbconvert.
    body_html = models.TextField(blank=True)
    # The Simplified Chinese rendering, from the translation beside the file (``intro.zh.md``) or the
    # notebook cells' ``metadata.liangzhi.zh``; empty when the activity has none (the page falls back
    # to English and says so).
    body_html_zh = models.TextField(blank=True)
    # Kind-specific facts computed at import (e.g. nbgrader's max score per cell).
    facts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("activity", "-number")
        constraints = [models.UniqueConstraint(fields=("activity", "number"), name="version_number_unique")]

    def __str__(self) -> str:
        return f"{self.activity.slug} v{self.number}"


class ActivityFile(models.Model):
    version = models.ForeignKey(ActivityVersion, on_delete=models.CASCADE, related_name="files")
    path = models.CharField(max_length=255, help_text=_("Path relative to the activity, with forward slashes"))
    kind = models.CharField(max_length=16, choices=FileKind.choices)
    blob = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()

    class Meta:
        ordering = ("path",)
        constraints = [models.UniqueConstraint(fields=("version", "path"), name="file_path_unique_in_version")]

    def __str__(self) -> str:
        return self.path


class CourseImport(models.Model):
    """A course zip uploaded from the site, imported by a worker (courses.tasks): verifying
    changed assignments runs them in the grading sandbox, which is too long for a web request.
    A job of the job kernel (core.jobs): status, attempts, received_at, queued_at, started_at."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Refused")
        NEEDS_ATTENTION = "needs_attention", _("Needs attention")

    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="course_imports")
    # The course being updated; empty for a new course until the import creates it.
    course = models.ForeignKey(Course, on_delete=models.SET_NULL, null=True, blank=True, related_name="imports")
    expect_slug = models.SlugField(max_length=64, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED, db_index=True)
    stage = models.CharField(max_length=200, blank=True)  # what the worker is doing now
    attempts = models.PositiveSmallIntegerField(default=0)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(blank=True)  # English (the admin's and the shell's words)
    # The summary's clauses and every problem line as message ids + params (courses.importer.Message),
    # shown in the viewer's language; plain strings in rows from before.
    summary_parts = models.JSONField(default=list, blank=True)
    problems = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ("-received_at",)
        verbose_name = _("course import")
        verbose_name_plural = _("course imports")

    def __str__(self) -> str:
        return f"{self.filename or 'course zip'} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.NEEDS_ATTENTION)


class Announcement(models.Model):
    """A course announcement: Markdown from staff, sanitised at save like lessons (``courses.rendering``)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="announcements")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text (Markdown)"), blank=True)
    body_html = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")

    def __str__(self) -> str:
        return self.title
