"""Lab pages: the "Open in JupyterLab" panel, the progress page, enter, reset, submit.

Every view resolves the course and activity through courses.selectors first, so a user
only reaches the lab of activities they may see (outsiders get 404; students never see
unreleased work).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any, cast

from asgiref.sync import sync_to_async
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.handlers.asgi import ASGIRequest
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from courses import selectors as course_selectors
from courses.enums import ActivityKind

from . import quota, selectors, services
from .client import HubError, HubUnavailable, SpawnFailed
from .models import ScheduledLesson, StartState

log = logging.getLogger(__name__)

LAB_KINDS = {ActivityKind.PRACTICE, ActivityKind.ASSIGNMENT, ActivityKind.EXAM, ActivityKind.COMPETITION}
SUBMIT_KINDS = {ActivityKind.ASSIGNMENT, ActivityKind.EXAM}  # grading.services.GRADABLE_KINDS


def _user(request: HttpRequest) -> User:
    """The signed-in user (every view here is behind ``login_required``)."""
    return cast(User, request.user)


def _hub_name(request: HttpRequest) -> str:
    """The signed-in user's lab name (every view here is behind login_required; saving a user sets it)."""
    return str(getattr(request.user, "hub_name", None) or "")


def _activity(request: HttpRequest, slug: str, activity: str) -> tuple[Any, Any]:
    access = course_selectors.course_access(user=_user(request), slug=slug)
    return access, course_selectors.activity_get(access=access, slug=activity)


def _context(access: Any, act: Any, **extra: Any) -> dict[str, Any]:
    paths = [p for p, _f in services.activity_lab_paths(activity=act)]
    return {
        "course": access.course,
        "activity": act,
        "paths": paths,
        "opens_in_lab": act.kind in LAB_KINDS and bool(paths),
        "can_submit": act.kind in SUBMIT_KINDS and access.is_student and bool(paths),
        "idempotency_key": uuid.uuid4().hex,
        **extra,
    }


@login_required
@require_GET
def panel(request: HttpRequest, slug: str, activity: str) -> HttpResponse:
    access, act = _activity(request, slug, activity)
    status = selectors.lab_status(user=_user(request))
    return render(request, "sandbox/_panel.html", _context(access, act, status=status))


@login_required
@require_POST
def open_lab(request: HttpRequest, slug: str, activity: str) -> HttpResponse:
    """Start (or reuse) the server and show the progress page; the page enters the lab when ready.

    A lab that is already running and ready (a prepared one) gets its notebooks now and the student
    goes straight in: no progress page, no stream, no second request."""
    access, act = _activity(request, slug, activity)
    ctx = _context(access, act)
    if not ctx["opens_in_lab"]:
        return render(
            request, "sandbox/opening.html", {**ctx, "error": _("This activity has no notebook to open.")}, status=400
        )
    reset = request.POST.get("reset") == "1"
    try:
        opened = services.lab_open(user=_user(request), activity=act, reset=reset)
        outcome = opened.outcome
    except HubUnavailable as exc:
        log.error("open lab for %s: %s", _hub_name(request), exc)
        return render(
            request,
            "sandbox/opening.html",
            {**ctx, "error": _("The lab is unavailable right now. Please try again in a few minutes.")},
            status=503,
        )
    except HubError as exc:
        log.error("open lab for %s: %s", _hub_name(request), exc)
        return render(request, "sandbox/opening.html", {**ctx, "error": str(exc)}, status=502)
    if opened.placed:
        return redirect(services.hub_client().lab_url(_hub_name(request), opened.placed[0].path))
    queue = selectors.queue_place(user=_user(request)) if outcome == "queued" else None
    load = quota.school_load(user=_user(request), client=services.hub_client()) if queue else None
    return render(
        request,
        "sandbox/opening.html",
        {
            **ctx,
            "outcome": outcome,
            "reset": reset,
            "queue_message": (_school_full_text(queue[0], load) if load and load.full else _queue_text(*queue))
            if queue
            else "",
        },
    )


def _sse(event: dict[str, Any]) -> str:
    return f"data: {json.dumps(event)}\n\n"


def _progress_text(message: str) -> str:
    """The hub's and the spawner's progress messages, in the student's language."""
    known = {
        "Server requested": _("Server requested"),
        "Preparing your workspace": _("Preparing your workspace"),
        "Starting JupyterLab": _("Starting JupyterLab"),
        "Connecting to your lab": _("Connecting to your lab"),
    }
    if message.startswith("Server ready"):
        return _("Your lab is ready")
    return known.get(message, message)


