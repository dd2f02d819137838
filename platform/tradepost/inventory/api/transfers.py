"""`/api/v1/transfers/`: stock moving between two locations, with their lines, and the
steps `ship/`, `receive/` and `cancel/` (`inventory.transfers`). Warehouse managers
run them."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action

from api.lifecycle import AllowedActionsField
from api.serializers import ReadSerializer, StrictSerializer, StringField
from tradepost.inventory import transfers as services
from tradepost.inventory.api.common import (
    ActiveLocationField,
    LotBriefSerializer,
    ProductBriefSerializer,
    StockLineInputSerializer,
    WarehouseDocumentViewSet,
    stock_lines,
)
from tradepost.inventory.filters import TransferApiFilter
from tradepost.inventory.models import Transfer, TransferLine
from tradepost.text import MULTI_LINE


class TransferLineSerializer(ReadSerializer):
    product = ProductBriefSerializer(read_only=True)
    lot = LotBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = TransferLine
        fields = ["id", "product", "lot", "quantity", "unit_cost"]
        extra_kwargs = {
            "unit_cost": {"help_text": "The source's average cost when the goods left."}
        }


class TransferSerializer(ReadSerializer):
    allowed_actions = AllowedActionsField(services.LIFECYCLE)
    lines = TransferLineSerializer(many=True, read_only=True)

    class Meta:
        model = Transfer
        fields = [
            "id",
            "number",
            "status",
            "allowed_actions",
            "source",
            "destination",
            "notes",
            "shipped_at",
            "received_at",
            "created_by",
            "created_at",
            "updated_at",
            "lines",
        ]


class TransferCreateSerializer(StrictSerializer):
    # a field named like a DRF attribute
    source = ActiveLocationField(help_text="Where the goods are.")  # type: ignore[assignment]
    destination = ActiveLocationField(help_text="Where they go; another location.")
    notes = StringField(required=False, allow_blank=True, max_length=5000, style=MULTI_LINE)
    lines = StockLineInputSerializer(many=True, allow_empty=False, max_length=500)  # type: ignore[call-arg]


@extend_schema_view(
    create=extend_schema(
        request=TransferCreateSerializer,
        responses={status.HTTP_201_CREATED: TransferSerializer},
        summary="Request a transfer",
        description="Numbered TR-<year>-<n>. Needs `inventory.add_transfer`.",
    ),
)
class TransferViewSet(WarehouseDocumentViewSet):
    """Transfers between locations, newest first, with their lines."""

    serializer_class = TransferSerializer
    create_serializer_class = TransferCreateSerializer
    filterset_class = TransferApiFilter
    view_permission = "inventory.view_transfer"
    http_method_names = ["get", "post", "head", "options"]
    writes = ("create",)
    search_fields = ["number"]
    ordering_fields = ["created_at", "updated_at", "number"]
    ordering = ["-created_at", "-pk"]

    def get_queryset(self):
        return Transfer.objects.prefetch_related(
            Prefetch("lines", queryset=TransferLine.objects.select_related("product", "lot"))
        ).order_by("-created_at", "-pk")

    def service_create(self, data: dict[str, Any]) -> Transfer:
        return services.transfer_create(
            actor=self.request.user,
            source=data["source"],
            destination=data["destination"],
            notes=data.get("notes", ""),
            lines=stock_lines(data["lines"]),
        )

    @extend_schema(
        request=None,
        responses=TransferSerializer,
        summary="Ship the goods",
        description="requested → shipped: out of the source's stock (no more than is "
        "available there; 400 `insufficient_stock` otherwise), in transit to the destination.",
    )
    @action(detail=True, methods=["post"])
    def ship(self, request, pk=None):
        return self._read(services.transfer_ship(actor=request.user, transfer=self.get_object()))

    @extend_schema(
        request=None,
        responses=TransferSerializer,
        summary="Receive the goods at the destination",
        description="shipped → received: on hand at the destination, at the cost they left with.",
    )
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        return self._read(services.transfer_receive(actor=request.user, transfer=self.get_object()))

    @extend_schema(request=None, responses=TransferSerializer, summary="Cancel a transfer")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._read(services.transfer_cancel(actor=request.user, transfer=self.get_object()))


ROUTES = [("transfers", TransferViewSet, "transfer")]
