"""The permission matrix: every page × every kind of visitor → the expected status and content.

Like JupyterHub's scope tests: one table, read top to bottom. Outsiders get 404 (course
names do not leak); members without the role get 403; anonymous visitors go to the login.
"""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

WHO = ("anonymous", "outsider", "student", "ta", "other_teacher", "teacher", "admin")
L, F, N, OK, GO = -302, 403, 404, 200, 302  # L: redirect to the login; GO: a successful POST redirects back

# (method, path, marker shown on success, {who: status})
MATRIX: list[tuple[str, str, str, dict[str, int]]] = [
    ("get", "/", "My courses", dict(anonymous=L, outsider=OK, student=OK, ta=OK, other_teacher=OK, teacher=OK, admin=OK)),
    ("get", "/courses/", "Join a course", dict(anonymous=L, outsider=OK, student=OK, ta=OK, other_teacher=OK, teacher=OK, admin=OK)),
    ("get", "/courses/new/", "Import a course folder", dict(anonymous=L, outsider=F, student=F, ta=F, other_teacher=OK, teacher=OK, admin=OK)),
    ("get", "/courses/qc101/", "Quantum computing 101", dict(anonymous=L, outsider=N, student=OK, ta=OK, other_teacher=N, teacher=OK, admin=OK)),
    ("get", "/courses/qc101/a/intro/", "Introduction lesson", dict(anonymous=L, outsider=N, student=OK, ta=OK, other_teacher=N, teacher=OK, admin=OK)),
    ("get", "/courses/qc101/a/hw1/", "Homework one", dict(anonymous=L, outsider=N, student=OK, ta=OK, other_teacher=N, teacher=OK, admin=OK)),
    ("get", "/courses/qc101/a/final-exam/", "Secret final exam", dict(anonymous=L, outsider=N, student=N, ta=OK, other_teacher=N, teacher=OK, admin=OK)),
    ("get", "/courses/qc101/a/hw1/files/hw1.ipynb", "", dict(anonymous=L, outsider=N, student=OK, ta=OK, other_teacher=N, teacher=OK, admin=OK)),
    ("get", "/courses/qc101/a/hw1/files/source/hw1.ipynb", "", dict(anonymous=L, outsider=N, student=N, ta=OK, other_teacher=N, teacher=OK, admin=OK)),
    ("get", "/courses/qc101/manage/", "Roster", dict(anonymous=L, outsider=N, student=F, ta=OK, other_teacher=N, teacher=OK, admin=OK)),
    ("post", "/courses/qc101/manage/roster/add/", "", dict(anonymous=L, outsider=N, student=F, ta=F, other_teacher=N, teacher=GO, admin=GO)),
    ("post", "/courses/qc101/manage/join-code/", "", dict(anonymous=L, outsider=N, student=F, ta=F, other_teacher=N, teacher=GO, admin=GO)),
    # getting students in (helper G2): roster files and new slips/invitations are the teachers'
    ("post", "/courses/qc101/manage/roster/csv/", "", dict(anonymous=L, outsider=N, student=F, ta=F, other_teacher=N, teacher=GO, admin=GO)),
    ("post", "/courses/qc101/manage/roster/onboard/", "", dict(anonymous=L, outsider=N, student=F, ta=F, other_teacher=N, teacher=GO, admin=GO)),
    ("get", "/accounts/settings/", "Time zone", dict(anonymous=L, outsider=OK, student=OK, ta=OK, other_teacher=OK, teacher=OK, admin=OK)),
    ("post", "/courses/qc101/manage/import/", "", dict(anonymous=L, outsider=N, student=F, ta=F, other_teacher=N, teacher=400, admin=400)),
    # offerings of a course template (issue #16): its teachers (the page says when they teach at no school)
    ("get", "/courses/qc101/manage/offerings/", "Offerings", dict(anonymous=L, outsider=N, student=F, ta=F, other_teacher=N, teacher=OK, admin=OK)),
    ("get", "/courses/qc101/dashboard/", "Course dashboard", dict(anonymous=L, outsider=N, student=F, ta=OK, other_teacher=N, teacher=OK, admin=OK)),
    ("get", "/courses/qc101/progress/", "My progress", dict(anonymous=L, outsider=N, student=OK, ta=OK, other_teacher=N, teacher=OK, admin=OK)),
    # grading by hand, extensions, sections (helper G1): staff only; sections and rubrics for teachers
    ("get", "/grading/qc101/queue/", "To grade", dict(anonymous=L, outsider=N, student=F, ta=OK, other_teacher=N, teacher=OK, admin=OK)),
    ("get", "/grading/qc101/a/hw1/q/q1/", "Question q1", dict(anonymous=L, outsider=N, student=F, ta=OK, other_teacher=N, teacher=OK, admin=OK)),
    ("post", "/grading/qc101/a/hw1/q/q1/rubric/", "", dict(anonymous=L, outsider=N, student=F, ta=F, other_teacher=N, teacher=GO, admin=GO)),
    ("get", "/grading/qc101/extensions/", "Extensions and extra time", dict(anonymous=L, outsider=N, student=F, ta=OK, other_teacher=N, teacher=OK, admin=OK)),
    ("get", "/grading/qc101/sections/", "New section", dict(anonymous=L, outsider=N, student=F, ta=F, other_teacher=N, teacher=OK, admin=OK)),
    ("get", "/courses/qc101/announcements/", "Announcements", dict(anonymous=L, outsider=N, student=OK, ta=OK, other_teacher=N, teacher=OK, admin=OK)),
    ("post", "/courses/qc101/announcements/", "", dict(anonymous=L, outsider=N, student=F, ta=400, other_teacher=N, teacher=400, admin=400)),
    ("get", "/notifications/", "Notifications", dict(anonymous=L, outsider=OK, student=OK, ta=OK, other_teacher=OK, teacher=OK, admin=OK)),
    ("get", "/notifications/calendar/", "Calendar", dict(anonymous=L, outsider=OK, student=OK, ta=OK, other_teacher=OK, teacher=OK, admin=OK)),
    ("get", "/notifications/calendar/not-a-token.ics", "", dict(anonymous=N, outsider=N, student=N, ta=N, other_teacher=N, teacher=N, admin=N)),
    ("get", "/site/", "Site overview", dict(anonymous=L, outsider=F, student=F, ta=F, other_teacher=F, teacher=F, admin=OK)),
    ("get", "/admin/", "administration", dict(anonymous=L, outsider=L, student=L, ta=L, other_teacher=L, teacher=L, admin=OK)),
]


