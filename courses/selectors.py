"""Reads of the courses app: who may see what. Every page that lists activities asks here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Union, cast

from django.db.models import Count, DateTimeField, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from .enums import GRADED_KINDS, STAFF_ROLES, STUDENT_VISIBLE_FILES, ActivityKind, FileKind, Role
from .models import Activity, ActivityFile, ActivityVersion, Course, Enrollment, Unit

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from orgs.models import Offering, Organisation, SchoolClass

AnyUser = Union["User", "AnonymousUser"]


@dataclass(frozen=True)
class Access:
    """What one user may do in one course."""

    course: Course
    role: Role | None
    is_admin: bool
    # The viewer and their enrolment's offering (tenancy): which offering's students they see.
    user_id: int | None = None
    offering_id: int | None = None

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
    row = None
    if getattr(user, "is_authenticated", False) and getattr(user, "is_active", False):
        row = Enrollment.objects.filter(course=course, user=cast("User", user)).values_list("role", "offering_id").first()
    access = Access(
        course=course,
        role=Role(row[0]) if row else None,
        is_admin=is_admin,
        user_id=cast("User", user).pk if row else None,
        offering_id=row[1] if row else None,
    )
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


# ---------------------------------------------------------------------------------------
# tenancy: the due time in force, read-only past terms, and whose students a teacher sees


def due_pick(*, extension: datetime | None, offering_due: datetime | None, activity_due: datetime | None) -> datetime | None:
    """The one rule for the due time in force: the student's extension, else their offering's
    due time for the activity (``orgs.OfferingDue``), else the activity's own.

    :func:`due_in_force_expression` is the same rule in SQL (``Coalesce`` in this order); the
    bulk readers (gradebook, dashboard) load the three inputs and call this.
    """
    return extension or offering_due or activity_due


def due_in_force_expression(*, activity_id: Any, user_id: Any, activity_due: Any) -> Coalesce:
    """:func:`due_pick` as a SQL expression for annotations (``OuterRef`` or plain values).

    Extensions live in the grading app, which builds on this one: imported here, at call time.
    """
    from grading.models import Extension
    from orgs.models import OfferingDue

    extension = Extension.objects.filter(activity_id=activity_id, user_id=user_id).values("due_at")[:1]
    offering = OfferingDue.objects.filter(
        activity_id=activity_id, offering__enrollments__user_id=user_id
    ).values("due_at")[:1]
    return Coalesce(Subquery(extension), Subquery(offering), activity_due, output_field=DateTimeField())


def due_in_force(*, activity: Activity, user_id: int) -> datetime | None:
    """The due time in force for one student and activity, by :func:`due_in_force_expression` (one query)."""
    return (
        Activity.objects.filter(pk=activity.pk)
        .annotate(
            _due=due_in_force_expression(
                activity_id=OuterRef("pk"),
                user_id=user_id,
                activity_due=Value(activity.due_at, output_field=DateTimeField()),
            )
        )
        .values_list("_due", flat=True)
        .first()
    )


def offering_dues(*, activity_ids: list[int], user_ids: list[int] | None = None) -> dict[tuple[int, int], datetime]:
    """(user_id, activity_id) → the due time the student's offering sets for the activity (one query)."""
    from orgs.models import OfferingDue

    qs = OfferingDue.objects.filter(activity_id__in=activity_ids, offering__enrollments__isnull=False)
    if user_ids is not None:
        qs = qs.filter(offering__enrollments__user_id__in=user_ids)
    return {
        (user_id, activity_id): due
        for user_id, activity_id, due in qs.values_list("offering__enrollments__user_id", "activity_id", "due_at")
    }


def read_only_q(*, prefix: str = "", today: date | None = None) -> Q:
    """Enrolments (``prefix`` leads to one) whose offering's term has ended: ``orgs.Offering.read_only`` in SQL."""
    return Q(**{f"{prefix}offering__term__ends_on__lt": today or timezone.localdate()})


def read_only_expression(*, course_id: Any, user_id: Any) -> Exists:
    """:func:`enrollment_read_only` as a SQL expression for annotations (``OuterRef`` or values)."""
    return Exists(Enrollment.objects.filter(read_only_q(), course_id=course_id, user_id=user_id))


