"""The dashboard's numbers against the hand-computed course in conftest.py."""

from __future__ import annotations

from decimal import Decimal

import pytest

from courses.selectors import course_access
from dashboard import selectors as dash
from tests.dashboard.builders import cell

pytestmark = pytest.mark.django_db


def _access(user, slug="qc101"):  # type: ignore[no-untyped-def]
    return course_access(user=user, slug=slug)


def test_course_dashboard_activity_stats_match_hand_computed(graded):  # type: ignore[no-untyped-def]
    d = dash.course_dashboard(access=_access(graded.cast.teacher), selected_slug="hw0", now=graded.now)
    stats = {s.activity.slug: s for s in d.stats}
    hw0 = stats["hw0"]
    assert (hw0.submitted, hw0.students, hw0.rate) == (2, 3, 66.7)
    assert sorted(hw0.scores) == [36.0, 100.0]
    assert (hw0.mean, hw0.median) == (68.0, 68.0)
    assert hw0.median_hours_to_submit == 85.5
    assert (hw0.late, hw0.pending) == (1, 1)
    hw1 = stats["hw1"]
    assert (hw1.submitted, hw1.scores, hw1.median_hours_to_submit) == (2, [100.0], None)


def test_course_dashboard_question_difficulty_and_failures(graded):  # type: ignore[no-untyped-def]
    d = dash.course_dashboard(access=_access(graded.cast.teacher), selected_slug="hw0", now=graded.now)
    q = {x.grade_id: x for x in d.questions}
    assert [x.grade_id for x in d.questions] == ["q1", "q2", "q3"]
    assert (q["q1"].mean, q["q1"].mean_percent, q["q1"].failures) == (4.0, 100.0, 0)
    assert (q["q2"].mean, q["q2"].mean_percent, q["q2"].failures) == (2.0, 50.0, 1)
    assert (q["q3"].mean, q["q3"].graded) == (2.0, 1)  # bob's q3 is still pending: not counted
    # only the counted attempt's failure is grouped; bob's first attempt no longer counts
    assert d.failure_groups == [
        {"grade_id": "q2", "outcome": "failed", "message": "AssertionError: not normalised", "count": 1}
    ]


def test_course_dashboard_at_risk_reasons(graded):  # type: ignore[no-untyped-def]
    d = dash.course_dashboard(access=_access(graded.cast.teacher), selected_slug="hw0", now=graded.now)
    risk = {r.student.username: r.reasons for r in d.at_risk}
    # bob's latest work (hw1, 100 %) is better than hw0 (36 %): not at risk
    assert risk == {"charlie": ["missing 1 past-due"]}


def test_course_dashboard_at_risk_low_and_falling(graded):  # type: ignore[no-untyped-def]
    from decimal import Decimal

    from grading.models import Submission

    Submission.objects.filter(activity=graded.hw1, user=graded.cast.bob).update(
        auto_score=Decimal("2"), cells=[cell("t1", "autograded_test", 10, 2, "partial")]
    )
    d = dash.course_dashboard(access=_access(graded.cast.teacher), selected_slug="hw0", now=graded.now)
    risk = {r.student.username: r.reasons for r in d.at_risk}
    assert risk["bob"] == ["latest score 20%"]  # 36 % → 20 %: low, not a 20-point fall
    # hw0 becomes 9/10 = 90 %, on time
    Submission.objects.filter(pk=graded.bob_hw0.pk).update(
        penalty=Decimal(0),
        auto_score=Decimal("9"),
        cells=[
            cell("q1", "autograded_test", 4, 4, "passed"),
            cell("q2", "autograded_test", 4, 4, "passed"),
            cell("q3", "manual", 2, 1),
        ],
    )
    d = dash.course_dashboard(access=_access(graded.cast.teacher), selected_slug="hw0", now=graded.now)
    risk = {r.student.username: r.reasons for r in d.at_risk}
    assert risk["bob"] == ["scores falling (90% → 20%)"]


def test_course_dashboard_grading_health_and_timeline(graded):  # type: ignore[no-untyped-def]
    d = dash.course_dashboard(access=_access(graded.cast.teacher), selected_slug="hw0", now=graded.now)
    assert (d.health["queued"], d.health["running"], d.health["attention"]) == (1, 0, 0)
    assert d.health["feedback_today"] == 1
    assert d.health["median_feedback_seconds"] == pytest.approx(8.0)
    assert [t["student"] for t in d.timeline] == ["Alice", "Bob"]
    assert d.timeline[0]["hours_to_due"] == pytest.approx(7 * 24 - 2)
    assert d.lab.available is False  # no hub in tests: "unavailable", never an error


def test_course_dashboard_selects_latest_past_due_by_default(graded):  # type: ignore[no-untyped-def]
    d = dash.course_dashboard(access=_access(graded.cast.teacher), now=graded.now)
    assert d.selected.slug == "hw0"


