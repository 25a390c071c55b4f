"""Hostile and garbled input to every form: a clear 4xx (or a redirect with a message), never a 500."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.dashboard.builders import cell, submission

pytestmark = pytest.mark.django_db

GARBAGE_TEXT = [
    "",
    "\x00\x01\x02",
    "a" * 100_000,
    "'; DROP TABLE courses_course; --",
    "<script>alert(1)</script>",
    "\ud800",  # a lone surrogate: not encodable as UTF-8
    "NaN",
    "1e999999",
    "-0",
    "Infinity",
    "９",  # a full-width digit
]
GARBAGE_FILES = [
    b"",
    b"\xff\xfe\x00garbage\x80\x81",
    b"PK\x03\x04" + b"\x00" * 200,  # a zip header and nothing
    b"[" * 5000,  # deep JSON
    b'{"cells": 5, "nbformat": "x"}',
    b"username\n" + b"x" * 200 + b"\n",
]


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(raise_request_exception=True)
    client.force_login(user)
    return client


def _text(value: str) -> str:
    # the test client cannot encode a lone surrogate; a browser would send the replacement character
    return value.encode("utf-8", "replace").decode("utf-8") if "\ud800" not in value else "\ufffd"


def _said_something(client: Client, response) -> str:  # type: ignore[no-untyped-def]
    """The words the person sees: the body of a 4xx, or the page a redirect leads to with its message."""
    if response.status_code in (301, 302):
        return client.get(response["Location"]).content.decode()
    return response.content.decode(errors="replace")


def _check(client: Client, url: str, data: dict, *, kinds=("msg", "error", "notice", "problem", "errorlist", "alert", "refused")) -> None:  # type: ignore[no-untyped-def, type-arg]
    response = client.post(url, data)
    assert response.status_code < 500, (url, data.keys(), response.status_code)
    if response.status_code >= 400 or response.status_code in (301, 302):
        text = _said_something(client, response)
        assert text.strip(), (url, response.status_code)
        if response.status_code in (301, 302) or "<html" in text:
            assert any(k in text for k in kinds), (url, text[:500])


@pytest.mark.parametrize("value", GARBAGE_TEXT, ids=range(len(GARBAGE_TEXT)))
def test_text_fields_never_give_a_500(world, cast, value) -> None:  # type: ignore[no-untyped-def]
    value = _text(value)
    teacher = _client(cast.teacher)
    student = _client(cast.alice)
    _check(student, "/courses/", {"code": value})  # join code
    _check(teacher, "/courses/new/", {"slug": value, "title": value, "title_zh": value, "summary": value})
    _check(teacher, "/courses/qc101/manage/roster/add/", {"username": value, "role": value})
    enrollment = world.course.enrollments.get(user=cast.bob)
    _check(teacher, f"/courses/qc101/manage/roster/{enrollment.pk}/", {"role": value, "action": value})
    _check(teacher, "/courses/qc101/manage/roster/onboard/", {"how": value})
    graded = submission(activity=world.assignment, user=cast.bob, received_at=world.assignment.due_at,
                        cells=[cell("essay", "manual", 2, None, "needs grading")])
    _check(teacher, f"/grading/qc101/s/{graded.pk}/grade/", {"grade_id": value, "score": value, "comment": value})
    _check(teacher, f"/grading/qc101/s/{graded.pk}/grade/", {"grade_id": "essay", "score": value, "comment": value})
    _check(teacher, f"/grading/qc101/s/{graded.pk}/override/", {"score": value, "reason": value})
    _check(student, "/accounts/settings/", {"display_name": value, "time_zone": value})
    _check(student, "/grading/qc101/a/hw1/submit/", {"idempotency_key": value})


@pytest.mark.parametrize("blob", GARBAGE_FILES, ids=range(len(GARBAGE_FILES)))
def test_uploads_never_give_a_500(world, cast, blob) -> None:  # type: ignore[no-untyped-def]
    teacher = _client(cast.teacher)
    student = _client(cast.alice)
    for name in ("x.zip", "../../etc/passwd", "a" * 300 + ".zip"):
        _check(teacher, "/courses/import/", {"archive": SimpleUploadedFile(name, blob)})
        _check(teacher, "/courses/qc101/manage/import/", {"archive": SimpleUploadedFile(name, blob)})
    for name in ("r.csv", "r.xlsx", "r"):
        _check(teacher, "/courses/qc101/manage/roster/csv/",
               {"file": SimpleUploadedFile(name, blob), "create_missing": "on", "onboarding": "slips"})
    for name in ("hw1.ipynb", "x" * 300):
        _check(student, "/grading/qc101/a/hw1/submit/",
               {"notebook": SimpleUploadedFile(name, blob), "idempotency_key": "k-" + str(len(blob))})
