"""Fixed-window counters in the cache (Redis in production and in tests).

A limit is "at most N per window seconds". Each window is its own cache key
(`<name>:<window seconds>:<window number>`), created with `cache.add` and counted with
`cache.incr`, both atomic in Redis, so concurrent requests never lose a count.
Keys go through the cache's key function and so carry the current schema (the
public schema for sign-up; each workspace for its logins).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    count: int
    window: int  # seconds


def _key(name: str, limit: Limit, now: float) -> tuple[str, int]:
    number = int(now // limit.window)
    retry_after = int((number + 1) * limit.window - now) + 1
    return f"ratelimit:{name}:{limit.window}:{number}", retry_after


def _current(key: str) -> int:
    return int(cache.get(key) or 0)


def exceeded(name: str, limits: list[Limit]) -> int | None:
    """Seconds until `name` may go on when any limit is used up, else None (no count)."""
    now = time.time()
    waits = []
    for limit in limits:
        key, retry_after = _key(name, limit, now)
        if _current(key) >= limit.count:
            waits.append(retry_after)
    return max(waits) if waits else None


def record(name: str, limits: list[Limit]) -> int | None:
    """Count one event against every limit of `name`; the seconds to wait when this
    event went over a limit (atomic: of concurrent events, only the allowed number pass)."""
    now = time.time()
    waits = []
    for limit in limits:
        key, retry_after = _key(name, limit, now)
        cache.add(key, 0, timeout=limit.window + 60)
        try:
            value = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=limit.window + 60)
            value = 1
        if value > limit.count:
            waits.append(retry_after)
    return max(waits) if waits else None


def hit(name: str, limits: list[Limit]) -> int | None:
    """Count one attempt: None when it is allowed, else the seconds to wait.

    An attempt made while a limit is already used up is refused without being counted.
    """
    return exceeded(name, limits) or record(name, limits)
