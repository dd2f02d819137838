"""The plan's daily API quota per workspace (`api_calls_per_day`): plain functions.

DRF's rate throttles keep a timestamp per request in the cache, which is fine for a
few hundred a minute but not for a hundred thousand a day; this keeps one counter per
workspace and UTC day. The HTTP side (`api.throttling.PlanDailyQuotaThrottle`) asks
`daily_quota_take` for each API call; the limit itself comes from the plan
(`billing.access.plan_daily_rate`). Billing knows nothing of DRF.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.utils.translation import gettext as _

from billing.conf import BILLING_PATH


@dataclass(frozen=True)
class QuotaSpent:
    """Today's calls are used up: retry in `wait` seconds (at UTC midnight)."""

    wait: int
    message: str


def _today_key(now: datetime) -> str:
    return f"billing:api-calls:{now:%Y-%m-%d}"  # the cache key function adds the schema


def _seconds_to_midnight(now: datetime) -> int:
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(int((tomorrow - now).total_seconds()), 1)


def calls_today() -> int:
    """API calls the current workspace made today (UTC)."""
    return int(cache.get(_today_key(datetime.now(UTC)), 0))


def daily_quota_take(allowed: int) -> QuotaSpent | None:
    """Count one API call of the current workspace against `allowed` calls a day.

    Returns None when the call fits (and counts it), or a QuotaSpent saying when the
    next call will fit and what to tell the caller (nothing is counted then)."""
    now = datetime.now(UTC)
    key = _today_key(now)
    wait = _seconds_to_midnight(now)
    if int(cache.get(key, 0)) >= allowed:
        return QuotaSpent(
            wait=wait,
            message=_(
                "This workspace has used the %(allowed)d API calls a day its plan "
                "allows. An administrator can upgrade the plan on the Billing page "
                "(%(url)s)."
            )
            % {"allowed": allowed, "url": BILLING_PATH},
        )
    cache.add(key, 0, timeout=wait + 3600)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=wait + 3600)
    return None
