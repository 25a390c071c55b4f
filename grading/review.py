"""Grading by hand: the to-grade queue, one question across students, rubrics, reusable comments,
sections of students for TAs, the general comment, extensions and accommodations.

Writes and reads of manual review live together here (the grading app's ``services`` and
``selectors`` hold the submission pipeline); every score still comes from ``grading.scoring``
through ``grading.analytics`` — nothing here adds points, except a rubric's ticked items,
which become one manual grade like any other.

Who sees whom: teachers (and site admins) see every student of their courses; a TA assigned
to one or more sections sees only the students of those sections; a TA with no section sees
the whole course (small courses have no sections).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from courses.enums import ActivityKind, Role
from courses.models import Activity, Course, Enrollment
from courses.selectors import Access

from . import analytics, scoring
from .enums import SubmissionStatus
from .models import (
    Accommodation,
    Extension,
    GeneralComment,
    ManualGrade,
    RubricItem,
    SavedComment,
    ScoreRelease,
    Section,
    Submission,
)

if TYPE_CHECKING:
    from accounts.models import User

GRADED_KINDS = (ActivityKind.ASSIGNMENT, ActivityKind.EXAM)


class ReviewRejected(ValueError):
    """Bad input from a grader; ``reason`` is shown to them (HTTP 400)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ---------------------------------------------------------------------------------------
# who a grader sees


def visible_student_ids(*, access: Access, user: User) -> set[int] | None:
    """The students this staff member grades in the course: None means all of them."""
    if access.is_teacher or access.role != Role.TA:
        return None
    sections = Section.objects.filter(course=access.course, tas=user)
    if not sections.exists():
        return None
    return set(Enrollment.objects.filter(sections__in=sections).values_list("user_id", flat=True))


def may_grade_student(*, access: Access, user: User, student_id: int) -> bool:
    allowed = visible_student_ids(access=access, user=user)
    return allowed is None or student_id in allowed


# ---------------------------------------------------------------------------------------
# the queue


@dataclass
class QueueItem:
    """One question of one activity with the students whose counted answer still needs a grade."""

    course: Course
    activity: Activity
    grade_id: str
    pending: int
    first_submission: int

    @property
    def url(self) -> str:
        return (
            reverse("grading:question", args=[self.course.slug, self.activity.slug, self.grade_id])
            + f"?s={self.first_submission}"
        )


