"""What a workspace may do, from its subscription: the gate and the plan's limits.

`workspace_access(tenant)` is the one place that turns a subscription's state into
full access, a grace period (writes still work, a banner says why) or read-only.
`limit_check(limit=...)` is called by services before they add something a plan
counts (users, orders); it refuses with a message that names the limit and says
how to upgrade. Billing never deletes data: at worst a workspace turns read-only.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_tenants.utils import get_tenant_model

from billing import conf, quota
from billing.models import Plan, Subscription

FULL = "full"
GRACE = "grace"
READ_ONLY = "read_only"

BILLING_PATH = conf.BILLING_PATH


class WorkspaceReadOnly(PermissionDenied):
    """A write in a workspace whose subscription has lapsed."""


class PlanLimitReached(ValidationError):
    """One more of something would go over the plan's limit."""


@dataclass(frozen=True)
class Access:
    level: str  # FULL, GRACE or READ_ONLY
    status: str = ""
    message: str = ""
    grace_ends_at: datetime | None = None

    @property
    def read_only(self) -> bool:
        return self.level == READ_ONLY

    @property
    def banner(self) -> bool:
        return self.level != FULL


def subscription_of(tenant) -> Subscription | None:
    """The tenant's subscription; free when the tenant was loaded with it (the routing
    middleware does that), one query otherwise."""
    if tenant is None or getattr(tenant, "pk", None) is None:
        return None
    try:
        return tenant.subscription
    except ObjectDoesNotExist:
        return None


def current_tenant():
    """The workspace the connection is in, or None (public schema, template, pool)."""
    tenant = getattr(connection, "tenant", None)
    if tenant is not None and not hasattr(tenant, "kind"):
        # schema_context() sets a stand-in without the registry's fields: look it up.
        # (The model by setting, TENANT_MODEL: billing sits below `tenants`.)
        tenant = (
            get_tenant_model()
            .objects.select_related("subscription__plan")
            .filter(schema_name=connection.schema_name)
            .first()
        )
    return tenant if getattr(tenant, "kind", None) == "active" else None


def trial_over(subscription: Subscription, now: datetime | None = None) -> bool:
    """A trial we granted ourselves (no Stripe subscription yet) that has ended."""
    now = now or timezone.now()
    return (
        subscription.status == Subscription.Status.TRIALING
        and not subscription.stripe_subscription_id
        and subscription.trial_ends_at is not None
        and subscription.trial_ends_at <= now
    )


def read_only_message() -> str:
    return _(
        "This workspace is read-only because its subscription has lapsed. Your data is "
        "kept: an administrator can choose a plan on the Billing page (%(url)s) to make "
        "changes again."
    ) % {"url": BILLING_PATH}


def workspace_access(tenant=None, *, now: datetime | None = None) -> Access:
    """Full, grace (past due: writes work, a banner warns) or read-only.

    trialing and active work; an expired trial of our own falls back to the free plan
    and keeps working; past_due works for BILLING_GRACE_DAYS from the start of the
    unpaid period, then turns read-only; unpaid, canceled and paused are read-only.
    A workspace without a subscription (created before billing) has full access.
    """
    tenant = tenant if tenant is not None else current_tenant()
    subscription = subscription_of(tenant)
    if subscription is None:
        return Access(FULL)
    now = now or timezone.now()
    status = subscription.status
    Status = Subscription.Status
    if status in (Status.TRIALING, Status.ACTIVE):
        return Access(FULL, status)
    if status == Status.INCOMPLETE:
        return Access(
            GRACE,
            status,
            _("Your first payment has not gone through yet. Check it on the Billing page."),
        )
    if status == Status.PAST_DUE:
        grace_ends_at = (subscription.past_due_since or now) + conf.grace_period()
        if now < grace_ends_at:
            return Access(
                GRACE,
                status,
                _(
                    "A payment is overdue. Update your payment method on the Billing page "
                    "before %(date)s, or the workspace turns read-only."
                )
                % {"date": date_format(timezone.localtime(grace_ends_at), "DATE_FORMAT")},
                grace_ends_at,
            )
        return Access(READ_ONLY, status, read_only_message(), grace_ends_at)
    return Access(READ_ONLY, status, read_only_message())


