"""`/api/v1/stock/` — what each location holds of each product, with PATCH for the
reorder point — and `/api/v1/stock-moves/`, the ledger, read-only.

Costs (`average_cost`, a move's `unit_cost`) are shown only to callers with
`inventory.view_stock_cost`: salespeople see availability, never what stock cost."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.exceptions import MethodNotAllowed

from api.fields import QuantityField
from api.serializers import ReadSerializer, StrictSerializer
from api.views import ResourceViewSet, ServiceWritesMixin
from tradepost.dataio.api import ImportExportMixin
from tradepost.inventory import importing, selectors, thresholds
from tradepost.inventory.api.common import (
    CostField,
    LocationBriefSerializer,
    LotBriefSerializer,
    ProductBriefSerializer,
    sees_cost,
)
from tradepost.inventory.filters import StockBalanceApiFilter, StockMoveApiFilter
from tradepost.inventory.models import StockBalance, StockMove


# --- Balances ------------------------------------------------------------------------
class StockBalanceSerializer(ReadSerializer):
    """A balance without its cost (what a caller who may not see costs gets)."""

    product = ProductBriefSerializer(read_only=True)
    warehouse = LocationBriefSerializer(source="location", read_only=True)
    available = QuantityField(read_only=True, help_text="On hand less reserved.")
    is_low = serializers.BooleanField(
        read_only=True, help_text="Available is under the reorder point."
    )

    class Meta:
        model = StockBalance
        fields = [
            "id",
            "product",
            "warehouse",
            "on_hand",
            "reserved",
            "available",
            "in_transit",
            "reorder_point",
            "is_low",
            "updated_at",
        ]
        extra_kwargs = {
            "reserved": {"help_text": "Held for confirmed orders, not shipped yet."},
            "in_transit": {"help_text": "Transferred here, not received yet."},
            "reorder_point": {"help_text": "Below this much available the product is low."},
        }


class StockBalanceCostSerializer(StockBalanceSerializer):
    """A balance with its moving-average cost."""

    average_cost = CostField(
        read_only=True,
        required=False,
        help_text="Moving-average unit cost here; only with `inventory.view_stock_cost`.",
    )

    class Meta(StockBalanceSerializer.Meta):
        fields = [*StockBalanceSerializer.Meta.fields, "average_cost"]


class ReorderPointSerializer(StrictSerializer):
    reorder_point = QuantityField(
        allow_null=True, help_text="Zero or more; null clears the threshold."
    )


@extend_schema_view(
    list=extend_schema(responses=StockBalanceCostSerializer(many=True)),
    retrieve=extend_schema(responses=StockBalanceCostSerializer),
    partial_update=extend_schema(
        request=ReorderPointSerializer,
        responses=StockBalanceCostSerializer,
        summary="Set the reorder point",
        description="Needs `inventory.change_stockbalance` (warehouse managers). Setting a "
        "point does not emit `stock.low`: the ledger emits it when stock falls below.",
    ),
)
class StockBalanceViewSet(ImportExportMixin, ServiceWritesMixin, ResourceViewSet):
    """What each location holds of each product, by product and location. Costs are
    shown only to callers with `inventory.view_stock_cost`. `import/` posts opening
    stock from a file and `export/` writes stock on hand with its cost (the
    `opening_stock` resource, `inventory.importing`)."""

    dataio_spec = "opening_stock"
    filterset_class = StockBalanceApiFilter
    search_fields = ["product__sku", "product__name"]
    ordering_fields = ["on_hand", "reserved", "updated_at"]
    ordering = ["product_id", "location__name", "pk"]
    update_serializer_class = ReorderPointSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        rows = selectors.balances().order_by("product_id", "location__name", "pk")
        if self.action == "export":  # the file carries costs: only for who may see them
            return rows.filter(on_hand__gt=0) & importing.OPENING_STOCK.queryset(self.request.user)
        return rows

    def create(self, request, *args, **kwargs):
        # POST serves `import/` only: balances come from the ledger, never by hand.
        raise MethodNotAllowed(request.method)

    def get_serializer_class(self):
        if sees_cost(self.get_serializer_context()):
            return StockBalanceCostSerializer
        return StockBalanceSerializer

    def service_update(self, instance: StockBalance, data: dict[str, Any]) -> StockBalance:
        return thresholds.reorder_point_set(
            actor=self.request.user, balance=instance, reorder_point=data.get("reorder_point")
        )


# --- Moves ---------------------------------------------------------------------------
class StockMoveSerializer(ReadSerializer):
    product = ProductBriefSerializer(read_only=True)
    warehouse = LocationBriefSerializer(source="location", read_only=True)
    lot = LotBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = StockMove
        fields = [
            "id",
            "kind",
            "product",
            "warehouse",
            "lot",
            "quantity",
            "document_type",
            "document_id",
            "reference",
            "reason",
            "created_by",
            "created_at",
        ]
        extra_kwargs = {
            "quantity": {"help_text": "Signed: + came in, − left."},
            "document_type": {
                "help_text": "receipt, delivery, transfer, stocktake, stock_adjustment, "
                "return or order."
            },
            "reference": {"help_text": "The document's number."},
        }


class StockMoveCostSerializer(StockMoveSerializer):
    unit_cost = CostField(
        read_only=True,
        required=False,
        help_text="What one unit cost; only with `inventory.view_stock_cost`.",
    )

    class Meta(StockMoveSerializer.Meta):
        fields = [*StockMoveSerializer.Meta.fields, "unit_cost"]


@extend_schema_view(
    list=extend_schema(responses=StockMoveCostSerializer(many=True)),
    retrieve=extend_schema(responses=StockMoveCostSerializer),
)
class StockMoveViewSet(ResourceViewSet):
    """The stock ledger, newest first: one row per product, location (and lot) a
    document changed. Read-only; needs `inventory.view_stockmove`. Unit costs are
    shown only to callers with `inventory.view_stock_cost`."""

    filterset_class = StockMoveApiFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-pk"]

    def get_queryset(self):
        return StockMove.objects.select_related("product", "location", "lot").order_by(
            "-created_at", "-pk"
        )

    def get_serializer_class(self):
        if sees_cost(self.get_serializer_context()):
            return StockMoveCostSerializer
        return StockMoveSerializer


ROUTES = [
    ("stock", StockBalanceViewSet, "stock"),
    ("stock-moves", StockMoveViewSet, "stock-move"),
]