@dataclass(frozen=True)
class _Relay:
    """What the progress stream does with one hub event: the event it sends the page, the start it finishes
    (``services.start_finish_for`` arguments), whether the next in line is let in, and whether it ends."""

    event: dict[str, Any]
    finish: dict[str, Any] | None = None
    pump: bool = False
    done: bool = False


def _hub_event(name: str, event: Any) -> _Relay:
    if event.failed:
        log.error("spawn failed for %s: %s", name, event.message)
        message = _failure_text(event.message)
        return _Relay({"progress": 100, "failed": True, "message": message}, {"ok": False, "error": message}, done=True)
    page = {"progress": event.progress, "message": _progress_text(event.message), "ready": event.ready}
    if event.ready:
        return _Relay(page, {"ok": True}, pump=True, done=True)
    return _Relay(page)


def _hub_failure(name: str, exc: Exception) -> _Relay:
    if isinstance(exc, SpawnFailed):
        log.error("spawn failed for %s: %s", name, exc)
        return _Relay({"progress": 100, "failed": True, "message": str(exc)}, {"ok": False, "error": str(exc)})
    log.error("progress for %s: %s", name, exc)
    unavailable = _("The lab is unavailable right now. Please try again in a few minutes.")
    return _Relay({"progress": 100, "failed": True, "message": unavailable}, {"ok": False, "error": str(exc)})


@login_required
@require_GET
def progress(request: HttpRequest, slug: str, activity: str) -> StreamingHttpResponse:
    """The hub's progress events, relayed as a server-sent event stream the page can read."""
    _activity(request, slug, activity)
    name = _hub_name(request)

    user = _user(request)

    # One relay, two drivers: the decisions live in _waiting, _hub_event and _hub_failure; stream() drives them
    # for a WSGI server (runserver, the demo), stream_async() for an ASGI one (production), where an open stream
    # is awaited and holds no worker and no thread (deploy/gunicorn.conf.py). Django would buffer a sync iterator
    # whole under ASGI, and an async one under WSGI.
    def stream() -> Iterator[str]:
        row_id: int | None = None
        while True:  # first the line, if the start is waiting in it
            step = services.queue_wait_step(user=user, row_id=row_id)
            row_id, waiting = step.row_id, _queue_event(step)
            if waiting is None:
                break
            yield _sse(waiting)
            if waiting.get("failed"):
                return
            time.sleep(settings.LAB_QUEUE_POLL_SECONDS)
        try:
            for event in services.hub_client().server_progress(name, timeout=settings.HUB_PROGRESS_TIMEOUT_SECONDS):
                relay = _hub_event(name, event)
                if relay.finish is not None:
                    services.start_finish_for(user=user, **relay.finish)
                yield _sse(relay.event)
                if relay.pump:
                    services.queue_pump()  # the next in line takes the place at once
                if relay.done:
                    return
        except (SpawnFailed, HubError) as exc:
            relay = _hub_failure(name, exc)
            services.start_finish_for(user=user, **(relay.finish or {}))
            yield _sse(relay.event)

    async def stream_async() -> AsyncIterator[str]:
        row_id: int | None = None
        while True:
            step = await sync_to_async(services.queue_wait_step)(user=user, row_id=row_id)
            row_id, waiting = step.row_id, _queue_event(step)
            if waiting is None:
                break
            yield _sse(waiting)
            if waiting.get("failed"):
                return
            await asyncio.sleep(settings.LAB_QUEUE_POLL_SECONDS)
        try:
            client = services.hub_client()
            async for event in client.server_progress_async(name, timeout=settings.HUB_PROGRESS_TIMEOUT_SECONDS):
                relay = _hub_event(name, event)
                if relay.finish is not None:
                    await sync_to_async(services.start_finish_for)(user=user, **relay.finish)
                yield _sse(relay.event)
                if relay.pump:
                    await sync_to_async(services.queue_pump)()
                if relay.done:
                    return
        except (SpawnFailed, HubError) as exc:
            relay = _hub_failure(name, exc)
            await sync_to_async(services.start_finish_for)(user=user, **(relay.finish or {}))
            yield _sse(relay.event)

    # WSGI (runserver, the demo) streams a sync iterator and would buffer an async one; ASGI the reverse.
    events = stream_async() if isinstance(request, ASGIRequest) else stream()
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


