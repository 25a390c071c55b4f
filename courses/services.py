"""Writes of the courses app: creating courses, joining, and managing the roster."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .enums import Role

if TYPE_CHECKING:
    from accounts.models import User
    from orgs.models import Organisation
from .models import Course, Enrollment, new_join_code


class RosterError(ValueError):
    """A roster change that cannot be made; the message is shown to the teacher."""


def course_create(*, slug: str, title: str, teacher: User, title_zh: str = "", summary: str = "") -> Course:
    """Create an empty course with ``teacher`` as its first teacher."""
    with transaction.atomic():
        course = Course.objects.create(
            slug=slug, title=title, title_zh=title_zh, summary=summary, owner=course_owner_for(teacher=teacher)
        )
        Enrollment.objects.create(course=course, user=teacher, role=Role.TEACHER)
    return course


def course_owner_for(*, teacher: User | None) -> Organisation | None:
    """The owner of a course a teacher creates or imports: their school (None without one)."""
    from orgs.selectors import school_of_user

    return school_of_user(user=teacher) if teacher is not None else None


def _refuse_read_only(enrollment: Enrollment) -> None:
    """A member of an offering whose term has ended stays as they were: last term keeps its roster."""
    offering = enrollment.offering
    if offering is not None and offering.read_only:
        raise RosterError(
            _("%(user)s is in an offering whose term has ended: it is read-only.") % {"user": enrollment.user}
        )


def course_join(*, user: User, code: str) -> tuple[Course, bool]:
    """Enrol ``user`` as a student by join code. Returns (course, newly_joined).

    Joining twice is harmless and never lowers an existing role.
    """
    normalised = code.strip().upper().replace(" ", "").replace("-", "")
    course = Course.objects.filter(join_code=normalised, join_open=True).first()
    if course is None:
        raise RosterError(_("That join code does not match an open course."))
    try:
        with transaction.atomic():
            _enrollment, created = Enrollment.objects.get_or_create(course=course, user=user, defaults={"role": Role.STUDENT})
    except IntegrityError:  # a double click raced us to it
        created = False
    return course, created


def course_rotate_join_code(*, course: Course) -> str:
    course.join_code = new_join_code()
    course.save(update_fields=["join_code"])
    return course.join_code


def roster_add(*, course: Course, username: str, role: Role = Role.STUDENT) -> Enrollment:
    """Add an existing user by username; an existing member gets the new role."""
    User = get_user_model()
    user = User.objects.filter(username__iexact=username.strip(), is_active=True).first()
    if user is None:
        raise RosterError(_("No active user is called %(name)r.") % {"name": username.strip()})
    enrollment, created = Enrollment.objects.get_or_create(course=course, user=user, defaults={"role": role})
    if not created and enrollment.role != role:
        roster_set_role(enrollment=enrollment, role=role)  # refuses a read-only offering's member
    return enrollment


def roster_set_role(*, enrollment: Enrollment, role: Role) -> Enrollment:
    """Change a member's role; a course never loses its last teacher."""
    _refuse_read_only(enrollment)
    with transaction.atomic():
        if enrollment.role == Role.TEACHER and role != Role.TEACHER:
            _ensure_other_teacher(enrollment)
        enrollment.role = role
        enrollment.save(update_fields=["role"])
    return enrollment


def roster_remove(*, enrollment: Enrollment) -> None:
    """Remove a member. Their submissions stay (they belong to the course's history)."""
    _refuse_read_only(enrollment)
    with transaction.atomic():
        if enrollment.role == Role.TEACHER:
            _ensure_other_teacher(enrollment)
        enrollment.delete()


def _ensure_other_teacher(enrollment: Enrollment) -> None:
    others = (
        Enrollment.objects.select_for_update()
        .filter(course_id=enrollment.course_id, role=Role.TEACHER)
        .exclude(pk=enrollment.pk)
    )
    if not others.exists():
        raise RosterError(_("A course needs at least one teacher: add another teacher first."))


@dataclass
class CsvReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    created_users: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


CSV_MAX_ROWS = 5000
DISPLAY_NAME_MAX = 150
_ROLE_ALIASES = {"ta": Role.TA, "teaching assistant": Role.TA, "student": Role.STUDENT, "teacher": Role.TEACHER}


def _username_problem(username: str) -> str | None:
    """Why ``username`` cannot be an account name (the rules of the sign-up form), or None.

    Checked before anything is written, so a bad row is a line in the report, never a
    database error (a 151-character name is a DataError on PostgreSQL).
    """
    User = get_user_model()
    field = User._meta.get_field(User.USERNAME_FIELD)
    limit = getattr(field, "max_length", None) or 150
    if len(username) > limit:
        return _("the username is longer than %(limit)d characters.") % {"limit": limit}
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        return _("%(name)r is not a valid username (letters, digits and @ . + - _ only, no spaces or slashes).") % {
            "name": username
        }
    return None


# One roster row as read from a file: its line (spreadsheet row) number and its cells by
# lower-case header name. CSV and Excel files both end up as these, then one validation.
RosterRow = tuple[int, dict[str, str]]


def _rows_from_csv(data: bytes, errors: list[str]) -> list[RosterRow]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        errors.append(_("The file is not UTF-8 text."))
        return []
    try:
        reader = csv.DictReader(io.StringIO(text))
        fields = [f.strip().lower() for f in (reader.fieldnames or [])]
        if "username" not in fields:
            errors.append(_("The first row must be a header with a 'username' column."))
            return []
        rows: list[RosterRow] = []
        for line, raw in enumerate(reader, start=2):
            cells = {(k or "").strip().lower(): (v if isinstance(v, str) else "").strip() for k, v in raw.items()}
            rows.append((line, cells))
            if len(rows) > CSV_MAX_ROWS:
                break
    except csv.Error as exc:
        errors.append(_("The file is not readable as CSV: %(error)s") % {"error": exc})
        return []
    return rows


