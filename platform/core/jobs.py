"""One job kernel for every queue (grading, competitions, generators).

A job is a row of an app's model with the fields ``status``, ``attempts``, ``received_at`` and
``started_at`` (optionally ``queued_at``). The kernel owns what every queue needs and none should
write twice:

- **one state machine**: received → queued → running → done | failed | needs_attention
  (``TRANSITIONS``); a retry or a dead worker goes back to received, staff may send a finished
  job back to received;
- **enqueue that survives a broker outage**: the row is committed first, the message is sent on
  commit with short broker timeouts (settings: ``CELERY_BROKER_TRANSPORT_OPTIONS``); a broker that
  refuses or never answers leaves the row ``received`` and the sweep sends it later: a receipt,
  never a 500;
- **claim**: atomic (``SELECT … FOR UPDATE`` where the database has it, else a conditional
  UPDATE), counts the attempt before the work starts, so a worker killed mid-job still counts;
- **one retry rule**: :func:`is_retryable` decides; at ``settings.JOBS_MAX_ATTEMPTS`` a job that
  keeps failing for the platform's reasons needs attention instead of looping;
- **one sweep**: re-sends received-but-not-sent rows, queued rows whose message was lost, and rows
  whose running worker died.

An app describes its queue once with a :class:`JobQueue`; ``settings.JOBS_QUEUES`` names them for
the housekeeping task (:mod:`core.tasks`).
"""

from __future__ import annotations

import fnmatch
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


class JobState(StrEnum):
    """Where a job is; an app's status values map onto these (``JobQueue.state``)."""

    RECEIVED = "received"  # committed, not (yet) accepted by the broker
    QUEUED = "queued"  # the broker holds its message
    RUNNING = "running"  # claimed by a worker: one attempt counted
    DONE = "done"
    FAILED = "failed"  # final, and the submitted work's own doing (time, memory, an error)
    NEEDS_ATTENTION = "needs_attention"  # the platform failed it MAX_ATTEMPTS times


# The one set of transitions. RUNNING → RECEIVED is a retry or a dead worker (the attempt stays
# counted); a finished job → RECEIVED is staff sending it again (attempts start from zero).
TRANSITIONS: Mapping[JobState, frozenset[JobState]] = {
    JobState.RECEIVED: frozenset({JobState.QUEUED, JobState.RUNNING, JobState.NEEDS_ATTENTION}),
    JobState.QUEUED: frozenset({JobState.RECEIVED, JobState.QUEUED, JobState.RUNNING, JobState.NEEDS_ATTENTION}),
    JobState.RUNNING: frozenset({JobState.DONE, JobState.FAILED, JobState.RECEIVED, JobState.NEEDS_ATTENTION}),
    JobState.DONE: frozenset({JobState.RECEIVED}),
    JobState.FAILED: frozenset({JobState.RECEIVED}),
    JobState.NEEDS_ATTENTION: frozenset({JobState.RECEIVED}),
}
WAITING = (JobState.RECEIVED.value, JobState.QUEUED.value)


class IllegalTransition(RuntimeError):
    pass


def can_move(old: JobState, new: JobState) -> bool:
    return new in TRANSITIONS[old]


def max_attempts() -> int:
    return int(settings.JOBS_MAX_ATTEMPTS)


def is_retryable(failure: object) -> bool:
    """The one rule for both queues: does this failure deserve another attempt?

    The platform's failures are retried (a sandbox that did not start, a worker or runner that
    crashed, a database or broker hiccup): they are not the student's doing. Anything the
    submitted code did — a time or memory limit, an exception, a kernel it killed itself — is the
    job's final result. A failure says which it is with a ``retryable`` attribute (the runner's
    ``GradeOutcome``, an app's terminal exception); an exception that does not say is the
    platform's, so it is retried; an outcome that does not say is final.
    """
    flag = getattr(failure, "retryable", None)
    if isinstance(flag, bool):
        return flag
    return isinstance(failure, BaseException)


