"""Writes of the lab: start a student's server, place an activity's notebooks, submit from it.

Everything goes through the hub's REST API and the student's Jupyter Server contents API
(no shared filesystem), so the same code drives a KubeSpawner deployment.
"""

from __future__ import annotations

import json
import logging
import posixpath
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import selectors as course_selectors

from . import quota
from .client import HubClient, HubError, HubUnavailable
from .hub.constants import DEFAULT_PROFILE, KERNEL_DISPLAY_NAME, KERNEL_NAME, PROFILES
from .models import (
    ACTIVE_STATES,
    AdmissionGate,
    LabPreparation,
    LabStart,
    ScheduledLesson,
    StartPriority,
    StartReason,
    StartState,
)
from .secrets import hub_secrets_read

if TYPE_CHECKING:
    from accounts.models import User

log = logging.getLogger(__name__)


class LabError(HubError):
    """A lab action that cannot be done; the message is for the student."""


_clients: dict[tuple[str, str, str, float, str], HubClient] = {}
_clients_lock = threading.Lock()


def hub_client(*, timeout: float | None = None) -> HubClient:
    """A client for the configured hub: the site's service token for the hub API; every call into
    a student's server carries that server's own short-lived token instead (sandbox.client).

    One client per configuration and timeout in each process, shared by its threads: its pooled
    connections stay open between calls (a new client per call opened a connection per request, a
    class's clicks each paying the connect on a busy machine). It keeps no cookies."""
    token = settings.HUB_API_TOKEN or hub_secrets_read(path=settings.HUB_SECRETS_FILE).get("service_token", "")
    key = (
        settings.HUB_URL,
        settings.HUB_API_URL,
        token,
        float(timeout or settings.HUB_TIMEOUT_SECONDS),
        settings.HUB_SUBDOMAIN_HOST or "",
    )
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = HubClient(
                base_url=key[0], api_url=key[1], token=token, timeout=key[3], subdomain_host=key[4] or None
            )
            _clients[key] = client
        return client


def lab_name(user: User) -> str:
    """The user's lab (hub user) name; ``User.save`` sets it, so every saved user has one."""
    name = user.hub_name
    assert name, "an unsaved user has no lab"
    return name


def activity_lab_dir(*, activity: Any) -> str:
    """Where an activity's notebooks live in the student's home: courses/<course>/<activity>."""
    return posixpath.join(settings.HUB_NOTEBOOK_ROOT, activity.course.slug, activity.slug)


def activity_lab_paths(*, activity: Any) -> list[tuple[str, Any]]:
    """``(path in the lab, ActivityFile)`` for each student notebook of the current version."""
    version = activity.current_version
    if version is None:
        return []
    base = activity_lab_dir(activity=activity)
    files = course_selectors.activity_student_notebooks(version=version).order_by("path")
    return [(posixpath.join(base, f.path), f) for f in files]


def lab_start(*, user: User, profile: str | None = None) -> str:
    """Ask for the user's lab; returns "queued", "started", "pending" or "running".

    A running lab is reused at once. Otherwise the start joins the admission queue
    (``queue_enqueue``) and the queue moves (``queue_pump``): with a free place it is started now
    and the hub's answer comes back ("started"/"pending"); else "queued", and the progress page
    keeps the student's place in line until it is admitted. Two clicks at once share one row.
    """
    client = hub_client()
    name = lab_name(user)
    status = client.server_status(name)
    if status.state != "stopped":
        _opened(user=user)
        return "running" if status.state == "ready" else "pending"
    row = queue_enqueue(user=user, profile=profile or settings.HUB_DEFAULT_PROFILE)
    outcomes = queue_pump()
    row.refresh_from_db()
    if row.pk in outcomes:
        return outcomes[row.pk]
    if row.state == StartState.QUEUED:
        return "queued"
    if row.state == StartState.FAILED:
        raise LabError(row.error or _("Your lab could not start. Please try again."))
    return "pending"


@dataclass(frozen=True)
class Opened:
    """What "Open in JupyterLab" did: the start's outcome and, for a lab that was already running,
    the notebooks placed (the student goes straight in: no progress page, no second request)."""

    outcome: str
    placed: list[Placed] | None = None


