"""A term in a real browser (Chromium): the teacher grades a written answer from the queue with a rubric and
the keyboard, releases, and the student reads the grade and comment in Chinese; an extension moves a due date
and the student's page and late flag follow; an announcement reaches the outbox and the course page.

Submissions are stored through the grading app's own receive service and given the autograder's result
directly: the sandboxed grading itself is tested in tests/grading; here the people's side is under test.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from core.blobs import blob_put
from grading.enums import SubmissionSource, SubmissionStatus
from grading.models import ManualGrade, ScoreRelease, Submission
from grading.services import lateness_at
from tests.grading.conftest import bell, bell_assignment, solved  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CELLS = [
    {"grade_id": "test_phi_plus", "kind": "autograded_test", "max_points": 4.0, "score": 4.0, "status": "passed"},
    {"grade_id": "test_psi_minus", "kind": "autograded_test", "max_points": 4.0, "score": 0.0, "status": "failed",
     "staff_message": "AssertionError: wrong amplitudes (hidden test)"},
    {"grade_id": "explain_entanglement", "kind": "manual", "max_points": 2.0, "score": None, "status": "needs grading"},
]


def _hand_in(user, activity, notebooks, answer: str, key: str) -> Submission:  # type: ignore[no-untyped-def]
    """A stored submission as the autograder leaves it (its lateness decided as submission_receive does)."""
    data = solved(notebooks["source"], notebooks["student"], {"explain_entanglement": answer}).encode()
    now = timezone.now()
    late = lateness_at(activity=activity, user=user, at=now)
    return Submission.objects.create(
        activity=activity, version=activity.current_version, user=user, received_at=now, blob=blob_put(data),
        size=len(data), filename="bell-states.ipynb", source=SubmissionSource.UPLOAD, idempotency_key=key,
        late_seconds=late.late_seconds, penalty=late.penalty, status=SubmissionStatus.GRADED, cells=CELLS,
        auto_score=Decimal(4), max_score=Decimal(10), graded_at=now,
    )


def test_teacher_grades_from_the_queue_and_the_student_reads_it_in_chinese(
    login_page, cast, bell_assignment, bell, output_dir  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    ScoreRelease.objects.create(activity=bell_assignment, hidden=True)  # scores held back while grading
    alice = _hand_in(cast.alice, bell_assignment, bell, "The two qubits share **one** state.", "a")
    bob = _hand_in(cast.bob, bell_assignment, bell, "They are correlated.", "b")
    page = login_page(cast.teacher)
    queue = page.locator("[data-testid=to-grade] [data-grade-id=explain_entanglement] a")
    assert "Nothing is due. Enjoy the quiet." not in page.content()
    queue.click()
    page.wait_for_selector("[data-testid=student]")
    assert "Alice" in page.inner_text("[data-testid=student]")
    assert "wrong amplitudes" in page.inner_text("[data-testid=tests]")  # the hidden test's message, for staff
    # the teacher writes the rubric once, for every student
    page.locator("details summary").first.click()
    page.fill("[data-testid=rubric-add] input[name=label]", "Names the shared state")
    page.fill("[data-testid=rubric-add] input[name=points]", "1.5")
    page.click("[data-testid=rubric-add] button")
    page.wait_for_selector("[data-testid=rubric]")
    page.locator("details summary").first.click()
    page.fill("[data-testid=comment-add] input[name=text]", "很好：请再举一个测量的例子。")
    page.click("[data-testid=comment-add] button")
    page.wait_for_selector("[data-testid=saved-comments]")
    # keyboard: "1" ticks the first rubric item, the reusable comment goes in, Enter saves and moves on
    page.locator("h1").click()
    page.keyboard.press("1")
    assert page.input_value("#grade-score") == "1.5"
    page.click("[data-insert-comment]")
    page.locator("#grade-score").press("Enter")
    page.wait_for_url(f"**?s={bob.pk}")
    assert "Bob" in page.inner_text("[data-testid=student]")
    page.screenshot(path=str(output_dir / "grading-question.png"), full_page=True)
    page.locator("h1").click()
    page.keyboard.press("k")  # back to Alice
    page.wait_for_url(f"**?s={alice.pk}")
    assert "1.5" in page.inner_text("[data-testid=current-grade]")
    page.locator("h1").click()
    page.keyboard.press("j")
    page.wait_for_url(f"**?s={bob.pk}")
    grade = ManualGrade.objects.get(submission=alice)
    assert grade.score == Decimal("1.5") and grade.comment == "很好：请再举一个测量的例子。"
    assert [r["label"] for r in grade.rubric] == ["Names the shared state"]
    # release from the gradebook: the student is told by e-mail
    page.goto(page.url.split("/grading/")[0] + "/grading/qc101/a/bell/gradebook/")
    page.click("text=Release scores")
    page.wait_for_selector("text=Hide scores from students")
    assert any(m.to == ["alice@example.edu"] for m in mail.outbox)

    student = login_page(cast.alice)
    student.click("button[lang=zh-hans]")  # reads the site in Chinese
    student.wait_for_selector("html[lang=zh-hans]")
    assert student.locator("[data-testid=bell] .bell-count").inner_text() == "1"
    student.click("[data-testid=bell]")
    student.click(".notification-text")  # opens the activity; the notification is read
    student.goto(student.url.split("/courses/")[0] + f"/grading/qc101/s/{alice.pk}/")
    card = student.inner_text("[data-testid=teacher-grading]")
    assert "老师的评分" in card and "1.5 / 2" in card and "很好：请再举一个测量的例子。" in card
    assert "needs grading" not in student.content() and "wrong amplitudes" not in student.content()
    student.screenshot(path=str(output_dir / "student-feedback-zh.png"), full_page=True)


def test_extension_moves_the_due_date_and_the_late_flag(login_page, cast, bell_assignment, bell, output_dir) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    bell_assignment.due_at = timezone.now() - timedelta(hours=2)
    bell_assignment.save(update_fields=["due_at"])
    sub = _hand_in(cast.alice, bell_assignment, bell, "late answer", "late")
    assert sub.late_seconds > 0
    student = login_page(cast.alice)
    student.goto(student.url + f"grading/qc101/s/{sub.pk}/")
    assert student.locator(".badge-warn", has_text="late").count() == 1
    teacher = login_page(cast.teacher)
    teacher.goto(teacher.url + "grading/qc101/extensions/")
    new_due = timezone.localtime(timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    teacher.select_option("[data-testid=extension-form] select[name=user]", str(cast.alice.pk))
    teacher.select_option("[data-testid=extension-form] select[name=activity]", str(bell_assignment.pk))
    teacher.fill("[data-testid=extension-form] input[name=due_at]", new_due.strftime("%Y-%m-%dT%H:%M"))
    teacher.click("[data-testid=extension-form] button")
    teacher.wait_for_selector("[data-testid=extensions] [data-student=alice]")
    student.reload()
    assert student.locator(".badge-warn", has_text="late").count() == 0
    student.goto(student.url.split("/grading/")[0] + "/courses/qc101/a/bell/")
    due = student.inner_text("[data-testid=due]")
    assert new_due.strftime("%Y-%m-%d %H:%M") in due and "extended for you" in due
    student.goto(student.url.split("/courses/")[0] + "/")
    assert "extended" in student.inner_text("[data-testid=due-next] [data-activity=bell]")
    student.screenshot(path=str(output_dir / "student-home.png"), full_page=True)
    phone = login_page(cast.alice, viewport={"width": 390, "height": 844})
    phone.screenshot(path=str(output_dir / "student-home-phone.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    teacher.goto(teacher.url.split("/grading/")[0] + "/")
    teacher.screenshot(path=str(output_dir / "teacher-home.png"), full_page=True)


def test_announcement_reaches_the_outbox_and_the_page(login_page, cast, world) -> None:  # type: ignore[no-untyped-def]
    teacher = login_page(cast.teacher)
    teacher.goto(teacher.url + "courses/qc101/announcements/")
    teacher.fill("[data-testid=announce-form] input[name=title]", "Exam room")
    teacher.fill("[data-testid=announce-form] textarea[name=body]", "Room **204**, bring a pen.")
    teacher.click("[data-testid=announce-form] button")
    teacher.wait_for_selector("[data-testid=announcement-list] h2:has-text('Exam room')")
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.edu", "bob@example.edu", "charlie@example.edu"]
    student = login_page(cast.bob, viewport={"width": 390, "height": 844})
    student.goto(student.url + "courses/qc101/")
    assert student.inner_text("[data-testid=announcements] strong") == "204"
    assert student.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # the phone does not scroll sideways
