"""The grading queue: the service end to end, attempts, the sweep, and a real Celery worker."""

from __future__ import annotations

import contextlib
import io
import json
import os
from datetime import timedelta

import pytest
from django.utils import timezone

from core.blobs import blob_get
from grading.enums import SubmissionSource, SubmissionStatus
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
def test_kernel_exit_is_the_students_result_at_once_scored_from_what_ran(
    cast, bell_assignment, bell, grading_settings
):
    """os._exit in the student's notebook is the student's doing: stored on the first attempt, never retried."""
    data = solved(bell["source"], bell["student"], {"phi_plus_answer": "import os\nos._exit(1)"})
    sub = _receive(cast.alice, bell_assignment, data)
    submission_grade(submission_id=sub.pk)
    sub.refresh_from_db()
    assert sub.attempts == 1
    assert sub.status == SubmissionStatus.GRADED, (sub.status, sub.log)
    assert sub.auto_score is not None and float(sub.auto_score) == 0.0  # the tests after the exit score 0
    assert "attempt 1" not in sub.log  # no retry was logged
    assert submission_grade(submission_id=sub.pk) is None  # a duplicate delivery does not grade it again


@pytest.mark.django_db
def test_a_sandbox_that_cannot_start_is_retried_then_needs_attention(
    cast, bell_assignment, bell, grading_settings, django_capture_on_commit_callbacks
):
    """A real infrastructure failure (the job folder cannot be made): retried up to
    JOBS_MAX_ATTEMPTS, then a teacher looks; once fixed, a regrade scores it."""
    from grading.services import submissions_regrade

    grading_settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    blocker = grading_settings.DATA_DIR / "grading-jobs"
    blocker.write_text("a file where the job folders go")
    sub = _receive(cast.alice, bell_assignment, bell["solved"])
    limit = grading_settings.JOBS_MAX_ATTEMPTS
    for attempt in range(1, limit + 1):
        submission_grade(submission_id=sub.pk)  # on_commit does not fire here: the next try is ours
        sub.refresh_from_db()
        assert sub.attempts == attempt
        assert sub.auto_score is None  # never a silent 0 or full marks
        expected = SubmissionStatus.NEEDS_ATTENTION if attempt == limit else SubmissionStatus.RECEIVED
        assert sub.status == expected
    assert f"attempt {limit}" in sub.log and "grading-jobs" in sub.log
    assert "teacher has been told" in sub.message
    assert submission_grade(submission_id=sub.pk) is None  # no further run
    blocker.unlink()
    with django_capture_on_commit_callbacks(execute=True):  # eager: the regrade runs here
        submissions_regrade(activity=bell_assignment, submission_ids=[sub.pk])
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.GRADED and sub.attempts == 1 and float(sub.auto_score) == 8.0


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


# --- a broker that is down: the student still gets a receipt; the sweep sends it later --------------


@pytest.mark.redis
@pytest.mark.django_db
@pytest.mark.parametrize("outage", ["refused", "frozen"])
def test_submit_with_the_broker_down_gives_a_receipt_and_the_sweep_sends_it_later(
    outage, cast, bell_assignment, bell, client, settings, django_capture_on_commit_callbacks
):
    import time

    from django.urls import reverse

    from tests.core import brokers

    back = brokers.redis_back_or_skip()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    brokers.clear_queue(back, "grading")
    client.force_login(cast.alice)
    url = reverse("grading:submit", args=[bell_assignment.course.slug, bell_assignment.slug])
    upload = io.BytesIO(bell["solved"].encode())
    upload.name = "bell-states.ipynb"
    with brokers.broker_config(), contextlib.ExitStack() as stack:
        port = brokers.closed_port() if outage == "refused" else stack.enter_context(brokers.frozen_server())
        brokers.use_broker(f"redis://127.0.0.1:{port}/0")
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            resp = client.post(
                url,
                {"notebook": upload, "idempotency_key": f"outage-{outage}"},
                HTTP_ACCEPT="application/json",
            )
        took = time.monotonic() - started
        print(f"receipt with the broker {outage}: {took:.2f} s")  # a figure for the report, never asserted
        assert resp.status_code == 201, resp.content
        receipt = resp.json()
        sub = Submission.objects.get(pk=receipt["id"])
        assert sub.status == SubmissionStatus.RECEIVED and sub.attempts == 0  # persisted, not sent
        assert receipt["sha256"] == sub.blob and blob_get(sub.blob) == bell["solved"].encode()
        assert submissions_sweep() == 0  # still down, and too young for the sweep anyway
        # The broker comes back; the next sweep sends the row.
        brokers.use_broker(back)
        assert submissions_sweep(now=timezone.now() + timedelta(minutes=2)) == 1
        sub.refresh_from_db()
        assert sub.status == SubmissionStatus.QUEUED and sub.queued_at is not None
        assert brokers.queued_task_args(back, "grading") == [("grading.grade_submission", [sub.pk])]
        assert submissions_sweep(now=timezone.now() + timedelta(minutes=2)) == 0  # queued: not sent twice
    brokers.clear_queue(back, "grading")
