"""What an order or a quote being entered would cost, before it is saved.

The entry forms show each line's price, where it came from, its promotion, tax and
the totals as the lines are typed (`sales/views/live_prices.py`). These reads price
the lines exactly as saving does: the same checks of the lines
(`documents.line_requests`), the same agreement prices (`order_terms`) and the same
pricing (`documents.lines_price`) on the same date and in the same currency as
`orders.order_create` / `order_update` and `quotes.quote_create` / `quote_update`. They
write nothing. The caller's permission to enter the document is the view's to check;
the customer must be in the caller's scope here, as there.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from tradepost.customers.models import Customer
from tradepost.pricing import documents
from tradepost.pricing import lines as arithmetic
from tradepost.principals import Actor
from tradepost.sales import order_terms

NO_TOTALS = arithmetic.document_totals([])


@dataclass(frozen=True)
class PricePreview:
    currency: str
    lines: list[documents.PricedLine]
    totals: arithmetic.Totals


def _priced(
    *,
    customer: Customer,
    lines: Iterable[documents.LineInput],
    on_date: datetime.date,
    currency: str,
    agreement: Any = None,
) -> PricePreview:
    items = list(lines)
    if not items:  # nothing entered yet: nothing to price, and no error for it
        return PricePreview(currency, [], NO_TOTALS)
    requests = documents.line_requests(items)
    agreed = order_terms.agreement_prices(agreement, customer=customer, on_date=on_date)
    priced, totals = documents.lines_price(
        customer=customer,
        requests=requests,
        on_date=on_date,
        currency=currency,
        agreed_prices=agreed,
    )
    return PricePreview(currency, priced, totals)


def order_price_preview(
    *,
    actor: Actor,
    customer: Customer,
    lines: Iterable[documents.LineInput],
    currency: str | None = None,
    agreement: Any = None,  # a channel `Agreement` (sales never imports channel)
    order_date: datetime.date | None = None,
) -> PricePreview:
    """The lines of an order for `customer` priced as `order_create` (or, given the
    order's date, currency and agreement, `order_update`) would price them."""
    documents.require_customer_visible(actor, customer)
    currency = documents.currency_value(
        agreement.currency if agreement else currency, customer.currency
    )
    return _priced(
        customer=customer,
        lines=lines,
        on_date=order_date or timezone.localdate(),
        currency=currency,
        agreement=agreement,
    )


def quote_price_preview(
    *,
    actor: Actor,
    customer: Customer,
    lines: Iterable[documents.LineInput],
    currency: str | None = None,
    issued_on: datetime.date | None = None,
) -> PricePreview:
    """The lines of a quote for `customer` priced as `quote_create` (or, given the
    quote's date and currency, `quote_update`) would price them."""
    documents.require_customer_visible(actor, customer)
    currency = documents.currency_value(currency, customer.currency)
    return _priced(
        customer=customer,
        lines=lines,
        on_date=issued_on or timezone.localdate(),
        currency=currency,
    )
