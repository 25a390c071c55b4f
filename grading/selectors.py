"""Reads of the grading app: which submission counts, what a student may see, the gradebook."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from courses.models import Activity, Course

from . import analytics, scoring
from .analytics import Attempt, Counted
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


def activity_result(*, activity: Activity, user: User) -> Counted | None:
    """What counts for this student and activity, by the one rule (``grading.scoring``).

    The counted attempt per notebook under the activity's counting setting, summed over
    the notebooks; read through the dashboard's bulk path, so both can never disagree.
    """
    grades = analytics.course_grades(activity_ids=[activity.pk], user_ids=[user.pk])
    return grades.counted(user.pk, activity.pk)


def counted_submission(*, activity: Activity, user: User) -> Submission | None:
    """The submission that counts (for a multi-notebook assignment, the newest counted one)."""
    result = activity_result(activity=activity, user=user)
    return None if result is None else Submission.objects.filter(pk=result.id).first()


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
    """One submission's score by the rule (``grading.scoring.submission_score``), with its parts."""
    manual: dict[str, ManualGrade] = {}
    for mg in submission.manual_grades.all():  # newest first
        manual.setdefault(mg.grade_id, mg)
    override = submission.overrides.first()  # newest: a row without a score clears earlier ones
    result = scoring.submission_score(
        status=submission.status,
        auto_score=submission.auto_score,
        max_score=submission.max_score,
        penalty=submission.penalty,
        manual={gid: mg.score for gid, mg in manual.items()},
        override=override.score if override is not None else None,
        cells=submission.cells or [],
    )
    return Score(
        auto=submission.auto_score,
        manual=result.manual,
        total=result.total,
        max=result.maximum,
        penalty=result.penalty,
        override=override if result.overridden else None,
        needs_manual=list(result.pending),
        manual_by_cell=manual,
    )


@dataclass
class GradebookRow:
    """One student in an activity's gradebook: the counted result and the attempts behind it."""

    user: User
    counted: Counted | None
    count: int
    pending: list[str]

    @property
    def parts(self) -> list[Attempt]:
        return self.counted.parts if self.counted is not None else []

    @property
    def total(self) -> Decimal | None:
        return self.counted.score if self.counted is not None else None

    @property
    def maximum(self) -> Decimal | None:
        return self.counted.max_score if self.counted is not None else None


def gradebook_rows(*, activity: Activity) -> list[GradebookRow]:
    """One row per enrolled student, by the rule, in a fixed number of queries."""
    from courses.selectors import course_students

    grades = analytics.course_grades(activity_ids=[activity.pk], cells_for=[activity.pk])
    rows = []
    for enrollment in course_students(course=activity.course).select_related("user"):
        user = enrollment.user
        counted = grades.counted(user.pk, activity.pk)
        pending = (
            [
                gid
                for part in (counted.parts if counted else [])
                for gid in scoring.pending_cells(part.cells, part.manual)
            ]
            if counted is not None and counted.manual_pending
            else []
        )
        rows.append(
            GradebookRow(
                user=user,
                counted=counted,
                count=len(grades.attempts.get((user.pk, activity.pk), [])),
                pending=pending,
            )
        )
    return rows


def submissions_needing_attention(*, activity: Activity) -> QuerySet[Submission]:
    return Submission.objects.filter(activity=activity, status=SubmissionStatus.NEEDS_ATTENTION).select_related("user")


def extra_time_factor(*, user: User | int, course: Course) -> Decimal:
    """The student's extra-time factor in a course (1 without an accommodation), for timed exams."""
    from .review import extra_time_factor as factor_of

    return factor_of(user=user, course=course)
