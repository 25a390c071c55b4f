"""/metrics: who may read it, and what the platform's own figures say."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def _metrics(client: Client, **extra: str) -> str:
    from core.metrics import COLLECTOR

    COLLECTOR.invalidate()
    response = client.get("/metrics", **extra)  # type: ignore[arg-type]
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def test_metrics_only_from_loopback_without_a_token(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.8").status_code == 403
    # a reverse proxy on this machine makes every visitor 127.0.0.1: its headers refuse the request
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403
    assert "django_http_requests" in _metrics(client, REMOTE_ADDR="127.0.0.1")
    assert "liangzhi_queue_depth" in _metrics(client, REMOTE_ADDR="::1")


def test_metrics_token_is_required_when_set(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.METRICS_TOKEN = "scrape-me-0123456789"
    refused = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert refused.status_code == 403 and refused["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    body = _metrics(client, REMOTE_ADDR="10.0.0.8", HTTP_HOST="10.0.0.8:8000", HTTP_AUTHORIZATION="Bearer scrape-me-0123456789")
    assert "liangzhi_jobs" in body


def _sub(world, user, *, status: str, received_ago: float, latency: float | None = None):  # type: ignore[no-untyped-def]
    from grading.models import Submission

    now = timezone.now()
    received = now - timedelta(seconds=received_ago)
    version = world.assignment.current_version
    return Submission.objects.create(
        activity=world.assignment,
        version=version,
        user=user,
        received_at=received,
        blob="0" * 64,
        size=10,
        source="upload",
        idempotency_key=f"m-{status}-{received_ago}-{user.pk}",
        status=status,
        graded_at=received + timedelta(seconds=latency) if latency is not None else None,
    )


def _value(body: str, name: str) -> float:
    for line in body.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{name} not in the metrics:\n{body}")


def test_queue_depth_jobs_and_grading_latency_from_the_rows(client: Client, world, cast, settings) -> None:  # type: ignore[no-untyped-def]
    settings.METRICS_TOKEN = ""
    settings.HUB_URL = settings.HUB_API_URL = "http://127.0.0.1:9"  # nothing listens: the hub is down
    settings.HUB_API_TOKEN = "x"
    _sub(world, cast.alice, status="received", received_ago=5)
    _sub(world, cast.bob, status="queued", received_ago=4)
    _sub(world, cast.charlie, status="queued", received_ago=3)
    _sub(world, cast.alice, status="running", received_ago=2)
    _sub(world, cast.alice, status="graded", received_ago=600, latency=3)  # 3 s
    _sub(world, cast.bob, status="graded", received_ago=700, latency=45)  # 45 s
    _sub(world, cast.charlie, status="error", received_ago=800, latency=700)  # 700 s, an error is graded too
    body = _metrics(client, REMOTE_ADDR="127.0.0.1")
    assert _value(body, 'liangzhi_queue_depth{queue="grading"}') == 3
    assert _value(body, 'liangzhi_queue_depth{queue="competitions"}') == 0
    assert _value(body, 'liangzhi_queue_depth{queue="course_imports"}') == 0
    assert _value(body, 'liangzhi_jobs{queue="grading",status="queued"}') == 2
    assert _value(body, 'liangzhi_jobs{queue="grading",status="graded"}') == 2
    assert _value(body, 'liangzhi_jobs{queue="grading",status="running"}') == 1
    assert _value(body, 'liangzhi_grading_latency_seconds_bucket{le="2.5"}') == 0
    assert _value(body, 'liangzhi_grading_latency_seconds_bucket{le="5.0"}') == 1
    assert _value(body, 'liangzhi_grading_latency_seconds_bucket{le="60.0"}') == 2
    assert _value(body, 'liangzhi_grading_latency_seconds_bucket{le="600.0"}') == 2
    assert _value(body, 'liangzhi_grading_latency_seconds_bucket{le="+Inf"}') == 3
    assert _value(body, "liangzhi_grading_latency_seconds_count") == 3
    assert _value(body, "liangzhi_grading_latency_seconds_sum") == pytest.approx(748, abs=0.01)
    assert _value(body, "liangzhi_workers_alive") == 0
    # the hub did not answer: said so, and no made-up zero for the labs
    assert _value(body, "liangzhi_hub_up") == 0
    assert "liangzhi_labs_running " not in body


def test_labs_running_counts_the_hubs_ready_servers(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    """A loopback HTTP server answering GET /hub/api/users?state=active as the hub does."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    users = [
        {"name": "a", "servers": {"": {"ready": True, "started": "2026-11-30T10:00:00Z"}}},
        {"name": "b", "servers": {"": {"ready": False, "started": "2026-11-30T10:00:01Z", "pending": "spawn"}}},
        {"name": "c", "servers": {"": {"ready": True}, "second": {"ready": True}}},
    ]
    asked: list[str] = []

    class Hub(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            body = json.dumps(users).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        settings.HUB_URL, settings.HUB_API_URL, settings.HUB_API_TOKEN = url, f"{url}/hub/api", "svc-token"
        body = _metrics(client, REMOTE_ADDR="127.0.0.1")
    finally:
        server.shutdown()
    assert asked and asked[0].startswith("/hub/api/users?state=active")
    assert _value(body, "liangzhi_hub_up") == 1
    assert _value(body, "liangzhi_labs_running") == 4
