"""Writes of the orgs app: schools, classes, terms, offerings, and the enrolments they imply."""

from __future__ import annotations

from datetime import date, datetime
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


# --- Administration of districts, schools, classes, terms and members (the /orgs/ pages) ---------


def district_create(*, name: str, slug: str, name_zh: str = "") -> Organisation:
    """A new district (site admins only: the view checks)."""
    from .enums import OrgKind

    if Organisation.objects.filter(slug=slug).exists():
        raise OrgError("slug_taken", _("That short name is taken."))
    return Organisation.objects.create(kind=OrgKind.DISTRICT, name=name, name_zh=name_zh, slug=slug)


def school_create(
    *, district: Organisation | None, name: str, slug: str, username_prefix: str, name_zh: str = ""
) -> Organisation:
    """A new school in ``district``; its imported people are called ``<username_prefix>-<number>``.

    The prefix is unique among schools and no existing account may already start with it:
    otherwise an import could take over an account made elsewhere.
    """
    from accounts.models import User

    from .enums import OrgKind

    if district is not None and not district.is_district:
        raise OrgError("not_district", _("Schools belong to a district."))
    if Organisation.objects.filter(slug=slug).exists():
        raise OrgError("slug_taken", _("That short name is taken."))
    prefix = username_prefix.lower()
    if Organisation.objects.filter(username_prefix__iexact=prefix).exists():
        raise OrgError("prefix_taken", _("Another school uses that username prefix."))
    if User.objects.filter(username__istartswith=f"{prefix}-").exists():
        raise OrgError("prefix_in_use", _("Accounts starting with that prefix exist already; choose another prefix."))
    return Organisation.objects.create(
        kind=OrgKind.SCHOOL, parent=district, name=name, name_zh=name_zh, slug=slug, username_prefix=prefix
    )


def school_update(*, school: Organisation, name: str, name_zh: str, username_prefix: str = "") -> Organisation:
    """Rename a school; its username prefix may be set once (the upgrade's default school has none)."""
    school.name, school.name_zh = name, name_zh
    fields = ["name", "name_zh"]
    if username_prefix and not school.username_prefix:
        from accounts.models import User

        prefix = username_prefix.lower()
        if Organisation.objects.filter(username_prefix__iexact=prefix).exclude(pk=school.pk).exists():
            raise OrgError("prefix_taken", _("Another school uses that username prefix."))
        if User.objects.filter(username__istartswith=f"{prefix}-").exists():
            raise OrgError("prefix_in_use", _("Accounts starting with that prefix exist already; choose another prefix."))
        school.username_prefix = prefix
        fields.append("username_prefix")
    school.save(update_fields=fields)
    return school


def class_create(*, school: Organisation, name: str, name_zh: str = "", grade: int | None = None) -> SchoolClass:
    if SchoolClass.objects.filter(school=school, name__iexact=name).exists():
        raise OrgError("class_exists", _("The school has a class of that name already."))
    return SchoolClass.objects.create(school=school, name=name, name_zh=name_zh, grade=grade)


def class_update(*, school_class: SchoolClass, name: str, name_zh: str, grade: int | None) -> SchoolClass:
    clash = SchoolClass.objects.filter(school_id=school_class.school_id, name__iexact=name).exclude(pk=school_class.pk)
    if clash.exists():
        raise OrgError("class_exists", _("The school has a class of that name already."))
    school_class.name, school_class.name_zh, school_class.grade = name, name_zh, grade
    school_class.save(update_fields=["name", "name_zh", "grade"])
    return school_class


def class_delete(*, school_class: SchoolClass) -> None:
    """Delete a class that never had anything in it; one with members or offerings is archived instead."""
    if school_class.members.exists() or school_class.offerings.exists():
        raise OrgError("class_in_use", _("The class has members or course offerings: archive it instead."))
    school_class.delete()


def class_archive(*, school_class: SchoolClass, archived: bool = True) -> None:
    """Hide a class from imports and pickers (or bring it back); members and offerings stay as they are."""
    if not archived and school_class.graduated_on is not None:
        raise OrgError("graduated", _("A graduated class stays archived."))
    school_class.archived = archived
    school_class.save(update_fields=["archived"])


def class_move_students(*, school_class: SchoolClass, to: SchoolClass) -> int:
    """Move every active student of a class to another class of the school; returns how many moved.

    Each one goes through student_move_class, so they follow the new class's current offerings;
    their enrolments in ended offerings (and the grades there) stay where they were.
    """
    if to.pk == school_class.pk:
        raise OrgError("same_class", _("Choose another class."))
    if to.school_id != school_class.school_id:
        raise OrgError("foreign_class", _("The class belongs to another school."))
    if to.archived:
        raise OrgError("archived_class", _("That class is archived."))
    members = list(
        Membership.objects.filter(school_class=school_class, role=OrgRole.STUDENT, archived=False).order_by("pk")
    )
    with transaction.atomic():
        for membership in members:
            student_move_class(membership=membership, to=to)
    return len(members)


