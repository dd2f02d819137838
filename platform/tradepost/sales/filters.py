"""The FilterSets of the sales documents and the settlement credits: one per resource,
used by its API list (`filterset_class`), and the list page's extension of it
(`<Resource>ListFilter`: the search box and shortcuts, drawn by
`includes/filter_form.html` through `tradepost.workspace.lists.list_page`)."""

from __future__ import annotations

import datetime

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tradepost.customers import selectors as customer_selectors
from tradepost.customers.scoped_fields import scoped_filter
from tradepost.sales import selectors
from tradepost.sales.models import Order, Quote, SettlementCredit
from tradepost.sales.quotes import OPEN as OPEN_QUOTES
from tradepost.workspace.filters import (
    CheckboxFilter,
    MineFilter,
    SortFilter,
    TextSearchFilter,
    UpdatedSinceFilterSet,
    choice_filter,
)

EXPIRING_DAYS = 7


# --- Orders --------------------------------------------------------------------------
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


class OrderListFilter(OrderFilter):
    q = TextSearchFilter("number", "customer__name", placeholder=_("Order number or customer"))
    status = choice_filter(Order.Status.choices, empty_label=_("Any status"), label=_("Status"))
    mine = MineFilter()
    sort = SortFilter(
        {
            "number": ("number",),
            "customer": ("customer__name",),
            "date": ("order_date",),
            "status": ("status",),
            "total": ("gross_total",),
        }
    )

    shown = ("q", "status", "mine")


# --- Quotes --------------------------------------------------------------------------
class QuoteFilter(UpdatedSinceFilterSet):
    customer = django_filters.NumberFilter(field_name="customer_id", label="Customer id.")
    owner = scoped_filter(customer_selectors.users_visible_to, label="Salesperson.")
    opportunity = django_filters.NumberFilter(field_name="opportunity_id", label="Opportunity id.")
    status = django_filters.ChoiceFilter(choices=Quote.Status.choices)

    class Meta:
        model = Quote
        fields = ["customer", "owner", "opportunity", "status", "currency", "updated_since"]


class QuoteListFilter(QuoteFilter):
    q = TextSearchFilter("number", "customer__name", placeholder=_("Quote number or customer"))
    status = choice_filter(Quote.Status.choices, empty_label=_("Any status"), label=_("Status"))
    mine = MineFilter()
    expiring = CheckboxFilter(label=_("Expiring within 7 days"), method="filter_expiring")

    sort = SortFilter(
        {
            "number": ("number",),
            "customer": ("customer__name",),
            "date": ("issued_on",),
            "valid_until": ("valid_until",),
            "status": ("status",),
            "total": ("gross_total",),
        }
    )

    shown = ("q", "status", "mine", "expiring")

    def filter_expiring(self, queryset, name, value):
        """Open quotes whose validity ends within a week, the first to end first."""
        if not value:
            return queryset
        today = timezone.localdate()
        return queryset.filter(
            status__in=OPEN_QUOTES,
            valid_until__gte=today,
            valid_until__lte=today + datetime.timedelta(days=EXPIRING_DAYS),
        ).order_by("valid_until", "pk")


# --- Settlement credits --------------------------------------------------------------
class SettlementCreditFilter(django_filters.FilterSet):
    customer = django_filters.NumberFilter(field_name="customer_id", label="Customer id.")
    price_adjustment = django_filters.NumberFilter(
        field_name="price_adjustment_id", label="Price adjustment id."
    )
    order_return = django_filters.NumberFilter(field_name="order_return_id", label="Return id.")
    status = django_filters.ChoiceFilter(choices=SettlementCredit.Status.choices)

    class Meta:
        model = SettlementCredit
        fields = ["customer", "price_adjustment", "order_return", "status", "currency"]


class SettlementCreditListFilter(SettlementCreditFilter):
    q = TextSearchFilter("customer__name", "reason", placeholder=_("Customer or reason"))
    status = choice_filter(
        SettlementCredit.Status.choices, empty_label=_("Any status"), label=_("Status")
    )

    shown = ("q", "status")
