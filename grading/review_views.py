"""Grading by hand: one question across students, rubrics and reusable comments, the general
comment, sections, extensions and accommodations.

Every view resolves the course through ``course_access`` (404 for outsiders) and then checks the
role: staff only (403 for students); a TA assigned to sections reaches only their students
(404 for another section's submission, as for any submission they may not see); changing
rubrics, sections and accommodations is for teachers.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from courses import selectors as course_selectors
from courses.enums import Role
from courses.models import Activity
from courses.selectors import Access

from . import review, selectors, services
from .models import Submission


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _staff_course(request: HttpRequest, slug: str, *, teacher: bool = False) -> Access:
    access = course_selectors.course_access(user=_user(request), slug=slug)
    if not access.is_staff or (teacher and not access.is_teacher):
        raise PermissionDenied(
            _("Only the course's teachers may do this.")
            if teacher
            else _("Only the course's teachers and TAs may do this.")
        )
    return access


def _activity(access: Access, slug: str) -> Activity:
    act = Activity.objects.filter(course=access.course, slug=slug, kind__in=review.GRADED_KINDS).first()
    if act is None:
        raise Http404("No such assignment.")
    return act


def _decimal(raw: str | None) -> Decimal | None:
    if raw is None or not raw.strip():
        return None
    try:
        value = Decimal(raw.strip().replace(",", "."))
    except InvalidOperation:
        raise review.ReviewRejected(_("Not a number: %(value)s") % {"value": raw[:20]}) from None
    # NaN and Infinity parse but cannot be compared; beyond 9999 overflows the columns
    if not value.is_finite() or abs(value) >= 10_000:
        raise review.ReviewRejected(_("Not a number: %(value)s") % {"value": raw[:20]})
    return value


# ---------------------------------------------------------------------------------------
# one question across students


@login_required
@require_GET
def question(request: HttpRequest, slug: str, activity: str, grade_id: str) -> HttpResponse:
    """Grade one question across students: the current submission, its neighbours, the rubric."""
    access = _staff_course(request, slug)
    act = _activity(access, activity)
    entries = review.question_entries(access=access, user=_user(request), activity=act, grade_id=grade_id)
    if not entries:
        return render(
            request,
            "grading/question.html",
            {"course": access.course, "activity": act, "grade_id": grade_id, "entries": [], "access": access},
        )
    wanted = request.GET.get("s", "")
    index = next((i for i, e in enumerate(entries) if str(e.submission_id) == wanted), None)
    if index is None:
        if wanted:  # not one this grader may see (another section, another activity): no hint which
            raise Http404("No such submission.")
        index = next((i for i, e in enumerate(entries) if not e.graded), 0)
    entry = entries[index]
    sub = get_object_or_404(Submission.objects.select_related("user", "activity"), pk=entry.submission_id)
    score = selectors.submission_score(submission=sub)
    cell: dict[str, Any] = next((c for c in sub.cells or [] if c.get("grade_id") == grade_id), {})
    current = score.manual_by_cell.get(grade_id)
    after = entries[index + 1 :] + entries[:index]
    next_ungraded = next((e for e in after if not e.graded and e.submission_id != entry.submission_id), None)
    return render(
        request,
        "grading/question.html",
        {
            "course": access.course,
            "activity": act,
            "access": access,
            "grade_id": grade_id,
            "entries": entries,
            "entry": entry,
            "index": index,
            "prev": entries[index - 1] if index > 0 else None,
            "next": entries[index + 1] if index + 1 < len(entries) else None,
            "next_ungraded": next_ungraded,
            "graded_count": sum(1 for e in entries if e.graded),
            "sub": sub,
            "score": score,
            "cell": cell,
            "current": current,
            "current_rubric_ids": [int(i["id"]) for i in (current.rubric if current else [])],
            "answer_html": review.answer_html(submission=sub, grade_id=grade_id),
            "tests": review.staff_cells(submission=sub),
            "rubric": review.rubric_of(activity=act, grade_id=grade_id),
            "comments": review.saved_comments_of(activity=act, grade_id=grade_id),
            "general_comment": review.general_comment_of(submission=sub),
            "scores_visible": selectors.scores_visible(activity=act),
        },
    )


def _question_url(slug: str, activity: str, grade_id: str, submission_id: int | None = None) -> str:
    url = reverse("grading:question", args=[slug, activity, grade_id])
    return f"{url}?s={submission_id}" if submission_id else url


def _queue_submission(request: HttpRequest, access: Access, act: Activity, pk: int) -> Submission:
    sub = Submission.objects.filter(pk=pk, activity=act).select_related("user", "activity").first()
    if sub is None or not review.may_grade_student(access=access, user=_user(request), student_id=sub.user_id):
        raise Http404("No such submission.")
    return sub


@login_required
@require_POST
def question_grade(request: HttpRequest, slug: str, activity: str, grade_id: str, pk: int) -> HttpResponse:
    """Save the grade (rubric ticks, score, comment, general comment) and go to the next answer."""
    access = _staff_course(request, slug)
    act = _activity(access, activity)
    sub = _queue_submission(request, access, act, pk)
    try:
        ids = [int(x) for x in request.POST.getlist("rubric") if x.isdigit()]
        review.rubric_grade(
            submission=sub,
            grade_id=grade_id,
            item_ids=ids,
            score=_decimal(request.POST.get("score")),
            comment=request.POST.get("comment", "").strip(),
            by=_user(request),
        )
        general = request.POST.get("general_comment")
        if general is not None and general.strip() != getattr(review.general_comment_of(submission=sub), "text", ""):
            review.general_comment_set(submission=sub, text=general, by=_user(request))
    except review.ReviewRejected as exc:
        messages.error(request, exc.reason)
        return redirect(_question_url(slug, act.slug, grade_id, sub.pk))
    messages.success(request, _("Saved the grade of %(name)s.") % {"name": str(sub.user)})
    target = request.POST.get("then", "")
    return redirect(_question_url(slug, act.slug, grade_id, int(target) if target.isdigit() else sub.pk))


@login_required
@require_POST
def rubric_edit(request: HttpRequest, slug: str, activity: str, grade_id: str) -> HttpResponse:
    """Teachers add or delete a question's rubric items and reusable comments."""
    access = _staff_course(request, slug, teacher=True)
    act = _activity(access, activity)
    action = request.POST.get("action", "")
    try:
        if action == "add-item":
            points = _decimal(request.POST.get("points"))
            if points is None:
                raise review.ReviewRejected(_("Enter the item's points."))
            review.rubric_item_add(activity=act, grade_id=grade_id, label=request.POST.get("label", ""), points=points)
        elif action == "delete-item" and request.POST.get("id", "").isdigit():
            review.rubric_item_delete(activity=act, item_id=int(request.POST["id"]))
        elif action == "add-comment":
            review.saved_comment_add(activity=act, grade_id=grade_id, text=request.POST.get("text", ""))
        elif action == "delete-comment" and request.POST.get("id", "").isdigit():
            review.saved_comment_delete(activity=act, comment_id=int(request.POST["id"]))
    except review.ReviewRejected as exc:
        messages.error(request, exc.reason)
    back = request.POST.get("s", "")
    return redirect(_question_url(slug, act.slug, grade_id, int(back) if back.isdigit() else None))


