"""People in bulk: a school's teachers and students from a CSV or Excel file, by class.

One file row per person: ``student_number`` (or ``staff_number``), ``name``, ``class``, ``role``
(student, teacher or ta; student when empty) and an optional ``email``. Chinese headers
(学号, 姓名, 班级, 角色, 邮箱) are read too.

The rules, in the order a school admin meets them:

* **Everything or nothing.** Every row is checked before anything is written; one bad row and
  nothing is imported, and the report names every bad row by its spreadsheet row number.
* **Idempotent.** A person is found again by their number in the school: importing the same file
  twice creates nobody and changes nothing; a changed name or class is an update, never a
  duplicate. A new class in a row moves the student (orgs.services.student_move_class), so they
  follow the new class's current offerings.
* **Usernames** are ``<school prefix>-<number>`` (lower case): unique site-wide because prefixes
  are, readable on a login slip.
* **Unknown classes** are created when the admin ticks "create classes that do not exist" (the
  preview lists them first, so a typo is seen before it becomes a class); otherwise each row
  naming one is a problem. Archived (graduated) classes are never imported into.
* **Administrators** and archived members are not changed by a file: a file cannot demote an
  admin or bring back a graduate by accident (the people page does both, one by one).
* **Identity.** A file may rename only accounts made for this school (named with its prefix);
  an account that also lives elsewhere keeps its name and e-mail. A file never adopts an
  existing account that is not the school's member, even one named like the school's: the
  school's admins could then set its password.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .enums import OrgRole
from .models import Membership, Offering, Organisation, SchoolClass
from .services import OrgError, offering_sync_enrollments, student_move_class

if TYPE_CHECKING:
    from accounts.models import User

ROSTER_MAX_ROWS = 5000
NAME_MAX = 150  # User.display_name
CLASS_NAME_MAX = 200
NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._]{0,47}$")

# header (lower case, spaces as underscores) -> field
HEADERS = {
    "student_number": "number", "staff_number": "number", "number": "number", "student_no": "number",
    "id": "number", "学号": "number", "工号": "number", "编号": "number",
    "name": "name", "full_name": "name", "display_name": "name", "姓名": "name", "名字": "name",
    "class": "class", "class_name": "class", "班级": "class", "班": "class",
    "role": "role", "角色": "role", "身份": "role",
    "email": "email", "e-mail": "email", "mail": "email", "邮箱": "email", "电子邮件": "email", "电子邮箱": "email",
}
ROLES = {
    "": OrgRole.STUDENT, "student": OrgRole.STUDENT, "学生": OrgRole.STUDENT,
    "teacher": OrgRole.TEACHER, "教师": OrgRole.TEACHER, "老师": OrgRole.TEACHER,
    "ta": OrgRole.TA, "teaching assistant": OrgRole.TA, "teaching_assistant": OrgRole.TA, "助教": OrgRole.TA,
}
TEMPLATE_CSV = "student_number,name,class,role,email\n2026001,Li Mei,Grade 10 Class 1,student,\nT001,Wang Li,,teacher,wang@school.example\n"


@dataclass(frozen=True)
class RosterRow:
    """One person as the file gives them (cells stripped; role not yet checked)."""

    line: int
    number: str
    name: str
    class_name: str
    role: str
    email: str


@dataclass
class PlanItem:
    """What importing one valid row does."""

    row: RosterRow
    role: OrgRole
    username: str
    membership: Membership | None  # found by number (None: a new member)
    user: User | None  # the account (None: a new account)
    class_key: str  # lower-case class name, "" for none
    changes: list[str] = field(default_factory=list)  # translated words: "name", "class" ...

    @property
    def is_new(self) -> bool:
        return self.membership is None


@dataclass
class RosterPlan:
    items: list[PlanItem] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    new_classes: list[str] = field(default_factory=list)

    @property
    def new(self) -> list[PlanItem]:
        return [i for i in self.items if i.is_new]

    @property
    def changed(self) -> list[PlanItem]:
        return [i for i in self.items if not i.is_new and i.changes]

    @property
    def unchanged(self) -> int:
        return sum(1 for i in self.items if not i.is_new and not i.changes)


@dataclass
class RosterResult:
    created: list[User] = field(default_factory=list)
    updated: int = 0
    unchanged: int = 0
    classes_created: list[str] = field(default_factory=list)


class RosterRefused(Exception):
    """The file has problems; nothing was imported. ``problems`` lists every one of them."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


