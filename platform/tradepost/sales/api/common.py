"""What the quote and order API share: their line fields (read) and line input (write)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers, status
from rest_framework.response import Response

from api.serializers import ReadSerializer, StrictSerializer, StringField
from tradepost.masterdata.forms import active_products

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2, "min_value": 0}
QUANTITY: dict[str, Any] = {"max_digits": 12, "decimal_places": 3}

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


class ProductField(serializers.PrimaryKeyRelatedField):
    """An active product by id. Inside a document serializer (`LinesBatchMixin`) it is
    looked up among the products that serializer loaded for all its lines at once."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", active_products())
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        batch = self.context.get(PRODUCT_BATCH)
        if batch is None:
            return super().to_internal_value(data)
        product_id = _product_id(data)
        if product_id is None:
            self.fail("incorrect_type", data_type=type(data).__name__)
        if product_id not in batch:
            self.fail("does_not_exist", pk_value=data)
        return batch[product_id]


PRODUCT_BATCH = "sales_product_batch"


def _product_id(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        return int(value)
    return None


class LinesBatchMixin:
    """For a serializer with `lines`: load every product the lines name in one query
    before the lines are validated (instead of one query per line)."""

    def to_internal_value(self, data):
        lines = data.get("lines") if isinstance(data, dict) else None
        if isinstance(lines, list):
            ids = {_product_id(line.get("product")) for line in lines if isinstance(line, dict)}
            ids.discard(None)
            self._context[PRODUCT_BATCH] = active_products().in_bulk(ids) if ids else {}
        return super().to_internal_value(data)


class LineInputSerializer(StrictSerializer):
    """One line to price: product and quantity, optionally a price and a discount."""

    product = ProductField()
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
        # mixed into a GenericAPIView
        fresh = self.get_queryset().get(pk=document.pk)  # type: ignore[attr-defined]
        context = self.get_serializer_context()  # type: ignore[attr-defined]
        return Response(
            self.document_serializer_class(fresh, context=context).data, status=status_code
        )

    def _body(self, serializer_class):
        data = serializer_class(data=self.request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return data.validated_data