def lab_open(*, user: User, activity: Any, reset: bool = False) -> Opened:
    """Ask for the user's lab (``lab_start``); a lab that is running and ready gets the activity's
    notebooks at once (``lab_notebooks_place``), a prepared one without a call into the server.

    A placement that fails here is left to the progress page and "enter", as for a lab that starts.
    """
    outcome = lab_start(user=user)
    if outcome != "running":
        return Opened(outcome=outcome)
    try:
        placed = lab_notebooks_place(user=user, activity=activity, reset=reset, ready=True)
    except HubError as exc:
        log.warning("open lab for %s: notebooks not placed at once (%s); the page tries again", user.hub_name, exc)
        return Opened(outcome=outcome)
    return Opened(outcome=outcome, placed=placed)


def _opened(*, user: User) -> None:
    """The student asked for their lab: a prepared one is now in use (the grace sweep keeps it)."""
    LabStart.objects.filter(user=user, reason=StartReason.PREPARE, opened_at__isnull=True).exclude(
        state__in=(StartState.FAILED, StartState.CANCELLED, StartState.STOPPED)
    ).update(opened_at=timezone.now(), priority=StartPriority.STUDENT_WAITING)


# --- the admission queue ------------------------------------------------------------------------
def profile_memory_mb(profile: str) -> int:
    """What one lab of this profile is planned at: its memory guarantee (as Kubernetes schedules
    labs), else its limit; unknown profiles count as the default. Counting every lab at its limit
    prepared 5 labs of a class of 30 on a 24 GiB machine where 28 idle labs took 13 GiB."""
    known = PROFILES.get(profile) or PROFILES.get(settings.HUB_DEFAULT_PROFILE) or PROFILES[DEFAULT_PROFILE]
    return int(known.get("mem_guarantee", known["mem_limit"])) // (1024 * 1024)


def queue_enqueue(
    *,
    user: User,
    profile: str,
    reason: str = StartReason.CLICK,
    preparation: LabPreparation | None = None,
) -> LabStart:
    """The user's queued-or-starting row, created if there is none (one per user, whoever asks).

    A school's ``lab_profile`` is its students' profile, whatever the caller asked for."""
    now = timezone.now()
    profile = quota.lab_profile_for(user=user) or profile
    existing = LabStart.objects.filter(user=user, state__in=ACTIVE_STATES).first()
    if existing is None:
        try:
            with transaction.atomic():
                return LabStart.objects.create(
                    user=user,
                    profile=profile,
                    memory_mb=profile_memory_mb(profile),
                    reason=reason,
                    priority=StartPriority.PREPARED if reason == StartReason.PREPARE else StartPriority.STUDENT_WAITING,
                    preparation=preparation,
                    seen_at=now,
                    opened_at=now if reason == StartReason.CLICK else None,
                )
        except IntegrityError:  # a second click (or a preparation) made it just now
            existing = LabStart.objects.filter(user=user, state__in=ACTIVE_STATES).first()
            if existing is None:
                raise
    if reason == StartReason.CLICK:
        # a student waiting goes before labs prepared ahead, and their prepared lab is in use
        LabStart.objects.filter(pk=existing.pk).update(
            seen_at=now, priority=StartPriority.STUDENT_WAITING, opened_at=existing.opened_at or now
        )
        existing.refresh_from_db()
    return existing


def _gate() -> None:
    """Take the admission turn: an UPDATE of the one gate row, held until the transaction ends.

    PostgreSQL: a row lock, so concurrent admitters wait for each other. SQLite: the site opens
    IMMEDIATE transactions and this is a write anyway, so the database lock serialises them.
    """
    if not AdmissionGate.objects.filter(pk=1).update(turns=F("turns") + 1):
        try:
            with transaction.atomic():  # a savepoint: a concurrent creator wins, we update theirs
                AdmissionGate.objects.create(pk=1, turns=1)
        except IntegrityError:
            AdmissionGate.objects.filter(pk=1).update(turns=F("turns") + 1)


def queue_expire(*, now: datetime | None = None) -> int:
    """Free places held by starts nobody follows: waiting pages gone, admitted starts never reported."""
    now = now or timezone.now()
    abandoned = LabStart.objects.filter(
        state=StartState.QUEUED,
        reason=StartReason.CLICK,
        seen_at__lt=now - timedelta(seconds=settings.LAB_QUEUE_ABANDON_SECONDS),
    ).update(state=StartState.CANCELLED, finished_at=now, error="left the line")
    expired = LabStart.objects.filter(
        state=StartState.STARTING, admitted_at__lt=now - timedelta(seconds=settings.LAB_START_SLOT_SECONDS)
    ).update(
        state=StartState.FAILED,
        finished_at=now,
        error=_("Your lab took too long to start. Please try again in a minute."),
    )
    return abandoned + expired