# --- reading -------------------------------------------------------------------------------------


def _cell(value: object) -> str:
    """A cell as the person sees it: 2026001, not 2026001.0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _header(cells: list[str], problems: list[str]) -> list[str] | None:
    keys = [HEADERS.get(c.strip().lower().replace(" ", "_"), "") for c in cells]
    if "number" not in keys or "name" not in keys:
        problems.append(
            _("The first row must be a header naming the columns: student_number, name, class, role, email.")
        )
        return None
    return keys


def _row(line: int, keys: list[str], cells: list[str]) -> RosterRow:
    got = {k: c.strip() for k, c in zip(keys, cells, strict=False) if k}
    return RosterRow(
        line=line,
        number=got.get("number", ""),
        name=got.get("name", ""),
        class_name=got.get("class", ""),
        role=got.get("role", ""),
        email=got.get("email", ""),
    )


def _read_csv(data: bytes, problems: list[str]) -> list[RosterRow]:
    text = None
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in a Chinese Windows saves CSV as GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        problems.append(_("The file is neither UTF-8 nor GBK text."))
        return []
    try:
        # the delimiter of the header line: Excel in some locales writes ";" or tabs
        first = text.split("\n", 1)[0]
        delimiter = max(",;\t", key=lambda d: (first.count(d), d == ","))
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        rows: list[RosterRow] = []
        keys: list[str] | None = None
        for line, cells in enumerate(reader, start=1):
            if keys is None:
                keys = _header(cells, problems)
                if keys is None:
                    return []
                continue
            if not any(c.strip() for c in cells):
                continue
            rows.append(_row(line, keys, cells))
            if len(rows) > ROSTER_MAX_ROWS:
                break
        if keys is None:
            _header([], problems)
        return rows
    except csv.Error as exc:
        problems.append(_("The file is not readable as CSV: %(error)s") % {"error": exc})
        return []


def _read_xlsx(data: bytes, problems: list[str]) -> list[RosterRow]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        problems.append(_("The file is not an Excel workbook (.xlsx)."))
        return []
    try:
        if not book.worksheets:
            problems.append(_("The workbook has no sheet."))
            return []
        rows: list[RosterRow] = []
        keys: list[str] | None = None
        for line, values in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
            cells = [_cell(v) for v in values]
            if keys is None:
                if not any(cells):
                    continue
                keys = _header(cells, problems)
                if keys is None:
                    return []
                continue
            if not any(cells):
                continue  # spreadsheets end with formatted but empty rows
            rows.append(_row(line, keys, cells))
            if len(rows) > ROSTER_MAX_ROWS:
                break
        if keys is None:
            _header([], problems)
        return rows
    except (KeyError, ValueError, TypeError, OSError, zipfile.BadZipFile):
        problems.append(_("The file is not an Excel workbook (.xlsx)."))
        return []
    finally:
        book.close()


def roster_read(*, name: str, data: bytes) -> tuple[list[RosterRow], list[str]]:
    """The rows of an uploaded ``.csv`` or ``.xlsx`` file (told apart by content, then name), and
    the problems that stop it being read at all."""
    problems: list[str] = []
    if data[:4] == b"PK\x03\x04" or name.lower().endswith((".xlsx", ".xlsm")):
        rows = _read_xlsx(data, problems)
    else:
        rows = _read_csv(data, problems)
    if not problems and not rows:
        problems.append(_("The file has a header but no people."))
    if len(rows) > ROSTER_MAX_ROWS:
        problems.append(_("More than %(n)d people in one file: split it.") % {"n": ROSTER_MAX_ROWS})
    return rows, problems


# --- checking ------------------------------------------------------------------------------------


def username_for(*, school: Organisation, number: str) -> str:
    return f"{school.username_prefix}-{number.lower()}"


def _class_index(school: Organisation) -> dict[str, SchoolClass]:
    """Every class of the school by lower-case name and by Chinese name (a file may use either)."""
    index: dict[str, SchoolClass] = {}
    every = list(SchoolClass.objects.filter(school=school).order_by("-archived", "pk"))
    for c in every:
        if c.name_zh:
            index[c.name_zh.lower()] = c  # an active class wins over an archived one of the same name
    for c in every:
        index[c.name.lower()] = c  # an English name wins over a Chinese one
    return index


def roster_plan(*, school: Organisation, rows: list[RosterRow], create_classes: bool) -> RosterPlan:
    """Check every row against the file and the school; say what importing would do.

    Reads only. Problems are translated sentences starting with the row number.
    """
    from accounts.models import User

    plan = RosterPlan()
    if not school.username_prefix:
        plan.problems.append(_("The school has no username prefix yet: set one in its settings first."))
        return plan
    classes = _class_index(school)
    numbers = [r.number for r in rows if r.number]
    by_number = {
        m.student_number.lower(): m
        for m in Membership.objects.filter(org=school)
        .exclude(student_number="")
        .select_related("user", "school_class")
        if m.student_number.lower() in {n.lower() for n in numbers}
    }
    usernames = [username_for(school=school, number=n) for n in numbers]
    users = {u.username.lower(): u for u in User.objects.filter(username__in=usernames)}
    members_by_user = {
        m.user_id: m for m in Membership.objects.filter(org=school, user__in=list(users.values()))
    }
    seen: dict[str, int] = {}
    new_classes: dict[str, str] = {}

    def problem(row: RosterRow, text: str) -> None:
        plan.problems.append(_("Row %(row)d: %(problem)s") % {"row": row.line, "problem": text})

    for row in rows:
        bad = len(plan.problems)
        number = row.number
        if not number:
            problem(row, _("the student number is empty."))
        elif not NUMBER_RE.match(number):
            problem(
                row,
                _("%(number)r is not a usable number (letters, digits, dots and underscores, at most 48).")
                % {"number": number},
            )
        elif number.lower() in seen:
            problem(row, _("the number %(number)s is also on row %(other)d.") % {"number": number, "other": seen[number.lower()]})
        if number:
            seen.setdefault(number.lower(), row.line)
        if not row.name:
            problem(row, _("the name is empty."))
        elif len(row.name) > NAME_MAX:
            problem(row, _("the name is longer than %(n)d characters.") % {"n": NAME_MAX})
        role = ROLES.get(row.role.strip().lower())
        if role is None:
            problem(row, _("unknown role %(role)r (student, teacher or ta).") % {"role": row.role})
        if row.email:
            try:
                validate_email(row.email)
            except ValidationError:
                problem(row, _("%(email)r is not an e-mail address.") % {"email": row.email})
        class_key = row.class_name.lower()
        if not class_key:
            if role == OrgRole.STUDENT:
                problem(row, _("a student needs a class."))
        elif len(row.class_name) > CLASS_NAME_MAX:
            problem(row, _("the class name is longer than %(n)d characters.") % {"n": CLASS_NAME_MAX})
        elif class_key in classes:
            if classes[class_key].archived:
                problem(row, _("the class %(name)s is archived.") % {"name": row.class_name})
        elif create_classes:
            new_classes.setdefault(class_key, row.class_name)
        else:
            problem(
                row,
                _("the school has no class called %(name)s (create it, or let the import create classes).")
                % {"name": row.class_name},
            )
        if len(plan.problems) > bad or role is None:
            continue
        username = username_for(school=school, number=number)
        membership = by_number.get(number.lower())
        user = users.get(username)
        if membership is not None:
            if membership.archived:
                problem(row, _("%(number)s is an archived member (graduated or removed): restore them on the people page first.") % {"number": number})
                continue
            if membership.role == OrgRole.ADMIN:
                problem(row, _("%(number)s is an administrator of the school: change them on the people page.") % {"number": number})
                continue
            user = membership.user
        elif user is not None:
            other = members_by_user.get(user.pk)
            if other is not None:
                problem(row, _("the account %(username)s is a member with another number (%(other)s).") % {"username": username, "other": other.student_number or "—"})
                continue
            # Never adopt an account the school did not make (a course roster can make any name):
            # the school's admins would get to set its password. Adding it on the people page with
            # this number, deliberately, makes the next import find it.
            problem(
                row,
                _("an account called %(username)s exists but is not this school's member: add it on the people page with number %(number)s first.")
                % {"username": username, "number": number},
            )
            continue
        item = PlanItem(row=row, role=role, username=username, membership=membership, user=user, class_key=class_key)
        if membership is not None and user is not None:
            managed = user.username.lower().startswith(f"{school.username_prefix}-")
            if managed and user.display_name != row.name:
                item.changes.append(_("name"))
            if managed and row.email and user.email.lower() != row.email.lower():
                item.changes.append(_("e-mail"))
            if membership.role != role:
                item.changes.append(_("role"))
            current = membership.school_class.name.lower() if membership.school_class else ""
            target = classes[class_key].name.lower() if class_key in classes else class_key
            if class_key and current != target:
                item.changes.append(_("class"))
        plan.items.append(item)
    plan.new_classes = sorted(new_classes.values(), key=str.lower)
    if plan.problems:
        plan.items = []
    return plan


# --- writing -------------------------------------------------------------------------------------


def roster_apply(*, school: Organisation, rows: list[RosterRow], create_classes: bool) -> RosterResult:
    """Import the rows: all of them, or none (RosterRefused with every problem).

    New accounts get an unusable password; roster_onboard gives them one-time passwords
    (login slips) or invitations.
    """
    from accounts.models import User

    result = RosterResult()
    try:
        with transaction.atomic():
            # the school row is locked so two imports of one school run one after the other
            Organisation.objects.select_for_update().filter(pk=school.pk).first()
            plan = roster_plan(school=school, rows=rows, create_classes=create_classes)
            if plan.problems:
                raise RosterRefused(plan.problems)
            classes = _class_index(school)
            joined: set[int] = set()
            for name in plan.new_classes:
                classes[name.lower()] = SchoolClass.objects.create(school=school, name=name)
                result.classes_created.append(name)
            for item in plan.items:
                row = item.row
                target = classes[item.class_key] if item.class_key else None
                user = item.user
                if user is None:
                    user = User(username=item.username, display_name=row.name, email=row.email)
                    user.set_unusable_password()
                    user.save()
                    result.created.append(user)
                elif item.changes:
                    fields = []
                    if user.username.lower().startswith(f"{school.username_prefix}-"):
                        if user.display_name != row.name:
                            user.display_name = row.name
                            fields.append("display_name")
                        if row.email and user.email.lower() != row.email.lower():
                            user.email = row.email
                            fields.append("email")
                    if fields:
                        user.save(update_fields=fields)
                membership = item.membership
                if membership is None:
                    # A new member has no enrolments to move: they join their class here and are
                    # enrolled below, once per offering of the classes that got new students
                    # (student_move_class per row re-read a class's offerings for every row).
                    Membership.objects.create(
                        org=school, user=user, role=item.role, student_number=row.number, school_class=target
                    )
                    if target is not None and item.role == OrgRole.STUDENT:
                        joined.add(target.pk)
                    continue
                if not item.changes:
                    result.unchanged += 1
                    continue
                if membership.role != item.role:
                    membership.role = item.role
                    membership.save(update_fields=["role"])
                if target is not None and membership.school_class_id != target.pk:
                    student_move_class(membership=membership, to=target)
                result.updated += 1
            for offering in Offering.objects.filter(classes__in=joined).distinct().select_related("term"):
                offering_sync_enrollments(offering=offering)
    except (IntegrityError, OrgError) as exc:
        raise RosterRefused(
            [_("The school's people changed while importing; nothing was imported. Try again. (%(error)s)") % {"error": exc}]
        ) from exc
    return result


def roster_onboard(*, users: list[User], how: str) -> tuple[list[tuple[User, str]], int]:
    """How new accounts get in: invitations to those with an e-mail (``how="invite"``), one-time
    passwords for login slips for everyone else. Returns (slips, how many were e-mailed).

    The passwords exist in plain text only in the returned list, for the page that prints them.
    """
    from accounts.services import invitation_send, one_time_password_issue

    slips: list[tuple[User, str]] = []
    invited = 0
    for user in users:
        if how == "invite" and invitation_send(user=user):
            invited += 1
        else:
            slips.append((user, one_time_password_issue(user=user)))
    return slips, invited


def account_is_schools_own(*, membership: Membership) -> bool:
    """Whether the school's admins may set this account's password: one made by the school's own
    import (named with its prefix), belonging to no other organisation, not an admin's and not a
    site administrator's. Adding an existing account to a school never hands its password over.
    """
    user, org = membership.user, membership.org
    if not org.username_prefix or not user.username.lower().startswith(f"{org.username_prefix}-"):
        return False
    if user.is_superuser or user.is_staff or membership.role == OrgRole.ADMIN:
        return False
    return not Membership.objects.filter(user=user).exclude(org_id=membership.org_id).exists()


def class_slips(*, school_class: SchoolClass) -> list[tuple[User, str]]:
    """New one-time passwords for a class's students who have never logged in (lost slips).

    Only they: a student who has used their account keeps their password; and only accounts
    that are the school's own (account_is_schools_own).
    """
    from accounts.services import one_time_password_issue

    members = (
        Membership.objects.filter(school_class=school_class, role=OrgRole.STUDENT, archived=False, user__last_login=None)
        .filter(user__is_active=True)
        .select_related("user", "org")
        .order_by("user__username")
    )
    return [(m.user, one_time_password_issue(user=m.user)) for m in members if account_is_schools_own(membership=m)]


def roster_export(*, school: Organisation) -> str:
    """The school's active teachers, TAs and students as a CSV in the import's own format.

    Importing it back changes nothing (administrators are not in it: a file never changes them).
    A cell that a spreadsheet would run as a formula (=, +, -, @) is quoted with an apostrophe.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student_number", "name", "class", "role", "email"])
    members = (
        Membership.objects.filter(org=school, archived=False)
        .exclude(role=OrgRole.ADMIN)
        .exclude(student_number="")
        .select_related("user", "school_class")
        .order_by("role", "school_class__name", "student_number")
    )
    for m in members:
        cells = [m.student_number, m.user.display_name or str(m.user), m.school_class.name if m.school_class else "", m.role, m.user.email]
        writer.writerow(["'" + c if c[:1] in ("=", "+", "-", "@") else c for c in cells])
    return out.getvalue()


# --- carrying a checked file from the preview to the confirmation -----------------------------


def _salt(school: Organisation, user_id: int) -> str:
    return f"orgs.roster:{school.pk}:{user_id}"


def roster_rows_sign(*, school: Organisation, user_id: int, rows: list[RosterRow], create_classes: bool) -> str:
    """The previewed rows, signed for this school and this admin (the confirm form carries them)."""
    payload = {
        "c": create_classes,
        "r": [[r.line, r.number, r.name, r.class_name, r.role, r.email] for r in rows],
    }
    return signing.dumps(payload, salt=_salt(school, user_id), compress=True)


def roster_rows_unsign(*, school: Organisation, user_id: int, token: str) -> tuple[list[RosterRow], bool]:
    """The rows of a preview (BadSignature when tampered with, for another school, or over an hour old)."""
    payload = signing.loads(token, salt=_salt(school, user_id), max_age=3600)
    rows = [RosterRow(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5])) for r in payload["r"]]
    return rows, bool(payload["c"])
