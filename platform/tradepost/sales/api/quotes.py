"""`/api/v1/quotes/` with their lines, the lifecycle actions (`send/`, `accept/`,
`decline/`, `cancel/`, `convert/`) and the printable quote (`pdf/`).

Quotes are read in the caller's scope (`sales.selectors.quotes_visible_to`, the
customer scope); every write is a service of `sales.quotes`, the same the browser
calls, which checks the permission (403), the quote's status (400 with `status` in
`errors`) and its validity (400 with `valid_until`).
"""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from api.lifecycle import AllowedActionsField
from api.serializers import ReadSerializer, StrictSerializer, StringField
from api.views import CanView, ServiceViewSet
from tradepost.customers.scoped_fields import ScopedChoiceField, VisibleCustomerField
from tradepost.masterdata.models import Currency
from tradepost.pipeline import selectors as pipeline_selectors
from tradepost.sales import quotes as services
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
from tradepost.sales.filters import QuoteFilter
from tradepost.sales.models import Order, Quote, QuoteLine
from tradepost.sales.pdf import quote_pdf


# --- Reading -------------------------------------------------------------------------
class QuoteLineSerializer(DocumentLineSerializer):
    class Meta:
        model = QuoteLine
        fields = DOCUMENT_LINE_FIELDS
        extra_kwargs = DOCUMENT_LINE_HELP


class QuoteSerializer(ReadSerializer):
    allowed_actions = AllowedActionsField(services.LIFECYCLE)
    lines = QuoteLineSerializer(many=True, read_only=True)
    is_expired = serializers.SerializerMethodField(
        help_text="Open (draft, sent, accepted) and valid until a day before today."
    )
    order = serializers.SerializerMethodField(
        help_text="The order this quote was converted into, if any."
    )

    class Meta:
        model = Quote
        fields = [
            "id",
            "number",
            "status",
            "allowed_actions",
            "is_expired",
            "customer",
            "owner",
            "opportunity",
            "currency",
            "issued_on",
            "valid_until",
            "notes",
            "subtotal",
            "discount_total",
            "net_total",
            "tax_total",
            "gross_total",
            "order",
            "created_by",
            "created_at",
            "updated_at",
            "lines",
        ]
        extra_kwargs = {
            "net_total": {"help_text": "Tax-exclusive total."},
            "gross_total": {"help_text": "Tax-inclusive total."},
        }

    def get_is_expired(self, quote) -> bool:
        return services.quote_is_expired(quote)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_order(self, quote) -> int | None:
        orders = list(quote.orders.all())
        return orders[0].pk if orders else None


# --- Writing -------------------------------------------------------------------------
@extend_schema_field(OpenApiTypes.INT)
class VisibleOpportunityField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        request = self.context.get("request")
        return pipeline_selectors.opportunities_visible_to(getattr(request, "user", None))


class QuoteCreateSerializer(LinesBatchMixin, StrictSerializer):
    customer = VisibleCustomerField()
    lines = LineInputSerializer(many=True, allow_empty=False, max_length=200)  # type: ignore[call-arg]
    currency = serializers.ChoiceField(
        choices=Currency.choices, required=False, help_text="Default: the customer's currency."
    )
    issued_on = serializers.DateField(
        required=False, help_text="The quote's date; prices are taken on it. Default: today."
    )
    valid_until = serializers.DateField(
        required=False, help_text="Default: 30 days after the quote's date."
    )
    opportunity = VisibleOpportunityField(
        required=False, allow_null=True, help_text="An opportunity of the same customer."
    )
    owner = ScopedChoiceField(
        "user",
        required=False,
        allow_null=True,
        help_text="The salesperson (user id): yourself or someone in your team. "
        "Default: the customer's owner.",
    )
    notes = StringField(required=False, allow_blank=True, max_length=5000)


class QuoteUpdateSerializer(LinesBatchMixin, StrictSerializer):
    lines = LineInputSerializer(  # type: ignore[call-arg]
        many=True,
        allow_empty=False,
        max_length=200,
        required=False,
        help_text="Replaces every line (re-priced on the quote's date).",
    )
    valid_until = serializers.DateField(required=False)
    notes = StringField(required=False, allow_blank=True, max_length=5000)


class ConvertSerializer(StrictSerializer):
    order_date = serializers.DateField(required=False, help_text="Default: today.")


class QuoteEmailSerializer(StrictSerializer):
    to = serializers.EmailField(max_length=254, help_text="The address the quote goes to.")
    message = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=services.MAX_EMAIL_MESSAGE,
        help_text="Text above the quote's summary in the e-mail.",
    )


class ConvertedSerializer(serializers.Serializer):
    order = serializers.IntegerField(help_text="The new draft order's id.")
    quote = serializers.IntegerField(help_text="The converted quote's id.")


