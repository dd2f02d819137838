"""Rate limits per API key (or user) and per workspace, with 429 and Retry-After.

Rates come from `tenant_rates()`: bursts per caller and per workspace from settings,
and the workspace plan's daily quota (`api_calls_per_day`) from billing. One throttle,
`ApiRateThrottle`, counts all three in one cache round trip.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from rest_framework.exceptions import Throttled
from rest_framework.throttling import BaseThrottle

from billing import quota
from tradepost.clientip import client_ip


def tenant_rates() -> dict[str, str | None]:
    from billing.access import plan_daily_rate

    return {
        "caller": settings.API_RATE_PER_CALLER,
        "workspace": settings.API_RATE_PER_WORKSPACE,
        # The plan's API calls per day (PlanDailyQuotaThrottle below).
        "workspace_daily": plan_daily_rate(),
    }


def caller_id(request) -> str | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return getattr(user, "principal_id", None) or f"user:{user.pk}"


_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """`"600/min"` → (600, 60); None or empty → None (no limit). The period is read from
    its first letter, as DRF does (s, m, h, d)."""
    if not rate:
        return None
    count, _sep, period = rate.partition("/")
    return int(count), _PERIODS[period[0]]


@dataclass(frozen=True)
class _Counter:
    key: str  # before the cache's key function (which adds the schema)
    allowed: int
    timeout: int  # seconds the counter lives
    wait: int  # seconds until it starts again from zero
    daily: bool = False


def _take(counters: list[_Counter]) -> list[int]:
    """Count one call on every counter; their new values. With Redis all of it is one
    pipelined round trip (SET NX EX creates a counter with its expiry, INCR counts);
    elsewhere (the local-memory cache of development) the cache's add and incr."""
    try:
        from django_redis import get_redis_connection

        client = get_redis_connection("default")
    except (ImportError, NotImplementedError):
        client = None
    if client is not None:
        pipe = client.pipeline(transaction=False)
        for counter in counters:
            key = cache.make_key(counter.key)
            pipe.set(key, 0, ex=counter.timeout, nx=True)
            pipe.incr(key)
        return [int(value) for value in pipe.execute()[1::2]]
    values = []
    for counter in counters:
        cache.add(counter.key, 0, timeout=counter.timeout)
        try:
            values.append(cache.incr(counter.key))
        except ValueError:  # expired between add and incr
            cache.set(counter.key, 1, timeout=counter.timeout)
            values.append(1)
    return values


class ApiRateThrottle(BaseThrottle):
    """Every limit of an API call in one cache round trip: the burst per caller (one API
    key or one signed-in user), the burst per workspace (all its keys and users
    together), and the workspace plan's calls per day (billing's counter,
    `billing.quota`; the message and the day are billing's, the 429 is ours).

    The bursts are fixed windows (`"600/min"`: at most 600 calls in each calendar
    minute), counted with Redis INCR, so concurrent requests never lose a count and a
    request costs no read-modify-write of a timestamp list. A refused call still counts
    against the bursts (someone hammering stays refused until the window ends) but not
    against the day's quota, as billing promises."""

    def __init__(self):
        self.retry_after: int | None = None

    def counters(self, request) -> list[_Counter]:
        rates = tenant_rates()
        now = time.time()
        counters = []
        for scope, key in (
            ("caller", f"throttle:caller:{caller_id(request) or client_ip(request)}"),
            ("workspace", f"throttle:workspace:{connection.schema_name}"),  # type: ignore[attr-defined]
        ):
            parsed = parse_rate(rates.get(scope))
            if parsed is None:
                continue
            allowed, window = parsed
            number = int(now // window)
            counters.append(
                _Counter(
                    key=f"{key}:{window}:{number}",
                    allowed=allowed,
                    timeout=window + 60,
                    wait=max(int((number + 1) * window - now) + 1, 1),
                )
            )
        daily = parse_rate(rates.get("workspace_daily"))
        if daily is not None:
            today = datetime.now(UTC)
            wait = quota.seconds_to_midnight(today)
            counters.append(
                _Counter(
                    key=quota.daily_key(today),
                    allowed=daily[0],
                    timeout=wait + 3600,
                    wait=wait,
                    daily=True,
                )
            )
        return counters

    def allow_request(self, request, view) -> bool:
        counters = self.counters(request)
        if not counters:
            return True
        values = _take(counters)
        over = [c for c, value in zip(counters, values, strict=True) if value > c.allowed]
        if not over:
            return True
        for counter in over:
            if counter.daily:
                # Not counted after all (the day's figure is what billing shows), and
                # the plan's message says what to do about it.
                cache.decr(counter.key)
                spent = quota.quota_spent(counter.allowed, datetime.now(UTC))
                raise Throttled(wait=spent.wait, detail=spent.message)
        self.retry_after = max(counter.wait for counter in over)
        return False

    def wait(self):
        return self.retry_after


class SignupRateThrottle(BaseThrottle):
    """`POST /api/v1/signup`: the sign-up form's counter (tenants.services.signup_attempt),
    so switching between form and API buys no extra attempts."""

    def __init__(self):
        self.retry_after: int | None = None

    def allow_request(self, request, view):
        from tenants.services import SignupRateLimited, signup_attempt

        if request.method != "POST":
            return True
        try:
            signup_attempt(client_ip=client_ip(request))
        except SignupRateLimited as exc:
            self.retry_after = exc.retry_after
            return False
        return True

    def wait(self):
        return self.retry_after
