"""The plan's daily API quota per workspace (`api_calls_per_day`): plain functions.

DRF's rate throttles keep a timestamp per request in the cache, which is fine for a
few hundred a minute but not for a hundred thousand a day; this keeps one counter per
workspace and UTC day (`daily_key`). The HTTP side (`api.throttling.ApiRateThrottle`)
counts each API call on it, in the same cache round trip as its burst limits, and
refuses with `quota_spent`; the limit itself comes from the plan
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


def daily_key(now: datetime) -> str:
    """The day's counter (the HTTP side may count it itself, in its own round trip)."""
    return f"billing:api-calls:{now:%Y-%m-%d}"  # the cache key function adds the schema


def seconds_to_midnight(now: datetime) -> int:
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(int((tomorrow - now).total_seconds()), 1)


def quota_spent(allowed: int, now: datetime) -> QuotaSpent:
    """What to tell a caller whose workspace used up its `allowed` calls today."""
    return QuotaSpent(
        wait=seconds_to_midnight(now),
        message=_(
            "This workspace has used the %(allowed)d API calls a day its plan "
            "allows. An administrator can upgrade the plan on the Billing page "
            "(%(url)s)."
        )
        % {"allowed": allowed, "url": BILLING_PATH},
    )


def calls_today() -> int:
    """API calls the current workspace made today (UTC)."""
    return int(cache.get(daily_key(datetime.now(UTC)), 0))
