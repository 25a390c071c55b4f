"""Per-school grading quota (issue #16 item 3): ``grading_jobs_per_hour`` caps the grading jobs a
school's people start in a rolling hour. Over it a job is neither lost nor refused: it stays queued,
the student reads "Queued: your school's grading quota ...", and the job kernel's sweep offers it
again once the hour has room. The autograder itself is replaced by a fixed outcome (the sandbox is
tested elsewhere); everything else — receive, enqueue on commit, the eager task, the claim, the
sweep — is the real path."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db.models import F
from django.utils import timezone

from grading.enums import SubmissionSource, SubmissionStatus
from grading.models import Submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_grader(monkeypatch, settings, grading_settings):  # type: ignore[no-untyped-def]
    """Every grading run returns 7/10 at once; the runs are counted."""
    from grading.runner import autograde

    runs: list[str] = []

    def grade(**kwargs: Any) -> autograde.GradeOutcome:
        runs.append(kwargs["submission_json"][:10])
        return autograde.GradeOutcome(status="graded", score=7.0, max_score=10.0, message="")

    monkeypatch.setattr(autograde, "grade", grade)
    settings.GRADING_ALLOW_UNSAFE = True  # no sandbox is started: the fake grader runs nothing
    return runs


def _school(slug: str, per_hour: int | None, *people):  # type: ignore[no-untyped-def]
    from orgs.models import Membership, Organisation

    school = Organisation.objects.create(name=slug.title(), slug=slug, kind="school", grading_jobs_per_hour=per_hour)
    for user in people:
        Membership.objects.create(org=school, user=user, role="student")
    return school


def _submit(user, act, data: str, key: str, capture):  # type: ignore[no-untyped-def]
    from grading.services import submission_receive

    with capture(execute=True):  # on commit: enqueue → the eager task → submission_grade → claim
        sub = submission_receive(
            user=user, activity=act, data=data.encode(), source=SubmissionSource.UPLOAD, idempotency_key=key
        )
    sub.refresh_from_db()
    return sub


def _an_hour_passes() -> None:
    """Every stored time moves an hour and a minute into the past (as if that much time went by)."""
    hour = timedelta(minutes=61)
    Submission.objects.filter(started_at__isnull=False).update(started_at=F("started_at") - hour)
    Submission.objects.filter(queued_at__isnull=False).update(queued_at=F("queued_at") - hour)


def test_over_the_hourly_quota_a_job_waits_queued_then_the_sweep_grades_it(  # type: ignore[no-untyped-def]
    client, cast, bell_assignment, bell, fake_grader, django_capture_on_commit_callbacks
):
    from grading.services import submissions_sweep

    _school("north", 2, cast.alice, cast.bob)
    first = _submit(cast.alice, bell_assignment, bell["solved"], "a1", django_capture_on_commit_callbacks)
    second = _submit(cast.bob, bell_assignment, bell["solved"], "b1", django_capture_on_commit_callbacks)
    assert [first.status, second.status] == [SubmissionStatus.GRADED] * 2
    held = _submit(cast.alice, bell_assignment, bell["solved"], "a2", django_capture_on_commit_callbacks)
    # not refused, not lost, not run: queued, no attempt spent, the student is told why
    assert held.status == SubmissionStatus.QUEUED
    assert (held.attempts, held.started_at, held.auto_score) == (0, None, None)
    assert held.message.startswith("Queued: your school's grading quota")
    assert "about 60 min" in held.message
    assert len(fake_grader) == 2

    client.force_login(cast.alice)
    status = client.get(f"/grading/qc101/a/{bell_assignment.slug}/status/").content.decode()
    assert "Queued: your school&#x27;s grading quota for this hour is in use" in status
    page = client.get(f"/grading/qc101/s/{held.pk}/").content.decode()
    assert "Queued: your school&#x27;s grading quota" in page

    # the sweep within the hour does not send it (and a duplicate delivery is held again, unspent)
    assert submissions_sweep() == 0
    from grading.services import submission_grade

    assert submission_grade(submission_id=held.pk) is None
    held.refresh_from_db()
    assert (held.status, held.attempts) == (SubmissionStatus.QUEUED, 0)

    _an_hour_passes()
    with django_capture_on_commit_callbacks(execute=True):
        assert submissions_sweep() == 1  # the job kernel's sweep offers it again: the eager task grades it
    held.refresh_from_db()
    assert held.status == SubmissionStatus.GRADED and float(held.auto_score) == 7.0
    assert held.attempts == 1 and "quota" not in held.message
    assert len(fake_grader) == 3


def test_the_wait_counts_from_the_oldest_job_of_the_window(cast, bell_assignment, bell):  # type: ignore[no-untyped-def]
    from grading import quota
    from grading.services import submission_receive

    school = _school("south", 3, cast.alice)
    now = timezone.now()
    ages = [70, 50, 30, 10]  # minutes ago; the 70-minute one is out of the window
    for i, age in enumerate(ages):
        sub = submission_receive(
            user=cast.alice,
            activity=bell_assignment,
            data=bell["solved"].encode(),
            source=SubmissionSource.UPLOAD,
            idempotency_key=f"k{i}",
        )
        Submission.objects.filter(pk=sub.pk).update(started_at=now - timedelta(minutes=age))
    assert len(quota.started_in_window(school=school, now=now)) == 3
    assert quota.wait_seconds(school=school, now=now) == pytest.approx(10 * 60)  # the 50-minute-old one leaves
    school.grading_jobs_per_hour = 4
    assert quota.wait_seconds(school=school, now=now) == 0
    school.grading_jobs_per_hour = 2
    assert quota.wait_seconds(school=school, now=now) == pytest.approx(30 * 60)  # two must leave
    school.grading_jobs_per_hour = 0
    assert quota.wait_seconds(school=school, now=now) == 3600


def test_other_schools_and_people_without_a_school_are_not_held(  # type: ignore[no-untyped-def]
    cast, bell_assignment, bell, fake_grader, django_capture_on_commit_callbacks
):
    _school("tight", 1, cast.alice)
    _school("free", None, cast.bob)
    runs = [
        _submit(cast.alice, bell_assignment, bell["solved"], "a1", django_capture_on_commit_callbacks),
        _submit(cast.bob, bell_assignment, bell["solved"], "b1", django_capture_on_commit_callbacks),
        _submit(cast.bob, bell_assignment, bell["solved"], "b2", django_capture_on_commit_callbacks),
        _submit(cast.charlie, bell_assignment, bell["solved"], "c1", django_capture_on_commit_callbacks),
        _submit(cast.charlie, bell_assignment, bell["solved"], "c2", django_capture_on_commit_callbacks),
        _submit(cast.alice, bell_assignment, bell["solved"], "a2", django_capture_on_commit_callbacks),
    ]
    assert [s.status for s in runs] == [SubmissionStatus.GRADED] * 5 + [SubmissionStatus.QUEUED]
    # bob's school has no quota and charlie has none: alice's school's second job alone waits


def test_the_quota_message_reads_in_chinese() -> None:
    from django.utils import translation

    from grading import quota
    from grading.feedback import runner_message_localise

    with translation.override("zh-hans"):
        text = runner_message_localise(quota.MESSAGE.format(minutes=12))
    assert text == "排队中：你所在学校本小时的评分配额已用完；大约 12 分钟后开始评分。"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_claims_of_one_school_never_pass_its_quota(cast, bell_assignment):  # type: ignore[no-untyped-def]
    """Six workers claim six jobs of one school at once against a quota of two: exactly two run
    (the claims take turns on the school's row), four wait queued with the quota message."""
    import threading

    from django.db import connection

    from grading import quota
    from grading.services import GRADING_QUEUE

    _school("busy", 2, cast.alice, cast.bob)
    subs = [
        Submission.objects.create(
            activity=bell_assignment,
            version=bell_assignment.current_version,
            user=cast.alice if i % 2 else cast.bob,
            received_at=timezone.now(),
            blob="0" * 64,
            size=1,
            source=SubmissionSource.UPLOAD,
            idempotency_key=f"p{i}",
            status=SubmissionStatus.QUEUED,
        )
        for i in range(6)
    ]
    barrier = threading.Barrier(len(subs))
    claimed: list[int] = []
    errors: list[BaseException] = []

    def one(pk: int) -> None:
        try:
            barrier.wait()
            if quota.claim(GRADING_QUEUE, pk) is not None:
                claimed.append(pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(s.pk,)) for s in subs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(claimed) == 2
    rows = {s.pk: s for s in Submission.objects.filter(pk__in=[s.pk for s in subs])}
    assert {pk for pk, s in rows.items() if s.status == SubmissionStatus.RUNNING} == set(claimed)
    waiting = [s for s in rows.values() if s.pk not in claimed]
    assert all(s.status == SubmissionStatus.QUEUED and s.attempts == 0 for s in waiting)
    assert all(s.message.startswith(quota.MESSAGE_PREFIX) for s in waiting)
