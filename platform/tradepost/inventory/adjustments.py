"""Stock adjustments: a correction with a reason (breakage, found goods) or a
location's opening stock, posted at once by a warehouse manager
(`inventory.add_stockadjustment`). Negative lines cannot take more than is available.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from billing.access import ensure_writable
from tradepost.audit.services import audit_record
from tradepost.inventory.ledger import Posting
from tradepost.inventory.lines import StockLineInput, lines_check, lot_get, lot_get_or_create
from tradepost.inventory.models import StockAdjustment, StockAdjustmentLine, StockMove
from tradepost.masterdata.models import Location
from tradepost.masterdata.services import document_number_next
from tradepost.pricing import documents
from tradepost.principals import Actor


@transaction.atomic
def adjustment_post(
    *,
    actor: Actor,
    location: Location,
    lines: list[StockLineInput],
    reason: str,
    opening: bool = False,
) -> StockAdjustment:
    """Post `lines` (signed quantities; with `opening`, the stock a location starts
    with, positive, at its unit cost) to `location`'s ledger."""
    documents.require(actor, "inventory.add_stockadjustment")
    ensure_writable()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the stock changes.")]})
    if not location.is_active:
        raise ValidationError({"location": [_("This location is inactive.")]})
    lines_check(lines, signed=not opening)
    adjustment = StockAdjustment.objects.create(
        number=document_number_next(key="stock_adjustment"),
        location=location,
        reason=reason[:300],
        is_opening=opening,
        created_by=documents.actor_user(actor),
    )
    rows = []
    for line in lines:
        product, quantity = line["product"], line["quantity"]
        lot = None
        if product.lot_tracked:
            number = line.get("lot_number") or ""
            lot = (
                lot_get_or_create(product, number, line.get("expires_on"))
                if quantity > 0
                else lot_get(product, number)
            )
        rows.append(
            StockAdjustmentLine(
                adjustment=adjustment,
                product=product,
                lot=lot,
                quantity=quantity,
                unit_cost=line.get("unit_cost") or 0,
            )
        )
    posting = Posting(actor, "stock_adjustment", adjustment.pk, adjustment.number)
    posting.lock(
        {(row.product_id, location.pk) for row in rows},
        lots=[(row.lot_id, location.pk) for row in rows if row.lot_id],
    )
    kind = StockMove.Kind.OPENING if opening else StockMove.Kind.ADJUSTMENT
    for row in rows:
        posting.move(
            kind,
            row.product,
            location.pk,
            row.quantity,
            lot=row.lot,
            unit_cost=line_cost(row),
            reason=adjustment.reason,
        )
    StockAdjustmentLine.objects.bulk_create(rows)
    posting.save()
    audit_record(
        actor=actor,
        action="stock_adjustment.posted",
        target=adjustment,
        data={"lines": len(rows), "opening": opening},
    )
    return adjustment


def line_cost(row: StockAdjustmentLine) -> Decimal | None:
    """Goods found or opened at a cost re-average it; without one, the average holds."""
    return row.unit_cost if row.quantity > 0 and row.unit_cost else None
