"""What the teacher graded by hand reaches the student once released, and the student is told."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from grading.enums import SubmissionSource, SubmissionStatus
from grading.models import Submission
from grading.services import submission_receive
from notifications.models import Notification
from notifications.services import preference_set

pytestmark = pytest.mark.django_db

CELLS = [
    {"grade_id": "test_phi_plus", "kind": "autograded_test", "max_points": 4.0, "score": 4.0, "status": "passed"},
    {
        "grade_id": "test_psi_minus",
        "kind": "autograded_test",
        "max_points": 4.0,
        "score": 0.0,
        "status": "failed",
        "staff_message": "AssertionError: psi_minus amplitudes wrong (hidden test)",
    },
    {"grade_id": "explain_entanglement", "kind": "manual", "max_points": 2.0, "score": None, "status": "needs grading"},
]
FEEDBACK = (
    '<div class="feedback nb"><section class="fb-cell fb-markdown fb-graded fb-needs-grading">'
    '<div class="fb-grade"><span class="badge">explain_entanglement</span>\n'
    '      <span class="muted">graded by your teacher / 2</span>\n'
    '      <span class="muted small">needs grading</span></div>'
    '<div class="prose math-content"><p>Entanglement means the qubits share one state.</p></div></section></div>'
)


@pytest.fixture
def graded(cast, bell_assignment, bell):  # type: ignore[no-untyped-def]
    from core.blobs import blob_put

    sub = submission_receive(
        user=cast.alice, activity=bell_assignment, data=bell["solved"].encode(), source=SubmissionSource.UPLOAD,
        idempotency_key="fb",
    )
    Submission.objects.filter(pk=sub.pk).update(
        status=SubmissionStatus.GRADED, cells=CELLS, auto_score=Decimal(4), max_score=Decimal(10),
        feedback_blob=blob_put(FEEDBACK.encode()),
    )
    sub.refresh_from_db()
    return sub


def _grade_by_hand(client, cast, sub) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast.ta)
    url = reverse("grading:grade_manual", args=["qc101", sub.pk])
    assert client.post(url, {"grade_id": "explain_entanglement", "score": "1.5", "comment": "清楚，但太短"}).status_code == 302
    url = reverse("grading:general_comment", args=["qc101", sub.pk])
    assert client.post(url, {"text": "Good work overall; revise the Bell basis."}).status_code == 302
    client.force_login(cast.teacher)
    url = reverse("grading:override", args=["qc101", sub.pk])
    assert client.post(url, {"score": "7", "reason": "psi_minus test was too strict"}).status_code == 302


def test_student_sees_manual_grading_only_after_release(
    client, cast, graded, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast.teacher)
    client.post(reverse("grading:release", args=["qc101", "bell"]), {"release": "0"})  # hidden while grading
    with django_capture_on_commit_callbacks(execute=True):
        _grade_by_hand(client, cast, graded)
    # hidden: the student sees none of it, and is told nothing yet
    client.force_login(cast.alice)
    page = client.get(reverse("grading:submission", args=["qc101", graded.pk])).content.decode()
    assert "清楚，但太短" not in page and "Good work overall" not in page and "too strict" not in page
    assert 'data-testid="teacher-grading"' not in page
    assert not Notification.objects.filter(user=cast.alice).exists() and mail.outbox == []
    # released: score, comment, general comment, override and its reason; the notification and the e-mail
    client.force_login(cast.teacher)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("grading:release", args=["qc101", "bell"]), {"release": "1"})
    client.force_login(cast.alice)
    page = client.get(reverse("grading:submission", args=["qc101", graded.pk])).content.decode()
    assert 'data-testid="manual-score">1.5 / 2<' in page
    assert "清楚，但太短" in page
    assert "Good work overall; revise the Bell basis." in page
    assert 'data-testid="override-reason">psi_minus test was too strict<' in page
    assert 'data-testid="score">7 / 10' in page
    # the feedback's cell line shows the teacher's grade, no longer "needs grading"
    assert "needs grading" not in page and 'data-testid="feedback-manual"' in page
    # a student never sees the hidden test's message (staff do)
    assert "amplitudes wrong" not in page
    assert Notification.objects.filter(user=cast.alice, kind="released").count() == 1
    assert [m.to for m in mail.outbox] == [["alice@example.edu"]]
    assert "Bell states" in mail.outbox[0].subject
    client.force_login(cast.teacher)
    staff_page = client.get(reverse("grading:submission", args=["qc101", graded.pk])).content.decode()
    assert "psi_minus amplitudes wrong" in staff_page


def test_graded_after_release_tells_the_student_in_chinese(
    client, cast, graded, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    # Alice reads the site in Chinese: the middleware remembers it for her e-mails
    client.force_login(cast.alice)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    client.get("/")
    assert cast.alice.notification_pref.language == "zh-hans"
    with django_capture_on_commit_callbacks(execute=True):
        _grade_by_hand(client, cast, graded)
    notes = Notification.objects.filter(user=cast.alice, kind="graded")
    assert notes.count() == 1  # the grade, the general comment, the override: one piece of news while unread
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.edu"]
    assert "已评分" in message.subject, message.subject
    assert "你的老师" in message.body and "/grading/qc101/s/" in message.body
    # the bell counts, the list reads in her language, marking read clears the count
    client.force_login(cast.alice)
    client.cookies["django_language"] = "zh-hans"
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-unread="1"' in home
    listing = client.get(reverse("notifications:list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "你的老师批改了你在" in listing
    one = notes.first()
    response = client.post(reverse("notifications:mark_read"), {"id": one.pk, "next": one.url})
    assert response.status_code == 302 and response["Location"] == one.url
    assert 'data-unread="0"' in client.get("/").content.decode()
    # once read, the next grade is news again
    with django_capture_on_commit_callbacks(execute=True):
        _grade_by_hand(client, cast, graded)
    client.force_login(cast.alice)
    assert 'data-unread="1"' in client.get("/").content.decode() and len(mail.outbox) == 2
    client.post(reverse("notifications:mark_read"))
    assert 'data-unread="0"' in client.get("/").content.decode()


def test_email_preference_off_keeps_the_in_site_notification(
    client, cast, graded, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast.alice)
    response = client.post(reverse("notifications:preferences"), {"action": "email"})  # unticked box
    assert response.status_code == 302
    cast.alice.refresh_from_db()
    assert cast.alice.notification_pref.email is False
    with django_capture_on_commit_callbacks(execute=True):
        _grade_by_hand(client, cast, graded)
    assert Notification.objects.filter(user=cast.alice).count() == 1
    assert mail.outbox == []
    preference_set(user=cast.alice, email=True)


def test_mark_read_never_redirects_off_site(client, cast, graded) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast.alice)
    response = client.post(reverse("notifications:mark_read"), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("notifications:list")


def test_other_students_notifications_are_not_markable(client, cast, graded, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        _grade_by_hand(client, cast, graded)
    note = Notification.objects.filter(user=cast.alice).first()
    client.force_login(cast.bob)
    client.post(reverse("notifications:mark_read"), {"id": note.pk})
    note.refresh_from_db()
    assert note.read_at is None
    assert "批改" not in client.get(reverse("notifications:list")).content.decode()
    assert "graded your work" not in client.get(reverse("notifications:list")).content.decode()
