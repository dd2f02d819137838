"""Emptying the cache in tests without touching the other test process's keys.

`cache.clear()` on Redis is FLUSHDB: it would drop the import jobs, rate-limit
counters and sessions of the other pytest-xdist worker (and of any other run sharing
the Redis) in the middle of its tests. `clear_cache()` deletes only this process's
keys: settings_test gives every worker its own KEY_PREFIX.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache


def clear_cache() -> None:
    """Forget every cache key this test process wrote (and only those)."""
    if not hasattr(cache, "delete_pattern"):  # local memory: this process's own
        cache.clear()
        return
    from django_redis import get_redis_connection

    # Keys are "<schema>:<prefix>:<version>:<key>" (django_tenants.cache.make_key).
    redis = get_redis_connection("default")
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    keys = list(redis.scan_iter(match=f"*:{prefix}:*", count=1000))
    if keys:
        redis.delete(*keys)
