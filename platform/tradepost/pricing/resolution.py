"""The one rule that says what a customer pays for a product (客户报价: one consistent
quote per customer). Every place that shows or uses a customer's price — the 360°
page, the price check, the API's `/customers/{id}/price/`, quotes and orders later —
calls `price_resolve` (or `prices_resolve` for many products at once).

On `on_date` (default: today in the workspace's time zone) and in `currency` (default:
the customer's currency):

1. the customer's own price list valid on that date, in that currency, with a line for
   the product — source "customer list";
2. else the list of the customer's group, with the same conditions — "group list";
3. else the product's list price — "list price".

A price list only applies when its currency is the requested one: a USD list never
answers a CNY question (there is no conversion here; exchange rates are another
module's). The list-price fallback is the product's own price in the product's own
currency, so the result's `currency` may differ from the one asked for: callers must
compare it, never assume it.

Every price is tax-exclusive. Validity dates are inclusive at both ends; a list with no
end date is open-ended. Lists of one owner and currency never overlap (the services
refuse it); were two ever to cover one day, the one starting later wins.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tradepost.customers.models import Customer, PriceListLine
from tradepost.customers.prices import CUSTOMER_LIST, GROUP_LIST, LIST_PRICE
from tradepost.masterdata.models import MONEY_PLACES, Product

SOURCE_LABELS = {
    CUSTOMER_LIST: _("the customer's price list"),
    GROUP_LIST: _("the customer group's price list"),
    LIST_PRICE: _("the product's list price"),
}


@dataclass(frozen=True)
class ResolvedPrice:
    product_id: int
    unit_price: Decimal  # tax-exclusive
    currency: str
    source: str  # one of SOURCES
    price_list_id: int | None  # None for the list price
    on_date: datetime.date

    tax_included = False

    @property
    def source_label(self) -> str:
        return str(SOURCE_LABELS[self.source])


def _money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)


def prices_resolve(
    *,
    customer: Customer,
    products: Iterable[Product],
    on_date: datetime.date | None = None,
    currency: str | None = None,
) -> dict[int, ResolvedPrice]:
    """The resolved price of each product (keyed by product id), in one query."""
    products = list(products)
    on_date = on_date or timezone.localdate()
    currency = currency or customer.currency
    if not products:
        return {}
    owners = Q(price_list__customer_id=customer.pk)
    if customer.group_id:
        owners |= Q(price_list__group_id=customer.group_id)
    lines = (
        PriceListLine.objects.filter(
            owners,
            product_id__in=[product.pk for product in products],
            price_list__currency=currency,
            price_list__valid_from__lte=on_date,
        )
        .filter(Q(price_list__valid_to__isnull=True) | Q(price_list__valid_to__gte=on_date))
        .order_by("-price_list__valid_from", "-price_list_id")
        .values_list("product_id", "unit_price", "price_list_id", "price_list__customer_id")
    )
    found: dict[tuple[int, str], tuple[Decimal, int]] = {}
    for product_id, unit_price, price_list_id, list_customer_id in lines:
        source = CUSTOMER_LIST if list_customer_id is not None else GROUP_LIST
        found.setdefault((product_id, source), (unit_price, price_list_id))
    resolved = {}
    for product in products:
        for source in (CUSTOMER_LIST, GROUP_LIST):
            hit = found.get((product.pk, source))
            if hit is not None:
                resolved[product.pk] = ResolvedPrice(
                    product_id=product.pk,
                    unit_price=_money(hit[0]),
                    currency=currency,
                    source=source,
                    price_list_id=hit[1],
                    on_date=on_date,
                )
                break
        else:
            resolved[product.pk] = ResolvedPrice(
                product_id=product.pk,
                unit_price=_money(product.list_price),
                currency=product.currency,
                source=LIST_PRICE,
                price_list_id=None,
                on_date=on_date,
            )
    return resolved


def price_resolve(
    *,
    customer: Customer,
    product: Product,
    on_date: datetime.date | None = None,
    currency: str | None = None,
) -> ResolvedPrice:
    """What `customer` pays for `product` (tax-exclusive) — see the module docstring."""
    return prices_resolve(
        customer=customer, products=[product], on_date=on_date, currency=currency
    )[product.pk]
