"""Sales targets (销售计划) and the history of their adjustments.

A target is an amount (and optionally a quantity) to sell in one period — a month, a
quarter or a year, stored as its kind and first day — for one thing: the whole
company, a branch, a sales region, a salesperson or a product category. One dimension
per target: "the kitchen category in the East branch" is not a target here (a branch's
target counts every product, a category's every branch); that keeps one target per
object and period, and the completion of each one query per dimension.

Amounts are in the workspace's base currency (the company profile's), net of tax,
like the sales they are compared with. Every change after creation is a
`TargetAdjustment` (who, when, old → new, why), written by `services.target_adjust`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tradepost.modelfields import ZERO
from tradepost.modelfields import money_field as _money
from tradepost.modelfields import quantity_field as _quantity
from tradepost.modelfields import user_field as _user
from tradepost.plans.periods import PeriodKind, period_label

OBJECT_FIELDS = ("branch", "region", "salesperson", "category")


def _only(field: str | None) -> Q:
    """Exactly `field` of the object fields is set (none for the company)."""
    return Q(**{f"{name}__isnull": name != field for name in OBJECT_FIELDS})


class SalesTarget(models.Model):
    PeriodKind = PeriodKind

    class Dimension(models.TextChoices):
        COMPANY = "company", _("Company")
        BRANCH = "branch", _("Branch")
        REGION = "region", _("Sales region")
        SALESPERSON = "salesperson", _("Salesperson")
        CATEGORY = "category", _("Product category")

    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(_("period start"))
    dimension = models.CharField(_("target for"), max_length=20, choices=Dimension.choices)
    branch = models.ForeignKey(
        "masterdata.Branch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sales_targets",
        verbose_name=_("branch"),
    )
    region = models.ForeignKey(
        "masterdata.SalesRegion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sales_targets",
        verbose_name=_("sales region"),
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sales_targets",
        verbose_name=_("salesperson"),
    )
    category = models.ForeignKey(
        "masterdata.ProductCategory",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sales_targets",
        verbose_name=_("product category"),
    )
    amount = _money(_("target amount"), validators=[MinValueValidator(ZERO)])
    quantity = _quantity(
        _("target quantity"),
        null=True,
        blank=True,
        default=None,
        validators=[MinValueValidator(ZERO)],
    )
    created_by = _user("+", _("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("sales target")
        verbose_name_plural = _("sales targets")
        ordering = ["-period_start", "period_kind", "dimension", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(dimension="company") & _only(None))
                | (Q(dimension="branch") & _only("branch"))
                | (Q(dimension="region") & _only("region"))
                | (Q(dimension="salesperson") & _only("salesperson"))
                | (Q(dimension="category") & _only("category")),
                name="salestarget_one_object_per_dimension",
            ),
            models.CheckConstraint(
                condition=Q(period_start__day=1)
                & (
                    Q(period_kind="month")
                    | Q(period_kind="quarter", period_start__month__in=[1, 4, 7, 10])
                    | Q(period_kind="year", period_start__month=1)
                ),
                name="salestarget_period_starts_on_first_day",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & (Q(quantity__isnull=True) | Q(quantity__gte=0)),
                name="salestarget_not_negative",
            ),
            models.UniqueConstraint(
                fields=["period_kind", "period_start", "dimension", *OBJECT_FIELDS],
                nulls_distinct=False,
                name="salestarget_one_per_object_and_period",
            ),
        ]
        indexes = [models.Index(fields=["period_start", "period_kind"], name="salestarget_period")]

    def __str__(self) -> str:
        return f"{self.period} · {self.object_label}"

    @property
    def period(self) -> str:
        return period_label(self.period_kind, self.period_start)

    @property
    def target_object(self) -> models.Model | None:
        return getattr(self, self.dimension) if self.dimension in OBJECT_FIELDS else None

    @property
    def object_label(self) -> str:
        if self.dimension == self.Dimension.SALESPERSON and self.salesperson is not None:
            return self.salesperson.get_full_name() or self.salesperson.email
        thing = self.target_object
        return str(thing) if thing is not None else str(_("Whole company"))


class TargetAdjustment(models.Model):
    """One change of a target after it was set: old and new figures and the reason."""

    target = models.ForeignKey(
        SalesTarget,
        on_delete=models.PROTECT,
        related_name="adjustments",
        verbose_name=_("sales target"),
    )
    old_amount = _money(_("amount before"))
    new_amount = _money(_("amount after"))
    old_quantity = _quantity(_("quantity before"), null=True, blank=True, default=None)
    new_quantity = _quantity(_("quantity after"), null=True, blank=True, default=None)
    reason = models.CharField(_("reason"), max_length=300)
    adjusted_by = _user("+", _("adjusted by"))
    adjusted_at = models.DateTimeField(_("adjusted"), auto_now_add=True)

    class Meta:
        verbose_name = _("target adjustment")
        verbose_name_plural = _("target adjustments")
        ordering = ["-adjusted_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="targetadjustment_has_reason")
        ]

    def __str__(self) -> str:
        return f"{self.target_id}: {self.old_amount} → {self.new_amount}"