@login_required
@require_POST
def general_comment(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The general comment from the submission page."""
    access = _staff_course(request, slug)
    sub = get_object_or_404(
        Submission.objects.select_related("user", "activity"), pk=pk, activity__course=access.course
    )
    if not review.may_grade_student(access=access, user=_user(request), student_id=sub.user_id):
        raise Http404("No such submission.")
    review.general_comment_set(submission=sub, text=request.POST.get("text", ""), by=_user(request))
    return redirect("grading:submission", slug=slug, pk=sub.pk)


# ---------------------------------------------------------------------------------------
# the course's grading queue


@login_required
@require_GET
def course_queue(request: HttpRequest, slug: str) -> HttpResponse:
    access = _staff_course(request, slug)
    return render(
        request,
        "grading/queue.html",
        {"course": access.course, "access": access, "queue": review.grading_queue(user=_user(request), access=access)},
    )


# ---------------------------------------------------------------------------------------
# extensions and accommodations


def _students(access: Access) -> list[User]:
    return [e.user for e in course_selectors.course_students(course=access.course)]


@login_required
def extensions(request: HttpRequest, slug: str) -> HttpResponse:
    """Per-student due dates and course-wide extra time: list, grant, revoke (staff; extra time: teachers)."""
    access = _staff_course(request, slug)
    students = {u.pk: u for u in _students(access)}
    activities = {a.pk: a for a in Activity.objects.filter(course=access.course, kind__in=review.GRADED_KINDS).live()}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "grant":
                student = students.get(int(request.POST.get("user") or 0))
                act = activities.get(int(request.POST.get("activity") or 0))
                due = review.parse_when(request.POST.get("due_at", ""))
                if student is None or act is None:
                    raise review.ReviewRejected(_("Choose a student and an assignment."))
                if due is None:
                    raise review.ReviewRejected(_("Enter the new due date and time."))
                services.extension_grant(activity=act, user=student, due_at=due, by=_user(request))
                messages.success(
                    request,
                    _("%(name)s now has until %(due)s for %(activity)s.")
                    % {"name": str(student), "due": due.strftime("%Y-%m-%d %H:%M %Z"), "activity": act.local_title},
                )
            elif action == "revoke" and request.POST.get("id", "").isdigit():
                review.extension_revoke(course=access.course, extension_id=int(request.POST["id"]))
                messages.success(request, _("Extension removed."))
            elif action == "accommodation":
                if not access.is_teacher:
                    raise PermissionDenied(_("Only the course's teachers may do this."))
                student = students.get(int(request.POST.get("user") or 0))
                factor = _decimal(request.POST.get("factor"))
                if student is None or factor is None:
                    raise review.ReviewRejected(_("Choose a student and an extra-time factor."))
                review.accommodation_set(
                    course=access.course,
                    user=student,
                    factor=factor,
                    note=request.POST.get("note", ""),
                    by=_user(request),
                )
                messages.success(request, _("Extra time saved."))
        except ValueError as exc:  # ReviewRejected, or a malformed id
            messages.error(request, getattr(exc, "reason", _("Choose a student and an assignment.")))
            status = 400
        if status == 200:
            return redirect("grading:extensions", slug=slug)
    return render(
        request,
        "grading/extensions.html",
        {
            "course": access.course,
            "access": access,
            "students": list(students.values()),
            "activities": list(activities.values()),
            "extensions": review.extensions_of(course=access.course),
            "accommodations": review.accommodations_of(course=access.course),
        },
        status=status,
    )


# ---------------------------------------------------------------------------------------
# sections


@login_required
def sections(request: HttpRequest, slug: str) -> HttpResponse:
    """Teachers group students into sections and assign TAs to them."""
    access = _staff_course(request, slug, teacher=True)
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "delete" and request.POST.get("id", "").isdigit():
                review.section_delete(course=access.course, section_id=int(request.POST["id"]))
            else:
                raw_id = request.POST.get("id", "")
                review.section_save(
                    course=access.course,
                    name=request.POST.get("name", ""),
                    student_ids=[int(x) for x in request.POST.getlist("students") if x.isdigit()],
                    ta_ids=[int(x) for x in request.POST.getlist("tas") if x.isdigit()],
                    section_id=int(raw_id) if raw_id.isdigit() else None,
                )
            return redirect("grading:sections", slug=slug)
        except review.ReviewRejected as exc:
            messages.error(request, exc.reason)
            status = 400
    roster = list(course_selectors.roster_in_scope(access=access))
    context: dict[str, Any] = {
        "course": access.course,
        "access": access,
        "sections": review.sections_of(course=access.course),
        "students": [e.user for e in roster if e.role == Role.STUDENT],
        "tas": [e.user for e in roster if e.role == Role.TA],
    }
    return render(request, "grading/sections.html", context, status=status)
