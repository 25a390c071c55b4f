"""The job kernel (core.jobs): its one state machine and retry rule, and what jobs leave on disk."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from core import jobs
from core.jobs import JobState


@pytest.mark.unit
def test_the_state_machine_has_one_way_in_and_finished_jobs_only_go_back_to_received() -> None:
    assert set(jobs.TRANSITIONS) == set(JobState)
    for final in (JobState.DONE, JobState.FAILED, JobState.NEEDS_ATTENTION):
        assert jobs.TRANSITIONS[final] == {JobState.RECEIVED}  # only staff sending it again
    assert not jobs.can_move(JobState.RECEIVED, JobState.DONE)  # a result needs a claim first
    assert jobs.can_move(JobState.RUNNING, JobState.RECEIVED)  # retry, or the worker died
    # Every state is reachable from received.
    seen, todo = {JobState.RECEIVED}, [JobState.RECEIVED]
    while todo:
        for nxt in jobs.TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen == set(JobState)


@pytest.mark.unit
def test_one_rule_decides_retryable_or_final() -> None:
    from competitions.services import _Failed
    from grading.runner.autograde import GradeOutcome

    assert jobs.is_retryable(OSError("the sandbox could not start"))  # the platform's: retried
    assert jobs.is_retryable(GradeOutcome.failure("runner crashed", retryable=True))
    assert not jobs.is_retryable(GradeOutcome(status="graded", message="the kernel stopped"))  # os._exit: final
    assert not jobs.is_retryable(GradeOutcome(status="timed_out"))
    assert not jobs.is_retryable(_Failed("error", "your code raised"))  # the participant's: final


def _publish_and_consume(url: str, *, sent: int, consumed: int) -> None:
    from kombu import Connection

    with Connection(url) as conn:
        queue = conn.SimpleQueue("grading")
        for i in range(sent):
            queue.put({"n": i})
        for _ in range(consumed):
            queue.get(timeout=10).ack()
        queue.close()


@pytest.mark.integration
def test_delivered_messages_of_the_embedded_broker_are_pruned_and_waiting_ones_kept(tmp_path: Path) -> None:
    import sqlalchemy as sa

    url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    _publish_and_consume(url, sent=5, consumed=3)
    engine = sa.create_engine(url[len("sqla+") :])
    count = "SELECT visible, COUNT(*) FROM kombu_message GROUP BY visible ORDER BY visible"
    with engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(sa.text(count))] == [(0, 3), (1, 2)]  # kombu keeps delivered rows
    assert jobs.broker_messages_prune(url, older_than=3600) == 0  # delivered just now: kept for an hour
    time.sleep(0.05)
    assert jobs.broker_messages_prune(url, older_than=0) == 3
    with engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(sa.text(count))] == [(1, 2)]  # the waiting ones are still there
    engine.dispose()
    _publish_and_consume(url, sent=0, consumed=2)  # and still deliverable
    assert jobs.broker_messages_prune("redis://127.0.0.1:6379/13", older_than=0) == 0  # Redis deletes on delivery


@pytest.mark.integration
def test_dead_jobs_folders_are_pruned_live_and_recent_ones_kept(tmp_path: Path) -> None:
    root = tmp_path / "grading-jobs"
    dead, live, fresh = root / "job-dead", root / "job-live", root / "job-fresh"
    for folder in (dead, live, fresh):
        (folder / ".runtime").mkdir(parents=True)
        (folder / "notebook.ipynb").write_text("{}")
    old = time.time() - 7200
    for folder in (dead, live):
        os.utime(folder, (old, old))
    # A process working in a folder (a warm sandbox waiting for its job) keeps it, however old.
    sleeper = subprocess.Popen(["sleep", "120"], cwd=live / ".runtime")
    try:
        assert jobs.job_folders_prune(root, older_than=3600) == 1
        assert not dead.exists() and live.exists() and fresh.exists()
    finally:
        sleeper.kill()
        sleeper.wait(timeout=30)
    assert jobs.job_folders_prune(root, older_than=3600) == 1  # now nobody works there
    assert not live.exists() and fresh.exists()
    assert jobs.job_folders_prune(tmp_path / "missing", older_than=0) == 0


@pytest.mark.integration
@pytest.mark.django_db
def test_housekeeping_sweeps_every_queue_and_cleans_the_broker_and_job_folders(settings, tmp_path: Path) -> None:
    from core.tasks import housekeeping

    url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    _publish_and_consume(url, sent=2, consumed=2)
    settings.CELERY_BROKER_URL = url
    settings.JOBS_CLEANUP_AFTER_MINUTES = 0
    settings.DATA_DIR = tmp_path / "data"
    settings.COMPETITIONS_JOB_DIR = tmp_path / "competition-jobs"
    (settings.DATA_DIR / "grading-jobs" / "job-x").mkdir(parents=True)
    (settings.COMPETITIONS_JOB_DIR / "sub-1-1-abc").mkdir(parents=True)
    time.sleep(0.05)
    counts = housekeeping()
    assert {f"sent:{q.name}" for q in jobs.registered_queues()} <= set(counts)  # every queue swept
    assert {"sent:grading", "sent:competitions"} <= set(counts)
    assert all(n == 0 for key, n in counts.items() if key.startswith("sent:"))  # nothing was lost
    assert counts["broker_messages"] == 2
    assert counts["folders:grading"] == counts["folders:competitions"] == 1
    assert not any((settings.DATA_DIR / "grading-jobs").iterdir())


def test_each_kind_of_job_has_its_own_broker_queue_and_every_queue_is_one_a_worker_can_name(settings) -> None:  # type: ignore[no-untyped-def]
    """Submissions, competition entries, course imports and sweeps never share a FIFO: a backlog of
    one kind never delays another. The job kernel reads each queue's name from the routes."""
    from competitions.services import COMPETITION_QUEUE
    from core.jobs import broker_queue_for
    from courses.imports import IMPORT_QUEUE
    from grading.services import GRADING_QUEUE

    kinds = {q.name: q.broker_queue for q in (GRADING_QUEUE, COMPETITION_QUEUE, IMPORT_QUEUE)}
    assert kinds == {"grading": "grading", "competitions": "competitions", "course_imports": "imports"}
    assert broker_queue_for("grading.sweep") == broker_queue_for("competitions.sweep") == "celery"
    assert broker_queue_for("core.housekeeping") == "celery"
    assert broker_queue_for("assessments.grade_attempt") == "grading"
    assert broker_queue_for("no.such_task") == "celery"  # Celery's default queue
    assert set(kinds.values()) | {"celery"} == set(settings.WORKER_QUEUES)
    # every queue a task can be routed to is one the readiness probe asks a worker for
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed <= set(settings.WORKER_QUEUES)


