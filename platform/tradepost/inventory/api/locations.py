"""`/api/v1/warehouses/` (stock locations: warehouses and stores) and
`/api/v1/suppliers/`: list, read, create and PATCH, every write through
`masterdata.services` (`location_*`, `supplier_*`). Nothing is deleted: documents and
the stock ledger refer to them, so they are deactivated instead."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status

from api.serializers import ReadSerializer, StrictSerializer, StringField
from api.views import ServiceViewSet
from tradepost.inventory.filters import SupplierFilter, WarehouseFilter
from tradepost.masterdata import services
from tradepost.masterdata.models import Branch, Location, Supplier
from tradepost.text import MULTI_LINE


# --- Warehouses ----------------------------------------------------------------------
class WarehouseSerializer(ReadSerializer):
    class Meta:
        model = Location
        fields = [
            "id",
            "name",
            "code",
            "kind",
            "branch",
            "address",
            "is_default",
            "is_active",
            "updated_at",
        ]
        extra_kwargs = {
            "is_default": {
                "help_text": "Orders of the branch's customers (without a branch: of every "
                "customer whose branch has no default) ship from here."
            }
        }


class WarehouseInputSerializer(StrictSerializer):
    name = StringField(max_length=150)
    code = StringField(max_length=40, help_text="Unique, ignoring case.")
    kind = serializers.ChoiceField(choices=Location.Kind.choices, required=False)
    branch = serializers.PrimaryKeyRelatedField(
        queryset=Branch.objects.all(),
        required=False,
        allow_null=True,
        help_text="Branch id; null for a workspace-wide location.",
    )
    address = StringField(required=False, allow_blank=True, max_length=2000, style=MULTI_LINE)
    is_default = serializers.BooleanField(
        required=False,
        help_text="Make this the branch's default; the previous default stops being one.",
    )
    is_active = serializers.BooleanField(required=False)


@extend_schema_view(
    create=extend_schema(
        request=WarehouseInputSerializer,
        responses={status.HTTP_201_CREATED: WarehouseSerializer},
        summary="Add a warehouse or store",
    ),
    partial_update=extend_schema(
        request=WarehouseInputSerializer,
        responses=WarehouseSerializer,
        summary="Change a warehouse or store",
    ),
)
class WarehouseViewSet(ServiceViewSet):
    """The places that hold stock (warehouses and stores), by name. Everyone who sees
    stock reads them; warehouse managers (and administrators) add and change them."""

    serializer_class = WarehouseSerializer
    create_serializer_class = WarehouseInputSerializer
    update_serializer_class = WarehouseInputSerializer
    filterset_class = WarehouseFilter
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code", "updated_at"]
    ordering = ["name", "pk"]
    answer_create_from_row = True

    def get_queryset(self):
        return Location.objects.order_by("name", "pk")

    def service_create(self, data: dict[str, Any]) -> Location:
        return services.location_create(actor=self.request.user, **data)

    def service_update(self, instance: Location, data: dict[str, Any]) -> Location:
        return services.location_update(actor=self.request.user, location=instance, **data)


# --- Suppliers -----------------------------------------------------------------------
class SupplierSerializer(ReadSerializer):
    class Meta:
        model = Supplier
        fields = [
            "id",
            "name",
            "code",
            "contact_name",
            "phone",
            "email",
            "address",
            "is_active",
            "updated_at",
        ]


class SupplierInputSerializer(StrictSerializer):
    name = StringField(max_length=200)
    code = StringField(
        required=False, allow_blank=True, max_length=40, help_text="Unique, ignoring case."
    )
    contact_name = StringField(required=False, allow_blank=True, max_length=150)
    phone = StringField(required=False, allow_blank=True, max_length=50)
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    address = StringField(required=False, allow_blank=True, max_length=2000, style=MULTI_LINE)
    is_active = serializers.BooleanField(required=False)


@extend_schema_view(
    create=extend_schema(
        request=SupplierInputSerializer,
        responses={status.HTTP_201_CREATED: SupplierSerializer},
        summary="Add a supplier",
    ),
    partial_update=extend_schema(
        request=SupplierInputSerializer,
        responses=SupplierSerializer,
        summary="Change a supplier",
    ),
)
class SupplierViewSet(ServiceViewSet):
    """Who the company buys from (receipts name them), by name. The warehouse, finance
    and executives read them; warehouse managers add and change them."""

    serializer_class = SupplierSerializer
    create_serializer_class = SupplierInputSerializer
    update_serializer_class = SupplierInputSerializer
    filterset_class = SupplierFilter
    search_fields = ["name", "code", "contact_name"]
    ordering_fields = ["name", "code", "updated_at"]
    ordering = ["name", "pk"]
    answer_create_from_row = True

    def get_queryset(self):
        return Supplier.objects.order_by("name", "pk")

    def service_create(self, data: dict[str, Any]) -> Supplier:
        return services.supplier_create(actor=self.request.user, **data)

    def service_update(self, instance: Supplier, data: dict[str, Any]) -> Supplier:
        return services.supplier_update(actor=self.request.user, supplier=instance, **data)


ROUTES = [
    ("warehouses", WarehouseViewSet, "warehouse"),
    ("suppliers", SupplierViewSet, "supplier"),
]
