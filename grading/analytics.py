"""Read-only selectors over grading's models for the dashboard and the gradebook.

Every function here reads a whole course in a fixed number of queries (``values()`` rows,
no per-student or per-activity queries), so a page built on them costs the same number of
queries for 5 or 500 students. Nothing here writes: the writes (manual grades, overrides,
the release switch) are ``grading.services``.

No arithmetic on scores lives here: each row goes through ``grading.scoring`` (the one
rule: a submission's score, its penalty and override, the attempt that counts per notebook
under the activity's counting setting, the activity's total over its notebooks), the same
functions ``grading.selectors`` applies to one submission. Scores stay ``Decimal``.

Scores are visible to students unless the teacher hid them (a ``ScoreRelease`` row with
``hidden``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from . import scoring
from .enums import SubmissionStatus
from .models import Extension, ManualGrade, Override, ScoreRelease, Submission

IN_QUEUE = (SubmissionStatus.RECEIVED, SubmissionStatus.QUEUED)
SCORED = scoring.SCORED_STATUSES
ATTENTION = (SubmissionStatus.NEEDS_ATTENTION, SubmissionStatus.ERROR)
# A manually graded cell the autograder left without a score (its JSON object, flat, holds
# "kind": "manual" before "score": null both as Django writes it and as PostgreSQL's jsonb
# prints it). Matched in the database so that the page never loads every cell list.
MANUAL_UNSCORED = r'"kind": "(manual|task)"[^}]*"score": null'


@dataclass(slots=True)
class Attempt:
    """One submission, with the teachers' work folded in (its score from ``grading.scoring``)."""

    id: int
    user_id: int
    activity_id: int
    received_at: datetime
    status: str
    late_seconds: int
    penalty: Decimal
    max_score: Decimal | None
    score: Decimal | None  # scoring.submission_score's total; None until graded
    auto_score: Decimal | None
    manual: dict[str, Decimal] = field(default_factory=dict)  # grade_id -> newest manual score
    manual_pending: bool = False
    overridden: bool = False
    override: Decimal | None = None  # the override's score in force
    cells: list[dict[str, Any]] | None = None  # loaded only on request, each with an "effective" score
    version_id: int | None = None
    notebook: str = ""

    @property
    def is_late(self) -> bool:
        return self.late_seconds > 0

    @property
    def is_graded(self) -> bool:
        """Has a score: graded, timed out or over the memory limit (tests that ran count)."""
        return self.status in SCORED

    @property
    def total(self) -> Decimal | None:
        return self.score

    @property
    def maximum(self) -> Decimal | None:
        return self.max_score


@dataclass(slots=True)
class Counted:
    """A student's result for one activity: the counted attempt of each notebook, summed.

    For the usual one-notebook assignment it reads exactly as that attempt.
    """

    parts: list[Attempt]  # the counted attempt of each notebook handed in, newest first
    score: Decimal | None
    max_score: Decimal | None
    counting: str = scoring.DEFAULT_COUNTING

    @property
    def attempt(self) -> Attempt:
        return self.parts[0]

    @property
    def id(self) -> int:
        return self.attempt.id

    @property
    def received_at(self) -> datetime:
        return self.attempt.received_at

    @property
    def late_seconds(self) -> int:
        return max(p.late_seconds for p in self.parts)

    @property
    def is_late(self) -> bool:
        return self.late_seconds > 0

    @property
    def is_graded(self) -> bool:
        return self.score is not None

    @property
    def status(self) -> str:
        if len(self.parts) == 1 or self.score is None:
            return self.attempt.status
        unscored = [p for p in self.parts if not p.is_graded]
        return unscored[0].status if unscored else self.attempt.status

    @property
    def manual_pending(self) -> bool:
        return any(p.manual_pending for p in self.parts)

    @property
    def overridden(self) -> bool:
        return any(p.overridden for p in self.parts)

    @property
    def cells(self) -> list[dict[str, Any]] | None:
        loaded = [p.cells for p in self.parts if p.cells is not None]
        if not loaded:
            return None
        return [c for cells in loaded for c in cells]


