"""`/api/v1/receipts/`: goods in from a supplier, with their lines and costs, and the
steps `receive/` and `cancel/` (`inventory.receipts`). Warehouse managers enter and
receive them; PATCH changes a draft."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action

from api.lifecycle import AllowedActionsField
from api.serializers import ReadSerializer, StrictSerializer, StringField
from tradepost.inventory import receipts as services
from tradepost.inventory.api.common import (
    ActiveLocationField,
    CostField,
    ProductBriefSerializer,
    StockLineInputSerializer,
    WarehouseDocumentViewSet,
    stock_lines,
)
from tradepost.inventory.filters import ReceiptApiFilter
from tradepost.inventory.models import Receipt, ReceiptLine
from tradepost.masterdata.models import Location, Supplier
from tradepost.text import MULTI_LINE


class ReceiptLineSerializer(ReadSerializer):
    product = ProductBriefSerializer(read_only=True)

    class Meta:
        model = ReceiptLine
        fields = ["id", "product", "quantity", "unit_cost", "lot_number", "expires_on"]


class ReceiptSerializer(ReadSerializer):
    allowed_actions = AllowedActionsField(services.LIFECYCLE)
    warehouse: serializers.PrimaryKeyRelatedField[Location] = serializers.PrimaryKeyRelatedField(
        source="location", read_only=True
    )
    lines = ReceiptLineSerializer(many=True, read_only=True)

    class Meta:
        model = Receipt
        fields = [
            "id",
            "number",
            "status",
            "allowed_actions",
            "warehouse",
            "supplier",
            "supplier_reference",
            "notes",
            "received_at",
            "created_by",
            "created_at",
            "updated_at",
            "lines",
        ]


class ReceiptLineInputSerializer(StockLineInputSerializer):
    unit_cost = CostField(required=False, help_text="What one unit cost; default 0.")
    expires_on = serializers.DateField(
        required=False, allow_null=True, help_text="The lot's expiry (lot-tracked products)."
    )


class ReceiptCreateSerializer(StrictSerializer):
    warehouse = ActiveLocationField(help_text="The location the goods come into.")
    supplier = serializers.PrimaryKeyRelatedField(
        queryset=Supplier.objects.filter(is_active=True), required=False, allow_null=True
    )
    supplier_reference = StringField(required=False, allow_blank=True, max_length=100)
    notes = StringField(required=False, allow_blank=True, max_length=5000, style=MULTI_LINE)
    lines = ReceiptLineInputSerializer(many=True, allow_empty=False, max_length=500)  # type: ignore[call-arg]


class ReceiptUpdateSerializer(ReceiptCreateSerializer):
    warehouse = ActiveLocationField(required=False)
    supplier = serializers.PrimaryKeyRelatedField(
        queryset=Supplier.objects.filter(is_active=True),
        required=False,
        help_text="Another supplier (a receipt keeps one once named).",
    )
    lines = ReceiptLineInputSerializer(  # type: ignore[call-arg]
        many=True,
        allow_empty=False,
        max_length=500,
        required=False,
        help_text="Replaces every line.",
    )


def _arguments(data: dict[str, Any]) -> dict[str, Any]:
    arguments = dict(data)
    if "warehouse" in arguments:
        arguments["location"] = arguments.pop("warehouse")
    if "lines" in arguments:
        arguments["lines"] = stock_lines(arguments["lines"])
    return arguments


@extend_schema_view(
    create=extend_schema(
        request=ReceiptCreateSerializer,
        responses={status.HTTP_201_CREATED: ReceiptSerializer},
        summary="Enter a receipt (a draft)",
        description="Numbered GR-<year>-<n>. Needs `inventory.add_receipt`.",
    ),
    partial_update=extend_schema(
        request=ReceiptUpdateSerializer,
        responses=ReceiptSerializer,
        summary="Change a draft receipt",
    ),
)
class ReceiptViewSet(WarehouseDocumentViewSet):
    """Receipts (goods in from suppliers), newest first, with their lines."""

    serializer_class = ReceiptSerializer
    create_serializer_class = ReceiptCreateSerializer
    filterset_class = ReceiptApiFilter
    view_permission = "inventory.view_receipt"
    search_fields = ["number", "supplier_reference"]
    ordering_fields = ["created_at", "updated_at", "number"]
    ordering = ["-created_at", "-pk"]

    def get_queryset(self):
        return Receipt.objects.prefetch_related(
            Prefetch("lines", queryset=ReceiptLine.objects.select_related("product"))
        ).order_by("-created_at", "-pk")

    def service_create(self, data: dict[str, Any]) -> Receipt:
        return services.receipt_create(actor=self.request.user, **_arguments(data))

    def partial_update(self, request, *args, **kwargs):
        receipt = self.get_object()
        data = self._body(ReceiptUpdateSerializer, partial=True)
        return self._read(
            services.receipt_update(actor=request.user, receipt=receipt, **_arguments(data))
        )

    @extend_schema(
        request=None,
        responses=ReceiptSerializer,
        summary="Receive the goods",
        description="draft → received: each line is posted to the stock ledger at its "
        "cost (re-averaging the product's cost there); lots are created with their expiry.",
    )
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        return self._read(services.receipt_receive(actor=request.user, receipt=self.get_object()))

    @extend_schema(request=None, responses=ReceiptSerializer, summary="Cancel a draft receipt")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._read(services.receipt_cancel(actor=request.user, receipt=self.get_object()))


ROUTES = [("receipts", ReceiptViewSet, "receipt")]