def test_gradebook_totals_markers_and_filters(graded):  # type: ignore[no-untyped-def]
    access = _access(graded.cast.teacher)
    book = dash.gradebook(access=access, now=graded.now)
    rows = {r.student.username: r for r in book.rows}
    assert [r.student.username for r in book.rows] == ["alice", "bob", "charlie"]
    assert (rows["alice"].total, rows["alice"].maximum, rows["alice"].percent) == (Decimal(10), Decimal(20), 50.0)
    assert (rows["bob"].total, rows["bob"].percent) == (Decimal("13.6"), 68.0)
    assert (rows["charlie"].total, rows["charlie"].missing) == (Decimal(0), 1)
    col = [a.slug for a in book.activities].index("hw0")
    bob = rows["bob"].cells[col]
    assert (bob.score, bob.late, bob.pending, bob.attempts) == (Decimal("3.6"), True, True, 2)
    assert rows["alice"].cells[[a.slug for a in book.activities].index("hw1")].status == "queued"
    assert [r.student.username for r in dash.gradebook(access=access, flag="missing", now=graded.now).rows] == [
        "charlie"
    ]
    assert [r.student.username for r in dash.gradebook(access=access, flag="pending", now=graded.now).rows] == ["bob"]
    assert [r.student.username for r in dash.gradebook(access=access, flag="late", now=graded.now).rows] == ["bob"]
    assert [r.student.username for r in dash.gradebook(access=access, q="ALI", now=graded.now).rows] == ["alice"]
    by_total = dash.gradebook(access=access, sort="total", desc=True, now=graded.now)
    assert [r.student.username for r in by_total.rows] == ["bob", "alice", "charlie"]
    by_hw0 = dash.gradebook(access=access, sort="hw0", now=graded.now)
    assert [r.student.username for r in by_hw0.rows] == ["bob", "alice", "charlie"]  # empty last


def test_gradebook_override_and_extension(graded):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from grading import services

    services.override_set(
        submission=graded.bob_hw0,
        score=__import__("decimal").Decimal("7"),
        reason="regrade by hand",
        by=graded.cast.teacher,
    )
    services.extension_grant(
        activity=graded.hw0, user=graded.cast.charlie, due_at=graded.now + timedelta(days=2), by=graded.cast.teacher
    )
    book = dash.gradebook(access=_access(graded.cast.teacher), now=graded.now)
    col = [a.slug for a in book.activities].index("hw0")
    rows = {r.student.username: r for r in book.rows}
    assert rows["bob"].cells[col].score == Decimal(7)
    assert rows["charlie"].cells[col].missing is False  # the extension moved the due date
    assert rows["charlie"].cells[col].extension is not None


def test_student_progress_mastery_hides_unreleased_scores(graded):  # type: ignore[no-untyped-def]
    from grading.services import scores_release

    alice = graded.cast.alice
    scores_release(activity=graded.hw0, release=False, by=graded.cast.teacher)
    p = dash.student_progress(access=_access(alice), user_id=alice.pk, show_unreleased=False, now=graded.now)
    mastery = {m.concept: m.percent for m in p.mastery}
    assert mastery == {"qubits": None, "measurement": None}
    assert p.practise_next == []  # handed in, scores not released: no advice from hidden scores
    assert [visible for activity, _, visible in p.attempts if activity.slug == "hw0"] == [False]
    scores_release(activity=graded.hw0, release=True, by=graded.cast.teacher)
    p = dash.student_progress(access=_access(alice), user_id=alice.pk, show_unreleased=False, now=graded.now)
    assert {m.concept: m.percent for m in p.mastery} == {"qubits": 100.0, "measurement": 100.0}
    assert p.practise_next == []
    charlie = graded.cast.charlie
    p = dash.student_progress(access=_access(charlie), user_id=charlie.pk, show_unreleased=False, now=graded.now)
    assert {m.concept: m.percent for m in p.mastery} == {"qubits": 0.0, "measurement": 0.0}
    first = p.practise_next[0]
    assert first["why"] == "0% mastery"
    # the lesson tagged "qubits" is what the student is sent to
    assert any(a.slug == "intro" for a in next(x for x in p.practise_next if x["concept"] == "qubits")["activities"])


def test_gradebook_csv_matches_screen(graded):  # type: ignore[no-untyped-def]
    book = dash.gradebook(access=_access(graded.cast.teacher), sort="total", desc=True, now=graded.now)
    rows = dash.gradebook_csv_rows(book)
    assert rows[0][:2] == ["username", "name"]
    assert [r[0] for r in rows[1:]] == ["bob", "alice", "charlie"]
    col = 2 + 2 * [a.slug for a in book.activities].index("hw0")
    assert rows[1][col : col + 2] == ["3.6", "late pending"]
    assert rows[3][col : col + 2] == ["missing", "missing"]
    assert rows[1][-3:] == ["13.6", "20", "68"]


def test_bulk_scores_agree_with_gradings_own_rules(graded):  # type: ignore[no-untyped-def]
    """grading.analytics computes in bulk what grading.selectors computes one submission at a time."""
    from grading import analytics
    from grading.selectors import counted_submission, submission_score
    from grading.services import override_set

    override_set(
        submission=graded.alice_hw0, score=__import__("decimal").Decimal("9.5"), reason="typo", by=graded.cast.teacher
    )
    grades = analytics.course_grades(activity_ids=[graded.hw0.pk, graded.hw1.pk])
    for user in (graded.cast.alice, graded.cast.bob, graded.cast.charlie):
        for activity in (graded.hw0, graded.hw1):
            theirs = counted_submission(activity=activity, user=user)
            ours = grades.counted(user.pk, activity.pk)
            assert (ours.id if ours else None) == (theirs.pk if theirs else None), (user, activity)
            if theirs is not None:
                score = submission_score(submission=theirs)
                assert ours.score == score.total, (user, activity)
                assert ours.manual_pending == bool(score.needs_manual), (user, activity)
