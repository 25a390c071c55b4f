"""The deadline is one rule computed as of now: extensions and accommodations granted, shortened or
revoked mid-exam move it (and the page's countdown); a closed attempt never reopens.

The exam ``ex`` has a 30-minute limit; each test sets the window's close (``due_at``) itself.
Every time is passed as ``now`` (no waiting on a clock).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone


def _exam(course: Any, *, due_in_minutes: float | None, start: datetime) -> Any:
    from courses.models import Activity

    exam = Activity.objects.get(course=course, slug="ex")
    exam.due_at = None if due_in_minutes is None else start + timedelta(minutes=due_in_minutes)
    exam.save(update_fields=["due_at"])
    return exam


def _save(attempt: Any, value: str, seq: int, at: datetime) -> dict[str, Any]:
    from assessments.services import answer_save

    attempt.refresh_from_db()  # what a request does: the attempt and its deadline read afresh
    return answer_save(attempt=attempt, key="angle.t", value=value, seq=seq, now=at)


def _refused(attempt: Any, value: str, seq: int, at: datetime) -> None:
    from assessments.services import AssessmentError

    with pytest.raises(AssessmentError) as caught:
        _save(attempt, value, seq, at)
    assert caught.value.code == "closed"


def test_the_one_rule() -> None:
    from assessments.services import deadline_rule

    t0 = timezone.now()
    due = t0 + timedelta(minutes=40)
    assert deadline_rule(started_at=t0, time_limit_minutes=None, extra_time_factor=None, due_at=None) is None
    assert deadline_rule(started_at=t0, time_limit_minutes=None, extra_time_factor=None, due_at=due) == due
    assert deadline_rule(started_at=t0, time_limit_minutes=30, extra_time_factor=None, due_at=None) == t0 + timedelta(
        minutes=30
    )
    # the factor stretches the limit; the window's close still caps it
    assert deadline_rule(
        started_at=t0, time_limit_minutes=30, extra_time_factor=Decimal("1.5"), due_at=None
    ) == t0 + timedelta(minutes=45)
    assert deadline_rule(started_at=t0, time_limit_minutes=30, extra_time_factor=Decimal("1.5"), due_at=due) == due
    # a zero or negative factor is no factor
    assert deadline_rule(
        started_at=t0, time_limit_minutes=30, extra_time_factor=Decimal(0), due_at=None
    ) == t0 + timedelta(minutes=30)


def test_inputs_read_with_the_attempt_agree_with_grading(quiz_course, cast) -> None:  # type: ignore[no-untyped-def]
    """The autosave reads extension and accommodation in its own query: the same values grading's
    ``due_for`` and ``extra_time_factor`` give."""
    from assessments.models import Attempt
    from assessments.selectors import own_attempt_by_path
    from assessments.services import attempt_start
    from grading.models import Accommodation, Extension
    from grading.selectors import extra_time_factor
    from grading.services import due_for

    start = timezone.now()
    exam = _exam(quiz_course, due_in_minutes=20, start=start)
    attempt_start(activity=exam, user=cast.alice, now=start)
    attempt_start(activity=exam, user=cast.bob, now=start)
    Extension.objects.create(activity=exam, user=cast.alice, due_at=start + timedelta(hours=1), granted_by=cast.teacher)
    Accommodation.objects.create(
        course=quiz_course, user=cast.alice, extra_time_factor=Decimal("1.25"), granted_by=cast.teacher
    )
    for user in (cast.alice, cast.bob):
        row = own_attempt_by_path(user=user, course_slug=quiz_course.slug, activity_slug="ex", number=1)
        assert row.__dict__["deadline_due"] == due_for(activity=exam, user=user)
        factor = extra_time_factor(user=user, course=quiz_course)
        assert (row.__dict__["deadline_factor"] or Decimal(1)) == factor
        assert row.deadline_at == Attempt.objects.get(pk=row.pk).deadline_at  # annotated or read: one answer
    assert own_attempt_by_path(
        user=cast.alice, course_slug=quiz_course.slug, activity_slug="ex", number=1
    ).deadline_at == (start + timedelta(minutes=37.5))
    assert own_attempt_by_path(
        user=cast.bob, course_slug=quiz_course.slug, activity_slug="ex", number=1
    ).deadline_at == (start + timedelta(minutes=20))


def test_save_after_the_old_deadline_but_before_the_new_one_is_accepted(quiz_course, cast) -> None:  # type: ignore[no-untyped-def]
    from assessments.models import AttemptStatus
    from assessments.services import attempt_start
    from grading.models import Extension

    start = timezone.now()
    exam = _exam(quiz_course, due_in_minutes=10, start=start)
    attempt = attempt_start(activity=exam, user=cast.alice, now=start)
    assert attempt.deadline_at == start + timedelta(minutes=10)
    assert _save(attempt, "1", 1, start + timedelta(minutes=9))["saved"]
    Extension.objects.create(
        activity=exam, user=cast.alice, due_at=start + timedelta(minutes=20), granted_by=cast.teacher
    )
    saved = _save(attempt, "2", 2, start + timedelta(minutes=15))  # past the old deadline, before the new one
    assert saved["saved"] and saved["remaining"] == 5 * 60  # the page's countdown moves with it
    _refused(attempt, "3", 3, start + timedelta(minutes=20, seconds=1))  # past the new one
    attempt.refresh_from_db()
    assert attempt.status != AttemptStatus.OPEN and attempt.closed_by == "timeout"
    assert attempt.submitted_at == start + timedelta(minutes=20)
    assert attempt.answers.get(key="angle.t").value == "2"


def test_extension_shortened_mid_exam_brings_the_deadline_forward(quiz_course, cast) -> None:  # type: ignore[no-untyped-def]
    from assessments.services import attempt_start
    from grading.models import Extension

    start = timezone.now()
    exam = _exam(quiz_course, due_in_minutes=5, start=start)
    ext = Extension.objects.create(
        activity=exam, user=cast.alice, due_at=start + timedelta(minutes=25), granted_by=cast.teacher
    )
    attempt = attempt_start(activity=exam, user=cast.alice, now=start)
    assert attempt.deadline_at == start + timedelta(minutes=25)
    assert _save(attempt, "1", 1, start + timedelta(minutes=11))["saved"]
    ext.due_at = start + timedelta(minutes=12)
    ext.save(update_fields=["due_at"])
    assert _save(attempt, "2", 2, start + timedelta(minutes=11, seconds=30))["remaining"] == 30
    _refused(attempt, "3", 3, start + timedelta(minutes=13))
    attempt.refresh_from_db()
    assert attempt.submitted_at == start + timedelta(minutes=12)
    assert attempt.answers.get(key="angle.t").value == "2"


def test_a_closed_attempt_never_reopens(quiz_course, cast) -> None:  # type: ignore[no-untyped-def]
    """Revoking an extension closes the attempt at the old deadline; granting one again (or a longer
    one) after that does not reopen it, nor does the periodic task touch it."""
    from assessments.models import AttemptStatus
    from assessments.services import attempt_start, attempts_close_expired
    from grading.models import Extension

    start = timezone.now()
    exam = _exam(quiz_course, due_in_minutes=10, start=start)
    Extension.objects.create(
        activity=exam, user=cast.alice, due_at=start + timedelta(minutes=20), granted_by=cast.teacher
    )
    attempt = attempt_start(activity=exam, user=cast.alice, now=start)
    assert _save(attempt, "1", 1, start + timedelta(minutes=15))["saved"]
    Extension.objects.filter(activity=exam, user=cast.alice).delete()  # revoked: the old deadline is past
    assert attempts_close_expired(now=start + timedelta(minutes=16)) == 1
    attempt.refresh_from_db()
    assert attempt.status != AttemptStatus.OPEN and attempt.closed_by == "timeout"
    assert attempt.submitted_at == start + timedelta(minutes=10)
    assert attempt.answers.get(key="angle.t").value == "1"  # what was accepted under the extension stays
    Extension.objects.create(activity=exam, user=cast.alice, due_at=start + timedelta(hours=2), granted_by=cast.teacher)
    _refused(attempt, "2", 2, start + timedelta(minutes=17))
    assert attempts_close_expired(now=start + timedelta(minutes=18)) == 0
    attempt.refresh_from_db()
    assert attempt.status != AttemptStatus.OPEN and attempt.submitted_at == start + timedelta(minutes=10)
    assert attempt.answers.get(key="angle.t").value == "1"


def test_accommodation_granted_mid_exam_stretches_the_time_limit(quiz_course, cast) -> None:  # type: ignore[no-untyped-def]
    from assessments.services import attempt_start, attempts_close_expired
    from grading.review import accommodation_set

    start = timezone.now()
    exam = _exam(quiz_course, due_in_minutes=None, start=start)
    attempt = attempt_start(activity=exam, user=cast.alice, now=start)
    assert attempt.deadline_at == start + timedelta(minutes=30)
    accommodation_set(course=quiz_course, user=cast.alice, factor=Decimal("1.5"), note="", by=cast.teacher)
    attempt.refresh_from_db()
    assert attempt.deadline_at == start + timedelta(minutes=45)
    assert attempts_close_expired(now=start + timedelta(minutes=31)) == 0  # the periodic task uses the rule too
    assert _save(attempt, "1", 1, start + timedelta(minutes=40))["saved"]
    _refused(attempt, "2", 2, start + timedelta(minutes=45, seconds=1))
    attempt.refresh_from_db()
    assert attempt.submitted_at == start + timedelta(minutes=45)


def test_the_page_and_the_autosave_show_the_moved_countdown(quiz_course, cast, client) -> None:  # type: ignore[no-untyped-def]
    """On the real clock: the limit is 30 minutes, the factor 2 makes it 60; anything over 30 minutes
    left proves the move (no assertion on elapsed time)."""
    from assessments.services import attempt_start
    from grading.models import Accommodation

    exam = _exam(quiz_course, due_in_minutes=None, start=timezone.now())
    attempt_start(activity=exam, user=cast.alice)
    client.force_login(cast.alice)
    url = f"/quiz/{quiz_course.slug}/ex/attempt/1/"

    def page_remaining() -> int:
        match = re.search(r'data-testid="timer" data-remaining="(\d+)"', client.get(url).content.decode())
        assert match is not None
        return int(match.group(1))

    assert 0 < page_remaining() <= 30 * 60
    Accommodation.objects.create(
        course=quiz_course, user=cast.alice, extra_time_factor=Decimal("2"), granted_by=cast.teacher
    )
    assert 30 * 60 < page_remaining() <= 60 * 60
    response = client.post(
        url + "save/", json.dumps({"key": "angle.t", "value": "0.5", "seq": 1}), content_type="application/json"
    )
    assert response.status_code == 200
    data = response.json()
    assert data["saved"] and 30 * 60 < data["remaining"] <= 60 * 60


def test_a_save_racing_the_close_is_refused_and_not_stored(quiz_course, cast) -> None:  # type: ignore[no-untyped-def]
    """The request read the attempt while it was open; it was handed in before the write: the write
    (conditional on the attempt being open, in the same statement) stores nothing."""
    from assessments.models import Answer, Attempt, AttemptStatus
    from assessments.services import AssessmentError, answer_save, attempt_start

    start = timezone.now()
    exam = _exam(quiz_course, due_in_minutes=None, start=start)
    attempt = attempt_start(activity=exam, user=cast.alice, now=start)
    assert answer_save(attempt=attempt, key="angle.t", value="1", seq=1, now=start)["saved"]
    Attempt.objects.filter(pk=attempt.pk).update(status=AttemptStatus.SUBMITTED, submitted_at=start)
    assert attempt.status == AttemptStatus.OPEN  # the stale copy a racing request holds
    for key, seq in (("angle.t", 2), ("pick.a", 1)):  # a newer value, and a first one
        with pytest.raises(AssessmentError) as caught:
            answer_save(attempt=attempt, key=key, value="2", seq=seq, now=start + timedelta(minutes=1))
        assert caught.value.code == "closed"
    assert dict(Answer.objects.filter(attempt=attempt).values_list("key", "value")) == {"angle.t": "1"}


def test_autosave_through_the_view_keeps_the_newest_and_counts_saves(quiz_course, cast, client) -> None:  # type: ignore[no-untyped-def]
    from assessments.models import Answer
    from assessments.services import attempt_start

    attempt_start(activity=_exam(quiz_course, due_in_minutes=None, start=timezone.now()), user=cast.alice)
    client.force_login(cast.alice)
    url = f"/quiz/{quiz_course.slug}/ex/attempt/1/save/"

    def post(value: Any, seq: int, key: str = "angle.t") -> Any:
        return client.post(url, json.dumps({"key": key, "value": value, "seq": seq}), content_type="application/json")

    assert post("0.1", 1).json()["saved"]
    assert post({"a": [1, 2]}, 3).json()["saved"]  # any JSON value
    late = post("0.2", 2).json()
    assert not late["saved"] and late["seq"] == 3
    assert post(None, 4).json()["saved"]
    row = Answer.objects.get(attempt__user=cast.alice, key="angle.t")
    assert row.value is None and row.seq == 4 and row.saves == 3 and row.first_saved_at <= row.saved_at
    assert post("x", 5, key="nope.t").status_code == 400


def test_an_exam_autosave_reads_its_deadline_in_the_same_query(  # type: ignore[no-untyped-def]
    quiz_course, cast, client, django_assert_num_queries
) -> None:
    """Session, user, the attempt with its deadline's inputs, the one-statement write: four queries,
    with an extension and an accommodation in force, for a first save and a later one."""
    from assessments.services import attempt_start
    from grading.models import Accommodation, Extension

    start = timezone.now()
    exam = _exam(quiz_course, due_in_minutes=20, start=start)
    attempt_start(activity=exam, user=cast.alice, now=start)
    Extension.objects.create(activity=exam, user=cast.alice, due_at=start + timedelta(hours=1), granted_by=cast.teacher)
    Accommodation.objects.create(
        course=quiz_course, user=cast.alice, extra_time_factor=Decimal("1.5"), granted_by=cast.teacher
    )
    client.force_login(cast.alice)
    url = f"/quiz/{quiz_course.slug}/ex/attempt/1/save/"
    client.get(f"/quiz/{quiz_course.slug}/ex/attempt/1/")  # the session's one-time writes happen here
    for seq in (1, 2):
        with django_assert_num_queries(4):
            response = client.post(
                url, json.dumps({"key": "angle.t", "value": str(seq), "seq": seq}), content_type="application/json"
            )
        data = response.json()
        assert data["saved"] and 40 * 60 < data["remaining"] <= 45 * 60