def enrollment_read_only(*, user: AnyUser, course: Course | int) -> bool:
    """True when the user's enrolment in the course is in an offering whose term has ended.

    Every write of a student's work (submit, start or save an attempt) and every roster change
    of such an enrolment asks here; grades stay readable.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    course_id = course if isinstance(course, int) else course.pk
    return Enrollment.objects.filter(read_only_q(), course_id=course_id, user_id=cast("User", user).pk).exists()


def read_only_message() -> str:
    from django.utils.translation import gettext

    return gettext("This course's term has ended: it is read-only. Your work and grades stay visible.")


def offering_scope(*, access: Access) -> list[int] | None:
    """The offerings whose students this viewer sees in the course (None: every student).

    A member whose enrolment names an offering sees that offering's students and those of
    offerings they created, unless they administer the offering's school or its district (or
    the site). Template authors (no offering) see everyone.
    """
    if access.is_admin or access.offering_id is None or access.user_id is None:
        return None
    from orgs.enums import OrgRole
    from orgs.models import Membership, Offering

    own = Offering.objects.filter(pk=access.offering_id).values_list("school_id", "school__parent_id").first()
    if own is None:
        return None
    if Membership.objects.filter(
        user_id=access.user_id, role=OrgRole.ADMIN, archived=False, org_id__in=[o for o in own if o is not None]
    ).exists():
        return None
    created = Offering.objects.filter(course=access.course, created_by_id=access.user_id).values_list("pk", flat=True)
    return sorted({access.offering_id, *created})


def students_in_scope(*, access: Access) -> QuerySet[Enrollment]:
    """The course's students this viewer may see (:func:`offering_scope`): gradebook, dashboard, exports.

    Students enrolled without an offering (by join code or by hand: the course's, not a school's)
    are seen by all its staff, so an upgraded course's teacher still sees who joined since.
    """
    qs = course_students(course=access.course)
    scope = offering_scope(access=access)
    return qs if scope is None else qs.filter(Q(offering_id__in=scope) | Q(offering__isnull=True))


def roster_in_scope(*, access: Access) -> QuerySet[Enrollment]:
    """The roster this member may see and change: the course's staff, and its students in their
    scope (:func:`students_in_scope`): a teacher of one school never lists, removes or re-roles
    another school's student of a shared template."""
    qs = roster(course=access.course)
    scope = offering_scope(access=access)
    if scope is None:
        return qs
    return qs.filter(~Q(role=Role.STUDENT) | Q(offering_id__in=scope) | Q(offering__isnull=True))


# ---------------------------------------------------------------------------------------
# offerings from the course's side (courses/offering_views.py)


def offering_schools(*, user: AnyUser) -> QuerySet[Organisation]:
    """Schools where the user may offer courses: they teach or administer there (district admins:
    their schools; site admins: every school)."""
    from orgs.enums import OrgKind, OrgRole
    from orgs.models import Organisation
    from orgs.selectors import schools_administered

    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return Organisation.objects.none()
    teaches = Organisation.objects.filter(
        kind=OrgKind.SCHOOL,
        memberships__user_id=cast("User", user).pk,
        memberships__role=OrgRole.TEACHER,
        memberships__archived=False,
    ).values("pk")
    return Organisation.objects.filter(
        Q(pk__in=teaches) | Q(pk__in=schools_administered(user=user).values("pk"))
    ).order_by("name")


def offerings_for_teacher(*, access: Access, user: AnyUser) -> QuerySet[Offering]:
    """The course's offerings in the schools where the viewer may offer it."""
    from orgs.models import Offering

    return Offering.objects.filter(course=access.course, school__in=offering_schools(user=user).values("pk"))


@dataclass
class OfferingRow:
    offering: Offering
    classes: list[tuple[SchoolClass, list[str]]]  # each class with its students' names enrolled through this offering
    students: int
    addable: list[SchoolClass]  # the school's classes not in the offering yet

    @property
    def read_only(self) -> bool:
        return self.offering.read_only


def offering_rows(*, access: Access, user: AnyUser) -> list[OfferingRow]:
    """The offerings the viewer may manage, newest term first, with classes and student counts (4 queries)."""
    from orgs.enums import OrgRole
    from orgs.models import SchoolClass

    offerings = list(
        offerings_for_teacher(access=access, user=user)
        .select_related("term", "school")
        .prefetch_related("classes")
        .annotate(students=Count("enrollments", filter=Q(enrollments__role=Role.STUDENT)))
    )
    per_class: dict[tuple[int, int], list[str]] = {}
    for offering_id, class_id, username, display in (
        Enrollment.objects.filter(
            offering__in=[o.pk for o in offerings],
            role=Role.STUDENT,
            user__memberships__role=OrgRole.STUDENT,
            user__memberships__school_class__isnull=False,
        )
        .order_by("user__display_name", "user__username")
        .values_list("offering_id", "user__memberships__school_class_id", "user__username", "user__display_name")
    ):
        per_class.setdefault((offering_id, class_id), []).append(display or username)
    school_ids = {o.school_id for o in offerings}
    classes_by_school: dict[int, list[SchoolClass]] = {}
    for c in SchoolClass.objects.filter(school_id__in=school_ids, archived=False):
        classes_by_school.setdefault(c.school_id, []).append(c)
    rows = []
    for o in offerings:
        mine = list(o.classes.all())
        ids = {c.pk for c in mine}
        rows.append(
            OfferingRow(
                offering=o,
                classes=[(c, per_class.get((o.pk, c.pk), [])) for c in mine],
                students=o.students,  # type: ignore[attr-defined]
                addable=[c for c in classes_by_school.get(o.school_id, []) if c.pk not in ids],
            )
        )
    return rows


def graded_activities(*, course: Course) -> list[Activity]:
    """The course's live graded activities in course order (those an offering may give due dates)."""
    return list(
        Activity.objects.filter(course=course, kind__in=GRADED_KINDS)
        .live()
        .select_related("unit")
        .order_by("unit__order", "unit_id", "order", "id")
    )
