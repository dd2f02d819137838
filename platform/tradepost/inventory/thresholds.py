"""Reorder points (补货点): below this much available stock a product is low at a
location. Warehouse managers set them (`inventory.change_stockbalance`).

Setting a point does not emit `stock.low` even when the balance is already under it:
the ledger emits that event when a posting crosses the point downward
(`ledger.Posting.save`), and the stock list's `below_threshold` filter shows what is
low now.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from billing.access import ensure_writable
from tradepost.audit.services import audit_record
from tradepost.inventory.models import StockBalance
from tradepost.lifecycle.rows import row_lock
from tradepost.pricing import documents
from tradepost.principals import Actor


@transaction.atomic
def reorder_point_set(
    *, actor: Actor, balance: StockBalance, reorder_point: Decimal | None
) -> StockBalance:
    """Set (or with None clear) the balance's reorder point: zero or more, with the
    precision of a quantity."""
    documents.require(actor, "inventory.change_stockbalance")
    ensure_writable()
    if reorder_point is not None:
        if not reorder_point.is_finite() or reorder_point < 0:
            raise ValidationError({"reorder_point": [_("Enter a quantity of zero or more.")]})
        reorder_point = documents.decimal_checked(
            reorder_point,
            field="reorder_point",
            places=documents.QUANTITY_PLACES,
            maximum=documents.MAX_QUANTITY,
        )
    locked = row_lock(StockBalance.objects.all(), balance.pk)
    previous = locked.reorder_point
    locked.reorder_point = reorder_point
    locked.save(update_fields=["reorder_point", "updated_at"])
    audit_record(
        actor=actor,
        action="stock.reorder_point_set",
        target=locked,
        data={
            "product": locked.product_id,
            "location": locked.location_id,
            "from": None if previous is None else str(previous),
            "to": None if reorder_point is None else str(reorder_point),
        },
    )
    return locked
