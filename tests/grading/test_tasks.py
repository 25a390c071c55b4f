"""The grading queue: the service end to end, attempts, the sweep, and a real Celery worker."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
from django.utils import timezone

from core.blobs import blob_get
from grading.enums import MAX_ATTEMPTS, SubmissionSource, SubmissionStatus
from grading.models import Submission
from grading.runner.sandbox import sandbox_probe
from grading.services import submission_grade, submission_receive, submissions_sweep

from .conftest import solved

pytestmark = [pytest.mark.integration]


@pytest.fixture(autouse=True)
def _sandbox():  # type: ignore[no-untyped-def]
    if not sandbox_probe()["isolated"]:
        pytest.skip("no working bubblewrap here")


def _receive(user, act, data: str, key: str = "k"):  # type: ignore[no-untyped-def]
    return submission_receive(
        user=user, activity=act, data=data.encode(), source=SubmissionSource.UPLOAD, idempotency_key=key
    )


@pytest.mark.django_db
def test_submission_grade_stores_scores_and_sanitised_feedback(cast, bell_assignment, bell, grading_settings):
    sub = _receive(cast.alice, bell_assignment, bell["solved"])
    submission_grade(submission_id=sub.pk)
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.GRADED, sub.log
    assert float(sub.auto_score) == 8.0 and float(sub.max_score) == 10.0
    assert sub.attempts == 1 and sub.graded_at is not None
    html = blob_get(sub.feedback_blob).decode()
    assert "test_phi_plus" in html and "8" in html
    assert "phi_plus().num_qubits == 2" not in html  # a hidden test line
    assert "BEGIN HIDDEN" not in html and "<script" not in html


@pytest.mark.django_db
def test_kernel_exit_is_retried_then_needs_attention(cast, bell_assignment, bell, grading_settings):
    data = solved(bell["source"], bell["student"], {"phi_plus_answer": "import os\nos._exit(1)"})
    sub = _receive(cast.alice, bell_assignment, data)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        submission_grade(submission_id=sub.pk)
        sub.refresh_from_db()
        assert sub.attempts == attempt
        assert sub.auto_score is None  # never a silent 0 or full marks
        expected = SubmissionStatus.NEEDS_ATTENTION if attempt == MAX_ATTEMPTS else SubmissionStatus.QUEUED
        assert sub.status == expected
    assert "attempt 3" in sub.log
    assert submission_grade(submission_id=sub.pk) is None  # no fourth run


@pytest.mark.django_db
def test_grading_refuses_without_sandbox_unless_unsafe_allowed(
    cast, bell_assignment, bell, grading_settings, monkeypatch
):
    from grading.runner import sandbox

    monkeypatch.setattr(
        sandbox, "sandbox_probe", lambda **k: {"isolated": False, "bwrap": None, "problems": ["bubblewrap not found"]}
    )
    grading_settings.GRADING_ALLOW_UNSAFE = False
    sub = _receive(cast.alice, bell_assignment, bell["solved"])
    submission_grade(submission_id=sub.pk)
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.NEEDS_ATTENTION
    assert "bubblewrap not found" in sub.log and "GRADING_ALLOW_UNSAFE" in sub.log
    assert sub.auto_score is None and "paused" in sub.message

    grading_settings.GRADING_ALLOW_UNSAFE = True  # a developer's machine without bubblewrap
    Submission.objects.filter(pk=sub.pk).update(status=SubmissionStatus.RECEIVED, attempts=0)
    submission_grade(submission_id=sub.pk)
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.GRADED and float(sub.auto_score) == 8.0
    assert "UNSAFE" in sub.log


@pytest.mark.django_db
def test_sweep_grades_received_but_never_queued_and_worker_killed_mid_job(
    cast, bell_assignment, bell, grading_settings
):
    lost = _receive(cast.alice, bell_assignment, bell["solved"], key="lost")  # the broker was down at the deadline
    Submission.objects.filter(pk=lost.pk).update(received_at=timezone.now() - timedelta(minutes=5))
    killed = _receive(cast.bob, bell_assignment, bell["student"], key="killed")
    Submission.objects.filter(pk=killed.pk).update(
        status=SubmissionStatus.RUNNING, attempts=1, started_at=timezone.now() - timedelta(hours=1)
    )
    assert submissions_sweep() == 2  # eager in tests: enqueue runs the task here
    lost.refresh_from_db()
    killed.refresh_from_db()
    assert lost.status == SubmissionStatus.GRADED and float(lost.auto_score) == 8.0
    assert killed.status == SubmissionStatus.GRADED and killed.attempts == 2 and float(killed.auto_score) == 0.0


@pytest.mark.postgres  # SQLite's shared in-memory test database raises "table is locked" instead of waiting
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_identical_submits_make_one_submission(cast, bell_assignment, bell, settings, monkeypatch):
    import threading

    from django.db import connection

    enqueued: list[int] = []
    monkeypatch.setattr("grading.services.submission_enqueue", lambda **k: enqueued.append(k["submission_id"]))
    data = bell["solved"].encode()
    ids, errors = [], []

    def submit() -> None:
        try:
            ids.append(
                submission_receive(
                    user=cast.alice,
                    activity=bell_assignment,
                    data=data,
                    source=SubmissionSource.LAB,
                    idempotency_key="double-click",
                ).pk
            )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(ids) == 10 and len(set(ids)) == 1 and Submission.objects.count() == 1
    assert enqueued == [ids[0]]  # graded once


def _broker_available(url: str) -> bool:
    if not url.startswith("redis"):
        return True
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_real_celery_worker_grades_a_submission(cast, bell_assignment, bell, settings, tmp_path):
    """A real worker consumes the `grading` queue from the configured broker (SQLite by default, Redis in CI)."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    url = os.environ.get("CELERY_BROKER_URL") or f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    if not _broker_available(url):
        if os.environ.get("LIANGZHI_REQUIRE_REDIS") == "1":
            pytest.fail(f"LIANGZHI_REQUIRE_REDIS=1 but the broker at {url} is unreachable")
        pytest.skip(f"broker {url} unreachable")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.DATA_DIR = tmp_path / "data"
    app.conf.update(broker_url=url, task_always_eager=False, task_acks_late=True, worker_prefetch_multiplier=1)
    if app._pool is not None:  # a producer pool made earlier would still publish to the old URL
        app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None
    with start_worker(
        app, pool="solo", queues=["grading"], perform_ping_check=False, shutdown_timeout=30, loglevel="WARNING"
    ):
        sub = _receive(cast.alice, bell_assignment, bell["solved"], key="worker")  # on_commit fires: autocommit
        deadline = timezone.now() + timedelta(seconds=90)
        while timezone.now() < deadline:
            sub.refresh_from_db()
            if sub.is_final:
                break
            import time

            time.sleep(0.3)
    assert sub.status == SubmissionStatus.GRADED, (sub.status, sub.log)
    assert float(sub.auto_score) == 8.0
    assert json.loads(json.dumps(sub.cells))[0]["grade_id"] == "test_phi_plus"
