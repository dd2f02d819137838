"""The seam through which readers keep figures of their own from sales as they post.

Sales does not import the apps that report on it (reports builds on sales). A reader
that keeps a rollup of what was sold (`reports.sales_rollup`) registers a listener
here at start-up (its `AppConfig.ready`); the order services call every listener
inside their transaction, so the reader's figures commit or roll back with the sale:

* `confirmed` — an order was confirmed: its lines now count as sold;
* `cancelled` — a confirmed order was cancelled: its lines no longer count;
* `returned` — goods came back (`order_return_id` names the return).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

CONFIRMED: Final = "confirmed"
CANCELLED: Final = "cancelled"
RETURNED: Final = "returned"


@dataclass(frozen=True)
class SalesPosting:
    kind: Literal["confirmed", "cancelled", "returned"]
    order_id: int
    order_return_id: int | None = None


SalesListener = Callable[[SalesPosting], None]
_listeners: list[SalesListener] = []


def register_sales_listener(listener: SalesListener) -> None:
    """Call `listener(posting)` on every sale posted, in its transaction (once per
    listener, however often it registers: at start-up)."""
    if listener not in _listeners:
        _listeners.append(listener)


def sales_posted(posting: SalesPosting) -> None:
    """Tell every registered listener (the order services call this)."""
    for listener in _listeners:
        listener(posting)
