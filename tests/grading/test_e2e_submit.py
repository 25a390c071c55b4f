"""A student in a real browser uploads a notebook and watches it go received → graded, then reads the feedback."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from courses.enums import Role
from courses.importer import import_course
from courses.models import Enrollment
from grading.runner.sandbox import sandbox_probe

from .conftest import solved

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.django_db(transaction=True)]
DEMO = Path(__file__).resolve().parents[2] / "content" / "demo"


@pytest.fixture
def worker(settings, tmp_path):  # type: ignore[no-untyped-def]
    """A real Celery worker thread on a throwaway SQLite broker (the configured Redis in CI)."""
    if not sandbox_probe()["isolated"]:
        pytest.skip("no working bubblewrap here")
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    url = os.environ.get("CELERY_BROKER_URL") or f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.DATA_DIR = tmp_path / "data"
    app.conf.update(broker_url=url, task_always_eager=False, task_acks_late=True, worker_prefetch_multiplier=1)
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None
    with start_worker(
        app, pool="solo", queues=["grading"], perform_ping_check=False, shutdown_timeout=30, loglevel="WARNING"
    ):
        yield


def test_student_uploads_and_sees_live_status_and_feedback(
    login_page, live_server, cast, worker, bell, output_dir, tmp_path
):  # type: ignore[no-untyped-def]
    course = import_course(DEMO).course
    Enrollment.objects.create(course=course, user=cast.alice, role=Role.STUDENT)
    page = login_page(cast.alice)
    page.goto(f"{live_server.url}/courses/{course.slug}/a/bell-states/")
    page.wait_for_selector("[data-grading-panel] input[type=file]")

    bad = tmp_path / "notes.ipynb"
    bad.write_text("this is not a notebook")
    page.set_input_files("[data-grading-panel] input[type=file]", str(bad))
    page.click("[data-grading-panel] button[type=submit]")
    page.wait_for_selector("[data-testid=submit-error]")
    assert "not JSON" in page.inner_text("[data-testid=submit-error]")

    good = tmp_path / "bell-states.ipynb"
    good.write_text(solved(bell["source"], bell["student"]))
    page.set_input_files("[data-grading-panel] input[type=file]", str(good))
    page.click("[data-grading-panel] button[type=submit]")
    page.wait_for_selector("[data-testid=receipt]")
    assert re.search(r"SHA-256 [0-9a-f]{12}", page.inner_text("[data-testid=receipt]"))
    first = page.get_attribute("[data-testid=my-submissions] li", "data-status")
    assert first in ("received", "queued", "running", "graded")
    page.wait_for_selector("[data-testid=my-submissions] li[data-status=graded]", timeout=90_000)
    assert "8 / 10" in page.inner_text("[data-testid=my-submissions]")
    page.screenshot(path=str(output_dir / "grading-panel.png"), full_page=True)

    page.click("[data-testid=my-submissions] li a")
    page.wait_for_selector("[data-testid=feedback]")
    text = page.inner_text("[data-testid=feedback]")
    assert "test_phi_plus" in text and "BEGIN HIDDEN" not in text
    assert "phi_plus().num_qubits" not in text and "operation.name == 'measure'" not in text  # hidden test lines
    page.screenshot(path=str(output_dir / "grading-feedback.png"), full_page=True)