@dataclass
class Queue:
    items: list[QueueItem] = field(default_factory=list)
    attention: list[tuple[Course, Submission]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(i.pending for i in self.items) + len(self.attention)


def _staff_courses(user: User) -> list[Access]:
    from courses.selectors import course_access, courses_for_user

    return [course_access(user=user, slug=c.slug) for c, role in courses_for_user(user=user) if role != Role.STUDENT]


def grading_queue(*, user: User, access: Access | None = None) -> Queue:
    """What needs grading across the user's staff courses (or one course): counted answers of
    manually graded cells without a grade, and submissions that need attention."""
    accesses = [access] if access is not None else _staff_courses(user)
    queue = Queue()
    for acc in accesses:
        if not acc.is_staff:
            continue
        allowed = visible_student_ids(access=acc, user=user)
        activities = {
            a.pk: a
            for a in Activity.objects.filter(course=acc.course, kind__in=GRADED_KINDS).live().order_by("due_at", "id")
        }
        if not activities:
            continue
        students = set(
            Enrollment.objects.filter(course=acc.course, role=Role.STUDENT).values_list("user_id", flat=True)
        )
        if allowed is not None:
            students &= allowed
        grades = analytics.course_grades(activity_ids=list(activities), user_ids=sorted(students))
        found: dict[tuple[int, str], list[int]] = {}
        for (_uid, aid), counted in grades.counted_by_key.items():
            for part in counted.parts:
                for gid in scoring.pending_cells(part.cells or [], part.manual) if part.is_graded else ():
                    if part.override is None:
                        found.setdefault((aid, gid), []).append(part.id)
        for (aid, gid), ids in sorted(found.items(), key=lambda kv: (list(activities).index(kv[0][0]), kv[0][1])):
            queue.items.append(QueueItem(acc.course, activities[aid], gid, len(ids), min(ids)))
        attention = Submission.objects.filter(
            activity_id__in=list(activities), status=SubmissionStatus.NEEDS_ATTENTION, user_id__in=students
        ).select_related("user", "activity")
        queue.attention.extend((acc.course, s) for s in attention)
    return queue


# ---------------------------------------------------------------------------------------
# one question across students


@dataclass
class QuestionEntry:
    """One student's counted submission for the question being graded."""

    submission_id: int
    user_id: int
    name: str
    graded: bool
    score: Decimal | None


def question_entries(*, access: Access, user: User, activity: Activity, grade_id: str) -> list[QuestionEntry]:
    """The counted submissions that answer ``grade_id`` (manually graded), by student name."""
    allowed = visible_student_ids(access=access, user=user)
    enrolments = Enrollment.objects.filter(course=access.course, role=Role.STUDENT).select_related("user")
    people = {e.user_id: e.user for e in enrolments if allowed is None or e.user_id in allowed}
    grades = analytics.course_grades(activity_ids=[activity.pk], user_ids=sorted(people))
    entries = []
    for uid, person in people.items():
        counted = grades.counted(uid, activity.pk)
        for part in counted.parts if counted is not None else []:
            cell = next((c for c in part.cells or [] if c.get("grade_id") == grade_id), None)
            if cell is None or cell.get("kind") not in scoring.MANUAL_KINDS:
                continue
            entries.append(QuestionEntry(part.id, uid, str(person), grade_id in part.manual, part.manual.get(grade_id)))
    entries.sort(key=lambda e: (e.name.lower(), e.submission_id))
    return entries


def answer_html(*, submission: Submission, grade_id: str) -> str:
    """The student's answer cell, rendered as feedback renders it (Markdown sanitised; code escaped)."""
    from django.utils.html import escape

    from core.blobs import blob_get
    from courses.rendering import markdown_to_html

    try:
        nb = json.loads(blob_get(submission.blob).decode("utf-8"))
    except (ValueError, OSError):
        return ""
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if meta.get("grade_id") != grade_id:
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        if cell.get("cell_type") == "markdown":
            return markdown_to_html(text)
        return f'<pre class="fb-source"><code>{escape(text)}</code></pre>'
    return ""


def rubric_of(*, activity: Activity, grade_id: str) -> list[RubricItem]:
    return list(RubricItem.objects.filter(activity=activity, grade_id=grade_id))


def saved_comments_of(*, activity: Activity, grade_id: str) -> list[SavedComment]:
    return list(SavedComment.objects.filter(activity=activity, grade_id=grade_id))


def rubric_item_add(*, activity: Activity, grade_id: str, label: str, points: Decimal) -> RubricItem:
    """Add a rubric line to a question (negative points make a deduction)."""
    if not label.strip():
        raise ReviewRejected(_("A rubric item needs a description."))
    order = RubricItem.objects.filter(activity=activity, grade_id=grade_id).count()
    return RubricItem.objects.create(
        activity=activity, grade_id=grade_id, label=label.strip()[:200], points=points, order=order
    )


def rubric_item_delete(*, activity: Activity, item_id: int) -> None:
    RubricItem.objects.filter(activity=activity, pk=item_id).delete()


def saved_comment_add(*, activity: Activity, grade_id: str, text: str) -> SavedComment:
    if not text.strip():
        raise ReviewRejected(_("The comment is empty."))
    return SavedComment.objects.create(activity=activity, grade_id=grade_id, text=text.strip())


def saved_comment_delete(*, activity: Activity, comment_id: int) -> None:
    SavedComment.objects.filter(activity=activity, pk=comment_id).delete()


def rubric_grade(
    *, submission: Submission, grade_id: str, item_ids: Iterable[int], score: Decimal | None, comment: str, by: User
) -> ManualGrade:
    """A manual grade from ticked rubric items: the score is their sum (kept within 0…max) unless given."""
    from .services import SubmissionRejected, manual_grade_set

    items = list(
        RubricItem.objects.filter(activity_id=submission.activity_id, grade_id=grade_id, pk__in=list(item_ids))
    )
    cell = next((c for c in submission.cells or [] if c.get("grade_id") == grade_id), None)
    maximum = scoring.as_decimal(cell.get("max_points")) if cell else None
    if score is None:
        if not items:
            raise ReviewRejected(_("Enter a score or tick a rubric item."))
        score = max(Decimal(0), sum((i.points for i in items), Decimal(0)))
        if maximum is not None:
            score = min(score, maximum)
    try:
        grade = manual_grade_set(submission=submission, grade_id=grade_id, score=score, comment=comment, by=by)
    except SubmissionRejected as exc:
        raise ReviewRejected(exc.reason) from None
    grade.rubric = [{"id": i.pk, "label": i.label, "points": str(i.points)} for i in items]
    grade.save(update_fields=["rubric"])
    return grade


def general_comment_set(*, submission: Submission, text: str, by: User) -> GeneralComment:
    """The teacher's general comment on a submission (history kept; empty clears)."""
    row = GeneralComment.objects.create(submission=submission, text=text.strip(), created_by=by)
    notify_graded(submission=submission)
    return row


def general_comment_of(*, submission: Submission) -> GeneralComment | None:
    row = GeneralComment.objects.filter(submission=submission).first()
    return row if row is not None and row.text else None


# ---------------------------------------------------------------------------------------
# telling the student


def _titles(activity: Activity) -> dict[str, str]:
    return {
        "activity": activity.title,
        "activity_zh": activity.title_zh,
        "course": activity.course.title,
        "course_zh": activity.course.title_zh,
    }


def _released(activity: Activity) -> bool:
    row = ScoreRelease.objects.filter(activity=activity).first()
    return row is None or not row.hidden


def notify_graded(*, submission: Submission) -> None:
    """Tell the student their work was graded by hand, once the scores are visible to them.

    While the activity's scores are hidden nothing is sent: the release tells everyone.
    """
    if not _released(submission.activity):
        return
    from notifications.messages import Kind
    from notifications.services import notify

    url = reverse("grading:submission", args=[submission.activity.course.slug, submission.pk])
    notify(users=[submission.user], kind=Kind.GRADED, params=_titles(submission.activity), url=url)


def notify_released(*, activity: Activity) -> None:
    """Tell every student who handed in work for the activity that its scores are visible."""
    from accounts.models import User
    from notifications.messages import Kind
    from notifications.services import notify

    ids = Submission.objects.filter(activity=activity).values_list("user_id", flat=True).distinct()
    students = User.objects.filter(
        pk__in=list(ids), enrollments__course=activity.course, enrollments__role=Role.STUDENT
    )
    url = reverse("courses:activity", args=[activity.course.slug, activity.slug])
    notify(users=list(students), kind=Kind.RELEASED, params=_titles(activity), url=url)


# ---------------------------------------------------------------------------------------
# extensions and accommodations


def extensions_of(*, course: Course) -> list[Extension]:
    return list(
        Extension.objects.filter(activity__course=course).select_related("activity", "user").order_by("due_at", "id")
    )


def extension_revoke(*, course: Course, extension_id: int) -> Extension | None:
    """Remove an extension; the student's submissions are judged against the activity's due date again."""
    from .services import lateness_refresh

    ext = Extension.objects.filter(activity__course=course, pk=extension_id).select_related("activity", "user").first()
    if ext is None:
        return None
    ext.delete()
    lateness_refresh(activity=ext.activity, user=ext.user)
    notify_extension(activity=ext.activity, user=ext.user)
    return ext


def notify_extension(*, activity: Activity, user: User) -> None:
    from notifications.messages import Kind
    from notifications.services import notify

    url = reverse("courses:activity", args=[activity.course.slug, activity.slug])
    transaction.on_commit(partial(notify, users=[user], kind=Kind.EXTENSION, params=_titles(activity), url=url))


def accommodations_of(*, course: Course) -> list[Accommodation]:
    return list(Accommodation.objects.filter(course=course).select_related("user").order_by("user__username"))


MAX_FACTOR = Decimal(4)


def accommodation_set(*, course: Course, user: User, factor: Decimal, note: str, by: User) -> Accommodation | None:
    """Set a student's extra-time factor for the course (1 removes it)."""
    if factor < 1 or factor > MAX_FACTOR:
        raise ReviewRejected(_("The extra-time factor must be between 1 and 4 (1.5 = half as long again)."))
    if factor == 1:
        Accommodation.objects.filter(course=course, user=user).delete()
        return None
    row, _created = Accommodation.objects.update_or_create(
        course=course, user=user, defaults={"extra_time_factor": factor, "note": note.strip()[:200], "granted_by": by}
    )
    return row


def extra_time_factor(*, user: User | int, course: Course) -> Decimal:
    """The student's extra-time factor in the course (1 without an accommodation), for timed exams.

    ``user`` may be a user or a user id (the dashboard holds students as rows).
    """
    uid = user if isinstance(user, int) else user.pk
    factor = (
        Accommodation.objects.filter(course=course, user_id=uid).values_list("extra_time_factor", flat=True).first()
    )
    return factor if factor is not None else Decimal(1)


# ---------------------------------------------------------------------------------------
# sections


def sections_of(*, course: Course) -> list[Section]:
    return list(Section.objects.filter(course=course).prefetch_related("students__user", "tas"))


def section_save(
    *, course: Course, name: str, student_ids: Iterable[int], ta_ids: Iterable[int], section_id: int | None = None
) -> Section:
    """Create or change a section: its name, its students (by user id) and its TAs."""
    name = name.strip()[:100]
    if not name:
        raise ReviewRejected(_("A section needs a name."))
    clash = Section.objects.filter(course=course, name=name).exclude(pk=section_id or 0).exists()
    if clash:
        raise ReviewRejected(_("There is already a section with that name."))
    if section_id:
        section = Section.objects.filter(course=course, pk=section_id).first()
        if section is None:
            raise ReviewRejected(_("No such section."))
        section.name = name
        section.save(update_fields=["name"])
    else:
        section = Section.objects.create(course=course, name=name)
    section.students.set(Enrollment.objects.filter(course=course, role=Role.STUDENT, user_id__in=list(student_ids)))
    from accounts.models import User

    section.tas.set(User.objects.filter(enrollments__course=course, enrollments__role=Role.TA, pk__in=list(ta_ids)))
    return section


def section_delete(*, course: Course, section_id: int) -> None:
    Section.objects.filter(course=course, pk=section_id).delete()


def parse_when(raw: str) -> datetime | None:
    """A ``datetime-local`` value in the viewer's time zone (the active one), as an aware datetime."""
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    value = parse_datetime((raw or "").strip())
    if value is None:
        return None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def staff_cells(*, submission: Submission) -> list[dict[str, Any]]:
    """The submission's graded cells for staff: outcome and the message of each failed test (hidden ones too)."""
    return [dict(c) for c in submission.cells or [] if c.get("kind") == "autograded_test"]


def extensions_for(*, user: User, activity_ids: Iterable[int]) -> dict[int, datetime]:
    """The user's extended due dates: activity id -> due."""
    return dict(
        Extension.objects.filter(user=user, activity_id__in=list(activity_ids)).values_list("activity_id", "due_at")
    )


_FEEDBACK_GRADE = '<div class="fb-grade"><span class="badge">{gid}</span>'


def feedback_with_manual(html: str, *, manual: dict[str, ManualGrade], maxima: dict[str, Any]) -> str:
    """The stored feedback with each hand-graded cell's line showing the teacher's score and comment.

    Feedback HTML is written at grading time, when a manual cell can only say it waits for the
    teacher; the manual grade comes later. Each such cell's grade line (a ``fb-grade`` div the
    feedback template writes, which holds no nested div) is replaced at view time.
    """
    import re

    from django.template.loader import render_to_string
    from django.utils.html import escape

    for gid, grade in manual.items():
        start = _FEEDBACK_GRADE.format(gid=escape(gid))
        pattern = re.compile(re.escape(start) + r".*?</div>", re.DOTALL)
        line = render_to_string(
            "grading/_feedback_manual.html", {"gid": gid, "grade": grade, "max_points": maxima.get(gid)}
        )
        # a function, not a string: the rendered line must not be read as a regex replacement template
        html = pattern.sub(partial(_literal, line), html, count=1)
    return html


def _literal(text: str, _match: object) -> str:
    return text
