"""The FilterSets of master data (the trees, products, tax rates), used by their API
lists (`filterset_class`), and the product list page's extension of its one
(`ProductListFilter`: search box, category with its sub-categories, status and sort,
drawn through `tradepost.workspace.lists.list_page`; the page's export filters with it
too)."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from tradepost.masterdata import selectors
from tradepost.masterdata.forms import TreeChoiceField
from tradepost.masterdata.models import Branch, Product, ProductCategory, SalesRegion, TaxRate
from tradepost.workspace.filters import TextSearchFilter, UpdatedSinceFilterSet


# --- Trees ---------------------------------------------------------------------------
class TreeNodeFilter(UpdatedSinceFilterSet):
    parent = django_filters.NumberFilter(
        method="filter_parent", label="Only the direct children of this node."
    )
    subtree_of = django_filters.NumberFilter(
        method="filter_subtree", label="This node and everything below it."
    )
    is_active = django_filters.BooleanFilter()

    def filter_parent(self, queryset, name, value):
        parent = queryset.model.objects.filter(pk=value).first()
        if parent is None:
            return queryset.none()
        return queryset.filter(path__startswith=parent.path, depth=parent.depth + 1)

    def filter_subtree(self, queryset, name, value):
        node = queryset.model.objects.filter(pk=value).first()
        if node is None:
            return queryset.none()
        return queryset.filter(pk__in=selectors.subtree_ids(node))


# --- Products ------------------------------------------------------------------------
class ProductFilter(UpdatedSinceFilterSet):
    category = django_filters.ModelChoiceFilter(
        queryset=ProductCategory.objects.all(),
        method="filter_category",
        label="Products of this category or any of its sub-categories.",
    )

    class Meta:
        model = Product
        fields = ["category", "is_active", "currency", "tax_rate", "updated_since"]

    def filter_category(self, queryset, name, value):
        return queryset.filter(category_id__in=selectors.category_subtree_ids(value))


class _CategoryFilter(django_filters.ModelChoiceFilter):
    field_class = TreeChoiceField


ACTIVE_CHOICES = [("1", _("Active")), ("0", _("Inactive"))]
SORT_CHOICES = [
    ("sku", _("SKU")),
    ("name", _("Name")),
    ("list_price", _("Price, low to high")),
    ("-list_price", _("Price, high to low")),
    ("-updated_at", _("Recently changed")),
]


class ProductListFilter(ProductFilter):
    """The page's names (`q`, `category`, `active` as 1/0, `sort`), kept as they were."""

    q = django_filters.CharFilter(label=_("Search"), max_length=100, method="filter_search")
    category = _CategoryFilter(
        queryset=ProductCategory.objects.order_by("path"),
        label=_("Category"),
        empty_label=_("All categories"),
        method="filter_category",
    )
    active = django_filters.ChoiceFilter(
        choices=ACTIVE_CHOICES, empty_label=_("All"), label=_("Status"), method="filter_active"
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES, empty_label=None, label=_("Sort by"), method="filter_sort"
    )

    shown = ("q", "category", "active", "sort")

    def filter_search(self, queryset, name, value):
        text = value.replace("\x00", "").strip()
        return selectors.product_search(queryset, text) if text else queryset

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "1")

    def filter_sort(self, queryset, name, value):
        return selectors.product_sort(queryset, value)


# --- Tax rates -----------------------------------------------------------------------
class TaxRateFilter(UpdatedSinceFilterSet):
    class Meta:
        model = TaxRate
        fields = ["is_active", "is_default", "updated_since"]


# --- Staff ---------------------------------------------------------------------------
class _TreeFilter(django_filters.ModelChoiceFilter):
    field_class = TreeChoiceField


class _PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name()


class _PersonFilter(django_filters.ModelChoiceFilter):
    field_class = _PersonChoiceField


def _staff_managers(request):
    return selectors.managers_choosable()


class StaffFilter(django_filters.FilterSet):
    """The staff directory's filters (`/api/v1/staff/`): branch and region with
    everything below them, direct reports of a manager, active or not."""

    branch = _TreeFilter(
        queryset=Branch.objects.order_by("path"),
        method="filter_branch",
        label=_("Branch"),
        empty_label=_("All branches"),
        help_text="People of this branch or any branch below it.",
    )
    region = _TreeFilter(
        queryset=SalesRegion.objects.order_by("path"),
        method="filter_region",
        label=_("Sales region"),
        empty_label=_("All regions"),
        help_text="People of this sales region or any region inside it.",
    )
    manager = _PersonFilter(
        queryset=_staff_managers,
        field_name="staff_profile__manager",
        label=_("Reports to"),
        empty_label=_("Anyone"),
        help_text="People reporting directly to this user.",
    )
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = get_user_model()
        fields = ["branch", "region", "manager", "is_active"]

    # The parameters are ids (the filter hands the methods the node itself); the schema
    # cannot tell that from a method filter on a name the user model lacks.
    @extend_schema_field({"type": "integer", "description": "Branch id (sub-branches included)."})
    def filter_branch(self, queryset, name, value):
        return queryset.filter(staff_profile__branch_id__in=selectors.branch_subtree_ids(value))

    @extend_schema_field(
        {"type": "integer", "description": "Sales region id (inner regions included)."}
    )
    def filter_region(self, queryset, name, value):
        return queryset.filter(staff_profile__region_id__in=selectors.region_subtree_ids(value))


class StaffListFilter(StaffFilter):
    """The staff page: the API's filters, the search box (name, e-mail, job title) and
    a status choice instead of the API's true/false."""

    q = TextSearchFilter(
        "full_name", "email", "staff_profile__title", placeholder=_("Name, e-mail or job title")
    )
    active = django_filters.ChoiceFilter(
        choices=ACTIVE_CHOICES, empty_label=_("All"), label=_("Status"), method="filter_active"
    )

    shown = ("q", "branch", "region", "manager", "active")

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "1")
