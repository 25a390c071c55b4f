"""Writes of the grading app: receive a submission, grade it, record teachers' grades.

The order inside ``submission_receive`` is the guarantee: validate → store the bytes
(content-addressed, fsynced) → commit the row with the server's receipt time → only then
enqueue (``transaction.on_commit``). A broker that is down loses nothing: the row stays
``received`` and ``submissions_sweep`` enqueues it later.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import jobs
from core.blobs import blob_get, blob_put
from courses import selectors as course_selectors
from courses.enums import ActivityKind, FileKind, Role
from courses.models import Activity, ActivityFile
from courses.selectors import course_role

from . import quota as grading_quota
from .enums import SubmissionSource, SubmissionStatus
from .models import Extension, ManualGrade, Override, ScoreRelease, Submission

if TYPE_CHECKING:
    from accounts.models import User

log = logging.getLogger(__name__)

GRADABLE_KINDS = frozenset({ActivityKind.ASSIGNMENT, ActivityKind.EXAM})


class SubmissionRejected(ValueError):
    """Bad input to ``submission_receive``; ``reason`` is shown to the user (HTTP 400)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ---------------------------------------------------------------------------------------
# receive


@dataclass(frozen=True)
class Lateness:
    due_at: datetime | None
    late_seconds: int
    penalty: Decimal
    refused: bool


def due_for(*, activity: Activity, user: User) -> datetime | None:
    """The due time in force for this student: their extension, else their offering's, else the
    activity's (the one rule: ``courses.selectors.due_in_force``)."""
    return course_selectors.due_in_force(activity=activity, user_id=user.pk)


def lateness_at(*, activity: Activity, user: User, at: datetime) -> Lateness:
    """How late a submission received at ``at`` is, and what the late policy makes of it."""
    due = due_for(activity=activity, user=user)
    if due is None or at <= due:
        return Lateness(due, 0, Decimal(0), False)
    late = at - due
    policy = (activity.options or {}).get("late_policy") or {}
    mode = policy.get("mode", "accept")
    seconds = int(late.total_seconds())
    if mode == "cutoff":
        return Lateness(due, seconds, Decimal(0), True)
    if mode == "penalty":
        cutoff = policy.get("cutoff_days")
        if cutoff is not None and late > timedelta(days=float(cutoff)):
            return Lateness(due, seconds, Decimal(0), True)
        days = math.ceil(late.total_seconds() / 86400)
        penalty = min(Decimal(1), Decimal(str(policy.get("per_day", 0))) * days)
        return Lateness(due, seconds, penalty.quantize(Decimal("0.0001")), False)
    return Lateness(due, seconds, Decimal(0), False)


def max_submission_bytes() -> int:
    return int(getattr(settings, "GRADING_MAX_SUBMISSION_BYTES", 5 * 1024 * 1024))


def _check_role(*, user: User, activity: Activity) -> bool:
    """True for staff (may submit any time, for testing); students must be enrolled."""
    if getattr(user, "is_superuser", False) and getattr(user, "is_active", False):
        return True
    role = course_role(user=user, course=activity.course)
    if role is None:
        raise SubmissionRejected(_("You are not enrolled in this course."))
    return role in (Role.TA, Role.TEACHER)


def _megabytes(n: int, digits: int) -> str:
    return f"{n / 1e6:.{digits}f} MB"


def too_large_message(*, size: int, limit: int) -> str:
    """Why an upload of ``size`` bytes is refused, in figures that differ (never "5.2 MB; the limit is 5.2 MB")."""
    digits = 1
    while digits < 6 and _megabytes(size, digits) == _megabytes(limit, digits):
        digits += 1
    shown, allowed = _megabytes(size, digits), _megabytes(limit, digits)
    if shown == allowed:  # within a byte or so: say it in bytes
        shown, allowed = f"{size:,} bytes", f"{limit:,} bytes"
    return str(
        _("The notebook is %(size)s; the limit is %(limit)s. Clear large outputs and try again.")
        % {"size": shown, "limit": allowed}
    )


# Notebooks nest a few levels (cells → outputs → data); JSON deeper than this is not a notebook,
# and refusing it before json.loads avoids Python's recursion limit (a RecursionError, a 500).
MAX_JSON_DEPTH = 64


