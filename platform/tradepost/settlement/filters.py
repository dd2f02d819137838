"""The FilterSets of settlement's lists."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tradepost.customers.forms import UserChoice
from tradepost.customers.selectors import users_visible_to
from tradepost.masterdata.models import Branch, SalesRegion
from tradepost.settlement.models import ExchangeRate, ExpenseClaim, Invoice, LedgerEntry, Payment
from tradepost.workspace.filters import (
    CheckboxFilter,
    MineFilter,
    SortFilter,
    TextSearchFilter,
    choice_filter,
)


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
