"""The FilterSets of master data (the trees, products, tax rates), used by their API
lists (`filterset_class`), and the product list page's extension of its one
(`ProductListFilter`: search box, category with its sub-categories, status and sort,
drawn through `tradepost.workspace.lists.list_page`; the page's export filters with it
too)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from tradepost.masterdata import selectors
from tradepost.masterdata.forms import TreeChoiceField
from tradepost.masterdata.models import Product, ProductCategory, TaxRate
from tradepost.workspace.filters import UpdatedSinceFilterSet


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
