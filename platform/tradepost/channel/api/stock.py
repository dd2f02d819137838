"""`/api/v1/dealer-stock-reports/`: dealers' stock reports in the caller's customer
scope (a dealer sees and reports its own; an id outside the scope is a 404). Writes go
through `channel.stock`, the service the browser calls."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from api.fields import QuantityField
from api.serializers import ReadSerializer, StrictSerializer
from api.views import ResourceViewSet
from tradepost.channel import selectors
from tradepost.channel import stock as services
from tradepost.channel.filters import DealerStockReportFilter
from tradepost.channel.models import DealerStockReport
from tradepost.customers.scoped_fields import VisibleCustomerField
from tradepost.masterdata.models import Product


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


ROUTES = [
    ("dealer-stock-reports", DealerStockReportViewSet, "dealer-stock-report"),
]
