"""manage.py import_course DIR [--teacher USERNAME]: import or update a course folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.importer import CourseImportError, import_course


class Command(BaseCommand):
    help = "Import a course folder (course.yaml + lessons/ + practice/ + assignments/). Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)
        parser.add_argument("--teacher", help="user name to make the course's teacher when it is created")

    def handle(self, *args: Any, folder: Path, teacher: str | None, **options: Any) -> None:
        teacher_user = None
        if teacher:
            teacher_user = get_user_model().objects.filter(username=teacher).first()
            if teacher_user is None:
                raise CommandError(f"No user is called {teacher!r}.")
        try:
            report = import_course(folder, teacher=teacher_user)
        except CourseImportError as exc:
            lines = "\n".join(f"  {p}" for p in exc.problems)
            raise CommandError(f"{folder}: the course was not imported; nothing was changed.\n{lines}") from None
        self.stdout.write(self.style.SUCCESS(report.summary()))
