"""`/api/v1/orders/` with its lines, the lifecycle actions (`submit/`, `approve/`,
`reject/`, `confirm/`, `ship/`, `deliver/`, `close/`, `cancel/`, `returns/`) and
`/api/v1/order-returns/`.

Orders are read in the caller's scope (`sales.selectors.orders_visible_to`); every
write is a service of `sales.orders`, the same the browser calls, which checks the
step's permission (403) and the order's status (400 with `status` in `errors`).
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from api.fields import MoneyField, QuantityField
from api.lifecycle import AllowedActionsField
from api.serializers import ReadSerializer, StrictSerializer
from api.views import CanView, ResourceViewSet, ServiceViewSet
from tradepost.customers.scoped_fields import VisibleCustomerField
from tradepost.masterdata.models import Currency, Location
from tradepost.sales import orders as services
from tradepost.sales import selectors
from tradepost.sales.api.common import (
    DOCUMENT_LINE_FIELDS,
    DOCUMENT_LINE_HELP,
    DocumentLineSerializer,
    LineInputSerializer,
    LinesBatchMixin,
    PdfWhateverAccept,
    pdf_response,
)
from tradepost.sales.filters import OrderFilter
from tradepost.sales.models import Order, OrderLine, OrderReturn, OrderReturnLine
from tradepost.sales.pdf import order_pdf, order_pdf_filename
from tradepost.text import MULTI_LINE


# --- Reading -------------------------------------------------------------------------
class OrderLineSerializer(DocumentLineSerializer):
    class Meta:
        model = OrderLine
        fields = [
            *DOCUMENT_LINE_FIELDS,
            "shipped_quantity",
            "delivered_quantity",
            "returned_quantity",
        ]
        extra_kwargs = DOCUMENT_LINE_HELP


class OrderSummarySerializer(ReadSerializer):
    """An order in a list: its header and totals; `GET /orders/{id}/` has the lines."""

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "status",
            "customer",
            "owner",
            "quote",
            "agreement",
            "warehouse",
            "currency",
            "order_date",
            "requested_delivery_date",
            "deposit",
            "notes",
            "subtotal",
            "discount_total",
            "net_total",
            "tax_total",
            "gross_total",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "review_comment",
            "confirmed_at",
            "delivered_at",
            "closed_at",
            "cancelled_at",
            "cancel_reason",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "number": {"help_text": "Empty until the order is confirmed."},
            "warehouse": {"help_text": "The location (id) the order reserves and ships from."},
            "net_total": {"help_text": "Tax-exclusive total."},
            "gross_total": {"help_text": "Tax-inclusive total."},
        }


class OrderSerializer(OrderSummarySerializer):
    """An order with its lines."""

    allowed_actions = AllowedActionsField(services.LIFECYCLE)

    lines = OrderLineSerializer(many=True, read_only=True)

    class Meta(OrderSummarySerializer.Meta):
        fields = [*OrderSummarySerializer.Meta.fields, "allowed_actions", "lines"]


# --- Writing -------------------------------------------------------------------------
class WarehouseField(serializers.PrimaryKeyRelatedField):
    """An active location (warehouse or store), by id."""

    default_error_messages = {
        "does_not_exist": _("Choose an active warehouse (no active location has id {pk_value})."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Location.objects.filter(is_active=True))
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)


@extend_schema_field(OpenApiTypes.INT)
class VisibleAgreementField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        request = self.context.get("request")
        return selectors.agreements_visible_to(getattr(request, "user", None))


class OrderCreateSerializer(LinesBatchMixin, StrictSerializer):
    customer = VisibleCustomerField()
    lines = LineInputSerializer(many=True, allow_empty=False, max_length=200)  # type: ignore[call-arg]
    currency = serializers.ChoiceField(
        choices=Currency.choices, required=False, help_text="Default: the customer's currency."
    )
    order_date = serializers.DateField(required=False, help_text="Default: today.")
    requested_delivery_date = serializers.DateField(required=False, allow_null=True)
    deposit = MoneyField(required=False)
    notes = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, style=MULTI_LINE
    )
    agreement = VisibleAgreementField(
        required=False, allow_null=True, help_text="Place the order under this agreement."
    )
    warehouse = WarehouseField(
        help_text="Where the order reserves and ships from. Default: the default location "
        "of the customer's branch (or of the nearest branch above it, else the workspace's)."
    )


class OrderUpdateSerializer(LinesBatchMixin, StrictSerializer):
    lines = LineInputSerializer(  # type: ignore[call-arg]
        many=True,
        allow_empty=False,
        max_length=200,
        required=False,
        help_text="Replaces every line.",
    )
    requested_delivery_date = serializers.DateField(required=False, allow_null=True)
    deposit = MoneyField(required=False)
    notes = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, style=MULTI_LINE
    )
    warehouse = WarehouseField(help_text="Where the order reserves and ships from.")


class CommentSerializer(StrictSerializer):
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        style=MULTI_LINE,
        help_text="Required to reject.",
    )


class ReasonSerializer(StrictSerializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="Required to cancel a confirmed order.",
    )


class LineQuantitySerializer(StrictSerializer):
    line = serializers.IntegerField(min_value=1, help_text="Order line id.")
    quantity = QuantityField()


class ShipSerializer(StrictSerializer):
    lines = LineQuantitySerializer(  # type: ignore[call-arg]
        many=True,
        required=False,
        allow_empty=False,
        max_length=200,
        help_text="What ships now; leave out to ship everything still open.",
    )


class ReturnSerializer(StrictSerializer):
    lines = LineQuantitySerializer(many=True, allow_empty=False, max_length=200)  # type: ignore[call-arg]
    reason = serializers.CharField(max_length=300)


class OrderReturnLineSerializer(ReadSerializer):
    class Meta:
        model = OrderReturnLine
        fields = ["id", "order_line", "quantity", "net_amount", "tax_amount", "gross_amount"]


class OrderReturnSerializer(ReadSerializer):
    lines = OrderReturnLineSerializer(many=True, read_only=True)

    class Meta:
        model = OrderReturn
        fields = [
            "id",
            "number",
            "order",
            "reason",
            "currency",
            "net_total",
            "tax_total",
            "gross_total",
            "created_at",
            "lines",
        ]


# --- Views ---------------------------------------------------------------------------
def _lines_map(rows) -> dict[int, Decimal]:
    return {row["line"]: row["quantity"] for row in rows}


class OrderEmailSerializer(StrictSerializer):
    to = serializers.EmailField(max_length=254, help_text="The address the confirmation goes to.")
    message = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=services.MAX_EMAIL_MESSAGE,
        help_text="Text above the order's summary in the e-mail.",
    )


@extend_schema_view(
    create=extend_schema(
        request=OrderCreateSerializer,
        responses={status.HTTP_201_CREATED: OrderSerializer},
        summary="Enter an order (a draft)",
        description="Lines are priced for the customer on the order date: the unit price "
        "given, else the agreement's, else the customer's resolved price; the best "
        "promotion per line, then the line's own discount, then tax. Emits `order.created`. "
        "Counts against the plan's orders per month.",
    ),
    partial_update=extend_schema(
        request=OrderUpdateSerializer,
        responses=OrderSerializer,
        summary="Change a draft or rejected order",
    ),
)
class OrderViewSet(ServiceViewSet):
    """Orders in the caller's scope, newest first. The list carries each order's header
    and totals; one order (`GET /orders/{id}/`) and every write answer with its lines."""

    serializer_class = OrderSerializer
    create_serializer_class = OrderCreateSerializer
    filterset_class = OrderFilter
    search_fields = ["number"]
    ordering_fields = ["created_at", "order_date", "gross_total", "number", "updated_at"]
    ordering = ["-created_at", "-pk"]

    def get_permissions(self):
        if self.action not in ("list", "retrieve", "create", "partial_update"):
            return [permissions.IsAuthenticated(), CanView("sales.view_order")]
        return super().get_permissions()

    def get_serializer_class(self):
        return OrderSummarySerializer if self.action == "list" else OrderSerializer

    @extend_schema(
        request=OrderEmailSerializer,
        responses={status.HTTP_202_ACCEPTED: OrderSerializer},
        summary="E-mail the order confirmation as a PDF",
        description="Queues an e-mail with the confirmation PDF attached to `to`, after "
        "the optional `message`. For confirmed orders and later, by whoever may change "
        "the order; recorded in the order's history as `order.emailed`. Refused until "
        "the workspace owner has confirmed their e-mail address.",
    )
    @action(detail=True, methods=["post"])
    def email(self, request, pk=None):
        data = self._body(OrderEmailSerializer)
        order = services.order_email(actor=request.user, order=self.get_object(), **data)
        return self._read(order, status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={(status.HTTP_200_OK, "application/pdf"): OpenApiTypes.BINARY},
        summary="The order confirmation as a PDF",
        description="A4, with the company's and the customer's details, the lines and "
        "the totals; file name `<number>.pdf` (`order-<id>.pdf` before the order has "
        "its number).",
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        content_negotiation_class=PdfWhateverAccept,
    )
    def pdf(self, request, pk=None):
        order = self.get_object()
        return pdf_response(order_pdf(order), order_pdf_filename(order))

    def get_queryset(self):
        orders = selectors.orders_visible_to(self.request.user).order_by("-created_at", "-pk")
        if self.action in ("list", "confirm"):
            return orders  # confirm: the service reads the lines under the order's lock
        return orders.prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("product"))
        )

    def create(self, request, *args, **kwargs):
        data = self._body(OrderCreateSerializer)
        order = services.order_create(actor=request.user, **data)
        # Answered from the rows just written (the service attaches the lines with their
        # products): the same JSON as `GET /orders/{id}/`, without reading it back.
        body = OrderSerializer(order, context=self.get_serializer_context())
        return Response(body.data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        order = self.get_object()
        data = self._body(OrderUpdateSerializer)
        return self._read(services.order_update(actor=request.user, order=order, **data))

    @extend_schema(request=None, responses=OrderSerializer, summary="Submit for review")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._read(services.order_submit(actor=request.user, order=self.get_object()))

    @extend_schema(
        request=CommentSerializer,
        responses=OrderSerializer,
        summary="Approve a submitted order",
        description="Needs `review_order` (sales managers, executives). Emits `order.approved`.",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        data = self._body(CommentSerializer)
        order = services.order_approve(
            actor=request.user, order=self.get_object(), comment=data.get("comment", "")
        )
        return self._read(order)

    @extend_schema(
        request=CommentSerializer,
        responses=OrderSerializer,
        summary="Reject a submitted order (comment required)",
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = self._body(CommentSerializer)
        order = services.order_reject(
            actor=request.user, order=self.get_object(), comment=data.get("comment", "")
        )
        return self._read(order)

    @extend_schema(
        request=None,
        responses=OrderSerializer,
        summary="Confirm an approved order",
        description="Gives the order its number (gap-free per year). Emits `order.confirmed`.",
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        # Answered from the row the service locked and confirmed, with the lines it read
        # under the lock: what `GET /orders/{id}/` shows, without reading it back.
        confirmed = services.order_confirm(actor=request.user, order=self.get_object())
        return self._answer(confirmed)

    @extend_schema(request=ShipSerializer, responses=OrderSerializer, summary="Record a shipment")
    @action(detail=True, methods=["post"])
    def ship(self, request, pk=None):
        data = self._body(ShipSerializer)
        quantities = _lines_map(data["lines"]) if "lines" in data else None
        order = services.order_ship(
            actor=request.user, order=self.get_object(), quantities=quantities
        )
        return self._read(order)

    @extend_schema(request=None, responses=OrderSerializer, summary="Record delivery")
    @action(detail=True, methods=["post"])
    def deliver(self, request, pk=None):
        return self._read(services.order_deliver(actor=request.user, order=self.get_object()))

    @extend_schema(request=None, responses=OrderSerializer, summary="Close a delivered order")
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._read(services.order_close(actor=request.user, order=self.get_object()))

    @extend_schema(request=ReasonSerializer, responses=OrderSerializer, summary="Cancel")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        data = self._body(ReasonSerializer)
        order = services.order_cancel(
            actor=request.user, order=self.get_object(), reason=data.get("reason", "")
        )
        return self._read(order)

    @extend_schema(
        request=ReturnSerializer,
        responses={status.HTTP_201_CREATED: OrderReturnSerializer},
        summary="Return goods against delivered lines",
        description="Credits the customer (a settlement credit) at the lines' net price plus tax.",
    )
    @action(detail=True, methods=["post"])
    def returns(self, request, pk=None):
        data = self._body(ReturnSerializer)
        order_return = services.order_return_create(
            actor=request.user,
            order=self.get_object(),
            quantities=_lines_map(data["lines"]),
            reason=data["reason"],
        )
        fresh = OrderReturn.objects.prefetch_related("lines").get(pk=order_return.pk)
        return Response(OrderReturnSerializer(fresh).data, status=status.HTTP_201_CREATED)


class OrderReturnViewSet(ResourceViewSet):
    """Returns of the orders in the caller's scope."""

    serializer_class = OrderReturnSerializer
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]
    search_fields = ["number"]

    def get_queryset(self):
        return (
            selectors.returns_visible_to(self.request.user)
            .prefetch_related("lines")
            .order_by("-created_at", "-pk")
        )


ROUTES = [
    ("orders", OrderViewSet, "order"),
    ("order-returns", OrderReturnViewSet, "order-return"),
]
