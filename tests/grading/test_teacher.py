"""Teachers' side: manual grades, overrides with history, regrade, CSV export, hiding and releasing scores."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from grading.enums import SubmissionSource, SubmissionStatus
from grading.models import ManualGrade, Override, Submission
from grading.selectors import submission_score
from grading.services import submission_receive

pytestmark = pytest.mark.django_db

CELLS = [
    {"grade_id": "test_phi_plus", "kind": "autograded_test", "max_points": 4.0, "score": 4.0, "status": "passed"},
    {"grade_id": "test_psi_minus", "kind": "autograded_test", "max_points": 4.0, "score": 0.0, "status": "failed"},
    {"grade_id": "explain_entanglement", "kind": "manual", "max_points": 2.0, "score": None, "status": "needs grading"},
]


@pytest.fixture
def graded(cast, bell_assignment, bell):  # type: ignore[no-untyped-def]
    """Alice's submission as the autograder leaves it (the grading itself is tested elsewhere)."""
    sub = submission_receive(
        user=cast.alice,
        activity=bell_assignment,
        data=bell["solved"].encode(),
        source=SubmissionSource.UPLOAD,
        idempotency_key="g",
    )
    Submission.objects.filter(pk=sub.pk).update(
        status=SubmissionStatus.GRADED, cells=CELLS, auto_score=Decimal(4), max_score=Decimal(10)
    )
    sub.refresh_from_db()
    return sub


def test_manual_grade_then_override_with_history(client, cast, graded):
    client.force_login(cast.ta)
    url = reverse("grading:grade_manual", args=["qc101", graded.pk])
    assert (
        client.post(url, {"grade_id": "explain_entanglement", "score": "3", "comment": "too much"}).status_code == 400
    )
    assert client.post(url, {"grade_id": "test_phi_plus", "score": "1"}).status_code == 400  # not a manual cell
    assert (
        client.post(url, {"grade_id": "explain_entanglement", "score": "1.5", "comment": "good, brief"}).status_code
        == 302
    )
    assert submission_score(submission=graded).total == Decimal("5.50")
    assert submission_score(submission=graded).needs_manual == []
    client.force_login(cast.teacher)
    ov = reverse("grading:override", args=["qc101", graded.pk])
    assert client.post(ov, {"score": "9", "reason": ""}).status_code == 400
    assert client.post(ov, {"score": "9", "reason": "test psi_minus was wrong"}).status_code == 302
    assert submission_score(submission=graded).total == Decimal(9)
    assert client.post(ov, {"score": "", "reason": "fixed the test, regraded"}).status_code == 302
    assert submission_score(submission=graded).total == Decimal("5.50")
    assert Override.objects.filter(submission=graded).count() == 2  # history kept
    page = client.get(reverse("grading:submission", args=["qc101", graded.pk])).content.decode()
    assert "test psi_minus was wrong" in page and "good, brief" in page


def test_students_cannot_grade(client, cast, graded):
    client.force_login(cast.alice)
    r = client.post(
        reverse("grading:grade_manual", args=["qc101", graded.pk]), {"grade_id": "explain_entanglement", "score": "2"}
    )
    assert r.status_code == 403
    r = client.post(reverse("grading:override", args=["qc101", graded.pk]), {"score": "10", "reason": "me"})
    assert r.status_code == 403
    assert not ManualGrade.objects.exists() and not Override.objects.exists()


def test_late_penalty_applies_to_total(graded):
    Submission.objects.filter(pk=graded.pk).update(penalty=Decimal("0.25"))
    graded.refresh_from_db()
    assert submission_score(submission=graded).total == Decimal("3.00")


def test_gradebook_csv_lists_every_student(client, cast, graded):
    client.force_login(cast.teacher)
    response = client.get(reverse("grading:gradebook_csv", args=["qc101", "bell"]))
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())  # UTF-8 with a BOM, for Excel
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_user = {r["username"]: r for r in rows}
    assert set(by_user) == {"alice", "bob", "charlie"}
    assert by_user["alice"]["total"] == "4" and by_user["alice"]["max"] == "10"
    assert by_user["bob"]["status"] == "missing"


def test_csv_defuses_formula_names(client, cast, graded):
    cast.bob.display_name = "=HYPERLINK(1)"
    cast.bob.save()
    client.force_login(cast.teacher)
    body = client.get(reverse("grading:gradebook_csv", args=["qc101", "bell"])).content.decode()
    assert "'=HYPERLINK(1)" in body


def test_hide_and_release_scores(client, cast, graded):
    client.force_login(cast.teacher)
    client.post(reverse("grading:release", args=["qc101", "bell"]), {"release": "0"})
    client.force_login(cast.alice)
    page = client.get(reverse("grading:submission", args=["qc101", graded.pk])).content.decode()
    assert "not released the scores" in page and 'data-testid="score"' not in page
    panel = client.get(reverse("grading:panel", args=["qc101", "bell"])).content.decode()
    assert "4 / 10" not in panel
    client.force_login(cast.ta)
    assert client.post(reverse("grading:release", args=["qc101", "bell"]), {"release": "1"}).status_code == 403
    client.force_login(cast.teacher)
    client.post(reverse("grading:release", args=["qc101", "bell"]), {"release": "1"})
    client.force_login(cast.alice)
    page = client.get(reverse("grading:submission", args=["qc101", graded.pk])).content.decode()
    assert 'data-testid="score"' in page


def test_regrade_resets_attempts_and_requeues(client, cast, graded, django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr("grading.services.submission_enqueue", lambda **k: queued.append(k["submission_id"]))
    Submission.objects.filter(pk=graded.pk).update(attempts=3, status=SubmissionStatus.NEEDS_ATTENTION)
    client.force_login(cast.teacher)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("grading:regrade", args=["qc101", "bell"]))
    assert r.status_code == 302 and queued == [graded.pk]
    graded.refresh_from_db()
    assert graded.attempts == 0 and graded.status == SubmissionStatus.RECEIVED
