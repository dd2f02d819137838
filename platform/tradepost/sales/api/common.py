"""What the quote and order API share: their line fields (read) and line input (write)."""

from __future__ import annotations

from rest_framework import serializers, status
from rest_framework.response import Response

from api.serializers import StrictSerializer, StringField
from tradepost.customers.api import ReadSerializer
from tradepost.sales.forms import active_products

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": 0}
QUANTITY = {"max_digits": 12, "decimal_places": 3}

DOCUMENT_LINE_FIELDS = [
    "id",
    "position",
    "product",
    "product_sku",
    "description",
    "quantity",
    "unit_price",
    "price_source",
    "discount_percent",
    "promotion",
    "promotion_label",
    "promotion_discount",
    "discount_amount",
    "tax_rate",
    "net_amount",
    "tax_amount",
    "gross_amount",
]
DOCUMENT_LINE_HELP = {
    "price_source": {
        "help_text": "customer list, group list, list price, agreement, quote or manual."
    },
    "promotion": {"help_text": "The promotion this line got on the document's date."},
    "promotion_discount": {"help_text": "What the promotion took off this line."},
}


class DocumentLineSerializer(ReadSerializer):
    """A priced line of a quote or an order; subclasses name the model in Meta."""

    product_sku = serializers.CharField(source="product.sku", read_only=True)


class LineInputSerializer(StrictSerializer):
    """One line to price: product and quantity, optionally a price and a discount."""

    product = serializers.PrimaryKeyRelatedField(queryset=active_products())
    quantity = serializers.DecimalField(
        min_value=0, help_text="More than zero; up to 3 decimal places.", **QUANTITY
    )
    unit_price = serializers.DecimalField(
        required=False,
        allow_null=True,
        help_text="Tax-exclusive. Leave out for the customer's price (or the agreement's).",
        **MONEY,
    )
    discount_percent = serializers.DecimalField(
        required=False, max_digits=5, decimal_places=2, min_value=0, max_value=100
    )
    description = StringField(required=False, allow_blank=True, max_length=300)


class DocumentWritesMixin:
    """Quote and order viewsets: validate a body with a write serializer, call the
    service, answer with the fresh document (read through the caller's queryset) in
    `document_serializer_class`."""

    document_serializer_class: type[serializers.Serializer]

    def _read(self, document, status_code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=document.pk)
        return Response(self.document_serializer_class(fresh).data, status=status_code)

    def _body(self, serializer_class):
        data = serializer_class(data=self.request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return data.validated_data