def _client(who: str, cast) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    user = {
        "outsider": cast.outsider, "student": cast.alice, "ta": cast.ta, "other_teacher": cast.other_teacher,
        "teacher": cast.teacher, "admin": cast.admin,
    }.get(who)
    if user is not None:
        client.force_login(user)
    return client


CASES = [(m, p, marker, who, expected[who]) for m, p, marker, expected in MATRIX for who in WHO]


@pytest.mark.parametrize(("method", "path", "marker", "who", "expected"), CASES, ids=[f"{c[0]} {c[1]} as {c[3]}" for c in CASES])
def test_permission_matrix(world, cast, method: str, path: str, marker: str, who: str, expected: int) -> None:  # type: ignore[no-untyped-def]
    client = _client(who, cast)
    data = {"username": "oscar", "role": "student"} if "roster/add" in path else {}
    response = getattr(client, method)(path, data)
    assert response.status_code == abs(expected), f"{method.upper()} {path} as {who}"
    if expected in (L, GO):
        assert ("/login/" in response["Location"]) == (expected == L)
    body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    if expected == OK and marker:
        assert marker.encode() in body
    if expected in (F, N):
        # a refused page never shows the course's content
        assert b"Secret final exam" not in body and b"Homework one" not in body


def test_file_downloads_serve_the_right_bytes(world, cast) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import SOURCE_NOTEBOOK, STUDENT_NOTEBOOK

    student = _client("student", cast).get("/courses/qc101/a/hw1/files/hw1.ipynb")
    assert b"".join(student.streaming_content) == STUDENT_NOTEBOOK
    assert student["Content-Disposition"].startswith("attachment")
    assert "sandbox" in student["Content-Security-Policy"]
    teacher = _client("teacher", cast).get("/courses/qc101/a/hw1/files/source/hw1.ipynb")
    assert b"".join(teacher.streaming_content) == SOURCE_NOTEBOOK


def test_inactive_user_loses_access(world, cast) -> None:  # type: ignore[no-untyped-def]
    client = _client("student", cast)
    assert client.get("/courses/qc101/").status_code == 200
    cast.alice.is_active = False
    cast.alice.save()
    assert client.get("/courses/qc101/").status_code == 302
