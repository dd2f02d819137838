"""`/api/v1/price-adjustments/` (调价补差) with the actions `recompute/`, `lines/`,
`approve/`, `post/` and `cancel/` (the dealers' stock reports are `api.stock`, the
credits a posting writes `sales.api.credits`).

Every write is a service of `channel.adjustments`, the same the browser calls, which
checks the step's permission (403) and the adjustment's status (400 with `status` in
`errors`). Adjustments are visible to whoever may view them, but the lines shown are
only those of dealers in the caller's customer scope.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status
from rest_framework.decorators import action

from api.fields import MoneyField, QuantityField
from api.lifecycle import AllowedActionsField
from api.serializers import ReadSerializer, StrictSerializer
from api.views import CanView, ServiceViewSet
from tradepost.channel import adjustments as services
from tradepost.channel.filters import PriceAdjustmentFilter
from tradepost.channel.models import PriceAdjustment, PriceAdjustmentLine
from tradepost.customers.scoped_fields import VisibleCustomerField
from tradepost.masterdata.models import Currency, Product
from tradepost.text import MULTI_LINE


# --- Price adjustments ---------------------------------------------------------------
class PriceAdjustmentLineSerializer(ReadSerializer):
    dealer_name = serializers.CharField(source="dealer.name", read_only=True)

    class Meta:
        model = PriceAdjustmentLine
        fields = ["id", "dealer", "dealer_name", "quantity", "unit_difference", "amount", "source"]
        extra_kwargs = {
            "quantity": {"help_text": "What the dealer holds (reported or delivered)."},
            "unit_difference": {"help_text": "Old price − new price."},
            "amount": {"help_text": "quantity × difference, rounded half up to the cent."},
            "source": {"help_text": "Where the quantity comes from."},
        }


class PriceAdjustmentSerializer(ReadSerializer):
    allowed_actions = AllowedActionsField(services.LIFECYCLE)
    allowed_actions = AllowedActionsField(services.LIFECYCLE)
    product_sku = serializers.CharField(source="product.sku", read_only=True)
    lines = PriceAdjustmentLineSerializer(
        many=True,
        read_only=True,
        help_text="Only the lines of dealers in the caller's customer scope.",
    )

    class Meta:
        model = PriceAdjustment
        fields = [
            "id",
            "number",
            "status",
            "allowed_actions",
            "allowed_actions",
            "product",
            "product_sku",
            "old_price",
            "new_price",
            "currency",
            "effective_on",
            "basis",
            "window_days",
            "notes",
            "total",
            "created_by",
            "reviewed_by",
            "reviewed_at",
            "posted_at",
            "created_at",
            "updated_at",
            "lines",
        ]
        extra_kwargs = {
            "total": {"help_text": "Sum of every line, the dealers out of your scope included."}
        }


class PriceAdjustmentCreateSerializer(StrictSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    new_price = MoneyField(help_text="Lower than the old price.")
    effective_on = serializers.DateField(help_text="The first day of the new price.")
    basis = serializers.ChoiceField(
        choices=PriceAdjustment.Basis.choices,
        help_text="reported_stock: each dealer's latest stock report (at most 90 days old); "
        "deliveries: what was delivered to each dealer in the window before the change.",
    )
    window_days = serializers.IntegerField(
        required=False, min_value=1, max_value=services.MAX_WINDOW_DAYS, default=30
    )
    old_price = MoneyField(required=False, help_text="Default: the product's list price.")
    currency = serializers.ChoiceField(
        choices=Currency.choices, required=False, help_text="Default: the product's currency."
    )
    notes = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, style=MULTI_LINE
    )
    apply_to_product = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Also set the product's list price to the new price (needs the product "
        "permission; only when the change is effective today or earlier).",
    )


class AdjustmentLineSetSerializer(StrictSerializer):
    dealer = VisibleCustomerField(help_text="A dealer or franchisee in your scope.")
    quantity = QuantityField(help_text="0 removes the dealer's line.")


class AdjustmentCancelSerializer(StrictSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


@extend_schema_view(
    create=extend_schema(
        request=PriceAdjustmentCreateSerializer,
        responses={status.HTTP_201_CREATED: PriceAdjustmentSerializer},
        summary="Record a price drop and compute what each dealer is owed",
        description="A draft with one line per dealer: quantity held × (old − new price). "
        "Needs `add_priceadjustment` (sales managers).",
    ),
)
class PriceAdjustmentViewSet(ServiceViewSet):
    """Price adjustments, latest effective day first, with the lines of the dealers in
    the caller's scope."""

    serializer_class = PriceAdjustmentSerializer
    create_serializer_class = PriceAdjustmentCreateSerializer
    filterset_class = PriceAdjustmentFilter
    search_fields = ["number", "product__sku", "product__name"]
    ordering_fields = ["effective_on", "created_at", "updated_at", "total", "number"]
    ordering = ["-effective_on"]
    http_method_names = ["get", "post", "head", "options"]

    def get_permissions(self):
        if self.action not in ("list", "retrieve", "create"):
            return [permissions.IsAuthenticated(), CanView("channel.view_priceadjustment")]
        return super().get_permissions()

    def get_queryset(self):
        return services.price_adjustments_with_lines(self.request.user).order_by(
            "-effective_on", "-pk"
        )

    def service_create(self, data):
        return services.price_adjustment_create(actor=self.request.user, **data)

    @extend_schema(
        request=None,
        responses=PriceAdjustmentSerializer,
        summary="Compute a draft's lines again",
        description="From today's stock reports or deliveries; hand corrections are replaced.",
    )
    @action(detail=True, methods=["post"])
    def recompute(self, request, pk=None):
        adjustment = services.price_adjustment_recompute(
            actor=request.user, adjustment=self.get_object()
        )
        return self._read(adjustment)

    @extend_schema(
        request=AdjustmentLineSetSerializer,
        responses=PriceAdjustmentSerializer,
        summary="Correct what a dealer holds on a draft",
        description="Adds the dealer's line if missing; a quantity of 0 removes it.",
    )
    @action(detail=True, methods=["post"])
    def lines(self, request, pk=None):
        adjustment = self.get_object()
        data = self._body(AdjustmentLineSetSerializer)
        adjustment = services.price_adjustment_line_set(
            actor=request.user, adjustment=adjustment, **data
        )
        return self._read(adjustment)

    @extend_schema(
        request=None,
        responses=PriceAdjustmentSerializer,
        summary="Approve a draft",
        description="Needs `review_priceadjustment` (sales managers, finance).",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        adjustment = services.price_adjustment_approve(
            actor=request.user, adjustment=self.get_object()
        )
        return self._read(adjustment)

    @extend_schema(
        request=None,
        responses=PriceAdjustmentSerializer,
        summary="Post the credits of an approved adjustment",
        description="One open settlement credit per dealer with an amount above zero. "
        "Needs `post_priceadjustment` (finance). Exactly once: posting again is a 400.",
    )
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_credits(self, request, pk=None):
        adjustment = services.price_adjustment_post(
            actor=request.user, adjustment=self.get_object()
        )
        return self._read(adjustment)

    @extend_schema(
        request=AdjustmentCancelSerializer,
        responses=PriceAdjustmentSerializer,
        summary="Cancel a draft or approved adjustment",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        data = self._body(AdjustmentCancelSerializer)
        adjustment = services.price_adjustment_cancel(
            actor=request.user, adjustment=self.get_object(), reason=data.get("reason", "")
        )
        return self._read(adjustment)


ROUTES = [
    ("price-adjustments", PriceAdjustmentViewSet, "price-adjustment"),
]
