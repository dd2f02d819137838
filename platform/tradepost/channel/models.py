"""Channel models: master agreements, dealers' stock reports and monthly demand
plans, price adjustments with dealer compensation (调价补差).

The tables kept the names they had when these models lived in `tradepost.sales`
(`db_table`): the move changed no table (see `sales/migrations/0003_split_by_domain.py`).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tradepost.modelfields import QUANTITY, ZERO
from tradepost.modelfields import currency_field as _currency
from tradepost.modelfields import money_field as _money
from tradepost.modelfields import quantity_field as _quantity
from tradepost.modelfields import user_field as _user


# --- Agreements ----------------------------------------------------------------------
class Agreement(models.Model):
    """A master agreement (framework contract) with a customer: agreed prices and
    quantity caps per product for a period. Orders placed under it take its prices
    and may not exceed its caps (`channel.agreements`)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    number = models.CharField(_("number"), max_length=40, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="agreements",
        verbose_name=_("customer"),
    )
    name = models.CharField(_("name"), max_length=200)
    currency = _currency()
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = _user("+", _("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        db_table = "sales_agreement"
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="agreement_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class AgreementLine(models.Model):
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="lines", verbose_name=_("agreement")
    )
    product = models.ForeignKey(
        "masterdata.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    unit_price = _money(_("agreed unit price"), validators=[MinValueValidator(ZERO)])
    max_quantity = models.DecimalField(
        _("quantity cap"),
        **QUANTITY,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
        help_text=_("Most that all orders under the agreement may order; empty: no cap."),
    )

    class Meta:
        db_table = "sales_agreementline"
        verbose_name = _("agreement line")
        verbose_name_plural = _("agreement lines")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "product"], name="agreementline_one_per_product"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id}: {self.product_id} @ {self.unit_price}"


# --- Dealers: stock reports, demand plans --------------------------------------------
class DealerStockReport(models.Model):
    """A dealer's own stock of a product on a day, as the dealer reported it (社会库存).
    The latest report on or before a date is the dealer's stock then."""

    dealer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="stock_reports",
        verbose_name=_("dealer"),
    )
    product = models.ForeignKey(
        "masterdata.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    quantity = _quantity(_("quantity on hand"), validators=[MinValueValidator(ZERO)])
    as_of = models.DateField(_("as of"))
    reported_by = _user("+", _("reported by"))
    created_at = models.DateTimeField(_("reported"), auto_now_add=True)

    class Meta:
        db_table = "sales_dealerstockreport"
        verbose_name = _("dealer stock report")
        verbose_name_plural = _("dealer stock reports")
        ordering = ["-as_of", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dealer", "product", "as_of"], name="dealerstock_one_per_day"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0), name="dealerstock_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dealer_id} {self.product_id} {self.as_of}: {self.quantity:f}"


class DemandPlan(models.Model):
    """A dealer's monthly demand plan (月度需求计划): what it expects to order next month.
    Submitted plans are aggregated per product for the sales and production plan."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned for changes")

    dealer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="demand_plans",
        verbose_name=_("dealer"),
    )
    month = models.DateField(_("month"), help_text=_("The first day of the planned month."))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    notes = models.TextField(_("notes"), blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    reviewed_by = _user("+", _("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    created_by = _user("+", _("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        db_table = "sales_demandplan"
        verbose_name = _("demand plan")
        verbose_name_plural = _("demand plans")
        ordering = ["-month", "dealer__name", "pk"]
        permissions = [("review_demandplan", _("Can accept or return demand plans"))]
        constraints = [
            models.UniqueConstraint(fields=["dealer", "month"], name="demandplan_one_per_month"),
            models.CheckConstraint(
                condition=models.Q(month__day=1), name="demandplan_month_first_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dealer} {self.month:%Y-%m}"


class DemandPlanLine(models.Model):
    plan = models.ForeignKey(
        DemandPlan, on_delete=models.CASCADE, related_name="lines", verbose_name=_("plan")
    )
    product = models.ForeignKey(
        "masterdata.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    quantity = _quantity(_("quantity"), validators=[MinValueValidator(Decimal("0.001"))])

    class Meta:
        db_table = "sales_demandplanline"
        verbose_name = _("demand plan line")
        verbose_name_plural = _("demand plan lines")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "product"], name="demandplanline_one_product")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.product_id} × {self.quantity:f}"


# --- Price adjustments and compensation (调价补差) ------------------------------------
class PriceAdjustment(models.Model):
    """A drop of a product's price and what it owes dealers for stock they hold.

    draft (lines computed, editable) → approved (reviewed) → posted (one
    `SettlementCredit` per dealer), or cancelled. See `channel.adjustments`.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        POSTED = "posted", _("Posted")
        CANCELLED = "cancelled", _("Cancelled")

    class Basis(models.TextChoices):
        REPORTED_STOCK = "reported_stock", _("Dealers' reported stock")
        DELIVERIES = "deliveries", _("Deliveries in a window")

    number = models.CharField(_("number"), max_length=40, unique=True)
    product = models.ForeignKey(
        "masterdata.Product",
        on_delete=models.PROTECT,
        related_name="price_adjustments",
        verbose_name=_("product"),
    )
    old_price = _money(_("old price"), validators=[MinValueValidator(ZERO)])
    new_price = _money(_("new price"), validators=[MinValueValidator(ZERO)])
    currency = _currency()
    effective_on = models.DateField(_("effective on"))
    basis = models.CharField(_("basis"), max_length=20, choices=Basis.choices)
    window_days = models.PositiveSmallIntegerField(
        _("window (days)"),
        default=30,
        validators=[MaxValueValidator(366)],
        help_text=_("For deliveries: goods delivered this many days before the change."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    notes = models.TextField(_("notes"), blank=True)
    total = _money(_("total credit"))
    created_by = _user("+", _("created by"))
    reviewed_by = _user("+", _("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    posted_at = models.DateTimeField(_("posted"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        db_table = "sales_priceadjustment"
        verbose_name = _("price adjustment")
        verbose_name_plural = _("price adjustments")
        ordering = ["-effective_on", "-pk"]
        permissions = [
            ("review_priceadjustment", _("Can approve price adjustments")),
            ("post_priceadjustment", _("Can post price-adjustment credits")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(new_price__lt=models.F("old_price")),
                name="priceadjustment_is_a_drop",
            )
        ]

    def __str__(self) -> str:
        return self.number


class PriceAdjustmentLine(models.Model):
    adjustment = models.ForeignKey(
        PriceAdjustment,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("adjustment"),
    )
    dealer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("dealer")
    )
    quantity = _quantity(_("quantity held"), validators=[MinValueValidator(ZERO)])
    unit_difference = _money(_("difference per unit"))
    amount = _money(_("credit"))
    source = models.CharField(_("from"), max_length=200, blank=True)

    class Meta:
        db_table = "sales_priceadjustmentline"
        verbose_name = _("price adjustment line")
        verbose_name_plural = _("price adjustment lines")
        ordering = ["dealer__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["adjustment", "dealer"], name="priceadjustmentline_one_per_dealer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.adjustment_id}: {self.dealer_id} {self.amount}"
