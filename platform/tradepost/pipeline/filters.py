"""The opportunities' FilterSet, used by the API list (`filterset_class`), and the list
page's extension of it (`OpportunityListFilter`, drawn through
`tradepost.workspace.lists.list_page`)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from tradepost.customers import selectors as customer_selectors
from tradepost.customers.scoped_fields import scoped_filter
from tradepost.pipeline import services
from tradepost.pipeline.models import CLOSED_STAGES, OPEN_STAGES, Opportunity, Stage
from tradepost.workspace.filters import (
    MineFilter,
    SortFilter,
    TextSearchFilter,
    UpdatedSinceFilterSet,
    choice_filter,
)


class OpportunityFilter(UpdatedSinceFilterSet):
    customer = django_filters.NumberFilter(field_name="customer_id", label="Customer id.")
    owner = scoped_filter(customer_selectors.users_visible_to, label="Owner (user id).")
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    is_open = django_filters.BooleanFilter(method="filter_is_open", label="Only open (or closed).")
    expected_close_from = django_filters.DateFilter(field_name="expected_close", lookup_expr="gte")
    expected_close_to = django_filters.DateFilter(field_name="expected_close", lookup_expr="lte")

    class Meta:
        model = Opportunity
        fields = [
            "customer",
            "owner",
            "stage",
            "is_open",
            "currency",
            "expected_close_from",
            "expected_close_to",
            "updated_since",
        ]

    def filter_is_open(self, queryset, name, value):
        return queryset.filter(stage__in=OPEN_STAGES if value else CLOSED_STAGES)


class OpportunityListFilter(OpportunityFilter):
    q = TextSearchFilter(
        "name", "customer__name", "customer__code", placeholder=_("Opportunity or customer")
    )
    # The workspace's own stage names (stage settings), in pipeline order.
    stage = choice_filter(services.stages, empty_label=_("Any stage"), label=_("Stage"))
    mine = MineFilter()
    sort = SortFilter(
        {
            "name": ("name",),
            "customer": ("customer__name",),
            "amount": ("amount",),
            "weighted": ("weighted_amount",),
            "expected_close": ("expected_close",),
        }
    )

    shown = ("q", "stage", "mine")
