"""Tenancy: district → schools → classes and terms → course offerings of course templates.

A :class:`courses.models.Course` is a *template*: its units, activities and versions are the
content, owned by a school or a district. An :class:`Offering` teaches a template to one or more
classes of one school in one term without copying it; enrolments point at their offering, so
grades, due dates and read-only-ness follow the offering while the content stays single-sourced.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .enums import OrgKind, OrgRole


class _Named(models.Model):
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def local_name(self) -> str:
        return self.name_zh if self.name_zh and (get_language() or "").startswith("zh") else self.name


class Organisation(_Named):
    """A district (groups schools) or a school (has people, classes, terms and offerings)."""

    kind = models.CharField(_("kind"), max_length=16, choices=OrgKind.choices, default=OrgKind.SCHOOL)
    slug = models.SlugField(_("short name"), max_length=64, unique=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="schools", verbose_name=_("district")
    )
    # Usernames of imported people are "<prefix>-<student number>": unique site-wide, readable.
    # NULL for the migration's default school (its people keep the names they had).
    username_prefix = models.SlugField(
        _("username prefix"), max_length=16, unique=True, null=True, blank=True
    )
    # Quotas (empty: no limit beyond the site's). Enforced by the lab start queue and the grading queue.
    lab_concurrent_limit = models.PositiveIntegerField(_("labs running at once"), null=True, blank=True)
    lab_profile = models.CharField(_("lab profile"), max_length=64, blank=True)
    grading_jobs_per_hour = models.PositiveIntegerField(_("grading jobs per hour"), null=True, blank=True)
    # A district's admins see aggregates only unless this is set (students' names and numbers stay
    # in their school otherwise).
    district_sees_names = models.BooleanField(_("district admins may see students' names"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("kind", "name")
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind=OrgKind.DISTRICT) | models.Q(parent__isnull=True),
                name="district_has_no_parent",
            )
        ]

    @property
    def is_district(self) -> bool:
        return self.kind == OrgKind.DISTRICT


class SchoolClass(_Named):
    """A class (班级) of one school: "Grade 11 Class 3"."""

    school = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="classes")
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)
    archived = models.BooleanField(_("archived"), default=False)
    graduated_on = models.DateField(_("graduated on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("school", "grade", "name")
        constraints = [models.UniqueConstraint(fields=("school", "name"), name="class_name_unique_in_school")]
        verbose_name = _("class")
        verbose_name_plural = _("classes")


class Membership(models.Model):
    """A person's role in one organisation; a student's class and student number live here."""

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=OrgRole.choices, default=OrgRole.STUDENT)
    student_number = models.CharField(_("student or staff number"), max_length=64, blank=True)
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.SET_NULL, null=True, blank=True, related_name="members", verbose_name=_("class")
    )
    archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("org", "user"), name="one_membership_per_org"),
            models.UniqueConstraint(
                fields=("org", "student_number"),
                condition=~models.Q(student_number=""),
                name="student_number_unique_in_org",
            ),
        ]
        indexes = [models.Index(fields=("user", "role"))]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} @ {self.org_id}"


class Term(_Named):
    """A school term ("Autumn 2026"); a district's terms are shared by its schools."""

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="terms")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True, help_text=_("Empty: open-ended."))

    class Meta:
        ordering = ("-starts_on", "name")
        verbose_name = _("term")
        verbose_name_plural = _("terms")

    def has_ended(self, today: date | None = None) -> bool:
        return self.ends_on is not None and self.ends_on < (today or timezone.localdate())


class Offering(models.Model):
    """A course template taught to classes of one school in one term. Past terms are read-only."""

    course = models.ForeignKey("courses.Course", on_delete=models.PROTECT, related_name="offerings")
    school = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="offerings")
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="offerings")
    classes = models.ManyToManyField(SchoolClass, related_name="offerings", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-term__starts_on", "course__title", "id")
        verbose_name = _("course offering")
        verbose_name_plural = _("course offerings")

    def __str__(self) -> str:
        return f"{self.course_id} / {self.term_id} / {self.school_id}"

    @property
    def read_only(self) -> bool:
        return self.term.has_ended()


class OfferingDue(models.Model):
    """An offering's own due time for one activity of its template (the template's otherwise)."""

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="due_overrides")
    activity = models.ForeignKey("courses.Activity", on_delete=models.CASCADE, related_name="offering_dues")
    due_at = models.DateTimeField(_("due at"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=("offering", "activity"), name="one_due_per_offering")]

    def __str__(self) -> str:
        return f"{self.offering_id}/{self.activity_id} {self.due_at:%Y-%m-%d %H:%M}"
