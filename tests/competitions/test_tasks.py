"""The evaluation task goes through grading's queue: a real Celery worker consumes `grading`."""

from __future__ import annotations

import os
import time

import pytest

from competitions.enums import SubmissionStatus
from tests.competitions.conftest import PYMATCHING_DECODER

pytestmark = [pytest.mark.integration, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _broker_available(url: str) -> bool:
    if not url.startswith("redis"):
        return True
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


def _reset_pools(app) -> None:  # type: ignore[no-untyped-def]
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


def test_task_is_routed_to_its_own_queue_never_behind_a_grading_backlog():
    from config.celery import app
    from core.jobs import broker_queue_for

    route = app.amqp.router.route({}, "competitions.evaluate", args=(1,))
    assert route["queue"].name == "competitions" == broker_queue_for("competitions.evaluate")
    # Celery's own router and the job kernel's reading of the routes agree for every task
    app.loader.import_default_modules()
    for name in [n for n in app.tasks if not n.startswith("celery.")]:
        assert app.amqp.router.route({}, name, args=(1,))["queue"].name == broker_queue_for(name), name


@pytest.mark.django_db  # on_commit does not fire: the job stays unprocessed until we run it
def test_redelivered_job_after_repeated_worker_deaths_needs_attention(dev, cast):
    from competitions.models import Submission
    from competitions.services import submission_evaluate, submission_receive

    sub = submission_receive(phase=dev, user=cast.alice, data=PYMATCHING_DECODER, filename="d.py")
    # Three deliveries already started and died; the sweep put the job back in the queue.
    Submission.objects.filter(pk=sub.pk).update(status=SubmissionStatus.QUEUED, attempts=3)
    sub = submission_evaluate(submission_id=sub.pk)
    assert sub.status == SubmissionStatus.NEEDS_ATTENTION and "interrupted" in sub.error
    assert sub.public_score is None
    from competitions.selectors import quota_for

    assert quota_for(phase=dev, participant=sub.participant).used_phase == 0  # not the participant's fault


def test_real_celery_worker_evaluates_a_submission(dev, cast, settings, tmp_path):
    from celery.contrib.testing.worker import start_worker

    from competitions.services import submission_receive
    from config.celery import app

    url = os.environ.get("CELERY_BROKER_URL") or f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    if not _broker_available(url):
        if os.environ.get("LIANGZHI_REQUIRE_REDIS") == "1":
            pytest.fail(f"LIANGZHI_REQUIRE_REDIS=1 but the broker at {url} is unreachable")
        pytest.skip(f"broker {url} unreachable")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    saved = {k: app.conf.get(k) for k in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=url, task_always_eager=False, task_acks_late=True, worker_prefetch_multiplier=1)
    _reset_pools(app)  # a producer pool made earlier would still publish to the old broker
    try:
        with start_worker(
            app, pool="solo", queues=["competitions"], perform_ping_check=False, shutdown_timeout=30, loglevel="WARNING"
        ):
            sub = submission_receive(phase=dev, user=cast.alice, data=PYMATCHING_DECODER, filename="d.py")
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                sub.refresh_from_db()
                if sub.status not in ("received", "queued", "running"):
                    break
                time.sleep(0.3)
    finally:
        app.conf.update(saved)
        _reset_pools(app)
    assert sub.status == SubmissionStatus.GRADED, (sub.status, sub.error)
    assert sub.public_score is not None and sub.attempts == 1


@pytest.mark.django_db
def test_sweep_requeues_lost_and_dead_jobs_and_a_duplicate_delivery_is_ignored(dev, cast, settings):
    from datetime import timedelta

    from django.utils import timezone

    from competitions.models import Submission
    from competitions.services import submission_evaluate, submission_receive, submissions_sweep

    settings.CELERY_TASK_ALWAYS_EAGER = True
    dev.max_running = 5
    dev.save()
    long_ago = timezone.now() - timedelta(hours=3)
    lost = submission_receive(phase=dev, user=cast.alice, data=PYMATCHING_DECODER, filename="d.py", at=long_ago)
    dead = submission_receive(phase=dev, user=cast.alice, data=PYMATCHING_DECODER, filename="d.py", at=long_ago)
    Submission.objects.filter(pk=dead.pk).update(status=SubmissionStatus.RUNNING, started_at=long_ago, attempts=1)
    fresh = submission_receive(phase=dev, user=cast.bob, data=PYMATCHING_DECODER, filename="d.py")
    # A running job delivered twice is not run twice.
    Submission.objects.filter(pk=fresh.pk).update(status=SubmissionStatus.RUNNING, started_at=timezone.now())
    assert submission_evaluate(submission_id=fresh.pk).attempts == 0
    assert submissions_sweep() == 2  # eager: both are evaluated right here
    lost.refresh_from_db()
    dead.refresh_from_db()
    assert lost.status == dead.status == SubmissionStatus.GRADED
    assert dead.attempts == 2
    fresh.refresh_from_db()
    assert fresh.status == SubmissionStatus.RUNNING  # within its time: left alone


@pytest.mark.django_db
def test_host_requeues_a_submission_the_platform_failed(dev, cast, client, django_capture_on_commit_callbacks):
    from django.urls import reverse

    from competitions.models import Submission
    from competitions.services import submission_receive

    sub = submission_receive(phase=dev, user=cast.alice, data=PYMATCHING_DECODER, filename="d.py")
    Submission.objects.filter(pk=sub.pk).update(status=SubmissionStatus.NEEDS_ATTENTION, attempts=3, error="platform")
    client.force_login(cast.teacher)
    page = client.get(reverse("competitions:phase", args=[dev.competition.slug, dev.slug])).content.decode()
    assert "Recent submissions" in page and 'data-status="needs_attention"' in page
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(reverse("competitions:requeue", args=[dev.competition.slug, sub.pk]))
    assert resp.status_code == 302
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.GRADED and sub.attempts == 1 and sub.error == ""
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("competitions:requeue", args=[dev.competition.slug, sub.pk]))
    sub.refresh_from_db()
    assert sub.attempts == 1  # a scored submission is not evaluated again


