"""The FilterSets of the sales documents: one per resource, used by its API list
(`filterset_class`) and its list page (`tradepost.workspace.lists.filter_rows`)."""

from __future__ import annotations

import django_filters

from tradepost.customers import selectors as customer_selectors
from tradepost.customers.scoped_fields import scoped_filter
from tradepost.sales import selectors
from tradepost.sales.models import Order
from tradepost.workspace.filters import UpdatedSinceFilterSet


class OrderFilter(UpdatedSinceFilterSet):
    customer = django_filters.NumberFilter(field_name="customer_id", label="Customer id.")
    owner = scoped_filter(customer_selectors.users_visible_to, label="Salesperson.")
    status = django_filters.ChoiceFilter(choices=Order.Status.choices)
    number = django_filters.CharFilter(max_length=40)
    agreement = scoped_filter(selectors.agreements_visible_to)
    order_date_from = django_filters.DateFilter(field_name="order_date", lookup_expr="gte")
    order_date_to = django_filters.DateFilter(field_name="order_date", lookup_expr="lte")

    class Meta:
        model = Order
        fields = [
            "customer",
            "owner",
            "status",
            "number",
            "agreement",
            "currency",
            "order_date_from",
            "order_date_to",
            "updated_since",
        ]
