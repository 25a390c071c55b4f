"""Liveness, readiness, a cache outage that degrades pages, the worker heartbeat and request ids."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from django.test import Client

from tests.core.brokers import closed_port, frozen_server

pytestmark = pytest.mark.integration
REDIS = "redis://127.0.0.1:6379/14"


def test_healthz_answers_without_touching_the_database(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DATABASES["default"]["NAME"] = "/nonexistent/dir/db.sqlite3"  # would fail if it were asked
    response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")  # a kubelet asks by pod address
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db(transaction=True)
def test_readyz_is_bare_for_everyone_and_detailed_with_the_token(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.READYZ_TOKEN = "t0ken-for-readyz"
    bare = client.get("/readyz", HTTP_HOST="10.1.2.3")
    assert bare.status_code == 200 and bare.json() == {"status": "ok"}
    wrong = client.get("/readyz", HTTP_AUTHORIZATION="Bearer nope")
    assert "checks" not in wrong.json()
    detail = client.get("/readyz", HTTP_AUTHORIZATION="Bearer t0ken-for-readyz").json()
    assert detail["status"] == "ok"
    assert set(detail["checks"]) == {"database", "broker", "cache", "storage"}
    assert all(c["ok"] for c in detail["checks"].values()), detail
    from django.db import connection

    assert detail["checks"]["database"]["detail"] == connection.vendor  # sqlite here, postgresql in CI
    assert "MiB free" in detail["checks"]["storage"]["detail"]


@pytest.mark.django_db(transaction=True)
def test_readyz_detail_for_a_signed_in_superuser_only(client: Client, cast) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast.alice)
    assert "checks" not in client.get("/readyz").json()
    client.force_login(cast.admin)
    body = client.get("/readyz").json()
    assert body["status"] == "ok" and "database" in body["checks"] and body["workers"] == []
    assert body["queues_without_worker"] == ["grading", "competitions", "imports", "celery"]


@pytest.mark.django_db(transaction=True)
def test_readyz_is_503_and_names_the_failure_when_the_broker_and_cache_are_down(client: Client, settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Celery prefers the CELERY_BROKER_URL environment variable (set in CI) over its configured
    # broker_url: the frozen broker below must be both.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    settings.READYZ_TOKEN = "tok"
    settings.READYZ_TIMEOUT_SECONDS = 3.0
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.FailSoftJSONRedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    with frozen_server() as port:
        settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"
        from config.celery import app

        app.conf.broker_url = settings.CELERY_BROKER_URL
        try:
            response = client.get("/readyz", HTTP_AUTHORIZATION="Bearer tok")
        finally:
            app.conf.broker_url = None
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] and body["checks"]["storage"]["ok"]
    assert not body["checks"]["cache"]["ok"] and "Connection" in body["checks"]["cache"]["detail"]
    assert not body["checks"]["broker"]["ok"]
    bare = client.get("/readyz")
    assert bare.status_code == 503 and bare.json() == {"status": "unavailable"}


def test_readyz_storage_fails_when_the_blob_root_cannot_be_written(client: Client, settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from core.health import check_storage, run_checks

    blocker = tmp_path / "file"
    blocker.write_text("x")
    settings.BLOB_ROOT = blocker / "blobs"  # under a regular file: cannot exist
    result = run_checks({"storage": check_storage}, timeout=5)
    assert result["storage"]["ok"] is False and "NotADirectoryError" in result["storage"]["detail"]


def test_a_check_that_hangs_fails_at_the_timeout_without_holding_the_probe() -> None:
    import threading

    from core.health import run_checks

    release = threading.Event()
    result = run_checks({"hangs": lambda: str(release.wait(30)), "fine": lambda: "yes"}, timeout=0.5)
    release.set()
    assert result["fine"] == {"ok": True, "detail": "yes", "ms": result["fine"]["ms"]}
    assert result["hangs"]["ok"] is False and "no answer within 0.5 s" in result["hangs"]["detail"]


# --- a cache outage degrades pages ----------------------------------------------------------


@pytest.fixture
def redis_down(settings):  # type: ignore[no-untyped-def]
    from core.cache import FailSoftJSONRedisCache

    FailSoftJSONRedisCache._down_until = 0.0
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.FailSoftJSONRedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    yield
    FailSoftJSONRedisCache._down_until = 0.0


@pytest.fixture
def cup_in_course(world, settings, tmp_path_factory):  # type: ignore[no-untyped-def]
    base = tmp_path_factory.mktemp("cachedown")
    settings.COMPETITIONS_DATA_DIR = base / "data"
    settings.COMPETITIONS_JOB_DIR = base / "jobs"
    settings.COMPETITIONS_SHOTS_SCALE = 0.002
    settings.COMPETITIONS_SEED_SECRET = "test-secret"
    from competitions.definitions_loader import DEFINITIONS, load_definition

    return load_definition(DEFINITIONS / "decoder-cup", scale=0.002, course_slug="qc101")


@pytest.mark.django_db(transaction=True)
def test_pages_answer_200_with_redis_down(client: Client, cast, world, cup_in_course, redis_down, caplog) -> None:  # type: ignore[no-untyped-def]
    from django.core.cache import cache, caches

    assert type(caches["default"]).__name__ == "FailSoftJSONRedisCache"
    client.force_login(cast.alice)
    pages = [
        "/courses/",
        f"/courses/{world.course.slug}/",
        f"/courses/{world.course.slug}/a/{world.lesson.slug}/",
        f"/competitions/{cup_in_course.slug}/",
        f"/competitions/{cup_in_course.slug}/development/",
        f"/competitions/{cup_in_course.slug}/development/leaderboard/",
    ]
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
    assert "Decoder" in client.get(f"/competitions/{cup_in_course.slug}/").content.decode()
    assert any("cache unavailable" in r.getMessage() for r in caplog.records)
    # and the cache calls themselves: misses, dropped writes, never an exception
    assert cache.get("k", "default") == "default"
    cache.set("k", 1)
    assert cache.get_or_set("k2", lambda: 5) == 5
    with pytest.raises(ValueError):
        cache.incr("k")


def test_the_fail_soft_cache_works_normally_on_real_redis(settings) -> None:  # type: ignore[no-untyped-def]
    from redis import Redis

    try:
        Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except Exception:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.CACHES = {"default": {"BACKEND": "core.cache.FailSoftJSONRedisCache", "LOCATION": REDIS}}
    from django.core.cache import cache

    cache.clear()
    cache.set("board", [{"rank": 1, "score": 0.5}], 30)
    assert cache.get("board") == [{"rank": 1, "score": 0.5}]
    assert cache.add("n", 1) and cache.incr("n") == 2
    assert cache.get_many(["board", "missing"]) == {"board": [{"rank": 1, "score": 0.5}]}
    cache.ping()  # type: ignore[attr-defined]
    Redis.from_url(REDIS).set(":1:planted", b"\x80\x04K\x01.")  # a pickle: still read as a miss
    assert cache.get("planted") is None


# --- request ids and JSON logs ---------------------------------------------------------------


def test_request_id_is_kept_or_made_and_returned(client: Client) -> None:
    given = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    assert given["X-Request-ID"] == "abc-123"
    forged = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nINFO fake line")
    assert forged["X-Request-ID"] != "bad id\nINFO fake line" and len(forged["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_json_log_lines_carry_the_request_id(client: Client, cast) -> None:  # type: ignore[no-untyped-def]
    import io

    from core.logging import JsonFormatter, RequestIdFilter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        client.force_login(cast.alice)
        client.get("/courses/no-such-course/", HTTP_X_REQUEST_ID="req-42")
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines, "django.request logs a 404"
    line = lines[-1]
    assert line["request_id"] == "req-42" and line["level"] == "WARNING" and line["logger"] == "django.request"
    assert "/courses/no-such-course/" in line["message"] and line["time"].endswith("+00:00")


def test_log_format_json_is_configured_from_the_environment(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "LOG_FORMAT": "json", "LIANGZHI_DATA_DIR": str(tmp_path)}
    code = "import logging; logging.getLogger('liangzhi.test').warning('hello %s', 'world')"
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=repo, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    line = json.loads(out.stderr.strip().splitlines()[-1])
    assert line["message"] == "hello world" and line["request_id"] == "-" and line["logger"] == "liangzhi.test"


@pytest.mark.django_db(transaction=True)
def test_readyz_required_decides_503_and_others_degrade(client: Client, settings, redis_down) -> None:  # type: ignore[no-untyped-def]
    settings.READYZ_TOKEN = "tok"
    settings.READYZ_REQUIRED = ["database", "storage"]
    response = client.get("/readyz", HTTP_AUTHORIZATION="Bearer tok")
    assert response.status_code == 200 and response.json()["status"] == "degraded"
    assert response.json()["checks"]["cache"]["ok"] is False
    settings.READYZ_REQUIRED = ["database", "storage", "cache"]
    assert client.get("/readyz").status_code == 503
