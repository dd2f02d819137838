"""The stock ledger: the one place that writes stock moves and the balances kept from
them. Every document service posts through a `Posting`.

A posting locks the balance rows it touches — creating missing ones first, then
`SELECT … FOR UPDATE` in primary-key order (`lifecycle.rows.rows_lock`), so two
postings can never wait on each other in a circle — changes them in memory, checks
the rules a person can act on (“only 3 available”), and writes everything in a few
statements when `save()` is called: the moves in one insert, the balances in one
update. The database's CHECK constraints (on hand ≥ 0, 0 ≤ reserved ≤ on hand, lot on
hand ≥ 0) stand behind the checks here.

What changes a balance:

* `move(...)` — a ledger line: on hand ± quantity (and the lot's on hand); a
  receipt-like move with a `unit_cost` updates the moving-average cost.
* `reserve(...)` / `unreserve(...)` — what confirmed orders hold (no ledger line:
  nothing moved).
* `transit(...)` — a transfer's goods on their way to a location.

Crossing a reorder point downward emits `stock.low` once per crossing.

Readers that keep figures of their own from the ledger (the monthly stock report's
rollup) register with `register_moves_listener`: each is called inside the posting's
transaction with the moves just written, so its figures commit or roll back with them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from tradepost import events
from tradepost.inventory.models import COST_DECIMAL_PLACES, LotBalance, StockBalance, StockMove
from tradepost.lifecycle.rows import rows_lock
from tradepost.masterdata.models import Location, Product
from tradepost.pricing.documents import actor_user
from tradepost.pricing.lines import decimal_text
from tradepost.principals import Actor

ZERO = Decimal("0")
COST_PLACES = Decimal(1).scaleb(-COST_DECIMAL_PLACES)

Key = tuple[int, int]  # (product id, location id)

MovesListener = Callable[[Sequence[StockMove]], None]
_moves_listeners: list[MovesListener] = []


def register_moves_listener(listener: MovesListener) -> None:
    """Call `listener(moves)` with the moves of every posting, in its transaction, after
    they are written (once per listener, however often it registers: at start-up)."""
    if listener not in _moves_listeners:
        _moves_listeners.append(listener)


def stock_low_payload(balance: StockBalance) -> dict[str, Any]:
    return {
        "product": balance.product_id,
        "location": balance.location_id,
        "on_hand": str(balance.on_hand),
        "reserved": str(balance.reserved),
        "available": str(balance.available),
        "reorder_point": str(balance.reorder_point),
    }


def balances_lock(keys: Iterable[Key]) -> dict[Key, StockBalance]:
    """The balance rows of `keys` (product id, location id), created when missing and
    locked in primary-key order."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    StockBalance.objects.bulk_create(
        [StockBalance(product_id=p, location_id=loc) for p, loc in wanted],
        ignore_conflicts=True,
    )
    condition = _pairs_q(wanted)
    rows = rows_lock(StockBalance.objects.filter(condition).select_related("product"), of=("self",))
    return {(row.product_id, row.location_id): row for row in rows}


def _pairs_q(pairs: list[Key]) -> Q:
    by_location: dict[int, list[int]] = {}
    for product_id, location_id in pairs:
        by_location.setdefault(location_id, []).append(product_id)
    condition = Q()
    for location_id, products in by_location.items():
        condition |= Q(location_id=location_id, product_id__in=products)
    return condition


