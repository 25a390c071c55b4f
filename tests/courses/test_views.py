"""Course pages as people use them: what students see, what teachers can change."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.test import Client

from courses.enums import Role
from courses.models import Course, Enrollment

pytestmark = pytest.mark.django_db
DEMO = Path(__file__).resolve().parents[2] / "content" / "demo"


def _as(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("path", ["/", "/courses/", "/courses/qc101/", "/courses/qc101/progress/"])
def test_students_never_see_unreleased_activities(world, cast, path: str) -> None:  # type: ignore[no-untyped-def]
    world.hidden.due_at = world.hidden.release_at  # make it "due" so the home page would list it if it leaked
    world.hidden.save()
    body = _as(cast.alice).get(path).content.decode()
    assert "Secret final exam" not in body
    assert "final-exam" not in body


def test_home_lists_released_work_due_next(world, cast) -> None:  # type: ignore[no-untyped-def]
    body = _as(cast.alice).get("/").content.decode()
    assert "Homework one" in body and "Quantum computing 101" in body


def test_staff_see_unreleased_work_marked_as_such(world, cast) -> None:  # type: ignore[no-untyped-def]
    body = _as(cast.teacher).get("/courses/qc101/").content.decode()
    assert "Secret final exam" in body and "not released" in body


def test_course_home_shows_the_six_stages(world, cast) -> None:  # type: ignore[no-untyped-def]
    body = _as(cast.alice).get("/courses/qc101/").content.decode()
    for zh, en in (("教", "Teach"), ("学", "Learn"), ("练", "Practice"), ("测", "Test"), ("评", "Evaluate"), ("赛", "Compete")):
        assert f'<div class="zh" lang="zh-hans">{zh}</div>' in body and f'<div class="en">{en}</div>' in body


def test_lesson_page_renders_math_markup_and_security_headers(world, cast) -> None:  # type: ignore[no-untyped-def]
    response = _as(cast.alice).get("/courses/qc101/a/intro/")
    body = response.content.decode()
    assert '<span class="arithmatex">' in body
    assert "/static/vendor/katex/katex.min.js" in body
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "<script>" not in body  # no inline scripts anywhere


def test_join_by_code_through_the_page(world, cast) -> None:  # type: ignore[no-untyped-def]
    client = _as(cast.outsider)
    bad = client.post("/courses/", {"code": "WRONG"})
    assert bad.status_code == 200 and "does not match" in bad.content.decode()
    ok = client.post("/courses/", {"code": world.course.join_code}, follow=True)
    assert ok.redirect_chain[-1][0] == "/courses/qc101/"
    assert "Welcome to Quantum computing 101" in ok.content.decode()


def test_teacher_manages_the_roster(world, cast) -> None:  # type: ignore[no-untyped-def]
    client = _as(cast.teacher)
    page = client.post("/courses/qc101/manage/roster/add/", {"username": "oscar", "role": "ta"}, follow=True).content.decode()
    assert "Oscar is now a Teaching assistant." in page
    e = Enrollment.objects.get(course=world.course, user=cast.outsider)
    client.post(f"/courses/qc101/manage/roster/{e.pk}/", {"role": "student"})
    assert Enrollment.objects.get(pk=e.pk).role == Role.STUDENT
    csv_file = io.BytesIO(b"username,role\noscar,ta\n")
    csv_file.name = "roster.csv"
    client.post("/courses/qc101/manage/roster/csv/", {"file": csv_file})
    assert Enrollment.objects.get(pk=e.pk).role == Role.TA
    page = client.post(f"/courses/qc101/manage/roster/{e.pk}/", {"action": "remove"}, follow=True).content.decode()
    assert "was removed" in page and not Enrollment.objects.filter(pk=e.pk).exists()
    # the last teacher cannot remove themself
    me = Enrollment.objects.get(course=world.course, user=cast.teacher)
    page = client.post(f"/courses/qc101/manage/roster/{me.pk}/", {"action": "remove"}, follow=True).content.decode()
    assert "at least one teacher" in page and Enrollment.objects.filter(pk=me.pk).exists()


def test_roster_change_of_another_course_is_404(world, cast) -> None:  # type: ignore[no-untyped-def]
    other = Enrollment.objects.get(course=world.other_course, user=cast.other_teacher)
    response = _as(cast.teacher).post(f"/courses/qc101/manage/roster/{other.pk}/", {"action": "remove"})
    assert response.status_code == 404
    assert Enrollment.objects.filter(pk=other.pk).exists()


def _demo_zip() -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path in DEMO.rglob("*"):
            if path.is_file():
                zf.write(path, "demo/" + path.relative_to(DEMO).as_posix())
    buf.seek(0)
    buf.name = "demo.zip"
    return buf


def test_teacher_imports_a_new_course_from_a_zip(cast, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    # the import runs as a background job (eager here, on commit); the answer is its progress page
    with django_capture_on_commit_callbacks(execute=True):
        response = _as(cast.teacher).post("/courses/import/", {"archive": _demo_zip()})
    assert response.status_code == 302 and response["Location"].startswith("/courses/imports/")
    page = _as(cast.teacher).get(response["Location"]).content.decode()
    assert "quantum-first-steps: created" in page and "/courses/quantum-first-steps/manage/" in page
    assert Enrollment.objects.get(course__slug="quantum-first-steps").user == cast.teacher


def test_a_bad_zip_shows_every_problem_and_imports_nothing(cast, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("course.yaml", "slug: broken\ntitle: Broken\nunits:\n  - slug: u\n    title: U\n    activities:\n      - slug: a\n        kind: lesson\n        title: A\n        file: lessons/missing.md\n")
    buf.seek(0)
    buf.name = "broken.zip"
    with django_capture_on_commit_callbacks(execute=True):
        response = _as(cast.teacher).post("/courses/import/", {"archive": buf})
    page = _as(cast.teacher).get(response["Location"]).content.decode()
    assert "lessons/missing.md: missing file" in page and 'data-status="failed"' in page
    assert not Course.objects.filter(slug="broken").exists()


def test_zip_for_another_course_is_refused_on_the_update_form(world, cast, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        response = _as(cast.teacher).post("/courses/qc101/manage/import/", {"archive": _demo_zip()})
    page = _as(cast.teacher).get(response["Location"]).content.decode()
    assert "but this is the course &#x27;qc101&#x27;" in page
    assert not Course.objects.filter(slug="quantum-first-steps").exists()


def test_language_switch_to_chinese(world, cast) -> None:  # type: ignore[no-untyped-def]
    client = _as(cast.alice)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/courses/qc101/"})
    body = client.get("/courses/qc101/").content.decode()
    assert '<html lang="zh-hans">' in body
    assert "量子计算 101" in body  # the course's own Chinese title
    assert "English" in body  # the switch back
    assert ">课程</a>" in body and "我的进度" in body  # the interface itself is translated
