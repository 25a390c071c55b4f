"""manage.py load_demo: the demo users and every course folder under content/. Idempotent.

The courses it creates are marked (core.models.DemoCourse); only those are updated on a re-run and
only those get demo users and seeded results. A course it did not create is never touched.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from core.models import DemoCourse
from courses.enums import GRADED_KINDS, Role
from courses.importer import MANIFEST_NAMES, CourseImportError, import_course
from courses.models import Activity, Course, Enrollment

DEMO_PASSWORD = "quantum-demo"  # noqa: S105 -- printed by `make demo`; demo machines only
DEMO_USERS = [
    # username, display name, role
    ("admin", "Site Admin", "admin"),
    ("teacher", "Prof. Wang Li 王立", "teacher"),
    ("alice", "Alice Chen 陈爱丽", "student"),
    ("bob", "Bob Zhang 张博", "student"),
    ("charlie", "Charlie Liu 刘查理", "student"),
]


def course_slug_of(folder: Path) -> str | None:
    """The slug a course folder's manifest names (None when it cannot be read: the import says why)."""
    import yaml

    for name in MANIFEST_NAMES:
        path = folder / name
        if path.is_file():
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
            except (OSError, yaml.YAMLError):
                return None
            slug = data.get("slug") if isinstance(data, dict) else None
            return str(slug) if slug else None
    return None


class Command(BaseCommand):
    help = "Create the demo users and import every course under content/ (safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--content", type=Path, default=Path(settings.REPO_DIR) / "content")
        parser.add_argument("--only", nargs="*", help="import only these course folders (names under content/)")
        parser.add_argument(
            "--adopt",
            action="store_true",
            help="first mark existing courses named like a content/ folder as demo courses (for installations "
            "whose demo predates the mark; never use it where a teacher made a course of that name)",
        )

    def handle(self, *args: Any, content: Path, only: list[str] | None, adopt: bool = False, **options: Any) -> None:
        User = get_user_model()
        users = {}
        for username, name, role in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"display_name": name, "email": f"{username}@example.edu"}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.is_superuser = user.is_staff = role == "admin"
                user.can_create_courses = role in ("teacher", "admin")
                user.save()
            users[username] = (user, role)
        folders = sorted(p for p in content.iterdir() if p.is_dir() and any((p / m).is_file() for m in MANIFEST_NAMES))
        if only:
            folders = [f for f in folders if f.name in only]
        if adopt:
            for folder in folders:
                course = Course.objects.filter(slug=course_slug_of(folder) or "").first()
                if course is not None:
                    DemoCourse.objects.get_or_create(course=course)
                    self.stdout.write(f"{course.slug}: adopted as a demo course")
        imported = 0
        for folder in folders:
            # Only courses this command created are the demo's: a course of the same name that a
            # teacher made (or imported) is left exactly as it is.
            slug = course_slug_of(folder)
            existing = Course.objects.filter(slug=slug).first() if slug else None
            if existing is not None and not DemoCourse.objects.filter(course=existing).exists():
                self.stdout.write(
                    self.style.WARNING(f"{slug}: left alone (a course with this name exists that the demo did not create)")
                )
                continue
            try:
                report = import_course(folder)
            except CourseImportError as exc:
                raise CommandError(f"{folder}:\n" + "\n".join(f"  {p}" for p in exc.problems)) from None
            self.stdout.write(report.summary())
            course = report.course
            imported += 1
            with transaction.atomic():
                DemoCourse.objects.get_or_create(course=course)
                for user, role in users.values():
                    if role in ("teacher", "student"):
                        Enrollment.objects.get_or_create(course=course, user=user, defaults={"role": Role(role)})
                # A living demo needs deadlines ahead: graded work without a due time gets one.
                now = timezone.now()
                undated = Activity.objects.filter(course=course, kind__in=GRADED_KINDS, due_at__isnull=True).order_by(
                    "unit__order", "order"
                )
                for offset, activity in enumerate(undated):
                    activity.due_at = (now + timedelta(days=7 + 7 * offset)).replace(minute=0, second=0, microsecond=0)
                    activity.save(update_fields=["due_at"])
        self.stdout.write(
            self.style.SUCCESS(f"Demo ready: {imported} course(s); password for every demo user: {DEMO_PASSWORD}")
        )
        from django.core.management import call_command  # issue 7: a living dashboard (idempotent)

        call_command("seed_demo_activity", stdout=self.stdout)
