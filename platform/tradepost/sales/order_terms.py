"""Master agreements as orders meet them.

An order placed under an agreement takes the agreement's prices and must stay within
its quantity caps; the order form and the API offer the agreements the user sees.
Agreements are the channel app's (`tradepost.channel`), which builds on orders — it
counts what each agreement's orders took — so sales never imports it:
`ChannelConfig.ready` registers the agreement rules here at start-up, the way apps
register sections of the customer 360° page.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

from tradepost.principals import Actor


@dataclass(frozen=True)
class AgreementRules:
    # (agreement, *, customer, on_date) → product id → agreed price, after checking on
    # the agreement's locked row that it takes the order.
    prices_for_order: Callable[..., dict[int, Decimal]]
    # (agreement, {product id: quantity}, *, exclude_order_id=None): refuses a breach.
    caps_check: Callable[..., None]
    # actor → the agreements the actor sees / those an order form offers.
    visible_to: Callable[[Actor], QuerySet[Any]]
    open_for_orders: Callable[[Actor], QuerySet[Any]]


_rules: AgreementRules | None = None


def register(rules: AgreementRules) -> None:
    global _rules
    _rules = rules


def rules() -> AgreementRules:
    if _rules is None:
        raise ImproperlyConfigured("Agreements need tradepost.channel in INSTALLED_APPS.")
    return _rules


def agreement_prices(
    agreement: Any | None, *, customer: Any, on_date: datetime.date
) -> dict[int, Decimal] | None:
    """The prices of the agreement an order is placed under (None: no agreement)."""
    if agreement is None:
        return None
    return rules().prices_for_order(agreement, customer=customer, on_date=on_date)


def caps_check(
    agreement: Any, quantities: Mapping[int, Decimal], *, exclude_order_id: int | None = None
) -> None:
    rules().caps_check(agreement, dict(quantities), exclude_order_id=exclude_order_id)
