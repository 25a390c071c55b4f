"""Grading by hand from the queue: the home lists what waits, one question walks across students
with a rubric, reusable comments and the failed tests' messages, and TAs see only their sections."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from grading.enums import SubmissionSource, SubmissionStatus
from grading.models import ManualGrade, RubricItem, SavedComment, Section, Submission
from grading.services import submission_receive
from tests.grading.conftest import solved

pytestmark = pytest.mark.django_db

ANSWERS = {
    "alice": "Entanglement: the **two qubits** share one state. <script>alert(1)</script>",
    "bob": "They are *correlated*. <img src=x onerror=alert(2)>",
    "charlie": "No idea.",
}


def _cells(ok: bool) -> list[dict[str, object]]:
    return [
        {"grade_id": "test_phi_plus", "kind": "autograded_test", "max_points": 4.0, "score": 4.0, "status": "passed"},
        {
            "grade_id": "test_psi_minus", "kind": "autograded_test", "max_points": 4.0,
            "score": 4.0 if ok else 0.0, "status": "passed" if ok else "failed",
            **({} if ok else {"staff_message": "AssertionError: not Psi- (in a hidden test: amplitudes [0, 0.7, -0.7, 0])"}),
        },
        {"grade_id": "explain_entanglement", "kind": "manual", "max_points": 2.0, "score": None, "status": "needs grading"},
    ]


@pytest.fixture
def answered(cast, bell_assignment, bell):  # type: ignore[no-untyped-def]
    """Alice, Bob and Charlie handed in; the autograder left the written answer to the teacher."""
    subs = {}
    for name in ("alice", "bob", "charlie"):
        user = getattr(cast, name)
        data = solved(bell["source"], bell["student"], {"explain_entanglement": ANSWERS[name]})
        sub = submission_receive(
            user=user, activity=bell_assignment, data=data.encode(), source=SubmissionSource.UPLOAD, idempotency_key=name
        )
        Submission.objects.filter(pk=sub.pk).update(
            status=SubmissionStatus.GRADED, cells=_cells(name != "bob"), auto_score=Decimal(8 if name != "bob" else 4),
            max_score=Decimal(10),
        )
        subs[name] = sub
    return subs


def test_teacher_home_lists_what_waits_to_be_graded(client, cast, answered) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast.teacher)
    home = client.get("/").content.decode()
    assert "Nothing is due. Enjoy the quiet." not in home
    assert 'data-testid="to-grade"' in home and 'data-grade-id="explain_entanglement"' in home
    assert "3 answers" in home
    queue = client.get(reverse("grading:queue", args=["qc101"])).content.decode()
    assert "explain_entanglement" in queue
    # graded by hand: the queue shrinks, then empties
    for name in ("alice", "bob", "charlie"):
        ManualGrade.objects.create(
            submission=answered[name], grade_id="explain_entanglement", score=1, graded_by=cast.teacher
        )
        if name == "alice":
            assert "2 answers" in client.get("/").content.decode()
    home = client.get("/").content.decode()
    assert 'data-grade-id="explain_entanglement"' not in home and "Nothing waits to be graded." in home
    # a student's home has no queue
    client.force_login(cast.alice)
    assert 'data-testid="to-grade"' not in client.get("/").content.decode()


def test_question_view_shows_the_answer_sanitised_and_the_failed_tests(client, cast, answered) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast.teacher)
    url = reverse("grading:question", args=["qc101", "bell", "explain_entanglement"])
    page = client.get(url + f"?s={answered['bob'].pk}").content.decode()
    assert 'data-testid="student">Bob' in page
    assert "<em>correlated</em>" in page  # Markdown rendered as feedback renders it
    assert "onerror" not in page.split('data-testid="answer"')[1].split("</div>")[0], page
    assert "test_psi_minus" in page and "amplitudes [0, 0.7, -0.7, 0]" in page  # hidden test's message, for staff
    assert 'rel="next"' in page and 'rel="prev"' in page  # alphabetical: Alice, Bob, Charlie
    first = client.get(url).content.decode()  # no ?s=: the first answer still to grade
    assert 'data-testid="student">Alice' in first
    assert "<strong>two qubits</strong>" in first and "<script>alert(1)" not in first


def test_rubric_grade_and_next(client, cast, answered) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast.teacher)
    rubric = reverse("grading:rubric_edit", args=["qc101", "bell", "explain_entanglement"])
    client.post(rubric, {"action": "add-item", "label": "Names the shared state", "points": "1.5"})
    client.post(rubric, {"action": "add-item", "label": "Gives an example", "points": "1"})
    client.post(rubric, {"action": "add-comment", "text": "Say what a measurement of one qubit tells about the other."})
    assert client.post(rubric, {"action": "add-item", "label": "", "points": "1"}).status_code == 302  # refused, told
    items = list(RubricItem.objects.filter(grade_id="explain_entanglement"))
    assert [i.label for i in items] == ["Names the shared state", "Gives an example"]
    assert SavedComment.objects.count() == 1
    page = client.get(
        reverse("grading:question", args=["qc101", "bell", "explain_entanglement"]) + f"?s={answered['alice'].pk}"
    ).content.decode()
    assert "Names the shared state" in page and "Say what a measurement" in page
    grade = reverse("grading:question_grade", args=["qc101", "bell", "explain_entanglement", answered["alice"].pk])
    response = client.post(
        grade,
        {"rubric": [items[0].pk, items[1].pk], "score": "", "comment": "Clear.", "general_comment": "Well argued.",
         "then": answered["bob"].pk},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"?s={answered['bob'].pk}")
    mg = ManualGrade.objects.get(submission=answered["alice"])
    assert mg.score == Decimal(2)  # 1.5 + 1, kept within the cell's 2 points
    assert [r["label"] for r in mg.rubric] == ["Names the shared state", "Gives an example"]
    # a score beyond the maximum is refused with the reason
    response = client.post(
        reverse("grading:question_grade", args=["qc101", "bell", "explain_entanglement", answered["bob"].pk]),
        {"score": "5", "comment": ""},
        follow=True,
    )
    assert "between 0 and 2" in response.content.decode()
    assert not ManualGrade.objects.filter(submission=answered["bob"]).exists()
    # TAs grade but do not edit rubrics
    client.force_login(cast.ta)
    assert client.post(rubric, {"action": "add-item", "label": "x", "points": "1"}).status_code == 403


def test_ta_sections_limit_the_queue(client, cast, answered, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast.teacher)
    response = client.post(
        reverse("grading:sections", args=["qc101"]),
        {"name": "Monday lab", "students": [cast.alice.pk], "tas": [cast.ta.pk, cast.alice.pk]},
    )
    assert response.status_code == 302
    section = Section.objects.get(name="Monday lab")
    assert [e.user for e in section.students.all()] == [cast.alice]
    assert list(section.tas.all()) == [cast.ta]  # a student cannot be made a TA of a section
    client.force_login(cast.ta)
    home = client.get("/").content.decode()
    assert "1 answer" in home and "3 answers" not in home
    question = reverse("grading:question", args=["qc101", "bell", "explain_entanglement"])
    page = client.get(question).content.decode()
    assert 'data-testid="student">Alice' in page and "Bob" not in page.split('data-testid="student"')[1][:0] + ""
    assert client.get(question + f"?s={answered['bob'].pk}").status_code == 404  # another section's student
    grade_bob = reverse("grading:question_grade", args=["qc101", "bell", "explain_entanglement", answered["bob"].pk])
    assert client.post(grade_bob, {"score": "1"}).status_code == 404
    assert not ManualGrade.objects.filter(submission=answered["bob"]).exists()
    # the teacher still sees everyone
    client.force_login(cast.teacher)
    assert client.get(question + f"?s={answered['bob'].pk}").status_code == 200
    assert "3 answers" in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("who", "status"), [("alice", 403), ("other_teacher", 404), ("outsider", 404), ("ta", 302), ("teacher", 302)]
)
def test_question_grade_roles(client, cast, answered, who, status) -> None:  # type: ignore[no-untyped-def]
    client.force_login(getattr(cast, who))
    url = reverse("grading:question_grade", args=["qc101", "bell", "explain_entanglement", answered["charlie"].pk])
    assert client.post(url, {"score": "1", "comment": "ok"}).status_code == status
    assert ManualGrade.objects.filter(submission=answered["charlie"]).exists() == (status == 302)
