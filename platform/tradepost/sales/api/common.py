"""What the quote and order API share: their line fields (read) and line input (write)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation

from api.fields import MoneyField, PercentField, QuantityField
from api.serializers import ReadSerializer, StrictSerializer, StringField
from tradepost.masterdata.forms import active_products

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
    quantity = QuantityField(help_text="More than zero; up to 3 decimal places.")
    unit_price = MoneyField(
        required=False,
        allow_null=True,
        help_text="Tax-exclusive. Leave out for the customer's price (or the agreement's).",
    )
    discount_percent = PercentField(required=False)
    description = StringField(required=False, allow_blank=True, max_length=300)


class PdfWhateverAccept(DefaultContentNegotiation):
    """A PDF action answers a PDF whatever `Accept` says (errors are still JSON)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """A PDF download named `filename`."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    return response
