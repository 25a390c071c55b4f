"""Read-only selectors over grading's models for the dashboard and the gradebook.

Every function here reads a whole course in a fixed number of queries (``values()`` rows,
no per-student or per-activity queries), so a page built on them costs the same number of
queries for 5 or 500 students. Nothing here writes: the writes (manual grades, overrides,
the release switch) are ``grading.services``.

The score a gradebook shows for one submission (``counted_score``):

* per graded cell, the newest ``ManualGrade`` for that cell if any, else the autograder's
  score (``None`` counts 0); a manual cell with neither is *pending*;
* times ``1 - penalty`` (the late policy decided at receipt);
* the newest ``Override`` with a score replaces all of that (an override row with an empty
  score clears earlier overrides).

The submission that counts for a student and an activity is the newest graded one; if none
is graded yet, the newest one (its score is then ``None`` and its status shows why).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from .enums import SubmissionStatus
from .models import Extension, ManualGrade, Override, ScoreRelease, Submission

SUBMISSION_FIELDS = (
    "id",
    "user_id",
    "activity_id",
    "received_at",
    "status",
    "auto_score",
    "max_score",
    "late_seconds",
    "penalty",
    "graded_at",
    "cells",
    "message",
)
IN_QUEUE = (SubmissionStatus.RECEIVED, SubmissionStatus.QUEUED)
ATTENTION = (SubmissionStatus.NEEDS_ATTENTION, SubmissionStatus.ERROR)


@dataclass
class Attempt:
    """One submission, with the teachers' work folded in."""

    id: int
    user_id: int
    activity_id: int
    received_at: datetime
    status: str
    late_seconds: int
    penalty: Decimal
    graded_at: datetime | None
    max_score: float | None
    score: float | None  # counted score (manual grades, penalty, override applied); None until graded
    auto_score: float | None
    cells: list[dict[str, Any]] = field(default_factory=list)  # each with an added "effective" score
    manual_pending: bool = False
    overridden: bool = False
    message: str = ""

    @property
    def is_late(self) -> bool:
        return self.late_seconds > 0

    @property
    def is_graded(self) -> bool:
        return self.status == SubmissionStatus.GRADED


@dataclass
class CourseGrades:
    """Everything grading knows about a set of activities, keyed for the dashboard."""

    attempts: dict[tuple[int, int], list[Attempt]]  # (user_id, activity_id) -> newest first
    extensions: dict[tuple[int, int], datetime]  # (user_id, activity_id) -> due
    released: dict[int, bool]  # activity_id -> scores visible to students

    def counted(self, user_id: int, activity_id: int) -> Attempt | None:
        """The attempt that counts: the newest graded one, else the newest."""
        items = self.attempts.get((user_id, activity_id))
        if not items:
            return None
        return next((a for a in items if a.is_graded), items[0])

    def all_attempts(self) -> Iterable[Attempt]:
        for items in self.attempts.values():
            yield from items


