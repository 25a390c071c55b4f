"""Reads of the orgs app: who administers, teaches or studies where. Every org page asks here.

Scope, top to bottom: a site admin sees everything; a district admin sees the district and every
school in it; a school admin sees that school; teachers, TAs and students see their own school's
pages that are theirs (their classes, their offerings). Outsiders get 404, so names do not leak.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Union, cast

from django.db.models import Q, QuerySet
from django.http import Http404

from .enums import OrgKind, OrgRole
from .models import Membership, Offering, Organisation, SchoolClass, Term

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

AnyUser = Union["User", "AnonymousUser"]


def _active(user: AnyUser) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def _site_admin(user: AnyUser) -> bool:
    return _active(user) and bool(getattr(user, "is_superuser", False))


@dataclass(frozen=True)
class OrgAccess:
    """What one user may do in one organisation."""

    org: Organisation
    role: OrgRole | None  # their own membership's role here (None: none here)
    is_admin: bool  # administers it: site admin, its own admin, or an admin of its district

    @property
    def is_member(self) -> bool:
        return self.role is not None or self.is_admin

    @property
    def is_teacher(self) -> bool:
        return self.is_admin or self.role == OrgRole.TEACHER

    @property
    def is_staff(self) -> bool:
        return self.is_admin or self.role in (OrgRole.TEACHER, OrgRole.TA)


def org_role(*, user: AnyUser, org: Organisation) -> OrgRole | None:
    if not _active(user):
        return None
    role = (
        Membership.objects.filter(org=org, user=cast("User", user), archived=False)
        .values_list("role", flat=True)
        .first()
    )
    return OrgRole(role) if role else None


def org_is_admin(*, user: AnyUser, org: Organisation) -> bool:
    """Site admin, an admin of this organisation, or an admin of its district."""
    if _site_admin(user):
        return True
    if not _active(user):
        return False
    orgs = [org.pk] + ([org.parent_id] if org.parent_id else [])
    return Membership.objects.filter(
        user=cast("User", user), org_id__in=orgs, role=OrgRole.ADMIN, archived=False
    ).exists()


def org_access(*, user: AnyUser, slug: str) -> OrgAccess:
    """The organisation and the user's access to it; 404 for anyone without a relation to it."""
    org = Organisation.objects.filter(slug=slug).select_related("parent").first()
    if org is None:
        raise Http404("No such school.")
    access = OrgAccess(org=org, role=org_role(user=user, org=org), is_admin=org_is_admin(user=user, org=org))
    if not access.is_member:
        raise Http404("No such school.")
    return access


def orgs_administered(*, user: AnyUser) -> QuerySet[Organisation]:
    """Every organisation the user administers (a district's admin: the district and its schools)."""
    if _site_admin(user):
        return Organisation.objects.all()
    if not _active(user):
        return Organisation.objects.none()
    mine = Membership.objects.filter(user=cast("User", user), role=OrgRole.ADMIN, archived=False).values("org_id")
    return Organisation.objects.filter(Q(pk__in=mine) | Q(parent_id__in=mine))


def schools_administered(*, user: AnyUser) -> QuerySet[Organisation]:
    return orgs_administered(user=user).filter(kind=OrgKind.SCHOOL)


def schools_of(*, user: AnyUser) -> QuerySet[Organisation]:
    """Schools the user belongs to (any role)."""
    if not _active(user):
        return Organisation.objects.none()
    return Organisation.objects.filter(
        kind=OrgKind.SCHOOL, memberships__user=cast("User", user), memberships__archived=False
    ).distinct()


def school_of_user(*, user: AnyUser) -> Organisation | None:
    """The user's (first) school: where their quotas and SSO come from."""
    return schools_of(user=user).order_by("pk").first()


def district_of(org: Organisation) -> Organisation | None:
    if org.kind == OrgKind.DISTRICT:
        return org
    return org.parent


def classes_of_school(*, school: Organisation, include_archived: bool = False) -> QuerySet[SchoolClass]:
    qs = SchoolClass.objects.filter(school=school)
    return qs if include_archived else qs.filter(archived=False)