@dataclass(frozen=True)
class JobQueue:
    """How one app's model is a job queue."""

    name: str
    model: type[models.Model]
    task: str  # the Celery task name; it takes the row's primary key
    # The app's final status values → DONE or FAILED (received/queued/running/needs_attention are shared).
    finals: Mapping[str, JobState]
    # Fields written when a job gives up for the platform's reasons (the app's message to its users).
    attention_fields: Callable[[], dict[str, Any]]
    received_after: Callable[[], float]  # seconds before the sweep re-sends a received row
    queued_after: Callable[[], float]  # seconds before the sweep re-sends a queued row (message lost)
    running_grace: Callable[[Any], timedelta]  # how long a running row may run before its worker counts as dead
    queued_field: str | None = "queued_at"  # None: the sweep ages queued rows by received_at
    running_related: tuple[str, ...] = field(default_factory=tuple)  # select_related for running_grace
    work_root: Callable[[], Path] | None = None  # where its jobs make folders (housekeeping prunes them)

    @property
    def broker_queue(self) -> str:
        """The Celery queue its task is routed to (whose workers' heartbeats count)."""
        return broker_queue_for(self.task)

    def state(self, status: str) -> JobState:
        if status in self.finals:
            return self.finals[status]
        return JobState(status)


# ---------------------------------------------------------------------------------------
# enqueue


_tasks_lock = threading.Lock()


def tasks_load() -> None:
    """Import every app's tasks module (Celery's autodiscovery), once per process, under a lock.

    The web entry points call it at start-up: done lazily, the first submit of each web process
    paid for it (1.6–8.8 s under load), and two first submits at once raced — one found the
    import under way but its task not registered yet (``NotRegistered``, sent only by the sweep)."""
    from config.celery import app

    with _tasks_lock:
        app.loader.import_default_modules()


def _send(queue: JobQueue, pk: int, countdown: float) -> None:
    from config.celery import app

    # retry=False: a broker that is down fails this call at once (within the transport's short
    # socket/connect timeouts) instead of Celery retrying inside the web request; the sweep retries.
    # apply_async (not send_task) so that an eager configuration runs the task right here.
    task = app.tasks.get(queue.task)
    if task is None:  # a process that did not load the tasks modules at start-up (a shell, a test)
        tasks_load()
        task = app.tasks[queue.task]
    task.apply_async(args=[pk], countdown=countdown or None, retry=False)


def enqueue(queue: JobQueue, pk: int, *, countdown: float = 0) -> bool:
    """Send a waiting job to the broker; False (row back to ``received``) when the broker is unreachable.

    Never raises: it runs on commit, after the user's receipt is decided. The row is marked
    ``queued`` just before the message goes out (so that no write of ours races the worker that
    claims it); if the broker refuses or does not answer within its short timeouts the mark is
    undone and the sweep sends it later. A duplicate message is harmless: claim is atomic.
    """
    manager = queue.model._default_manager
    stamp = timezone.now()
    values: dict[str, Any] = {"status": JobState.QUEUED}
    if queue.queued_field:
        values[queue.queued_field] = stamp
    if not manager.filter(pk=pk, status__in=WAITING).update(**values):
        return False  # running, finished or gone: nothing to send
    try:
        _send(queue, pk, countdown)
    except Exception as exc:  # refused, frozen, unknown host, auth: the sweep sends it later
        log.warning("%s job %s not sent (%s: %s); the sweep will send it", queue.name, pk, type(exc).__name__, exc)
        mine = {queue.queued_field: stamp} if queue.queued_field else {}
        manager.filter(pk=pk, status=JobState.QUEUED, **mine).update(status=JobState.RECEIVED)
        return False
    return True


def enqueue_on_commit(queue: JobQueue, pk: int, *, countdown: float = 0) -> None:
    """Send the job once the transaction that wrote its row commits (at once in autocommit)."""
    transaction.on_commit(partial(enqueue, queue, pk, countdown=countdown))


def requeue(queue: JobQueue, pks: list[int], *, send: bool = True, **fields: Any) -> int:
    """Staff send jobs again (a fixed test, a fixed platform): attempts start from zero.

    ``send=False`` leaves the sending on commit to the caller (an app's own enqueue function)."""
    values: dict[str, Any] = {"status": JobState.RECEIVED, "attempts": 0, **fields}
    if queue.queued_field:
        values[queue.queued_field] = None
    moved = queue.model._default_manager.filter(pk__in=pks).update(**values)
    for pk in pks if send else []:
        enqueue_on_commit(queue, pk)
    return moved


# ---------------------------------------------------------------------------------------
# claim and settle


