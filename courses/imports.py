"""Course zips uploaded from the site are imported in the background (the job kernel's
``course_imports`` queue).

Importing verifies every changed assignment in the grading sandbox (reference solution → full
marks, blank → zero): seconds per assignment, far longer than a web request may take. The view
stores the zip (0600, fsynced, under ``COURSE_IMPORT_DIR``), commits a :class:`CourseImport`
row and answers with a progress page at once; a worker imports it and the page shows the result
with every problem line. The zip is kept until the import is finished (a retried attempt reads
it again), then deleted.
"""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import jobs

from .importer import CourseImportError
from .models import Course, CourseImport
from .zipimport import import_course_zip

if TYPE_CHECKING:
    from accounts.models import User

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024


def _attention() -> dict[str, Any]:
    return {
        "stage": "",
        "finished_at": timezone.now(),
        "summary": "The import failed for the platform's reasons; ask an administrator.",
    }


IMPORT_QUEUE = jobs.JobQueue(
    name="course_imports",
    model=CourseImport,
    task="courses.import_course_zip",
    finals={CourseImport.Status.DONE: jobs.JobState.DONE, CourseImport.Status.FAILED: jobs.JobState.FAILED},
    attention_fields=_attention,
    received_after=lambda: 30.0,
    queued_after=lambda: 900.0,
    # Verifying a large course runs every changed assignment twice in the sandbox.
    running_grace=lambda row: timedelta(hours=1),
)


def import_dir() -> Path:
    root = Path(settings.COURSE_IMPORT_DIR)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


def zip_path(job: CourseImport) -> Path:
    return import_dir() / f"{job.pk}.zip"


def _store(upload: IO[bytes], target: Path) -> None:
    """Write the upload next to its final name, fsync, rename: a worker never reads half a zip."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            if hasattr(upload, "seek"):
                upload.seek(0)
            while chunk := upload.read(CHUNK):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def course_import_receive(
    *, upload: IO[bytes], filename: str, size: int, teacher: Any, course: Course | None
) -> CourseImport:
    """Keep the zip, commit the job row, send it to a worker on commit (a receipt even when the
    broker is down: the sweep sends it later)."""
    with transaction.atomic():
        job = CourseImport.objects.create(
            teacher=teacher,
            course=course,
            expect_slug=course.slug if course else "",
            filename=filename[:255],
            size=size,
        )
        _store(upload, zip_path(job))
        jobs.enqueue_on_commit(IMPORT_QUEUE, job.pk)
    return job


def _finish(job: CourseImport, **fields: Any) -> None:
    fields = {"finished_at": timezone.now(), "stage": "", **fields}
    CourseImport.objects.filter(pk=job.pk, status=CourseImport.Status.RUNNING).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)
    zip_path(job).unlink(missing_ok=True)


def course_import_run(*, job_id: int) -> CourseImport | None:
    """The worker's side: import the stored zip, record the summary or every problem line."""
    job = jobs.claim(IMPORT_QUEUE, job_id)
    if job is None:
        return None
    CourseImport.objects.filter(pk=job.pk).update(stage="importing")
    path = zip_path(job)
    try:
        with path.open("rb") as handle:
            report = import_course_zip(handle, size=job.size, teacher=job.teacher, expect_slug=job.expect_slug or None)
    except CourseImportError as exc:
        _finish(job, status=CourseImport.Status.FAILED, problems=[p.line().to_json() for p in exc.problems])
        return job
    except FileNotFoundError:
        _finish(job, status=CourseImport.Status.NEEDS_ATTENTION, summary="The uploaded zip is gone; upload it again.")
        return job
    except Exception as exc:  # the platform's failure: retried, then needs attention
        log.exception("course import %s failed", job.pk)
        state = jobs.retry_or_give_up(IMPORT_QUEUE, job, stage="", summary=f"{type(exc).__name__}: {exc}"[:2000])
        if state == jobs.JobState.NEEDS_ATTENTION:
            zip_path(job).unlink(missing_ok=True)
        return job
    _finish(
        job,
        status=CourseImport.Status.DONE,
        course=report.course,
        summary=report.summary(),
        summary_parts=[part.to_json() for part in report.summary_parts()],
        problems=[],
    )
    return job


def course_import_for(*, job_id: int, user: User) -> CourseImport | None:
    """The job, for the teacher who uploaded it (or a superuser); None otherwise."""
    job = CourseImport.objects.select_related("course").filter(pk=job_id).first()
    if job is None or not (job.teacher_id == user.pk or user.is_superuser):
        return None
    return job
