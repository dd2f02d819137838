"""Rate limits per API key (or user) and per workspace, with 429 and Retry-After.

Rates come from `tenant_rates()`: bursts per caller and per workspace from settings,
and the workspace plan's daily quota (`api_calls_per_day`) from billing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from rest_framework.exceptions import Throttled
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

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


class _TenantRateThrottle(SimpleRateThrottle):
    def get_rate(self):
        return tenant_rates()[self.scope]

    def get_ident(self, request):
        return client_ip(request)


class CallerRateThrottle(_TenantRateThrottle):
    """One API key or one signed-in user."""

    scope = "caller"

    def get_cache_key(self, request, view):
        ident = caller_id(request) or self.get_ident(request)
        return f"throttle:caller:{ident}"  # the cache key function adds the schema


class WorkspaceRateThrottle(_TenantRateThrottle):
    """Everything a workspace sends, all keys and users together."""

    scope = "workspace"

    def get_cache_key(self, request, view):
        return f"throttle:workspace:{connection.schema_name}"


class PlanDailyQuotaThrottle(BaseThrottle):
    """All API calls of one workspace in one UTC day, up to its plan's limit; the
    counting is billing's (`billing.quota.daily_quota_take`), the 429 is ours."""

    scope = "workspace_daily"

    def allow_request(self, request, view) -> bool:
        from billing.quota import daily_quota_take

        rate = tenant_rates().get(self.scope)
        if not rate:
            return True
        spent = daily_quota_take(int(rate.split("/", 1)[0]))
        if spent is not None:
            raise Throttled(wait=spent.wait, detail=spent.message)
        return True


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
