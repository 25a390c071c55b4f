"""The number of queries a page costs does not grow with the number of students."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.dashboard.builders import cell, submission

pytestmark = pytest.mark.django_db

PAGES = (
    "/courses/qc101/dashboard/",
    "/courses/qc101/gradebook/",
    "/courses/qc101/gradebook.csv",
    "/courses/qc101/progress/",
)


def _add_students(graded, n: int, start: int) -> None:  # type: ignore[no-untyped-def]
    from courses.enums import Role
    from tests.factories import EnrollmentFactory, UserFactory

    now = timezone.now()
    for i in range(start, start + n):
        user = UserFactory(username=f"s{i:03d}")
        EnrollmentFactory(course=graded.world.course, user=user, role=Role.STUDENT)
        for activity in (graded.hw0, graded.hw1):
            submission(
                activity=activity,
                user=user,
                received_at=now - timedelta(days=4, hours=i),
                cells=[
                    cell("q1", "autograded_test", 4, i % 5, "failed" if i % 5 < 4 else "passed"),
                    cell("q3", "manual", 2, None),
                ],
            )


def _counts(graded) -> dict[str, int]:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(graded.cast.teacher)
    # A first request writes per-user rows once (the language the user reads, the session):
    # not a cost of the page, and not one that grows with students.
    c.get("/")
    out = {}
    for url in PAGES:
        with CaptureQueriesContext(connection) as ctx:
            response = c.get(url)
        assert response.status_code == 200, url
        out[url] = len(ctx.captured_queries)
    return out


def test_query_count_does_not_grow_with_students(graded):  # type: ignore[no-untyped-def]
    _add_students(graded, 3, 0)
    small = _counts(graded)
    _add_students(graded, 30, 100)
    large = _counts(graded)
    assert large == small
    for url, n in large.items():
        assert n <= 20, (url, n)


def test_dashboard_query_bound(graded, django_assert_max_num_queries):  # type: ignore[no-untyped-def]
    _add_students(graded, 25, 0)
    c = Client()
    c.force_login(graded.cast.teacher)
    c.get("/")  # per-user rows written once on a first request (see _counts)
    # 17: the page's own 16, and the menu's one question whether the viewer runs a school (orgs_menu)
    with django_assert_max_num_queries(17):
        assert c.get("/courses/qc101/dashboard/?activity=hw0").status_code == 200
    with django_assert_max_num_queries(17):
        assert c.get("/courses/qc101/gradebook/?sort=total").status_code == 200


def test_gradebook_competition_columns_cost_one_query(graded):  # type: ignore[no-untyped-def]
    """Mapped competition points come from one query whatever the number of students."""
    from competitions.models import CompetitionGrade
    from courses.enums import ActivityKind
    from tests.factories import ActivityFactory

    _add_students(graded, 3, 0)
    before = _counts(graded)
    activity = ActivityFactory(
        unit=graded.hw0.unit, slug="cup", kind=ActivityKind.COMPETITION, points=10, options={"competition": "x"}
    )

    def grade_everyone() -> None:
        from courses.models import Enrollment

        for e in Enrollment.objects.filter(course=graded.world.course, role="student"):
            CompetitionGrade.objects.update_or_create(
                activity=activity, user_id=e.user_id, defaults={"points": 5, "computed_at": timezone.now(), "rule": "t"}
            )

    grade_everyone()
    small = _counts(graded)
    for url in ("/courses/qc101/gradebook/", "/courses/qc101/gradebook.csv"):
        assert small[url] == before[url] + 1, url
    _add_students(graded, 30, 100)
    grade_everyone()
    assert _counts(graded) == small
