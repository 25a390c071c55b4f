"""Reads of the lab: is the hub there, and what is the user's server doing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from .client import HubError, ServerStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LabStatus:
    available: bool
    server: ServerStatus | None = None
    message: str = ""


def lab_status(*, user: Any, timeout: float = 2.0) -> LabStatus:
    """The user's server state, or ``available=False`` with the reason logged (never raises)."""
    from .services import hub_client

    try:
        return LabStatus(available=True, server=hub_client(timeout=timeout).server_status(user.hub_name))
    except HubError as exc:
        log.warning("lab status for %s: hub unavailable: %s", user.hub_name, exc)
        return LabStatus(available=False, message=str(exc))


# --- the admission queue and lab preparations ---------------------------------------------------
DEFAULT_START_SECONDS = 15


def start_seconds_typical(*, sample: int = 20) -> float:
    """How long an admitted start took lately (mean of the last ``sample`` ready ones; a default before any)."""
    from .models import LabStart, StartState

    rows = (
        LabStart.objects.filter(state=StartState.READY, admitted_at__isnull=False, finished_at__isnull=False)
        .order_by("-finished_at")
        .values_list("admitted_at", "finished_at")[:sample]
    )
    spans = [(done - admitted).total_seconds() for admitted, done in rows if admitted and done and done >= admitted]
    return sum(spans) / len(spans) if spans else float(DEFAULT_START_SECONDS)


def queue_position(*, row: Any) -> tuple[int, int]:
    """``(place in line, about how many seconds until admitted)`` of a queued start (place 1 is next)."""
    from django.conf import settings
    from django.db.models import Q

    from .models import LabStart, StartState

    ahead = LabStart.objects.filter(state=StartState.QUEUED).filter(
        Q(priority__lt=row.priority) | Q(priority=row.priority, pk__lt=row.pk)
    )
    position = ahead.count() + 1
    limit = max(1, int(settings.LAB_START_CONCURRENCY))
    rounds = -(-position // limit)  # each round admits `limit` starts, one start's time apart
    return position, max(1, round(rounds * start_seconds_typical()))


@dataclass(frozen=True)
class PreparationSummary:
    preparation: Any
    ready: int
    queued: int
    starting: int
    failed: int
    stopped: int
    skipped_budget: int
    already_running: int
    placed: int = 0  # labs with the preparation's activity placed (or taken by their student since)


def preparation_latest(*, course: Any) -> PreparationSummary | None:
    """The course's latest lab preparation with its starts counted by state."""
    from django.db.models import Count

    from .models import LabPreparation, StartState

    prep = LabPreparation.objects.filter(course=course).select_related("lesson", "section", "activity").first()
    if prep is None:
        return None
    counts = dict(prep.starts.values("state").annotate(n=Count("id")).values_list("state", "n"))
    return PreparationSummary(
        preparation=prep,
        ready=counts.get(StartState.READY, 0),
        queued=counts.get(StartState.QUEUED, 0),
        starting=counts.get(StartState.STARTING, 0),
        failed=counts.get(StartState.FAILED, 0) + counts.get(StartState.CANCELLED, 0),
        stopped=counts.get(StartState.STOPPED, 0),
        skipped_budget=prep.skipped_budget,
        already_running=prep.already_running,
        placed=prep.starts.filter(placed_version__isnull=False).count(),
    )


def lessons_upcoming(*, course: Any) -> list[Any]:
    """The course's scheduled lessons that have not started more than a grace period ago."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from .models import ScheduledLesson

    since = timezone.now() - timedelta(minutes=settings.LAB_PREWARM_GRACE_MINUTES)
    return list(
        ScheduledLesson.objects.filter(course=course, starts_at__gte=since).select_related("section", "activity")
    )


def queue_place(*, user: Any) -> tuple[int, int] | None:
    """The user's place in the start queue and the estimate, or None when not waiting."""
    from .models import LabStart, StartState

    row = LabStart.objects.filter(user=user, state=StartState.QUEUED).first()
    return queue_position(row=row) if row else None