def terms_for_school(*, school: Organisation) -> QuerySet[Term]:
    """The school's own terms and its district's."""
    orgs = [school.pk] + ([school.parent_id] if school.parent_id else [])
    return Term.objects.filter(org_id__in=orgs)


def offerings_of_course(*, course_id: int) -> QuerySet[Offering]:
    return Offering.objects.filter(course_id=course_id).select_related("term", "school")


def offering_of_enrollment(*, course_id: int, user_id: int) -> Offering | None:
    from courses.models import Enrollment

    row = (
        Enrollment.objects.filter(course_id=course_id, user_id=user_id)
        .select_related("offering__term")
        .first()
    )
    return row.offering if row is not None else None


# --- Reads of the admin pages (/orgs/) -----------------------------------------------------------


def orgs_for_user(*, user: AnyUser) -> QuerySet[Organisation]:
    """Every organisation the user administers or belongs to (the /orgs/ list), districts first."""
    if _site_admin(user):
        return Organisation.objects.all().select_related("parent").order_by("kind", "name")
    if not _active(user):
        return Organisation.objects.none()
    mine = Membership.objects.filter(user=cast("User", user), archived=False).values("org_id")
    admin_of = Membership.objects.filter(user=cast("User", user), role=OrgRole.ADMIN, archived=False).values("org_id")
    return (
        Organisation.objects.filter(Q(pk__in=mine) | Q(parent_id__in=admin_of))
        .select_related("parent")
        .order_by("kind", "name")
    )


def classes_with_counts(*, school: Organisation, include_archived: bool = False) -> QuerySet[SchoolClass]:
    """The school's classes, each with ``n_students`` (active students) and ``n_offerings``."""
    from django.db.models import Count

    return (
        classes_of_school(school=school, include_archived=include_archived)
        .annotate(
            n_students=Count(
                "members",
                filter=Q(members__role=OrgRole.STUDENT, members__archived=False),
                distinct=True,
            ),
            n_offerings=Count("offerings", distinct=True),
        )
        .order_by("archived", "grade", "name")
    )


def members_of(
    *,
    org: Organisation,
    query: str = "",
    role: str = "",
    school_class_id: int | None = None,
    include_archived: bool = False,
) -> QuerySet[Membership]:
    """An organisation's members for the people page: searched by name, username, number or e-mail."""
    qs = Membership.objects.filter(org=org).select_related("user", "school_class")
    if not include_archived:
        qs = qs.filter(archived=False)
    if role:
        qs = qs.filter(role=role)
    if school_class_id:
        qs = qs.filter(school_class_id=school_class_id)
    if query:
        qs = qs.filter(
            Q(user__username__icontains=query)
            | Q(user__display_name__icontains=query)
            | Q(user__first_name__icontains=query)
            | Q(user__last_name__icontains=query)
            | Q(user__email__icontains=query)
            | Q(student_number__icontains=query)
        )
    return qs.order_by("role", "school_class__name", "student_number", "user__username")


def members_count_by_role(*, org: Organisation) -> dict[str, int]:
    from django.db.models import Count

    rows = Membership.objects.filter(org=org, archived=False).values("role").annotate(n=Count("pk"))
    return {r["role"]: r["n"] for r in rows}


def offerings_of_school(*, school: Organisation) -> QuerySet[Offering]:
    return (
        Offering.objects.filter(school=school)
        .select_related("course", "term")
        .prefetch_related("classes")
        .order_by("-term__starts_on", "course__title")
    )


def members_count_by_role_of_schools(*, district: Organisation) -> dict[int, dict[str, int]]:
    """Active members per role of every school of a district, in one query: {school id: {role: n}}."""
    from django.db.models import Count

    rows = (
        Membership.objects.filter(org__parent=district, archived=False)
        .values("org_id", "role")
        .annotate(n=Count("pk"))
    )
    counts: dict[int, dict[str, int]] = {}
    for r in rows:
        counts.setdefault(r["org_id"], {})[r["role"]] = r["n"]
    return counts
