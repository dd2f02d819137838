"""The FilterSets of stock and the inventory documents: one per resource, used by its
API list (`filterset_class`) and extended by its list page (`<Resource>ListFilter`,
drawn by `includes/filter_form.html` through `tradepost.workspace.lists.list_page`)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tradepost.inventory.models import (
    Delivery,
    Receipt,
    StockAdjustment,
    StockBalance,
    StockMove,
    Stocktake,
    Transfer,
)
from tradepost.inventory.selectors import below_threshold_q
from tradepost.masterdata.models import Location, ProductCategory, Supplier
from tradepost.masterdata.selectors import category_subtree_ids
from tradepost.workspace.filters import (
    CheckboxFilter,
    SortFilter,
    TextSearchFilter,
    UpdatedSinceFilterSet,
    UtcIsoDateTimeFilter,
    choice_filter,
)


# --- Stock ---------------------------------------------------------------------------
class StockBalanceFilter(UpdatedSinceFilterSet):
    product = django_filters.NumberFilter(field_name="product_id", label="Product id.")
    warehouse = django_filters.NumberFilter(field_name="location_id", label="Location id.")
    category = django_filters.NumberFilter(
        method="_category", label="Product category id (its sub-categories included)."
    )
    below_threshold = django_filters.BooleanFilter(
        method="_below", label="Only balances whose available stock is under the reorder point."
    )
    in_stock = django_filters.BooleanFilter(
        method="_in_stock", label="Only balances with stock on hand or in transit."
    )

    class Meta:
        model = StockBalance
        fields = [
            "product",
            "warehouse",
            "category",
            "below_threshold",
            "in_stock",
            "updated_since",
        ]

    def _category(self, rows: QuerySet, name: str, value: int) -> QuerySet:
        category = ProductCategory.objects.filter(pk=value).first()
        if category is None:
            return rows.none()
        return rows.filter(product__category_id__in=category_subtree_ids(category))

    def _below(self, rows: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return rows
        return rows.filter(below_threshold_q()) if value else rows.exclude(below_threshold_q())

    def _in_stock(self, rows: QuerySet, name: str, value: bool | None) -> QuerySet:
        if not value:
            return rows
        return rows.exclude(on_hand=0, in_transit=0)


class StockMoveFilter(django_filters.FilterSet):
    product = django_filters.NumberFilter(field_name="product_id", label="Product id.")
    warehouse = django_filters.NumberFilter(field_name="location_id", label="Location id.")
    kind = django_filters.ChoiceFilter(choices=StockMove.Kind.choices)
    lot = django_filters.NumberFilter(field_name="lot_id", label="Lot id.")
    document_type = django_filters.CharFilter(max_length=30)
    document_id = django_filters.NumberFilter()
    created_from = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_to = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = StockMove
        fields = [
            "product",
            "warehouse",
            "kind",
            "lot",
            "document_type",
            "document_id",
            "created_from",
            "created_to",
        ]


# --- Documents -----------------------------------------------------------------------
class DeliveryFilter(UpdatedSinceFilterSet):
    order = django_filters.NumberFilter(field_name="order_id", label="Order id.")
    customer = django_filters.NumberFilter(field_name="order__customer_id", label="Customer id.")
    warehouse = django_filters.NumberFilter(field_name="location_id", label="Location id.")
    status = django_filters.ChoiceFilter(choices=Delivery.Status.choices)
    number = django_filters.CharFilter(max_length=40)

    class Meta:
        model = Delivery
        fields = ["order", "customer", "warehouse", "status", "number", "updated_since"]


class ReceiptFilter(UpdatedSinceFilterSet):
    supplier = django_filters.NumberFilter(field_name="supplier_id", label="Supplier id.")
    warehouse = django_filters.NumberFilter(field_name="location_id", label="Location id.")
    status = django_filters.ChoiceFilter(choices=Receipt.Status.choices)
    number = django_filters.CharFilter(max_length=40)

    class Meta:
        model = Receipt
        fields = ["supplier", "warehouse", "status", "number", "updated_since"]


class TransferFilter(UpdatedSinceFilterSet):
    source = django_filters.NumberFilter(field_name="source_id", label="From location id.")
    destination = django_filters.NumberFilter(field_name="destination_id", label="To location id.")
    status = django_filters.ChoiceFilter(choices=Transfer.Status.choices)
    number = django_filters.CharFilter(max_length=40)

    class Meta:
        model = Transfer
        fields = ["source", "destination", "status", "number", "updated_since"]


class StocktakeFilter(UpdatedSinceFilterSet):
    warehouse = django_filters.NumberFilter(field_name="location_id", label="Location id.")
    status = django_filters.ChoiceFilter(choices=Stocktake.Status.choices)

    class Meta:
        model = Stocktake
        fields = ["warehouse", "status", "updated_since"]


class StockAdjustmentFilter(django_filters.FilterSet):
    warehouse = django_filters.NumberFilter(field_name="location_id", label="Location id.")
    is_opening = django_filters.BooleanFilter()

    class Meta:
        model = StockAdjustment
        fields = ["warehouse", "is_opening"]


# --- API only ------------------------------------------------------------------------
# The API's lists take ids as whole numbers: `?product=0.5` is a 400 there (as its
# schema says), where the pages' forms simply find nothing. The API's FilterSets are
# the ones above with their id filters made integer.
class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


def _id(field_name: str, label: str) -> IdFilter:
    return IdFilter(field_name=field_name, label=label)


class StockBalanceApiFilter(StockBalanceFilter):
    product = _id("product_id", "Product id.")
    warehouse = _id("location_id", "Location id.")
    category = IdFilter(
        method="_category", label="Product category id (its sub-categories included)."
    )


class StockMoveApiFilter(StockMoveFilter):
    product = _id("product_id", "Product id.")
    warehouse = _id("location_id", "Location id.")
    lot = _id("lot_id", "Lot id.")
    document_id = _id("document_id", "Id of the document that moved the stock.")


class DeliveryApiFilter(DeliveryFilter):
    order = _id("order_id", "Order id.")
    customer = _id("order__customer_id", "Customer id.")
    warehouse = _id("location_id", "Location id.")


class ReceiptApiFilter(ReceiptFilter):
    supplier = _id("supplier_id", "Supplier id.")
    warehouse = _id("location_id", "Location id.")


class TransferApiFilter(TransferFilter):
    source = _id("source_id", "From location id.")
    destination = _id("destination_id", "To location id.")


class StocktakeApiFilter(StocktakeFilter):
    warehouse = _id("location_id", "Location id.")


class StockAdjustmentApiFilter(StockAdjustmentFilter):
    warehouse = _id("location_id", "Location id.")


class WarehouseFilter(UpdatedSinceFilterSet):
    branch = _id("branch_id", "Branch id.")
    kind = django_filters.ChoiceFilter(choices=Location.Kind.choices)
    is_default = django_filters.BooleanFilter()
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Location
        fields = ["branch", "kind", "is_default", "is_active", "updated_since"]


class SupplierFilter(UpdatedSinceFilterSet):
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Supplier
        fields = ["is_active", "updated_since"]


# --- List pages ----------------------------------------------------------------------
# The pages' extensions of the FilterSets above (the search box, choices drawn as
# selects, column sorts), and the pages' filters of locations and suppliers.
def _active_locations(request):
    return Location.objects.filter(is_active=True).order_by("name", "pk")


def _categories(request):
    return ProductCategory.objects.order_by("path")


class StockBalanceListFilter(StockBalanceFilter):
    q = TextSearchFilter(
        "product__sku",
        "product__name",
        "product__barcode",
        label=_("Product"),
        placeholder=_("SKU, name or barcode"),
    )
    product_category = django_filters.ModelChoiceFilter(
        queryset=_categories,
        method="_category_chosen",
        label=_("Category"),
        empty_label=_("Any category"),
    )
    location = django_filters.ModelChoiceFilter(
        queryset=_active_locations,
        field_name="location",
        label=_("Location"),
        empty_label=_("Every location"),
    )
    low = CheckboxFilter(label=_("Below reorder point"), method="_low")
    sort = SortFilter(
        {
            "sku": ("product__sku",),
            "product": ("product__name",),
            "location": ("location__name",),
            "on_hand": ("on_hand",),
            "reserved": ("reserved",),
            "available": ("available_quantity",),
            "in_transit": ("in_transit",),
        }
    )

    shown = ("q", "product_category", "location", "low")

    def _category_chosen(self, rows: QuerySet, name: str, value) -> QuerySet:
        if value is None:
            return rows
        return rows.filter(product__category_id__in=category_subtree_ids(value))

    def _low(self, rows: QuerySet, name: str, value: bool | None) -> QuerySet:
        return rows.filter(below_threshold_q()) if value else rows


class DeliveryListFilter(DeliveryFilter):
    q = TextSearchFilter(
        "number",
        "order__number",
        "order__customer__name",
        "tracking_number",
        placeholder=_("Delivery, order, customer or tracking no."),
    )
    status = choice_filter(Delivery.Status.choices, empty_label=_("Any status"), label=_("Status"))
    sort = SortFilter(
        {
            "number": ("number",),
            "order": ("order__number",),
            "customer": ("order__customer__name",),
            "status": ("status",),
            "created": ("created_at",),
        }
    )

    shown = ("q", "status")


class ReceiptListFilter(ReceiptFilter):
    q = TextSearchFilter(
        "number", "supplier__name", "supplier_reference", placeholder=_("Receipt no. or supplier")
    )
    status = choice_filter(Receipt.Status.choices, empty_label=_("Any status"), label=_("Status"))
    location = django_filters.ModelChoiceFilter(
        queryset=_active_locations,
        field_name="location",
        label=_("Location"),
        empty_label=_("Every location"),
    )
    sort = SortFilter(
        {
            "number": ("number",),
            "supplier": ("supplier__name",),
            "location": ("location__name",),
            "status": ("status",),
            "created": ("created_at",),
        }
    )

    shown = ("q", "status", "location")


class TransferListFilter(TransferFilter):
    q = TextSearchFilter("number", placeholder=_("Transfer no."))
    status = choice_filter(Transfer.Status.choices, empty_label=_("Any status"), label=_("Status"))
    sort = SortFilter(
        {
            "number": ("number",),
            "source": ("source__name",),
            "destination": ("destination__name",),
            "status": ("status",),
            "created": ("created_at",),
        }
    )

    shown = ("q", "status")


class StocktakeListFilter(StocktakeFilter):
    status = choice_filter(Stocktake.Status.choices, empty_label=_("Any status"), label=_("Status"))
    location = django_filters.ModelChoiceFilter(
        queryset=_active_locations,
        field_name="location",
        label=_("Location"),
        empty_label=_("Every location"),
    )
    sort = SortFilter(
        {
            "number": ("number",),
            "location": ("location__name",),
            "status": ("status",),
            "created": ("created_at",),
        }
    )

    shown = ("status", "location")


class StockAdjustmentListFilter(StockAdjustmentFilter):
    q = TextSearchFilter("number", "reason", placeholder=_("Adjustment no. or reason"))
    location = django_filters.ModelChoiceFilter(
        queryset=_active_locations,
        field_name="location",
        label=_("Location"),
        empty_label=_("Every location"),
    )
    sort = SortFilter(
        {"number": ("number",), "location": ("location__name",), "created": ("created_at",)}
    )

    shown = ("q", "location")


class LocationListFilter(django_filters.FilterSet):
    q = TextSearchFilter("name", "code", "address", placeholder=_("Name, code or address"))
    kind = choice_filter(Location.Kind.choices, empty_label=_("Any type"), label=_("Type"))
    inactive = CheckboxFilter(label=_("Show inactive"), method="_inactive")
    sort = SortFilter({"name": ("name",), "code": ("code",), "kind": ("kind",)})

    class Meta:
        model = Location
        fields = ["q", "kind", "inactive"]

    shown = ("q", "kind", "inactive")

    def _inactive(self, rows: QuerySet, name: str, value: bool | None) -> QuerySet:
        # The page starts from the active ones and from all with the box ticked.
        return rows


class SupplierListFilter(django_filters.FilterSet):
    q = TextSearchFilter(
        "name", "code", "contact_name", "phone", placeholder=_("Name, code, contact or phone")
    )
    inactive = CheckboxFilter(label=_("Show inactive"), method="_inactive")
    sort = SortFilter({"name": ("name",), "code": ("code",)})

    class Meta:
        model = Supplier
        fields = ["q", "inactive"]

    shown = ("q", "inactive")

    def _inactive(self, rows: QuerySet, name: str, value: bool | None) -> QuerySet:
        # The page starts from the active ones and from all with the box ticked.
        return rows
