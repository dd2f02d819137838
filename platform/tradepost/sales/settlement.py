"""How a sales order meets the money: the seam between sales and settlement.

Sales does not import settlement (settlement builds on sales: invoices come from
orders), yet confirming an order must check the customer's credit and turn its deposit
into a payment on account, and the credits that returns and price adjustments owe a
customer must be settled. The sales and channel services call the one registered
`Settlement` at those points, inside their transaction; settlement registers its
implementation in its `AppConfig.ready` (`settlement.credit.AccountSettlement`).

Without a registered one (sales on its own) nothing is checked, deposits stay on the
order and credits stay open.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from tradepost.principals import Actor

if TYPE_CHECKING:
    from tradepost.customers.models import Customer
    from tradepost.sales.models import Order, SettlementCredit


class Settlement(Protocol):
    def confirming(self, *, actor: Actor, order: Order) -> None:
        """`order` (locked) is being confirmed: refuse it (`ValidationError`, code
        `credit_limit_exceeded`, with the figures) when the customer's credit does not
        allow it, and book its deposit as a payment on account."""

    def credits_posted(self, *, actor: Actor, credits: Sequence[SettlementCredit]) -> None:
        """`credits` were just saved: apply them to the customers' accounts."""

    def position(self, *, customer: Customer) -> dict[str, Any] | None:
        """The customer's credit position for a page (limit, balance, exposure …)."""


_registered: list[Settlement] = []


def register(settlement: Settlement | None) -> None:
    """Make `settlement` the one the sales services use (called once, at start-up);
    None leaves sales on its own (a benchmark's baseline)."""
    _registered[:] = [settlement] if settlement is not None else []


def current() -> Settlement | None:
    return _registered[0] if _registered else None


def credits_posted(*, actor: Actor, credits: Sequence[SettlementCredit]) -> None:
    """`Settlement.credits_posted` of the registered one; nothing without one."""
    settlement = current()
    if settlement is not None and credits:
        settlement.credits_posted(actor=actor, credits=credits)


def position_for(customer: Customer) -> dict[str, Any] | None:
    settlement = current()
    return settlement.position(customer=customer) if settlement is not None else None
