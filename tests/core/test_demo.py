"""`make demo`'s loaders keep demo data in demo courses and never touch a course they did not create."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def _snapshot(course: Any) -> dict[str, Any]:
    from courses.models import Activity, Enrollment, Unit
    from grading.models import ManualGrade, ScoreRelease, Submission

    course.refresh_from_db()
    return {
        "course": (course.title, course.updated_at, course.source_digest, course.join_code),
        "units": sorted(Unit.objects.filter(course=course).values_list("slug", "title", "archived")),
        "activities": sorted(
            Activity.objects.filter(course=course).values_list("slug", "release_at", "due_at", "current_version_id")
        ),
        "enrollments": sorted(Enrollment.objects.filter(course=course).values_list("user__username", "role")),
        "submissions": Submission.objects.filter(activity__course=course).count(),
        "manual": ManualGrade.objects.filter(submission__activity__course=course).count(),
        "released": ScoreRelease.objects.filter(activity__course=course).count(),
    }


def test_a_teachers_own_courses_are_untouched_by_two_runs_of_the_demo_loaders(world, cast) -> None:  # type: ignore[no-untyped-def]
    from core.models import DemoCourse
    from courses.enums import Role
    from courses.models import Course, Enrollment
    from grading.models import Submission
    from tests.factories import CourseFactory

    # a teacher's course that happens to carry the demo folder's name
    same_name = CourseFactory(slug="quantum-first-steps", title="Wang's own first steps")
    Enrollment.objects.create(course=same_name, user=cast.teacher, role=Role.TEACHER)
    own = [world.course, world.other_course, same_name]
    before = [_snapshot(c) for c in own]

    out = io.StringIO()
    for _ in range(2):
        call_command("load_demo", only=["demo", "qec-ai"], stdout=out)
    log = out.getvalue()

    assert [_snapshot(c) for c in own] == before
    assert "quantum-first-steps: left alone" in log
    assert not DemoCourse.objects.filter(course__in=own).exists()
    # the demo itself did happen, in its own course only, and once
    demo = Course.objects.get(slug="ai-for-qec")
    assert DemoCourse.objects.filter(course=demo).exists()
    seeded = Submission.objects.filter(idempotency_key__startswith="demo-seed")
    assert seeded.exists() and set(seeded.values_list("activity__course__slug", flat=True)) == {"ai-for-qec"}
    assert "already seeded" in log
    cohort = Enrollment.objects.filter(user__username__startswith="demo-s")
    assert set(cohort.values_list("course__slug", flat=True)) == {"ai-for-qec"}


def test_seed_demo_activity_alone_seeds_nothing_outside_demo_courses(world, cast) -> None:  # type: ignore[no-untyped-def]
    before = _snapshot(world.course)
    out = io.StringIO()
    call_command("seed_demo_activity", stdout=out)
    call_command("seed_demo_activity", course=["qc101"], stdout=out)
    assert _snapshot(world.course) == before
    assert "no demo course" in out.getvalue()