def _json_depth_exceeds(text: str, limit: int) -> bool:
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def _parse_notebook(data: bytes) -> Any:
    import nbformat

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SubmissionRejected(_("The file is not UTF-8 text; upload the .ipynb notebook file.")) from None
    if _json_depth_exceeds(text, MAX_JSON_DEPTH):
        raise SubmissionRejected(
            _("The file nests JSON more than %(depth)d levels deep: it is not a Jupyter notebook.") % {"depth": MAX_JSON_DEPTH}
        )
    try:
        raw = json.loads(text)
    except RecursionError:
        raise SubmissionRejected(_("The file nests JSON too deeply: it is not a Jupyter notebook.")) from None
    except json.JSONDecodeError as exc:
        raise SubmissionRejected(
            _("The file is not JSON (line %(line)d): upload the .ipynb notebook file.") % {"line": exc.lineno}
        ) from None
    if isinstance(raw, dict) and "worksheets" in raw and isinstance(raw.get("nbformat"), int) and raw["nbformat"] < 4:
        raise SubmissionRejected(
            _(
                "This is an old notebook (nbformat %(version)s). Open it in JupyterLab and save it again "
                "(File → Save), which converts it to version 4, then upload that."
            )
            % {"version": raw["nbformat"]}
        )
    if not isinstance(raw, dict) or "cells" not in raw or "nbformat" not in raw:
        raise SubmissionRejected(_("The JSON is not a Jupyter notebook (no cells / nbformat)."))
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises several types for malformed notebooks
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise SubmissionRejected(_("The notebook is malformed: %(problem)s") % {"problem": first}) from None
    return nb


def _graded_ids(nb: Any) -> set[str]:
    ids = set()
    for cell in nb.cells:
        gid = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
        if gid:
            ids.add(str(gid))
    return ids


def _match_notebook(*, activity: Activity, nb: Any) -> str:
    """The student notebook of the assignment this notebook answers, by its nbgrader cell ids."""
    version = activity.current_version
    facts = (version.facts or {}) if version else {}
    candidates = facts.get("notebooks") or []
    ids = _graded_ids(nb)
    best, best_overlap = "", 0
    for entry in candidates:
        expected = {c["grade_id"] for c in entry.get("cells", [])}
        overlap = len(ids & expected)
        if overlap > best_overlap:
            best, best_overlap = entry["notebook"], overlap
    if not best:
        names = ", ".join(e["notebook"] for e in candidates) or activity.slug
        raise SubmissionRejected(
            _("This notebook does not belong to this assignment (expected %(names)s).") % {"names": names}
        )
    return best


def submission_receive(
    *,
    user: User,
    activity: Activity,
    data: bytes,
    source: SubmissionSource | str,
    idempotency_key: str,
    filename: str = "",
) -> Submission:
    """Validate, store durably and record one submission; grading is enqueued on commit.

    The same ``idempotency_key`` from the same user for the same activity returns the
    first row (a retried or double-clicked submit is one submission). Raises
    ``SubmissionRejected`` for anything the user must fix; nothing is stored then.
    """
    received_at = timezone.now()  # the server's clock decides lateness, never the notebook
    key = (idempotency_key or "").strip()
    if not key or len(key) > 80 or not key.isprintable():
        raise SubmissionRejected(_("Missing or invalid idempotency key (1–80 printable characters)."))
    if source not in SubmissionSource.values:
        raise SubmissionRejected(_("Unknown submission source %(source)r.") % {"source": source})
    existing = Submission.objects.filter(user=user, activity=activity, idempotency_key=key).first()
    if existing is not None:
        return _same_or_reject(existing, data)

    is_staff = _check_role(user=user, activity=activity)
    if not is_staff and course_selectors.enrollment_read_only(user=user, course=activity.course_id):
        raise SubmissionRejected(course_selectors.read_only_message())
    version_facts = (activity.current_version.facts if activity.current_version else None) or {}
    # An exam made of questions (assessments app) is answered on its own page, never with a notebook.
    if activity.kind not in GRADABLE_KINDS or "assessment_blob" in version_facts:
        raise SubmissionRejected(_("This activity does not take submissions."))
    if activity.current_version is None or activity.archived:
        raise SubmissionRejected(_("This assignment has no published version."))
    if not is_staff and not activity.is_released(received_at):
        raise SubmissionRejected(_("This assignment is not open yet."))
    limit = max_submission_bytes()
    if len(data) > limit:
        raise SubmissionRejected(too_large_message(size=len(data), limit=limit))
    if not data:
        raise SubmissionRejected(_("The file is empty."))
    nb = _parse_notebook(data)
    notebook = _match_notebook(activity=activity, nb=nb)
    late = lateness_at(activity=activity, user=user, at=received_at)
    if late.refused and not is_staff:
        raise SubmissionRejected(_("The deadline for this assignment has passed; late submissions are not accepted."))

    digest = blob_put(data)  # fsynced before the row that names it is committed
    try:
        with transaction.atomic():
            sub = Submission.objects.create(
                activity=activity,
                version=activity.current_version,
                user=user,
                received_at=received_at,
                blob=digest,
                size=len(data),
                filename=notebook,
                source=source,
                idempotency_key=key,
                late_seconds=late.late_seconds,
                penalty=late.penalty,
            )
    except IntegrityError:
        # A concurrent submit with the same key won the race: that row is the submission.
        existing = Submission.objects.filter(user=user, activity=activity, idempotency_key=key).first()
        if existing is None:
            raise
        return _same_or_reject(existing, data)
    # Sent on commit through the app's one entry point; it never raises (broker down: the sweep).
    transaction.on_commit(partial(submission_enqueue, submission_id=sub.pk))
    return sub


