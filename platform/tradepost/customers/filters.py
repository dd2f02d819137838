"""The FilterSets of the customers app (customers, their groups, contacts, price
lists, credit ratings, activities, tickets, dealer reports), used by their API lists
(`filterset_class`), and the list pages' extensions of them (`<Resource>ListFilter`:
search box, shortcuts, status and sort, drawn through
`tradepost.workspace.lists.list_page`; the customer list's Excel/CSV export filters
with its one too)."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tradepost.customers import selectors
from tradepost.customers.forms import NodeChoice, UserChoice
from tradepost.customers.models import (
    Activity,
    Channel,
    Contact,
    CreditRating,
    Customer,
    CustomerGroup,
    DealerReport,
    Grade,
    PriceList,
    Ticket,
)
from tradepost.customers.scoped_fields import scoped_filter, visible_customers
from tradepost.workspace.filters import (
    CheckboxFilter,
    MineFilter,
    TextSearchFilter,
    UpdatedSinceFilterSet,
    choice_filter,
)


def customer_filter(field_name: str = "customer", label: str = "Only rows of this customer."):
    """A customer id among those the caller sees (another is refused as unknown)."""
    return django_filters.ModelChoiceFilter(
        field_name=field_name, queryset=visible_customers, label=label
    )


class CustomerFilter(UpdatedSinceFilterSet):
    group = scoped_filter(selectors.customer_groups_visible_to)
    owner = scoped_filter(selectors.users_visible_to, label="Salesperson.")
    branch = scoped_filter(selectors.branches_visible_to)
    region = scoped_filter(selectors.regions_visible_to)
    tag = django_filters.CharFilter(
        method="filter_tag", max_length=50, label="Only customers with this tag (name)."
    )
    credit_grade = django_filters.ChoiceFilter(choices=Grade.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)

    class Meta:
        model = Customer
        fields = [
            "channel",
            "group",
            "owner",
            "branch",
            "region",
            "tag",
            "credit_grade",
            "currency",
            "is_active",
            "updated_since",
        ]

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__name__iexact=value).distinct()


# --- The list page -------------------------------------------------------------------
class _UserFilter(django_filters.ModelChoiceFilter):
    field_class = UserChoice


class _NodeFilter(django_filters.ModelChoiceFilter):
    field_class = NodeChoice


def _scoped(filter_class, choices, **kwargs):
    return filter_class(queryset=lambda request: choices(getattr(request, "user", None)), **kwargs)


ACTIVE_CHOICES = [("yes", _("Active")), ("no", _("Inactive")), ("all", _("All"))]
SORT_CHOICES = [
    ("name", _("Name A–Z")),
    ("-name", _("Name Z–A")),
    ("code", _("Code")),
    ("-code", _("Code, descending")),
    ("-created", _("Newest first")),
    ("created", _("Oldest first")),
    ("-updated", _("Recently changed")),
    ("-credit_limit", _("Highest credit limit")),
    ("credit_limit", _("Lowest credit limit")),
]


class NumberInFilter(django_filters.BaseInFilter, django_filters.NumberFilter):
    """`?ids=3,5,8`: these rows only (the list's "export selected")."""


class CustomerListFilter(CustomerFilter):
    """The page's names (`grade`, `active`, `tag` by id) are those of its saved filters
    and links, kept as they were."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, code, phone, contact…")}
        ),
    )
    channel = choice_filter(Channel.choices, empty_label=_("All channels"), label=_("Channel"))
    group = scoped_filter(selectors.customer_groups_visible_to, label=_("Group"))
    owner = _scoped(_UserFilter, selectors.users_visible_to, label=_("Salesperson"))
    mine = MineFilter()
    tag = _scoped(
        django_filters.ModelChoiceFilter,
        selectors.tags_visible_to,
        label=_("Tag"),
        method="filter_tag_id",
    )
    grade = choice_filter(
        Grade.choices,
        empty_label=_("Any grade"),
        field_name="credit_grade",
        label=_("Credit grade"),
    )
    branch = _scoped(_NodeFilter, selectors.branches_visible_to, label=_("Branch"))
    region = _scoped(_NodeFilter, selectors.regions_visible_to, label=_("Region"))
    active = django_filters.ChoiceFilter(
        choices=ACTIVE_CHOICES, empty_label=None, label=_("Status"), method="filter_active"
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES, empty_label=None, label=_("Sort by"), method="filter_sort"
    )
    ids = NumberInFilter(field_name="pk", label=_("Selected customers"))

    shown = (
        "q",
        "channel",
        "group",
        "owner",
        "mine",
        "tag",
        "grade",
        "branch",
        "region",
        "active",
        "sort",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not selectors.customer_scope(getattr(self.request, "user", None)).reaches_staff:
            # A dealer owns no customers and picks no salesperson: no staff names.
            for name in ("owner", "mine"):
                del self.filters[name]
            self.shown = tuple(name for name in self.shown if name not in ("owner", "mine"))

    def filter_queryset(self, queryset):
        """Active customers unless the status says otherwise."""
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("active"):
            queryset = queryset.filter(is_active=True)
        return queryset

    def filter_search(self, queryset, name, value):
        return selectors.customer_search(queryset, value.replace("\x00", ""))

    def filter_tag_id(self, queryset, name, value):
        return queryset.filter(tags=value).distinct()

    def filter_active(self, queryset, name, value):
        if value == "all":
            return queryset
        return queryset.filter(is_active=value == "yes")

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(
            *selectors.SORTS.get(value, selectors.SORTS[selectors.DEFAULT_SORT])
        )


# --- Groups, contacts, price lists and credit ratings (API lists only) ----------------
class CustomerGroupFilter(UpdatedSinceFilterSet):
    class Meta:
        model = CustomerGroup
        fields = ["updated_since"]


class ContactFilter(UpdatedSinceFilterSet):
    customer = customer_filter()

    class Meta:
        model = Contact
        fields = ["customer", "is_primary", "updated_since"]


class PriceListFilter(UpdatedSinceFilterSet):
    customer = customer_filter()
    group = scoped_filter(selectors.customer_groups_visible_to)
    valid_on = django_filters.DateFilter(
        method="filter_valid_on", label="Only lists valid on this date."
    )

    class Meta:
        model = PriceList
        fields = ["customer", "group", "currency", "valid_on", "updated_since"]

    def filter_valid_on(self, queryset, name, value):
        return queryset.filter(valid_from__lte=value).exclude(valid_to__lt=value)


class CreditRatingFilter(UpdatedSinceFilterSet):
    customer = customer_filter()

    class Meta:
        model = CreditRating
        fields = ["customer", "grade", "updated_since"]


# --- Activities ----------------------------------------------------------------------
class ActivityFilter(UpdatedSinceFilterSet):
    customer = customer_filter()
    owner = scoped_filter(selectors.users_visible_to)
    open = django_filters.BooleanFilter(
        field_name="done_at", lookup_expr="isnull", label="Only activities not done yet."
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label="Only open activities past their due time."
    )
    due_before = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="lt")

    class Meta:
        model = Activity
        fields = ["customer", "owner", "kind", "open", "overdue", "due_before", "updated_since"]

    def filter_overdue(self, queryset, name, value):
        overdue = {"done_at__isnull": True, "due_at__lt": timezone.now()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)


SHOW_CHOICES = [("open", _("Open")), ("all", _("All"))]


class ActivityListFilter(ActivityFilter):
    """`?show=open` (the default) or `all`; `?mine=1` the caller's own."""

    show = django_filters.ChoiceFilter(
        choices=SHOW_CHOICES, empty_label=None, label=_("Show"), method="filter_show"
    )
    kind = choice_filter(Activity.Kind.choices, empty_label=_("Any type"), label=_("Type"))
    q = TextSearchFilter("subject", "customer__name", placeholder=_("Subject or customer"))
    mine = MineFilter()

    shown = ("q", "show", "kind", "mine")

    def filter_queryset(self, queryset):
        """Open activities unless `show` says otherwise."""
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("show") != "all":
            queryset = queryset.filter(done_at__isnull=True)
        return queryset

    def filter_show(self, queryset, name, value):
        return queryset  # applied in filter_queryset, which also knows its default


# --- Tickets -------------------------------------------------------------------------
class TicketFilter(UpdatedSinceFilterSet):
    customer = customer_filter()
    assignee = scoped_filter(selectors.users_visible_to)
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label="Only open tickets past their SLA due time."
    )

    class Meta:
        model = Ticket
        fields = ["customer", "status", "kind", "priority", "assignee", "overdue", "updated_since"]

    def filter_overdue(self, queryset, name, value):
        overdue = {"status__in": Ticket.OPEN_STATUSES, "sla_due_at__lt": timezone.now()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)


class TicketListFilter(TicketFilter):
    q = TextSearchFilter("subject", "customer__name", placeholder=_("Subject or customer"))
    status = choice_filter(Ticket.Status.choices, empty_label=_("Any status"), label=_("Status"))
    priority = choice_filter(
        Ticket.Priority.choices, empty_label=_("Any priority"), label=_("Priority")
    )
    overdue = CheckboxFilter(label=_("Overdue only"), method="filter_overdue_ticked")

    shown = ("q", "status", "priority", "overdue")

    def filter_overdue_ticked(self, queryset, name, value):
        return self.filter_overdue(queryset, name, value) if value else queryset


# --- Dealer reports ------------------------------------------------------------------
class DealerReportFilter(UpdatedSinceFilterSet):
    dealer = customer_filter("dealer", "Only reports of this dealer.")

    class Meta:
        model = DealerReport
        fields = ["dealer", "kind", "updated_since"]


class DealerReportListFilter(DealerReportFilter):
    """The page picks the kind from a row of buttons, not a panel."""

    shown = ()
