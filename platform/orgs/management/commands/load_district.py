"""manage.py load_district: a small demo district, Harbour District 海港区. Idempotent.

Two schools with two classes each, a district term, a district admin, a school admin and a
teacher per school, and a few students per class imported through the school's roster (so
their usernames are the school prefix and their number, like a real import). Every demo
account's password is "quantum-demo". A re-run creates nothing new and resets nothing but the
demo accounts' passwords.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from orgs.enums import OrgKind, OrgRole
from orgs.models import Membership, Offering, Organisation, SchoolClass, Term
from orgs.roster import RosterRow, roster_apply
from orgs.services import offering_create, offering_teacher_enrol

DEMO_PASSWORD = "quantum-demo"  # noqa: S105 -- demo machines only
DEMO_COURSE = "quantum-first-steps"  # offered to the district's classes when `load_demo` made it
DISTRICT = ("harbour", "Harbour District", "海港区")
# slug, name, Chinese name, username prefix, classes [(name, Chinese name, grade)], students per class
SCHOOLS = [
    (
        "harbour-no1",
        "Harbour No. 1 Middle School",
        "海港第一中学",
        "hb1",
        [("Grade 10 Class 1", "高一(1)班", 10), ("Grade 10 Class 2", "高一(2)班", 10)],
        [("Li Mei", "李梅"), ("Zhang Wei", "张伟"), ("Wang Fang", "王芳")],
    ),
    (
        "harbour-exp",
        "Harbour Experimental School",
        "海港实验学校",
        "hbx",
        [("Grade 11 Class 1", "高二(1)班", 11), ("Grade 11 Class 2", "高二(2)班", 11)],
        [("Chen Jing", "陈静"), ("Liu Yang", "刘洋"), ("Zhao Lei", "赵磊")],
    ),
]


def _offer_demo_course(*, school: Organisation, term: Term, teacher: Any) -> None:
    """The demo's first course offered by the school's teacher to both its classes (once)."""
    from courses.models import Course

    course = Course.objects.filter(slug=DEMO_COURSE).first()
    if course is None or Offering.objects.filter(course=course, school=school, term=term).exists():
        return
    offering = offering_create(
        course=course, school=school, term=term, classes=list(school.classes.all()), by=teacher
    )
    offering_teacher_enrol(offering=offering, teacher=teacher)


class Command(BaseCommand):
    help = "Create the demo district Harbour District 海港区 with two schools (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        made: list[str] = []

        def account(username: str, name: str) -> Any:
            user, created = User.objects.get_or_create(
                username=username, defaults={"display_name": name, "email": f"{username}@example.edu"}
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            if created:
                made.append(username)
            return user

        with transaction.atomic():
            slug, name, name_zh = DISTRICT
            district, _ = Organisation.objects.get_or_create(
                slug=slug, defaults={"kind": OrgKind.DISTRICT, "name": name, "name_zh": name_zh}
            )
            term, _ = Term.objects.get_or_create(
                org=district, name="Autumn 2026", defaults={"name_zh": "2026 秋季学期", "starts_on": date(2026, 9, 1), "ends_on": date(2027, 1, 31)}
            )
            admin = account("harbour-admin", "Harbour District Admin 海港区管理员")
            Membership.objects.get_or_create(org=district, user=admin, defaults={"role": OrgRole.ADMIN})
            for slug, name, name_zh, prefix, classes, students in SCHOOLS:
                school, _ = Organisation.objects.get_or_create(
                    slug=slug,
                    defaults={"kind": OrgKind.SCHOOL, "parent": district, "name": name, "name_zh": name_zh, "username_prefix": prefix},
                )
                school_admin = account(f"{slug}-admin", f"{name} Admin")
                Membership.objects.get_or_create(org=school, user=school_admin, defaults={"role": OrgRole.ADMIN})
                rows = [RosterRow(2, f"t{prefix}", f"{name} Teacher", "", "teacher", "")]
                for c, (class_name, class_zh, grade) in enumerate(classes, start=1):
                    SchoolClass.objects.get_or_create(
                        school=school, name=class_name, defaults={"name_zh": class_zh, "grade": grade}
                    )
                    for s, (en, zh) in enumerate(students, start=1):
                        number = f"2026{c}{s:02d}"
                        rows.append(RosterRow(len(rows) + 2, number, f"{en} {zh}", class_name, "student", ""))
                result = roster_apply(school=school, rows=rows, create_classes=False)
                made += [u.username for u in result.created]
                for row in rows:
                    account(f"{prefix}-{row.number.lower()}", row.name)
                _offer_demo_course(school=school, term=term, teacher=User.objects.get(username=f"{prefix}-t{prefix}"))
        self.stdout.write(
            self.style.SUCCESS(
                f"Harbour District: 2 schools, 4 classes; {len(made)} new accounts"
                f" (password {DEMO_PASSWORD}): harbour-admin (district), harbour-no1-admin and harbour-exp-admin"
                " (schools), students hb1-2026101.., hbx-2026101.."
            )
        )