def _same_or_reject(existing: Submission, data: bytes) -> Submission:
    from core.blobs import blob_digest

    if existing.blob != blob_digest(data):
        raise SubmissionRejected(_("This idempotency key was already used for a different notebook."))
    return existing


# ---------------------------------------------------------------------------------------
# queue: the grading queue is one JobQueue of the platform's job kernel (core.jobs)


def _attention() -> dict[str, Any]:
    return {"message": "Grading failed repeatedly; your teacher has been told."}


GRADING_QUEUE = jobs.JobQueue(
    name="grading",
    model=Submission,
    task="grading.grade_submission",
    finals={
        SubmissionStatus.GRADED: jobs.JobState.DONE,
        SubmissionStatus.TIMED_OUT: jobs.JobState.FAILED,
        SubmissionStatus.MEMORY_LIMIT: jobs.JobState.FAILED,
        SubmissionStatus.ERROR: jobs.JobState.FAILED,
    },
    attention_fields=_attention,
    received_after=lambda: float(settings.GRADING_SWEEP_RECEIVED_AFTER),
    queued_after=lambda: float(settings.GRADING_SWEEP_QUEUED_AFTER),
    # A job cannot outlive its wall time (the sandbox kills it); twice that plus a minute means
    # the worker died.
    running_grace=lambda _row: timedelta(seconds=float(settings.GRADING_JOB_WALL_SECONDS) * 2 + 60),
    work_root=lambda: settings.DATA_DIR / "grading-jobs",
)


def submission_enqueue(*, submission_id: int, countdown: float = 0) -> bool:
    """Hand a submission to the queue; False (row left ``received``) when the broker is unreachable."""
    return jobs.enqueue(GRADING_QUEUE, submission_id, countdown=countdown)


def submissions_sweep(*, now: datetime | None = None) -> int:
    """Re-enqueue work that was lost: never sent, queued long ago, or running past its job limit."""
    return jobs.sweep(GRADING_QUEUE, now=now)


# ---------------------------------------------------------------------------------------
# grade


def _source_notebook(sub: Submission) -> tuple[str, str]:
    """(source json, student-version json) of the notebook this submission answers."""
    files = {f.path: f for f in ActivityFile.objects.filter(version=sub.version)}
    name = sub.filename
    src = files.get(f"source/{name}")
    stu = files.get(name)
    if src is None or src.kind != FileKind.SOURCE:
        raise LookupError(f"the assignment version has no source notebook for {name}")
    return blob_get(src.blob).decode("utf-8"), blob_get(stu.blob).decode("utf-8") if stu else ""


