"""Variants per student, attempts, autosave ordering, the server's deadline with extra time, the gradebook."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone


def _activity(course, slug):  # type: ignore[no-untyped-def]
    from courses.models import Activity

    return Activity.objects.get(course=course, slug=slug)


def test_variants_are_deterministic_and_differ_between_students(quiz_course, cast) -> None:  # type: ignore[no-untyped-def]
    from assessments.services import definition_of, layout_for

    quiz = _activity(quiz_course, "q1")
    d = definition_of(quiz.current_version)
    a1 = layout_for(d, activity_id=quiz.pk, user_id=cast.alice.pk, number=1)
    assert a1 == layout_for(d, activity_id=quiz.pk, user_id=cast.alice.pk, number=1)
    b1 = layout_for(d, activity_id=quiz.pk, user_id=cast.bob.pk, number=1)
    a2 = layout_for(d, activity_id=quiz.pk, user_id=cast.alice.pk, number=2)
    seeds = lambda layout: {i["qid"]: i["seed"] for i in layout}  # noqa: E731
    assert seeds(a1)["angle"] != seeds(b1)["angle"] or seeds(a1) != seeds(b1)
    # over many students the numeric question takes many variants
    many = {seeds(layout_for(d, activity_id=quiz.pk, user_id=uid, number=1))["angle"] for uid in range(1000, 1040)}
    assert len(many) >= 10
    assert a1 != a2 or seeds(a1) != seeds(a2)


def test_no_student_can_fetch_another_students_attempt(quiz_course, cast, client) -> None:  # type: ignore[no-untyped-def]
    from assessments.services import attempt_start

    quiz = _activity(quiz_course, "q1")
    attempt_start(activity=quiz, user=cast.alice)
    client.force_login(cast.alice)
    own = client.get(f"/quiz/{quiz_course.slug}/q1/attempt/1/")
    assert own.status_code == 200 and 'data-testid="question"' in own.content.decode()
    client.force_login(cast.bob)
    for url in (
        f"/quiz/{quiz_course.slug}/q1/attempt/1/",
        f"/courses/{quiz_course.slug}/a/q1/",
    ):
        page = client.get(url, follow=True)
        assert "GHz" not in page.content.decode()  # alice's numeric question text is nowhere
    # the activity page sends to the quiz's home, which shows no question before a start
    home = client.get(f"/courses/{quiz_course.slug}/a/q1/", follow=True)
    assert home.redirect_chain and 'data-testid="quiz-home"' in home.content.decode()
    assert 'data-testid="question"' not in home.content.decode()
    assert client.get(f"/quiz/{quiz_course.slug}/q1/attempt/1/").status_code == 404
    assert (
        client.post(
            f"/quiz/{quiz_course.slug}/q1/attempt/1/save/",
            {"key": "angle.t", "seq": 1},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert client.post(f"/quiz/{quiz_course.slug}/q1/attempt/1/submit/").status_code == 404
    client.force_login(cast.outsider)
    assert client.get(f"/quiz/{quiz_course.slug}/q1/attempt/1/").status_code == 404
    # bob's own attempt 1 is a different variant set, reached at the same URL number
    client.force_login(cast.bob)
    client.post(f"/quiz/{quiz_course.slug}/q1/start/")
    assert client.get(f"/quiz/{quiz_course.slug}/q1/attempt/1/").status_code == 200


def test_autosave_keeps_the_newest_sequence(quiz_course, cast) -> None:  # type: ignore[no-untyped-def]
    from assessments.models import Answer
    from assessments.services import answer_save, attempt_start

    attempt = attempt_start(activity=_activity(quiz_course, "q1"), user=cast.alice)
    assert answer_save(attempt=attempt, key="angle.t", value="0.3", seq=5)["saved"]
    late = answer_save(attempt=attempt, key="angle.t", value="0.1", seq=3)  # an old save arriving late
    assert not late["saved"] and late["seq"] == 5
    again = answer_save(attempt=attempt, key="angle.t", value="0.3", seq=5)  # the same save resent
    assert not again["saved"]
    assert Answer.objects.get(attempt=attempt, key="angle.t").value == "0.3"
    assert answer_save(attempt=attempt, key="angle.t", value="0.4", seq=6)["saved"]
    assert Answer.objects.get(attempt=attempt, key="angle.t").value == "0.4"


def test_server_refuses_answers_after_the_deadline_and_closes_at_it(quiz_course, cast) -> None:  # type: ignore[no-untyped-def]
    from assessments.models import AttemptStatus
    from assessments.services import AssessmentError, answer_save, attempt_start

    exam = _activity(quiz_course, "ex")
    start = timezone.now()
    attempt = attempt_start(activity=exam, user=cast.alice, now=start)
    assert attempt.deadline_at == start + timedelta(minutes=30)
    answer_save(attempt=attempt, key="angle.t", value="1", seq=1, now=start + timedelta(minutes=29))
    with pytest.raises(AssessmentError) as caught:
        answer_save(attempt=attempt, key="angle.t", value="2", seq=2, now=start + timedelta(minutes=30, seconds=1))
    assert caught.value.code == "closed"
    attempt.refresh_from_db()
    assert attempt.status != AttemptStatus.OPEN and attempt.closed_by == "timeout"
    assert attempt.submitted_at == attempt.deadline_at
    assert attempt.answers.get(key="angle.t").value == "1"
    with pytest.raises(AssessmentError):  # one attempt only
        attempt_start(activity=exam, user=cast.alice, now=start + timedelta(minutes=31))


def test_timer_uses_extra_time_and_window_close(quiz_course, cast) -> None:  # type: ignore[no-untyped-def]
    from assessments.services import attempt_start
    from grading.models import Accommodation

    exam = _activity(quiz_course, "ex")
    Accommodation.objects.create(
        course=quiz_course, user=cast.bob, extra_time_factor=Decimal("1.5"), granted_by=cast.teacher
    )
    start = timezone.now()
    assert attempt_start(activity=exam, user=cast.bob, now=start).deadline_at == start + timedelta(minutes=45)
    exam.due_at = start + timedelta(minutes=10)
    exam.save(update_fields=["due_at"])
    assert attempt_start(activity=exam, user=cast.alice, now=start).deadline_at == exam.due_at


def test_access_code_and_ip_ranges(quiz_course, cast) -> None:  # type: ignore[no-untyped-def]
    import json

    from assessments import services
    from core.blobs import blob_put

    exam = _activity(quiz_course, "ex")
    d = dict(services.definition_of(exam.current_version))
    d.update(access_code="QUANTUM", ip_ranges=["10.0.0.0/8"])
    version = exam.current_version
    version.facts = {**version.facts, "assessment_blob": blob_put(json.dumps(d).encode())}
    version.save(update_fields=["facts"])
    exam.refresh_from_db()
    with pytest.raises(services.AssessmentError) as caught:
        services.attempt_start(activity=exam, user=cast.alice, access_code="QUANTUM", ip="192.168.1.2")
    assert caught.value.code == "ip"
    with pytest.raises(services.AssessmentError) as caught:
        services.attempt_start(activity=exam, user=cast.alice, access_code="wrong", ip="10.1.2.3")
    assert caught.value.code == "access_code"
    assert services.attempt_start(activity=exam, user=cast.alice, access_code="QUANTUM", ip="10.1.2.3").number == 1


def test_graded_quiz_reaches_the_gradebook_through_the_scoring_rule(quiz_course, cast) -> None:  # type: ignore[no-untyped-def]
    from assessments.models import AttemptStatus
    from assessments.services import answer_save, attempt_start, attempt_submit, definition_of, variant_of
    from grading.analytics import course_grades

    quiz = _activity(quiz_course, "q1")
    attempt = attempt_start(activity=quiz, user=cast.alice)
    d = definition_of(quiz.current_version)
    layout = {i["qid"]: i for i in attempt.layout}
    # the right answer to "pick" in alice's shuffled order, and the right period in microseconds
    pick = layout["pick"]
    answer_save(attempt=attempt, key="pick.a", value=pick["perm"]["a"].index(1), seq=1)
    period_ns = variant_of(d, "angle", layout["angle"]["seed"])["answers"]["t"]
    answer_save(attempt=attempt, key="angle.t", value=f"{period_ns / 1000} us", seq=1)
    attempt = attempt_submit(attempt=attempt)
    assert attempt.status == AttemptStatus.GRADED
    assert attempt.results["pick.a"]["fraction"] == 1 and attempt.results["angle.t"]["fraction"] == 1
    assert attempt.score == Decimal("3.00") and attempt.max_score == Decimal("4.00")
    grades = course_grades(activity_ids=[quiz.pk])
    counted = grades.counted(cast.alice.pk, quiz.pk)
    assert counted is not None and counted.score == Decimal("3.00") and counted.max_score == Decimal("4.00")
    from dashboard import selectors as dash  # noqa: F401  (the dashboard reads the same CourseGrades)


def test_attempt_page_in_chinese(quiz_course, cast, client) -> None:  # type: ignore[no-untyped-def]
    from assessments.services import attempt_start

    attempt_start(activity=_activity(quiz_course, "q1"), user=cast.alice)
    client.force_login(cast.alice)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    html = client.get(f"/quiz/{quiz_course.slug}/q1/attempt/1/").content.decode()
    assert "交卷" in html and "哪个态是" in html and "正负" in html  # the page, question.zh.md and title_zh
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(f"/quiz/{quiz_course.slug}/q1/attempt/1/").content.decode()
    assert "Hand in" in html and "Which state" in html


def test_a_question_exam_takes_no_notebook_upload(quiz_course, cast) -> None:  # type: ignore[no-untyped-def]
    """A notebook handed in to an exam made of questions would become its counted attempt: refused."""
    from grading.services import SubmissionRejected, submission_receive

    with pytest.raises(SubmissionRejected):
        submission_receive(
            user=cast.alice,
            activity=_activity(quiz_course, "ex"),
            data=b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
            source="upload",
            idempotency_key="k1",
        )


def test_students_cannot_fetch_question_files(quiz_course, cast, client) -> None:  # type: ignore[no-untyped-def]
    """Generators and answer specs are instructor sources: staff may download them, students never."""
    from django.urls import reverse

    for path in ("questions/angle/generate.py", "questions/pick/question.yaml", "questions/angle/question.md"):
        url = reverse("courses:activity_file", args=[quiz_course.slug, "q1", path])
        client.force_login(cast.alice)
        assert client.get(url).status_code == 404
        client.force_login(cast.teacher)
        response = client.get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content)


def test_extension_granted_mid_exam_moves_the_deadline(quiz_course, cast) -> None:  # type: ignore[no-untyped-def]
    from assessments.services import attempt_start
    from grading.models import Extension

    exam = _activity(quiz_course, "ex")
    start = timezone.now()
    exam.due_at = start + timedelta(minutes=10)
    exam.save(update_fields=["due_at"])
    attempt = attempt_start(activity=exam, user=cast.alice, now=start)
    Extension.objects.create(activity=exam, user=cast.alice, due_at=start + timedelta(hours=2), granted_by=cast.teacher)
    attempt.refresh_from_db()
    assert attempt.deadline_at == start + timedelta(minutes=30)
