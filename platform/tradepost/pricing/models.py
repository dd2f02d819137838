"""Pricing models: promotions (price lists belong to their customer or group and live
in `tradepost.customers`).

The tables kept the names they had when these models lived in `tradepost.sales`
(`db_table`): the move changed no table (see `sales/migrations/0003_split_by_domain.py`).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tradepost.masterdata.models import Currency
from tradepost.modelfields import MONEY, ZERO


class Promotion(models.Model):
    """A date-bounded price rule. See `pricing.lines` for how one is chosen per line.

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
        db_table = "sales_promotion"
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
