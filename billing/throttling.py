"""The plan's daily API quota per workspace (`api_calls_per_day`).

DRF's rate throttles keep a timestamp per request in the cache, which is fine for a
few hundred a minute but not for a hundred thousand a day; this one keeps one counter
per workspace and UTC day. Its rate comes from `api.throttling.tenant_rates()`
(`"workspace_daily"`), which reads the workspace's plan.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.utils.translation import gettext as _
from rest_framework.exceptions import Throttled
from rest_framework.throttling import BaseThrottle

from billing.access import BILLING_PATH, current_tenant, effective_plan, subscription_of


def _today_key(now: datetime) -> str:
    return f"billing:api-calls:{now:%Y-%m-%d}"  # the cache key function adds the schema


def _seconds_to_midnight(now: datetime) -> int:
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(int((tomorrow - now).total_seconds()), 1)


def calls_today() -> int:
    """API calls the current workspace made today (UTC)."""
    return int(cache.get(_today_key(datetime.now(UTC)), 0))


def plan_daily_rate() -> str | None:
    """`"<n>/day"` from the current workspace's plan; None when it sets no limit."""
    subscription = subscription_of(current_tenant())
    if subscription is None:
        return None
    limit = effective_plan(subscription).api_calls_per_day
    return None if limit is None else f"{limit}/day"


class PlanDailyQuotaThrottle(BaseThrottle):
    """All API calls of one workspace in one UTC day, up to its plan's limit."""

    scope = "workspace_daily"

    def allow_request(self, request, view) -> bool:
        from api.throttling import tenant_rates

        rate = tenant_rates().get(self.scope)
        if not rate:
            return True
        allowed = int(rate.split("/", 1)[0])
        now = datetime.now(UTC)
        key = _today_key(now)
        wait = _seconds_to_midnight(now)
        if int(cache.get(key, 0)) >= allowed:
            raise Throttled(
                wait=wait,
                detail=_(
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
        return True
