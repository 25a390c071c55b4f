"""Lab pages: the "Open in JupyterLab" panel, the progress page, enter, reset, submit.

Every view resolves the course and activity through courses.selectors first, so a user
only reaches the lab of activities they may see (outsiders get 404; students never see
unreleased work).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from courses import selectors as course_selectors
from courses.enums import ActivityKind

from . import selectors, services
from .client import HubError, HubUnavailable, SpawnFailed

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
    """Start (or reuse) the server and show the progress page; the page enters the lab when ready."""
    access, act = _activity(request, slug, activity)
    ctx = _context(access, act)
    if not ctx["opens_in_lab"]:
        return render(
            request, "sandbox/opening.html", {**ctx, "error": _("This activity has no notebook to open.")}, status=400
        )
    try:
        outcome = services.lab_start(user=_user(request))
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
    return render(
        request, "sandbox/opening.html", {**ctx, "outcome": outcome, "reset": request.POST.get("reset") == "1"}
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


@login_required
@require_GET
def progress(request: HttpRequest, slug: str, activity: str) -> StreamingHttpResponse:
    """The hub's progress events, relayed as a server-sent event stream the page can read."""
    _activity(request, slug, activity)
    name = _hub_name(request)

    def stream() -> Iterator[str]:
        try:
            client = services.hub_client()
            for event in client.server_progress(name, timeout=settings.HUB_PROGRESS_TIMEOUT_SECONDS):
                if event.failed:
                    log.error("spawn failed for %s: %s", name, event.message)
                    yield _sse({"progress": 100, "failed": True, "message": _failure_text(event.message)})
                    return
                yield _sse({"progress": event.progress, "message": _progress_text(event.message), "ready": event.ready})
                if event.ready:
                    return
        except SpawnFailed as exc:
            log.error("spawn failed for %s: %s", name, exc)
            yield _sse({"progress": 100, "failed": True, "message": str(exc)})
        except HubError as exc:
            log.error("progress for %s: %s", name, exc)
            yield _sse(
                {
                    "progress": 100,
                    "failed": True,
                    "message": _("The lab is unavailable right now. Please try again in a few minutes."),
                }
            )

    async def stream_async() -> AsyncIterator[str]:
        # The same events for an ASGI server (production): awaited, so an open stream holds no
        # worker and no thread (deploy/gunicorn.conf.py). Django would buffer a sync iterator whole.
        try:
            client = services.hub_client()
            async for event in client.server_progress_async(name, timeout=settings.HUB_PROGRESS_TIMEOUT_SECONDS):
                if event.failed:
                    log.error("spawn failed for %s: %s", name, event.message)
                    yield _sse({"progress": 100, "failed": True, "message": _failure_text(event.message)})
                    return
                yield _sse({"progress": event.progress, "message": _progress_text(event.message), "ready": event.ready})
                if event.ready:
                    return
        except SpawnFailed as exc:
            log.error("spawn failed for %s: %s", name, exc)
            yield _sse({"progress": 100, "failed": True, "message": str(exc)})
        except HubError as exc:
            log.error("progress for %s: %s", name, exc)
            yield _sse(
                {
                    "progress": 100,
                    "failed": True,
                    "message": _("The lab is unavailable right now. Please try again in a few minutes."),
                }
            )

    # WSGI (runserver, the demo) streams a sync iterator and would buffer an async one; ASGI the reverse.
    events = stream_async() if isinstance(request, ASGIRequest) else stream()
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


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
