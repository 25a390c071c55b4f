"""submission_receive: validation, durability, idempotency, lateness; enqueue on commit."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from core.blobs import blob_get
from grading.enums import SubmissionSource, SubmissionStatus
from grading.models import Submission
from grading.services import SubmissionRejected, lateness_at, submission_receive

pytestmark = pytest.mark.django_db


def _receive(user, act, data, key="k1"):  # type: ignore[no-untyped-def]
    return submission_receive(user=user, activity=act, data=data, source=SubmissionSource.UPLOAD, idempotency_key=key)


def test_submission_receive_stores_bytes_and_commits_row(
    cast, bell_assignment, bell, django_capture_on_commit_callbacks
):
    data = bell["solved"].encode()
    with django_capture_on_commit_callbacks() as callbacks:
        sub = _receive(cast.alice, bell_assignment, data)
    assert blob_get(sub.blob) == data
    assert sub.status == SubmissionStatus.RECEIVED
    assert sub.filename == "bell-states.ipynb"
    assert abs((timezone.now() - sub.received_at).total_seconds()) < 5
    assert len(callbacks) == 1  # grading is enqueued only once the row is committed


def test_submission_receive_same_key_is_one_submission(cast, bell_assignment, bell):
    data = bell["solved"].encode()
    first = _receive(cast.alice, bell_assignment, data)
    again = _receive(cast.alice, bell_assignment, data)
    assert again.pk == first.pk
    assert Submission.objects.filter(user=cast.alice).count() == 1
    with pytest.raises(SubmissionRejected, match="different notebook"):
        _receive(cast.alice, bell_assignment, bell["student"].encode())


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"", "empty"),
        (b"\xff\xfe", "UTF-8"),
        (b"hello", "not JSON"),
        (b'{"a": 1}', "not a Jupyter notebook"),
        (b'{"cells": "x", "nbformat": 4, "nbformat_minor": 5, "metadata": {}}', "malformed"),
        (json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode(), "does not belong"),
    ],
)
def test_submission_receive_rejects_bad_input_and_stores_nothing(cast, bell_assignment, payload, reason):
    with pytest.raises(SubmissionRejected, match=reason):
        _receive(cast.alice, bell_assignment, payload)
    assert not Submission.objects.exists()


def test_submission_receive_size_limit(cast, bell_assignment, bell, settings):
    settings.GRADING_MAX_SUBMISSION_BYTES = 2048
    with pytest.raises(SubmissionRejected, match="limit"):
        _receive(cast.alice, bell_assignment, bell["solved"].encode())


def test_submission_receive_roles(cast, bell_assignment, bell):
    data = bell["solved"].encode()
    with pytest.raises(SubmissionRejected, match="not enrolled"):
        _receive(cast.outsider, bell_assignment, data)
    assert _receive(cast.teacher, bell_assignment, data).user == cast.teacher


def test_submission_receive_wrong_activity_kind(cast, world, bell):
    with pytest.raises(SubmissionRejected, match="does not take submissions"):
        _receive(cast.alice, world.lesson, bell["solved"].encode())


def test_submission_receive_forged_timestamp_in_notebook_is_ignored(cast, bell_assignment, bell):
    nb = json.loads(bell["solved"])
    nb["metadata"]["submitted_at"] = "2000-01-01T00:00:00Z"
    nb["metadata"]["timestamp"] = "2000-01-01T00:00:00Z"
    bell_assignment.due_at = timezone.now() - timedelta(hours=1)
    bell_assignment.options = {"late_policy": {"mode": "penalty", "per_day": 0.1}}
    bell_assignment.save()
    sub = _receive(cast.alice, bell_assignment, json.dumps(nb).encode())
    assert sub.late_seconds >= 3600
    assert str(sub.penalty) == "0.1000"


def test_late_policy_cutoff_refuses_students_and_extension_helps(cast, bell_assignment, bell):
    from grading.services import extension_grant

    bell_assignment.due_at = timezone.now() - timedelta(minutes=5)
    bell_assignment.options = {"late_policy": {"mode": "cutoff"}}
    bell_assignment.save()
    with pytest.raises(SubmissionRejected, match="deadline"):
        _receive(cast.alice, bell_assignment, bell["solved"].encode())
    extension_grant(
        activity=bell_assignment, user=cast.alice, due_at=timezone.now() + timedelta(days=1), by=cast.teacher
    )
    assert _receive(cast.alice, bell_assignment, bell["solved"].encode()).late_seconds == 0


def test_lateness_penalty_per_started_day_and_cutoff(cast, bell_assignment):
    due = timezone.now()
    bell_assignment.due_at = due
    bell_assignment.options = {"late_policy": {"mode": "penalty", "per_day": 0.25, "cutoff_days": 3}}
    late = lateness_at(activity=bell_assignment, user=cast.alice, at=due + timedelta(days=1, hours=1))
    assert str(late.penalty) == "0.5000" and not late.refused
    assert lateness_at(activity=bell_assignment, user=cast.alice, at=due + timedelta(days=4)).refused


def test_counted_submission_is_last_on_time(cast, bell_assignment, bell):
    from grading.selectors import counted_submission

    on_time = _receive(cast.alice, bell_assignment, bell["solved"].encode(), key="a")
    late = _receive(cast.alice, bell_assignment, bell["student"].encode(), key="b")
    Submission.objects.filter(pk=late.pk).update(late_seconds=100)
    counted = counted_submission(activity=bell_assignment, user=cast.alice)
    assert counted is not None and counted.pk == on_time.pk


# --- the job kernel's claim, on the grading queue ----------------------------------------------


def test_claim_takes_a_waiting_job_once_and_counts_each_attempt(cast, bell_assignment, bell, settings):
    from core import jobs
    from grading.services import GRADING_QUEUE

    sub = _receive(cast.alice, bell_assignment, bell["solved"].encode())
    first = jobs.claim(GRADING_QUEUE, sub.pk)
    assert first is not None and first.status == SubmissionStatus.RUNNING and first.attempts == 1
    assert first.started_at is not None
    assert jobs.claim(GRADING_QUEUE, sub.pk) is None  # a duplicate delivery of a running job
    # A platform failure: back to received (on commit it is sent again), the attempt stays counted.
    assert jobs.retry_or_give_up(GRADING_QUEUE, first, message="trying again") == jobs.JobState.RECEIVED
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.RECEIVED and sub.attempts == 1
    for attempt in range(2, settings.JOBS_MAX_ATTEMPTS + 1):
        row = jobs.claim(GRADING_QUEUE, sub.pk)
        assert row is not None and row.attempts == attempt
        jobs.retry_or_give_up(GRADING_QUEUE, row)
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.NEEDS_ATTENTION and "teacher has been told" in sub.message
    assert jobs.claim(GRADING_QUEUE, sub.pk) is None  # finished: only staff send it again
    assert jobs.requeue(GRADING_QUEUE, [sub.pk]) == 1
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.RECEIVED and sub.attempts == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_of_one_job_give_it_to_one_worker(cast, bell_assignment, bell, monkeypatch):
    import threading

    from django.db import connection

    from core import jobs
    from grading.services import GRADING_QUEUE

    # No grading here: submission_receive sends on commit through submission_enqueue (not
    # jobs.enqueue_on_commit); with an eager broker the job would be graded before the claims race.
    monkeypatch.setattr("grading.services.submission_enqueue", lambda **k: False)
    sub = _receive(cast.alice, bell_assignment, bell["solved"].encode())
    won: list[int] = []
    errors: list[str] = []
    start = threading.Barrier(8)

    def worker() -> None:
        try:
            start.wait(timeout=60)
            if jobs.claim(GRADING_QUEUE, sub.pk) is not None:
                won.append(1)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and won == [1]
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.RUNNING and sub.attempts == 1


@pytest.mark.redis
def test_sweep_resends_a_running_job_at_once_when_the_heartbeats_show_its_worker_is_gone(
    cast, bell_assignment, bell, settings
):
    """Killing the worker mid-job: noticed from the heartbeats at the next sweep, not after the
    job's whole grace period (wall time × 2 + 60 s). A live worker that was already running keeps it."""
    from core import jobs
    from core.models import WorkerHeartbeat
    from grading.services import GRADING_QUEUE, submissions_sweep
    from tests.core import brokers

    back = brokers.redis_back_or_skip()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.WORKER_HEARTBEAT_SECONDS = 5
    brokers.clear_queue(back, "grading")
    sub = _receive(cast.alice, bell_assignment, bell["solved"].encode())
    assert jobs.claim(GRADING_QUEUE, sub.pk) is not None
    now = timezone.now()
    started = now - timedelta(minutes=1)  # well inside the 5-minute grace, beyond three beats
    Submission.objects.filter(pk=sub.pk).update(started_at=started)
    with brokers.broker_config():
        brokers.use_broker(back)
        assert submissions_sweep(now=now) == 0  # no heartbeats at all: nothing can be concluded
        # The worker that took the job is still beating: it keeps the job.
        w = WorkerHeartbeat.objects.create(
            hostname="celery@a", queues="grading,celery", started_at=started - timedelta(hours=1), seen_at=now
        )
        assert submissions_sweep(now=now) == 0
        # It was killed and started again (same node name, a new start time): its job is gone with it.
        w.started_at, w.seen_at = now - timedelta(seconds=10), now
        w.save()
        WorkerHeartbeat.objects.create(hostname="celery@other", queues="celery", started_at=started, seen_at=now)
        assert submissions_sweep(now=now) == 1
        sub.refresh_from_db()
        assert sub.status == SubmissionStatus.QUEUED and sub.attempts == 1  # the attempt stays counted
        assert brokers.queued_task_args(back, "grading") == [("grading.grade_submission", [sub.pk])]
    brokers.clear_queue(back, "grading")