def test_every_process_file_and_deployment_runs_a_worker_for_every_queue() -> None:
    """The Procfiles, compose and Kubernetes start workers that together consume every queue."""
    import re

    from django.conf import settings

    repo = Path(settings.REPO_DIR)
    for name in ("Procfile", "deploy/Procfile.production", "deploy/compose.yaml", "deploy/kubernetes/site.yaml"):
        text = (repo / name).read_text()
        served: set[str] = set()
        for match in re.finditer(r"""-Q["',\s]+([a-z_,]+)""", text):
            served |= set(match.group(1).split(","))
        assert served == set(settings.WORKER_QUEUES), (name, served)


@pytest.mark.parametrize("entry", ["config.asgi", "config.wsgi"])
def test_the_web_entry_points_register_every_job_task_before_the_first_request(entry: str) -> None:
    """A web process loads the apps' Celery tasks at start-up: the first submit neither pays for
    the import nor races another first submit into ``NotRegistered`` (then only the sweep sends it)."""
    from django.conf import settings

    code = (
        f"import {entry}\n"
        "from config.celery import app\n"
        "from django.conf import settings\n"
        "from django.utils.module_loading import import_string\n"
        "names = [import_string(q).task for q in settings.JOBS_QUEUES]\n"
        "print(sorted(n for n in names if n not in app.tasks.keys()) or 'ALL-REGISTERED')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    out = subprocess.run(
        [os.sys.executable, "-c", code],  # type: ignore[attr-defined]
        cwd=settings.REPO_DIR,
        env={**env, "PYTHONPATH": f"{settings.REPO_DIR}:{settings.REPO_DIR}/platform"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1] == "ALL-REGISTERED", out.stdout