def claim(queue: JobQueue, pk: int, *, force: bool = False) -> Any | None:
    """Take a waiting job for this worker: RUNNING, one more attempt, ``started_at`` now.

    None when the job is not waiting (a duplicate delivery, another worker has it, already done;
    ``force`` takes a finished one again) or when its attempts are used up — it then needs
    attention. Atomic on every database: ``SELECT … FOR UPDATE`` where supported, else a
    conditional UPDATE that only one worker can win.
    """
    manager = queue.model._default_manager
    now = timezone.now()
    with transaction.atomic():
        if connection.features.has_select_for_update:
            row = manager.select_for_update().filter(pk=pk).first()
        else:
            row = manager.filter(pk=pk).first()
        if row is None:
            return None
        state = queue.state(row.status)  # type: ignore[attr-defined]
        takeable = state in (JobState.RECEIVED, JobState.QUEUED) or (
            force and state in (JobState.DONE, JobState.FAILED, JobState.NEEDS_ATTENTION)
        )
        if not takeable:
            return None
        if row.attempts >= max_attempts():  # type: ignore[attr-defined]
            # Delivered again after the worker died each time: stop, tell staff, charge nobody.
            manager.filter(pk=pk, status=row.status).update(  # type: ignore[attr-defined]
                status=JobState.NEEDS_ATTENTION, **queue.attention_fields()
            )
            return None
        moved = manager.filter(pk=pk, status=row.status, attempts=row.attempts).update(  # type: ignore[attr-defined]
            status=JobState.RUNNING, attempts=F("attempts") + 1, started_at=now
        )
        if not moved:  # another worker won the conditional update (no row locks here)
            return None
        holder = _current_worker()
        if holder:
            from .models import JobClaim

            JobClaim.objects.update_or_create(
                queue=queue.name, job_id=pk, defaults={"hostname": holder[:255], "claimed_at": now}
            )
    row.refresh_from_db()
    return row


def retry_or_give_up(queue: JobQueue, row: Any, **fields: Any) -> JobState:
    """After a retryable failure: back to the queue with a back-off, or, at the last attempt,
    needs attention. ``fields`` (the log, a message) are written either way."""
    manager = queue.model._default_manager
    if row.attempts >= max_attempts():
        values = {**fields, **queue.attention_fields(), "status": JobState.NEEDS_ATTENTION}
        manager.filter(pk=row.pk, status=JobState.RUNNING).update(**values)
        _refresh(row, values)
        return JobState.NEEDS_ATTENTION
    values = {**fields, "status": JobState.RECEIVED}
    manager.filter(pk=row.pk, status=JobState.RUNNING).update(**values)
    _refresh(row, values)
    enqueue_on_commit(queue, row.pk, countdown=min(2**row.attempts, 30))
    return JobState.RECEIVED


