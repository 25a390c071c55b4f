"""A student in a real browser: log in, open a lesson, see the math rendered by KaTeX (served locally)."""

from __future__ import annotations

from pathlib import Path

import pytest

from courses.enums import Role
from courses.importer import import_course
from courses.models import Enrollment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
DEMO = Path(__file__).resolve().parents[2] / "content" / "demo"


@pytest.fixture
def demo_course(cast):  # type: ignore[no-untyped-def]
    course = import_course(DEMO).course
    Enrollment.objects.create(course=course, user=cast.alice, role=Role.STUDENT)
    Enrollment.objects.create(course=course, user=cast.teacher, role=Role.TEACHER)
    return course


def test_student_reads_a_lesson_with_rendered_math(login_page, live_server, demo_course, output_dir) -> None:  # type: ignore[no-untyped-def]
    page = login_page(demo_course.enrollments.get(role=Role.STUDENT).user)
    requests_outside: list[str] = []
    page.on("request", lambda r: requests_outside.append(r.url) if not r.url.startswith((live_server.url, "data:")) else None)
    page.get_by_role("link", name="Quantum computing: first steps").first.click()
    page.wait_for_selector(".stages")
    page.screenshot(path=str(output_dir / "course-home.png"), full_page=True)
    page.get_by_role("link", name="The Bell state", exact=True).click()
    page.wait_for_selector(".katex")
    assert page.locator(".arithmatex .katex").count() >= 5  # every formula typeset
    assert page.locator(".katex-error").count() == 0
    assert page.locator(".prose img[src*='bell-circuit.svg']").evaluate("img => img.naturalWidth") > 0
    page.screenshot(path=str(output_dir / "lesson.png"), full_page=True)
    assert requests_outside == []  # no CDN: everything came from the site


def test_lesson_is_readable_on_a_phone(login_page, demo_course, output_dir) -> None:  # type: ignore[no-untyped-def]
    page = login_page(demo_course.enrollments.get(role=Role.STUDENT).user, viewport={"width": 390, "height": 844})
    page.goto(page.url + f"courses/{demo_course.slug}/a/bell-lesson/")
    page.wait_for_selector(".katex")
    page.screenshot(path=str(output_dir / "lesson-phone.png"), full_page=True)
    # nothing wider than the screen: the page does not scroll sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1


def test_teacher_imports_a_zip_through_the_page(login_page, cast, tmp_path, output_dir) -> None:  # type: ignore[no-untyped-def]
    import zipfile

    archive = tmp_path / "demo.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in DEMO.rglob("*"):
            if path.is_file():
                zf.write(path, "demo/" + path.relative_to(DEMO).as_posix())
    page = login_page(cast.teacher)
    page.click("text=Courses")
    page.click("text=New course")
    page.set_input_files("input[name=archive]", str(archive))
    page.click("form[action$='/courses/import/'] button")
    # the import runs in the background; its progress page shows the result, then the course
    # it verifies the demo's assignment in the grading sandbox: minutes on a loaded machine, never a fixed 30 s
    page.wait_for_selector("[data-testid=course-import][data-status=done]", timeout=600_000)
    assert "quantum-first-steps: created" in page.content()
    page.click("text=Manage the course")
    page.wait_for_selector("#roster")
    page.screenshot(path=str(output_dir / "manage.png"), full_page=True)
