"""Django's Redis cache, storing JSON instead of pickles.

Django's stock ``RedisCache`` pickles every value that is not an int, so whoever can write one
key into Redis runs code in the web process the next time the site reads it. Redis is a
network service: a password keeps strangers out, but the serializer is what makes a written
key harmless. Here values are JSON; a value that is not JSON (a pickle planted by someone, a
leftover from an older release) is logged and read as a miss, never deserialised.

Django-only module (no import of the site's apps): settings name it by dotted path.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

log = logging.getLogger(__name__)


class UnreadableCacheValue(ValueError):
    """A stored value that is not this serializer's JSON."""


class JSONSerializer:
    """Ints raw (so ``incr``/``decr`` stay atomic in Redis, as Django does), everything else JSON.

    ``dumps`` raises TypeError for a value JSON cannot hold: a caller that caches a model
    instance or a dataclass finds out at once instead of getting a different object back.
    """

    def dumps(self, obj: Any) -> int | bytes:
        if type(obj) is int:
            return obj
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=True).encode()

    def loads(self, data: bytes | int) -> Any:
        if isinstance(data, int):
            return data
        try:
            return int(data)
        except ValueError:
            pass
        try:
            return json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise UnreadableCacheValue("not a JSON cache value") from exc


class SafeRedisCacheClient(RedisCacheClient):
    """Reads that meet a value which is not JSON treat it as missing, log it and remove it
    (so that ``add``/``get_or_set`` can store a fresh value in its place)."""

    def _discard(self, key: Any) -> None:
        log.warning("cache key %r holds a value that is not JSON; treated as a miss and removed", key)
        self.get_client(key, write=True).delete(key)

    def get(self, key: Any, default: Any) -> Any:
        try:
            return super().get(key, default)
        except UnreadableCacheValue:
            self._discard(key)
            return default

    def get_many(self, keys: Any) -> dict[Any, Any]:
        keys = list(keys)
        client = self.get_client(None)
        found: dict[Any, Any] = {}
        for key, raw in zip(keys, client.mget(keys), strict=True):
            if raw is None:
                continue
            try:
                found[key] = self._serializer.loads(raw)  # type: ignore[attr-defined]  # set by Django's __init__
            except UnreadableCacheValue:
                self._discard(key)
        return found


class JSONRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` with :class:`JSONSerializer` and safe reads."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SafeRedisCacheClient
        options: dict[str, Any] = params.get("OPTIONS", {})
        self._options = {"serializer": JSONSerializer, **options}


class FailSoftJSONRedisCache(JSONRedisCache):
    """:class:`JSONRedisCache` that degrades when Redis is down or frozen instead of failing the page.

    The cache only ever holds what can be recomputed (leaderboards, charts, the hub's answers), so
    a read that cannot reach Redis is a miss and a write is dropped. After a failure Redis is left
    alone for ``RETRY_AFTER`` seconds, so a page with ten cache reads pays one connect timeout, not
    ten; one warning per outage goes to the log. :meth:`ping` raises, for ``/readyz``.
    """

    RETRY_AFTER = 5.0
    _down_until = 0.0  # shared by the process's instances (one per thread): one outage, one wait

    def _soft(self, name: str, default: Any, *args: Any, **kwargs: Any) -> Any:
        import time

        from redis.exceptions import RedisError

        now = time.monotonic()
        if now < FailSoftJSONRedisCache._down_until:
            return default
        try:
            return getattr(super(), name)(*args, **kwargs)
        except (RedisError, OSError) as exc:
            if FailSoftJSONRedisCache._down_until == 0.0 or now - FailSoftJSONRedisCache._down_until > 60:
                log.warning("cache unavailable (%s: %s); pages are served without it", type(exc).__name__, exc)
            FailSoftJSONRedisCache._down_until = now + self.RETRY_AFTER
            return default

    def ping(self) -> None:
        """Raise when Redis does not answer (the readiness probe), whatever the fail-soft state."""
        self._cache.get_client(None, write=True).ping()

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._soft("get", default, key, default, version)

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._soft("get_many", {}, keys, version)  # type: ignore[no-any-return]

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return bool(self._soft("has_key", False, key, version))

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return bool(self._soft("add", False, key, value, timeout, version))

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._soft("set", None, key, value, timeout, version)

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[Any]:
        return self._soft("set_many", [], data, timeout, version)  # type: ignore[no-any-return]

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return bool(self._soft("touch", False, key, timeout, version))

    def delete(self, key: Any, version: int | None = None) -> bool:
        return bool(self._soft("delete", False, key, version))

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._soft("delete_many", None, keys, version)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        marker = object()
        value = self._soft("incr", marker, key, delta, version)
        if value is marker:
            raise ValueError(f"Key '{key}' not found (the cache is unavailable)")
        return int(value)

    def clear(self) -> None:
        self._soft("clear", None)
