"""The production web server (deploy/run-web.sh: gunicorn's ASGI worker) holds lab-progress streams
without starving other requests.

The server runs exactly as production starts it, on a free loopback port, with production settings
and an SQLite database. The hub's progress endpoint is played by a loopback server that sends one
event per stream and then keeps the stream open (a lab that takes minutes to start): the test is
about the site's web tier, the real hub's progress stream is covered in tests/sandbox/.
N = workers x threads + 2 streams stay open while /healthz and a page are asked for.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from tests.deploy.conftest import production_env

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.mark.slow]
WORKERS = 2
THREADS = 4  # what a gthread server would have had per worker: the streams outnumber all of them
STREAMS = WORKERS * THREADS + 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _SlowHub(BaseHTTPRequestHandler):
    """``GET .../server/progress``: one event, then silence until the test releases it."""

    release = threading.Event()
    opened = 0
    lock = threading.Lock()

    def do_GET(self) -> None:
        if not self.path.endswith("/server/progress"):
            self.send_error(404)
            return
        with self.lock:
            type(self).opened += 1
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.wfile.write(b'data: {"progress": 10, "message": "Server requested"}\n\n')
        self.wfile.flush()
        self.release.wait(300)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def slow_hub() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowHub)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _SlowHub.release.clear()
    _SlowHub.opened = 0
    yield f"http://127.0.0.1:{server.server_address[1]}"
    _SlowHub.release.set()
    server.shutdown()


SEED = """
from django.contrib.sessions.backends.db import SessionStore
from courses.enums import ActivityKind, FileKind, Role
from tests.factories import ActivityFactory, CourseFactory, EnrollmentFactory, UnitFactory, UserFactory, add_version
course = CourseFactory(slug="qc101")
unit = UnitFactory(course=course, slug="basics")
practice = ActivityFactory(unit=unit, slug="warmup", kind=ActivityKind.PRACTICE)
add_version(practice, files={"warmup.ipynb": (FileKind.NOTEBOOK, b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')})
keys = []
for i in range(%d):
    user = UserFactory(username=f"student{i}")
    EnrollmentFactory(course=course, user=user, role=Role.STUDENT)
    s = SessionStore()
    s["_auth_user_id"] = str(user.pk)
    s["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    s["_auth_user_hash"] = user.get_session_auth_hash()
    s.create()
    keys.append(s.session_key)
print("KEYS=" + ",".join(keys))
"""


def test_open_progress_streams_do_not_block_healthz(tmp_path: Path, slow_hub: str) -> None:
    env = production_env(tmp_path)
    env.update(
        {
            "HUB_URL": "https://hub.lab.example.net",
            "HUB_API_URL": f"{slow_hub}/hub/api",
            "HUB_API_TOKEN": secrets.token_hex(16),
            "HUB_PROGRESS_TIMEOUT_SECONDS": "300",
            "PYTHONPATH": f"{REPO}:{REPO / 'platform'}",
        }
    )
    manage = [sys.executable, str(REPO / "manage.py")]
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):  # as the image has them
        subprocess.run([*manage, *command], env=env, cwd=REPO, check=True, capture_output=True, timeout=600)
    seeded = subprocess.run(
        [*manage, "shell", "-c", SEED % STREAMS],
        env=env,
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    keys = next(line[5:] for line in seeded.stdout.splitlines() if line.startswith("KEYS=")).split(",")
    port = _free_port()
    log_path = tmp_path / "web.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [str(REPO / "deploy" / "run-web.sh"), "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS)],
            env={**env, "PYTHON": sys.executable},
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    streams: list[requests.Response] = []
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, log_path.read_text()[-4000:]
            try:
                if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, log_path.read_text()[-4000:]
            time.sleep(0.5)
        # behind the TLS proxy: the proxy says https, the browser sends the site's host name
        headers = {"X-Forwarded-Proto": "https", "Host": "lab.example.edu"}
        url = f"{base}/lab/qc101/a/warmup/progress/"
        for key in keys:
            response = requests.get(url, headers=headers, cookies={"sessionid": key}, stream=True, timeout=(30, 300))
            assert response.status_code == 200, response.text[:500]
            assert response.headers["Content-Type"].startswith("text/event-stream")
            streams.append(response)
        # every stream delivered its first event and is still open (the hub is silent)
        for response in streams:
            first = next(response.iter_lines(decode_unicode=True))
            assert json.loads(first.removeprefix("data: "))["progress"] == 10
        assert _SlowHub.opened == STREAMS
        started = time.monotonic()
        health = requests.get(f"{base}/healthz", timeout=60)
        latency = time.monotonic() - started
        assert health.status_code == 200
        page = requests.get(f"{base}/accounts/login/", headers=headers, timeout=60)
        assert page.status_code == 200 and "csrfmiddlewaretoken" in page.text, log_path.read_text()[-3000:]
        check = subprocess.run(
            [sys.executable, str(REPO / "deploy" / "healthcheck.py"), f"{base}/healthz"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert check.returncode == 0, check.stderr
        print(f"\n/healthz with {STREAMS} open progress streams ({WORKERS} workers): {latency * 1000:.0f} ms")
        # the streams were still held open by the silent hub: released now, each one ends cleanly
        _SlowHub.release.set()
        for response in streams:
            assert list(response.iter_lines(decode_unicode=True)) in ([], [""])
    finally:
        for response in streams:
            response.close()
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
            server.wait()
