"""The FilterSets of settlement's lists: the API's (`filterset_class` of the settlement
API) and the list pages' (`/finance/…`).

The API's lists take ids as whole numbers (`?customer=0.5` is a 400, as the schema
says) and dates as ISO dates."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from drf_spectacular.utils import extend_schema_field

from tradepost.customers.forms import UserChoice
from tradepost.customers.selectors import (
    branches_visible_to,
    regions_visible_to,
    users_visible_to,
)
from tradepost.masterdata.models import Branch, SalesRegion
from tradepost.masterdata.selectors import branch_subtree_ids, region_subtree_ids
from tradepost.settlement import profitability
from tradepost.settlement.forms import MonthField, month_end
from tradepost.settlement.models import (
    CreditOverride,
    ExchangeRate,
    ExpenseClaim,
    Invoice,
    LedgerEntry,
    Payment,
    Rebate,
    RebateRule,
)
from tradepost.workspace.filters import (
    CheckboxFilter,
    MineFilter,
    SortFilter,
    TextSearchFilter,
    UpdatedSinceFilterSet,
    choice_filter,
)


# --- API filters -----------------------------------------------------------------------
class IdFilter(django_filters.NumberFilter):
    """An id: a whole number."""

    field_class = forms.IntegerField


def _id(field_name: str, label: str) -> IdFilter:
    return IdFilter(field_name=field_name, label=label)


def overdue_q(today: datetime.date, prefix: str = "") -> Q:
    """Open debits past their due date (`prefix`: the path to the ledger entry)."""
    return Q(
        **{
            f"{prefix}amount__gt": 0,
            f"{prefix}open_amount__gt": 0,
            f"{prefix}due_date__lt": today,
        }
    )


class _DocumentApiFilter(UpdatedSinceFilterSet):
    """What invoices and credit notes are both filtered by."""

    customer = _id("customer_id", "Customer id.")
    order = _id("order_id", "Order id.")
    status = django_filters.ChoiceFilter(choices=Invoice.Status.choices)
    number = django_filters.CharFilter(max_length=40, label="The exact number.")
    issued_from = django_filters.DateFilter(
        field_name="issue_date", lookup_expr="gte", label="Issued on or after this day."
    )
    issued_to = django_filters.DateFilter(
        field_name="issue_date", lookup_expr="lte", label="Issued on or before this day."
    )

    class Meta:
        model = Invoice
        fields = ["customer", "order", "status", "number", "issued_from", "issued_to"]


class InvoiceApiFilter(_DocumentApiFilter):
    delivery = _id("delivery_id", "Delivery id.")
    kind = django_filters.ChoiceFilter(choices=Invoice.Kind.choices)
    overdue = django_filters.BooleanFilter(
        method="_overdue",
        label="true: only issued invoices with money open past their due date; false: every other.",
    )

    class Meta(_DocumentApiFilter.Meta):
        fields = [
            *_DocumentApiFilter.Meta.fields,
            "delivery",
            "kind",
            "overdue",
            "updated_since",
        ]

    def _overdue(self, rows: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return rows
        condition = Q(status=Invoice.Status.ISSUED) & overdue_q(timezone.localdate(), "entry__")
        return rows.filter(condition) if value else rows.exclude(condition)


class CreditNoteApiFilter(_DocumentApiFilter):
    credited_invoice = _id("credited_invoice_id", "The invoice the credit note credits.")

    class Meta(_DocumentApiFilter.Meta):
        fields = [*_DocumentApiFilter.Meta.fields, "credited_invoice", "updated_since"]


class PaymentApiFilter(django_filters.FilterSet):
    customer = _id("customer_id", "Customer id.")
    order = _id("order_id", "Order id (an order's deposit).")
    kind = django_filters.ChoiceFilter(choices=Payment.Kind.choices)
    status = django_filters.ChoiceFilter(choices=Payment.Status.choices)
    method = django_filters.ChoiceFilter(choices=Payment.Method.choices)
    number = django_filters.CharFilter(max_length=40, label="The exact number.")
    received_from = django_filters.DateFilter(
        field_name="received_on", lookup_expr="gte", label="Received on or after this day."
    )
    received_to = django_filters.DateFilter(
        field_name="received_on", lookup_expr="lte", label="Received on or before this day."
    )
    on_account = django_filters.BooleanFilter(
        method="_on_account", label="true: only payments with money left on account."
    )

    class Meta:
        model = Payment
        fields = [
            "customer",
            "order",
            "kind",
            "status",
            "method",
            "number",
            "received_from",
            "received_to",
            "on_account",
        ]

    def _on_account(self, rows: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return rows
        condition = Q(kind=Payment.Kind.RECEIPT, entry__open_amount__gt=0)
        return rows.filter(condition) if value else rows.exclude(condition)


class LedgerEntryApiFilter(django_filters.FilterSet):
    customer = _id("customer_id", "Customer id.")
    kind = django_filters.ChoiceFilter(choices=LedgerEntry.Kind.choices)
    date_from = django_filters.DateFilter(
        field_name="entry_date", lookup_expr="gte", label="Dated on or after this day."
    )
    date_to = django_filters.DateFilter(
        field_name="entry_date", lookup_expr="lte", label="Dated on or before this day."
    )
    open = django_filters.BooleanFilter(
        method="_open", label="true: only entries not fully matched yet."
    )

    class Meta:
        model = LedgerEntry
        fields = ["customer", "kind", "date_from", "date_to", "open"]

    def _open(self, rows: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return rows
        return rows.filter(open_amount__gt=0) if value else rows.filter(open_amount=0)


class ReceivableApiFilter(django_filters.FilterSet):
    """Filters the ledger entries the receivables list adds up per customer."""

    customer = _id("customer_id", "Customer id.")
    salesperson = _id("customer__owner_id", "The customers' owner (a user id).")
    branch = IdFilter(method="_branch", label="Branch id (its sub-branches included).")
    region = IdFilter(method="_region", label="Sales region id (the regions inside included).")
    overdue_only = django_filters.BooleanFilter(
        method="_overdue_only", label="true: only customers with an invoice past due."
    )

    class Meta:
        model = LedgerEntry
        fields = ["customer", "salesperson", "branch", "region", "overdue_only"]

    def _branch(self, rows: QuerySet, name: str, value: int) -> QuerySet:
        branch = Branch.objects.filter(pk=value).first()
        if branch is None:
            return rows.none()
        return rows.filter(customer__branch_id__in=branch_subtree_ids(branch))

    def _region(self, rows: QuerySet, name: str, value: int) -> QuerySet:
        region = SalesRegion.objects.filter(pk=value).first()
        if region is None:
            return rows.none()
        return rows.filter(customer__region_id__in=region_subtree_ids(region))

    def _overdue_only(self, rows: QuerySet, name: str, value: bool | None) -> QuerySet:
        if not value:
            return rows
        overdue = LedgerEntry.objects.filter(overdue_q(timezone.localdate())).values("customer_id")
        return rows.filter(customer_id__in=overdue)


class ExchangeRateApiFilter(django_filters.FilterSet):
    currency = django_filters.CharFilter(max_length=3, label="Currency code (ISO 4217).")
    date = django_filters.DateFilter(field_name="rate_date", label="The rates of this day.")
    date_from = django_filters.DateFilter(
        field_name="rate_date", lookup_expr="gte", label="Rates on or after this day."
    )
    date_to = django_filters.DateFilter(
        field_name="rate_date", lookup_expr="lte", label="Rates on or before this day."
    )

    class Meta:
        model = ExchangeRate
        fields = ["currency", "date", "date_from", "date_to"]


class CreditOverrideApiFilter(django_filters.FilterSet):
    customer = _id("customer_id", "Customer id.")
    order = _id("order_id", "Order id.")
    used = django_filters.BooleanFilter(
        field_name="used_at", lookup_expr="isnull", exclude=True, label="true: used up."
    )

    class Meta:
        model = CreditOverride
        fields = ["customer", "order", "used"]


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-11"})
class ApiMonthFilter(django_filters.Filter):
    """`?period=YYYY-MM`: the rebates whose period holds that month (a month's own, and
    the quarter's and year's it belongs to), as the rebates page filters."""

    field_class = MonthField

    def filter(self, qs: QuerySet, value: datetime.date | None) -> QuerySet:
        if value is None:
            return qs
        return qs.filter(period_start__lte=month_end(value), period_end__gte=value)


class RebateRuleApiFilter(UpdatedSinceFilterSet):
    active = django_filters.BooleanFilter(
        field_name="is_active", label="true: only active rules; false: only inactive ones."
    )
    customer = _id("customer_id", "Rules of this one customer.")
    customer_group = _id("customer_group_id", "Rules of this customer group.")
    product = _id("product_id", "Rules on this one product.")
    category = _id("category_id", "Rules on this product category.")
    period = django_filters.ChoiceFilter(choices=RebateRule.Period.choices)
    basis = django_filters.ChoiceFilter(choices=RebateRule.Basis.choices)

    class Meta:
        model = RebateRule
        fields = [
            "active",
            "customer",
            "customer_group",
            "product",
            "category",
            "period",
            "basis",
            "updated_since",
        ]


class RebateApiFilter(UpdatedSinceFilterSet):
    status = django_filters.ChoiceFilter(choices=Rebate.Status.choices)
    period = ApiMonthFilter(label="A month, YYYY-MM: the rebates whose period holds it.")
    rule = _id("rule_id", "Rule id.")
    customer = _id("customer_id", "Customer id.")

    class Meta:
        model = Rebate
        fields = ["status", "period", "rule", "customer", "updated_since"]


class ExpenseClaimApiFilter(UpdatedSinceFilterSet):
    status = django_filters.ChoiceFilter(choices=ExpenseClaim.Status.choices)
    category = django_filters.ChoiceFilter(choices=ExpenseClaim.Category.choices)
    claimant = _id("claimant_id", "The claimant (a user id).")
    customer = _id("customer_id", "Customer id.")
    order = _id("order_id", "Order id.")
    branch = _id("branch_id", "Branch id.")
    incurred_from = django_filters.DateFilter(
        field_name="incurred_on", lookup_expr="gte", label="Spent on or after this day."
    )
    incurred_to = django_filters.DateFilter(
        field_name="incurred_on", lookup_expr="lte", label="Spent on or before this day."
    )

    class Meta:
        model = ExpenseClaim
        fields = [
            "status",
            "category",
            "claimant",
            "customer",
            "order",
            "branch",
            "incurred_from",
            "incurred_to",
            "updated_since",
        ]


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
    kind = choice_filter(Invoice.Kind.choices, empty_label=_("Any type"), label=_("Type"))
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
    """The branches the caller may pick (a dealer only its own record's)."""
    return branches_visible_to(getattr(request, "user", None))


def _regions(request):
    return regions_visible_to(getattr(request, "user", None))


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
    period = MonthFilter(label=_("Rebate period"))
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


# --- Expenses ----------------------------------------------------------------------------
class _ClaimantFilter(django_filters.ModelChoiceFilter):
    field_class = UserChoice


def _claimants(request):
    return users_visible_to(getattr(request, "user", None)).order_by("full_name", "pk")


def sees_others_claims(user) -> bool:
    """Whether the expense list holds other people's claims for `user` (a reviewer,
    finance, an executive): only then does it offer the claimant filters."""
    return any(
        user.has_perm(f"settlement.{name}_expenseclaim") for name in ("review", "pay", "view")
    )


class ExpenseListFilter(django_filters.FilterSet):
    """The expense claims list. A salesperson sees only their own claims, so the
    claimant filters ("Claimed by", "My claims") show only to who sees others'."""

    q = TextSearchFilter(
        "number",
        "description",
        "customer__name",
        "customer__code",
        placeholder=_("Number, description or customer"),
    )
    status = choice_filter(
        ExpenseClaim.Status.choices, empty_label=_("Any status"), label=_("Status")
    )
    category = choice_filter(
        ExpenseClaim.Category.choices, empty_label=_("Any category"), label=_("Category")
    )
    claimant = _ClaimantFilter(queryset=_claimants, label=_("Claimed by"), empty_label=_("Anyone"))
    mine = MineFilter(field_name="claimant_id", label=_("My claims"))
    customer = django_filters.NumberFilter(field_name="customer_id", label=_("Customer"))
    sort = SortFilter(
        {
            "number": ("number",),
            "date": ("incurred_on",),
            "amount": ("amount",),
            "status": ("status",),
        }
    )

    class Meta:
        model = ExpenseClaim
        fields = ["q", "status", "category", "claimant", "mine", "customer"]

    shown: tuple[str, ...] = ("q", "status", "category", "claimant", "mine")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        if user is None or not sees_others_claims(user):
            for name in ("claimant", "mine"):
                del self.filters[name]
            self.shown = tuple(name for name in self.shown if name not in ("claimant", "mine"))


# --- Profitability -----------------------------------------------------------------------
PROFITABILITY_FORMATS = (("csv", "CSV"), ("xlsx", "Excel"))


class ProfitabilityForm(forms.Form):
    """The period and the breakdown of the profitability page and API
    (`?start=&end=&by=`, and on the page `format=csv|xlsx` for the file). Missing
    dates default to this month; a bad date, breakdown, order or length is a field
    error (the page and the API answer 400)."""

    start = forms.DateField(
        label=pgettext_lazy("period", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=pgettext_lazy("period", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    by = forms.ChoiceField(
        label=pgettext_lazy("profitability", "By"),
        choices=list(profitability.DIMENSIONS.items()),
        required=False,
    )
    format = forms.ChoiceField(choices=PROFITABILITY_FORMATS, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        default_start, default_end = profitability.month_of(timezone.localdate())
        data["start"] = data.get("start") or default_start
        data["end"] = data.get("end") or default_end
        data["by"] = data.get("by") or profitability.BRANCH
        profitability.period_check(data["start"], data["end"])
        return data
