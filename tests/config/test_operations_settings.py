"""Operations settings: the removed S3 option is refused loudly, LOG_FORMAT is checked, and the
probes answer under production's host and HTTPS checks (a kubelet asks by pod address over HTTP)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.unit
REPO = Path(__file__).resolve().parents[2]


def _check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=REPO, env={**clean, **env}, capture_output=True, text=True, timeout=300
    )


def test_storage_backend_s3_is_refused_with_the_reason() -> None:
    result = _check({"STORAGE_BACKEND": "s3"})
    assert result.returncode != 0
    assert "STORAGE_BACKEND='s3' must be one of: local" in result.stderr


def test_log_format_must_be_plain_or_json() -> None:
    result = _check({"LOG_FORMAT": "xml"})
    assert result.returncode != 0 and "LOG_FORMAT='xml' must be one of: plain, json" in result.stderr


@pytest.mark.django_db
def test_probes_answer_any_host_over_http_while_pages_keep_production_checks(settings) -> None:  # type: ignore[no-untyped-def]
    settings.ALLOWED_HOSTS = ["lab.example.edu"]
    settings.SECURE_SSL_REDIRECT = True
    settings.READYZ_TOKEN = ""
    client = Client()
    assert client.get("/healthz", HTTP_HOST="10.42.0.7:8000").json() == {"status": "ok"}
    assert client.get("/readyz", HTTP_HOST="10.42.0.7:8000").status_code in (200, 503)
    assert client.get("/metrics", HTTP_HOST="10.42.0.7:8000", REMOTE_ADDR="127.0.0.1").status_code == 200
    # every other page still refuses an unknown host, and redirects plain HTTP to HTTPS
    assert client.get("/courses/", HTTP_HOST="10.42.0.7:8000").status_code == 400
    redirect = client.get("/courses/", HTTP_HOST="lab.example.edu")
    assert redirect.status_code == 301 and redirect["Location"].startswith("https://lab.example.edu/")
    # a request with the site's session cookie goes through the normal checks, probes included
    client.cookies[settings.SESSION_COOKIE_NAME] = "x"
    assert client.get("/healthz", HTTP_HOST="10.42.0.7:8000").status_code == 400
