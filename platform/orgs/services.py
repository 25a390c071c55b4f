"""Writes of the orgs app: schools, classes, terms, offerings, and the enrolments they imply."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .enums import OrgRole
from .models import Membership, Offering, Organisation, SchoolClass, Term

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from accounts.models import User
    from courses.models import Course


class OrgError(Exception):
    """A refused action, with a code for the views (HTTP mapping) and a translated message."""

    def __init__(self, code: str, message: str | Promise):
        self.code = code
        self.message = message
        super().__init__(str(message))


def offering_create(
    *, course: Course, school: Organisation, term: Term, classes: list[SchoolClass], by: User | None
) -> Offering:
    """Offer a course template to classes of a school in a term, and enrol their students."""
    if any(c.school_id != school.pk for c in classes):
        raise OrgError("foreign_class", _("Every class must belong to the school."))
    if term.org_id not in (school.pk, school.parent_id):
        raise OrgError("foreign_term", _("The term belongs to another school."))
    with transaction.atomic():
        offering = Offering.objects.create(course=course, school=school, term=term, created_by=by)
        offering.classes.set(classes)
        offering_sync_enrollments(offering=offering)
    return offering


def offering_sync_enrollments(*, offering: Offering) -> int:
    """Enrol every active student of the offering's classes (new students only; returns how many).

    A student already enrolled in the course through another offering of the same template is
    moved here when the offering is current (moving class moves offerings); staff enrolments and
    enrolments in a read-only (ended) offering are never touched: last term keeps its grades.
    """
    from courses.enums import Role
    from courses.models import Enrollment

    if offering.read_only:
        return 0
    students = list(
        Membership.objects.filter(
            school_class__in=offering.classes.all(), role=OrgRole.STUDENT, archived=False
        ).values_list("user_id", flat=True)
    )
    existing = {
        e.user_id: e
        for e in Enrollment.objects.filter(course_id=offering.course_id, user_id__in=students).select_related(
            "offering__term"
        )
    }
    added = 0
    for user_id in students:
        enrollment = existing.get(user_id)
        if enrollment is None:
            Enrollment.objects.create(course_id=offering.course_id, user_id=user_id, role=Role.STUDENT, offering=offering)
            added += 1
        elif (
            enrollment.role == Role.STUDENT
            and enrollment.offering_id != offering.pk
            and (enrollment.offering is None or not enrollment.offering.read_only)
        ):
            enrollment.offering = offering
            enrollment.save(update_fields=["offering"])
            added += 1
    return added


def student_move_class(*, membership: Membership, to: SchoolClass | None) -> None:
    """Move a student to another class of their school: they follow the new class's current offerings."""
    if to is not None and to.school_id != membership.org_id:
        raise OrgError("foreign_class", _("The class belongs to another school."))
    with transaction.atomic():
        membership.school_class = to
        membership.save(update_fields=["school_class"])
        if to is not None:
            for offering in Offering.objects.filter(classes=to).select_related("term"):
                offering_sync_enrollments(offering=offering)
