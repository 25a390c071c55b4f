"""Every admin page an administrator needs renders for a superuser; nobody else gets in."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

OUR_APPS = {"accounts", "courses", "grading", "competitions", "core"}
NEEDED = {
    "courses": {"course", "unit", "activity", "activityversion", "enrollment", "courseimport", "announcement"},
    "grading": {
        "submission", "manualgrade", "override", "extension", "scorerelease",
        "generalcomment", "accommodation", "rubricitem", "savedcomment", "section",
    },
    "competitions": {"competition", "phase", "team", "teammembership", "submission", "competitiongrade"},
    "accounts": {"user"},
}


@pytest.fixture
def everything(world, cast, settings, tmp_path):  # type: ignore[no-untyped-def]
    """At least one row of every model the admin shows."""
    from competitions.definitions_loader import DEFINITIONS, load_definition
    from competitions.models import CompetitionGrade, TeamMembership
    from competitions.models import Submission as CSubmission
    from competitions.services import team_create
    from core.models import DemoCourse, JobClaim, WorkerHeartbeat
    from courses.models import CourseImport
    from grading.models import ManualGrade, Override, ScoreRelease, Submission
    from grading.services import extension_grant

    settings.COMPETITIONS_DATA_DIR = tmp_path / "data"
    settings.COMPETITIONS_JOB_DIR = tmp_path / "jobs"
    settings.COMPETITIONS_SEED_SECRET = "admin-test"
    cup = load_definition(DEFINITIONS / "decoder-cup", scale=0.002, course_slug="qc101")
    now = timezone.now()
    sub = Submission.objects.create(
        activity=world.assignment, version=world.assignment.current_version, user=cast.alice, received_at=now,
        blob="a" * 64, size=3, source="upload", idempotency_key="adm-1", status="graded", graded_at=now,
        auto_score=Decimal(3), max_score=Decimal(10),
        cells=[{"grade_id": "q1", "kind": "manual", "max_points": 2, "score": None}],
    )
    ManualGrade.objects.create(submission=sub, grade_id="q1", score=Decimal(2), graded_by=cast.teacher)
    Override.objects.create(submission=sub, score=Decimal(9), reason="typo in the test", created_by=cast.teacher)
    extension_grant(activity=world.assignment, user=cast.bob, due_at=now, by=cast.teacher)
    ScoreRelease.objects.create(activity=world.assignment, released_at=now, released_by=cast.teacher)
    team = team_create(competition=cup, user=cast.alice, name="Qubits")
    assert TeamMembership.objects.filter(team=team).exists()
    phase = cup.phases.first()
    CSubmission.objects.create(
        phase=phase, user=cast.alice, team=team, participant=f"t{team.pk}", received_at=now, kind=phase.submission_kind,
        status="error", error="crashed",
    )
    CompetitionGrade.objects.create(activity=world.assignment, user=cast.alice, points=4.0, rank=1, computed_at=now, rule="rank")
    CourseImport.objects.create(teacher=cast.teacher, course=world.course, filename="qc101.zip", status="done")
    WorkerHeartbeat.objects.create(hostname="celery@x", queues="grading", started_at=now, seen_at=now)
    JobClaim.objects.create(queue="grading", job_id=sub.pk, hostname="celery@x", claimed_at=now)
    from courses.models import Announcement
    from grading.models import Accommodation, GeneralComment, RubricItem, SavedComment, Section

    GeneralComment.objects.create(submission=sub, text="nice work", created_by=cast.teacher)
    Accommodation.objects.create(course=world.course, user=cast.bob, extra_time_factor=Decimal("1.5"), granted_by=cast.teacher)
    RubricItem.objects.create(activity=world.assignment, grade_id="q1", label="explains", points=Decimal(1))
    SavedComment.objects.create(activity=world.assignment, grade_id="q1", text="check the sign")
    Section.objects.create(course=world.course, name="Monday")
    Announcement.objects.create(course=world.course, title="Welcome", body="hi", created_by=cast.teacher)
    DemoCourse.objects.create(course=world.other_course)
    return cup


def _ours() -> list[type]:
    return [m for m in admin.site._registry if m._meta.app_label in OUR_APPS]


def test_every_model_an_admin_needs_is_registered() -> None:
    registered = {(m._meta.app_label, m._meta.model_name) for m in admin.site._registry}
    missing = {(app, name) for app, names in NEEDED.items() for name in names} - registered
    assert missing == set()


def test_superuser_renders_every_changelist_and_change_page(client: Client, cast, everything) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast.admin)
    checked = 0
    for model in _ours():
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        response = client.get(changelist)
        assert response.status_code == 200, changelist
        obj = model._default_manager.first()
        assert obj is not None, f"no {meta.label} row to open"
        # the list shows the row (its change link)
        change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
        assert change in response.content.decode(), changelist
        page = client.get(change)
        assert page.status_code == 200, change
        # searching works where the admin offers it (search_fields reach real columns)
        if admin.site._registry[model].search_fields:
            assert client.get(changelist, {"q": "a"}).status_code == 200, changelist
        checked += 1
    assert checked >= 20


def test_non_staff_are_sent_to_the_login_page(client: Client, cast, everything) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast.teacher)  # a teacher, but not staff
    for model in _ours():
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url


def test_submission_changelist_queries_do_not_grow_with_rows(client: Client, cast, world, everything, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from grading.models import Submission

    client.force_login(cast.admin)
    url = reverse("admin:grading_submission_changelist")
    client.get(url)  # the first request fills per-process caches (content types, permissions)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    now = timezone.now()
    for i, user in enumerate([cast.bob, cast.charlie, cast.ta] * 5):
        Submission.objects.create(
            activity=world.assignment, version=world.assignment.current_version, user=user, received_at=now,
            blob="b" * 64, size=3, source="upload", idempotency_key=f"adm-more-{i}",
        )
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few), "\n".join(q["sql"][:200] for q in many.captured_queries)


def test_regrade_action_sends_submissions_back(client: Client, cast, world, everything, settings, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    from grading.models import Submission

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"  # nothing listens: the rows stay received for the sweep
    client.force_login(cast.admin)
    sub = Submission.objects.get(idempotency_key="adm-1")
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("admin:grading_submission_changelist"),
            {"action": "regrade", "_selected_action": [sub.pk]},
            follow=True,
        )
    assert "1 submission sent back to the grading queue." in response.content.decode()
    sub.refresh_from_db()
    assert sub.status == "received" and sub.attempts == 0


def test_requeue_action_resends_failed_competition_submissions(client: Client, cast, everything, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    from competitions.models import Submission

    client.force_login(cast.admin)
    failed = Submission.objects.get(status="error")
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("admin:competitions_submission_changelist"),
            {"action": "requeue", "_selected_action": [failed.pk]},
            follow=True,
        )
    assert "1 submission sent back to the queue." in response.content.decode()
    failed.refresh_from_db()
    assert failed.status == "received" and failed.error == ""
