"""Grading pages. The submit panel is loaded into the activity page with htmx.

Every view resolves the course through ``course_access`` (404 for outsiders) and checks the
role on the object it serves: students see only their own submissions, staff see all.
"""

from __future__ import annotations

import csv
import uuid
from decimal import Decimal, InvalidOperation

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.blobs import blob_get
from courses import selectors as course_selectors

from . import selectors, services
from .enums import IN_FLIGHT_STATUSES, SubmissionSource
from .models import Submission


def _activity(request: HttpRequest, slug: str, activity: str):  # type: ignore[no-untyped-def]
    access = course_selectors.course_access(user=request.user, slug=slug)
    act = course_selectors.activity_get(access=access, slug=activity)
    return access, act


def _panel_context(request: HttpRequest, access, act, **extra):  # type: ignore[no-untyped-def]
    mine = selectors.submissions_of(activity=act, user=request.user)
    notebooks = (
        list(course_selectors.activity_student_notebooks(version=act.current_version)) if act.current_version else []
    )
    return {
        "course": access.course,
        "activity": act,
        "access": access,
        "submissions": mine,
        "notebooks": notebooks,
        "in_flight": any(s.status in IN_FLIGHT_STATUSES for s in mine),
        "idempotency_key": uuid.uuid4().hex,
        "scores_visible": access.is_staff or selectors.scores_visible(activity=act),
        "due_at": services.due_for(activity=act, user=request.user),
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
            raise services.SubmissionRejected(
                _("The notebook is %(size).1f MB; the limit is %(limit).1f MB.")
                % {"size": upload.size / 1e6, "limit": limit / 1e6}
            )
        sub = services.submission_receive(
            user=request.user,
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
    access = course_selectors.course_access(user=request.user, slug=slug)
    sub = get_object_or_404(
        Submission.objects.select_related("activity", "user"), pk=pk, activity__course=access.course
    )
    if not access.is_staff and sub.user_id != request.user.pk:  # type: ignore[union-attr]
        raise Http404("No such submission.")
    return access, sub


@login_required
@require_GET
def submission(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Receipt, status, scores (when released) and the sanitised feedback."""
    access, sub = _submission_for(request, slug, pk)
    visible = access.is_staff or selectors.scores_visible(activity=sub.activity)
    feedback = blob_get(sub.feedback_blob).decode("utf-8") if (sub.feedback_blob and visible) else ""
    return render(
        request,
        "grading/submission.html",
        {
            "course": access.course,
            "activity": sub.activity,
            "access": access,
            "sub": sub,
            "score": selectors.submission_score(submission=sub),
            "scores_visible": visible,
            "feedback_html": feedback,
            "history": sub.overrides.select_related("created_by").all(),
        },
    )


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
            "attention": selectors.submissions_needing_attention(activity=act),
            "scores_visible": selectors.scores_visible(activity=act),
        },
    )


@login_required
@require_GET
def gradebook_csv(request: HttpRequest, slug: str, activity: str) -> HttpResponse:
    access, act = _staff(request, slug, activity)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{access.course.slug}-{act.slug}-grades.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "username",
            "name",
            "submission",
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
    )
    for row in selectors.gradebook_rows(activity=act):
        sub, score = row["submission"], row["score"]
        user = row["user"]
        name = getattr(user, "display_name", "") or user.get_full_name()
        if sub is None:
            writer.writerow([user.username, _csv_safe(name), "", "", "", "missing", "", "", "", "", "", ""])
            continue
        writer.writerow(
            [
                user.username,
                _csv_safe(name),
                sub.pk,
                sub.received_at.isoformat(),
                sub.late_seconds,
                sub.status,
                score.auto if score.auto is not None else "",
                score.manual,
                score.penalty,
                score.override.score if score.override else "",
                score.total if score.total is not None else "",
                score.max if score.max is not None else "",
            ]
        )
    return response


def _csv_safe(value: str) -> str:
    """No spreadsheet formula injection through a display name."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def _decimal(raw: str | None) -> Decimal | None:
    if raw is None or not raw.strip():
        return None
    try:
        return Decimal(raw.strip())
    except InvalidOperation:
        raise services.SubmissionRejected(_("Not a number: %(value)s") % {"value": raw[:20]}) from None


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
            by=request.user,
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
            by=request.user,
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
    services.scores_release(activity=act, release=request.POST.get("release") == "1", by=request.user)
    return redirect("grading:gradebook", slug=slug, activity=act.slug)
