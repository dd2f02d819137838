"""How a sales order meets the goods: the seam between sales and inventory.

Sales does not import inventory (inventory builds on sales), yet confirming an order
must reserve stock, cancelling must release it, "ship" must issue stock through a
delivery and a return must bring it back. The order services call the one registered
`Fulfilment` at those points, inside their transaction; inventory registers its
implementation in its `AppConfig.ready` (`inventory.fulfilment.StockFulfilment`).

Without a registered one (sales on its own) nothing is reserved, and shipping and
delivering only record the quantities on the order's lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from tradepost.principals import Actor

if TYPE_CHECKING:
    from tradepost.sales.models import Order, OrderReturn


class Fulfilment(Protocol):
    def reserve(self, *, actor: Actor, order: Order) -> None:
        """Hold the lines of `order` (locked, being confirmed) at its warehouse; raise
        `ValidationError` (code `insufficient_stock`) naming the short lines."""

    def release(self, *, actor: Actor, order: Order) -> None:
        """Give back what `order` (locked, being cancelled) holds."""

    def ship(
        self, *, actor: Actor, order: Order, quantities: Mapping[int, Decimal] | None
    ) -> Order:
        """Ship `quantities` (line id → quantity; None: all that is open) now."""

    def deliver(self, *, actor: Actor, order: Order) -> Order:
        """Everything shipped has arrived."""

    def returned(self, *, actor: Actor, order_return: OrderReturn) -> None:
        """The goods of `order_return` came back."""

    def available(self, *, order: Order) -> Mapping[int, Decimal]:
        """Per line id of `order` whose product tracks stock: what is available (on
        hand less reserved) at the order's warehouse now — for the order's page."""


_registered: list[Fulfilment] = []


def register(fulfilment: Fulfilment) -> None:
    """Make `fulfilment` the one the order services use (called once, at start-up)."""
    _registered[:] = [fulfilment]


def current() -> Fulfilment | None:
    return _registered[0] if _registered else None


def available_for(order: Order) -> Mapping[int, Decimal]:
    """`Fulfilment.available` of the registered one; nothing without one."""
    fulfilment = current()
    return fulfilment.available(order=order) if fulfilment is not None else {}
