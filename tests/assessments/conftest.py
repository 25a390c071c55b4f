"""A course folder with quizzes and an exam (tests/assessments/course), imported once per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

COURSE = Path(__file__).parent / "course"


@pytest.fixture
def quiz_folder(tmp_path: Path) -> Path:
    dest = tmp_path / "course"
    shutil.copytree(COURSE, dest)
    return dest


@pytest.fixture
def quiz_course(cast, quiz_folder):  # type: ignore[no-untyped-def]
    from courses.enums import Role
    from courses.importer import import_course
    from courses.models import Enrollment

    report = import_course(quiz_folder, teacher=cast.teacher)
    for user in (cast.alice, cast.bob):
        Enrollment.objects.create(course=report.course, user=user, role=Role.STUDENT)
    return report.course
