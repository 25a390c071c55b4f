"""Per-question analytics for teachers, and quiz scores in the gradebook, its CSV and the student's progress."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone


def _take(course, user, *, right: bool):  # type: ignore[no-untyped-def]
    from assessments.services import answer_save, attempt_start, attempt_submit, definition_of, variant_of
    from courses.models import Activity

    quiz = Activity.objects.get(course=course, slug="q1")
    attempt = attempt_start(activity=quiz, user=user)
    d = definition_of(quiz.current_version)
    layout = {i["qid"]: i for i in attempt.layout}
    perm = layout["pick"]["perm"]["a"]
    answer_save(attempt=attempt, key="pick.a", value=perm.index(1) if right else perm.index(0), seq=1)
    period = variant_of(d, "angle", layout["angle"]["seed"])["answers"]["t"]
    answer_save(attempt=attempt, key="angle.t", value=str(period if right else period * 2), seq=1)
    return attempt_submit(attempt=attempt)


def test_analytics_difficulty_discrimination_choices(quiz_course, cast, client) -> None:  # type: ignore[no-untyped-def]
    from assessments.selectors import assessment_analytics
    from courses.enums import Role
    from courses.models import Activity, Enrollment

    Enrollment.objects.create(course=quiz_course, user=cast.charlie, role=Role.STUDENT)
    _take(quiz_course, cast.alice, right=True)
    _take(quiz_course, cast.bob, right=False)
    _take(quiz_course, cast.charlie, right=True)
    quiz = Activity.objects.get(course=quiz_course, slug="q1")
    data = assessment_analytics(activity=quiz)
    assert data["attempts"] == 3
    rows = {r["qid"]: r for r in data["questions"]}
    assert abs(rows["pick"]["difficulty"] - 2 / 3) < 1e-9
    assert rows["pick"]["choices"]["a"] == {"correct": 2, "option 0": 1}
    assert rows["pick"]["discrimination"] is not None and rows["pick"]["discrimination"] > 0.9
    assert rows["angle"]["variants"] and rows["angle"]["median_seconds"] is not None

    client.force_login(cast.teacher)
    page = client.get(f"/quiz/{quiz_course.slug}/q1/analytics/")
    assert page.status_code == 200 and "option 0 1" in page.content.decode()
    client.force_login(cast.alice)
    assert client.get(f"/quiz/{quiz_course.slug}/q1/analytics/").status_code == 403

    # the gradebook and its CSV read the quiz like any graded activity
    client.force_login(cast.teacher)
    csv = client.get(f"/courses/{quiz_course.slug}/gradebook.csv").content.decode()
    assert "alice,Alice,3," in csv and "bob,Bob,0," in csv and ",3,15,20" in csv  # q1 column, total of 15 points
    dashboard = client.get(f"/courses/{quiz_course.slug}/dashboard/")
    assert dashboard.status_code == 200 and "Quick check" in dashboard.content.decode()
    gradebook = client.get(f"/courses/{quiz_course.slug}/gradebook/").content.decode()
    assert "Quick check" in gradebook
    client.force_login(cast.alice)
    progress = client.get(f"/courses/{quiz_course.slug}/progress/")
    assert progress.status_code == 200 and "Quick check" in progress.content.decode()


def test_periodic_task_closes_attempts_past_their_deadline(quiz_course, cast) -> None:  # type: ignore[no-untyped-def]
    from assessments.models import Attempt
    from assessments.services import attempt_start, attempts_close_expired
    from courses.models import Activity

    exam = Activity.objects.get(course=quiz_course, slug="ex")
    start = timezone.now() - timedelta(hours=1)
    attempt = attempt_start(activity=exam, user=cast.alice, now=start)
    assert attempts_close_expired(now=start + timedelta(minutes=10)) == 0
    assert attempts_close_expired(now=start + timedelta(minutes=31)) == 1
    attempt = Attempt.objects.get(pk=attempt.pk)
    assert attempt.closed_by == "timeout" and attempt.submitted_at == start + timedelta(minutes=30)
