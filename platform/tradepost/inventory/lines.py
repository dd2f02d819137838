"""What the stock documents' lines share: typed input, checks, lots.

Forms and serializers parse the text; services take `StockLineInput`s with a product
instance, a Decimal quantity and, for lot-tracked products, a lot number (and its
expiry on receipts).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import NotRequired, TypedDict

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tradepost.inventory.models import MIN_QUANTITY, Lot
from tradepost.masterdata.models import Product
from tradepost.pricing import documents

MAX_LINES = 500
MAX_COST = Decimal("99999999999999.9999")


class StockLineInput(TypedDict):
    product: Product
    quantity: Decimal
    unit_cost: NotRequired[Decimal | None]
    lot_number: NotRequired[str]
    expires_on: NotRequired[datetime.date | None]


def label(index: int, product: Product) -> str:
    return _("Line %(position)s (%(sku)s)") % {"position": index + 1, "sku": product.sku}


def lines_check(
    lines: list[StockLineInput], *, signed: bool = False, need_lots: bool = True
) -> list[StockLineInput]:
    """Every line names a stock-tracked active product and a quantity (positive, or
    any non-zero with `signed`); a lot-tracked product names its lot."""
    if not lines:
        raise ValidationError({"lines": [_("Add at least one line.")]})
    if len(lines) > MAX_LINES:
        raise ValidationError({"lines": [_("Use at most %(n)d lines.") % {"n": MAX_LINES}]})
    errors = []
    for index, line in enumerate(lines):
        product = line["product"]
        where = label(index, product)
        if not product.tracks_stock:
            errors.append(_("%(line)s: this product does not track stock.") % {"line": where})
            continue
        quantity = line["quantity"]
        try:
            documents.decimal_checked(
                abs(quantity),
                field="quantity",
                places=documents.QUANTITY_PLACES,
                maximum=documents.MAX_QUANTITY,
            )
        except ValidationError:
            errors.append(_("%(line)s: enter a quantity.") % {"line": where})
            continue
        if (quantity == 0) if signed else (quantity < MIN_QUANTITY):
            errors.append(
                _("%(line)s: enter a quantity above zero.") % {"line": where}
                if not signed
                else _("%(line)s: enter a quantity other than zero.") % {"line": where}
            )
            continue
        cost = line.get("unit_cost")
        if cost is not None and (cost < 0 or cost > MAX_COST):
            errors.append(_("%(line)s: enter a cost of zero or more.") % {"line": where})
        number = (line.get("lot_number") or "").strip()
        if product.lot_tracked and need_lots and not number:
            errors.append(_("%(line)s: enter the lot number.") % {"line": where})
        if not product.lot_tracked and number:
            errors.append(_("%(line)s: this product does not track lots.") % {"line": where})
        if len(number) > 60:
            errors.append(_("%(line)s: a lot number has at most 60 characters.") % {"line": where})
    if errors:
        raise ValidationError({"lines": errors})
    return lines


def lot_get(product: Product, number: str) -> Lot:
    """The product's existing lot `number`; a clear error when there is none."""
    lot = Lot.objects.filter(product=product, number=number.strip()).first()
    if lot is None:
        raise ValidationError(
            {"lines": [_("%(sku)s has no lot %(lot)s.") % {"sku": product.sku, "lot": number}]}
        )
    return lot


def lot_get_or_create(product: Product, number: str, expires_on: datetime.date | None) -> Lot:
    """A receipt's lot: created on first sight; an existing lot keeps its expiry, and
    a receipt naming another expiry for it is refused."""
    lot, created = Lot.objects.get_or_create(
        product=product, number=number.strip(), defaults={"expires_on": expires_on}
    )
    if not created and expires_on is not None and lot.expires_on not in (None, expires_on):
        raise ValidationError(
            {
                "lines": [
                    _("Lot %(lot)s of %(sku)s expires on %(date)s, not on %(other)s.")
                    % {
                        "lot": lot.number,
                        "sku": product.sku,
                        "date": lot.expires_on.isoformat() if lot.expires_on else "",
                        "other": expires_on.isoformat(),
                    }
                ]
            }
        )
    return lot
