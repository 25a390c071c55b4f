"""Read-only selectors over grading's models for the dashboard and the gradebook.

Every function here reads a whole course in a fixed number of queries (``values()`` rows,
no per-student or per-activity queries), so a page built on them costs the same number of
queries for 5 or 500 students. Nothing here writes: the writes (manual grades, overrides,
the release switch) are ``grading.services``.

The rules are grading's own (``grading.selectors``: ``counted_submission``,
``submission_score``, ``scores_visible``), computed here in bulk; a test checks both agree:

* the submission that counts for a student and an activity is the newest on-time one; only
  without any, the newest late one (whatever its status: in flight, it has no score yet);
* a submission has a score once graded, timed out or over its memory limit: per graded cell
  the newest ``ManualGrade`` for that cell if any, else the autograder's score (``None``
  counts 0; a manual cell with neither is *pending*), times ``1 - penalty``; the newest
  ``Override`` with a score replaces all of that (an empty override clears earlier ones);
* scores are visible to students unless the teacher hid them (a ``ScoreRelease`` row with
  ``hidden``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .enums import SubmissionStatus
from .models import Extension, ManualGrade, Override, ScoreRelease, Submission

IN_QUEUE = (SubmissionStatus.RECEIVED, SubmissionStatus.QUEUED)
# Statuses whose cells carry scores (grading.selectors.submission_score computes a total).
SCORED = frozenset({SubmissionStatus.GRADED, SubmissionStatus.TIMED_OUT, SubmissionStatus.MEMORY_LIMIT})
ATTENTION = (SubmissionStatus.NEEDS_ATTENTION, SubmissionStatus.ERROR)
# A manually graded cell the autograder left without a score (its JSON object, flat, holds
# "kind": "manual" before "score": null both as Django writes it and as PostgreSQL's jsonb
# prints it). Matched in the database so that the page never loads every cell list.
MANUAL_UNSCORED = r'"kind": "manual"[^}]*"score": null'


@dataclass(slots=True)
class Attempt:
    """One submission, with the teachers' work folded in."""

    id: int
    user_id: int
    activity_id: int
    received_at: datetime
    status: str
    late_seconds: int
    penalty: float
    max_score: float | None
    score: float | None  # counted score (manual grades, penalty, override applied); None until graded
    auto_score: float | None
    manual: dict[str, float] = field(default_factory=dict)  # grade_id -> newest manual score
    manual_pending: bool = False
    overridden: bool = False
    cells: list[dict[str, Any]] | None = None  # loaded only on request, each with an "effective" score
    version_id: int | None = None

    @property
    def is_late(self) -> bool:
        return self.late_seconds > 0

    @property
    def is_graded(self) -> bool:
        """Has a score: graded, timed out or over the memory limit (tests that ran count)."""
        return self.status in SCORED


@dataclass
class CourseGrades:
    """Everything grading knows about a set of activities, keyed for the dashboard."""

    attempts: dict[tuple[int, int], list[Attempt]]  # (user_id, activity_id) -> newest first
    extensions: dict[tuple[int, int], datetime]  # (user_id, activity_id) -> due
    released: dict[int, bool]  # activity_id -> scores visible to students
    counted_by_key: dict[tuple[int, int], Attempt] = field(default_factory=dict)

    def counted(self, user_id: int, activity_id: int) -> Attempt | None:
        """The attempt that counts: the newest on-time one, else the newest late one."""
        return self.counted_by_key.get((user_id, activity_id))

    def all_attempts(self) -> Iterable[Attempt]:
        for items in self.attempts.values():
            yield from items


def counted_score(
    *, auto_score: float | None, penalty: float, manual: dict[str, float], override: float | None
) -> float | None:
    """The score a submission counts for (see the module docstring).

    The autograder gives manual cells no score (or 0 for an untouched answer), so the newest
    manual grades add to its total; the late penalty scales the sum; an override replaces it.
    """
    if override is not None:
        return override
    if auto_score is None:
        return None
    return round((auto_score + sum(manual.values())) * (1.0 - penalty), 2)


def cells_effective(cells: list[dict[str, Any]], manual: dict[str, float]) -> list[dict[str, Any]]:
    """Cells with an ``effective`` score: the newest manual grade, else the autograder's."""
    out = []
    for cell in cells:
        item = dict(cell)
        gid = str(cell.get("grade_id", ""))
        if cell.get("kind") == "task":
            item["effective"] = None
        elif gid in manual:
            item["effective"] = manual[gid]
        else:
            item["effective"] = None if cell.get("score") is None else float(cell["score"])
        out.append(item)
    return out


