"""The production files agree with the settings: no unknown variable, every service on the same image."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.unit


def _settings_variables() -> set[str]:
    return set(re.findall(r'env_[a-z]+\(\s*"([A-Z][A-Z0-9_]+)"', (REPO / "platform" / "config" / "settings.py").read_text()))


def test_env_example_uses_only_variables_the_settings_read() -> None:
    names = {line.split("=", 1)[0] for line in (REPO / "deploy" / "env.example").read_text().splitlines() if line and not line.startswith("#")}
    assert names - _settings_variables() == set()
    assert {"DJANGO_ENV", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL"} <= names


def test_compose_runs_web_worker_and_beat_from_one_image() -> None:
    compose = yaml.safe_load((REPO / "deploy" / "compose.yaml").read_text())
    services = compose["services"]
    images = {services[name]["image"] for name in ("migrate", "web", "worker", "beat")}
    assert images == {"liangzhi/site:latest"}
    assert services["worker"]["command"][:3] == ["celery", "-A", "config"] and "grading" in services["worker"]["command"][5]
    assert "config.wsgi" in services["web"]["command"]
    dockerfile = (REPO / services["migrate"]["build"]["dockerfile"]).read_text()
    assert "requirements.lock" in dockerfile and "collectstatic" in dockerfile
