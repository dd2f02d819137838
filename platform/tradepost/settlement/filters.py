"""The FilterSets of settlement's lists."""

from __future__ import annotations

import datetime

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tradepost.masterdata.models import Branch, SalesRegion
from tradepost.settlement.forms import MonthField, month_end
from tradepost.settlement.models import (
    ExchangeRate,
    Invoice,
    LedgerEntry,
    Payment,
    Rebate,
    RebateRule,
)
from tradepost.workspace.filters import CheckboxFilter, SortFilter, TextSearchFilter, choice_filter


# --- Page list filters ---------------------------------------------------------------
# The list pages' filters (`/finance/…`), drawn by `includes/filter_form.html` through
# `tradepost.workspace.lists.list_page`. `customer` is not drawn: a customer's page
# links `?customer=<id>`, and the panel keeps it as a hidden field.
def overdue_invoices_q(prefix: str = "") -> Q:
    """Issued invoices with money still open after their due date."""
    return Q(
        **{
            f"{prefix}kind": Invoice.Kind.INVOICE,
            f"{prefix}status": Invoice.Status.ISSUED,
            f"{prefix}entry__open_amount__gt": 0,
            f"{prefix}due_date__lt": timezone.localdate(),
        }
    )


class InvoiceListFilter(django_filters.FilterSet):
    q = TextSearchFilter(
        "number",
        "customer__name",
        "customer__code",
        "order__number",
        placeholder=_("Number, customer or order"),
    )
    status = choice_filter(Invoice.Status.choices, empty_label=_("Any status"), label=_("Status"))
    kind = choice_filter(
        Invoice.Kind.choices, empty_label=_("Invoices and credit notes"), label=_("Type")
    )
    overdue = CheckboxFilter(label=_("Overdue only"), method="_overdue")
    customer = django_filters.NumberFilter(field_name="customer_id", label=_("Customer"))
    sort = SortFilter(
        {
            "number": ("number",),
            "customer": ("customer__name",),
            "date": ("issue_date",),
            "due": ("due_date",),
            "total": ("gross_total",),
            "status": ("status",),
        }
    )

    class Meta:
        model = Invoice
        fields = ["q", "status", "kind", "overdue", "customer"]

    shown = ("q", "status", "kind", "overdue")

    def _overdue(self, rows: QuerySet, name: str, value: bool | None) -> QuerySet:
        return rows.filter(overdue_invoices_q()) if value else rows


class PaymentListFilter(django_filters.FilterSet):
    q = TextSearchFilter(
        "number",
        "reference",
        "customer__name",
        "customer__code",
        placeholder=_("Number, reference or customer"),
    )
    method = choice_filter(Payment.Method.choices, empty_label=_("Any method"), label=_("Method"))
    kind = choice_filter(
        Payment.Kind.choices, empty_label=_("Payments and refunds"), label=_("Type")
    )
    status = choice_filter(Payment.Status.choices, empty_label=_("Any status"), label=_("Status"))
    on_account = CheckboxFilter(label=_("With money on account"), method="_on_account")
    customer = django_filters.NumberFilter(field_name="customer_id", label=_("Customer"))
    sort = SortFilter(
        {
            "number": ("number",),
            "customer": ("customer__name",),
            "date": ("received_on",),
            "amount": ("amount",),
        }
    )

    class Meta:
        model = Payment
        fields = ["q", "method", "kind", "status", "on_account", "customer"]

    shown = ("q", "method", "kind", "status", "on_account")

    def _on_account(self, rows: QuerySet, name: str, value: bool | None) -> QuerySet:
        if not value:
            return rows
        return rows.filter(
            kind=Payment.Kind.RECEIPT, status=Payment.Status.POSTED, entry__open_amount__gt=0
        )


def _branches(request):
    return Branch.objects.order_by("name", "pk")


def _regions(request):
    return SalesRegion.objects.order_by("name", "pk")


class ReceivableListFilter(django_filters.FilterSet):
    """Filters the ledger entries the aging is summed from (by their customer)."""

    q = TextSearchFilter(
        "customer__name", "customer__code", label=_("Customer"), placeholder=_("Name or code")
    )
    branch = django_filters.ModelChoiceFilter(
        queryset=_branches,
        field_name="customer__branch",
        label=_("Branch"),
        empty_label=_("Every branch"),
    )
    region = django_filters.ModelChoiceFilter(
        queryset=_regions,
        field_name="customer__region",
        label=_("Region"),
        empty_label=_("Every region"),
    )
    overdue = CheckboxFilter(label=_("Customers with overdue invoices"), method="_overdue")

    class Meta:
        model = LedgerEntry
        fields = ["q", "branch", "region", "overdue"]

    shown = ("q", "branch", "region", "overdue")

    def _overdue(self, rows: QuerySet, name: str, value: bool | None) -> QuerySet:
        if not value:
            return rows
        late = LedgerEntry.objects.filter(
            amount__gt=0, open_amount__gt=0, due_date__lt=timezone.localdate()
        ).values("customer_id")
        return rows.filter(customer_id__in=late)


class ExchangeRateListFilter(django_filters.FilterSet):
    currency = django_filters.CharFilter(
        field_name="currency", lookup_expr="iexact", label=_("Currency"), max_length=3
    )

    class Meta:
        model = ExchangeRate
        fields = ["currency"]

    shown = ("currency",)


# --- Rebates -------------------------------------------------------------------------
class MonthFilter(django_filters.Filter):
    """`?period=YYYY-MM`: the rebates whose period holds that month (a month's own,
    and the quarter's and year's it belongs to)."""

    field_class = MonthField

    def filter(self, qs: QuerySet, value: datetime.date | None) -> QuerySet:
        if value is None:
            return qs
        return qs.filter(period_start__lte=month_end(value), period_end__gte=value)


def _rebate_rules(request):
    return RebateRule.objects.only("pk", "name").order_by("name", "pk")


class RebateListFilter(django_filters.FilterSet):
    q = TextSearchFilter(
        "customer__name", "customer__code", label=_("Customer"), placeholder=_("Name or code")
    )
    status = choice_filter(Rebate.Status.choices, empty_label=_("Any status"), label=_("Status"))
    period = MonthFilter(label=_("Period"))
    rule = django_filters.ModelChoiceFilter(
        queryset=_rebate_rules, label=_("Rule"), empty_label=_("Every rule")
    )
    customer = django_filters.NumberFilter(field_name="customer_id", label=_("Customer"))
    sort = SortFilter(
        {
            "period": ("period_start",),
            "rule": ("rule__name",),
            "customer": ("customer__name",),
            "amount": ("amount",),
            "status": ("status",),
        }
    )

    class Meta:
        model = Rebate
        fields = ["q", "status", "period", "rule", "customer"]

    shown = ("q", "status", "period", "rule")


class RebateRuleListFilter(django_filters.FilterSet):
    q = TextSearchFilter(
        "name",
        "customer__name",
        "customer_group__name",
        "product__sku",
        "category__name",
        placeholder=_("Rule, customer, group, product or category"),
    )
    active = CheckboxFilter(label=_("Active only"), method="_active")

    class Meta:
        model = RebateRule
        fields = ["q", "active"]

    shown = ("q", "active")

    def _active(self, rows: QuerySet, name: str, value: bool | None) -> QuerySet:
        return rows.filter(is_active=True) if value else rows
