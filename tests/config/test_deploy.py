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
    assert names - _settings_variables() - SERVICE_CREDENTIALS == set()
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


# Variables compose itself reads (${...} in compose.yaml) to configure the services.
SERVICE_CREDENTIALS = {"POSTGRES_PASSWORD", "REDIS_PASSWORD", "RABBITMQ_PASSWORD"}


def _env_example() -> dict[str, str]:
    lines = (REPO / "deploy" / "env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_every_service_in_the_examples_has_credentials() -> None:
    """PostgreSQL with password authentication, Redis with requirepass, RabbitMQ without guest."""
    compose_text = (REPO / "deploy" / "compose.yaml").read_text()
    compose = yaml.safe_load(compose_text)
    services = compose["services"]
    env = _env_example()
    for name in SERVICE_CREDENTIALS:
        assert f"${{{name}:?" in compose_text, f"compose must require {name}"
        assert env[name]
    db = services["db"]["environment"]
    assert db["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD")
    assert db["POSTGRES_HOST_AUTH_METHOD"] == "scram-sha-256"
    assert not any("trust" in str(v) for s in services.values() for v in (s.get("environment") or {}).values())
    assert "--requirepass" in services["redis"]["command"]
    rabbit = services["rabbitmq"]["environment"]
    assert rabbit["RABBITMQ_DEFAULT_USER"] != "guest" and rabbit["RABBITMQ_DEFAULT_PASS"].startswith("${RABBITMQ")
    assert "guest" not in compose_text + (REPO / "deploy" / "env.example").read_text()
    # the site's URLs carry the same passwords
    assert f":{env['POSTGRES_PASSWORD']}@db:" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith(f"redis://:{env['REDIS_PASSWORD']}@redis:")
    assert env["CELERY_BROKER_URL"].startswith(f"redis://:{env['REDIS_PASSWORD']}@redis:")
    rabbit_url = next(line for line in (REPO / "deploy" / "env.example").read_text().splitlines() if "amqp://" in line)
    assert f"liangzhi:{env['RABBITMQ_PASSWORD']}@rabbitmq:" in rabbit_url
    # only the site is published to the host, and only on loopback
    published = {name: s.get("ports") for name, s in services.items() if s.get("ports")}
    assert published == {"web": ["127.0.0.1:8000:8000"]}


def test_the_example_settings_load_with_a_redis_password(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import importlib

    import config.settings as site_settings

    env = _env_example()
    monkeypatch.setenv("REDIS_URL", env["REDIS_URL"])
    try:
        loaded = importlib.reload(site_settings)
        cache = loaded.CACHES["default"]
        assert cache["BACKEND"] == "core.cache.JSONRedisCache" and cache["LOCATION"] == env["REDIS_URL"]
    finally:
        monkeypatch.delenv("REDIS_URL")
        importlib.reload(site_settings)
