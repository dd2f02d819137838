"""`/api/v1/stock-adjustments/`: corrections with a reason (breakage, found goods) and
opening stock, posted at once (`inventory.adjustments`). Created only — a posted
adjustment is never changed; another adjustment corrects it."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status

from api.fields import QuantityField
from api.serializers import ReadSerializer, StrictSerializer, StringField
from tradepost.inventory import adjustments as services
from tradepost.inventory.api.common import (
    ActiveLocationField,
    CostField,
    LotBriefSerializer,
    ProductBriefSerializer,
    StockLineInputSerializer,
    WarehouseDocumentViewSet,
    stock_lines,
)
from tradepost.inventory.filters import StockAdjustmentApiFilter
from tradepost.inventory.models import StockAdjustment, StockAdjustmentLine
from tradepost.masterdata.models import Location


class StockAdjustmentLineSerializer(ReadSerializer):
    product = ProductBriefSerializer(read_only=True)
    lot = LotBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = StockAdjustmentLine
        fields = ["id", "product", "lot", "quantity", "unit_cost"]


class StockAdjustmentSerializer(ReadSerializer):
    warehouse: serializers.PrimaryKeyRelatedField[Location] = serializers.PrimaryKeyRelatedField(
        source="location", read_only=True
    )
    lines = StockAdjustmentLineSerializer(many=True, read_only=True)

    class Meta:
        model = StockAdjustment
        fields = [
            "id",
            "number",
            "warehouse",
            "reason",
            "is_opening",
            "created_by",
            "created_at",
            "lines",
        ]


class AdjustmentLineInputSerializer(StockLineInputSerializer):
    quantity = QuantityField(
        min_value=None,
        help_text="Signed: + adds stock, − takes it away (no more than is available). "
        "Positive for opening stock.",
    )
    unit_cost = CostField(
        required=False, help_text="For stock added: its unit cost (re-averages the cost)."
    )
    expires_on = serializers.DateField(required=False, allow_null=True)


class StockAdjustmentCreateSerializer(StrictSerializer):
    warehouse = ActiveLocationField()
    reason = StringField(
        max_length=300, allow_blank=True, help_text="Why the stock changes; required."
    )
    is_opening = serializers.BooleanField(
        required=False, help_text="The location's opening stock (positive lines)."
    )
    lines = AdjustmentLineInputSerializer(many=True, allow_empty=False, max_length=500)  # type: ignore[call-arg]


@extend_schema_view(
    create=extend_schema(
        request=StockAdjustmentCreateSerializer,
        responses={status.HTTP_201_CREATED: StockAdjustmentSerializer},
        summary="Post a stock adjustment",
        description="Posted at once to the stock ledger. Numbered SA-<year>-<n>. Needs "
        "`inventory.add_stockadjustment` (warehouse managers).",
    ),
)
class StockAdjustmentViewSet(WarehouseDocumentViewSet):
    """Stock adjustments, newest first, with their lines."""

    serializer_class = StockAdjustmentSerializer
    create_serializer_class = StockAdjustmentCreateSerializer
    filterset_class = StockAdjustmentApiFilter
    view_permission = "inventory.view_stockadjustment"
    http_method_names = ["get", "post", "head", "options"]
    writes: tuple[str, ...] = ("create",)
    search_fields = ["number", "reason"]
    ordering_fields = ["created_at", "number"]
    ordering = ["-created_at", "-pk"]

    def get_queryset(self):
        return StockAdjustment.objects.prefetch_related(
            Prefetch("lines", queryset=StockAdjustmentLine.objects.select_related("product", "lot"))
        ).order_by("-created_at", "-pk")

    def service_create(self, data: dict[str, Any]) -> StockAdjustment:
        return services.adjustment_post(
            actor=self.request.user,
            location=data["warehouse"],
            reason=data["reason"],
            opening=data.get("is_opening", False),
            lines=stock_lines(data["lines"]),
        )


ROUTES = [("stock-adjustments", StockAdjustmentViewSet, "stock-adjustment")]