@dataclass
class CourseGrades:
    """Everything grading knows about a set of activities, keyed for the dashboard."""

    attempts: dict[tuple[int, int], list[Attempt]]  # (user_id, activity_id) -> newest first
    extensions: dict[tuple[int, int], datetime]  # (user_id, activity_id) -> due
    released: dict[int, bool]  # activity_id -> scores visible to students
    counted_by_key: dict[tuple[int, int], Counted] = field(default_factory=dict)
    counting: dict[int, str] = field(default_factory=dict)  # activity_id -> counting setting
    notebook_max: dict[int, dict[str, Decimal | None]] = field(default_factory=dict)
    # (user_id, activity_id) -> the due time the student's offering sets (courses.selectors.offering_dues)
    offering_dues: dict[tuple[int, int], datetime] = field(default_factory=dict)

    def counted(self, user_id: int, activity_id: int) -> Counted | None:
        """What counts for this student and activity (see ``grading.scoring``)."""
        return self.counted_by_key.get((user_id, activity_id))

    def all_attempts(self) -> Iterable[Attempt]:
        for items in self.attempts.values():
            yield from items


def notebook_maxima(facts: dict[str, Any] | None) -> dict[str, Decimal | None]:
    """The notebooks of a version with their maximum; one unnamed entry for a one-notebook version.

    One notebook (or none recorded) is keyed ``""``: every attempt then answers it, even one
    from an older version whose notebook had another name.
    """
    notebooks = (facts or {}).get("notebooks") or []
    if len(notebooks) <= 1:
        maximum = (facts or {}).get("max_points")
        return {"": scoring.as_decimal(maximum) if maximum is not None else None}
    return {str(nb.get("notebook", "")): scoring.as_decimal(nb.get("max_points")) for nb in notebooks}


def counted_for(attempts: list[Attempt], *, counting: str, notebook_max: dict[str, Decimal | None]) -> Counted | None:
    """Apply the rule to one student's attempts at one activity: counted attempt per notebook, summed."""
    if not attempts:
        return None
    by_notebook: dict[str, list[Attempt]] = {}
    for attempt in attempts:
        key = attempt.notebook if len(notebook_max) > 1 else ""
        by_notebook.setdefault(key, []).append(attempt)
    chosen = {name: scoring.counted_attempt(items, counting) for name, items in by_notebook.items()}
    total = scoring.activity_total(chosen, notebook_max)
    parts = sorted((a for a in chosen.values() if a is not None), key=lambda a: (a.received_at, a.id), reverse=True)
    return Counted(parts=parts, score=total.score, max_score=total.maximum or None, counting=counting)


def cells_effective(cells: list[dict[str, Any]], manual: dict[str, Decimal]) -> list[dict[str, Any]]:
    """Cells with an ``effective`` score: the newest manual grade, else the autograder's."""
    out = []
    for cell in cells:
        item = dict(cell)
        item["effective"] = scoring.effective_cell_score(cell, manual)
        out.append(item)
    return out