def ensure_writable(tenant=None) -> None:
    """Raise WorkspaceReadOnly when the workspace may not change. Services that write
    call this (through `limit_check`, or directly) so the rule holds outside HTTP too."""
    access = workspace_access(tenant)
    if access.read_only:
        raise WorkspaceReadOnly(access.message)


def plan_daily_rate() -> str | None:
    """`"<n>/day"` from the current workspace's plan; None when it sets no limit."""
    subscription = subscription_of(current_tenant())
    if subscription is None:
        return None
    limit = effective_plan(subscription).api_calls_per_day
    return None if limit is None else f"{limit}/day"


def effective_plan(subscription: Subscription) -> Plan:
    """The plan whose limits apply: the fallback plan once our own trial is over."""
    if trial_over(subscription):
        fallback = Plan.objects.filter(code=conf.fallback_plan_code()).first()
        if fallback is not None:
            return fallback
    return subscription.plan


# --- Usage ---------------------------------------------------------------------------

UsageCounter = Callable[[], int]
_USAGE_COUNTERS: dict[str, UsageCounter] = {}


def register_usage_counter(limit: str, counter: UsageCounter) -> None:
    """Let a module count its own usage (billing never imports the apps it meters),
    e.g. the sales module in its AppConfig.ready():

        register_usage_counter("orders_per_month", orders_this_month)

    The counter runs in the workspace's schema and returns the current count.
    """
    _USAGE_COUNTERS[limit] = counter


def _api_calls_today() -> int:
    return quota.calls_today()


def storage_used_mb(schema_name: str | None = None) -> int:
    """Megabytes of uploaded files under MEDIA_ROOT/<schema>/, rounded up."""
    # django-tenants' connection
    root = os.path.join(str(settings.MEDIA_ROOT), schema_name or connection.schema_name)  # type: ignore[attr-defined]
    total = 0
    for folder, _dirs, files in os.walk(root):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(folder, name))
            except OSError:
                continue
    return -(-total // (1024 * 1024))


def usage(limit: str) -> int:
    """Current use of `limit` in the current workspace."""
    if limit in _USAGE_COUNTERS:
        return _USAGE_COUNTERS[limit]()
    if limit == "api_calls_per_day":
        return _api_calls_today()
    if limit == "storage_mb":
        return storage_used_mb()
    return 0  # users, orders: 0 until accounts and sales register their counters


def _limit_message(limit: str, plan: Plan, allowed: int, used: int) -> str:
    what = {
        "users": _(
            "Your %(plan)s plan allows %(allowed)d users (people and open invitations), "
            "and this workspace has %(used)d."
        ),
        "orders_per_month": _(
            "Your %(plan)s plan allows %(allowed)d orders a month, and this workspace has "
            "%(used)d this month."
        ),
        "storage_mb": _(
            "Your %(plan)s plan allows %(allowed)d MB of files, and this workspace uses "
            "%(used)d MB."
        ),
        "api_calls_per_day": _(
            "Your %(plan)s plan allows %(allowed)d API calls a day, and this workspace has "
            "made %(used)d today."
        ),
    }[limit] % {"plan": plan.name, "allowed": allowed, "used": used}
    return "{} {}".format(
        what,
        _("To go further, an administrator can upgrade the plan on the Billing page (%(url)s).")
        % {"url": BILLING_PATH},
    )


def limit_check(*, limit: str, adding: int = 1, tenant=None, used: int | None = None) -> None:
    """Refuse (PlanLimitReached) when `adding` more of `limit` would exceed the plan.

    Call it in the service, inside its transaction, before writing: the browser and
    the API then refuse alike. `used` lets a caller pass a count it already has;
    otherwise the registered counter counts. Also refuses any write in a read-only
    workspace (WorkspaceReadOnly).
    """
    tenant = tenant if tenant is not None else current_tenant()
    subscription = subscription_of(tenant)
    if subscription is None:
        return
    ensure_writable(tenant)
    plan = effective_plan(subscription)
    allowed = plan.limit(limit)
    if allowed is None:
        return
    used = usage(limit) if used is None else used
    if used + adding > allowed:
        raise PlanLimitReached(_limit_message(limit, plan, allowed, used), code="plan_limit")
