"""`/api/v1/deliveries/`: the goods of an order leaving its warehouse, with their lines
(lots picked first-expiring first unless a line names its `lot`), PATCH for the carrier
and tracking number, and the steps `pick/` (choose the lots again while picking),
`ship/`, `deliver/` and `cancel/` (`inventory.deliveries`).

Deliveries are read in the scope of their orders (`selectors.deliveries_visible_to`):
a dealer sees its own orders' deliveries, the warehouse every one. Creating and the
steps need `sales.ship_order` (the warehouse), which the service checks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action

from api.fields import QuantityField
from api.lifecycle import AllowedActionsField
from api.serializers import ReadSerializer, StrictSerializer, StringField
from tradepost.customers.models import Customer
from tradepost.inventory import deliveries as services
from tradepost.inventory import selectors
from tradepost.inventory.api.common import (
    LotBriefSerializer,
    ProductBriefSerializer,
    WarehouseDocumentViewSet,
)
from tradepost.inventory.filters import DeliveryApiFilter
from tradepost.inventory.models import Delivery, DeliveryLine, Lot
from tradepost.masterdata.models import Location
from tradepost.sales.selectors import orders_visible_to
from tradepost.text import MULTI_LINE


class DeliveryLineSerializer(ReadSerializer):
    product = ProductBriefSerializer(read_only=True)
    lot = LotBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = DeliveryLine
        fields = ["id", "order_line", "product", "lot", "quantity"]


class DeliverySerializer(ReadSerializer):
    allowed_actions = AllowedActionsField(services.LIFECYCLE)
    customer: serializers.PrimaryKeyRelatedField[Customer] = serializers.PrimaryKeyRelatedField(
        source="order.customer", read_only=True
    )
    warehouse: serializers.PrimaryKeyRelatedField[Location] = serializers.PrimaryKeyRelatedField(
        source="location", read_only=True
    )
    lines = DeliveryLineSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "number",
            "status",
            "allowed_actions",
            "order",
            "customer",
            "warehouse",
            "carrier",
            "tracking_number",
            "notes",
            "shipped_at",
            "delivered_at",
            "created_by",
            "created_at",
            "updated_at",
            "lines",
        ]


@extend_schema_field(OpenApiTypes.INT)
class VisibleOrderField(serializers.PrimaryKeyRelatedField):
    """An order in the caller's scope, by id."""

    def get_queryset(self):
        request = self.context.get("request")
        return orders_visible_to(getattr(request, "user", None))


class DeliveryLineInputSerializer(StrictSerializer):
    order_line = serializers.IntegerField(min_value=1, help_text="Order line id.")
    quantity = QuantityField(help_text="No more than is left to deliver on the line.")
    lot = serializers.PrimaryKeyRelatedField(
        queryset=Lot.objects.all(),
        required=False,
        allow_null=True,
        help_text="Lot id, for a lot-tracked product; default: first-expiring first.",
    )


class DeliveryCreateSerializer(StrictSerializer):
    order = VisibleOrderField(help_text="A confirmed order that has not fully shipped.")
    lines = DeliveryLineInputSerializer(  # type: ignore[call-arg]
        many=True,
        required=False,
        allow_empty=False,
        max_length=200,
        help_text="What to pick; leave out for everything still open on the order.",
    )
    carrier = StringField(required=False, allow_blank=True, max_length=100)
    tracking_number = StringField(required=False, allow_blank=True, max_length=100)
    notes = StringField(required=False, allow_blank=True, max_length=5000, style=MULTI_LINE)


class DeliveryLotSerializer(StrictSerializer):
    order_line = serializers.IntegerField(min_value=1, help_text="Order line id.")
    lot = serializers.PrimaryKeyRelatedField(
        queryset=Lot.objects.all(),
        allow_null=True,
        help_text="Lot id to take the line's goods from; null: first-expiring first.",
    )


class DeliveryPickSerializer(StrictSerializer):
    lines = DeliveryLotSerializer(many=True, allow_empty=False, max_length=200)  # type: ignore[call-arg]


class DeliveryUpdateSerializer(StrictSerializer):
    carrier = StringField(required=False, allow_blank=True, max_length=100)
    tracking_number = StringField(required=False, allow_blank=True, max_length=100)
    notes = StringField(required=False, allow_blank=True, max_length=5000, style=MULTI_LINE)


class DeliveryShipSerializer(StrictSerializer):
    carrier = StringField(required=False, allow_blank=True, max_length=100)
    tracking_number = StringField(required=False, allow_blank=True, max_length=100)