def grading_limits() -> Any:
    from .runner.sandbox import SandboxLimits

    return SandboxLimits(
        memory_mb=int(getattr(settings, "GRADING_MEMORY_MB", 1536)),
        cpu_seconds=int(getattr(settings, "GRADING_CPU_SECONDS", 120)),
        wall_seconds=float(getattr(settings, "GRADING_JOB_WALL_SECONDS", 120)),
        max_processes=int(getattr(settings, "GRADING_MAX_PROCESSES", 128)),
        max_output_bytes=int(getattr(settings, "GRADING_MAX_OUTPUT_BYTES", 8 * 1024 * 1024)),
        disk_mb=settings.GRADING_DISK_MB,
        cpu_cores=settings.GRADING_CPU_CORES,
    )


_POOL: Any = None


def warm_pool() -> Any:
    """This worker process's pool of warm sandboxes (None when GRADING_WARM_POOL is 0)."""
    global _POOL
    size = int(getattr(settings, "GRADING_WARM_POOL", 0))
    if size <= 0:
        return None
    if _POOL is None:
        import atexit

        from .runner.pool import WarmPool
        from .runner.sandbox import sandbox_probe

        if not sandbox_probe()["isolated"]:
            return None
        _POOL = WarmPool(
            limits=grading_limits(),
            work_root=settings.DATA_DIR / "grading-jobs",
            preload=str(getattr(settings, "GRADING_PRELOAD", "")),
            size=size,
            # GRADING_ZYGOTE off: runners start as before; on: forked where the machine allows it.
            zygote=None if settings.GRADING_ZYGOTE else False,
        )
        atexit.register(_POOL.close)
        _POOL.fill()
    return _POOL


def submission_grade(*, submission_id: int, force: bool = False) -> Submission | None:
    """Run the autograder on one submission in the sandbox and store the results.

    Claims the job first (one attempt counted, so a worker killed mid-job still counts). What
    the student's code did — a limit, an exception, a kernel it killed — is stored at once as
    the result, scored from what ran; the platform's failures (the sandbox did not start, the
    runner crashed) are retried until ``JOBS_MAX_ATTEMPTS``, then the submission needs attention
    (``core.jobs.is_retryable`` decides, for every queue).
    """
    from .runner import autograde
    from .runner.sandbox import sandbox_probe

    # within the author's school's hourly quota: over it, the job waits queued (grading.quota)
    sub = grading_quota.claim(GRADING_QUEUE, submission_id, force=force)
    if sub is None:
        return None
    probe = sandbox_probe()
    unsafe = bool(settings.GRADING_ALLOW_UNSAFE)
    if not probe["isolated"] and not unsafe:
        sub.status = SubmissionStatus.NEEDS_ATTENTION
        sub.message = "Grading is paused: the grading sandbox is not available on this server."
        sub.log = (
            "Refused: no sandbox. "
            + "; ".join(cast("list[str]", probe["problems"]))
            + " (set GRADING_ALLOW_UNSAFE=1 only for development)"
        )
        sub.save(update_fields=["status", "message", "log"])
        return sub
    try:
        source_json, student_json = _source_notebook(sub)
        data_files = {
            f.path: blob_get(f.blob) for f in ActivityFile.objects.filter(version=sub.version, kind=FileKind.DATA)
        }
        outcome = autograde.grade(
            files=data_files,
            source_json=source_json,
            student_json=student_json,
            submission_json=blob_get(sub.blob).decode("utf-8"),
            limits=grading_limits(),
            work_root=settings.DATA_DIR / "grading-jobs",
            cell_timeout=float(settings.GRADING_CELL_TIMEOUT),
            pool=warm_pool(),
            allow_unsafe=unsafe,
        )
    except Exception as exc:
        log.exception("grading submission %s failed", sub.pk)
        outcome = autograde.GradeOutcome.failure(f"{type(exc).__name__}: {exc}", retryable=jobs.is_retryable(exc))
    return _store_outcome(sub, outcome)


