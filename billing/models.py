"""Plans, one subscription per workspace, and the Stripe events received.

All three live in the public schema (billing is in SHARED_APPS): a workspace's
subscription points at its `Tenant` row, never into a tenant schema.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MONEY_PLACES = Decimal("0.01")

# A `tenants.Tenant` row. Billing sits below tenants (the import contracts in
# pyproject.toml), so it cannot name the class, even for the type checker.
TenantRow = Any


class Plan(models.Model):
    """What a workspace pays and what it may use. Operators edit plans in the console.

    A limit left empty means "no limit". Prices are per month and per year in one
    currency; the Stripe price ids connect the plan to Checkout (a plan without one
    cannot be bought online and is assigned by an operator).
    """

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default="USD",
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 code."))],
    )
    price_monthly = models.DecimalField(
        _("price per month"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    price_yearly = models.DecimalField(
        _("price per year"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    stripe_price_monthly = models.CharField(
        _("Stripe price id (monthly)"), max_length=100, blank=True
    )
    stripe_price_yearly = models.CharField(
        _("Stripe price id (yearly)"), max_length=100, blank=True
    )
    max_users = models.PositiveIntegerField(
        _("users"),
        null=True,
        blank=True,
        help_text=_("People and open invitations. Empty: no limit."),
    )
    max_orders_per_month = models.PositiveIntegerField(
        _("orders per month"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    api_calls_per_day = models.PositiveIntegerField(
        _("API calls per day"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    storage_mb = models.PositiveIntegerField(
        _("storage (MB)"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    is_public = models.BooleanField(
        _("offered on the billing page"),
        default=True,
        help_text=_("Hidden plans are assigned by operators."),
    )
    sort = models.PositiveSmallIntegerField(_("sort order"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["sort", "price_monthly", "code"]

    def __str__(self) -> str:
        return self.name

    def price_for(self, interval: str) -> Decimal:
        return self.price_yearly if interval == Subscription.Interval.YEAR else self.price_monthly

    def stripe_price_for(self, interval: str) -> str:
        if interval == Subscription.Interval.YEAR:
            return self.stripe_price_yearly
        return self.stripe_price_monthly

    def monthly_equivalent(self, interval: str) -> Decimal:
        """The monthly share of the price, for MRR: a yearly price counts a twelfth."""
        if interval == Subscription.Interval.YEAR:
            return (self.price_yearly / 12).quantize(MONEY_PLACES)
        return self.price_monthly.quantize(MONEY_PLACES)

    def limit(self, name: str) -> int | None:
        return getattr(self, LIMIT_FIELDS[name])


# Limit name (as services ask for it) → Plan field.
LIMIT_FIELDS = {
    "users": "max_users",
    "orders_per_month": "max_orders_per_month",
    "api_calls_per_day": "api_calls_per_day",
    "storage_mb": "storage_mb",
}


class Subscription(models.Model):
    """A workspace's plan and billing state; exactly one per workspace.

    Created as a trial at sign-up. Once the workspace subscribes through Stripe it
    mirrors the Stripe subscription: `stripe_updated` is the creation time of the
    newest Stripe event applied, so an older event arriving late never overwrites a
    newer state. Billing never deletes a workspace's data; states only gate writes.
    """

    class Status(models.TextChoices):
        TRIALING = "trialing", _("Trial")
        ACTIVE = "active", _("Active")
        PAST_DUE = "past_due", _("Payment overdue")
        UNPAID = "unpaid", _("Unpaid")
        CANCELED = "canceled", _("Canceled")
        INCOMPLETE = "incomplete", _("Payment incomplete")
        PAUSED = "paused", _("Paused")

    class Interval(models.TextChoices):
        MONTH = "month", _("Monthly")
        YEAR = "year", _("Yearly")

    tenant = models.OneToOneField(
        settings.TENANT_MODEL,
        on_delete=models.CASCADE,
        related_name="subscription",
        verbose_name=_("workspace"),
    )
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="subscriptions", verbose_name=_("plan")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.TRIALING
    )
    interval = models.CharField(
        _("billing interval"), max_length=5, choices=Interval.choices, default=Interval.MONTH
    )
    trial_ends_at = models.DateTimeField(_("trial ends"), null=True, blank=True)
    current_period_start = models.DateTimeField(_("period start"), null=True, blank=True)
    current_period_end = models.DateTimeField(_("period end"), null=True, blank=True)
    cancel_at_period_end = models.BooleanField(_("cancels at period end"), default=False)
    past_due_since = models.DateTimeField(_("payment overdue since"), null=True, blank=True)
    canceled_at = models.DateTimeField(_("canceled"), null=True, blank=True)
    stripe_customer_id = models.CharField(_("Stripe customer"), max_length=100, blank=True)
    stripe_subscription_id = models.CharField(_("Stripe subscription"), max_length=100, blank=True)
    stripe_item_id = models.CharField(_("Stripe subscription item"), max_length=100, blank=True)
    stripe_updated = models.DateTimeField(
        _("last Stripe event applied"),
        null=True,
        blank=True,
        help_text=_("Creation time of the newest Stripe event applied; older events are ignored."),
    )
    last_payment_at = models.DateTimeField(_("last payment"), null=True, blank=True)
    last_payment_failed_at = models.DateTimeField(_("last failed payment"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["-created_at", "-pk"]
        permissions = [("manage_billing", _("Can see and change the workspace's plan and payment"))]
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_customer_id"],
                condition=~Q(stripe_customer_id=""),
                name="billing_one_workspace_per_stripe_customer",
            ),
            models.UniqueConstraint(
                fields=["stripe_subscription_id"],
                condition=~Q(stripe_subscription_id=""),
                name="billing_one_workspace_per_stripe_subscription",
            ),
        ]
        indexes = [models.Index(fields=["status"], name="billing_subscription_status")]

    def __str__(self) -> str:
        return f"{self.tenant} · {self.plan} ({self.get_status_display()})"


class StripeEvent(models.Model):
    """One Stripe webhook event, stored before it is applied.

    The unique event id makes a redelivered event a no-op; `outcome` and `error`
    record what its handler did, and events that failed (or were never delivered)
    are applied again by `replay_stripe_events`.
    """

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Not applied yet")
        APPLIED = "applied", _("Applied")
        STALE = "stale", _("Older than the state already applied")
        IGNORED = "ignored", _("Nothing to do")
        FAILED = "failed", _("Failed")

    event_id = models.CharField(_("event id"), max_length=255, unique=True)
    type = models.CharField(_("type"), max_length=100, db_index=True)
    created = models.DateTimeField(_("created at Stripe"))
    livemode = models.BooleanField(_("live mode"), default=False)
    payload = models.JSONField(_("payload"))
    tenant = models.ForeignKey(
        settings.TENANT_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("workspace"),
    )
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING
    )
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["outcome", "created"], name="billing_event_outcome")]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
