"""Per-school grading quota (issue #16 item 3): ``Organisation.grading_jobs_per_hour`` caps how many
grading jobs a school's people start in any rolling hour.

Applied once, where a grading job is claimed (``grading.services.submission_grade`` calls
:func:`claim`). A job over the cap is neither lost nor refused: it stays ``queued`` with a message
for the student ("Queued: your school's grading quota ...") and its ``queued_at`` set so that the
job kernel's sweep (``core.jobs.sweep``: a queued row older than ``GRADING_SWEEP_QUEUED_AFTER``
is sent again) offers it again when the oldest job of the window leaves the hour. No message is
sent on the way (an eager configuration would run it at once, and a countdown message and the
sweep would each offer it): the sweep is the one path back.

A job started counts from its ``started_at`` (a retried job counts once, at its latest start); a
school's people are those with a membership in it (any role: a teacher's test submission is
grading load too). A person's school is ``orgs.selectors.school_of_user`` (their first).
Staff forcing a finished job to run again (``force``) are not held.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from core import jobs

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=1)
# Stored in English (as every grading message); grading.feedback puts it in the reader's language.
MESSAGE = "Queued: your school's grading quota for this hour is in use; grading starts in about {minutes} min."
MESSAGE_PREFIX = "Queued: your school's grading quota"


def _school_with_quota(submission_id: int) -> Any | None:
    """The school of the submission's author when it has a grading quota, else None."""
    from orgs.selectors import school_of_user

    from .models import Submission

    sub = Submission.objects.filter(pk=submission_id).select_related("user").only("pk", "user").first()
    if sub is None:
        return None
    school = school_of_user(user=sub.user)
    return school if school is not None and school.grading_jobs_per_hour is not None else None


def started_in_window(*, school: Any, now: datetime, exclude_pk: int | None = None) -> list[datetime]:
    """Start times of the school's grading jobs in the hour before ``now``, oldest first."""
    from .models import Submission

    rows = Submission.objects.filter(
        user__memberships__org=school, user__memberships__archived=False, started_at__gt=now - WINDOW
    )
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return sorted(t for t in rows.values_list("started_at", flat=True) if t is not None)


def wait_seconds(*, school: Any, now: datetime, exclude_pk: int | None = None) -> float:
    """0 when the school may start a job now; else how long until the window has room."""
    cap = int(school.grading_jobs_per_hour)
    started = started_in_window(school=school, now=now, exclude_pk=exclude_pk)
    if len(started) < cap:
        return 0.0
    if cap <= 0 or not started:
        return WINDOW.total_seconds()  # a quota of 0: offered again every hour, until it is raised
    # the (len - cap + 1)-th oldest must leave the window before one more fits
    leaves = started[len(started) - cap] + WINDOW
    return max(1.0, (leaves - now).total_seconds())


def claim(queue: jobs.JobQueue, pk: int, *, force: bool = False) -> Any | None:
    """``core.jobs.claim`` for the grading queue, within the author's school's hourly quota.

    Over the quota: None (like a job another worker holds), the row left ``queued`` with the
    student's message and a ``queued_at`` that brings the sweep back to it once the hour has room.
    """
    school = None if force else _school_with_quota(pk)
    if school is None:
        return jobs.claim(queue, pk, force=force)
    from orgs.models import Organisation

    manager = queue.model._default_manager
    with transaction.atomic():
        # One claim of a school at a time: PostgreSQL locks the school's row; SQLite's write
        # transactions are serialised already.
        if connection.features.has_select_for_update:
            Organisation.objects.select_for_update().filter(pk=school.pk).values_list("pk", flat=True).first()
        now = timezone.now()
        wait = wait_seconds(school=school, now=now, exclude_pk=pk)
        if wait <= 0:
            row = jobs.claim(queue, pk, force=force)
            if row is not None and str(row.message).startswith(MESSAGE_PREFIX):
                manager.filter(pk=pk).update(message="")
                row.message = ""
            return row
        queued_at = now + timedelta(seconds=wait) - timedelta(seconds=float(queue.queued_after()))
        held = manager.filter(pk=pk, status__in=jobs.WAITING).update(
            status=jobs.JobState.QUEUED,
            queued_at=queued_at,
            message=MESSAGE.format(minutes=max(1, math.ceil(wait / 60))),
        )
    if held:
        log.info(
            "%s job %s held: school %s at its grading quota (%s per hour); the sweep offers it again in %.0f s",
            queue.name,
            pk,
            school.slug,
            school.grading_jobs_per_hour,
            wait,
        )
    return None
