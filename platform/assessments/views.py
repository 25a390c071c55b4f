"""Quiz and exam pages: parse, call a service, render. The autosave endpoint answers JSON."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses import selectors as course_selectors

from . import selectors, services
from .models import AttemptStatus

STATUS_OF_CODE = {"read_only": 409, "closed": 409, "bad_key": 400, "too_large": 413, "ip": 403, "access_code": 403, "no_attempts": 409}


def _now(request: HttpRequest) -> Any:
    return timezone.now()


def _load(request: HttpRequest, slug: str, activity: str) -> tuple[Any, Any]:
    access = course_selectors.course_access(user=request.user, slug=slug)
    act = course_selectors.activity_get(access=access, slug=activity)
    if services.definition_of(act.current_version) is None:
        raise Http404("No questions here.")
    return access, act


def _client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR as the deployment's proxy middleware sets it; a header is never trusted here.
    return request.META.get("REMOTE_ADDR")


@login_required
def assessment_home(request: HttpRequest, slug: str, activity: str) -> HttpResponse:
    access, act = _load(request, slug, activity)
    policy = services.policy_for(activity=act, user=request.user, now=_now(request))
    from grading.selectors import scores_visible

    return render(
        request,
        "assessments/home.html",
        {
            "access": access,
            "course": access.course,
            "activity": act,
            "policy": policy,
            "definition": policy.definition,
            "attempts": selectors.attempts_for(activity=act, user=request.user),
            "scores_visible": scores_visible(activity=act),
            "needs_code": bool(policy.definition.get("access_code")),
            "n_questions": sum(int(slot["draw"]) for slot in policy.definition["slots"]),
        },
    )


@login_required
@require_POST
def attempt_start_view(request: HttpRequest, slug: str, activity: str) -> HttpResponse:
    _access, act = _load(request, slug, activity)
    try:
        attempt = services.attempt_start(
            activity=act,
            user=request.user,
            access_code=request.POST.get("access_code", ""),
            ip=_client_ip(request),
            now=_now(request),
        )
    except services.AssessmentError as exc:
        from django.contrib import messages

        messages.error(request, str(exc.message))
        return redirect("assessments:home", slug, activity)
    return redirect("assessments:attempt", slug, activity, attempt.number)


@login_required
def attempt_page(request: HttpRequest, slug: str, activity: str, number: int) -> HttpResponse:
    access, act = _load(request, slug, activity)
    attempt = selectors.attempt_of(activity=act, user=request.user, number=number)
    now = _now(request)
    services.attempt_close_if_expired(attempt=attempt, now=now)
    from grading.selectors import scores_visible
    from grading.services import due_for

    released = scores_visible(activity=act)
    is_open = attempt.status == AttemptStatus.OPEN
    closes_at = due_for(activity=act, user=request.user)  # type: ignore[arg-type]  # login_required
    remaining_seconds = services.seconds_left(attempt, now=now)
    show_solutions = selectors.solutions_visible(
        attempt=attempt, scores_released=released, closes_at=closes_at, now=now
    )
    # A timed exam's per-answer feedback waits for the window to close: classmates may still be writing.
    definition = services.definition_of(attempt.version) or {}
    window_open = closes_at is not None and now < closes_at
    per_answer = not (definition.get("time_limit_minutes") and window_open)
    questions = selectors.attempt_view(
        attempt=attempt,
        show_results=attempt.status == AttemptStatus.GRADED and released and per_answer,
        show_solutions=show_solutions,
    )
    return render(
        request,
        "assessments/attempt.html",
        {
            "access": access,
            "course": access.course,
            "activity": act,
            "attempt": attempt,
            "is_open": is_open,
            "questions": questions,
            "released": released,
            "remaining_seconds": remaining_seconds,
        },
    )


@login_required
@require_POST
def answer_save_view(request: HttpRequest, slug: str, activity: str, number: int) -> JsonResponse:
    # The busiest endpoint of an exam: one query finds the student's own attempt with its deadline's
    # inputs (see the selector), one statement stores the answer (see services.answer_save).
    attempt = selectors.own_attempt_by_path(user=request.user, course_slug=slug, activity_slug=activity, number=number)
    try:
        body = json.loads(request.body or b"{}")
        key, seq = str(body["key"]), int(body["seq"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": _("Malformed answer.")}, status=400)
    try:
        if not services.ip_allowed(
            _client_ip(request), (services.attempt_definition(attempt) or {}).get("ip_ranges") or []
        ):
            raise services.AssessmentError("ip", _("This exam can only be taken from the exam room's network."))
        result = services.answer_save(attempt=attempt, key=key, value=body.get("value"), seq=seq, now=_now(request))
    except services.AssessmentError as exc:
        return JsonResponse({"error": str(exc.message), "code": exc.code}, status=STATUS_OF_CODE.get(exc.code, 400))
    return JsonResponse({"key": key, **result})


@login_required
@require_POST
def attempt_submit_view(request: HttpRequest, slug: str, activity: str, number: int) -> HttpResponse:
    _access, act = _load(request, slug, activity)
    attempt = selectors.attempt_of(activity=act, user=request.user, number=number)
    try:
        services.attempt_submit(attempt=attempt, now=_now(request))
    except services.AssessmentError as exc:  # a term that has ended: read-only
        from django.contrib import messages

        messages.error(request, str(exc.message))
    return redirect("assessments:attempt", slug, activity, number)


@login_required
def analytics_page(request: HttpRequest, slug: str, activity: str) -> HttpResponse:
    access, act = _load(request, slug, activity)
    if not access.is_staff:
        raise PermissionDenied(_("Only the course's teachers and assistants may see this page."))
    data = selectors.assessment_analytics(activity=act)
    return render(
        request,
        "assessments/analytics.html",
        {"access": access, "course": access.course, "activity": act, "data": data},
    )
