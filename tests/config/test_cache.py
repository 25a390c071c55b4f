"""The Redis cache stores JSON and never unpickles; the blob store is owner-only.

Against the real Redis on 127.0.0.1:6379 (database 13, a per-run key prefix). Without Redis
the Redis tests skip, unless ``LIANGZHI_REQUIRE_REDIS=1`` (CI), where they fail.
"""

from __future__ import annotations

import os
import pickle
import secrets
import stat
from datetime import timedelta
from pathlib import Path

import pytest

REDIS_URL = os.environ.get("LIANGZHI_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def _redis_or_skip():  # type: ignore[no-untyped-def]
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("LIANGZHI_REQUIRE_REDIS"):
            pytest.fail(f"LIANGZHI_REQUIRE_REDIS is set but Redis at {REDIS_URL} does not answer: {exc}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    return client


@pytest.fixture
def raw_redis():  # type: ignore[no-untyped-def]
    client = _redis_or_skip()
    yield client
    client.close()


@pytest.fixture
def prefix(raw_redis):  # type: ignore[no-untyped-def]
    value = f"lz-test-{secrets.token_hex(4)}"
    yield value
    for key in raw_redis.scan_iter(f"{value}:*"):
        raw_redis.delete(key)


class _Planted:
    """What an attacker writes: unpickling it creates a file (a stand-in for any code)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (open, (str(self.marker), "w"))


def _backend(cls_path: str, prefix: str):  # type: ignore[no-untyped-def]
    from django.utils.module_loading import import_string

    return import_string(cls_path)(REDIS_URL, {"KEY_PREFIX": prefix})


def test_the_site_cache_setting_is_the_json_backend(monkeypatch):
    """REDIS_URL (with a password, as production sets it) selects the JSON backend."""
    import importlib

    import config.settings as site_settings

    monkeypatch.setenv("REDIS_URL", "redis://:s3cret-pass@127.0.0.1:6379/0")
    try:
        reloaded = importlib.reload(site_settings)
        from django.utils.module_loading import import_string

        from core.cache import JSONRedisCache

        assert issubclass(import_string(reloaded.CACHES["default"]["BACKEND"]), JSONRedisCache)
        assert reloaded.CACHES["default"]["LOCATION"] == "redis://:s3cret-pass@127.0.0.1:6379/0"
    finally:
        monkeypatch.delenv("REDIS_URL")
        importlib.reload(site_settings)


def test_redis_password_in_the_url_reaches_the_connection(prefix):
    """Credentials in REDIS_URL are sent by the client: Redis refuses an unknown user's password."""
    import redis

    from core.cache import JSONRedisCache

    cache = JSONRedisCache("redis://liangzhi-nobody:not-the-password@127.0.0.1:6379/13", {"KEY_PREFIX": prefix})
    pool = cache._cache._get_connection_pool(write=True)
    assert pool.connection_kwargs["password"] == "not-the-password"
    # AUTH liangzhi-nobody not-the-password reaches Redis, which has no such user: WRONGPASS.
    with pytest.raises(redis.AuthenticationError):
        cache.set("k", "v")


def test_a_planted_pickle_is_not_executed(raw_redis, prefix, tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Planted(marker))

    # Control: Django's stock backend runs the payload (so the payload is real).
    stock = _backend("django.core.cache.backends.redis.RedisCache", prefix + "-stock")
    raw_redis.set(stock.make_key("board"), payload)
    stock.get("board")
    assert marker.exists(), "control failed: the stock backend did not unpickle"
    marker.unlink()
    raw_redis.delete(stock.make_key("board"))

    site = _backend("core.cache.JSONRedisCache", prefix)
    raw_redis.set(site.make_key("board"), payload)
    raw_redis.set(site.make_key("other"), payload)
    assert site.get("board") is None  # a miss
    assert site.get("board", "fallback") == "fallback"
    assert site.get_many(["board", "other"]) == {}
    assert site.get_or_set("board", lambda: {"fresh": 1}) == {"fresh": 1}
    assert not marker.exists()
    # What the site writes back is JSON text, readable by anyone and runnable by no one.
    assert raw_redis.get(site.make_key("board")) == b'{"fresh":1}'


def test_json_values_round_trip_and_counters_stay_atomic(prefix):
    site = _backend("core.cache.JSONRedisCache", prefix)
    value = {"data": [{"name": "队 </script>", "y": [1.5, None]}], "layout": {"height": 300}}
    site.set("fig", value)
    assert site.get("fig") == value
    site.set("n", 1)
    assert site.incr("n", 41) == 42
    site.set_many({"a": "text", "b": [1, 2]})
    assert site.get_many(["a", "b", "missing"]) == {"a": "text", "b": [1, 2]}
    with pytest.raises(TypeError):
        site.set("obj", object())  # a value JSON cannot hold is refused, not pickled


@pytest.fixture
def redis_site_cache(settings, raw_redis, prefix):  # type: ignore[no-untyped-def]
    """The site's default cache is the real Redis (through the settings the site uses)."""
    settings.CACHES = {"default": {"BACKEND": "core.cache.JSONRedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": prefix}}
    from django.core.cache import cache

    yield cache
    cache.clear()


def test_competition_pages_work_with_what_they_cache(redis_site_cache, world, client):
    """The leaderboard rows and the chart go through Redis as JSON, and the page renders from the cache."""
    from django.urls import reverse
    from django.utils import timezone

    from competitions.definitions_loader import DEFINITIONS, load_definition
    from competitions.models import Submission, SubmissionStatus
    from competitions.selectors import leaderboard

    cup = load_definition(DEFINITIONS / "decoder-cup", scale=0.002, course_slug="qc101")
    dev = cup.phases.get(slug="development")
    now = timezone.now()
    for i, (user, score) in enumerate([(world.course.enrollments.first().user, 0.12), (None, 0.3)]):
        Submission.objects.create(
            phase=dev,
            user=user or world.course.enrollments.last().user,
            participant=f"u{(user or world.course.enrollments.last().user).pk}",
            received_at=now - timedelta(minutes=5 - i),
            kind=dev.submission_kind,
            status=SubmissionStatus.GRADED,
            public_score=score,
            public_tiebreak=1.0,
        )
    first = leaderboard(phase=dev, split="public")
    second = leaderboard(phase=dev, split="public")  # from Redis
    assert [(r.participant, r.score, r.received_at) for r in second] == [
        (r.participant, r.score, r.received_at) for r in first
    ]
    assert len(first) >= 2
    keys = list(redis_site_cache._cache.get_client().scan_iter(f"{redis_site_cache.key_prefix}:*"))
    assert any(b"cmp:board" in k for k in keys)

    student = world.course.enrollments.filter(role="student").first().user
    client.force_login(student)
    url = reverse("competitions:home", args=[cup.slug])
    for _ in range(2):  # the second render reads the chart and the board from Redis
        response = client.get(url)
        assert response.status_code == 200
        assert b'id="cmp-chart"' in response.content
    keys = list(redis_site_cache._cache.get_client().scan_iter(f"{redis_site_cache.key_prefix}:*"))
    assert any(b"cmp:chart" in k for k in keys)


def test_blob_root_is_created_and_kept_owner_only(settings, tmp_path):
    from core.blobs import blob_get, blob_put

    root = tmp_path / "var" / "blobs"
    settings.BLOB_ROOT = root
    digest = blob_put(b"hidden tests")
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    blob = root / digest[:2] / digest[2:4] / digest
    assert stat.S_IMODE(blob.stat().st_mode) == 0o600
    for sub in (root / digest[:2], root / digest[:2] / digest[2:4]):
        assert stat.S_IMODE(sub.stat().st_mode) == 0o700
    root.chmod(0o755)  # someone widened it (a restore, a careless chmod)
    blob_put(b"hidden tests")  # the same bytes again: nothing to write, the root is still fixed
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert blob_get(digest) == b"hidden tests"
