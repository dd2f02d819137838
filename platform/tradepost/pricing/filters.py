"""The promotions' FilterSet, used by the API list (`filterset_class`), and the list
page's extension of it (`PromotionListFilter`: the period tabs, the search box and the
type, drawn through `tradepost.workspace.lists.list_page`)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from tradepost.masterdata.models import Product
from tradepost.pricing import promotions as services
from tradepost.pricing.models import Promotion
from tradepost.workspace.filters import TextSearchFilter, UpdatedSinceFilterSet, choice_filter

PRODUCT_FILTER_HELP = (
    "Only promotions that may apply to this product (its own, its categories', or every product's)."
)


class PromotionFilter(UpdatedSinceFilterSet):
    active = django_filters.BooleanFilter(field_name="is_active", label="Active or not.")
    kind = django_filters.ChoiceFilter(choices=Promotion.Kind.choices)
    valid_on = django_filters.DateFilter(
        method="filter_valid_on", label="Only promotions running on this date."
    )
    product = django_filters.ModelChoiceFilter(
        queryset=Product.objects.all(),
        method="filter_product",
        label=PRODUCT_FILTER_HELP,
    )

    class Meta:
        model = Promotion
        fields = ["active", "kind", "valid_on", "product", "currency", "updated_since"]

    def filter_valid_on(self, queryset, name, value):
        return queryset.filter(starts_on__lte=value, ends_on__gte=value)

    # The parameter is a product id (the filter hands the method the product itself);
    # the schema cannot tell that from a method filter on a name the model lacks.
    @extend_schema_field({"type": "integer", "description": PRODUCT_FILTER_HELP})
    def filter_product(self, queryset, name, value):
        return services.promotions_for_product(queryset, value)


PERIOD_LABELS = {
    services.CURRENT: _("Running now"),
    services.UPCOMING: _("Upcoming"),
    services.PAST: _("Ended"),
    "all": _("All"),
}


class PromotionListFilter(PromotionFilter):
    """`?period=` (running now unless it says otherwise: the page's tabs), the search
    box over the name and the type."""

    period = django_filters.ChoiceFilter(
        choices=list(PERIOD_LABELS.items()),
        empty_label=None,
        label=_("When"),
        method="filter_period",
    )
    q = TextSearchFilter("name", placeholder=_("Promotion name"))
    kind = choice_filter(Promotion.Kind.choices, empty_label=_("Any type"), label=_("Type"))

    shown = ("q", "kind")

    @property
    def period_value(self) -> str:
        """The period the rows are of (a bad or missing one: running now)."""
        return getattr(self.form, "cleaned_data", {}).get("period") or services.CURRENT

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        period = self.period_value
        return services.promotions_in_period(queryset, None if period == "all" else period)

    def filter_period(self, queryset, name, value):
        return queryset  # applied in filter_queryset, which also knows its default
