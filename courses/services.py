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

from .enums import Role

if TYPE_CHECKING:
    from accounts.models import User
from .models import Course, Enrollment, new_join_code


class RosterError(ValueError):
    """A roster change that cannot be made; the message is shown to the teacher."""


def course_create(*, slug: str, title: str, teacher: User, title_zh: str = "", summary: str = "") -> Course:
    """Create an empty course with ``teacher`` as its first teacher."""
    with transaction.atomic():
        course = Course.objects.create(slug=slug, title=title, title_zh=title_zh, summary=summary)
        Enrollment.objects.create(course=course, user=teacher, role=Role.TEACHER)
    return course


def course_join(*, user: User, code: str) -> tuple[Course, bool]:
    """Enrol ``user`` as a student by join code. Returns (course, newly_joined).

    Joining twice is harmless and never lowers an existing role.
    """
    normalised = code.strip().upper().replace(" ", "").replace("-", "")
    course = Course.objects.filter(join_code=normalised, join_open=True).first()
    if course is None:
        raise RosterError("That join code does not match an open course.")
    try:
        with transaction.atomic():
            _, created = Enrollment.objects.get_or_create(course=course, user=user, defaults={"role": Role.STUDENT})
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
        raise RosterError(f"No active user is called {username.strip()!r}.")
    enrollment, created = Enrollment.objects.get_or_create(course=course, user=user, defaults={"role": role})
    if not created and enrollment.role != role:
        roster_set_role(enrollment=enrollment, role=role)
    return enrollment


def roster_set_role(*, enrollment: Enrollment, role: Role) -> Enrollment:
    """Change a member's role; a course never loses its last teacher."""
    with transaction.atomic():
        if enrollment.role == Role.TEACHER and role != Role.TEACHER:
            _ensure_other_teacher(enrollment)
        enrollment.role = role
        enrollment.save(update_fields=["role"])
    return enrollment


def roster_remove(*, enrollment: Enrollment) -> None:
    """Remove a member. Their submissions stay (they belong to the course's history)."""
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
        raise RosterError("A course needs at least one teacher: add another teacher first.")


@dataclass
class CsvReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    created_users: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


CSV_MAX_ROWS = 5000
DISPLAY_NAME_MAX = 150


def _username_problem(username: str) -> str | None:
    """Why ``username`` cannot be an account name (the rules of the sign-up form), or None.

    Checked before anything is written, so a bad row is a line in the report, never a
    database error (a 151-character name is a DataError on PostgreSQL).
    """
    User = get_user_model()
    field = User._meta.get_field(User.USERNAME_FIELD)
    limit = getattr(field, "max_length", None) or 150
    if len(username) > limit:
        return f"the username is longer than {limit} characters."
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        return f"{username!r} is not a valid username (letters, digits and @ . + - _ only, no spaces or slashes)."
    return None


def roster_import_csv(*, course: Course, data: bytes, create_missing: bool = False) -> CsvReport:
    """Add members from CSV with a header row: ``username`` (required), ``role``, ``email``, ``name``.

    All or nothing: one bad row and no row is applied, every bad row is reported.
    New accounts (``create_missing``) get an unusable password: they set one through
    the password-reset e-mail.
    """
    User = get_user_model()
    report = CsvReport()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.errors.append("The file is not UTF-8 text.")
        return report
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in (reader.fieldnames or [])]
    if "username" not in fields:
        report.errors.append("The first row must be a header with a 'username' column.")
        return report
    rows: list[tuple[int, str, Role, str, str]] = []
    seen: set[str] = set()
    for line, raw in enumerate(reader, start=2):
        if line - 1 > CSV_MAX_ROWS:
            report.errors.append(f"More than {CSV_MAX_ROWS} rows.")
            break
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        username = row.get("username", "")
        if not username:
            report.errors.append(f"Line {line}: empty username.")
            continue
        if username.lower() in seen:
            report.errors.append(f"Line {line}: {username!r} appears twice.")
            continue
        seen.add(username.lower())
        if problem := _username_problem(username):
            report.errors.append(f"Line {line}: {problem}")
            continue
        email = row.get("email", "")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                report.errors.append(f"Line {line}: {email!r} is not an e-mail address.")
                continue
        role_text = (row.get("role") or "student").lower()
        aliases = {"ta": Role.TA, "teaching assistant": Role.TA, "student": Role.STUDENT, "teacher": Role.TEACHER}
        if role_text not in aliases:
            report.errors.append(f"Line {line}: unknown role {role_text!r} (student, ta, teacher).")
            continue
        name = row.get("name", "")
        if len(name) > DISPLAY_NAME_MAX:
            report.errors.append(f"Line {line}: the name is longer than {DISPLAY_NAME_MAX} characters.")
            continue
        rows.append((line, username, aliases[role_text], email, name))
    if report.errors:
        return report
    with transaction.atomic():
        for line, username, role, email, name in rows:
            user = User.objects.filter(username__iexact=username).first()
            if user is None:
                if not create_missing:
                    report.errors.append(f"Line {line}: no user is called {username!r}.")
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
                    report.errors.append(f"Line {line}: {exc}")
                    continue
                report.updated.append(username)
        if report.errors:
            transaction.set_rollback(True)
            report.added.clear()
            report.updated.clear()
            report.created_users.clear()
    return report
