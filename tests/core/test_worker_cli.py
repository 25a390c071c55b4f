"""A real `celery worker` process (as the Procfile starts it) on the embedded SQLite broker: it
writes its heartbeat row, logs JSON with the task id as request_id under LOG_FORMAT=json, and
removes its row on a warm shutdown (SIGTERM)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def _heartbeats(db: Path) -> list[tuple[str, str]]:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return list(conn.execute("SELECT hostname, queues FROM core_workerheartbeat"))
    except sqlite3.OperationalError:
        return []


def test_a_real_worker_process_beats_logs_json_and_leaves_cleanly(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "REDIS_URL"))},
        "LIANGZHI_DATA_DIR": str(tmp_path),
        "LOG_FORMAT": "json",
        "WORKER_HEARTBEAT_SECONDS": "1",
        "PYTHONPATH": f"{REPO}:{REPO / 'platform'}",
        "GRADING_WARM_POOL": "0",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=REPO, env=env, check=True, timeout=300)
    log = (tmp_path / "worker.log").open("w+")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "grading,celery", "--pool", "solo",
         "--loglevel", "INFO", "--hostname", "cli-test@%h"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    db = tmp_path / "db.sqlite3"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not _heartbeats(db):
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
            time.sleep(0.5)
        beats = _heartbeats(db)
        assert beats and beats[0][0].startswith("cli-test@") and beats[0][1] == "celery,grading"
        code = "from core.tasks import housekeeping; housekeeping.delay(); print('sent')"
        sent = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
        )
        assert "sent" in sent.stdout, sent.stderr
        lines: list[dict] = []
        while time.monotonic() < deadline + 60:
            lines = []
            for raw in (tmp_path / "worker.log").read_text().splitlines():
                try:
                    lines.append(json.loads(raw))
                except ValueError:
                    continue
            if any("succeeded" in line.get("message", "") for line in lines):
                break
            time.sleep(0.5)
    finally:
        worker.send_signal(signal.SIGTERM)  # warm shutdown, as an orchestrator stops it
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()
    done = [line for line in lines if "core.housekeeping" in line.get("message", "") and "succeeded" in line["message"]]
    assert done, (tmp_path / "worker.log").read_text()[-3000:]
    assert all({"time", "level", "logger", "message", "request_id"} <= set(line) for line in lines)
    received = [line for line in lines if "core.housekeeping" in line["message"] and "Task" in line["message"]]
    assert any(line["request_id"].startswith("task:") for line in lines), received
    assert _heartbeats(db) == []  # its row went with it