def queue_admit(
    *, now: datetime | None = None, limit: int | None = None, running: quota.Running | None = None
) -> list[LabStart]:
    """Admit waiting starts in (priority, id) order while fewer than the limit are starting.

    Admitters take turns (``_gate``); the rows are claimed with ``select_for_update(skip_locked)``
    where the database has it (PostgreSQL), so a row is admitted exactly once. A start of a school
    at its ``lab_concurrent_limit`` keeps its place and the next one is taken (``quota``);
    ``running`` is the hub's list of labs (``quota.running_read``; None: only starting rows count).
    """
    now = now or timezone.now()
    limit = settings.LAB_START_CONCURRENCY if limit is None else limit
    with transaction.atomic():
        _gate()
        free = limit - LabStart.objects.filter(state=StartState.STARTING).count()
        if free <= 0:
            return []
        waiting = LabStart.objects.filter(state=StartState.QUEUED).order_by("priority", "id")
        if connection.features.has_select_for_update_skip_locked:
            waiting = waiting.select_for_update(skip_locked=True, of=("self",))
        limits = quota.limited_schools()
        if limits:
            rows = quota.admissible(
                list(waiting.select_related("user")),
                free=free,
                limits=limits,
                running=running or quota.Running(names=None),
            )
        else:
            rows = list(waiting.select_related("user")[:free])
        if rows:
            LabStart.objects.filter(pk__in=[r.pk for r in rows], state=StartState.QUEUED).update(
                state=StartState.STARTING, admitted_at=now
            )
        for row in rows:
            row.state, row.admitted_at = StartState.STARTING, now
        return rows


def queue_post(rows: list[LabStart]) -> dict[int, str]:
    """Ask the hub for the admitted rows' servers (the hub's own start timeout begins now)."""
    outcomes: dict[int, str] = {}
    if not rows:
        return outcomes
    client = hub_client()
    for row in rows:
        name = lab_name(row.user)
        try:
            client.user_ensure(name)
            outcome = client.server_start(name, profile=row.profile)
        except HubError as exc:
            log.error("lab start for %s refused: %s", name, exc)
            message = (
                _("The lab is unavailable right now. Please try again in a few minutes.")
                if isinstance(exc, HubUnavailable)
                else str(exc)
            )
            LabStart.objects.filter(pk=row.pk, state=StartState.STARTING).update(
                state=StartState.FAILED, finished_at=timezone.now(), error=message[:500]
            )
            continue
        now = timezone.now()
        if outcome == "running":
            LabStart.objects.filter(pk=row.pk, state=StartState.STARTING).update(
                state=StartState.READY, posted_at=now, finished_at=now
            )
        else:
            LabStart.objects.filter(pk=row.pk, state=StartState.STARTING).update(posted_at=now)
        outcomes[row.pk] = outcome
        try:
            # mint the server's own token now, while the server starts, not when the notebook is placed
            client.user_token(name)
        except HubError as exc:
            log.warning("no server token for %s yet: %s", name, exc)
    return outcomes


def queue_check_hub(*, now: datetime | None = None) -> int:
    """Finish admitted starts from the hub's view (one call): ready servers, starts that ended."""
    now = now or timezone.now()
    starting = list(LabStart.objects.filter(state=StartState.STARTING, posted_at__isnull=False).select_related("user"))
    if not starting:
        return 0
    servers: dict[str, dict[str, Any]] = {}
    for model in hub_client().users_active():
        server = (model.get("servers") or {}).get("")
        if server:
            servers[str(model.get("name"))] = server
    changed = 0
    for row in starting:
        server = servers.get(row.user.hub_name or "")
        if server is not None and server.get("ready"):
            changed += start_finish(row_id=row.pk, ok=True, now=now)
        elif server is None and row.posted_at and row.posted_at < now - timedelta(seconds=5):
            changed += start_finish(
                row_id=row.pk, ok=False, error=_("Your lab could not start. Please try again."), now=now
            )
    return changed