def test_sweep_resends_the_job_of_a_killed_worker_while_other_workers_beat_on(
    cast, bell_assignment, bell, settings, monkeypatch
):
    """Each claim records the worker that took the job (core.JobClaim): when that worker stops
    beating, restarts or shuts down, its job goes back at the next sweep — even while an older
    worker of the same queue is alive (the heartbeat rule alone waited the job's whole grace)."""
    from core import jobs
    from core.models import JobClaim, WorkerHeartbeat
    from grading.services import GRADING_QUEUE, submissions_sweep

    sent: list[int] = []
    monkeypatch.setattr(jobs, "_send", lambda queue, pk, countdown: sent.append(pk))
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.WORKER_HEARTBEAT_SECONDS = 5
    now = timezone.now()
    started = now - timedelta(minutes=1)  # well inside the 5-minute grace, beyond three beats
    held = {}
    for user, worker in ((cast.alice, "grading@a"), (cast.bob, "grading@b")):
        monkeypatch.setattr(jobs, "_current_worker", lambda worker=worker: worker)
        sub = _receive(user, bell_assignment, bell["solved"].encode(), key=worker)
        assert jobs.claim(GRADING_QUEUE, sub.pk) is not None
        Submission.objects.filter(pk=sub.pk).update(started_at=started)
        JobClaim.objects.filter(queue="grading", job_id=sub.pk).update(claimed_at=started)
        held[worker] = sub
    assert set(JobClaim.objects.values_list("hostname", flat=True)) == {"grading@a", "grading@b"}
    long_ago = started - timedelta(hours=1)
    a = WorkerHeartbeat.objects.create(hostname="grading@a", queues="grading", started_at=long_ago, seen_at=now)
    b = WorkerHeartbeat.objects.create(hostname="grading@b", queues="grading", started_at=long_ago, seen_at=now)
    assert submissions_sweep(now=now) == 0 and sent == []  # both beating: both keep their jobs

    b.seen_at = now - timedelta(seconds=20)  # b was killed; a (older, alive) beats on
    b.save()
    assert submissions_sweep(now=now) == 1 and sent == [held["grading@b"].pk]
    held["grading@b"].refresh_from_db()
    held["grading@a"].refresh_from_db()
    assert held["grading@b"].status == SubmissionStatus.QUEUED and held["grading@a"].status == SubmissionStatus.RUNNING

    # a restarted under the same node name after it took its job: that job went with it
    a.started_at = now - timedelta(seconds=10)
    a.save()
    assert submissions_sweep(now=now) == 1 and sent[-1] == held["grading@a"].pk

    # a warm shutdown removes the worker's row: its job goes back while the other workers beat
    sent.clear()
    monkeypatch.setattr(jobs, "_current_worker", lambda: "grading@c")
    sub = _receive(cast.charlie, bell_assignment, bell["solved"].encode(), key="c")
    assert jobs.claim(GRADING_QUEUE, sub.pk) is not None
    Submission.objects.filter(pk=sub.pk).update(started_at=started)
    JobClaim.objects.filter(queue="grading", job_id=sub.pk).update(claimed_at=started)
    assert submissions_sweep(now=now) == 1 and sent == [sub.pk]  # no row for grading@c, a beats
    # ... but without any heartbeat at all nothing is concluded
    WorkerHeartbeat.objects.all().delete()
    Submission.objects.filter(pk=sub.pk).update(status=SubmissionStatus.RUNNING, started_at=started)
    assert submissions_sweep(now=now) == 0


def test_a_claim_outside_a_worker_records_no_holder(cast, bell_assignment, bell) -> None:  # type: ignore[no-untyped-def]
    from core import jobs
    from core.models import JobClaim
    from grading.services import GRADING_QUEUE

    sub = _receive(cast.alice, bell_assignment, bell["solved"].encode())
    assert jobs._current_worker() == "" and jobs.claim(GRADING_QUEUE, sub.pk) is not None
    assert not JobClaim.objects.exists()
