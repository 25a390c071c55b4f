"""SENTRY_DSN sends errors (from a web request) to the configured service, without personal data.

The "service" is a loopback HTTP server that records what the SDK posts; the site runs in a
subprocess with the DSN in its environment, as in production."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import django, sentry_sdk
django.setup()
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.test.utils import setup_test_environment
from django.core.management import call_command
call_command("migrate", verbosity=0)
setup_test_environment()
user = get_user_model().objects.create_user("sentry-user", email="private@example.edu", password="pw")
client = Client(raise_request_exception=False)
client.force_login(user)
import courses.views as views
def boom(request, *args, **kwargs):
    raise RuntimeError("boom for sentry")
from django.urls import clear_url_caches
import courses.urls
courses.urls.urlpatterns[0].callback = boom
clear_url_caches()
response = client.get("/courses/", HTTP_X_REQUEST_ID="req-sentry-1", REMOTE_ADDR="198.51.100.7")
print("status", response.status_code)
sentry_sdk.flush(10)
"""


def test_errors_reach_the_sentry_dsn_without_personal_data(tmp_path: Path) -> None:
    received: list[bytes] = []

    class Sentry(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            received.append(body)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Sentry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env = {
            **os.environ,
            "SENTRY_DSN": f"http://publickey@127.0.0.1:{server.server_address[1]}/42",
            "LIANGZHI_DATA_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONPATH": f"{REPO / 'platform'}:{REPO}",
        }
        out = subprocess.run(
            [sys.executable, "-c", SCRIPT], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
        )
    finally:
        server.shutdown()
    assert out.returncode == 0, out.stderr[-3000:]
    assert "status 500" in out.stdout
    events = []
    for body in received:
        for line in body.splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if isinstance(item, dict) and "exception" in item:
                events.append(item)
    assert events, f"no error event among {len(received)} posts"
    event = events[0]
    text = json.dumps(event)
    assert "boom for sentry" in text and event["platform"] == "python"
    assert event["tags"]["request_id"] == "req-sentry-1"  # the same id as the log lines
    assert "/courses/" in json.dumps(event.get("request", {})) or event.get("transaction") == "/courses/", event.get("request")
    # send_default_pii=False: no e-mail, no client address, no cookies or session
    assert "private@example.edu" not in text and "198.51.100.7" not in text
    assert "sessionid" not in text and "Cookie" not in event["request"].get("headers", {})