def start_finish(*, row_id: int, ok: bool, error: str = "", now: datetime | None = None) -> int:
    """An admitted start ended (ready or failed): its place goes to the next in line."""
    now = now or timezone.now()
    return LabStart.objects.filter(pk=row_id, state=StartState.STARTING).update(
        state=StartState.READY if ok else StartState.FAILED, finished_at=now, error=error[:500]
    )


def queue_pump(*, check_hub: bool = False) -> dict[int, str]:
    """Move the line: free stale places, (optionally) finish starts the hub reports, admit, post.

    Any process may call it at any time (waiting pages, a teacher's "prepare labs", the
    housekeeping task); returns the hub's answer for each row this call started.
    """
    queue_expire()
    if check_hub:
        try:
            queue_check_hub()
        except HubError as exc:
            log.warning("lab queue: hub unavailable: %s", exc)
    running = quota.running_read(hub_client()) if quota.waiting_under_limits() else None
    return queue_post(queue_admit(running=running))


@dataclass(frozen=True)
class WaitStep:
    """Where a student's start stands, for the progress page."""

    state: str
    row_id: int | None = None
    position: int = 0
    eta_seconds: int = 0
    error: str = ""
    posted: bool = False
    school_full: quota.SchoolLoad | None = None  # waiting because the school's labs are all in use


def queue_wait_step(*, user: User, row_id: int | None = None) -> WaitStep:
    """One poll of a waiting page: keep the place, move the line, say where the start stands.

    The first poll finds the user's queued-or-starting row (none: the hub has the start, or the
    lab runs); later polls follow that row by id to its end.
    """
    from .selectors import queue_position

    rows = LabStart.objects.filter(user=user)
    row = rows.filter(pk=row_id).first() if row_id else rows.filter(state__in=ACTIVE_STATES).first()
    if row is None:
        return WaitStep(state="none")
    if row.state == StartState.QUEUED:
        LabStart.objects.filter(pk=row.pk).update(seen_at=timezone.now())
        queue_pump()
        row.refresh_from_db()
    if row.state == StartState.QUEUED:
        position, eta = queue_position(row=row)
        load = quota.school_load(user=user, client=hub_client())
        full = load if load is not None and load.full else None
        return WaitStep(state=row.state, row_id=row.pk, position=position, eta_seconds=eta, school_full=full)
    return WaitStep(state=row.state, row_id=row.pk, error=row.error, posted=row.posted_at is not None)


def start_finish_for(*, user: User, ok: bool, error: str = "") -> int:
    """The progress page saw the hub's last event for this user's start."""
    row = LabStart.objects.filter(user=user, state=StartState.STARTING).first()
    return start_finish(row_id=row.pk, ok=ok, error=error) if row else 0


# --- preparing a class's labs -------------------------------------------------------------------
@dataclass(frozen=True)
class PrepareResult:
    preparation: LabPreparation
    queued: int
    already_running: int
    skipped_budget: int


