"""Sales (seed S1 销售管理, S2): quotes, orders with review, returns, and the credits
owed to customers until settlement picks them up. The pipeline, pricing (promotions)
and channel (agreements, dealers' stock and plans, price adjustments) are apps of their
own; documents here refer to them.

Every table lives in the workspace's schema. Documents hang off a customer, so who may
see them follows the customer scope (`customers.selectors.customers_visible_to`).

Money is `Decimal` with two places and an explicit currency; quantities have three
places. Line amounts are rounded once, half up, per line; a document's totals are the
sums of its rounded lines (see `pricing.lines`).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connections, models
from django.utils.translation import gettext_lazy as _

from tradepost.modelfields import ZERO
from tradepost.modelfields import currency_field as _currency
from tradepost.modelfields import money_field as _money
from tradepost.modelfields import quantity_field as _quantity
from tradepost.modelfields import user_field as _user


# --- Quotes and orders ---------------------------------------------------------------
class DocumentLine(models.Model):
    """What a quote line and an order line share: the product, quantity, resolved
    price, discounts and the rounded amounts (computed by `pricing.lines`)."""

    position = models.PositiveSmallIntegerField(_("position"), default=0)
    product = models.ForeignKey(
        "masterdata.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    quantity = _quantity(_("quantity"), validators=[MinValueValidator(Decimal("0.001"))])
    unit_price = _money(_("unit price"), validators=[MinValueValidator(ZERO)])
    price_source = models.CharField(_("price from"), max_length=30, blank=True)
    discount_percent = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )
    promotion = models.ForeignKey(
        "pricing.Promotion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("promotion"),
    )
    promotion_label = models.CharField(_("promotion"), max_length=200, blank=True)
    promotion_discount = _money(_("promotion discount"))
    discount_amount = _money(_("discount"))
    tax_rate = models.DecimalField(
        _("tax rate (%)"), max_digits=5, decimal_places=2, default=Decimal("0.00")
    )
    net_amount = _money(_("amount excl. tax"))
    tax_amount = _money(_("tax"))
    gross_amount = _money(_("amount incl. tax"))

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.quantity:f} × {self.product_id}"

    @property
    def gross_before_discounts(self) -> Decimal:
        return self.net_amount + self.promotion_discount + self.discount_amount


class DocumentTotals(models.Model):
    """Totals of a quote or an order: sums of the rounded line amounts."""

    currency = _currency()
    subtotal = _money(_("subtotal"), help_text=_("Quantity × unit price, before discounts."))
    discount_total = _money(_("discounts"))
    net_total = _money(_("total excl. tax"))
    tax_total = _money(_("tax"))
    gross_total = _money(_("total incl. tax"))

    class Meta:
        abstract = True


class Quote(DocumentTotals):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CONVERTED = "converted", _("Converted to order")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("number"), max_length=40, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="quotes",
        verbose_name=_("customer"),
    )
    owner = _user("quotes", _("salesperson"))
    opportunity = models.ForeignKey(
        "pipeline.Opportunity",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="quotes",
        verbose_name=_("opportunity"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    issued_on = models.DateField(_("date"))
    valid_until = models.DateField(_("valid until"))
    notes = models.TextField(_("notes"), blank=True)
    created_by = _user("+", _("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("issued_on")),
                name="quote_valid_after_issue",
            )
        ]

    def __str__(self) -> str:
        return self.number


class QuoteLine(DocumentLine):
    quote = models.ForeignKey(
        Quote, on_delete=models.CASCADE, related_name="lines", verbose_name=_("quote")
    )

    class Meta(DocumentLine.Meta):
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")

    def __str__(self) -> str:
        return f"{self.quote_id}/{self.position}"


class OrderQuerySet(models.QuerySet["Order"]):
    def count(self) -> int:
        """Every order of the workspace comes from the trigger-kept tally (one row per
        month and slot, `OrderTally`) instead of counting the table; anything narrower
        (a filter, a scope, a slice, a grouping) is counted row by row, exactly."""
        if self._result_cache is None and self._counts_every_order():
            return order_tally(using=self.db)
        return super().count()

    def _counts_every_order(self) -> bool:
        query = self.query
        return not (
            query.where
            or query.is_sliced
            or query.distinct
            or query.combinator
            or query.group_by
            or query.extra
        )


class Order(DocumentTotals):
    """A sales order. Its life (services in `sales.orders`):

    draft → submitted → approved | rejected; rejected → (edited) → submitted;
    approved → confirmed (gets its number) → partially shipped → shipped → delivered →
    closed; draft, submitted, approved, rejected and confirmed (nothing shipped) →
    cancelled.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CONFIRMED = "confirmed", _("Confirmed")
        PARTIALLY_SHIPPED = "partially_shipped", _("Partially shipped")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(
        _("number"),
        max_length=40,
        blank=True,
        help_text=_("Given on confirmation: gap-free per year."),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("customer"),
    )
    owner = _user("orders", _("salesperson"))
    quote = models.ForeignKey(
        Quote,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("quote"),
    )
    agreement = models.ForeignKey(
        "channel.Agreement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("agreement"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    warehouse = models.ForeignKey(
        "masterdata.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("ship from"),
        help_text=_(
            "Where the order reserves and ships its goods; by default the "
            "warehouse of the customer's branch."
        ),
    )
    order_date = models.DateField(_("order date"))
    requested_delivery_date = models.DateField(_("requested delivery"), null=True, blank=True)
    deposit = _money(
        _("deposit"),
        validators=[MinValueValidator(ZERO)],
        help_text=_("Paid ahead of pickup; it counts toward the order's payment."),
    )
    notes = models.TextField(_("notes"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    reviewed_by = _user("+", _("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    created_by = _user("+", _("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("review_order", _("Can approve or reject orders")),
            ("confirm_order", _("Can confirm orders")),
            ("ship_order", _("Can record shipments and deliveries")),
            ("cancel_order", _("Can cancel orders of others and confirmed orders")),
        ]
        constraints = [
            models.UniqueConstraint(
                "number", condition=~models.Q(number=""), name="order_unique_number"
            ),
            models.CheckConstraint(
                condition=models.Q(deposit__gte=0), name="order_deposit_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(gross_total__gte=0, net_total__gte=0),
                name="order_totals_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="order_status_created"),
            models.Index(fields=["customer", "-created_at"], name="order_customer_created"),
            # The plan limit counts this month's orders on every new order.
            models.Index(fields=["order_date"], name="order_order_date"),
        ]

    def __str__(self) -> str:
        return self.number or _("Order %(id)s (not numbered yet)") % {"id": self.pk}

    @property
    def reference(self) -> str:
        return str(self)


class OrderTally(models.Model):
    """How many orders the workspace holds, per month of their order date: kept by
    triggers on `sales_order` (migration 0005), never written by Django. A list of
    every order and the plan's orders per month read it instead of counting rows.

    Each insert or delete adds its count to the row of its month and of a slot picked
    by the database connection (`pg_backend_pid() % SLOTS`), so orders entered at once
    on different connections rarely wait for each other's row; a month's count is the
    sum of its slots. The rows change inside the transaction that changes the orders,
    so a count is exact for every transaction that reads it.
    """

    SLOTS = 16

    month = models.DateField(_("month"))
    slot = models.SmallIntegerField(_("slot"))
    orders = models.BigIntegerField(_("orders"), default=0)

    class Meta:
        verbose_name = _("order count")
        verbose_name_plural = _("order counts")
        constraints = [
            models.UniqueConstraint(fields=["month", "slot"], name="ordertally_month_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.orders}"


def order_tally(*, month: datetime.date | None = None, using: str = "default") -> int:
    """Orders of the workspace (of `month`, any day of it), from `OrderTally`."""
    table = OrderTally._meta.db_table
    with connections[using].cursor() as cursor:
        if month is None:
            cursor.execute(f"SELECT COALESCE(SUM(orders), 0) FROM {table}")  # noqa: S608
        else:
            cursor.execute(
                f"SELECT COALESCE(SUM(orders), 0) FROM {table} WHERE month = %s",  # noqa: S608
                [month.replace(day=1)],
            )
        return int(cursor.fetchone()[0])


class OrderLine(DocumentLine):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    shipped_quantity = _quantity(_("shipped"))
    delivered_quantity = _quantity(_("delivered"))
    returned_quantity = _quantity(_("returned"))

    class Meta(DocumentLine.Meta):
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(shipped_quantity__lte=models.F("quantity")),
                name="orderline_not_over_shipped",
            ),
            models.CheckConstraint(
                condition=models.Q(delivered_quantity__lte=models.F("shipped_quantity")),
                name="orderline_not_over_delivered",
            ),
            models.CheckConstraint(
                condition=models.Q(returned_quantity__lte=models.F("delivered_quantity")),
                name="orderline_not_over_returned",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.position}"


class OrderReturn(models.Model):
    """Goods sent back against delivered lines of an order; credited at line price."""

    number = models.CharField(_("number"), max_length=40, unique=True)
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="returns", verbose_name=_("order")
    )
    reason = models.CharField(_("reason"), max_length=300)
    currency = _currency()
    net_total = _money(_("total excl. tax"))
    tax_total = _money(_("tax"))
    gross_total = _money(_("total incl. tax"))
    created_by = _user("+", _("recorded by"))
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.number


class OrderReturnLine(models.Model):
    order_return = models.ForeignKey(
        OrderReturn, on_delete=models.CASCADE, related_name="lines", verbose_name=_("return")
    )
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, related_name="return_lines", verbose_name=_("line")
    )
    quantity = _quantity(_("quantity"), validators=[MinValueValidator(Decimal("0.001"))])
    net_amount = _money(_("amount excl. tax"))
    tax_amount = _money(_("tax"))
    gross_amount = _money(_("amount incl. tax"))

    class Meta:
        verbose_name = _("return line")
        verbose_name_plural = _("return lines")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.order_return_id}: {self.quantity:f}"


class SettlementCredit(models.Model):
    """Money the company owes a customer, waiting to be settled (against invoices or
    paid out by the settlement module). Posted by price adjustments and returns."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SETTLED = "settled", _("Settled")

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="settlement_credits",
        verbose_name=_("customer"),
    )
    amount = _money(_("amount"), validators=[MinValueValidator(ZERO)])
    currency = _currency()
    reason = models.CharField(_("reason"), max_length=300)
    price_adjustment = models.ForeignKey(
        "channel.PriceAdjustment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credits",
        verbose_name=_("price adjustment"),
    )
    order_return = models.ForeignKey(
        OrderReturn,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credits",
        verbose_name=_("return"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("settlement credit")
        verbose_name_plural = _("settlement credits")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="settlementcredit_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.amount} {self.currency}"
