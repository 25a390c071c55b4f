"""Grading pages. The submit panel is loaded into the activity page with htmx.

Every view resolves the course through ``course_access`` (404 for outsiders) and checks the
role on the object it serves: students see only their own submissions, staff see all.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from core.blobs import blob_get
from core.csvexport import csv_response
from courses import selectors as course_selectors
from courses.models import Activity, Counting

from . import analytics, scoring, selectors, services
from .analytics import Counted
from .enums import IN_FLIGHT_STATUSES, SubmissionSource
from .models import Submission


def _user(request: HttpRequest) -> User:
    """The signed-in user (every view here is behind ``login_required``)."""
    return cast(User, request.user)


def _activity(request: HttpRequest, slug: str, activity: str):  # type: ignore[no-untyped-def]
    access = course_selectors.course_access(user=_user(request), slug=slug)
    act = course_selectors.activity_get(access=access, slug=activity)
    return access, act


def _attempt_entries(act: Activity, user: User, mine: list[Submission]) -> tuple[list[dict[str, Any]], Counted | None]:
    """Each of my submissions with its score by the rule and whether it is the one that counts."""
    grades = analytics.course_grades(activity_ids=[act.pk], user_ids=[user.pk])
    attempts = {a.id: a for a in grades.all_attempts()}
    counted = grades.counted(user.pk, act.pk)
    counted_ids = {p.id for p in counted.parts} if counted is not None else set()
    entries = [{"sub": s, "attempt": attempts.get(s.pk), "counts": s.pk in counted_ids} for s in mine]
    return entries, counted


def _panel_context(request: HttpRequest, access, act, **extra):  # type: ignore[no-untyped-def]
    mine = selectors.submissions_of(activity=act, user=_user(request))
    entries, counted = _attempt_entries(act, _user(request), mine)
    notebooks = (
        list(course_selectors.activity_student_notebooks(version=act.current_version)) if act.current_version else []
    )
    return {
        "course": access.course,
        "activity": act,
        "access": access,
        "submissions": mine,
        "entries": entries,
        "counted": counted,
        "counting_label": counting_label(act),
        "notebooks": notebooks,
        "in_flight": any(s.status in IN_FLIGHT_STATUSES for s in mine),
        "idempotency_key": uuid.uuid4().hex,
        "scores_visible": access.is_staff or selectors.scores_visible(activity=act),
        "due_at": services.due_for(activity=act, user=_user(request)),
        **extra,
    }


@login_required
@require_GET
def panel(request: HttpRequest, slug: str, activity: str) -> HttpResponse:
    access, act = _activity(request, slug, activity)
    return render(request, "grading/_panel.html", _panel_context(request, access, act))


@login_required
@require_GET
def status(request: HttpRequest, slug: str, activity: str) -> HttpResponse:
    """The live list of my submissions (polled by htmx while one is in flight)."""
    access, act = _activity(request, slug, activity)
    return render(request, "grading/_submissions.html", _panel_context(request, access, act))


def counting_label(act: Activity) -> str:
    """The line "Counts: your best attempt" — the activity's counting setting, as the student reads it."""
    labels = {
        Counting.LATEST_ON_TIME: _("Counts: your latest on-time attempt (the latest late one if none is on time)"),
        Counting.BEST: _("Counts: your best attempt (late ones after their penalty)"),
        Counting.LATEST: _("Counts: your latest attempt"),
    }
    return labels[Counting(scoring.counting_of(act.counting).value)]


def counting_name(act: Activity) -> str:
    """The counting setting as the teacher's gradebook names it."""
    return str(Counting(scoring.counting_of(act.counting).value).label)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "") and not request.htmx  # type: ignore[attr-defined]


def _receipt(sub: Submission) -> dict[str, object]:
    return {
        "id": sub.pk,
        "received_at": sub.received_at.isoformat(),
        "sha256": sub.blob,
        "size": sub.size,
        "status": sub.status,
        "late_seconds": sub.late_seconds,
    }


@login_required
@require_POST
def submit(request: HttpRequest, slug: str, activity: str) -> HttpResponse:
    """Upload an .ipynb; 400 with the reason for bad input, the receipt otherwise."""
    access, act = _activity(request, slug, activity)
    upload = request.FILES.get("notebook")
    key = request.headers.get("Idempotency-Key") or request.POST.get("idempotency_key", "")
    try:
        if upload is None:
            raise services.SubmissionRejected(_("Choose a notebook file (.ipynb) to upload."))
        limit = services.max_submission_bytes()
        if upload.size and upload.size > limit:
            raise services.SubmissionRejected(services.too_large_message(size=upload.size, limit=limit))
        sub = services.submission_receive(
            user=_user(request),
            activity=act,
            data=upload.read(),
            source=SubmissionSource.UPLOAD,
            idempotency_key=key,
            filename=upload.name or "",
        )
    except services.SubmissionRejected as exc:
        if _wants_json(request):
            return JsonResponse({"error": exc.reason}, status=400)
        ctx = _panel_context(request, access, act, error=exc.reason)
        return render(request, "grading/_panel.html", ctx, status=400)
    if _wants_json(request):
        return JsonResponse(_receipt(sub), status=201)
    ctx = _panel_context(request, access, act, receipt=sub)
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("grading:submission", slug=access.course.slug, pk=sub.pk)
    return render(request, "grading/_panel.html", ctx)