def labs_prepare(
    *,
    course: Any,
    section: Any | None = None,
    lesson: ScheduledLesson | None = None,
    activity: Any | None = None,
    by: User | None = None,
    profile: str | None = None,
    budget_mb: int | None = None,
) -> PrepareResult:
    """Start the labs of the course's students (or one section's) through the admission queue.

    ``activity`` (else the lesson's): the activity of the course the class will open; its notebooks
    are placed in each lab once it is ready (``prepared_place``), so the click only goes in.

    Labs already running or starting count against ``LAB_PREWARM_MEMORY_BUDGET_MB`` (each at its
    profile's memory limit), so do the labs queued here; a student whose lab would exceed the
    budget is skipped and counted. The caller moves the queue (``queue_pump`` / the task).
    """
    from courses.enums import Role
    from courses.models import Enrollment

    profile = profile or settings.HUB_DEFAULT_PROFILE
    budget = settings.LAB_PREWARM_MEMORY_BUDGET_MB if budget_mb is None else budget_mb
    students = Enrollment.objects.filter(course=course, role=Role.STUDENT, user__is_active=True)
    if section is not None:
        students = students.filter(sections=section)
    users = [e.user for e in students.select_related("user").order_by("user__username", "user_id")]
    active_names = {str(m.get("name")) for m in hub_client().users_active() if (m.get("servers") or {}).get("")}
    queued_rows = {row.user_id: row for row in LabStart.objects.filter(state__in=ACTIVE_STATES).select_related("user")}
    default_mb = profile_memory_mb(settings.HUB_DEFAULT_PROFILE)
    known_mb = dict(
        LabStart.objects.filter(user__hub_name__in=active_names)
        .order_by("user_id", "id")
        .values_list("user__hub_name", "memory_mb")
    )
    used = sum(known_mb.get(n) or default_mb for n in active_names)
    used += sum(r.memory_mb for r in queued_rows.values() if (r.user.hub_name or "") not in active_names)
    activity = activity or (lesson.activity if lesson is not None else None)
    if activity is not None and activity.course_id != course.pk:
        raise ValueError("the activity is not the course's")
    preparation = LabPreparation.objects.create(
        course=course,
        section=section,
        lesson=lesson,
        activity=activity,
        created_by=by,
        students=len(users),
        budget_mb=budget,
    )
    queued = running = skipped = 0
    for user in users:
        if lab_name(user) in active_names:
            running += 1
            continue
        if user.pk in queued_rows:
            LabStart.objects.filter(pk=queued_rows[user.pk].pk, preparation__isnull=True).update(
                preparation=preparation
            )
            queued += 1
            continue
        need = profile_memory_mb(quota.lab_profile_for(user=user) or profile)  # the school's, if it sets one
        if used + need > budget:
            skipped += 1
            continue
        queue_enqueue(user=user, profile=profile, reason=StartReason.PREPARE, preparation=preparation)
        used += need
        queued += 1
    preparation.already_running, preparation.skipped_budget = running, skipped
    preparation.save(update_fields=["already_running", "skipped_budget"])
    log.info(
        "labs prepared for %s: %d queued, %d running, %d over budget (%d MiB)",
        course.slug,
        queued,
        running,
        skipped,
        budget,
    )
    return PrepareResult(preparation, queued, running, skipped)


def lessons_due(*, now: datetime | None = None) -> list[PrepareResult]:
    """Prepare the labs of every scheduled lesson starting within ``LAB_PREPARE_MINUTES_BEFORE``.

    Each lesson is claimed once (its ``prepared_at``); a lesson already over by more than the
    grace period is marked and skipped.
    """
    now = now or timezone.now()
    lead = timedelta(minutes=settings.LAB_PREPARE_MINUTES_BEFORE)
    grace = timedelta(minutes=settings.LAB_PREWARM_GRACE_MINUTES)
    results: list[PrepareResult] = []
    due = ScheduledLesson.objects.filter(prepared_at__isnull=True, starts_at__lte=now + lead).values_list(
        "pk", flat=True
    )
    for pk in list(due):
        with transaction.atomic():
            rows = ScheduledLesson.objects.filter(pk=pk, prepared_at__isnull=True)
            if connection.features.has_select_for_update_skip_locked:
                rows = rows.select_for_update(skip_locked=True, of=("self",))
            lesson = rows.select_related("course", "section", "activity").first()
            if lesson is None:
                continue  # another worker has it
            ScheduledLesson.objects.filter(pk=pk).update(prepared_at=now)
        if lesson.starts_at + grace < now:
            continue
        try:
            results.append(labs_prepare(course=lesson.course, section=lesson.section, lesson=lesson))
        except HubError as exc:
            log.error("labs for lesson %s not prepared: %s", pk, exc)
            ScheduledLesson.objects.filter(pk=pk).update(prepared_at=None)  # the next run tries again
    return results


def prepared_unused_stop(*, now: datetime | None = None) -> int:
    """Stop prepared labs that their students have not opened within the grace period.

    The period counts from the later of the lab being ready and its lesson's start.
    """
    now = now or timezone.now()
    grace = timedelta(minutes=settings.LAB_PREWARM_GRACE_MINUTES)
    rows = LabStart.objects.filter(
        reason=StartReason.PREPARE, state=StartState.READY, opened_at__isnull=True
    ).select_related("user", "preparation__lesson")
    stopped = 0
    for row in rows:
        since = row.finished_at or row.created_at
        lesson = row.preparation.lesson if row.preparation else None
        if lesson is not None and lesson.starts_at > since:
            since = lesson.starts_at
        if since + grace > now:
            continue
        if LabStart.objects.filter(user=row.user, pk__gt=row.pk).exists():
            # the student has started the lab again since: it is theirs now
            LabStart.objects.filter(pk=row.pk).update(state=StartState.STOPPED)
            continue
        try:
            hub_client().server_stop(lab_name(row.user))
        except HubError as exc:
            log.warning("unused prepared lab of %s not stopped: %s", row.user.hub_name, exc)
            continue
        LabStart.objects.filter(pk=row.pk, state=StartState.READY, opened_at__isnull=True).update(
            state=StartState.STOPPED
        )
        stopped += 1
    return stopped