@dataclass
class ScoreInputs:
    """What a score needs besides the submission row: read once for a set of activities (three queries).

    The one reader of the teachers' work on submissions, shared by the course gradebook (:func:`course_grades`) and
    the school and district dashboards (``dashboard.district.counted_results``).
    """

    counting: dict[int, str]  # activity -> its counting rule
    notebook_max: dict[int, dict[str, Decimal | None]]  # activity -> notebook -> maximum
    manual: dict[int, dict[str, Decimal]]  # submission -> grade_id -> newest manual score
    overrides: dict[int, Decimal | None]  # submission -> the override in force

    # the Submission columns :meth:`attempt` takes, in this order (``values_list(*ScoreInputs.COLUMNS, ...)``)
    COLUMNS = (
        "id",
        "user_id",
        "activity_id",
        "filename",
        "received_at",
        "status",
        "late_seconds",
        "penalty",
        "auto_score",
        "max_score",
    )

    @classmethod
    def read(
        cls, *, activity_ids: list[int], user_ids: list[int] | None = None, overrides_of_all: bool = False
    ) -> ScoreInputs:
        """``overrides_of_all``: read every override of the activities, not only these users' (overrides are
        few; on a district's thousand students the join cost PostgreSQL 200 ms more than reading them all)."""
        from courses.models import Activity

        manual_qs = ManualGrade.objects.filter(submission__activity_id__in=activity_ids)
        over_qs = Override.objects.filter(submission__activity_id__in=activity_ids)
        if user_ids is not None:
            manual_qs = manual_qs.filter(submission__user_id__in=user_ids)
            if not overrides_of_all:
                over_qs = over_qs.filter(submission__user_id__in=user_ids)
        counting: dict[int, str] = {}
        notebook_max: dict[int, dict[str, Decimal | None]] = {}
        for aid, mode, facts in Activity.objects.filter(pk__in=activity_ids).values_list(
            "id", "counting", "current_version__facts"
        ):
            counting[aid] = str(scoring.counting_of(mode))
            notebook_max[aid] = notebook_maxima(facts)
        manual: dict[int, dict[str, Decimal]] = {}
        for sid, gid, score in manual_qs.order_by("created_at", "id").values_list("submission_id", "grade_id", "score"):
            manual.setdefault(sid, {})[gid] = score  # oldest first: the newest wins
        overrides: dict[int, Decimal | None] = {}
        for sid, override_score in over_qs.order_by("created_at", "id").values_list("submission_id", "score"):
            overrides[sid] = override_score
        return cls(counting=counting, notebook_max=notebook_max, manual=manual, overrides=overrides)

    def attempt(self, row: tuple[Any, ...], **extra: Any) -> Attempt:
        """A submission row (:attr:`COLUMNS`) scored under the one rule, the teachers' work folded in."""
        sid, uid, aid, notebook, received, status, late, penalty, auto, maximum = row
        sub_manual = self.manual.get(sid, _NO_MANUAL)
        override = self.overrides.get(sid)
        result = scoring.submission_score(
            status=status, auto_score=auto, max_score=maximum, penalty=penalty, manual=sub_manual, override=override
        )
        return Attempt(
            id=sid,
            user_id=uid,
            activity_id=aid,
            received_at=received,
            status=status,
            late_seconds=late,
            penalty=result.penalty,
            max_score=result.maximum,
            score=result.total,
            auto_score=auto,
            manual=sub_manual,
            overridden=override is not None,
            override=override,
            notebook=notebook or "",
            **extra,
        )

    def counted(self, attempts: dict[tuple[int, int], list[Attempt]]) -> dict[tuple[int, int], Counted]:
        """Each (student, activity)'s attempts under the activity's counting rule (:func:`counted_for`)."""
        out: dict[tuple[int, int], Counted] = {}
        for (uid, aid), items in attempts.items():
            result = counted_for(
                items,
                counting=self.counting.get(aid, scoring.DEFAULT_COUNTING),
                notebook_max=self.notebook_max.get(aid) or {"": None},
            )
            if result is not None:
                out[(uid, aid)] = result
        return out


_NO_MANUAL: dict[str, Decimal] = {}


