"""Reads for the billing page and the operators' dashboard."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import stripe
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing import conf, stripe_client
from billing.access import Access, effective_plan, trial_over, usage, workspace_access
from billing.models import LIMIT_FIELDS, MONEY_PLACES, Plan, Subscription, TenantRow
from billing.services import MANAGE_PERMISSION
from tradepost.principals import Actor

logger = logging.getLogger(__name__)

LIMIT_LABELS = {
    "users": gettext_lazy("Users"),
    "orders_per_month": gettext_lazy("Orders this month"),
    "api_calls_per_day": gettext_lazy("API calls today"),
    "storage_mb": gettext_lazy("Storage (MB)"),
}
# Currencies Stripe counts in whole units (no cents).
ZERO_DECIMAL_CURRENCIES = frozenset(
    [
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    ]
)


def from_minor_units(amount: int | None, currency: str) -> Decimal:
    if amount is None:
        return Decimal("0.00")
    if currency.upper() in ZERO_DECIMAL_CURRENCIES:
        return Decimal(amount).quantize(Decimal("1"))
    return (Decimal(amount) / 100).quantize(MONEY_PLACES)


@dataclass
class UsageRow:
    label: str
    used: int
    allowed: int | None

    @property
    def percent(self) -> int:
        if not self.allowed:
            return 0
        return min(100, round(self.used * 100 / self.allowed))

    @property
    def over(self) -> bool:
        return self.allowed is not None and self.used >= self.allowed


@dataclass
class Charge:
    amount: Decimal
    currency: str
    date: datetime | None


@dataclass
class BillingOverview:
    subscription: Subscription
    plan: Plan
    access: Access
    online: bool
    trial_over: bool
    usage: list[UsageRow]
    next_charge: Charge | None
    plans: list[Plan]
    invoices: list[dict[str, Any]] = field(default_factory=list)
    invoices_error: str = ""


def _next_charge(subscription: Subscription, plan: Plan) -> Charge | None:
    """The coming renewal: the plan's price for the interval at the end of the period,
    unless the subscription ends there."""
    if not subscription.stripe_subscription_id or subscription.cancel_at_period_end:
        return None
    if subscription.status not in (
        Subscription.Status.ACTIVE,
        Subscription.Status.TRIALING,
        Subscription.Status.PAST_DUE,
    ):
        return None
    date = subscription.current_period_end or subscription.trial_ends_at
    return Charge(plan.price_for(subscription.interval), plan.currency, date)


def _invoice_row(invoice: dict[str, Any]) -> dict[str, Any]:
    currency = (invoice.get("currency") or "usd").upper()
    created = invoice.get("created")
    return {
        "number": invoice.get("number") or invoice.get("id", ""),
        "date": datetime.fromtimestamp(created, tz=UTC) if created else None,
        "amount": from_minor_units(invoice.get("total", invoice.get("amount_due")), currency),
        "currency": currency,
        "status": invoice.get("status") or "",
        "url": invoice.get("hosted_invoice_url") or "",
        "pdf": invoice.get("invoice_pdf") or "",
    }


def billing_overview(*, actor: Actor, tenant: TenantRow) -> BillingOverview:
    """Everything the billing page shows. Calls Stripe for invoices (outside any
    transaction); when Stripe cannot be reached the page still renders and says so."""
    if not actor.has_perm(MANAGE_PERMISSION):
        raise PermissionDenied(_("You do not have permission to do this."))
    subscription = Subscription.objects.select_related("plan").get(tenant=tenant)
    plan = effective_plan(subscription)
    rows = [
        UsageRow(str(LIMIT_LABELS[name]), usage(name), plan.limit(name)) for name in LIMIT_FIELDS
    ]
    overview = BillingOverview(
        subscription=subscription,
        plan=plan,
        access=workspace_access(tenant),
        online=conf.online(),
        trial_over=trial_over(subscription),
        usage=rows,
        next_charge=_next_charge(subscription, plan),
        plans=list(Plan.objects.filter(is_public=True)),
    )
    if overview.online and subscription.stripe_customer_id:
        try:
            overview.invoices = [
                _invoice_row(invoice)
                for invoice in stripe_client.invoices_list(subscription.stripe_customer_id)
            ]
        except stripe.StripeError:
            logger.warning("invoices of %s could not be loaded", tenant.schema_name, exc_info=True)
            overview.invoices_error = _(
                "Invoices could not be loaded from Stripe just now. Try again in a minute."
            )
    return overview


@dataclass
class OperatorFigures:
    mrr: list[tuple[str, Decimal]]  # (currency, amount), one row per currency
    paying: int
    trials: int
    trials_ending_soon: int
    past_due: list[Subscription]
    read_only: int
    plan_mix: list[dict[str, Any]]


def operator_figures() -> OperatorFigures:
    """MRR (active and past-due subscriptions, yearly prices as a twelfth), trials,
    past-due workspaces and how many workspaces are on each plan."""
    now = timezone.now()
    billed = Subscription.objects.filter(
        status__in=[Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE],
        tenant__kind="active",
    ).select_related("plan")
    mrr: dict[str, Decimal] = {}
    paying = 0
    for subscription in billed:
        amount = subscription.plan.monthly_equivalent(subscription.interval)
        if amount > 0:
            paying += 1
            currency = subscription.plan.currency
            mrr[currency] = mrr.get(currency, Decimal("0.00")) + amount
    trials = Subscription.objects.filter(
        status=Subscription.Status.TRIALING, tenant__kind="active"
    ).exclude(stripe_subscription_id="", trial_ends_at__lte=now)
    past_due = list(
        Subscription.objects.filter(status=Subscription.Status.PAST_DUE, tenant__kind="active")
        .select_related("tenant", "plan")
        .order_by("past_due_since", "pk")
    )
    read_only = Subscription.objects.filter(
        status__in=[
            Subscription.Status.UNPAID,
            Subscription.Status.CANCELED,
            Subscription.Status.PAUSED,
        ],
        tenant__kind="active",
    ).count()
    mix = (
        Subscription.objects.filter(tenant__kind="active")
        .exclude(status=Subscription.Status.CANCELED)
        .values("plan__name", "plan__code")
        .annotate(workspaces=Count("pk"))
        .order_by("-workspaces", "plan__name")
    )
    return OperatorFigures(
        mrr=sorted(mrr.items()),
        paying=paying,
        trials=trials.count(),
        trials_ending_soon=trials.filter(trial_ends_at__lte=now + timedelta(days=3)).count(),
        past_due=past_due,
        read_only=read_only,
        plan_mix=[dict(row) for row in mix],
    )