@dataclass
class Posting:
    """The stock changes of one document, written together by `save()`.

    `document_type` and `document_id` name the document the moves point at, and
    `reference` is its number as people read it."""

    actor: Actor
    document_type: str
    document_id: int
    reference: str
    balances: dict[Key, StockBalance] = field(default_factory=dict)
    lot_balances: dict[tuple[int, int], LotBalance] = field(default_factory=dict)
    moves: list[StockMove] = field(default_factory=list)
    _low_before: dict[Key, bool] = field(default_factory=dict)

    def lock(self, keys: Iterable[Key], lots: Iterable[tuple[int, int]] = ()) -> None:
        """Lock the balances of `keys` and the lot balances of `lots` (lot id, location
        id) before changing them (all of a posting's locks at once, in a fixed order)."""
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("Stock is posted inside the service's transaction.")
        self.balances.update(balances_lock(keys))
        for key, balance in self.balances.items():
            self._low_before.setdefault(key, balance.is_low)
        wanted = sorted(set(lots) - set(self.lot_balances))
        if wanted:
            LotBalance.objects.bulk_create(
                [LotBalance(lot_id=lot, location_id=loc) for lot, loc in wanted],
                ignore_conflicts=True,
            )
            condition = Q()
            for lot_id, location_id in wanted:
                condition |= Q(lot_id=lot_id, location_id=location_id)
            for row in rows_lock(LotBalance.objects.filter(condition).select_related("lot")):
                self.lot_balances[(row.lot_id, row.location_id)] = row

    def balance(self, product: Product | int, location: Location | int) -> StockBalance:
        key = (_id(product), _id(location))
        try:
            return self.balances[key]
        except KeyError:
            raise RuntimeError(f"balance {key} was not locked first") from None

    # --- Changes ---------------------------------------------------------------------
    def move(
        self,
        kind: str,
        product: Product,
        location: Location | int,
        quantity: Decimal,
        *,
        lot: Any = None,
        unit_cost: Decimal | None = None,
        reason: str = "",
        from_reserved: bool = False,
    ) -> StockMove:
        """A ledger line of `quantity` (signed) at `location`. Incoming stock with a
        `unit_cost` re-averages the cost; outgoing stock leaves at the average cost.
        `from_reserved`: the goods leaving were reserved (a delivery), so available
        does not change. Refuses to take more than is there (or available)."""
        balance = self.balance(product, location)
        if quantity > 0:
            if unit_cost is not None and balance.on_hand + quantity > 0:
                total = balance.on_hand * balance.average_cost + quantity * unit_cost
                balance.average_cost = (total / (balance.on_hand + quantity)).quantize(
                    COST_PLACES, rounding=ROUND_HALF_UP
                )
            cost = unit_cost if unit_cost is not None else balance.average_cost
        else:
            taking = -quantity
            if from_reserved:
                if taking > balance.on_hand:
                    raise self._short(product, balance.on_hand, location)
                balance.reserved = max(ZERO, balance.reserved - taking)
            elif taking > balance.available:
                raise self._short(product, balance.available, location)
            cost = balance.average_cost
        balance.on_hand += quantity
        if lot is not None:
            lot_balance = self.lot_balances[(lot.pk, _id(location))]
            if lot_balance.on_hand + quantity < 0:
                raise ValidationError(
                    _("Lot %(lot)s of %(sku)s: only %(left)s on hand at %(location)s.")
                    % {
                        "lot": lot.number,
                        "sku": product.sku,
                        "left": decimal_text(lot_balance.on_hand),
                        "location": _name(location, balance),
                    }
                )
            lot_balance.on_hand += quantity
        stock_move = StockMove(
            kind=kind,
            product_id=product.pk,
            location_id=_id(location),
            lot=lot,
            quantity=quantity,
            unit_cost=cost,
            document_type=self.document_type,
            document_id=self.document_id,
            reference=self.reference,
            reason=reason[:300],
            created_by=actor_user(self.actor),
        )
        self.moves.append(stock_move)
        return stock_move

    def reserve(self, product: Product, location: Location | int, quantity: Decimal) -> bool:
        """Hold `quantity` for an order; False (nothing held) when less is available."""
        balance = self.balance(product, location)
        if quantity > balance.available:
            return False
        balance.reserved += quantity
        return True

    def unreserve(
        self, product: Product | int, location: Location | int, quantity: Decimal
    ) -> None:
        balance = self.balance(product, location)
        balance.reserved = max(ZERO, balance.reserved - quantity)

    def transit(self, product: Product | int, location: Location | int, quantity: Decimal) -> None:
        """`quantity` (signed) more is on its way to `location`."""
        balance = self.balance(product, location)
        balance.in_transit = max(ZERO, balance.in_transit + quantity)

    def _short(self, product: Product, left: Decimal, location: Location | int) -> ValidationError:
        return ValidationError(
            _("%(sku)s: only %(left)s available at %(location)s.")
            % {
                "sku": product.sku,
                "left": decimal_text(left),
                "location": _name(location, self.balance(product, location)),
            },
            code="insufficient_stock",
        )

    # --- Writing ---------------------------------------------------------------------
    def save(self) -> None:
        """Write the moves and every locked balance; emit `stock.low` for each balance
        that fell below its reorder point here."""
        if self.moves:
            StockMove.objects.bulk_create(self.moves)
            for listener in _moves_listeners:
                listener(self.moves)
        if self.balances:
            StockBalance.objects.bulk_update(
                list(self.balances.values()),
                ["on_hand", "reserved", "in_transit", "average_cost"],
            )
        if self.lot_balances:
            LotBalance.objects.bulk_update(list(self.lot_balances.values()), ["on_hand"])
        for key, balance in self.balances.items():
            if balance.is_low and not self._low_before.get(key, False):
                events.emit(event_type="stock.low", payload=stock_low_payload(balance))
        # A second save() writes only what changed after this one.
        self.moves = []
        self._low_before = {key: balance.is_low for key, balance in self.balances.items()}


def _id(value: Any) -> int:
    return value if isinstance(value, int) else value.pk


def _name(location: Location | int, balance: StockBalance) -> str:
    if isinstance(location, Location):
        return location.name
    return str(Location.objects.filter(pk=location).values_list("name", flat=True).first())