def course_grades(
    *, activity_ids: list[int], user_ids: list[int] | None = None, cells_for: Iterable[int] | None = None
) -> CourseGrades:
    """Every submission of these activities (optionally of these users), in six queries.

    Cell lists are heavy (JSON per submission): they are loaded, in one more query, only
    for the activities in ``cells_for`` (all of them when ``user_ids`` is given).
    """
    from django.db import connection
    from django.db.models import BooleanField, Case, Q, TextField, Value, When
    from django.db.models.functions import Cast

    from courses import selectors as course_selectors

    subs = Submission.objects.filter(activity_id__in=activity_ids)
    ext_qs = Extension.objects.filter(activity_id__in=activity_ids)
    if user_ids is not None:
        subs = subs.filter(user_id__in=user_ids)
        ext_qs = ext_qs.filter(user_id__in=user_ids)
    inputs = ScoreInputs.read(activity_ids=activity_ids, user_ids=user_ids)

    # "Has a manual cell without a score", decided in the database: jsonb containment on
    # PostgreSQL (exact and fast: a regex over jsonb text cost 200 ms at 12k rows), a regular
    # expression over the stored JSON text on SQLite (which has no containment).
    if connection.vendor == "postgresql":
        unscored = Q(cells__contains=[{"kind": "manual", "score": None}]) | Q(
            cells__contains=[{"kind": "task", "score": None}]
        )
    else:
        subs = subs.annotate(_text=Cast("cells", TextField()))
        unscored = Q(_text__regex=MANUAL_UNSCORED)
    rows = (
        subs.annotate(
            _unscored=Case(When(unscored, then=Value(True)), default=Value(False), output_field=BooleanField()),
        )
        .order_by("-received_at", "-id")
        .values_list(*ScoreInputs.COLUMNS, "version_id", "_unscored")
    )
    attempts: dict[tuple[int, int], list[Attempt]] = {}
    by_id: dict[int, Attempt] = {}
    for *row, vid, unscored in rows:
        sid, status = row[0], row[5]
        attempt = inputs.attempt(
            tuple(row),
            version_id=vid,
            # an unscored manual cell is pending until a manual grade exists for every one
            manual_pending=bool(unscored and status in SCORED and inputs.overrides.get(sid) is None),
        )
        attempts.setdefault((attempt.user_id, attempt.activity_id), []).append(attempt)
        by_id[sid] = attempt
    wanted = set(activity_ids) if user_ids is not None else set(cells_for or ())
    if wanted:
        for sid, cells in subs.filter(activity_id__in=wanted).values_list("id", "cells"):
            attempt = by_id[sid]
            attempt.cells = cells_effective(cells or [], attempt.manual)
            if attempt.manual_pending:
                attempt.manual_pending = bool(scoring.pending_cells(cells or [], attempt.manual))
    _refine_pending(by_id, wanted)
    counted = inputs.counted(attempts)
    counting, notebook_max = inputs.counting, inputs.notebook_max
    extensions = {(uid, aid): due for uid, aid, due in ext_qs.values_list("user_id", "activity_id", "due_at")}
    released = dict.fromkeys(activity_ids, True)
    for aid, hidden in ScoreRelease.objects.filter(activity_id__in=activity_ids).values_list("activity_id", "hidden"):
        released[aid] = not hidden
    return CourseGrades(
        attempts=attempts,
        extensions=extensions,
        released=released,
        counted_by_key=counted,
        counting=counting,
        notebook_max=notebook_max,
        offering_dues=course_selectors.offering_dues(activity_ids=activity_ids, user_ids=user_ids),
    )


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
    # (version, notebook) -> its manually graded cells; a submission answers one notebook.
    manual_by_notebook: dict[tuple[int, str], set[str]] = {}
    for vid, version_facts in facts.items():
        for nb in (version_facts or {}).get("notebooks") or []:
            manual_by_notebook[(vid, str(nb.get("notebook", "")))] = {
                str(c.get("grade_id")) for c in nb.get("cells") or [] if c.get("kind") in scoring.MANUAL_KINDS
            }
    for attempt in candidates:
        vid = attempt.version_id or 0
        manual_ids = manual_by_notebook.get((vid, attempt.notebook)) or set().union(
            *(ids for (v, _nb), ids in manual_by_notebook.items() if v == vid)
        )
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
    """Feedback HTML (its images pointed at the submission's files) and log of one submission, for staff drill-down."""
    from core.blobs import BlobNotFound, blob_get

    row = (
        Submission.objects.filter(pk=submission_id)
        .values("feedback_blob", "log", "message", "version_id", "activity__course__slug")
        .first()
    )
    if row is None:
        return {"feedback_html": "", "log": "", "message": ""}
    html = ""
    if row["feedback_blob"]:
        try:
            html = blob_get(row["feedback_blob"]).decode("utf-8")
        except (OSError, BlobNotFound, UnicodeDecodeError):
            html = ""
    if html:
        html = feedback_with_images(
            html, course_slug=row["activity__course__slug"], submission_id=submission_id, version_id=row["version_id"]
        )
    if html:
        from .feedback import feedback_localise

        html = feedback_localise(html)
    return {"feedback_html": html, "log": row["log"], "message": row["message"]}


def feedback_with_images(html: str, *, course_slug: str, submission_id: int, version_id: int) -> str:
    """Point feedback's relative images (``![](jupyter.png)``) at the files of the version the submission answered.

    Only files a student may see resolve (``grading:submission_file`` serves them with the
    submission's own access check); any other relative source is dropped, never guessed.
    """
    import posixpath

    from django.urls import reverse

    from courses.enums import STUDENT_VISIBLE_FILES
    from courses.models import ActivityFile
    from courses.rendering import rewrite_image_sources

    paths = set(
        ActivityFile.objects.filter(version_id=version_id, kind__in=STUDENT_VISIBLE_FILES).values_list(
            "path", flat=True
        )
    )

    def resolve(src: str) -> str | None:
        path = posixpath.normpath(src.split("#", 1)[0].split("?", 1)[0])
        if path not in paths:
            return None
        return reverse("grading:submission_file", args=[course_slug, submission_id, path])

    return rewrite_image_sources(html, resolve)


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2