@dataclass(frozen=True)
class Placed:
    path: str
    written: bool  # False: the student's own copy was already there and was kept
    backup: str | None = None


def lab_notebooks_place(*, user: User, activity: Any, reset: bool = False, ready: bool = False) -> list[Placed]:
    """Write the activity's student notebooks into the user's running server.

    An existing file is never overwritten: the student's edits win. ``reset=True`` renames
    the existing copy to ``<name>.backup-<UTC time>.ipynb`` and writes a fresh one. ``ready=True``:
    the caller has just seen the server ready (``lab_open``), so it is not asked again.

    A prepared lab whose notebooks were placed before the lesson (``prepared_place``) is taken as it
    is, once, without a call into the server; in another interface language its untouched notebooks
    are written again in the student's.
    """
    from django.utils.translation import get_language

    name = lab_name(user)
    paths = activity_lab_paths(activity=activity)
    if not paths:
        raise LabError(_("This activity has no notebook to open."))
    # a quick check first (short timeout): a hung hub fails fast, a stopped lab says so
    if not ready and hub_client().server_status(name).state != "ready":
        raise LabError(_("Your lab is not running. Open it again from the activity page."))
    client = hub_client(timeout=max(settings.HUB_TIMEOUT_SECONDS, 15))
    if not reset:
        lang = get_language() or settings.LANGUAGE_CODE
        taken = _prepared_take(user=user, activity=activity)
        if taken is not None:
            if taken == lang:
                return [Placed(path=path, written=False) for path, _f in paths]
            for path, data in _lab_files(paths=paths, lang=lang):  # nobody has opened them yet
                client.contents_put_notebook(name, path, data)
            return [Placed(path=path, written=True) for path, _f in paths]
    notebooks = _lab_files(paths=paths, lang=None)
    return _files_write(client=client, name=name, notebooks=notebooks, data=_data_files(activity=activity), reset=reset)


def _lab_files(*, paths: list[tuple[str, Any]], lang: str | None) -> list[tuple[str, bytes]]:
    """The notebooks as the student gets them, in ``lang`` (None: the active language)."""
    from core.blobs import blob_get
    from courses.notebook_lang import notebook_bytes_for_language  # the student's interface language

    return [(path, notebook_for_lab(notebook_bytes_for_language(blob_get(f.blob), lang))) for path, f in paths]


def _data_files(*, activity: Any) -> list[tuple[str, str]]:
    """``(path in the lab, blob digest)`` of the data files the activity's notebooks read."""
    base = activity_lab_dir(activity=activity)
    files = course_selectors.activity_data_files(version=activity.current_version)
    return [(posixpath.join(base, f.path), f.blob) for f in files]


def _files_write(
    *,
    client: HubClient,
    name: str,
    notebooks: list[tuple[str, bytes]],
    data: list[tuple[str, str]],
    reset: bool,
) -> list[Placed]:
    """Write the notebooks and data files into ``name``'s server, then bind the server's warm kernel
    to the first notebook. No database here: ``prepared_place`` calls it from worker threads."""
    from core.blobs import blob_get

    placed: list[Placed] = []
    # the file is looked for first: a lab opened before has it (one call), and only a missing one
    # needs its folders made (a call per level)
    for path, content in notebooks:
        existing = client.contents_get(name, path)
        backup = None
        if existing is not None:
            if not reset:
                placed.append(Placed(path=path, written=False))
                continue
            stem, ext = posixpath.splitext(path)
            backup = f"{stem}.backup-{timezone.now():%Y%m%d-%H%M%S}{ext}"
            client.contents_rename(name, path, backup)
        else:
            client.contents_mkdir(name, posixpath.dirname(path))
        client.contents_put_notebook(name, path, content)
        placed.append(Placed(path=path, written=True, backup=backup))
    # data files the notebooks read (CSV inputs, ...) go beside them; a student's copy is kept
    for path, digest in data:
        if reset or client.contents_get(name, path) is None:
            client.contents_mkdir(name, posixpath.dirname(path))
            client.contents_put_file(name, path, blob_get(digest))
    try:
        # the server's warm kernel (imports preloaded) goes to the notebook the student lands on
        client.session_bind(name, placed[0].path)
    except HubError as exc:
        log.warning("no warm kernel for %s: %s", name, exc)
    return placed


