"""Bad uploads get a clear 400-style refusal naming the cause, and nothing is stored."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from grading.enums import SubmissionSource
from grading.models import Submission
from grading.services import SubmissionRejected, submission_receive, too_large_message

pytestmark = pytest.mark.django_db


def _receive(user, act, data):  # type: ignore[no-untyped-def]
    return submission_receive(user=user, activity=act, data=data, source=SubmissionSource.UPLOAD, idempotency_key="k")


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        # 100,000 nested lists: json.loads would hit Python's recursion limit (a RecursionError, a 500).
        (b"[" * 100_000 + b"]" * 100_000, "nests JSON more than 64 levels"),
        (b'{"cells": [' + b"{" * 5000 + b"}" * 5000 + b"]}", "nests JSON more than 64 levels"),
        # Brackets inside strings are not nesting: this one is refused for what it is, a non-notebook.
        (json.dumps({"a": "[" * 5000}).encode(), "not a Jupyter notebook"),
        # nbformat 3 (worksheets): named as an old notebook with the way to convert it.
        (json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": [{"cells": []}], "metadata": {}}).encode(), "old notebook \\(nbformat 3\\)"),
    ],
)
def test_malformed_uploads_are_named_and_nothing_is_stored(cast, bell_assignment, payload, reason):  # type: ignore[no-untyped-def]
    with pytest.raises(SubmissionRejected, match=reason):
        _receive(cast.alice, bell_assignment, payload)
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    ("size", "limit", "shown"),
    [
        (5_200_001, 5_200_000, "5.200001 MB; the limit is 5.200000 MB"),
        (5_250_000, 5_200_000, "5.25 MB; the limit is 5.20 MB"),
        (9_000_000, 5_242_880, "9.0 MB; the limit is 5.2 MB"),
        (5_242_881, 5_242_880, "5.242881 MB; the limit is 5.242880 MB"),
    ],
)
def test_the_size_refusal_never_shows_two_equal_figures(size: int, limit: int, shown: str) -> None:
    assert shown in too_large_message(size=size, limit=limit)


def test_deeply_nested_upload_through_the_view_is_a_400_with_the_reason(client, cast, bell_assignment):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(cast.alice)
    url = reverse("grading:submit", kwargs={"slug": bell_assignment.course.slug, "activity": bell_assignment.slug})
    upload = SimpleUploadedFile("deep.ipynb", b"[" * 50_000 + b"]" * 50_000, content_type="application/json")
    response = client.post(url, {"notebook": upload, "idempotency_key": "deep-1"})
    assert response.status_code == 400
    assert "nests JSON more than 64 levels" in response.content.decode()
    assert not Submission.objects.exists()
