"""Reads of the grading app: which submission counts, what a student may see, the gradebook."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from courses.models import Activity

from .enums import SubmissionStatus
from .models import ManualGrade, Override, ScoreRelease, Submission

if TYPE_CHECKING:
    from accounts.models import User


def recent_feedback_for_user(*, user: User, limit: int = 5) -> QuerySet[Submission]:
    """The user's latest submissions, newest first, for the student home page."""
    return (
        Submission.objects.filter(user=user)
        .select_related("activity", "activity__course")
        .order_by("-received_at")[:limit]
    )


def submissions_of(*, activity: Activity, user: User, limit: int = 10) -> list[Submission]:
    return list(Submission.objects.filter(activity=activity, user=user).order_by("-received_at", "-id")[:limit])


def counted_submission(*, activity: Activity, user: User) -> Submission | None:
    """The submission that counts: the last on-time one; only without any, the last late one."""
    qs = Submission.objects.filter(activity=activity, user=user).order_by("-received_at", "-id")
    return qs.filter(late_seconds=0).first() or qs.first()


def scores_visible(*, activity: Activity) -> bool:
    """Scores show to students unless the teacher has hidden them for this activity."""
    row = ScoreRelease.objects.filter(activity=activity).first()
    return row is None or not row.hidden


@dataclass
class Score:
    auto: Decimal | None
    manual: Decimal
    total: Decimal | None
    max: Decimal | None
    penalty: Decimal
    override: Override | None
    needs_manual: list[str] = field(default_factory=list)
    manual_by_cell: dict[str, ManualGrade] = field(default_factory=dict)


def submission_score(*, submission: Submission) -> Score:
    """Autograde + latest manual grades, less the late penalty; an override replaces it all."""
    manual: dict[str, ManualGrade] = {}
    for mg in submission.manual_grades.all():  # newest first
        manual.setdefault(mg.grade_id, mg)
    override = submission.overrides.first()
    needs = []
    manual_sum = Decimal(0)
    cell_sum = Decimal(0)
    for cell in submission.cells or []:
        gid = cell.get("grade_id")
        if cell.get("kind") == "manual":
            if gid in manual:
                manual_sum += manual[gid].score
            elif cell.get("score") is not None:
                cell_sum += Decimal(str(cell["score"]))
            else:
                needs.append(gid)
        elif cell.get("score") is not None:
            cell_sum += Decimal(str(cell["score"]))
    total: Decimal | None = None
    if submission.status == SubmissionStatus.GRADED or submission.status in (
        SubmissionStatus.TIMED_OUT,
        SubmissionStatus.MEMORY_LIMIT,
    ):
        total = ((cell_sum + manual_sum) * (Decimal(1) - submission.penalty)).quantize(Decimal("0.01"))
    if override is not None and override.score is not None:
        total = override.score
    return Score(
        auto=submission.auto_score,
        manual=manual_sum,
        total=total,
        max=submission.max_score,
        penalty=submission.penalty,
        override=override if (override is not None and override.score is not None) else None,
        needs_manual=needs,
        manual_by_cell=manual,
    )


def gradebook_rows(*, activity: Activity) -> list[dict[str, Any]]:
    """One row per enrolled student: the counted submission and its score."""
    from courses.selectors import course_students

    rows = []
    for enrollment in course_students(course=activity.course):
        sub = counted_submission(activity=activity, user=enrollment.user)
        score = submission_score(submission=sub) if sub else None
        count = Submission.objects.filter(activity=activity, user=enrollment.user).count()
        rows.append({"user": enrollment.user, "submission": sub, "score": score, "count": count})
    return rows


def submissions_needing_attention(*, activity: Activity) -> QuerySet[Submission]:
    return Submission.objects.filter(activity=activity, status=SubmissionStatus.NEEDS_ATTENTION).select_related("user")
