"""Extensions (per student per assignment) and accommodations (per student per course), from the pages."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from grading.enums import SubmissionSource
from grading.models import Extension, Submission
from grading.selectors import extra_time_factor
from grading.services import submission_receive

pytestmark = pytest.mark.django_db


def _local(value) -> str:  # type: ignore[no-untyped-def]
    """A datetime-local field's value in the site's zone (the teacher's, here UTC)."""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def late_submission(cast, bell_assignment, bell):  # type: ignore[no-untyped-def]
    bell_assignment.due_at = timezone.now() - timedelta(days=1)
    bell_assignment.save(update_fields=["due_at"])
    sub = submission_receive(
        user=cast.alice, activity=bell_assignment, data=bell["solved"].encode(), source=SubmissionSource.UPLOAD,
        idempotency_key="late",
    )
    assert sub.late_seconds > 0
    return sub


def test_extension_granted_on_the_page_moves_the_due_date_and_the_late_flag(
    client, cast, bell_assignment, late_submission
) -> None:  # type: ignore[no-untyped-def]
    new_due = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    client.force_login(cast.ta)  # TAs grant extensions too
    page = client.get(reverse("grading:extensions", args=["qc101"]))
    assert page.status_code == 200 and "Bell states" in page.content.decode()
    response = client.post(
        reverse("grading:extensions", args=["qc101"]),
        {"action": "grant", "user": cast.alice.pk, "activity": bell_assignment.pk, "due_at": _local(new_due)},
    )
    assert response.status_code == 302
    ext = Extension.objects.get(user=cast.alice, activity=bell_assignment)
    assert ext.due_at == new_due and ext.granted_by == cast.ta
    # work already handed in is judged against the new date: no longer late
    late_submission.refresh_from_db()
    assert late_submission.late_seconds == 0 and late_submission.penalty == 0
    listing = client.get(reverse("grading:extensions", args=["qc101"])).content.decode()
    assert 'data-student="alice"' in listing
    # the student's pages follow: the activity, the course home, the panel, the home's calendar
    client.force_login(cast.alice)
    activity_page = client.get(reverse("courses:activity", args=["qc101", "bell"])).content.decode()
    shown = timezone.localtime(new_due).strftime("%Y-%m-%d %H:%M")
    assert shown in activity_page and "extended for you" in activity_page
    home = client.get(reverse("courses:home", args=["qc101"])).content.decode()
    assert shown in home and 'data-testid="extended"' in home
    panel = client.get(reverse("grading:panel", args=["qc101", "bell"])).content.decode()
    assert shown in panel
    start = client.get("/").content.decode()
    assert 'data-activity="bell"' in start and "extended" in start
    # Bob's due date did not move
    client.force_login(cast.bob)
    assert shown not in client.get(reverse("courses:activity", args=["qc101", "bell"])).content.decode()
    # revoked: late again
    client.force_login(cast.teacher)
    response = client.post(reverse("grading:extensions", args=["qc101"]), {"action": "revoke", "id": ext.pk})
    assert response.status_code == 302 and not Extension.objects.exists()
    late_submission.refresh_from_db()
    assert late_submission.late_seconds > 0


def test_submission_within_the_extension_is_on_time(client, cast, bell_assignment, bell) -> None:  # type: ignore[no-untyped-def]
    bell_assignment.due_at = timezone.now() - timedelta(hours=1)
    bell_assignment.options = {"late_policy": {"mode": "cutoff"}}
    bell_assignment.save(update_fields=["due_at", "options"])
    client.force_login(cast.teacher)
    client.post(
        reverse("grading:extensions", args=["qc101"]),
        {"action": "grant", "user": cast.alice.pk, "activity": bell_assignment.pk,
         "due_at": _local(timezone.now() + timedelta(days=1))},
    )
    sub = submission_receive(
        user=cast.alice, activity=bell_assignment, data=bell["solved"].encode(), source=SubmissionSource.UPLOAD,
        idempotency_key="in-time",
    )
    assert sub.late_seconds == 0
    from grading.services import SubmissionRejected

    with pytest.raises(SubmissionRejected):  # Bob has no extension: past the cutoff
        submission_receive(
            user=cast.bob, activity=bell_assignment, data=bell["solved"].encode(), source=SubmissionSource.UPLOAD,
            idempotency_key="too-late",
        )
    assert Submission.objects.filter(user=cast.bob).count() == 0


def test_extension_refusals(client, cast, bell_assignment) -> None:  # type: ignore[no-untyped-def]
    url = reverse("grading:extensions", args=["qc101"])
    data = {"action": "grant", "user": cast.alice.pk, "activity": bell_assignment.pk, "due_at": "2030-01-01T10:00"}
    client.force_login(cast.alice)
    assert client.post(url, data).status_code == 403
    client.force_login(cast.other_teacher)
    assert client.post(url, data).status_code == 404
    client.force_login(cast.teacher)
    bad = client.post(url, {**data, "due_at": "next tuesday"})
    assert bad.status_code == 400 and "Enter the new due date" in bad.content.decode()
    other = client.post(url, {**data, "user": cast.outsider.pk})  # not a student of the course
    assert other.status_code == 400
    assert not Extension.objects.exists()


def test_accommodation_extra_time(client, cast, world) -> None:  # type: ignore[no-untyped-def]
    url = reverse("grading:extensions", args=["qc101"])
    client.force_login(cast.ta)
    assert client.post(url, {"action": "accommodation", "user": cast.alice.pk, "factor": "1.5"}).status_code == 403
    client.force_login(cast.teacher)
    assert client.post(url, {"action": "accommodation", "user": cast.alice.pk, "factor": "9"}).status_code == 400
    assert client.post(url, {"action": "accommodation", "user": cast.alice.pk, "factor": "1.5", "note": "IEP"}).status_code == 302
    assert extra_time_factor(user=cast.alice, course=world.course) == Decimal("1.5")
    assert extra_time_factor(user=cast.bob, course=world.course) == Decimal(1)
    assert extra_time_factor(user=cast.alice, course=world.other_course) == Decimal(1)
    client.force_login(cast.alice)
    progress = client.get(reverse("dashboard:progress", args=["qc101"])).content.decode()
    assert 'data-testid="extra-time"' in progress and "×1.5" in progress
    client.force_login(cast.bob)
    assert 'data-testid="extra-time"' not in client.get(reverse("dashboard:progress", args=["qc101"])).content.decode()
    client.force_login(cast.teacher)
    staff_view = client.get(reverse("dashboard:progress", args=["qc101"]) + f"?student={cast.alice.pk}").content.decode()
    assert "×1.5" in staff_view
    client.post(url, {"action": "accommodation", "user": cast.alice.pk, "factor": "1"})  # 1 removes it
    assert extra_time_factor(user=cast.alice, course=world.course) == Decimal(1)