def _store_outcome(sub: Submission, outcome: Any) -> Submission:
    if jobs.is_retryable(outcome):
        sub.refresh_from_db(fields=["attempts", "log"])
        entry = f"attempt {sub.attempts}: {outcome.log}"[-20000:]
        jobs.retry_or_give_up(
            GRADING_QUEUE,
            sub,
            log=(sub.log + "\n\n" if sub.log else "") + entry,
            message="Grading hit a problem; trying again.",
        )
        return sub
    sub.status = outcome.status
    sub.cells = outcome.cells
    sub.auto_score = Decimal(str(outcome.score)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    sub.max_score = Decimal(str(outcome.max_score)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    from .feedback import feedback_render

    html = feedback_render(cells=outcome.feedback, message=outcome.message) if outcome.feedback else ""
    sub.feedback_blob = blob_put(html.encode("utf-8")) if html else ""
    sub.message = outcome.message[:500]
    sub.log = outcome.log[-200_000:]
    sub.graded_at = timezone.now()
    sub.save(
        update_fields=["status", "cells", "auto_score", "max_score", "feedback_blob", "message", "log", "graded_at"]
    )
    return sub


# ---------------------------------------------------------------------------------------
# teachers


def manual_grade_set(*, submission: Submission, grade_id: str, score: Decimal, comment: str, by: User) -> ManualGrade:
    """Record a manual score for one manually graded cell (history kept; newest wins)."""
    cell = next((c for c in submission.cells if c.get("grade_id") == grade_id), None)
    if cell is None or cell.get("kind") not in ("manual", "task"):  # nbgrader: task cells are graded by hand too
        raise SubmissionRejected(
            _("%(cell)s is not a manually graded cell of this submission.") % {"cell": grade_id}
        )
    if score < 0 or score > Decimal(str(cell.get("max_points", 0))):
        raise SubmissionRejected(_("The score must be between 0 and %(max)s.") % {"max": cell.get("max_points")})
    grade = ManualGrade.objects.create(
        submission=submission, grade_id=grade_id, score=score, comment=comment, graded_by=by
    )
    from .review import notify_graded

    notify_graded(submission=submission)  # once the scores are released (the release tells otherwise)
    return grade


def override_set(*, submission: Submission, score: Decimal | None, reason: str, by: User) -> Override:
    """Override a submission's total (None clears); the reason is required and kept."""
    if not reason.strip():
        raise SubmissionRejected(_("An override needs a reason."))
    if score is not None and score < 0:
        raise SubmissionRejected(_("A score cannot be negative."))
    row = Override.objects.create(submission=submission, score=score, reason=reason.strip(), created_by=by)
    from .review import notify_graded

    notify_graded(submission=submission)
    return row


def submissions_regrade(*, activity: Activity, submission_ids: list[int] | None = None) -> int:
    """Re-run the autograder (after a test was fixed); attempts start again from zero."""
    qs = Submission.objects.filter(activity=activity)
    if submission_ids is not None:
        qs = qs.filter(pk__in=submission_ids)
    ids = list(qs.values_list("pk", flat=True))
    jobs.requeue(GRADING_QUEUE, ids, send=False)
    for sub_id in ids:
        transaction.on_commit(partial(submission_enqueue, submission_id=sub_id))
    return len(ids)


def scores_release(*, activity: Activity, release: bool, by: User) -> ScoreRelease:
    """Show (release=True) or hide an activity's scores from its students."""
    row, _ = ScoreRelease.objects.get_or_create(activity=activity)
    row.hidden = not release
    row.released_at = timezone.now() if release else None
    row.released_by = by if release else None
    row.save()
    if release:
        from .review import notify_released

        notify_released(activity=activity)
    return row


def extension_grant(*, activity: Activity, user: User, due_at: datetime, by: User) -> Extension:
    """Give one student a new due date for one activity; their submissions are judged against it."""
    ext, _ = Extension.objects.update_or_create(
        activity=activity, user=user, defaults={"due_at": due_at, "granted_by": by}
    )
    lateness_refresh(activity=activity, user=user)
    from .review import notify_extension

    notify_extension(activity=activity, user=user)
    return ext


def lateness_refresh(*, activity: Activity, user: User) -> int:
    """Judge the student's submissions again against the due date now in force (after an extension
    is granted or revoked): the late flag and penalty follow; nothing already accepted is refused."""
    changed = 0
    for sub in Submission.objects.filter(activity=activity, user=user):
        late = lateness_at(activity=activity, user=user, at=sub.received_at)
        if (sub.late_seconds, sub.penalty) != (late.late_seconds, late.penalty):
            sub.late_seconds, sub.penalty = late.late_seconds, late.penalty
            sub.save(update_fields=["late_seconds", "penalty"])
            changed += 1
    return changed