def class_graduate(*, school_class: SchoolClass, on: date | None = None) -> int:
    """A class leaves the school: it is archived with its date, its students' memberships archived.

    Enrolments and grades are untouched: the students keep reading their old offerings, and
    archived memberships are never enrolled in new ones. Returns how many students graduated.
    """
    from django.utils import timezone

    with transaction.atomic():
        school_class.graduated_on = on or timezone.localdate()
        school_class.archived = True
        school_class.save(update_fields=["graduated_on", "archived"])
        return Membership.objects.filter(
            school_class=school_class, role=OrgRole.STUDENT, archived=False
        ).update(archived=True)


def term_save(
    *, org: Organisation, name: str, starts_on: date, ends_on: date | None, name_zh: str = "", term: Term | None = None
) -> Term:
    """Create a term of ``org`` (or change ``term``)."""
    if ends_on is not None and ends_on < starts_on:
        raise OrgError("term_dates", _("A term cannot end before it starts."))
    term = term or Term(org=org)
    term.name, term.name_zh, term.starts_on, term.ends_on = name, name_zh, starts_on, ends_on
    term.save()
    return term


def term_delete(*, term: Term) -> None:
    if term.offerings.exists():
        raise OrgError("term_in_use", _("Courses are offered in this term; it cannot be deleted."))
    term.delete()


def member_add(
    *, org: Organisation, user: User, role: OrgRole, school_class: SchoolClass | None = None, student_number: str = ""
) -> Membership:
    """Add an existing account to an organisation (or bring back an archived membership)."""
    if student_number and (
        Membership.objects.filter(org=org, student_number=student_number).exclude(user=user).exists()
    ):
        raise OrgError("number_taken", _("Another member has that student number."))
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            org=org, user=user, defaults={"role": role, "student_number": student_number}
        )
        if not created and not membership.archived:
            raise OrgError("already_member", _("%(user)s is a member already.") % {"user": user})
        membership.role, membership.archived = role, False
        if student_number:
            membership.student_number = student_number
        membership.save(update_fields=["role", "archived", "student_number"])
        if school_class is not None:
            student_move_class(membership=membership, to=school_class)
    return membership


def member_update(
    *, membership: Membership, role: OrgRole, school_class: SchoolClass | None, student_number: str, archived: bool
) -> Membership:
    """Change a member's role, class (moving their offerings), number or archived state."""
    if student_number and (
        Membership.objects.filter(org_id=membership.org_id, student_number=student_number)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise OrgError("number_taken", _("Another member has that student number."))
    with transaction.atomic():
        membership.role, membership.student_number, membership.archived = role, student_number, archived
        membership.save(update_fields=["role", "student_number", "archived"])
        if school_class != membership.school_class:
            student_move_class(membership=membership, to=school_class)
    return membership


def offering_teacher_enrol(*, offering: Offering, teacher: User) -> None:
    """The offering's teacher is enrolled in its course with the offering set.

    A teacher enrolled without an offering (a template's author) or in an ended one moves to
    this offering; one teaching a current offering keeps it (they still see the offerings they
    created: ``courses.selectors.offering_scope``).
    """
    from courses.enums import Role
    from courses.models import Enrollment

    enrollment = (
        Enrollment.objects.filter(course_id=offering.course_id, user=teacher).select_related("offering__term").first()
    )
    if enrollment is None:
        Enrollment.objects.create(course_id=offering.course_id, user=teacher, role=Role.TEACHER, offering=offering)
    elif enrollment.offering is None or enrollment.offering.read_only:
        enrollment.offering = offering
        enrollment.save(update_fields=["offering"])


def offering_add_class(*, offering: Offering, school_class: SchoolClass) -> int:
    """Teach the offering to one more class of its school and enrol its students (returns how many)."""
    if offering.read_only:
        raise OrgError("read_only", _("This offering's term has ended: it is read-only."))
    if school_class.school_id != offering.school_id:
        raise OrgError("foreign_class", _("Every class must belong to the school."))
    with transaction.atomic():
        offering.classes.add(school_class)
        return offering_sync_enrollments(offering=offering)


def offering_due_set(*, offering: Offering, activity_id: int, due_at: datetime | None) -> None:
    """Set (or with None clear) the offering's own due time for one activity of its course."""
    from courses.models import Activity

    from .models import OfferingDue

    if offering.read_only:
        raise OrgError("read_only", _("This offering's term has ended: it is read-only."))
    if not Activity.objects.filter(pk=activity_id, course_id=offering.course_id).exists():
        raise OrgError("foreign_activity", _("The activity belongs to another course."))
    if due_at is None:
        OfferingDue.objects.filter(offering=offering, activity_id=activity_id).delete()
    else:
        OfferingDue.objects.update_or_create(offering=offering, activity_id=activity_id, defaults={"due_at": due_at})
