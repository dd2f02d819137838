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