def _f(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


def _newest_by(rows: Iterable[dict[str, Any]], key: tuple[str, ...]) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Rows arrive newest first; keep the first per key."""
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        k = tuple(row[name] for name in key)
        if k not in out:
            out[k] = row
    return out


def score_of(
    *,
    cells: list[dict[str, Any]],
    auto_score: float | None,
    penalty: Decimal | float,
    manual: dict[str, float],
    override: float | None,
) -> tuple[float | None, list[dict[str, Any]], bool]:
    """(counted score, cells with an ``effective`` score each, manual grading pending)."""
    pending = False
    out_cells = []
    raw: float | None
    if cells:
        raw = 0.0
        for cell in cells:
            item = dict(cell)
            if cell.get("kind") == "task":
                item["effective"] = None
                out_cells.append(item)
                continue
            gid = str(cell.get("grade_id", ""))
            if gid in manual:
                eff: float | None = manual[gid]
            else:
                eff = None if cell.get("score") is None else float(cell["score"])
                if eff is None and cell.get("kind") == "manual":
                    pending = True
            item["effective"] = eff
            raw += eff or 0.0
            out_cells.append(item)
    else:
        raw = auto_score
    score = None if raw is None else round(raw * (1.0 - float(penalty)), 2)
    if override is not None:
        score = override
    return score, out_cells, pending


def course_grades(
    *, activity_ids: list[int], user_ids: list[int] | None = None, with_cells: bool = True
) -> CourseGrades:
    """Every submission of these activities (optionally of these users), in five queries."""
    subs = Submission.objects.filter(activity_id__in=activity_ids)
    manual_qs = ManualGrade.objects.filter(submission__activity_id__in=activity_ids)
    over_qs = Override.objects.filter(submission__activity_id__in=activity_ids)
    ext_qs = Extension.objects.filter(activity_id__in=activity_ids)
    if user_ids is not None:
        subs = subs.filter(user_id__in=user_ids)
        manual_qs = manual_qs.filter(submission__user_id__in=user_ids)
        over_qs = over_qs.filter(submission__user_id__in=user_ids)
        ext_qs = ext_qs.filter(user_id__in=user_ids)
    fields = SUBMISSION_FIELDS if with_cells else tuple(f for f in SUBMISSION_FIELDS if f != "cells")
    rows = subs.order_by("-received_at", "-id").values(*fields)
    manual: dict[int, dict[str, float]] = {}
    for (sid, gid), row in _newest_by(
        manual_qs.order_by("-created_at", "-id").values("submission_id", "grade_id", "score"),
        ("submission_id", "grade_id"),
    ).items():
        manual.setdefault(sid, {})[gid] = float(row["score"])
    overrides = {
        sid: _f(row["score"])
        for (sid,), row in _newest_by(
            over_qs.order_by("-created_at", "-id").values("submission_id", "score"), ("submission_id",)
        ).items()
    }
    attempts: dict[tuple[int, int], list[Attempt]] = {}
    for row in rows:
        sub_manual = manual.get(row["id"], {})
        override = overrides.get(row["id"])
        graded = row["status"] == SubmissionStatus.GRADED
        if graded:
            score, cells, pending = score_of(
                cells=row.get("cells") or [],
                auto_score=_f(row["auto_score"]),
                penalty=row["penalty"],
                manual=sub_manual,
                override=override,
            )
        else:
            score, cells, pending = (override, list(row.get("cells") or []), False)
        attempt = Attempt(
            id=row["id"],
            user_id=row["user_id"],
            activity_id=row["activity_id"],
            received_at=row["received_at"],
            status=row["status"],
            late_seconds=row["late_seconds"],
            penalty=row["penalty"],
            graded_at=row["graded_at"],
            max_score=_f(row["max_score"]),
            score=score,
            auto_score=_f(row["auto_score"]),
            cells=cells,
            manual_pending=pending,
            overridden=override is not None,
            message=row["message"],
        )
        attempts.setdefault((row["user_id"], row["activity_id"]), []).append(attempt)
    extensions = {
        (row["user_id"], row["activity_id"]): row["due_at"] for row in ext_qs.values("user_id", "activity_id", "due_at")
    }
    released = dict.fromkeys(activity_ids, False)
    for aid, hidden in ScoreRelease.objects.filter(activity_id__in=activity_ids).values_list("activity_id", "hidden"):
        released[aid] = not hidden
    return CourseGrades(attempts=attempts, extensions=extensions, released=released)


def grading_health(*, activity_ids: list[int] | None, since: datetime) -> dict[str, Any]:
    """Queue state (received/queued, running, needs attention) and feedback delays since ``since``.

    ``activity_ids=None`` means the whole site. Two queries.
    """
    qs = Submission.objects.all() if activity_ids is None else Submission.objects.filter(activity_id__in=activity_ids)
    counts: dict[str, int] = {}
    from django.db.models import Count

    for status, n in qs.values_list("status").annotate(n=Count("id")).order_by():
        counts[status] = n
    delays = sorted(
        (graded - received).total_seconds()
        for received, graded in qs.filter(graded_at__gte=since).values_list("received_at", "graded_at")
        if graded is not None
    )
    return {
        "queued": sum(counts.get(s, 0) for s in IN_QUEUE),
        "running": counts.get(SubmissionStatus.RUNNING, 0),
        "attention": sum(counts.get(s, 0) for s in ATTENTION),
        "timed_out": counts.get(SubmissionStatus.TIMED_OUT, 0),
        "memory_limit": counts.get(SubmissionStatus.MEMORY_LIMIT, 0),
        "graded": counts.get(SubmissionStatus.GRADED, 0),
        "feedback_today": len(delays),
        "median_feedback_seconds": _median(delays),
        "by_status": counts,
    }


def attempts_of(*, activity_ids: list[int], user_id: int) -> list[Attempt]:
    """One student's attempts at these activities, newest first (for the drill-down and progress)."""
    grades = course_grades(activity_ids=activity_ids, user_ids=[user_id])
    items = [a for a in grades.all_attempts()]
    items.sort(key=lambda a: (a.received_at, a.id), reverse=True)
    return items


def submission_detail(*, submission_id: int) -> dict[str, Any]:
    """Feedback HTML and log of one submission, for staff drill-down."""
    from core.blobs import BlobNotFound, blob_get

    row = Submission.objects.filter(pk=submission_id).values("feedback_blob", "log", "message").first()
    if row is None:
        return {"feedback_html": "", "log": "", "message": ""}
    html = ""
    if row["feedback_blob"]:
        try:
            html = blob_get(row["feedback_blob"]).decode("utf-8")
        except (OSError, BlobNotFound, UnicodeDecodeError):
            html = ""
    return {"feedback_html": html, "log": row["log"], "message": row["message"]}


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2
