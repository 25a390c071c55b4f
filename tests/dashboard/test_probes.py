"""The site overview's worker probe reads heartbeats: it works with the embedded SQLite broker
(which cannot answer ``inspect ping``) as with Redis or RabbitMQ."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = pytest.mark.integration


def _reset_pools(app) -> None:  # type: ignore[no-untyped-def]
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_the_embedded_sqlite_broker_is_seen_alive_then_gone(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from celery.contrib.testing.worker import start_worker

    from config.celery import app
    from core.models import WorkerHeartbeat
    from dashboard.probes import probe_worker

    url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = url
    settings.WORKER_HEARTBEAT_SECONDS = 1.0
    before = probe_worker()
    assert before["ok"] is False and "no worker heartbeat" in before["detail"]
    saved = {k: app.conf.get(k) for k in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=url, task_always_eager=False)
    _reset_pools(app)
    seen: list[dict] = []
    try:
        with start_worker(
            app,
            pool="solo",
            queues=["grading", "competitions", "imports", "celery"],
            perform_ping_check=False, shutdown_timeout=30, loglevel="WARNING"
        ):
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                result = probe_worker()
                if result["ok"]:
                    seen.append(result)
                    row = WorkerHeartbeat.objects.get()
                    first = row.seen_at
                    # it keeps beating
                    while time.monotonic() < deadline and WorkerHeartbeat.objects.get().seen_at == first:
                        time.sleep(0.2)
                    seen.append({"beat_again": WorkerHeartbeat.objects.get().seen_at > first})
                    break
                time.sleep(0.2)
    finally:
        app.conf.update(saved)
        _reset_pools(app)
        # the test worker stops cold (no worker_shutdown signal) inside this process: stop its beat
        # as a warm shutdown does; a real worker's process ends and its row ages out
        from core.tasks import heartbeat_finish

        heartbeat_finish()
    assert seen, "the worker never wrote a heartbeat"
    assert "1 alive" in seen[0]["detail"] and "celery,competitions,grading,imports" in seen[0]["detail"]
    assert seen[1] == {"beat_again": True}
    # a worker that shuts down warm removes its row: the probe says so at once
    after = probe_worker()
    assert after["ok"] is False and not WorkerHeartbeat.objects.exists()


@pytest.mark.django_db
def test_stale_heartbeats_and_queues_nobody_consumes_are_problems(settings) -> None:  # type: ignore[no-untyped-def]
    from core.models import WorkerHeartbeat
    from dashboard.probes import probe_worker

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.WORKER_HEARTBEAT_SECONDS = 15.0
    now = timezone.now()
    WorkerHeartbeat.objects.create(hostname="celery@old", queues="grading", started_at=now, seen_at=now - timedelta(minutes=5))
    stale = probe_worker()
    assert stale["ok"] is False and "no worker heartbeat in the last 45 s" in stale["detail"]
    WorkerHeartbeat.objects.create(hostname="celery@beat-only", queues="celery", started_at=now, seen_at=now)
    wrong = probe_worker()
    assert wrong["ok"] is False and "none consumes the queue(s) grading, competitions, imports" in wrong["detail"]
    # a grading worker alone still leaves competition entries and course imports unserved
    WorkerHeartbeat.objects.create(hostname="celery@grader", queues="grading", started_at=now, seen_at=now)
    partial = probe_worker()
    assert partial["ok"] is False and "competitions, imports" in partial["detail"] and "grading," not in partial["detail"]
    WorkerHeartbeat.objects.create(hostname="celery@ops", queues="competitions,imports", started_at=now, seen_at=now)
    good = probe_worker()
    assert good["ok"] is True and "3 alive" in good["detail"] and "celery@grader" in good["detail"]
    assert "celery@old" not in good["detail"]


def test_eager_mode_needs_no_worker(settings) -> None:  # type: ignore[no-untyped-def]
    from dashboard.probes import probe_worker

    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert probe_worker()["ok"] is None