def course_grades(
    *, activity_ids: list[int], user_ids: list[int] | None = None, cells_for: Iterable[int] | None = None
) -> CourseGrades:
    """Every submission of these activities (optionally of these users), in five queries.

    Cell lists are heavy (JSON per submission): they are loaded, in one more query, only
    for the activities in ``cells_for`` (all of them when ``user_ids`` is given).
    """
    from django.db.models import BooleanField, Case, FloatField, Q, TextField, Value, When
    from django.db.models.functions import Cast

    subs = Submission.objects.filter(activity_id__in=activity_ids)
    manual_qs = ManualGrade.objects.filter(submission__activity_id__in=activity_ids)
    over_qs = Override.objects.filter(submission__activity_id__in=activity_ids)
    ext_qs = Extension.objects.filter(activity_id__in=activity_ids)
    if user_ids is not None:
        subs = subs.filter(user_id__in=user_ids)
        manual_qs = manual_qs.filter(submission__user_id__in=user_ids)
        over_qs = over_qs.filter(submission__user_id__in=user_ids)
        ext_qs = ext_qs.filter(user_id__in=user_ids)
    manual: dict[int, dict[str, float]] = {}
    for sid, gid, score in manual_qs.order_by("created_at", "id").values_list(
        "submission_id", "grade_id", Cast("score", FloatField())
    ):
        manual.setdefault(sid, {})[gid] = score  # oldest first: the newest wins
    overrides: dict[int, float | None] = {}
    for sid, score in over_qs.order_by("created_at", "id").values_list("submission_id", Cast("score", FloatField())):
        overrides[sid] = score
    from django.db import connection

    # "Has a manual cell without a score", decided in the database: jsonb containment on
    # PostgreSQL (exact and fast: a regex over jsonb text cost 200 ms at 12k rows), a regular
    # expression over the stored JSON text on SQLite (which has no containment).
    if connection.vendor == "postgresql":
        unscored = Q(cells__contains=[{"kind": "manual", "score": None}])
    else:
        subs = subs.annotate(_text=Cast("cells", TextField()))
        unscored = Q(_text__regex=MANUAL_UNSCORED)
    rows = (
        subs.annotate(
            _unscored=Case(When(unscored, then=Value(True)), default=Value(False), output_field=BooleanField()),
        )
        .order_by("-received_at", "-id")
        .values_list(
            "id",
            "user_id",
            "activity_id",
            "version_id",
            "received_at",
            "status",
            "late_seconds",
            Cast("penalty", FloatField()),
            Cast("auto_score", FloatField()),
            Cast("max_score", FloatField()),
            "_unscored",
        )
    )
    scored_statuses = SCORED
    attempts: dict[tuple[int, int], list[Attempt]] = {}
    counted: dict[tuple[int, int], Attempt] = {}
    by_id: dict[int, Attempt] = {}
    no_manual: dict[str, float] = {}
    for sid, uid, aid, vid, received, status, late, penalty, auto, maximum, unscored in rows:
        # the same arithmetic as counted_score(), inlined: this loop runs once per submission
        sub_manual = manual.get(sid, no_manual)
        override = overrides.get(sid)
        is_graded = status in scored_statuses
        attempt = Attempt(
            id=sid,
            user_id=uid,
            activity_id=aid,
            received_at=received,
            status=status,
            late_seconds=late,
            penalty=penalty or 0.0,
            max_score=maximum,
            score=override
            if override is not None or not is_graded
            else (None if auto is None else round((auto + sum(sub_manual.values())) * (1.0 - (penalty or 0.0)), 2)),
            auto_score=auto,
            manual=sub_manual,
            # an unscored manual cell is pending until a manual grade exists for every one
            manual_pending=bool(unscored and is_graded and override is None),
            overridden=override is not None,
            version_id=vid,
        )
        key = (uid, aid)
        attempts.setdefault(key, []).append(attempt)
        # rows come newest first: the first on-time one counts, else the newest (late) one
        held = counted.get(key)
        if held is None or (late == 0 and held.late_seconds > 0):
            counted[key] = attempt
        by_id[sid] = attempt
    wanted = set(activity_ids) if user_ids is not None else set(cells_for or ())
    if wanted:
        for sid, cells in subs.filter(activity_id__in=wanted).values_list("id", "cells"):
            attempt = by_id[sid]
            attempt.cells = cells_effective(cells or [], attempt.manual)
            if attempt.manual_pending:
                attempt.manual_pending = any(
                    c.get("kind") == "manual" and c["effective"] is None for c in attempt.cells
                )
    _refine_pending(by_id, wanted)
    extensions = {(uid, aid): due for uid, aid, due in ext_qs.values_list("user_id", "activity_id", "due_at")}
    released = dict.fromkeys(activity_ids, True)
    for aid, hidden in ScoreRelease.objects.filter(activity_id__in=activity_ids).values_list("activity_id", "hidden"):
        released[aid] = not hidden
    return CourseGrades(attempts=attempts, extensions=extensions, released=released, counted_by_key=counted)


def _refine_pending(by_id: dict[int, Attempt], loaded: set[int]) -> None:
    """Without cells: a submission with manual grades for some cells may still be pending.

    The database told us an unscored manual cell exists; if teachers graded at least as many
    manual cells as the version has, nothing is pending. The version's cell list comes from
    the activity's facts, read once per version (a handful of rows).
    """
    candidates = [a for a in by_id.values() if a.manual_pending and a.manual and a.activity_id not in loaded]
    if not candidates:
        return
    from courses.models import ActivityVersion

    facts = dict(ActivityVersion.objects.filter(pk__in={a.version_id for a in candidates}).values_list("id", "facts"))
    manual_by_version = {
        vid: {
            str(c.get("grade_id"))
            for nb in (version_facts or {}).get("notebooks") or []
            for c in nb.get("cells") or []
            if c.get("kind") == "manual"
        }
        for vid, version_facts in facts.items()
    }
    for attempt in candidates:
        manual_ids = manual_by_version.get(attempt.version_id or 0)
        if manual_ids and manual_ids <= attempt.manual.keys():
            attempt.manual_pending = False


def grading_health(
    *, activity_ids: list[int] | None, since: datetime, grades: CourseGrades | None = None
) -> dict[str, Any]:
    """Queue state (received/queued, running, needs attention) and feedback delays since ``since``.

    ``activity_ids=None`` means the whole site. Two queries; one when ``grades`` (already
    read for these activities) supplies the statuses.
    """
    qs = Submission.objects.all() if activity_ids is None else Submission.objects.filter(activity_id__in=activity_ids)
    counts: dict[str, int] = {}
    if grades is not None:
        for attempt in grades.all_attempts():
            counts[attempt.status] = counts.get(attempt.status, 0) + 1
    else:
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
    items = list(grades.all_attempts())
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
