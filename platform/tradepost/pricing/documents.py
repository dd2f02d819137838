"""What quote and order services share: checking the actor, checking parsed line input
against the rules, and pricing lines (resolved price → promotion → discount → tax, see
`pricing.lines`)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NotRequired, TypedDict

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tradepost.accounts.models import User
from tradepost.customers import selectors as customer_selectors
from tradepost.customers.models import Customer
from tradepost.masterdata.models import Currency, Product, TaxRate
from tradepost.pricing import lines as arithmetic
from tradepost.pricing import selectors as pricing_selectors
from tradepost.pricing.resolution import CUSTOMER_LIST, GROUP_LIST, LIST_PRICE, prices_resolve
from tradepost.principals import Actor
from tradepost.versioned_cache import VersionedCache

MAX_LINES = 200
MAX_QUANTITY = Decimal("999999999.999")
MAX_PRICE = Decimal("999999999999.99")
# The largest amount a line or a document can carry (money columns: 14 digits, 2 places).
MAX_AMOUNT = Decimal("999999999999.99")
QUANTITY_PLACES = Decimal("0.001")

MANUAL_PRICE = "manual"
AGREEMENT_PRICE = "agreement"
QUOTE_PRICE = "quote"

# Where a line's unit price came from, for people (lines store the code).
PRICE_SOURCE_LABELS = {
    CUSTOMER_LIST: gettext_lazy("Customer price list"),
    GROUP_LIST: gettext_lazy("Group price list"),
    LIST_PRICE: gettext_lazy("List price"),
    MANUAL_PRICE: gettext_lazy("Entered by hand"),
    AGREEMENT_PRICE: gettext_lazy("Agreement price"),
    QUOTE_PRICE: gettext_lazy("Quoted price"),
}


def require(actor: Actor, permission: str) -> None:
    if actor is None or not actor.has_perm(permission):
        raise PermissionDenied(_("You do not have permission to do this."))


def require_customer_visible(actor: Actor, customer: Customer) -> None:
    """A customer out of scope is refused like a missing one."""
    if customer_selectors.customer_scope(actor).everything:
        return  # the caller holds the row: nothing to look up for who sees every customer
    if not customer_selectors.customer_is_visible(actor, customer.pk):
        raise ValidationError({"customer": [_("Select a valid customer.")]})


def actor_user(actor: Actor) -> User | None:
    """The user behind `actor`, or None for an API key (it is nobody)."""
    return actor if getattr(actor, "pk", None) else None  # type: ignore[return-value]  # a user


def decimal_checked(
    value: Decimal,
    *,
    field: str,
    places: Decimal,
    minimum: Decimal = Decimal("0"),
    maximum: Decimal,
    positive: bool = False,
) -> Decimal:
    """`value` (parsed by the caller's form or serializer) within the rule's range and
    precision, quantized to `places`; a ValidationError keyed `field` otherwise."""
    if not value.is_finite():
        raise ValidationError({field: [_("Enter a number.")]})
    if abs(value) > maximum:  # before quantize(), which fails on too many digits
        raise ValidationError(
            {field: [_("Must be between %(min)s and %(max)s.") % {"min": minimum, "max": maximum}]}
        )
    if value != value.quantize(places):
        raise ValidationError(
            {
                field: [
                    _("Use at most %(places)d decimal places.")
                    # `places` is a finite quantum: its exponent is an int.
                    % {"places": -places.as_tuple().exponent}  # type: ignore[operator]
                ]
            }
        )
    if positive and value <= 0:
        raise ValidationError({field: [_("Must be more than zero.")]})
    if value < minimum or value > maximum:
        raise ValidationError(
            {field: [_("Must be between %(min)s and %(max)s.") % {"min": minimum, "max": maximum}]}
        )
    return value.quantize(places)


def currency_value(value: str | None, default: str) -> str:
    currency = (value or default or "").upper()
    if currency not in Currency.values:
        raise ValidationError({"currency": [_("Choose a supported currency.")]})
    return currency


def tax_rate_of(product: Product, default: Decimal | None) -> Decimal:
    if product.tax_rate_id and product.tax_rate is not None:
        return product.tax_rate.rate
    return default if default is not None else Decimal("0.00")


# The workspace's default tax rate: read for every document priced, so kept in the
# cache and forgotten when a tax rate changes (`apps.py` connects the signals).
default_tax_rates = VersionedCache("pricing:default-tax-rate")


def default_tax_rate() -> Decimal | None:
    def load() -> Decimal | None:
        rate = TaxRate.objects.filter(is_default=True, is_active=True).values_list(
            "rate", flat=True
        )
        return next(iter(rate), None)

    result: Decimal | None = default_tax_rates.get("default", load)
    return result


@dataclass(frozen=True)
class LineRequest:
    """One line as asked for: the product and quantity, optionally a price (overrides
    the resolved one), a discount percent and a description."""

    product: Product
    quantity: Decimal
    unit_price: Decimal | None = None
    discount_percent: Decimal = Decimal("0.00")
    description: str = ""


class LineInput(TypedDict):
    """One line as a form or serializer parsed it: the product and quantity, optionally
    a price (None: the resolved one), a discount percent and a description."""

    product: Product
    quantity: Decimal
    unit_price: NotRequired[Decimal | None]
    discount_percent: NotRequired[Decimal | None]
    description: NotRequired[str]


def line_requests(items: Iterable[LineInput | LineRequest]) -> list[LineRequest]:
    """Check lines against the rules (an active product, a quantity above zero, prices
    and discounts in range, each product once); a LineRequest is taken as it is."""
    result = []
    errors: dict[str, list[str]] = {}
    items = list(items or [])
    if not items:
        raise ValidationError({"lines": [_("Add at least one line.")]})
    if len(items) > MAX_LINES:
        raise ValidationError(
            {"lines": [_("At most %(count)d lines per document.") % {"count": MAX_LINES}]}
        )
    for index, item in enumerate(items, start=1):
        if isinstance(item, LineRequest):
            result.append(item)
            continue
        try:
            result.append(_line_request(item))
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault("lines", []).extend(
                    _("Line %(line)d, %(field)s: %(message)s")
                    % {"line": index, "field": field, "message": message}
                    for message in messages
                )
    if errors:
        raise ValidationError(errors)
    products = [line.product.pk for line in result]
    if len(products) != len(set(products)):
        raise ValidationError(
            {"lines": [_("Each product once per document: change the quantity instead.")]}
        )
    return result


def _line_request(item: LineInput) -> LineRequest:
    product = item.get("product")
    if not isinstance(product, Product):
        raise ValidationError({"product": [_("Select a product.")]})
    if not product.is_active:
        raise ValidationError({"product": [_("%(sku)s is no longer sold.") % {"sku": product.sku}]})
    quantity = decimal_checked(
        item["quantity"],
        field="quantity",
        places=QUANTITY_PLACES,
        maximum=MAX_QUANTITY,
        positive=True,
    )
    unit_price = item.get("unit_price")
    if unit_price is not None:
        unit_price = decimal_checked(
            unit_price, field="unit_price", places=arithmetic.CENT, maximum=MAX_PRICE
        )
    discount = decimal_checked(
        item.get("discount_percent") or Decimal("0"),
        field="discount_percent",
        places=arithmetic.CENT,
        maximum=Decimal("100"),
    )
    description = (item.get("description") or "")[:300]
    return LineRequest(product, quantity, unit_price, discount, description)


@dataclass(frozen=True)
class PricedLine:
    position: int
    request: LineRequest
    unit_price: Decimal
    price_source: str
    tax_rate: Decimal
    amounts: arithmetic.LineAmounts

    def fields(self) -> dict[str, Any]:
        """Field values for a QuoteLine or OrderLine."""
        promotion = self.amounts.promotion
        return {
            "position": self.position,
            "product": self.request.product,
            "description": self.request.description or self.request.product.name,
            "quantity": self.request.quantity,
            "unit_price": self.unit_price,
            "price_source": self.price_source,
            "discount_percent": self.request.discount_percent,
            "promotion_id": promotion.id if promotion else None,
            "promotion_label": promotion.name if promotion else "",
            "promotion_discount": self.amounts.promotion_discount,
            "discount_amount": self.amounts.discount_amount,
            "tax_rate": self.tax_rate,
            "net_amount": self.amounts.net_amount,
            "tax_amount": self.amounts.tax_amount,
            "gross_amount": self.amounts.gross_amount,
        }


def lines_price(
    *,
    customer: Customer,
    requests: list[LineRequest],
    on_date: datetime.date,
    currency: str,
    agreed_prices: Mapping[int, Decimal] | None = None,
    fixed_prices: Mapping[int, tuple[Decimal, str]] | None = None,
) -> tuple[list[PricedLine], arithmetic.Totals]:
    """Price every line for `customer` on `on_date` in `currency`.

    The unit price is, in order: a price given on the line (source "manual"; refused
    under an agreement); a fixed price the caller passes (a converted quote's); the
    agreement's price when the document is under an agreement; else the customer's resolved price
    (`pricing.resolution`), which must be in `currency` — a product priced only in
    another currency needs a price on the line.
    """
    products = [line.product for line in requests]
    resolved = (
        prices_resolve(customer=customer, products=products, on_date=on_date, currency=currency)
        if agreed_prices is None
        else {}
    )
    promotions = pricing_selectors.promotions_for(
        customer=customer, products=products, on_date=on_date, currency=currency
    )
    default_rate = default_tax_rate()
    priced: list[PricedLine] = []
    errors: list[str] = []
    for position, request in enumerate(requests, start=1):
        product = request.product
        if request.unit_price is not None and agreed_prices is not None:
            errors.append(
                _("Line %(line)d: under an agreement the price is the agreed one.")
                % {"line": position}
            )
            continue
        if request.unit_price is not None:
            unit_price, source = request.unit_price, MANUAL_PRICE
        elif fixed_prices and product.pk in fixed_prices:
            unit_price, source = fixed_prices[product.pk]
        elif agreed_prices is not None:
            if product.pk not in agreed_prices:
                errors.append(
                    _("Line %(line)d: %(sku)s is not in the agreement.")
                    % {"line": position, "sku": product.sku}
                )
                continue
            unit_price, source = agreed_prices[product.pk], AGREEMENT_PRICE
        else:
            price = resolved[product.pk]
            if price.currency != currency:
                errors.append(
                    _(
                        "Line %(line)d: %(sku)s has no price in %(currency)s for this "
                        "customer; enter a unit price."
                    )
                    % {"line": position, "sku": product.sku, "currency": currency}
                )
                continue
            unit_price, source = price.unit_price, price.source
        tax_rate = tax_rate_of(product, default_rate)
        amounts = arithmetic.line_amounts(
            quantity=request.quantity,
            unit_price=unit_price,
            discount_percent=request.discount_percent,
            tax_rate=tax_rate,
            promotions=promotions.get(product.pk, ()),
        )
        if amounts.subtotal > MAX_AMOUNT or amounts.gross_amount > MAX_AMOUNT:
            errors.append(
                _("Line %(line)d: the amount is too large; split the order.") % {"line": position}
            )
            continue
        priced.append(PricedLine(position, request, unit_price, source, tax_rate, amounts))
    if errors:
        raise ValidationError({"lines": errors})
    totals = arithmetic.document_totals([line.amounts for line in priced])
    if totals.subtotal > MAX_AMOUNT or totals.gross_total > MAX_AMOUNT:
        raise ValidationError({"lines": [_("The total is too large; split the document.")]})
    return priced, totals


def attach_lines(document: Any, lines: list[Any]) -> None:
    """Let `document.lines.all()` answer with `lines` (just written, in order) without a
    query, as `prefetch_related("lines")` would: the API answers a create from it."""
    cached = document.lines.all()
    cached._result_cache = list(lines)
    cached._prefetch_done = True
    document._prefetched_objects_cache = {
        **getattr(document, "_prefetched_objects_cache", {}),
        "lines": cached,
    }


def totals_fields(totals: arithmetic.Totals) -> dict[str, Decimal]:
    return {
        "subtotal": totals.subtotal,
        "discount_total": totals.discount_total,
        "net_total": totals.net_total,
        "tax_total": totals.tax_total,
        "gross_total": totals.gross_total,
    }