def _prepared_take(*, user: User, activity: Any) -> str | None:
    """The language of this activity's notebooks placed in the user's prepared lab, taken (once), or None.

    Only the user's latest start counts (a lab started again since is another server), and only the
    activity's current version."""
    latest = LabStart.objects.filter(user=user).order_by("-id").values_list("pk", flat=True).first()
    if latest is None or activity.current_version_id is None:
        return None
    row = LabStart.objects.filter(
        pk=latest,
        reason=StartReason.PREPARE,
        state=StartState.READY,
        placed_at__isnull=False,
        placed_version_id=activity.current_version_id,
    )
    lang = row.values_list("placed_lang", flat=True).first()
    if lang is None or not row.update(placed_at=None):
        return None
    return lang


# --- the activity placed in prepared labs before the lesson --------------------------------------
PLACE_TRIES = 20  # a lab whose placement keeps failing is left to the student's click
PLACE_THREADS = 4
PLACE_KERNEL_WAIT = 5.0  # seconds a round waits for a warm kernel's answer
_PlaceJob = tuple[LabStart, Any, list[tuple[str, bytes]], list[tuple[str, str]]]  # row, activity, notebooks, data


def _placing() -> Any:
    """Prepared labs, ready, not opened, whose preparation names an activity not yet placed in them."""
    return LabStart.objects.filter(
        reason=StartReason.PREPARE,
        state=StartState.READY,
        opened_at__isnull=True,
        placed_at__isnull=True,
        place_tries__lt=PLACE_TRIES,
        preparation__activity__isnull=False,
    )


def prepared_placing() -> bool:
    """Prepared labs still wait for their activity to be placed."""
    return _placing().exists()


def prepared_place(*, now: datetime | None = None) -> int:
    """Place the preparation's activity in each ready prepared lab before its student clicks.

    Each student's own lab gets the activity's notebooks and data files exactly as "enter" writes
    them (never over a file that is there), only while that student may see the activity (the pages'
    own selectors: member, released); the server's warm kernel is bound to the first notebook and
    asked for its ``kernel_info``, which it answers once its imports are done. Then the row is placed,
    and the student's click only goes in (``lab_notebooks_place``). Returns how many were placed.

    A lab that fails, or whose kernel has not answered ``LAB_START_SLOT_SECONDS`` after it was
    ready, is tried again on later rounds (``PLACE_TRIES`` at most); after that its click places it.
    """
    from django.http import Http404

    now = now or timezone.now()
    lang = settings.LANGUAGE_CODE
    jobs: list[_PlaceJob] = []
    for row in _placing().select_related("user", "preparation__activity__course"):
        activity = row.preparation.activity if row.preparation else None
        if activity is None:  # the filter says there is one; a deletion since leaves it to the click
            continue
        try:
            access = course_selectors.course_access(user=row.user, slug=activity.course.slug)
            visible = course_selectors.activity_get(access=access, slug=activity.slug)
            paths = activity_lab_paths(activity=visible) if access.is_student else []
        except Http404:
            paths = []
        if not paths:  # not theirs to see (yet), or nothing to place: the click decides
            LabStart.objects.filter(pk=row.pk).update(place_tries=PLACE_TRIES)
            continue
        jobs.append((row, visible, _lab_files(paths=paths, lang=lang), _data_files(activity=visible)))
    if not jobs:
        return 0
    client = hub_client(timeout=max(settings.HUB_TIMEOUT_SECONDS, 15))

    def one(job: _PlaceJob) -> str:
        row, _activity, notebooks, data = job
        name = lab_name(row.user)
        try:
            placed = _files_write(client=client, name=name, notebooks=notebooks, data=data, reset=False)
            kernel = client.session_kernel(name, placed[0].path)
            # a short wait: a kernel still importing is asked again on the next round, and the queue
            # drive that calls this goes on admitting starts meanwhile
            if kernel is not None and not client.kernel_wait_ready(name, kernel, timeout=PLACE_KERNEL_WAIT):
                return "waiting"
            return "placed"
        except HubError as exc:
            log.warning("activity not placed in %s's prepared lab: %s (%r)", name, exc, exc.__cause__)
            return "failed"

    with ThreadPoolExecutor(max_workers=min(PLACE_THREADS, len(jobs))) as pool:
        results = list(pool.map(one, jobs))
    placed = 0
    slow = now - timedelta(seconds=settings.LAB_START_SLOT_SECONDS)
    for (row, activity, _n, _d), result in zip(jobs, results, strict=True):
        if result == "placed":
            placed += LabStart.objects.filter(pk=row.pk, opened_at__isnull=True, placed_at__isnull=True).update(
                placed_at=now, placed_version_id=activity.current_version_id, placed_lang=lang
            )
        elif result == "failed" or (row.finished_at or now) < slow:  # a kernel that never answers counts too
            LabStart.objects.filter(pk=row.pk).update(place_tries=F("place_tries") + 1)
    return placed


