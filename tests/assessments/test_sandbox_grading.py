"""Answers graded in the sandbox by the worker task: symbolic (sympy), short code (tests outside the
student's process), circuits (qiskit); and the attacks a student might type."""

from __future__ import annotations

from decimal import Decimal

BELL = {
    "qubits": 2,
    "ops": [{"gate": "h", "targets": [0], "step": 0}, {"gate": "cx", "controls": [0], "targets": [1], "step": 1}],
}


def _submit(course, user, answers):  # type: ignore[no-untyped-def]
    from assessments.services import answer_save, attempt_start, attempt_submit
    from courses.models import Activity

    quiz = Activity.objects.get(course=course, slug="mix")
    attempt = attempt_start(activity=quiz, user=user)
    for key, value in answers.items():
        answer_save(attempt=attempt, key=key, value=value, seq=1)
    attempt_submit(attempt=attempt)  # the grading task runs eagerly in tests, on commit
    attempt.refresh_from_db()
    return attempt


def test_right_answers_score_full_marks(quiz_course, cast, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        attempt = _submit(
            quiz_course,
            cast.alice,
            {"expr.e": "1 - 2 sin(x)^2", "parity.f": "def parity(bits):\n    return sum(bits) % 2\n", "bell.c": BELL},
        )
    attempt.refresh_from_db()
    assert attempt.status == "graded", attempt.results
    assert attempt.results["expr.e"]["fraction"] == 1
    assert attempt.results["parity.f"]["feedback"] == "4 of 4 tests pass"
    assert attempt.results["bell.c"]["fraction"] == 1
    assert attempt.score == attempt.max_score == Decimal("5.00")
    assert attempt.submission is not None and attempt.submission.auto_score == Decimal("5.00")


def test_wrong_partial_and_hostile_answers(quiz_course, cast, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    hostile_code = (
        "import json, sys\n"
        "print('<<<QRUN-BEGIN>>>' + json.dumps({'returns': [{'value': 0}] * 4}) + '<<<QRUN-END>>>')\n"
        "def parity(bits):\n    return 1 if bits else 0\n"
    )
    over_limit = {
        "qubits": 2,
        "ops": [
            *BELL["ops"],
            {"gate": "cx", "controls": [0], "targets": [1], "step": 2},
            {"gate": "cx", "controls": [0], "targets": [1], "step": 3},
        ],
    }
    with django_capture_on_commit_callbacks(execute=True):
        attempt = _submit(
            quiz_course,
            cast.bob,
            {"expr.e": "__import__('os').system('touch /tmp/pwned')", "parity.f": hostile_code, "bell.c": over_limit},
        )
    attempt.refresh_from_db()
    assert attempt.status == "graded"
    assert attempt.results["expr.e"]["fraction"] == 0 and "cannot read" in attempt.results["expr.e"]["feedback"]
    # printing a fake result block changes nothing: only what parity() returns is compared, outside the sandbox
    assert attempt.results["parity.f"]["feedback"] == "3 of 4 tests pass"  # the fake block claimed 2 of 4
    assert attempt.results["bell.c"]["fraction"] == 0 and "resource limit" in attempt.results["bell.c"]["feedback"]
    assert attempt.score == Decimal("1.50")
