"""`/api/v1/price-adjustments/` (调价补差) with the actions `recompute/`, `lines/`,
`approve/`, `post/` and `cancel/`; `/api/v1/dealer-stock-reports/`; and the read-only
`/api/v1/settlement-credits/`.

Every write is a service of `sales.adjustments`, the same the browser calls, which
checks the step's permission (403) and the adjustment's status (400 with `status` in
`errors`). Adjustments are visible to whoever may view them, but the lines shown are
only those of dealers in the caller's customer scope; stock reports and credits are
read in that scope too (a dealer sees its own), and an id outside it is a 404.
"""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from api.fields import MoneyField, QuantityField
from api.filters import UpdatedSinceFilterSet
from api.serializers import ReadSerializer, StrictSerializer
from api.views import CanView, ResourceViewSet, ServiceViewSet
from tradepost.customers.scoped_fields import VisibleCustomerField
from tradepost.masterdata.models import Currency, Product
from tradepost.sales import adjustments as services
from tradepost.sales import selectors
from tradepost.sales.models import (
    DealerStockReport,
    PriceAdjustment,
    PriceAdjustmentLine,
    SettlementCredit,
)
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


class PriceAdjustmentFilter(UpdatedSinceFilterSet):
    status = django_filters.ChoiceFilter(choices=PriceAdjustment.Status.choices)
    basis = django_filters.ChoiceFilter(choices=PriceAdjustment.Basis.choices)
    product = django_filters.ModelChoiceFilter(queryset=Product.objects.all())
    effective_from = django_filters.DateFilter(field_name="effective_on", lookup_expr="gte")
    effective_to = django_filters.DateFilter(field_name="effective_on", lookup_expr="lte")

    class Meta:
        model = PriceAdjustment
        fields = [
            "status",
            "basis",
            "product",
            "number",
            "effective_from",
            "effective_to",
            "updated_since",
        ]


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
            return [permissions.IsAuthenticated(), CanView("sales.view_priceadjustment")]
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


# --- Dealers' stock reports ----------------------------------------------------------
class DealerStockReportSerializer(ReadSerializer):
    dealer_name = serializers.CharField(source="dealer.name", read_only=True)
    product_sku = serializers.CharField(source="product.sku", read_only=True)

    class Meta:
        model = DealerStockReport
        fields = [
            "id",
            "dealer",
            "dealer_name",
            "product",
            "product_sku",
            "quantity",
            "as_of",
            "reported_by",
            "created_at",
        ]


class DealerStockReportCreateSerializer(StrictSerializer):
    dealer = VisibleCustomerField(help_text="A dealer or franchisee; a dealer reports its own.")
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    quantity = QuantityField(help_text="On hand, up to 3 decimal places.")
    as_of = serializers.DateField(required=False, help_text="Default: today; not in the future.")


class DealerStockReportFilter(django_filters.FilterSet):
    dealer = django_filters.NumberFilter(field_name="dealer_id", label="Dealer (customer) id.")
    product = django_filters.NumberFilter(field_name="product_id", label="Product id.")
    as_of_from = django_filters.DateFilter(field_name="as_of", lookup_expr="gte")
    as_of_to = django_filters.DateFilter(field_name="as_of", lookup_expr="lte")
    latest = django_filters.BooleanFilter(
        method="filter_latest", label="Only the latest report per dealer and product."
    )

    class Meta:
        model = DealerStockReport
        fields = ["dealer", "product", "as_of_from", "as_of_to", "latest"]

    def filter_latest(self, queryset, name, value):
        if not value:
            return queryset
        latest = (
            queryset.order_by("dealer_id", "product_id", "-as_of", "-pk")
            .distinct("dealer_id", "product_id")
            .values("pk")
        )
        return queryset.filter(pk__in=latest)


@extend_schema_view(
    create=extend_schema(
        request=DealerStockReportCreateSerializer,
        responses={
            status.HTTP_201_CREATED: DealerStockReportSerializer,
            status.HTTP_200_OK: DealerStockReportSerializer,
        },
        summary="Report a dealer's stock of a product",
        description="One report per dealer, product and day: reporting again the same day "
        "replaces the quantity (200 instead of 201).",
    ),
)
class DealerStockReportViewSet(mixins.CreateModelMixin, ResourceViewSet):
    """Dealers' stock reports in the caller's customer scope, latest day first."""

    serializer_class = DealerStockReportSerializer
    filterset_class = DealerStockReportFilter
    search_fields = ["dealer__name", "product__sku"]
    ordering_fields = ["as_of", "created_at"]
    ordering = ["-as_of"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return (
            selectors.stock_reports_visible_to(self.request.user)
            .select_related("dealer", "product")
            .order_by("-as_of", "-pk")
        )

    def create(self, request, *args, **kwargs):
        data = DealerStockReportCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        report = services.stock_report_create(actor=request.user, **data.validated_data)
        fresh = self.get_queryset().get(pk=report.pk)
        code = status.HTTP_201_CREATED if report.replaced_quantity is None else status.HTTP_200_OK
        return Response(self.get_serializer(fresh).data, status=code)


# --- Settlement credits --------------------------------------------------------------
class SettlementCreditSerializer(ReadSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = SettlementCredit
        fields = [
            "id",
            "customer",
            "customer_name",
            "amount",
            "currency",
            "reason",
            "price_adjustment",
            "order_return",
            "status",
            "created_at",
        ]


class SettlementCreditFilter(django_filters.FilterSet):
    customer = django_filters.NumberFilter(field_name="customer_id", label="Customer id.")
    price_adjustment = django_filters.NumberFilter(
        field_name="price_adjustment_id", label="Price adjustment id."
    )
    order_return = django_filters.NumberFilter(field_name="order_return_id", label="Return id.")
    status = django_filters.ChoiceFilter(choices=SettlementCredit.Status.choices)

    class Meta:
        model = SettlementCredit
        fields = ["customer", "price_adjustment", "order_return", "status", "currency"]


class SettlementCreditViewSet(ResourceViewSet):
    """Money owed to customers in the caller's scope (from price adjustments and
    returns), newest first. Read-only: the settlement module settles them."""

    serializer_class = SettlementCreditSerializer
    filterset_class = SettlementCreditFilter
    ordering_fields = ["created_at", "amount"]
    ordering = ["-created_at"]
    search_fields = ["reason", "customer__name"]
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        return services.settlement_credit_list(self.request.user)


ROUTES = [
    ("price-adjustments", PriceAdjustmentViewSet, "price-adjustment"),
    ("dealer-stock-reports", DealerStockReportViewSet, "dealer-stock-report"),
    ("settlement-credits", SettlementCreditViewSet, "settlement-credit"),
]