def _cell_text(value: object) -> str:
    """An Excel cell as the text a teacher sees: 2023001, not 2023001.0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows_from_xlsx(data: bytes, errors: list[str]) -> list[RosterRow]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # read_only streams the sheet; data_only takes a formula's cached value, never the formula
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        errors.append(_("The file is not an Excel workbook (.xlsx)."))
        return []
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            errors.append(_("The workbook has no sheet."))
            return []
        rows: list[RosterRow] = []
        header: list[str] | None = None
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if header is None:
                header = [c.lower() for c in cells]
                if "username" not in header:
                    errors.append(_("The first row must be a header with a 'username' column."))
                    return []
                continue
            if not any(cells):
                continue  # spreadsheets end with formatted but empty rows
            rows.append((line, {h: c for h, c in zip(header, cells, strict=False) if h}))
            if len(rows) > CSV_MAX_ROWS:
                break
        if header is None:
            errors.append(_("The first row must be a header with a 'username' column."))
        return rows
    except (KeyError, ValueError, TypeError, OSError, zipfile.BadZipFile):
        errors.append(_("The file is not an Excel workbook (.xlsx)."))
        return []
    finally:
        book.close()


def roster_import_csv(*, course: Course, data: bytes, create_missing: bool = False) -> CsvReport:
    """Add members from CSV with a header row: ``username`` (required), ``role``, ``email``, ``name``.

    All or nothing: one bad row and no row is applied, every bad row is reported.
    New accounts (``create_missing``) get an unusable password: they get in through an
    invitation (accounts.services.invitation_send), a login slip, or the reset e-mail.
    """
    report = CsvReport()
    rows = _rows_from_csv(data, report.errors)
    if report.errors:
        return report
    return _roster_apply(course=course, rows=rows, create_missing=create_missing, report=report)


def roster_import_file(*, course: Course, name: str, data: bytes, create_missing: bool = False) -> CsvReport:
    """A roster from a ``.csv`` or ``.xlsx`` file (by content, then name); the rules of roster_import_csv."""
    report = CsvReport()
    if data[:4] == b"PK\x03\x04" or name.lower().endswith((".xlsx", ".xlsm")):
        rows = _rows_from_xlsx(data, report.errors)
    else:
        rows = _rows_from_csv(data, report.errors)
    if report.errors:
        return report
    return _roster_apply(course=course, rows=rows, create_missing=create_missing, report=report)


def _roster_apply(*, course: Course, rows: list[RosterRow], create_missing: bool, report: CsvReport) -> CsvReport:
    User = get_user_model()
    valid: list[tuple[int, str, Role, str, str]] = []
    seen: set[str] = set()
    for index, (line, row) in enumerate(rows, start=1):
        if index > CSV_MAX_ROWS:
            report.errors.append(_("More than %(n)d rows.") % {"n": CSV_MAX_ROWS})
            break
        username = row.get("username", "")
        if not username:
            report.errors.append(_("Line %(line)d: empty username.") % {"line": line})
            continue
        if username.lower() in seen:
            report.errors.append(_("Line %(line)d: %(name)r appears twice.") % {"line": line, "name": username})
            continue
        seen.add(username.lower())
        if problem := _username_problem(username):
            report.errors.append(_("Line %(line)d: %(problem)s") % {"line": line, "problem": problem})
            continue
        email = row.get("email", "")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                report.errors.append(
                    _("Line %(line)d: %(email)r is not an e-mail address.") % {"line": line, "email": email}
                )
                continue
        role_text = (row.get("role") or "student").lower()
        if role_text not in _ROLE_ALIASES:
            report.errors.append(
                _("Line %(line)d: unknown role %(role)r (student, ta, teacher).") % {"line": line, "role": role_text}
            )
            continue
        name = row.get("name", "")
        if len(name) > DISPLAY_NAME_MAX:
            report.errors.append(
                _("Line %(line)d: the name is longer than %(n)d characters.") % {"line": line, "n": DISPLAY_NAME_MAX}
            )
            continue
        valid.append((line, username, _ROLE_ALIASES[role_text], email, name))
    if report.errors:
        return report
    with transaction.atomic():
        for line, username, role, email, name in valid:
            user = User.objects.filter(username__iexact=username).first()
            if user is None:
                if not create_missing:
                    report.errors.append(_("Line %(line)d: no user is called %(name)r.") % {"line": line, "name": username})
                    continue
                user = User(username=username, email=email, display_name=name)
                user.set_unusable_password()
                user.save()
                report.created_users.append(username)
            enrollment = Enrollment.objects.filter(course=course, user=user).first()
            if enrollment is None:
                Enrollment.objects.create(course=course, user=user, role=role)
                report.added.append(username)
            elif enrollment.role != role:
                try:
                    roster_set_role(enrollment=enrollment, role=role)
                except RosterError as exc:
                    report.errors.append(_("Line %(line)d: %(problem)s") % {"line": line, "problem": exc})
                    continue
                report.updated.append(username)
        if report.errors:
            transaction.set_rollback(True)
            report.added.clear()
            report.updated.clear()
            report.created_users.clear()
    return report