def _submission_for(request: HttpRequest, slug: str, pk: int):  # type: ignore[no-untyped-def]
    access = course_selectors.course_access(user=_user(request), slug=slug)
    sub = get_object_or_404(
        Submission.objects.select_related("activity", "user"), pk=pk, activity__course=access.course
    )
    if not access.is_staff and sub.user_id != request.user.pk:  # type: ignore[union-attr]
        raise Http404("No such submission.")
    return access, sub


@login_required
@require_GET
def submission(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Receipt, status, scores (when released) and the sanitised feedback.

    Staff also see each graded cell's outcome with the message of a failed test, hidden
    tests included (``staff_message``, stored by the trusted runner for staff only), and
    which cells were graded in the student's kernel (``trusted: false``).
    """
    access, sub = _submission_for(request, slug, pk)
    visible = access.is_staff or selectors.scores_visible(activity=sub.activity)
    feedback = blob_get(sub.feedback_blob).decode("utf-8") if (sub.feedback_blob and visible) else ""
    if feedback:
        feedback = analytics.feedback_with_images(
            feedback, course_slug=access.course.slug, submission_id=sub.pk, version_id=sub.version_id
        )
    score = selectors.submission_score(submission=sub)
    if feedback and score.manual_by_cell:
        from .review import feedback_with_manual

        maxima = {str(c.get("grade_id")): c.get("max_points") for c in sub.cells or []}
        feedback = feedback_with_manual(feedback, manual=score.manual_by_cell, maxima=maxima)
    if feedback:
        from .feedback import feedback_localise

        feedback = feedback_localise(feedback)  # stored labels are codes: the reader's words go in now
    result = selectors.activity_result(activity=sub.activity, user=sub.user)
    counts = result is not None and any(p.id == sub.pk for p in result.parts)
    cells = []
    if access.is_staff:
        manual = {gid: mg.score for gid, mg in score.manual_by_cell.items()}
        for cell in sub.cells or []:
            item = dict(cell)
            item["effective"] = scoring.effective_cell_score(cell, manual)
            item["gradable"] = cell.get("kind") in scoring.MANUAL_KINDS
            item["untrusted"] = cell.get("trusted") is False
            cells.append(item)
    from .review import general_comment_of, may_grade_student

    # What the teacher did by hand, for the student once released (staff always): each manually
    # graded cell with its newest grade and comment, the override's reason, the general comment.
    manual_cells = [
        {
            "grade_id": c.get("grade_id"),
            "max_points": c.get("max_points"),
            "grade": score.manual_by_cell.get(str(c.get("grade_id"))),
        }
        for c in sub.cells or []
        if c.get("kind") in scoring.MANUAL_KINDS
    ]
    return render(
        request,
        "grading/submission.html",
        {
            "manual_cells": manual_cells,
            "general_comment": general_comment_of(submission=sub),
            "may_grade": access.is_staff
            and may_grade_student(access=access, user=_user(request), student_id=sub.user_id),
            "course": access.course,
            "activity": sub.activity,
            "access": access,
            "sub": sub,
            "score": score,
            "scores_visible": visible,
            "feedback_html": feedback,
            "history": sub.overrides.select_related("created_by").all(),
            "cells": cells,
            "counts": counts,
            "result": result,
            "counting_label": counting_label(sub.activity),
        },
    )


@login_required
@require_GET
def submission_file(request: HttpRequest, slug: str, pk: int, path: str) -> FileResponse:
    """A student-visible file of the version this submission answered (images in its feedback).

    The same access as the submission itself: its student and the course's staff. Instructor
    sources are never served here; images are inline, anything else an attachment, all
    under a CSP that runs nothing.
    """
    import mimetypes

    from core.blobs import BlobNotFound, blob_path
    from courses.enums import STUDENT_VISIBLE_FILES

    _access, sub = _submission_for(request, slug, pk)
    f = sub.version.files.filter(path=path, kind__in=STUDENT_VISIBLE_FILES).first()
    if f is None:
        raise Http404("No such file.")
    try:
        handle = blob_path(f.blob).open("rb")
    except BlobNotFound:
        raise Http404("The file is missing from storage.") from None
    filename = path.rsplit("/", 1)[-1]
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    inline = content_type in ("image/png", "image/jpeg", "image/gif", "image/webp")
    response = FileResponse(handle, content_type=content_type, as_attachment=not inline, filename=filename)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _staff(request: HttpRequest, slug: str, activity: str):  # type: ignore[no-untyped-def]
    access, act = _activity(request, slug, activity)
    if not access.is_staff:
        raise PermissionDenied(_("Only the course's teachers and TAs may do this."))
    return access, act


@login_required
@require_GET
def gradebook(request: HttpRequest, slug: str, activity: str) -> HttpResponse:
    access, act = _staff(request, slug, activity)
    return render(
        request,
        "grading/gradebook.html",
        {
            "course": access.course,
            "activity": act,
            "rows": selectors.gradebook_rows(activity=act),
            "counting_name": counting_name(act),
            "notebooks": list(analytics.notebook_maxima(act.current_version.facts if act.current_version else None)),
            "attention": selectors.submissions_needing_attention(activity=act),
            "scores_visible": selectors.scores_visible(activity=act),
        },
    )


@login_required
@require_GET
def gradebook_csv(request: HttpRequest, slug: str, activity: str) -> HttpResponse:
    """The activity's gradebook by the rule: one row per student, the counted total over its notebooks.

    ``auto``, ``manual`` and ``override`` add up the counted attempts' parts; ``penalty`` is
    the largest penalty among them; ``submissions`` lists the counted attempts' ids.
    """
    access, act = _staff(request, slug, activity)
    table: list[list[object]] = [
        [
            "username",
            "name",
            "counting",
            "submissions",
            "received_at",
            "late_seconds",
            "status",
            "auto",
            "manual",
            "penalty",
            "override",
            "total",
            "max",
        ]
    ]
    mode = scoring.counting_of(act.counting).value
    maxima = analytics.notebook_maxima(act.current_version.facts if act.current_version else None)
    activity_max = scoring.format_score(sum((m or Decimal(0) for m in maxima.values()), Decimal(0)) or act.points)
    for row in selectors.gradebook_rows(activity=act):
        user = row.user
        name = getattr(user, "display_name", "") or user.get_full_name()
        counted = row.counted
        if counted is None:
            table.append([user.username, name, mode, "", "", "", "missing", "", "", "", "", "", activity_max])
            continue
        parts = counted.parts
        autos = [p.auto_score for p in parts if p.auto_score is not None]
        overrides = [p.override for p in parts if p.override is not None]
        table.append(
            [
                user.username,
                name,
                mode,
                " ".join(str(p.id) for p in parts),
                counted.received_at.isoformat(),
                counted.late_seconds,
                counted.status,
                scoring.format_score(sum(autos, Decimal(0))) if autos else "",
                scoring.format_score(sum((sum(p.manual.values(), Decimal(0)) for p in parts), Decimal(0))),
                str(max(p.penalty for p in parts).normalize()),
                scoring.format_score(sum(overrides, Decimal(0))) if overrides else "",
                scoring.format_score(counted.score),
                scoring.format_score(counted.max_score),
            ]
        )
    return csv_response(table, filename=f"{access.course.slug}-{act.slug}-grades.csv")


def _decimal(raw: str | None) -> Decimal | None:
    if raw is None or not raw.strip():
        return None
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise services.SubmissionRejected(_("Not a number: %(value)s") % {"value": raw[:20]}) from None
    # NaN and Infinity parse, but compare by raising (a 500); 1e999999 overflows the column
    if not value.is_finite() or abs(value) >= 1_000_000:
        raise services.SubmissionRejected(_("Not a number: %(value)s") % {"value": raw[:20]})
    return value


@login_required
@require_POST
def grade_manual(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, sub = _submission_for(request, slug, pk)
    if not access.is_staff:
        raise PermissionDenied
    try:
        score = _decimal(request.POST.get("score"))
        if score is None:
            raise services.SubmissionRejected(_("Enter a score."))
        services.manual_grade_set(
            submission=sub,
            grade_id=request.POST.get("grade_id", ""),
            score=score,
            comment=request.POST.get("comment", ""),
            by=_user(request),
        )
    except services.SubmissionRejected as exc:
        return HttpResponse(exc.reason, status=400)
    return redirect("grading:submission", slug=slug, pk=sub.pk)


@login_required
@require_POST
def override(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, sub = _submission_for(request, slug, pk)
    if not access.is_staff:
        raise PermissionDenied
    try:
        services.override_set(
            submission=sub,
            score=_decimal(request.POST.get("score")),
            reason=request.POST.get("reason", ""),
            by=_user(request),
        )
    except services.SubmissionRejected as exc:
        return HttpResponse(exc.reason, status=400)
    return redirect("grading:submission", slug=slug, pk=sub.pk)


@login_required
@require_POST
def regrade(request: HttpRequest, slug: str, activity: str) -> HttpResponse:
    _access, act = _staff(request, slug, activity)
    raw = request.POST.get("submission")
    ids = [int(raw)] if raw and raw.isdigit() else None
    services.submissions_regrade(activity=act, submission_ids=ids)
    if ids:
        return redirect("grading:submission", slug=slug, pk=ids[0])
    return redirect("grading:gradebook", slug=slug, activity=act.slug)


@login_required
@require_POST
def release(request: HttpRequest, slug: str, activity: str) -> HttpResponse:
    access, act = _staff(request, slug, activity)
    if not access.is_teacher:
        raise PermissionDenied
    services.scores_release(activity=act, release=request.POST.get("release") == "1", by=_user(request))
    return redirect("grading:gradebook", slug=slug, activity=act.slug)
