"""Sales (seed S1 销售管理, S2, S4, S7): the solution-selling pipeline, quotes, orders
with review, returns, promotions, price adjustments with dealer compensation (调价补差),
dealers' stock reports and monthly demand plans, and master agreements.

Every table lives in the workspace's schema. Documents hang off a customer, so who may
see them follows the customer scope (`customers.selectors.customers_visible_to`).

Money is `Decimal` with two places and an explicit currency; quantities have three
places. Line amounts are rounded once, half up, per line; a document's totals are the
sums of its rounded lines (see `sales.lines`).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tradepost.amounts import MONEY, QUANTITY
from tradepost.masterdata.models import DEFAULT_CURRENCY, Currency

ZERO = Decimal("0")


def _money(verbose_name, **kwargs) -> models.DecimalField:
    kwargs.setdefault("default", Decimal("0.00"))
    return models.DecimalField(verbose_name, **MONEY, **kwargs)


def _quantity(verbose_name, **kwargs) -> models.DecimalField:
    kwargs.setdefault("default", Decimal("0"))
    return models.DecimalField(verbose_name, **QUANTITY, **kwargs)


def _currency() -> models.CharField:
    return models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=DEFAULT_CURRENCY
    )


def _user(related_name: str, verbose_name) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=verbose_name,
    )


# --- Pipeline ------------------------------------------------------------------------
class Stage(models.TextChoices):
    """The solution-selling stages, in order; won and lost close an opportunity."""

    PROSPECT = "prospect", _("Prospect")
    INTEREST = "interest", _("Interest")
    DIAGNOSIS = "diagnosis", _("Diagnosis")
    VISION = "vision", _("Vision")
    PROPOSAL = "proposal", _("Proposal")
    NEGOTIATION = "negotiation", _("Negotiation")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


OPEN_STAGES = [
    Stage.PROSPECT,
    Stage.INTEREST,
    Stage.DIAGNOSIS,
    Stage.VISION,
    Stage.PROPOSAL,
    Stage.NEGOTIATION,
]
CLOSED_STAGES = [Stage.WON, Stage.LOST]

# Win probability (%) per stage until a workspace sets its own (StageProbability).
DEFAULT_STAGE_PROBABILITY = {
    Stage.PROSPECT: 5,
    Stage.INTEREST: 10,
    Stage.DIAGNOSIS: 20,
    Stage.VISION: 40,
    Stage.PROPOSAL: 60,
    Stage.NEGOTIATION: 80,
    Stage.WON: 100,
    Stage.LOST: 0,
}


class StageProbability(models.Model):
    """A workspace's own win probability for a stage (overrides the default)."""

    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, unique=True)
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), validators=[MaxValueValidator(100)]
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("stage probability")
        verbose_name_plural = _("stage probabilities")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(probability__lte=100), name="stageprobability_percent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.stage} {self.probability}%"


class Opportunity(models.Model):
    """A possible sale to a customer, moving through the stages."""

    name = models.CharField(_("name"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="opportunities",
        verbose_name=_("customer"),
    )
    owner = _user("opportunities", _("owner"))
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.PROSPECT, db_index=True
    )
    amount = _money(_("amount"), validators=[MinValueValidator(ZERO)])
    currency = _currency()
    expected_close = models.DateField(_("expected close"), null=True, blank=True)
    close_reason = models.CharField(_("won / lost reason"), max_length=300, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    follow_up_on = models.DateField(
        _("follow up on"),
        null=True,
        blank=True,
        help_text=_("After a win: when to check back with the customer."),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="opportunity_amount_not_negative"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES


# --- Promotions ----------------------------------------------------------------------
class Promotion(models.Model):
    """A date-bounded price rule. See `sales.lines` for how one is chosen per line.

    Applies to a line when the order date is within [starts_on, ends_on], the product is
    one of `products` or in (the subtree of) one of `categories` — or both lists are
    empty (every product) — and the customer is in one of `customer_groups` and of
    `channels` (an empty list means any).
    """

    class Kind(models.TextChoices):
        PERCENT_OFF = "percent_off", _("Percent off")
        AMOUNT_OFF = "amount_off", _("Amount off per unit")
        BUY_X_GET_Y = "buy_x_get_y", _("Buy X get Y free")
        TIERED_PRICE = "tiered_price", _("Tiered quantity price")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    percent = models.DecimalField(
        _("percent off"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )
    amount = models.DecimalField(
        _("amount off per unit"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    buy_quantity = models.PositiveIntegerField(_("buy (X)"), null=True, blank=True)
    free_quantity = models.PositiveIntegerField(_("get free (Y)"), null=True, blank=True)
    # [{"min_quantity": "10", "unit_price": "95.00"}, …], ascending by min_quantity.
    tiers = models.JSONField(_("tiers"), default=list, blank=True)
    currency = models.CharField(
        _("currency"),
        max_length=3,
        choices=Currency.choices,
        blank=True,
        help_text=_("For amounts and tier prices: applies only to orders in this currency."),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    products = models.ManyToManyField(
        "masterdata.Product", blank=True, related_name="promotions", verbose_name=_("products")
    )
    categories = models.ManyToManyField(
        "masterdata.ProductCategory",
        blank=True,
        related_name="promotions",
        verbose_name=_("categories"),
    )
    customer_groups = models.ManyToManyField(
        "customers.CustomerGroup",
        blank=True,
        related_name="promotions",
        verbose_name=_("customer groups"),
    )
    channels = models.JSONField(_("channels"), default=list, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"),
        default=0,
        help_text=_("When two promotions give the same discount, the higher priority wins."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")
        ordering = ["-starts_on", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="promotion_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.name


# --- Agreements ----------------------------------------------------------------------
class Agreement(models.Model):
    """A master agreement (framework contract) with a customer: agreed prices and
    quantity caps per product for a period. Orders placed under it take its prices
    and may not exceed its caps (`sales.agreements`)."""

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


# --- Quotes and orders ---------------------------------------------------------------
class DocumentLine(models.Model):
    """What a quote line and an order line share: the product, quantity, resolved
    price, discounts and the rounded amounts (computed by `sales.lines`)."""

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
        Promotion,
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
        Opportunity,
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
        Agreement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("agreement"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
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
        return self.number or _("Draft order %(id)s") % {"id": self.pk}

    @property
    def reference(self) -> str:
        return str(self)


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
    `SettlementCredit` per dealer), or cancelled. See `sales.adjustments`.
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
        PriceAdjustment,
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