# --- Views ---------------------------------------------------------------------------
@extend_schema_view(
    create=extend_schema(
        request=QuoteCreateSerializer,
        responses={status.HTTP_201_CREATED: QuoteSerializer},
        summary="Make a quote (a numbered draft)",
        description="Lines are priced for the customer on the quote's date: the unit price "
        "given, else the customer's resolved price; the best promotion per line, then the "
        "line's own discount, then tax. Numbered QT-<year>-<n>, gap-free.",
    ),
    partial_update=extend_schema(
        request=QuoteUpdateSerializer,
        responses=QuoteSerializer,
        summary="Change a draft quote",
    ),
)
class QuoteViewSet(ServiceViewSet):
    """Quotes in the caller's scope, newest first, with their lines."""

    serializer_class = QuoteSerializer
    create_serializer_class = QuoteCreateSerializer
    filterset_class = QuoteFilter
    search_fields = ["number", "customer__name"]
    ordering_fields = [
        "issued_on",
        "valid_until",
        "number",
        "gross_total",
        "created_at",
        "updated_at",
    ]
    ordering = ["-issued_on", "-id"]

    def get_permissions(self):
        if self.action not in ("list", "retrieve", "create", "partial_update", "pdf"):
            return [permissions.IsAuthenticated(), CanView("sales.view_quote")]
        return super().get_permissions()

    def get_queryset(self):
        return (
            selectors.quotes_visible_to(self.request.user)
            .prefetch_related(
                Prefetch("lines", queryset=QuoteLine.objects.select_related("product")),
                Prefetch("orders", queryset=Order.objects.only("id", "quote_id").order_by("pk")),
            )
            .order_by("-issued_on", "-pk")
        )

    def service_create(self, data):
        return services.quote_create(actor=self.request.user, **data)

    def partial_update(self, request, *args, **kwargs):
        quote = self.get_object()
        data = self._body(QuoteUpdateSerializer)
        return self._read(services.quote_update(actor=request.user, quote=quote, **data))

    @extend_schema(
        request=None,
        responses=QuoteSerializer,
        summary="Send a draft quote",
        description="draft → sent; refused once the quote has expired.",
    )
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        return self._read(services.quote_send(actor=request.user, quote=self.get_object()))

    @extend_schema(
        request=QuoteEmailSerializer,
        responses={status.HTTP_202_ACCEPTED: QuoteSerializer},
        summary="E-mail the quote as a PDF",
        description="Queues an e-mail with the quote's PDF attached to `to`, after the "
        "optional `message`; a draft is marked as sent first (needs `change_quote`, like "
        "sending). Recorded in the quote's history as `quote.emailed`. Refused for a "
        "quote that is expired, declined, cancelled or converted, and until the "
        "workspace owner has confirmed their e-mail address.",
    )
    @action(detail=True, methods=["post"])
    def email(self, request, pk=None):
        data = self._body(QuoteEmailSerializer)
        quote = services.quote_email(actor=request.user, quote=self.get_object(), **data)
        return self._read(quote, status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses=QuoteSerializer,
        summary="The customer accepted",
        description="sent → accepted; refused once the quote has expired.",
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._read(services.quote_accept(actor=request.user, quote=self.get_object()))

    @extend_schema(
        request=None,
        responses=QuoteSerializer,
        summary="The customer declined",
        description="sent → declined.",
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._read(services.quote_decline(actor=request.user, quote=self.get_object()))

    @extend_schema(
        request=None,
        responses=QuoteSerializer,
        summary="Cancel a quote",
        description="draft, sent or accepted → cancelled.",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._read(services.quote_cancel(actor=request.user, quote=self.get_object()))

    @extend_schema(
        request=ConvertSerializer,
        responses={status.HTTP_201_CREATED: ConvertedSerializer},
        summary="Convert a sent or accepted quote into an order",
        description="Creates a draft order (`/api/v1/orders/{order}/`) with the quote's "
        "lines at the quoted unit prices (price source `quote`); promotions are evaluated "
        "again on the order date. The quote becomes `converted`; a second conversion is "
        "refused. Needs `add_order` too, and counts against the plan's orders per month.",
    )
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        data = self._body(ConvertSerializer)
        quote = self.get_object()
        order = services.quote_convert(actor=request.user, quote=quote, **data)
        return Response({"order": order.pk, "quote": quote.pk}, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={(status.HTTP_200_OK, "application/pdf"): OpenApiTypes.BINARY},
        summary="The quote as a PDF",
        description="A4, with the company's and the customer's details, the lines and "
        "the totals; file name `<number>.pdf`.",
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        content_negotiation_class=PdfWhateverAccept,
    )
    def pdf(self, request, pk=None):
        quote = self.get_object()
        return pdf_response(quote_pdf(quote), f"{quote.number}.pdf")


ROUTES = [("quotes", QuoteViewSet, "quote")]
