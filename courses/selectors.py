"""Reads of the courses app: who may see what. Every page that lists activities asks here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Union, cast

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from .enums import STAFF_ROLES, STUDENT_VISIBLE_FILES, ActivityKind, FileKind, Role
from .models import Activity, ActivityFile, ActivityVersion, Course, Enrollment, Unit

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

AnyUser = Union["User", "AnonymousUser"]


@dataclass(frozen=True)
class Access:
    """What one user may do in one course."""

    course: Course
    role: Role | None
    is_admin: bool

    @property
    def is_member(self) -> bool:
        return self.role is not None or self.is_admin

    @property
    def is_staff(self) -> bool:
        """Teacher, TA or site admin: sees unreleased work and everyone's results."""
        return self.is_admin or self.role in STAFF_ROLES

    @property
    def is_teacher(self) -> bool:
        """May change the course: content, roster, settings."""
        return self.is_admin or self.role == Role.TEACHER

    @property
    def is_student(self) -> bool:
        return self.role == Role.STUDENT


def course_role(*, user: AnyUser, course: Course) -> Role | None:
    """The user's role in the course, or None; inactive and anonymous users have none."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    role = Enrollment.objects.filter(course=course, user=cast("User", user)).values_list("role", flat=True).first()
    return Role(role) if role else None


def course_access(*, user: AnyUser, slug: str) -> Access:
    """The course and the user's access to it; 404 for anyone who is not a member.

    Outsiders get 404 rather than 403 so that course names do not leak.
    """
    course = Course.objects.filter(slug=slug).first()
    if course is None:
        raise Http404("No such course.")
    is_admin = bool(getattr(user, "is_active", False) and getattr(user, "is_superuser", False))
    access = Access(course=course, role=course_role(user=user, course=course), is_admin=is_admin)
    if not access.is_member:
        raise Http404("No such course.")
    return access


def courses_for_user(*, user: AnyUser) -> list[tuple[Course, Role]]:
    """The user's courses with their role in each, by title."""
    if not getattr(user, "is_authenticated", False):
        return []
    rows = (
        Enrollment.objects.filter(user=cast("User", user), course__isnull=False)
        .select_related("course")
        .order_by("course__title")
    )
    return [(row.course, Role(row.role)) for row in rows]


def activities_visible(*, access: Access, at: datetime | None = None) -> QuerySet[Activity]:
    """Activities this member may see: staff see everything live, students only what is released."""
    qs = Activity.objects.filter(course=access.course).live().select_related("unit", "current_version")
    if not access.is_staff:
        qs = qs.released(at)
    return qs.order_by("unit__order", "unit_id", "order", "id")


def units_with_activities(*, access: Access, at: datetime | None = None) -> list[Unit]:
    """Units in order, each with ``visible_activities``; units with nothing visible are left out for students."""
    visible = activities_visible(access=access, at=at)
    units = list(
        Unit.objects.filter(course=access.course, archived=False)
        .order_by("order", "id")
        .prefetch_related(Prefetch("activities", queryset=visible, to_attr="visible_activities"))
    )
    return [u for u in units if u.visible_activities or access.is_staff]  # type: ignore[attr-defined]


def activity_get(*, access: Access, slug: str, at: datetime | None = None) -> Activity:
    """One activity the member may see, else 404 (unreleased work does not exist for students)."""
    activity = activities_visible(access=access, at=at).filter(slug=slug).first()
    if activity is None:
        raise Http404("No such activity.")
    return activity


def activity_files(*, version: ActivityVersion, for_staff: bool) -> QuerySet[ActivityFile]:
    """Files of a version; instructor sources (solutions, hidden tests) only for staff."""
    qs = version.files.all()
    return qs if for_staff else qs.filter(kind__in=STUDENT_VISIBLE_FILES)


def activity_student_notebooks(*, version: ActivityVersion) -> QuerySet[ActivityFile]:
    """The notebooks a student gets in their lab for this version."""
    return version.files.filter(kind=FileKind.NOTEBOOK)


def activity_data_files(*, version: ActivityVersion) -> QuerySet[ActivityFile]:
    """Data files that sit beside the notebooks (CSV inputs and the like), in the lab and in grading."""
    return version.files.filter(kind=FileKind.DATA)


def due_next_for_user(*, user: AnyUser, limit: int = 8, at: datetime | None = None) -> list[Activity]:
    """Released, gradable work due from now on in the user's student courses, soonest first."""
    if not getattr(user, "is_authenticated", False):
        return []
    now = at or timezone.now()
    return list(
        Activity.objects.live()
        .released(now)
        .filter(
            course__enrollments__user=cast("User", user),
            course__enrollments__role=Role.STUDENT,
            due_at__gte=now,
            kind__in=[
                ActivityKind.ASSIGNMENT,
                ActivityKind.EXAM,
                ActivityKind.PRACTICE,
                ActivityKind.COMPETITION,
                ActivityKind.QUIZ,
            ],
        )
        .select_related("course")
        .order_by("due_at")[:limit]
    )


def roster(*, course: Course) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(course=course).select_related("user").order_by("role", "user__username")


def course_students(*, course: Course) -> QuerySet[Enrollment]:
    return roster(course=course).filter(role=Role.STUDENT)


def dated_activities(*, courses: list[Course], student_courses: set[int], at: datetime | None = None) -> list[Activity]:
    """Live activities with a due date or a release date in these courses, for calendars.

    In ``student_courses`` (course ids where the reader is a student) only released work is
    listed; elsewhere (staff) everything live.
    """
    from django.db.models import Q

    now = at or timezone.now()
    kinds = [
        ActivityKind.ASSIGNMENT,
        ActivityKind.EXAM,
        ActivityKind.PRACTICE,
        ActivityKind.COMPETITION,
        ActivityKind.QUIZ,
    ]
    visible = Q(course_id__in=[c.pk for c in courses if c.pk not in student_courses]) | (
        Q(course_id__in=list(student_courses)) & (Q(release_at__isnull=True) | Q(release_at__lte=now))
    )
    return list(
        Activity.objects.live()
        .filter(visible, kind__in=kinds)
        .filter(Q(due_at__isnull=False) | Q(kind=ActivityKind.EXAM, release_at__isnull=False))
        .select_related("course")
        .order_by("due_at", "id")
    )
