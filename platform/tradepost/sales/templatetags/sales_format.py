"""`{{ line.quantity|plain }}`: quantities and rates as people write them (10, 2.5)."""

from decimal import Decimal

from django import template

from tradepost.pricing.documents import PRICE_SOURCE_LABELS
from tradepost.pricing.lines import decimal_text

register = template.Library()


@register.filter
def plain(value):
    if isinstance(value, Decimal):
        return decimal_text(value)
    return value


@register.filter
def price_source(code: str):
    """Where a line's price came from, in the reader's language."""
    return PRICE_SOURCE_LABELS.get(code, code)