def _picked(rows: list[dict[str, Any]]) -> tuple[dict[int, Decimal], dict[int, Lot]]:
    quantities: dict[int, Decimal] = {}
    lots: dict[int, Lot] = {}
    for row in rows:
        line = row["order_line"]
        if line in quantities:
            raise serializers.ValidationError(
                {"lines": [_("Order line %(id)s is given twice.") % {"id": line}]}
            )
        quantities[line] = row["quantity"]
        if row.get("lot") is not None:
            lots[line] = row["lot"]
    return quantities, lots


@extend_schema_view(
    create=extend_schema(
        request=DeliveryCreateSerializer,
        responses={status.HTTP_201_CREATED: DeliverySerializer},
        summary="Pick a delivery for an order",
        description="A pick list from the order's warehouse for what is still open on its "
        "lines (or the quantities given). Numbered DN-<year>-<n>. Needs `sales.ship_order`.",
    ),
    partial_update=extend_schema(
        request=DeliveryUpdateSerializer,
        responses=DeliverySerializer,
        summary="Change the carrier, tracking number or notes",
    ),
)
class DeliveryViewSet(WarehouseDocumentViewSet):
    """Deliveries of the orders in the caller's scope, newest first, with their lines."""

    serializer_class = DeliverySerializer
    create_serializer_class = DeliveryCreateSerializer
    update_serializer_class = DeliveryUpdateSerializer
    filterset_class = DeliveryApiFilter
    view_permission = "inventory.view_delivery"
    # No `add_delivery` / `change_delivery` in any role: `sales.ship_order` is the
    # warehouse's permission, and the service checks it.
    writes: tuple[str, ...] = ()
    search_fields = ["number", "tracking_number"]
    ordering_fields = ["created_at", "updated_at", "number"]
    ordering = ["-created_at", "-pk"]

    def get_queryset(self):
        return (
            selectors.deliveries_visible_to(self.request.user)
            .select_related("order")
            .prefetch_related(
                Prefetch("lines", queryset=DeliveryLine.objects.select_related("product", "lot"))
            )
            .order_by("-created_at", "-pk")
        )

    def service_create(self, data: dict[str, Any]) -> Delivery:
        quantities, lots = _picked(data["lines"]) if "lines" in data else (None, {})
        return services.delivery_create(
            actor=self.request.user,
            order=data["order"],
            quantities=quantities,
            lots=lots,
            carrier=data.get("carrier", ""),
            tracking_number=data.get("tracking_number", ""),
            notes=data.get("notes", ""),
        )

    def service_update(self, instance: Delivery, data: dict[str, Any]) -> Delivery:
        return services.delivery_update(actor=self.request.user, delivery=instance, **data)

    @extend_schema(
        request=DeliveryPickSerializer,
        responses=DeliverySerializer,
        summary="Choose the lots to pick",
        description="While picking: take a lot-tracked order line's goods from the lot "
        "given (the product's, not expired, with enough on hand at the warehouse), or "
        "first-expiring first (null). The quantities stay as they are.",
    )
    @action(detail=True, methods=["post"])
    def pick(self, request, pk=None):
        delivery = self.get_object()
        data = self._body(DeliveryPickSerializer)
        lots: dict[int, Lot | None] = {}
        for row in data["lines"]:
            if row["order_line"] in lots:
                raise serializers.ValidationError(
                    {"lines": [_("Order line %(id)s is given twice.") % {"id": row["order_line"]}]}
                )
            lots[row["order_line"]] = row["lot"]
        return self._read(services.delivery_pick(actor=request.user, delivery=delivery, lots=lots))

    @extend_schema(
        request=DeliveryShipSerializer,
        responses=DeliverySerializer,
        summary="Ship the delivery",
        description="picking → shipped: the order records the shipment and the stock is "
        "issued from its reservation. Emits `delivery.shipped`.",
    )
    @action(detail=True, methods=["post"])
    def ship(self, request, pk=None):
        delivery = self.get_object()
        data = self._body(DeliveryShipSerializer)
        return self._read(services.delivery_ship(actor=request.user, delivery=delivery, **data))

    @extend_schema(
        request=None,
        responses=DeliverySerializer,
        summary="Signed for",
        description="shipped → delivered: the order's lines record what arrived. Emits "
        "`delivery.delivered`.",
    )
    @action(detail=True, methods=["post"])
    def deliver(self, request, pk=None):
        return self._read(services.delivery_deliver(actor=request.user, delivery=self.get_object()))

    @extend_schema(
        request=None,
        responses=DeliverySerializer,
        summary="Cancel a pick list",
        description="picking → cancelled; the order keeps its reservation.",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._read(services.delivery_cancel(actor=request.user, delivery=self.get_object()))


ROUTES = [("deliveries", DeliveryViewSet, "delivery")]
