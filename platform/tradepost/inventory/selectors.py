"""Reads of stock and of the inventory documents, and who sees which.

Stock balances and moves are workspace-wide facts: whoever may view stock sees every
location's (salespeople see availability; only `view_stock_cost` shows costs).
Deliveries follow their order: whoever sees the order sees its deliveries — a dealer
its own, the warehouse every confirmed order's. Receipts, transfers, stocktakes and
adjustments are the warehouse's documents: their view permission is the scope.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import F, Q, QuerySet

from tradepost.inventory.models import (
    Delivery,
    Lot,
    LotBalance,
    StockBalance,
    StockMove,
)
from tradepost.principals import Actor
from tradepost.sales.selectors import orders_visible_to


def deliveries_visible_to(actor: Actor) -> QuerySet[Delivery]:
    return Delivery.objects.filter(order__in=orders_visible_to(actor))


def balances(*, location_id: int | None = None) -> QuerySet[StockBalance]:
    """Balances with their product and location, for lists."""
    rows = StockBalance.objects.select_related("product", "location", "product__category")
    if location_id is not None:
        rows = rows.filter(location_id=location_id)
    return rows


def below_threshold_q() -> Q:
    """Balances whose available stock is under their reorder point."""
    return Q(reorder_point__isnull=False) & Q(reorder_point__gt=F("on_hand") - F("reserved"))


def available(product_id: int, location_id: int) -> Decimal:
    row = (
        StockBalance.objects.filter(product_id=product_id, location_id=location_id)
        .values_list("on_hand", "reserved")
        .first()
    )
    return row[0] - row[1] if row else Decimal(0)


def lots_fefo(product_id: int, location_id: int, *, on: datetime.date) -> list[LotBalance]:
    """The product's unexpired lots on hand at the location, first-expiring first (a
    lot without an expiry date last)."""
    return list(
        LotBalance.objects.filter(
            lot__product_id=product_id, location_id=location_id, on_hand__gt=0
        )
        .filter(Q(lot__expires_on__isnull=True) | Q(lot__expires_on__gte=on))
        .select_related("lot")
        .order_by(F("lot__expires_on").asc(nulls_last=True), "lot__number", "pk")
    )


def lots_to_choose(
    product_ids: list[int], location_id: int, *, on: datetime.date
) -> dict[int, list[LotBalance]]:
    """Per product: its unexpired lots with stock at the location, first-expiring first —
    what a delivery may be picked from (one query)."""
    choices: dict[int, list[LotBalance]] = {pk: [] for pk in product_ids}
    rows = (
        LotBalance.objects.filter(
            lot__product_id__in=product_ids, location_id=location_id, on_hand__gt=0
        )
        .filter(Q(lot__expires_on__isnull=True) | Q(lot__expires_on__gte=on))
        .select_related("lot")
        .order_by(F("lot__expires_on").asc(nulls_last=True), "lot__number", "pk")
    )
    for row in rows:
        choices[row.lot.product_id].append(row)
    return choices


def stock_card(product_id: int, location_id: int | None = None) -> QuerySet[StockMove]:
    """The product's moves, oldest first (for a running balance)."""
    moves = StockMove.objects.filter(product_id=product_id).select_related(
        "location", "lot", "created_by"
    )
    if location_id is not None:
        moves = moves.filter(location_id=location_id)
    return moves.order_by("created_at", "pk")


def lot_for(product_id: int, number: str) -> Lot | None:
    return Lot.objects.filter(product_id=product_id, number=number).first()
