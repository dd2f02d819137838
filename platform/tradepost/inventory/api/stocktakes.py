"""`/api/v1/stocktakes/`: counting one location. Starting one lists what the location
holds; `counts/` enters counted quantities (by line id, and products found that the
sheet did not list); `post/` writes the differences to the stock ledger; `cancel/`
drops it (`inventory.stocktakes`). Warehouse managers run them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action

from api.fields import QuantityField
from api.lifecycle import AllowedActionsField
from api.serializers import ReadSerializer, StrictSerializer, StringField
from tradepost.inventory import stocktakes as services
from tradepost.inventory.api.common import (
    ActiveLocationField,
    LotBriefSerializer,
    ProductBriefSerializer,
    StockProductField,
    WarehouseDocumentViewSet,
)
from tradepost.inventory.filters import StocktakeApiFilter
from tradepost.inventory.models import Stocktake, StocktakeLine
from tradepost.inventory.stocktakes import FoundCount
from tradepost.masterdata.models import Location


class StocktakeLineSerializer(ReadSerializer):
    product = ProductBriefSerializer(read_only=True)
    lot = LotBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = StocktakeLine
        fields = ["id", "product", "lot", "expected", "counted"]
        extra_kwargs = {
            "expected": {"help_text": "What the ledger held when the count started."},
            "counted": {"help_text": "Null until counted; uncounted lines are not posted."},
        }


class StocktakeSerializer(ReadSerializer):
    allowed_actions = AllowedActionsField(services.LIFECYCLE)
    warehouse: serializers.PrimaryKeyRelatedField[Location] = serializers.PrimaryKeyRelatedField(
        source="location", read_only=True
    )
    lines = StocktakeLineSerializer(many=True, read_only=True)

    class Meta:
        model = Stocktake
        fields = [
            "id",
            "number",
            "status",
            "allowed_actions",
            "warehouse",
            "reason",
            "posted_at",
            "created_by",
            "created_at",
            "updated_at",
            "lines",
        ]


class StocktakeCreateSerializer(StrictSerializer):
    warehouse = ActiveLocationField(help_text="The location to count.")
    reason = StringField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="Why it is counted (e.g. month-end count); needed by the time it is posted.",
    )


class StocktakeCountSerializer(StrictSerializer):
    line = serializers.IntegerField(min_value=1, help_text="Stocktake line id.")
    counted = QuantityField(allow_null=True, help_text="Zero or more; null clears the count.")


class StocktakeFoundSerializer(StrictSerializer):
    product = StockProductField(help_text="A product (or lot) the sheet did not list.")
    counted = QuantityField()
    lot_number = StringField(
        required=False,
        allow_blank=True,
        max_length=60,
        help_text="The lot found, for a lot-tracked product (required for those).",
    )
    expires_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="The lot's expiry, when the lot is new (an existing lot keeps its own).",
    )


class StocktakeCountsSerializer(StrictSerializer):
    lines = StocktakeCountSerializer(many=True, required=False, max_length=5000)  # type: ignore[call-arg]
    add = StocktakeFoundSerializer(many=True, required=False, max_length=500)  # type: ignore[call-arg]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("lines") and not attrs.get("add"):
            raise serializers.ValidationError({"lines": [_("Enter at least one count.")]})
        return attrs


class StocktakePostSerializer(StrictSerializer):
    reason = StringField(
        required=False, allow_blank=True, max_length=300, help_text="Default: the stocktake's."
    )


def _unique(rows: list[dict[str, Any]], key: str, field: str) -> None:
    seen: set[Any] = set()
    for row in rows:
        value = row[key]
        value = getattr(value, "pk", value)
        if value in seen:
            raise serializers.ValidationError(
                {field: [_("Each one may be given once; %(id)s is repeated.") % {"id": value}]}
            )
        seen.add(value)


@extend_schema_view(
    create=extend_schema(
        request=StocktakeCreateSerializer,
        responses={status.HTTP_201_CREATED: StocktakeSerializer},
        summary="Start a stocktake",
        description="The sheet lists every product (a lot-tracked one by lot) the location "
        "holds, with what the ledger expects. Numbered ST-<year>-<n>. Needs "
        "`inventory.add_stocktake`.",
    ),
)
class StocktakeViewSet(WarehouseDocumentViewSet):
    """Stocktakes, newest first, with their lines."""

    serializer_class = StocktakeSerializer
    create_serializer_class = StocktakeCreateSerializer
    filterset_class = StocktakeApiFilter
    view_permission = "inventory.view_stocktake"
    http_method_names = ["get", "post", "head", "options"]
    writes: tuple[str, ...] = ("create",)
    search_fields = ["number"]
    ordering_fields = ["created_at", "updated_at", "number"]
    ordering = ["-created_at", "-pk"]

    def get_queryset(self):
        return Stocktake.objects.prefetch_related(
            Prefetch("lines", queryset=StocktakeLine.objects.select_related("product", "lot"))
        ).order_by("-created_at", "-pk")

    def service_create(self, data: dict[str, Any]) -> Stocktake:
        return services.stocktake_create(
            actor=self.request.user, location=data["warehouse"], reason=data.get("reason", "")
        )

    @extend_schema(
        request=StocktakeCountsSerializer,
        responses=StocktakeSerializer,
        summary="Enter counts",
        description="`lines`: counted quantities by line id (null clears one); `add`: "
        "products found that the sheet did not list (a lot-tracked one with its "
        "`lot_number`, and `expires_on` for a lot not seen before), put on the sheet with "
        "an expected 0. May be sent many times while counting.",
    )
    @action(detail=True, methods=["post"])
    def counts(self, request, pk=None):
        stocktake = self.get_object()
        data = self._body(StocktakeCountsSerializer)
        lines = data.get("lines", [])
        found = data.get("add", [])
        _unique(lines, "line", "lines")
        counts: dict[int, Decimal | None] = {row["line"]: row["counted"] for row in lines}
        added: list[FoundCount] = [
            {
                "product": row["product"],
                "counted": row["counted"],
                "lot_number": row.get("lot_number", ""),
                "expires_on": row.get("expires_on"),
            }
            for row in found
        ]
        return self._read(
            services.stocktake_count(
                actor=request.user, stocktake=stocktake, counts=counts, add=added
            )
        )

    @extend_schema(
        request=StocktakePostSerializer,
        responses=StocktakeSerializer,
        summary="Post the differences",
        description="counting → posted: each counted line's difference from the stock "
        "now is written to the ledger with the reason. A count below what confirmed "
        "orders hold is refused.",
    )
    # Not a method named `post`: a view's `post` would also answer POST on the document.
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_counts(self, request, pk=None):
        stocktake = self.get_object()
        data = self._body(StocktakePostSerializer)
        return self._read(
            services.stocktake_post(
                actor=request.user, stocktake=stocktake, reason=data.get("reason", "")
            )
        )

    @extend_schema(request=None, responses=StocktakeSerializer, summary="Cancel a stocktake")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._read(
            services.stocktake_cancel(actor=request.user, stocktake=self.get_object())
        )


ROUTES = [("stocktakes", StocktakeViewSet, "stocktake")]
