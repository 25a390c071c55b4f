"""nbgrader's ps1 in a real headless Chromium: ``jupyter.png`` shows in the activity preview and in feedback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DEMO = Path(__file__).resolve().parents[2] / "content" / "demo"


def _ps1() -> Path:
    import nbgrader

    return Path(nbgrader.__file__).parent / "docs" / "source" / "user_guide" / "source" / "ps1"


def _image_loaded(page, selector: str) -> bool:  # type: ignore[no-untyped-def]
    page.wait_for_selector(selector, state="attached", timeout=30000)
    page.wait_for_function(
        "sel => { const i = document.querySelector(sel); return i && i.complete; }", arg=selector, timeout=30000
    )
    return bool(page.eval_on_selector(selector, "i => i.naturalWidth > 0 && i.naturalHeight > 0"))


def test_assignment_image_shows_in_preview_and_feedback(tmp_path, login_page, live_server) -> None:  # type: ignore[no-untyped-def]
    from core.blobs import blob_put
    from courses.enums import Role
    from courses.importer import import_course
    from courses.models import Activity, Course, Enrollment
    from grading.feedback import feedback_render
    from tests.dashboard.builders import submission
    from tests.factories import UserFactory

    folder = tmp_path / "course"
    shutil.copytree(DEMO, folder)
    shutil.copytree(_ps1(), folder / "assignments" / "ps1")
    manifest = folder / "course.yaml"
    manifest.write_text(
        manifest.read_text()
        + '      - slug: ps1\n        kind: assignment\n        title: "ps1"\n        folder: assignments/ps1\n'
    )
    import_course(folder)
    course = Course.objects.get(slug="quantum-first-steps")
    student = UserFactory(username="stu", display_name="Stu")
    Enrollment.objects.create(course=course, user=student, role=Role.STUDENT)
    act = Activity.objects.get(slug="ps1")

    page = login_page(student)
    page.goto(f"{live_server.url}/courses/{course.slug}/a/ps1/")
    assert _image_loaded(page, 'img[src$="/a/ps1/files/jupyter.png"]')

    # Feedback as the grading service renders it: the notebook's markdown with the relative image.
    html = feedback_render(cells=[{"cell_type": "markdown", "source": "![Jupyter logo](jupyter.png)"}])
    import django.utils.timezone as tz

    sub = submission(activity=act, user=student, received_at=tz.now(), cells=[], auto_score=1, max_score=13)
    type(sub).objects.filter(pk=sub.pk).update(feedback_blob=blob_put(html.encode()), filename="problem1.ipynb")
    page.goto(f"{live_server.url}/grading/{course.slug}/s/{sub.pk}/")
    assert _image_loaded(page, '[data-testid="feedback"] img[alt="Jupyter logo"]')
