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
                found[key] = self._serializer.loads(raw)
            except UnreadableCacheValue:
                self._discard(key)
        return found


class JSONRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` with :class:`JSONSerializer` and safe reads."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SafeRedisCacheClient
        self._options = {"serializer": JSONSerializer, **self._options}
