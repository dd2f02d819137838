"""`/api/v1/agreements/`: master agreements with their usage.

Reads go through the customer scope (`channel.selectors`): a dealer's key or user sees
only its own agreements, an id outside the scope is a 404. Every write is a service of
`channel.agreements` — the same the browser calls — which checks the step's permission
(403) and the agreement's status (400 with `status` in `errors`).
"""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import permissions, serializers, status
from rest_framework.decorators import action

from api.fields import MoneyField, QuantityField
from api.lifecycle import AllowedActionsField
from api.serializers import ReadSerializer, StrictSerializer, StringField
from api.views import CanView, ServiceViewSet
from tradepost.channel import agreements as agreement_services
from tradepost.channel import selectors
from tradepost.channel.filters import AgreementFilter
from tradepost.channel.models import Agreement, AgreementLine
from tradepost.customers.scoped_fields import VisibleCustomerField
from tradepost.masterdata.forms import active_products
from tradepost.masterdata.models import Currency


class AgreementLineSerializer(ReadSerializer):
    product_sku = serializers.CharField(source="product.sku", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    ordered = serializers.DecimalField(
        read_only=True,
        help_text="Σ quantity on orders under the agreement, cancelled and rejected "
        "orders left out.",
        max_digits=15,
        decimal_places=3,
    )
    remaining = serializers.SerializerMethodField(
        help_text="What may still be ordered; null when the line has no cap."
    )

    class Meta:
        model = AgreementLine
        fields = [
            "id",
            "product",
            "product_sku",
            "product_name",
            "unit_price",
            "max_quantity",
            "ordered",
            "remaining",
        ]
        extra_kwargs = {
            "unit_price": {"help_text": "Agreed price, tax-exclusive, in the currency."},
            "max_quantity": {"help_text": "Cap over all orders; null: no cap."},
        }

    @extend_schema_field(serializers.DecimalField(max_digits=15, decimal_places=3, allow_null=True))
    def get_remaining(self, line):
        remaining = agreement_services.line_remaining(line)
        return None if remaining is None else f"{remaining:.3f}"


class AgreementSerializer(ReadSerializer):
    allowed_actions = AllowedActionsField(agreement_services.LIFECYCLE)
    lines = AgreementLineSerializer(many=True, read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    order_count = serializers.IntegerField(
        read_only=True, help_text="Orders under it, cancelled and rejected ones left out."
    )

    class Meta:
        model = Agreement
        fields = [
            "id",
            "number",
            "customer",
            "customer_name",
            "name",
            "currency",
            "starts_on",
            "ends_on",
            "status",
            "allowed_actions",
            "notes",
            "order_count",
            "created_by",
            "created_at",
            "updated_at",
            "lines",
        ]


class AgreementLineInputSerializer(StrictSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=active_products())
    unit_price = MoneyField(help_text="Tax-exclusive, in the currency.")
    max_quantity = QuantityField(
        required=False,
        allow_null=True,
        help_text="Cap over all orders under the agreement (more than zero); null: no cap.",
    )


class AgreementUpdateSerializer(StrictSerializer):
    name = StringField(required=False, max_length=200)
    notes = StringField(required=False, allow_blank=True, max_length=5000)
    ends_on = serializers.DateField(required=False)
    starts_on = serializers.DateField(required=False, help_text="Draft only.")
    currency = serializers.ChoiceField(
        choices=Currency.choices, required=False, help_text="Draft only."
    )
    lines = AgreementLineInputSerializer(  # type: ignore[call-arg]
        many=True,
        max_length=200,
        required=False,
        help_text="Draft only: every line of the agreement; replaces the lines.",
    )


class AgreementCreateSerializer(StrictSerializer):
    customer = VisibleCustomerField()
    name = StringField(max_length=200)
    currency = serializers.ChoiceField(
        choices=Currency.choices, required=False, help_text="Default: the customer's currency."
    )
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    lines = AgreementLineInputSerializer(many=True, max_length=200, required=False)  # type: ignore[call-arg]
    notes = StringField(required=False, allow_blank=True, max_length=5000)


@extend_schema_view(
    create=extend_schema(
        request=AgreementCreateSerializer,
        responses={status.HTTP_201_CREATED: AgreementSerializer},
        summary="Draw up a master agreement (a draft)",
        description="Agreed tax-exclusive prices and optional quantity caps per product "
        "for a period; numbered MA-<year>-<n>. Needs `add_agreement` (sales managers).",
    ),
    partial_update=extend_schema(
        request=AgreementUpdateSerializer,
        responses=AgreementSerializer,
        summary="Change an agreement",
        description="Draft: every field and the lines. Active: name, notes, end date.",
    ),
)
class AgreementViewSet(ServiceViewSet):
    """Master agreements in the caller's scope, newest first, with their lines and each
    line's usage (ordered so far, remaining under the cap). Orders are placed under an
    active agreement with `agreement` on `POST /api/v1/orders/`."""

    serializer_class = AgreementSerializer
    create_serializer_class = AgreementCreateSerializer
    filterset_class = AgreementFilter
    search_fields = ["number", "name", "customer__name"]
    ordering_fields = ["starts_on", "ends_on", "number", "updated_at"]
    ordering = ["-starts_on", "-id"]

    def get_permissions(self):
        if self.action in ("activate", "close"):
            return [permissions.IsAuthenticated(), CanView("channel.view_agreement")]
        return super().get_permissions()

    def get_queryset(self):
        return (
            selectors.agreements_visible_to(self.request.user)
            .select_related("customer")
            .prefetch_related(Prefetch("lines", queryset=agreement_services.lines_with_usage()))
            .annotate(
                order_count=Count(
                    "orders",
                    filter=Q(orders__status__in=agreement_services.COUNTED_STATUSES),
                )
            )
            .order_by("-starts_on", "-pk")
        )

    def service_create(self, data):
        return agreement_services.agreement_create(actor=self.request.user, **data)

    def partial_update(self, request, *args, **kwargs):
        agreement = self.get_object()
        data = self._body(AgreementUpdateSerializer)
        return self._read(
            agreement_services.agreement_update(actor=request.user, agreement=agreement, **data)
        )

    @extend_schema(
        request=None,
        responses=AgreementSerializer,
        summary="Activate a draft",
        description="Needs at least one line and an end date not passed. From now on "
        "orders may be placed under it.",
    )
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        agreement = agreement_services.agreement_activate(
            actor=request.user, agreement=self.get_object()
        )
        return self._read(agreement)

    @extend_schema(
        request=None,
        responses=AgreementSerializer,
        summary="Close an active agreement",
        description="It takes no more orders; orders already under it go on.",
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        agreement = agreement_services.agreement_close(
            actor=request.user, agreement=self.get_object()
        )
        return self._read(agreement)


ROUTES = [
    ("agreements", AgreementViewSet, "agreement"),
]
