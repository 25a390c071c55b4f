"""Updating a course from the site runs in the background: the view answers at once with a
progress page, a worker imports the zip, and the page then shows the result or every problem."""

from __future__ import annotations

import io
import stat
import time
import zipfile
from pathlib import Path

import pytest
from django.test import Client

pytestmark = [pytest.mark.integration]

DEMO = Path(__file__).resolve().parents[2] / "content" / "demo"


def _zip(files: dict[str, str] | None = None) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        if files is None:
            for path in DEMO.rglob("*"):
                if path.is_file():
                    zf.write(path, "demo/" + path.relative_to(DEMO).as_posix())
        else:
            for name, text in files.items():
                zf.writestr(name, text)
    buf.seek(0)
    buf.name = "course.zip"
    return buf


def _reset_pools(app) -> None:  # type: ignore[no-untyped-def]
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_the_view_answers_at_once_and_a_real_worker_imports_the_zip(cast, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from celery.contrib.testing.worker import start_worker

    from config.celery import app
    from courses.models import Course, CourseImport

    url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = url
    settings.COURSE_IMPORT_DIR = tmp_path / "imports"
    saved = {k: app.conf.get(k) for k in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=url, task_always_eager=False)
    _reset_pools(app)
    teacher = Client()
    teacher.force_login(cast.teacher)
    try:
        response = teacher.post("/courses/import/", {"archive": _zip()})
        # no worker yet: the answer is the progress page, the job waits with its zip
        assert response.status_code == 302
        job = CourseImport.objects.get()
        assert response["Location"] == f"/courses/imports/{job.pk}/"
        assert job.status == "queued" and not Course.objects.filter(slug="quantum-first-steps").exists()
        kept = Path(settings.COURSE_IMPORT_DIR) / f"{job.pk}.zip"
        assert kept.is_file() and stat.S_IMODE(kept.stat().st_mode) == 0o600
        waiting = teacher.get(response["Location"]).content.decode()
        assert 'data-status="queued"' in waiting and "Waiting for a worker" in waiting
        assert f'hx-get="/courses/imports/{job.pk}/"' in waiting  # it polls
        # another teacher cannot see it
        other = Client()
        other.force_login(cast.other_teacher)
        assert other.get(response["Location"]).status_code == 404
        with start_worker(
            app, pool="solo", queues=["imports"], perform_ping_check=False, shutdown_timeout=60, loglevel="WARNING"
        ):
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                job.refresh_from_db()
                if job.finished:
                    break
                time.sleep(0.3)
    finally:
        app.conf.update(saved)
        _reset_pools(app)
        from core.tasks import heartbeat_finish

        heartbeat_finish()
    assert job.status == "done", (job.status, job.summary, job.problems)
    course = Course.objects.get(slug="quantum-first-steps")
    assert job.course == course and "quantum-first-steps: created" in job.summary
    fragment = teacher.get(f"/courses/imports/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="done"' in fragment and "hx-get" not in fragment  # polling stops
    assert "quantum-first-steps: created" in fragment and f"/courses/{course.slug}/manage/" in fragment
    assert not kept.exists()  # the zip is kept only until the import is finished


@pytest.mark.django_db
def test_an_update_that_is_refused_lists_every_problem_line(world, cast, settings, tmp_path, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    from courses.models import CourseImport

    settings.COURSE_IMPORT_DIR = tmp_path / "imports"
    manifest = (
        "slug: qc101\ntitle: QC\nunits:\n  - slug: u\n    title: U\n    activities:\n"
        "      - slug: a\n        kind: lesson\n        title: A\n        file: lessons/missing.md\n"
        "      - slug: b\n        kind: lesson\n        title: B\n        file: lessons/also-missing.md\n"
    )
    teacher = Client()
    teacher.force_login(cast.teacher)
    with django_capture_on_commit_callbacks(execute=True):
        response = teacher.post("/courses/qc101/manage/import/", {"archive": _zip({"course.yaml": manifest})})
    job = CourseImport.objects.get()
    assert job.status == "failed" and job.course == world.course
    page = teacher.get(response["Location"]).content.decode()
    assert "lessons/missing.md: missing file" in page and "lessons/also-missing.md: missing file" in page
    assert "nothing was changed" in page and "hx-get" not in page
    assert not (Path(settings.COURSE_IMPORT_DIR) / f"{job.pk}.zip").exists()


@pytest.mark.django_db
def test_not_a_zip_is_refused_in_the_request_without_a_job(world, cast) -> None:  # type: ignore[no-untyped-def]
    from courses.models import CourseImport

    teacher = Client()
    teacher.force_login(cast.teacher)
    junk = io.BytesIO(b"not a zip at all")
    junk.name = "x.zip"
    response = teacher.post("/courses/qc101/manage/import/", {"archive": junk})
    assert response.status_code == 400 and "not a zip file" in response.content.decode()
    assert not CourseImport.objects.exists()


@pytest.mark.django_db
def test_a_platform_failure_is_retried_then_needs_attention(world, cast, settings, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from courses import imports

    settings.COURSE_IMPORT_DIR = tmp_path / "imports"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.JOBS_MAX_ATTEMPTS = 2

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("disk went away")

    monkeypatch.setattr(imports, "import_course_zip", broken)
    job = imports.course_import_receive(upload=_zip(), filename="c.zip", size=100, teacher=cast.teacher, course=world.course)
    imports.course_import_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "received" and job.attempts == 1 and "disk went away" in job.summary
    imports.course_import_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "needs_attention" and job.attempts == 2
    assert not imports.zip_path(job).exists()