def _refresh(row: Any, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        setattr(row, name, value)


# ---------------------------------------------------------------------------------------
# sweep


def sweep(queue: JobQueue, *, now: datetime | None = None) -> int:
    """Send again what was lost; the number of jobs sent.

    - received but never accepted by the broker (it was down) for ``received_after`` seconds;
    - queued for ``queued_after`` seconds (the broker lost the message);
    - running past ``running_grace``, or sooner when the workers' heartbeats show that the worker
      that claimed it is gone (killed and restarted, or none left): the attempt stays counted; a
      job whose attempts are used up needs attention at its next claim.
    """
    now = now or timezone.now()
    manager = queue.model._default_manager
    # Chosen before anything is sent: a job sent below and failing at once (an eager run) is not
    # sent a second time by this same sweep.
    received = manager.filter(
        status=JobState.RECEIVED, received_at__lt=now - timedelta(seconds=queue.received_after())
    )
    aged = queue.queued_field or "received_at"
    queued = manager.filter(status=JobState.QUEUED, **{f"{aged}__lt": now - timedelta(seconds=queue.queued_after())})
    lost = list(received.values_list("pk", flat=True)) + list(queued.values_list("pk", flat=True))
    running = manager.filter(status=JobState.RUNNING, started_at__isnull=False)
    if queue.running_related:
        running = running.select_related(*queue.running_related)
    dead: list[int] = []
    workers = _heartbeats(queue.broker_queue)
    holders = _holders(queue, now)
    for row in running:
        started = row.started_at  # type: ignore[attr-defined]
        if started >= now - queue.running_grace(row) and not _holder_gone(holders.get(row.pk), started, workers, now):
            continue
        # Only the sweep that moves it sends it (two sweeps at once send it once).
        if manager.filter(pk=row.pk, status=JobState.RUNNING, started_at=started).update(status=JobState.RECEIVED):
            log.warning("%s job %s: its worker died mid-job; sending it again", queue.name, row.pk)
            dead.append(row.pk)
    return sum(enqueue(queue, pk) for pk in dead + lost)


def broker_queue_for(task: str) -> str:
    """The queue ``settings.CELERY_TASK_ROUTES`` sends ``task`` to: the first matching route, as
    Celery reads them (an exact name first, then globs in order); "celery" (Celery's default queue)
    when none matches."""
    routes: dict[str, dict[str, str]] = settings.CELERY_TASK_ROUTES
    if task in routes:
        return str(routes[task].get("queue", "celery"))
    for pattern, route in routes.items():
        if fnmatch.fnmatchcase(task, pattern):
            return str(route.get("queue", "celery"))
    return "celery"


def _heartbeats(broker_queue: str) -> list[tuple[datetime, datetime]]:
    """(started_at, seen_at) of every worker that consumes ``broker_queue`` and has written a heartbeat."""
    from .models import WorkerHeartbeat

    rows = WorkerHeartbeat.objects.values_list("queues", "started_at", "seen_at")
    return [(started, seen) for queues, started, seen in rows if broker_queue in queues.split(",")]


def _current_worker() -> str:
    """The Celery node name of the worker running the current task ("" outside a worker or eager)."""
    from celery import current_task

    if not current_task:
        return ""
    request = current_task.request
    if getattr(request, "is_eager", False):
        return ""
    return str(getattr(request, "hostname", "") or "")


def _holders(queue: JobQueue, now: datetime) -> dict[int, tuple[datetime, datetime | None, datetime | None, bool]]:
    """Per running job that a worker claimed: (claimed_at, that worker's heartbeat start and last
    beat, or None when it has no row, and whether any worker beats at all)."""
    from .models import JobClaim, WorkerHeartbeat

    claims = list(JobClaim.objects.filter(queue=queue.name).values_list("job_id", "hostname", "claimed_at"))
    if not claims:
        return {}
    beats = {h: (s, seen) for h, s, seen in WorkerHeartbeat.objects.values_list("hostname", "started_at", "seen_at")}
    fresh_after = now - timedelta(seconds=3 * float(settings.WORKER_HEARTBEAT_SECONDS))
    beating = any(seen >= fresh_after for _, seen in beats.values())
    return {
        job_id: (claimed_at, *beats.get(hostname, (None, None)), beating)
        for job_id, hostname, claimed_at in claims
    }


def _holder_gone(
    holder: tuple[datetime, datetime | None, datetime | None, bool] | None,
    started: datetime,
    workers: list[tuple[datetime, datetime]],
    now: datetime,
) -> bool:
    """True when the worker that holds a running job cannot be alive any more.

    With a claim (the job was taken inside a worker): that worker's own heartbeat is stale, its
    row is gone while other workers beat (a warm shutdown removes it), or it started again after
    the claim (a killed worker restarted under the same node name) — whatever the other workers of
    the queue do. Without one (a job taken outside a worker): :func:`_worker_gone`."""
    if holder is None or holder[0] != started:
        return _worker_gone(started, workers, now)
    claimed_at, beat_started, seen, beating = holder
    fresh_after = now - timedelta(seconds=3 * float(settings.WORKER_HEARTBEAT_SECONDS))
    if claimed_at > fresh_after:
        return False  # too recent to tell a dead worker from a late beat
    if seen is None or beat_started is None:
        return beating  # no row for it: gone if the heartbeats work at all (else nothing is concluded)
    return seen < fresh_after or beat_started > claimed_at


def _worker_gone(started: datetime, workers: list[tuple[datetime, datetime]], now: datetime) -> bool:
    """True when the worker that claimed a job at ``started`` cannot be alive any more: workers
    write heartbeats, and none serving the queue that has beaten lately was already running then
    (it was killed: the rest are newer, or there are none). Seconds instead of the job's whole
    grace period. Without heartbeats (none written yet) nothing is concluded."""
    if not workers:
        return False
    beat = float(settings.WORKER_HEARTBEAT_SECONDS)
    fresh_after = now - timedelta(seconds=3 * beat)
    if started > fresh_after:
        return False  # too recent to tell a dead worker from a late beat
    return not any(seen >= fresh_after and w_started <= started for w_started, seen in workers)


def registered_queues() -> list[JobQueue]:
    """The queues named in ``settings.JOBS_QUEUES`` (dotted paths to JobQueue objects)."""
    return [import_string(path) for path in settings.JOBS_QUEUES]


def sweep_all(*, now: datetime | None = None) -> dict[str, int]:
    """One sweep over every registered queue; a queue that fails does not stop the others."""
    counts: dict[str, int] = {}
    for queue in registered_queues():
        try:
            counts[queue.name] = sweep(queue, now=now)
        except Exception:
            log.exception("sweep of the %s queue failed", queue.name)
            counts[queue.name] = -1
    return counts


# ---------------------------------------------------------------------------------------
# housekeeping: what jobs leave on disk


def _folders_in_use() -> set[Path]:
    """Working directories of every live process: a sandbox runs in its job folder (bound at its
    own path), so a folder that is some process's cwd, or holds it, belongs to a live job."""
    used: set[Path] = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            used.add(Path(os.readlink(proc / "cwd")))
        except OSError:  # gone, or not ours to read
            continue
    return used


def job_folders_prune(root: Path, *, older_than: float) -> int:
    """Delete job folders under ``root`` untouched for ``older_than`` seconds that no live process
    works in: those of a worker that was killed (its sandboxes died with it). A warm sandbox
    idling in its folder is left alone however old."""
    if not root.is_dir():
        return 0
    cutoff = time.time() - older_than
    in_use = _folders_in_use()
    removed = 0
    for folder in root.iterdir():
        try:
            if not folder.is_dir() or folder.is_symlink() or folder.stat().st_mtime > cutoff:
                continue
        except OSError:
            continue
        if any(cwd == folder or folder in cwd.parents for cwd in in_use):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed += not folder.exists()
    return removed


def broker_messages_prune(url: str, *, older_than: float) -> int:
    """Delete messages the embedded SQLAlchemy broker delivered more than ``older_than`` seconds ago.

    kombu's SQLAlchemy transport never deletes a message: delivery only sets ``visible`` false
    (and its ``timestamp``, in local time). Undelivered messages are never touched. Other brokers
    delete what they deliver: 0.
    """
    if not url.startswith("sqla+"):
        return 0
    import datetime as dt

    import sqlalchemy as sa

    engine = sa.create_engine(url[len("sqla+") :])
    try:
        if not sa.inspect(engine).has_table("kombu_message"):
            return 0
        cutoff = dt.datetime.now() - dt.timedelta(seconds=older_than)  # kombu stores naive local time
        with engine.begin() as conn:
            result = conn.execute(
                sa.text("DELETE FROM kombu_message WHERE visible = :no AND timestamp < :cutoff"),
                {"no": False, "cutoff": cutoff},
            )
            return int(result.rowcount or 0)
    finally:
        engine.dispose()


def housekeeping() -> dict[str, int]:
    """The periodic task's body: sweep every queue, prune delivered broker messages and dead jobs' folders."""
    older = float(settings.JOBS_CLEANUP_AFTER_MINUTES) * 60
    counts = {f"sent:{name}": n for name, n in sweep_all().items()}
    try:
        counts["broker_messages"] = broker_messages_prune(settings.CELERY_BROKER_URL, older_than=older)
    except Exception:
        log.exception("pruning the broker's delivered messages failed")
        counts["broker_messages"] = -1
    for queue in registered_queues():
        if queue.work_root is not None:
            counts[f"folders:{queue.name}"] = job_folders_prune(queue.work_root(), older_than=older)
        counts[f"claims:{queue.name}"] = job_claims_prune(queue, older_than=older)
    return counts


def job_claims_prune(queue: JobQueue, *, older_than: float) -> int:
    """Forget which worker held jobs that are no longer running (claimed more than ``older_than`` s ago)."""
    from .models import JobClaim

    cutoff = timezone.now() - timedelta(seconds=older_than)
    running = queue.model._default_manager.filter(status=JobState.RUNNING).values("pk")
    deleted, _ = JobClaim.objects.filter(queue=queue.name, claimed_at__lt=cutoff).exclude(job_id__in=running).delete()
    return deleted
