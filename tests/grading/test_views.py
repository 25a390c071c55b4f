"""Grading pages: the panel, upload (400 with the reason), receipts, and who may see what."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grading.enums import SubmissionSource
from grading.models import Submission
from grading.services import submission_receive

pytestmark = pytest.mark.django_db


def _upload(client, act, data, key="key-1", htmx=True):  # type: ignore[no-untyped-def]
    url = reverse("grading:submit", args=["qc101", act.slug])
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(url, {"notebook": SimpleUploadedFile("hw.ipynb", data), "idempotency_key": key}, headers=headers)


def test_panel_shows_upload_form_and_my_submissions_only(client, cast, bell_assignment, bell):
    submission_receive(
        user=cast.bob,
        activity=bell_assignment,
        data=bell["solved"].encode(),
        source=SubmissionSource.UPLOAD,
        idempotency_key="b",
    )
    client.force_login(cast.alice)
    html = client.get(reverse("grading:panel", args=["qc101", "bell"])).content.decode()
    assert 'name="notebook"' in html and 'name="idempotency_key"' in html
    assert "No submissions yet" in html
    client.force_login(cast.bob)
    html = client.get(reverse("grading:panel", args=["qc101", "bell"])).content.decode()
    assert 'data-status="' in html and "every 1s" in html  # in flight: the list polls


def test_upload_bad_notebook_is_400_with_reason(client, cast, bell_assignment):
    client.force_login(cast.alice)
    response = _upload(client, bell_assignment, b"not json at all")
    assert response.status_code == 400
    assert "not JSON" in response.content.decode()
    assert not Submission.objects.exists()


def test_upload_json_api_returns_receipt_and_is_idempotent(client, cast, bell_assignment, bell):
    client.force_login(cast.alice)
    url = reverse("grading:submit", args=["qc101", "bell"])
    data = bell["solved"].encode()
    r1 = client.post(
        url,
        {"notebook": SimpleUploadedFile("a.ipynb", data)},
        headers={"Accept": "application/json", "Idempotency-Key": "xyz"},
    )
    r2 = client.post(
        url,
        {"notebook": SimpleUploadedFile("a.ipynb", data)},
        headers={"Accept": "application/json", "Idempotency-Key": "xyz"},
    )
    assert r1.status_code == 201 and r2.status_code == 201
    assert r1.json()["id"] == r2.json()["id"]
    import hashlib

    assert r1.json()["sha256"] == hashlib.sha256(data).hexdigest()


def test_upload_htmx_shows_receipt(client, cast, bell_assignment, bell):
    client.force_login(cast.alice)
    response = _upload(client, bell_assignment, bell["solved"].encode())
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="receipt"' in html
    sub = Submission.objects.get()
    assert sub.blob[:12] in html


def test_submission_page_only_for_owner_and_staff(client, cast, bell_assignment, bell):
    sub = submission_receive(
        user=cast.alice,
        activity=bell_assignment,
        data=bell["solved"].encode(),
        source=SubmissionSource.UPLOAD,
        idempotency_key="a",
    )
    url = reverse("grading:submission", args=["qc101", sub.pk])
    for user, expected in (
        (cast.alice, 200),
        (cast.teacher, 200),
        (cast.ta, 200),
        (cast.bob, 404),
        (cast.outsider, 404),
    ):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == expected, user
        if expected == 200:
            assert sub.blob in response.content.decode()


def test_staff_pages_refuse_students(client, cast, bell_assignment):
    client.force_login(cast.alice)
    for name in ("gradebook", "gradebook_csv"):
        assert client.get(reverse(f"grading:{name}", args=["qc101", "bell"])).status_code == 403
    assert client.post(reverse("grading:regrade", args=["qc101", "bell"])).status_code == 403
    client.force_login(cast.outsider)
    assert client.get(reverse("grading:gradebook", args=["qc101", "bell"])).status_code == 404