def _queue_text(position: int, seconds: int) -> str:
    return _("You are number %(position)s in line, about %(seconds)s s.") % {"position": position, "seconds": seconds}


def _school_full_text(position: int, load: quota.SchoolLoad) -> str:
    return _(
        "Your school's labs are full (%(limit)s at once). You are number %(position)s in line; "
        "your lab starts as soon as one of your school's labs stops."
    ) % {"limit": load.limit, "position": position}


def _queue_event(step: services.WaitStep) -> dict[str, Any] | None:
    """The page's event while the start waits in line; None once the hub has it."""
    if step.state == StartState.QUEUED:
        full = step.school_full
        return {
            "progress": 0,
            "queued": True,
            "position": step.position,
            "eta": step.eta_seconds,
            "school_full": full is not None,
            "message": _school_full_text(step.position, full) if full else _queue_text(step.position, step.eta_seconds),
        }
    if step.state == StartState.STARTING and not step.posted:
        return {"progress": 1, "message": _("Server requested")}
    if step.state in (StartState.FAILED, StartState.CANCELLED) and step.row_id is not None:
        return {
            "progress": 100,
            "failed": True,
            "message": step.error or _("Your lab could not start. Please try again."),
        }
    return None


def _failure_text(message: str) -> str:
    text = message.removeprefix("Spawn failed: ").strip()
    if "imeout" in text or "didn't respond" in text or "took too long" in text:
        return _("Your lab took too long to start. Please try again in a minute.")
    if text.startswith("Your lab could not start"):  # the spawner's words; the exit code is in the log
        return _("Your lab could not start. Please try again; if it keeps failing, tell your teacher.")
    return text or _("Your lab could not start. Please try again.")


@login_required
@require_POST
def enter(request: HttpRequest, slug: str, activity: str) -> HttpResponse:
    """Place the activity's notebooks (never overwriting the student's copy) and go to the lab."""
    access, act = _activity(request, slug, activity)
    reset = request.POST.get("reset") == "1"
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        placed = services.lab_notebooks_place(user=_user(request), activity=act, reset=reset)
    except HubError as exc:
        log.error("enter lab for %s: %s", _hub_name(request), exc)
        message = (
            str(exc)
            if isinstance(exc, services.LabError)
            else _("The lab is unavailable right now. Please try again in a few minutes.")
        )
        if wants_json:
            return JsonResponse({"error": message}, status=503)
        return render(request, "sandbox/opening.html", {**_context(access, act), "error": message}, status=503)
    url = services.hub_client().lab_url(_hub_name(request), placed[0].path)
    if wants_json:
        return JsonResponse({"url": url, "placed": [p.__dict__ for p in placed]})
    return redirect(url)


@login_required
@require_POST
def submit(request: HttpRequest, slug: str, activity: str) -> HttpResponse:
    """Pull the notebook from the student's lab and hand it to grading; show the receipt."""
    from grading.services import SubmissionRejected

    access, act = _activity(request, slug, activity)
    ctx = _context(access, act)
    if not ctx["can_submit"]:
        return render(
            request, "sandbox/_receipt.html", {**ctx, "error": _("Only students can submit this activity.")}, status=403
        )
    path = request.POST.get("path") or (ctx["paths"][0] if ctx["paths"] else "")
    key = (request.POST.get("idempotency_key") or "").strip()[:80]
    if not key:
        return render(
            request,
            "sandbox/_receipt.html",
            {**ctx, "error": _("The form was incomplete; reload the page and submit again.")},
            status=400,
        )
    try:
        submission = services.lab_submit(user=_user(request), activity=act, path=path, idempotency_key=key)
    except SubmissionRejected as exc:
        return render(request, "sandbox/_receipt.html", {**ctx, "error": str(exc)}, status=422)
    except services.LabError as exc:
        return render(request, "sandbox/_receipt.html", {**ctx, "error": str(exc)}, status=409)
    except HubError as exc:
        log.error("submit from lab for %s: %s", _hub_name(request), exc)
        return render(
            request,
            "sandbox/_receipt.html",
            {**ctx, "error": _("The lab is unavailable right now, so nothing was submitted. Please try again.")},
            status=503,
        )
    return render(request, "sandbox/_receipt.html", {**ctx, "submission": submission, "path": path})


