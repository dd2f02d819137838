"""What a customer pays for a product, as the customer pages and API ask it.

The rule is the pricing app's (`pricing.resolution`: the customer's price list, else
the group's, else the product's list price). Pricing builds on customers — it reads
their price lists and groups — so customers never imports it: `PricingConfig.ready`
registers the rule here, the way apps register sections of the customer 360° page
(`customers.panels`). The 360° page's price check and `GET /api/v1/customers/{id}/price/`
call `prices_resolve` / `price_resolve` below.

The names of the price's sources are the price lists' own, so they live here.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

CUSTOMER_LIST = "customer list"
GROUP_LIST = "group list"
LIST_PRICE = "list price"
SOURCES = (CUSTOMER_LIST, GROUP_LIST, LIST_PRICE)

_resolver: Callable[..., dict[int, Any]] | None = None


def register_resolver(resolver: Callable[..., dict[int, Any]]) -> None:
    """Install the rule: `resolver(customer=, products=, on_date=, currency=)` returns
    the resolved price per product id."""
    global _resolver
    _resolver = resolver


def prices_resolve(
    *,
    customer,
    products: Iterable[Any],
    on_date: datetime.date | None = None,
    currency: str | None = None,
) -> dict[int, Any]:
    """The resolved price of each product (keyed by product id): a
    `pricing.resolution.ResolvedPrice`."""
    if _resolver is None:
        raise ImproperlyConfigured("Prices need tradepost.pricing in INSTALLED_APPS.")
    return _resolver(customer=customer, products=products, on_date=on_date, currency=currency)


def price_resolve(
    *, customer, product, on_date: datetime.date | None = None, currency: str | None = None
) -> Any:
    """What `customer` pays for `product` (tax-exclusive)."""
    return prices_resolve(
        customer=customer, products=[product], on_date=on_date, currency=currency
    )[product.pk]
