"""The monthly stock rollup (进销存月报).

One `StockMonthly` row per month, product and location that had stock or moves that
month: the opening, what came in (receipts, transfers in, customer returns), what went
out (deliveries, transfers out), the adjustments (manual adjustments, stocktake
differences and opening stock entered), and the closing — in quantity and in value at
the moves' cost (`StockMove.unit_cost`).

`closing = opening + receipts + transfers_in + returns − deliveries − transfers_out +
adjustments`, in quantity and in value; out-figures are positive, adjustments signed.
A month's opening is the closing of the latest earlier row of its product and location.
Rows are written by `reports.rollup` only (as moves post, or rebuilt from the ledger).
Values keep every place of quantity × unit cost (3 + 4), so they add up to the ledger
exactly; pages and files round them to cents.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tradepost.amounts import QUANTITY

VALUE: dict[str, Any] = {"max_digits": 26, "decimal_places": 7}
ZERO = Decimal("0")

# The figures of a row, in their column order: (name, label).
FIGURES = (
    ("opening", pgettext_lazy("stock report", "Opening")),
    ("receipts", pgettext_lazy("stock report", "Receipts")),
    ("transfers_in", pgettext_lazy("stock report", "Transfers in")),
    ("returns", pgettext_lazy("stock report", "Returns")),
    ("deliveries", pgettext_lazy("stock report", "Deliveries")),
    ("transfers_out", pgettext_lazy("stock report", "Transfers out")),
    ("adjustments", pgettext_lazy("stock report", "Adjustments")),
    ("closing", pgettext_lazy("stock report", "Closing")),
)
FIGURE_NAMES = tuple(name for name, _label in FIGURES)
MOVEMENTS = FIGURE_NAMES[1:-1]


def _qty(label) -> models.DecimalField:
    return models.DecimalField(label, default=ZERO, **QUANTITY)


def _value(label) -> models.DecimalField:
    return models.DecimalField(label, default=ZERO, **VALUE)


class StockMonthly(models.Model):
    """One month of one product at one location (see the module docstring)."""

    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    product = models.ForeignKey(
        "masterdata.Product",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("product"),
    )
    location = models.ForeignKey(
        "masterdata.Location",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("location"),
    )
    opening_qty = _qty(_("opening quantity"))
    opening_value = _value(_("opening value"))
    receipts_qty = _qty(_("quantity received"))
    receipts_value = _value(_("value received"))
    transfers_in_qty = _qty(_("quantity transferred in"))
    transfers_in_value = _value(_("value transferred in"))
    returns_qty = _qty(_("quantity returned"))
    returns_value = _value(_("value returned"))
    deliveries_qty = _qty(_("quantity delivered"))
    deliveries_value = _value(_("value delivered"))
    transfers_out_qty = _qty(_("quantity transferred out"))
    transfers_out_value = _value(_("value transferred out"))
    adjustments_qty = _qty(_("quantity adjusted"))
    adjustments_value = _value(_("value adjusted"))
    closing_qty = _qty(_("closing quantity"))
    closing_value = _value(_("closing value"))

    class Meta:
        verbose_name = _("monthly stock figures")
        verbose_name_plural = _("monthly stock figures")
        default_permissions = ("view",)
        permissions = [("rebuild_stockmonthly", _("Can rebuild the monthly stock report"))]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "product", "location"], name="stockmonthly_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(month__day=1), name="stockmonthly_first_of_month"
            ),
        ]
        indexes = [
            models.Index(fields=["product", "location", "month"], name="stockmonthly_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.product_id}@{self.location_id}"


class CustomerValueSettings(models.Model):
    """The customer-value report's two numbers for this workspace (one row, pk 1): how
    many customers the TOP-N line holds and the churn factor k (a customer is past the
    churn line when the days since their last order exceed k × their usual interval).
    Administrators change them on the report page."""

    top_n = models.PositiveSmallIntegerField(
        _("TOP-N customers"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_("How many customers the TOP-N line holds."),
    )
    churn_factor = models.DecimalField(
        _("churn factor"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("2.0"),
        validators=[MinValueValidator(Decimal("1.0")), MaxValueValidator(Decimal("99.9"))],
        help_text=_(
            "Churn warning when the gap since the last order exceeds this many usual intervals."
        ),
    )

    class Meta:
        verbose_name = _("customer value settings")
        verbose_name_plural = _("customer value settings")
        default_permissions = ("change",)
        permissions = [("view_customervalue", _("Can see the customer value report"))]

    def __str__(self) -> str:
        return f"TOP {self.top_n}, k = {self.churn_factor}"

    @classmethod
    def current(cls) -> CustomerValueSettings:
        settings, _created = cls.objects.get_or_create(pk=1)
        return settings


# --- Sales drill-down --------------------------------------------------------------------
SALES_MONEY: dict[str, Any] = {"max_digits": 20, "decimal_places": 2}
SALES_QUANTITY: dict[str, Any] = {"max_digits": 20, "decimal_places": 3}


def _dimension(model: str, label) -> models.ForeignKey:
    """A dimension key of a rollup row: kept as it was when the figures posted (the
    rebuild re-reads it); no database constraint, so the rollup never holds up the
    master data it names."""
    return models.ForeignKey(
        model,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=label,
    )


class SalesFigures(models.Model):
    """The measures both sales rollups keep (see `reports.sales_rollup`): net quantity
    sold, net sales excl. tax and cost of goods in the base currency, and how many lines
    were left out for want of an exchange rate."""

    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    salesperson = _dimension("accounts.User", _("salesperson"))
    branch = _dimension("masterdata.Branch", _("branch"))
    region = _dimension("masterdata.SalesRegion", _("sales region"))
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    category = _dimension("masterdata.ProductCategory", _("category"))
    quantity = models.DecimalField(_("quantity"), default=ZERO, **SALES_QUANTITY)
    sales = models.DecimalField(_("net sales"), default=ZERO, **SALES_MONEY)
    cost = models.DecimalField(_("cost of goods"), default=ZERO, **SALES_MONEY)
    unconverted = models.IntegerField(_("lines without an exchange rate"), default=0)

    class Meta:
        abstract = True


class SalesMonthly(SalesFigures):
    """One month of one customer buying one product (through one salesperson, at the
    customer's branch, region and channel and the product's category)."""

    customer = _dimension("customers.Customer", _("customer"))
    product = _dimension("masterdata.Product", _("product"))

    class Meta:
        verbose_name = _("monthly sales figures")
        verbose_name_plural = _("monthly sales figures")
        default_permissions = ("view",)
        permissions = [("rebuild_salesmonthly", _("Can rebuild the sales rollup"))]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "month",
                    "customer",
                    "product",
                    "salesperson",
                    "branch",
                    "region",
                    "channel",
                    "category",
                ],
                name="salesmonthly_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=models.Q(month__day=1), name="salesmonthly_first_of_month"
            ),
        ]
        # A drill filtered by one dimension reads its rows, not the whole table.
        indexes = [
            models.Index(fields=["customer", "month"], name="salesmonthly_customer"),
            models.Index(fields=["product", "month"], name="salesmonthly_product"),
            models.Index(fields=["region", "month"], name="salesmonthly_region"),
            models.Index(fields=["branch", "month"], name="salesmonthly_branch"),
            models.Index(fields=["salesperson", "month"], name="salesmonthly_salesperson"),
            models.Index(fields=["category", "month"], name="salesmonthly_category"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.customer_id}×{self.product_id}"


class SalesCube(SalesFigures):
    """`SalesMonthly` summed over customers and products: one month of one branch,
    region, channel, salesperson and category. Small (no customer or product in the
    key), so a drill-down by the organisation's dimensions reads a few thousand rows
    however many lines were sold."""

    class Meta:
        verbose_name = _("monthly sales by dimension")
        verbose_name_plural = _("monthly sales by dimension")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["month", "salesperson", "branch", "region", "channel", "category"],
                name="salescube_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=models.Q(month__day=1), name="salescube_first_of_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.branch_id}/{self.region_id}/{self.category_id}"
