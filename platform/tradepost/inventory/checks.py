"""The proof that balances equal the ledger (`manage.py stock_check`, and the tests).

Four sums, each one grouped query compared with the balance rows: on hand per product
× location and per lot × location against the moves; reserved against the open
reservations; in transit against the shipped, unreceived transfer lines.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from tradepost.inventory.models import (
    LotBalance,
    Reservation,
    StockBalance,
    StockMove,
    Transfer,
    TransferLine,
)


def ledger_mismatches() -> list[str]:
    """Every balance that differs from what the ledger says, as readable lines (empty
    when all agree)."""
    problems: list[str] = []
    zero = Decimal(0)

    def compare(label: str, kept: dict, summed: dict) -> None:
        for key in sorted(set(kept) | set(summed)):
            have, want = kept.get(key, zero) or zero, summed.get(key, zero) or zero
            if have != want:
                problems.append(f"{label} {key}: balance {have}, ledger {want}")

    balances = {
        (row.product_id, row.location_id): row
        for row in StockBalance.objects.all().only(
            "product_id", "location_id", "on_hand", "reserved", "in_transit"
        )
    }
    moves = {
        (p, loc): total
        for p, loc, total in StockMove.objects.values("product_id", "location_id")
        .annotate(total=Sum("quantity"))
        .values_list("product_id", "location_id", "total")
    }
    compare("on hand", {k: b.on_hand for k, b in balances.items()}, moves)
    lot_moves = {
        (lot, loc): total
        for lot, loc, total in StockMove.objects.filter(lot__isnull=False)
        .values("lot_id", "location_id")
        .annotate(total=Sum("quantity"))
        .values_list("lot_id", "location_id", "total")
    }
    lots = {(r.lot_id, r.location_id): r.on_hand for r in LotBalance.objects.all()}
    compare("lot on hand", lots, lot_moves)
    reserved = {
        (p, loc): total
        for p, loc, total in Reservation.objects.values("product_id", "location_id")
        .annotate(total=Sum("quantity"))
        .values_list("product_id", "location_id", "total")
    }
    compare("reserved", {k: b.reserved for k, b in balances.items()}, reserved)
    transit = {
        (p, loc): total
        for p, loc, total in TransferLine.objects.filter(transfer__status=Transfer.Status.SHIPPED)
        .values("product_id", "transfer__destination_id")
        .annotate(total=Sum("quantity"))
        .values_list("product_id", "transfer__destination_id", "total")
    }
    compare("in transit", {k: b.in_transit for k, b in balances.items()}, transit)
    return problems
