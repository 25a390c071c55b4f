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


def test_purge_removes_what_old_releases_seeded_into_real_courses_and_nothing_else(world, cast) -> None:  # type: ignore[no-untyped-def]
    """Before the demo mark, seed_demo_activity seeded every course: --purge-outside-demo undoes it."""
    from django.utils import timezone

    from core.models import DemoCourse
    from courses.enums import Role
    from courses.models import Enrollment
    from grading.models import Submission
    from tests.factories import UserFactory

    DemoCourse.objects.create(course=world.other_course)  # pretend: a demo course, with its own seeds
    fake = UserFactory(username="demo-s01")
    now = timezone.now()

    def sub(activity, user, key):  # type: ignore[no-untyped-def]
        return Submission.objects.create(
            activity=activity, version=activity.current_version, user=user, received_at=now, blob="c" * 64, size=1,
            source="lab", idempotency_key=key,
        )

    Enrollment.objects.create(course=world.course, user=fake, role=Role.STUDENT)
    sub(world.assignment, fake, "demo-seed-1-1-0")
    sub(world.assignment, cast.alice, "demo-seed-1-2-0")  # a seeded result on a real student's row
    real_work = sub(world.assignment, cast.alice, "alice-own-upload")
    Enrollment.objects.create(course=world.other_course, user=fake, role=Role.STUDENT)
    demo_seed = sub(world.other_activity, fake, "demo-seed-9-9-0")
    out = io.StringIO()
    call_command("seed_demo_activity", purge_outside_demo=True, stdout=out)
    assert "removed 2 seeded submissions and 1 made-up enrolments" in out.getvalue()
    assert list(Submission.objects.filter(activity__course=world.course)) == [real_work]
    assert not Enrollment.objects.filter(course=world.course, user=fake).exists()
    assert Enrollment.objects.filter(course=world.course, user=cast.alice).exists()
    assert Submission.objects.filter(pk=demo_seed.pk).exists()  # the demo course keeps its seeds
    assert Enrollment.objects.filter(course=world.other_course, user=fake).exists()


def test_adopt_marks_an_old_demo_course_so_reruns_update_it(cast) -> None:  # type: ignore[no-untyped-def]
    from core.models import DemoCourse
    from tests.factories import CourseFactory

    old_demo = CourseFactory(slug="ai-for-qec", title="made by an older load_demo")
    out = io.StringIO()
    call_command("load_demo", only=["qec-ai"], stdout=out)
    assert "left alone" in out.getvalue() and not DemoCourse.objects.exists()
    call_command("load_demo", only=["qec-ai"], adopt=True, stdout=out)
    assert "ai-for-qec: adopted as a demo course" in out.getvalue()
    assert DemoCourse.objects.filter(course=old_demo).exists()
    old_demo.refresh_from_db()
    assert old_demo.title != "made by an older load_demo"  # updated from content/ now