# --- preparing a class's labs (course staff) -----------------------------------------------------
def _staff_access(request: HttpRequest, slug: str) -> Any:
    """The course's teachers, TAs and site admins; members who are not get 403, outsiders 404."""
    access = course_selectors.course_access(user=_user(request), slug=slug)
    if not access.is_staff:
        raise PermissionDenied(_("Only the course's teachers and assistants may prepare labs."))
    return access


@login_required
@require_GET
def prepare_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The labs of the class: the latest preparation's counts, scheduled lessons, the buttons."""
    access = _staff_access(request, slug)
    return render(request, "sandbox/prepare.html", _prepare_context(access))


def _prepare_context(access: Any, **extra: Any) -> dict[str, Any]:
    from grading.models import Section

    return {
        "access": access,
        "course": access.course,
        "summary": selectors.preparation_latest(course=access.course),
        "lessons": selectors.lessons_upcoming(course=access.course),
        "sections": list(Section.objects.filter(course=access.course)),
        "activities": list(_lab_activities(access)),
        "budget_mb": settings.LAB_PREWARM_MEMORY_BUDGET_MB,
        "lead_minutes": settings.LAB_PREPARE_MINUTES_BEFORE,
        "grace_minutes": settings.LAB_PREWARM_GRACE_MINUTES,
        "concurrency": settings.LAB_START_CONCURRENCY,
        **extra,
    }


@login_required
@require_POST
def prepare_start(request: HttpRequest, slug: str) -> HttpResponse:
    """Start the labs of the course's students (or one section's) now, through the start queue."""
    from grading.models import Section

    access = _staff_access(request, slug)
    section = act = None
    if request.POST.get("section"):
        section = Section.objects.filter(course=access.course, pk=_int(request.POST["section"])).first()
        if section is None:
            raise Http404("No such section.")
    if request.POST.get("activity"):
        act = _lab_activities(access).filter(pk=_int(request.POST["activity"])).first()
        if act is None:
            raise Http404("No such activity.")
    try:
        services.labs_prepare(course=access.course, section=section, activity=act, by=_user(request))
        services.queue_pump()
    except HubError as exc:
        log.error("prepare labs for %s: %s", access.course.slug, exc)
        ctx = _prepare_context(access, error=_("The lab is unavailable right now. Please try again in a few minutes."))
        return render(request, "sandbox/prepare.html", ctx, status=503)
    from .tasks import queue_drive_send

    transaction.on_commit(queue_drive_send)
    return redirect("sandbox:prepare", slug=access.course.slug)


def _lab_activities(access: Any) -> Any:
    """The course's activities that open in the lab: what a preparation may place in its labs."""
    return course_selectors.activities_visible(access=access).filter(kind__in=LAB_KINDS)


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise Http404("Not a number.") from None


@login_required
@require_POST
def lesson_add(request: HttpRequest, slug: str) -> HttpResponse:
    """Schedule a lesson: its students' labs are prepared shortly before it starts."""
    from grading.models import Section

    access = _staff_access(request, slug)
    form = LessonForm(
        request.POST, sections=Section.objects.filter(course=access.course), activities=_lab_activities(access)
    )
    if not form.is_valid():
        return render(request, "sandbox/prepare.html", _prepare_context(access, form=form), status=400)
    ScheduledLesson.objects.create(
        course=access.course,
        section=form.cleaned_data["section"],
        starts_at=form.cleaned_data["starts_at"],
        activity=form.cleaned_data["activity"],
        created_by=_user(request),
    )
    return redirect("sandbox:prepare", slug=access.course.slug)


@login_required
@require_POST
def lesson_delete(request: HttpRequest, slug: str, lesson: int) -> HttpResponse:
    access = _staff_access(request, slug)
    ScheduledLesson.objects.filter(course=access.course, pk=lesson).delete()
    return redirect("sandbox:prepare", slug=access.course.slug)


class LessonForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    section: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Class"), empty_label=_("All students of the course")
    )

    activity: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=_("Activity"),
        empty_label=_("None: the students choose"),
        help_text=_("Its notebook is placed in each prepared lab, so the click opens it at once."),
    )

    def __init__(self, *args: Any, sections: Any, activities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["section"]).queryset = sections
        cast(forms.ModelChoiceField, self.fields["activity"]).queryset = activities