def notebook_for_lab(data: bytes) -> bytes:
    """The notebook as the student gets it: set to open on the quantum kernel.

    Course notebooks may name any kernelspec (often "python3"); student servers offer
    only the quantum kernel, so an unknown name would make JupyterLab ask which to use.
    """
    nb = json.loads(data)
    nb.setdefault("metadata", {})["kernelspec"] = {
        "name": KERNEL_NAME,
        "display_name": KERNEL_DISPLAY_NAME,
        "language": "python",
    }
    return json.dumps(nb, ensure_ascii=False).encode()


def lab_submit(*, user: User, activity: Any, path: str, idempotency_key: str) -> Any:
    """Pull the notebook at ``path`` from the user's server and hand it to grading.

    Returns grading's Submission (its ``received_at`` and ``blob`` are the receipt).
    Raises LabError when the path is not one of the activity's notebooks or the file is
    missing, HubUnavailable when the lab cannot be reached, and grading's
    SubmissionRejected for bad input.
    """
    from grading import enums as grading_enums
    from grading import services as grading_services

    allowed = {p for p, _ in activity_lab_paths(activity=activity)}
    if path not in allowed:
        raise LabError(_("That file is not part of this activity."))
    name = lab_name(user)
    if hub_client().server_status(name).state != "ready":
        raise LabError(_("Your lab is not running. Open it, save your notebook, then submit."))
    client = hub_client(timeout=max(settings.HUB_TIMEOUT_SECONDS, 15))
    if client.contents_get(name, path) is None:
        raise LabError(_("%(path)s is not in your lab. Open the activity in JupyterLab first.") % {"path": path})
    data = client.contents_read_bytes(name, path)
    return grading_services.submission_receive(
        user=user,
        activity=activity,
        data=data,
        source=grading_enums.SubmissionSource.LAB,
        idempotency_key=idempotency_key,
        filename=posixpath.basename(path),
    )


def lab_stop(*, user: User) -> None:
    """Stop the user's server (its files stay in their home; a placement made for it is void)."""
    LabStart.objects.filter(user=user, placed_at__isnull=False).update(placed_at=None)
    hub_client().server_stop(lab_name(user))


def lab_access_end(*, user: User) -> None:
    """End a deactivated user's lab access: revoke their OAuth tokens, stop and remove the hub user.

    The hub user's removal ends their hub sessions; the site refuses them a new login.
    A hub that is down is logged, not raised: deactivation must not fail because of it.
    """
    from accounts.oauth import tokens_revoke_for_user

    tokens_revoke_for_user(user=user)
    if not user.hub_name:
        return
    try:
        hub_client().user_delete(user.hub_name)
    except HubUnavailable as exc:
        log.error("could not remove hub user %s after deactivation: %s", user.hub_name, exc)


def queue_active() -> bool:
    """Starts are waiting or under way."""
    return LabStart.objects.filter(state__in=ACTIVE_STATES).exists()


def drive_claim(*, seconds: float) -> bool:
    """Become the one worker that follows the queue for ``seconds`` (a lease that runs out)."""
    now = timezone.now()
    AdmissionGate.objects.get_or_create(pk=1)
    return bool(
        AdmissionGate.objects.filter(pk=1)
        .filter(Q(drive_until__isnull=True) | Q(drive_until__lt=now))
        .update(drive_until=now + timedelta(seconds=seconds))
    )


def drive_claimed() -> bool:
    return AdmissionGate.objects.filter(pk=1, drive_until__gte=timezone.now()).exists()


def drive_release() -> None:
    AdmissionGate.objects.filter(pk=1).update(drive_until=None)