@pytest.mark.parametrize("outage", ["refused", "frozen"])
def test_submit_with_the_broker_down_is_received_and_the_sweep_sends_it_later(
    outage, dev, cast, client, settings, django_capture_on_commit_callbacks
):
    """Today's 500 with the attempt counted: now a receipt; it was received, so it counts."""
    import contextlib
    import io
    from datetime import timedelta

    from django.urls import reverse
    from django.utils import timezone

    from competitions.models import Submission
    from competitions.selectors import quota_for
    from competitions.services import submissions_sweep
    from tests.core import brokers

    back = brokers.redis_back_or_skip()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    brokers.clear_queue(back, "competitions")
    client.force_login(cast.alice)
    upload = io.BytesIO(PYMATCHING_DECODER)
    upload.name = "decoder.py"
    url = reverse("competitions:submit", args=[dev.competition.slug, dev.slug])
    with brokers.broker_config(), contextlib.ExitStack() as stack:
        port = brokers.closed_port() if outage == "refused" else stack.enter_context(brokers.frozen_server())
        brokers.use_broker(f"redis://127.0.0.1:{port}/0")
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            resp = client.post(url, {"file": upload})
        print(f"competition receipt with the broker {outage}: {time.monotonic() - started:.2f} s")  # not asserted
        assert resp.status_code == 302, resp.content
        sub = Submission.objects.get(phase=dev, user=cast.alice)
        page = client.get(resp["Location"]).content.decode()
        assert f"Received submission #{sub.pk}" in page
        assert sub.status == SubmissionStatus.RECEIVED and sub.attempts == 0
        quota = quota_for(phase=dev, participant=sub.participant)
        assert quota.used_phase == 1 and quota.running == 1  # received, so it counts, once
        assert submissions_sweep() == 0
        brokers.use_broker(back)
        assert submissions_sweep(now=timezone.now() + timedelta(minutes=2)) == 1
        sub.refresh_from_db()
        assert sub.status == SubmissionStatus.QUEUED
        assert brokers.queued_task_args(back, "competitions") == [("competitions.evaluate", [sub.pk])]
    brokers.clear_queue(back, "competitions")
