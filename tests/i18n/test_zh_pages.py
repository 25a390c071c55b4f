"""The main pages in Simplified Chinese carry none of the English labels known to have leaked."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from core.blobs import blob_put
from grading.feedback import feedback_render
from tests.dashboard.builders import cell, submission

pytestmark = pytest.mark.django_db

# Labels seen in English on Chinese pages (issue 12), and their neighbours.
ENGLISH = [
    "passed", "needs grading", "includes hidden tests", "graded by your teacher", "autograded test",
    "written answer", "no response", "past-due", "scores falling", "no activity", "mastery",
    "not attempted yet", "Grading failed", "Your notebook used more than", "Due", "Received",
    "Submit for grading", "Roster", "Time zone", "Not current", "The server failed", "Log in with these",
    "One-time password", "Welcome to Liangzhi Lab", "is not a valid username",
]


def _visible(html: str) -> str:
    html = re.sub(r"<(script|style|code|pre)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<div id="js-messages"[^>]*>', " ", html)  # checked through its attributes below
    return re.sub(r"<[^>]+>", " ", html)


def _leaks(html: str) -> list[str]:
    text = _visible(html)
    return [w for w in ENGLISH if re.search(r"(?<![\w-])" + re.escape(w) + r"(?![\w-])", text)]


def _zh(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    client.cookies["django_language"] = "zh-hans"
    return client


def test_main_pages_in_chinese_have_no_english_labels(world, cast) -> None:  # type: ignore[no-untyped-def]
    cells = [
        cell("q1", "autograded_test", 4, 4, "passed"),
        cell("q2", "autograded_test", 4, 0, "failed"),
        cell("essay", "manual", 2, None, "needs grading"),
    ]
    feedback = [
        {"cell_type": "code", "source": "x = 1", "outputs": [], "grade": {"grade_id": "q1", "score": 4, "max_points": 4, "status": "passed"}, "hidden_tests": True},
        {"cell_type": "markdown", "source": "answer", "grade": {"grade_id": "essay", "score": None, "max_points": 2, "status": "needs grading"}},
    ]
    graded = submission(activity=world.assignment, user=cast.alice, received_at=timezone.now() - timedelta(hours=3), cells=cells)
    graded.feedback_blob = blob_put(feedback_render(cells=feedback, message="Your notebook used more than 512 MiB of memory.").encode())
    graded.message = "Your notebook used more than 512 MiB of memory."
    graded.save()
    world.assignment.due_at = timezone.now() - timedelta(days=1)  # past due: charlie and bob are missing it
    world.assignment.save()
    student, teacher = _zh(cast.alice), _zh(cast.teacher)
    pages = {
        "activity": (student, "/courses/qc101/a/hw1/"),
        "panel": (student, "/grading/qc101/a/hw1/panel/"),
        "course home": (student, "/courses/qc101/"),
        "submission": (teacher, f"/grading/qc101/s/{graded.pk}/"),
        "gradebook": (teacher, "/courses/qc101/gradebook/"),
        "dashboard": (teacher, "/courses/qc101/dashboard/"),
        "student detail": (teacher, f"/courses/qc101/gradebook/students/{cast.alice.pk}/"),
        "progress": (student, "/courses/qc101/progress/"),
        "manage": (teacher, "/courses/qc101/manage/"),
        "settings": (student, "/accounts/settings/"),
    }
    found = {}
    for name, (client, url) in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        html = response.content.decode()
        assert 'lang="zh-hans"' in html, name
        if leaks := _leaks(html):
            found[name] = leaks
    assert found == {}
    # the stored feedback is language-neutral: the same row reads in English for an English reader
    english = Client()
    english.force_login(cast.teacher)
    page = english.get(f"/grading/qc101/s/{graded.pk}/").content.decode()
    assert "includes hidden tests" in page and "passed" in page
    # and the check is not vacuous: the English pages carry the labels it looks for
    assert {"passed", "includes hidden tests", "Received"} <= set(_leaks(page))
    assert "past-due" in _leaks(english.get("/courses/qc101/dashboard/").content.decode())
    # the browser's error messages are translated too
    js = re.search(r'<div id="js-messages"[^>]*>', teacher.get("/courses/qc101/").content.decode()).group(0)
    assert "服务器" in js and "The server failed" not in js


def test_slips_and_roster_errors_in_chinese(world, cast) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    teacher = _zh(cast.teacher)
    bad = teacher.post("/courses/qc101/manage/roster/csv/", {"file": SimpleUploadedFile("r.csv", b"username\nhas space\n"), "create_missing": "on"})
    page = teacher.get(bad["Location"]).content.decode()
    assert "第 2 行" in page and not _leaks(page)
    slips = teacher.post("/courses/qc101/manage/roster/csv/", {"file": SimpleUploadedFile("r.csv", b"username\nkid9\n"), "create_missing": "on", "onboarding": "slips"})
    html = slips.content.decode()
    assert "一次性密码" in html and not _leaks(html)
