"""The FilterSets of the channel documents (agreements, price adjustments, demand
plans, dealers' stock reports): one per resource, used by its API list
(`filterset_class`), and the list page's extension of it (`<Resource>ListFilter`, drawn
through `tradepost.workspace.lists.list_page`)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from tradepost.channel.forms import MonthField
from tradepost.channel.models import Agreement, DealerStockReport, DemandPlan, PriceAdjustment
from tradepost.masterdata.models import Product
from tradepost.workspace.filters import TextSearchFilter, UpdatedSinceFilterSet, choice_filter

MONTH_HELP = "The month as YYYY-MM (e.g. 2026-12); a full date names its month."


# --- Agreements ----------------------------------------------------------------------
class AgreementFilter(UpdatedSinceFilterSet):
    customer = django_filters.NumberFilter(field_name="customer_id", label="Customer id.")
    status = django_filters.ChoiceFilter(choices=Agreement.Status.choices)
    valid_on = django_filters.DateFilter(
        method="filter_valid_on", label="Only agreements whose period covers this date."
    )

    class Meta:
        model = Agreement
        fields = ["customer", "status", "currency", "valid_on", "updated_since"]

    def filter_valid_on(self, queryset, name, value):
        return queryset.filter(starts_on__lte=value, ends_on__gte=value)


class AgreementListFilter(AgreementFilter):
    q = TextSearchFilter(
        "number", "name", "customer__name", placeholder=_("Number, name or customer")
    )
    status = choice_filter(Agreement.Status.choices, empty_label=_("Any status"), label=_("Status"))

    shown = ("q", "status")


# --- Price adjustments ---------------------------------------------------------------
class PriceAdjustmentFilter(UpdatedSinceFilterSet):
    status = django_filters.ChoiceFilter(choices=PriceAdjustment.Status.choices)
    basis = django_filters.ChoiceFilter(choices=PriceAdjustment.Basis.choices)
    product = django_filters.ModelChoiceFilter(queryset=Product.objects.all())
    effective_from = django_filters.DateFilter(field_name="effective_on", lookup_expr="gte")
    effective_to = django_filters.DateFilter(field_name="effective_on", lookup_expr="lte")

    class Meta:
        model = PriceAdjustment
        fields = [
            "status",
            "basis",
            "product",
            "number",
            "effective_from",
            "effective_to",
            "updated_since",
        ]


class PriceAdjustmentListFilter(PriceAdjustmentFilter):
    """The page picks the status from a row of buttons, not a panel."""

    shown = ()


# --- Demand plans --------------------------------------------------------------------
class MonthFilter(django_filters.Filter):
    """A month, "2026-12" (a full date names its month): the plans of that month."""

    field_class = MonthField


class DemandPlanFilter(UpdatedSinceFilterSet):
    dealer = django_filters.NumberFilter(field_name="dealer_id", label="Dealer (customer) id.")
    month = MonthFilter(field_name="month", label=MONTH_HELP)
    status = django_filters.ChoiceFilter(choices=DemandPlan.Status.choices)

    class Meta:
        model = DemandPlan
        fields = ["dealer", "month", "status", "updated_since"]


class DemandPlanListFilter(DemandPlanFilter):
    month = MonthFilter(field_name="month", label=_("Month"), help_text="")
    status = choice_filter(
        DemandPlan.Status.choices, empty_label=_("Any status"), label=_("Status")
    )

    shown = ("month", "status")


# --- Dealers' stock reports ----------------------------------------------------------
class DealerStockReportFilter(django_filters.FilterSet):
    dealer = django_filters.NumberFilter(field_name="dealer_id", label="Dealer (customer) id.")
    product = django_filters.NumberFilter(field_name="product_id", label="Product id.")
    as_of_from = django_filters.DateFilter(field_name="as_of", lookup_expr="gte")
    as_of_to = django_filters.DateFilter(field_name="as_of", lookup_expr="lte")
    latest = django_filters.BooleanFilter(
        method="filter_latest", label="Only the latest report per dealer and product."
    )

    class Meta:
        model = DealerStockReport
        fields = ["dealer", "product", "as_of_from", "as_of_to", "latest"]

    def filter_latest(self, queryset, name, value):
        if not value:
            return queryset
        latest = (
            queryset.order_by("dealer_id", "product_id", "-as_of", "-pk")
            .distinct("dealer_id", "product_id")
            .values("pk")
        )
        return queryset.filter(pk__in=latest)


class DealerStockReportListFilter(DealerStockReportFilter):
    """The page lists the latest report per dealer and product already."""

    q = TextSearchFilter(
        "dealer__name", "product__sku", "product__name", placeholder=_("Dealer or product")
    )

    shown = ("q",)
