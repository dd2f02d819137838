"""Stocktakes (盘点): count one location and post the differences.

    counting → posted; counting → cancelled

Starting one lists every product (and lot) the location holds with what the ledger
expects then; counts are entered (a phone in the aisle, a line at a time or all at
once), and goods found on the shelf that the sheet did not list are added to it with
an expected 0 (a lot-tracked product by its lot, created if new); posting compares
each count with the stock *at posting time* and writes the difference as a
`stocktake` move with the reason. A count below what is reserved for confirmed orders
is refused: cancel or move those orders first. Warehouse managers run them
(`inventory.add_stocktake`, `change_stocktake`).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, NotRequired, TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from billing.access import ensure_writable
from tradepost.audit.services import audit_record
from tradepost.inventory.ledger import Posting
from tradepost.inventory.lines import lot_get_or_create
from tradepost.inventory.models import (
    LotBalance,
    StockBalance,
    StockMove,
    Stocktake,
    StocktakeLine,
)
from tradepost.lifecycle import Lifecycle, Transition
from tradepost.lifecycle.rows import rows_lock
from tradepost.masterdata.models import Location, Product
from tradepost.masterdata.services import document_number_next
from tradepost.pricing import documents
from tradepost.pricing.lines import decimal_text
from tradepost.principals import Actor

S = Stocktake.Status


def stocktake_payload(stocktake: Stocktake) -> dict[str, Any]:
    return {
        "id": stocktake.pk,
        "number": stocktake.number,
        "status": stocktake.status,
        "location": stocktake.location_id,
    }


LIFECYCLE: Lifecycle[Stocktake] = Lifecycle(
    model=Stocktake,
    path=[S.COUNTING, S.POSTED],
    refusal=gettext_lazy("A stocktake that is “%(status)s” cannot be %(action)s."),
    payload=stocktake_payload,
    refresh=("status", "updated_at"),
    transitions=[
        Transition(
            "count",
            source=[S.COUNTING],
            target=None,
            permission="inventory.change_stocktake",
            action="stocktake.counted",
            verb=pgettext_lazy("cannot be …", "counted"),
            endpoint="counts",
        ),
        Transition(
            "post",
            source=[S.COUNTING],
            target=S.POSTED,
            permission="inventory.change_stocktake",
            action="stocktake.posted",
            verb=pgettext_lazy("cannot be …", "posted"),
        ),
        Transition(
            "cancel",
            source=[S.COUNTING],
            target=S.CANCELLED,
            permission="inventory.change_stocktake",
            action="stocktake.cancelled",
            verb=pgettext_lazy("cannot be …", "cancelled"),
        ),
    ],
)


@transaction.atomic
def stocktake_create(*, actor: Actor, location: Location, reason: str = "") -> Stocktake:
    """A count sheet of everything `location` holds (a lot-tracked product by lot)."""
    documents.require(actor, "inventory.add_stocktake")
    ensure_writable()
    if not location.is_active:
        raise ValidationError({"location": [_("This location is inactive.")]})
    stocktake = Stocktake.objects.create(
        number=document_number_next(key="stocktake"),
        location=location,
        reason=(reason or "").strip()[:300],
        created_by=documents.actor_user(actor),
    )
    rows = []
    lot_products = set()
    for lot_balance in LotBalance.objects.filter(location=location, on_hand__gt=0).select_related(
        "lot"
    ):
        lot_products.add(lot_balance.lot.product_id)
        rows.append(
            StocktakeLine(
                stocktake=stocktake,
                product_id=lot_balance.lot.product_id,
                lot=lot_balance.lot,
                expected=lot_balance.on_hand,
            )
        )
    for balance in StockBalance.objects.filter(location=location, on_hand__gt=0):
        if balance.product_id not in lot_products:
            rows.append(
                StocktakeLine(
                    stocktake=stocktake, product_id=balance.product_id, expected=balance.on_hand
                )
            )
    StocktakeLine.objects.bulk_create(rows)
    audit_record(
        actor=actor, action="stocktake.created", target=stocktake, data={"lines": len(rows)}
    )
    return stocktake


class FoundCount(TypedDict):
    """A product found on the shelf that the sheet did not list, and how many: a
    lot-tracked one names its lot (and the expiry of a lot not seen before)."""

    product: Product
    counted: Decimal
    lot_number: NotRequired[str]
    expires_on: NotRequired[datetime.date | None]


@transaction.atomic
def stocktake_count(
    *,
    actor: Actor,
    stocktake: Stocktake,
    counts: Mapping[int, Decimal | None],
    add: Sequence[FoundCount] = (),
) -> Stocktake:
    """Enter counts: `counts` maps line id → counted quantity (None clears it); `add`
    puts products found on the shelf on the sheet (expected 0, so the count posts as
    stock found). A found lot-tracked product needs its lot number; a lot not seen
    before is created with the expiry given."""
    step = LIFECYCLE.start("count", actor=actor, document=stocktake)
    locked = step.lock()
    lines = {line.pk: line for line in locked.lines.all()}
    errors = []
    changed = []
    for line_id, counted in counts.items():
        line = lines.get(line_id)
        if line is None:
            errors.append(_("Line %(id)s is not on this count sheet.") % {"id": line_id})
            continue
        if counted is not None and (counted < 0 or counted > documents.MAX_QUANTITY):
            errors.append(_("Line %(id)s: enter a count of zero or more.") % {"id": line_id})
            continue
        line.counted = counted
        changed.append(line)
    on_sheet = {(line.product_id, line.lot_id) for line in lines.values()}
    new_rows = []
    for found in add:
        product, counted = found["product"], found["counted"]
        number = (found.get("lot_number") or "").strip()
        if not product.tracks_stock:
            errors.append(_("%(sku)s does not track stock.") % {"sku": product.sku})
            continue
        if counted is None or counted < 0 or counted > documents.MAX_QUANTITY:
            errors.append(_("%(sku)s: enter a count of zero or more.") % {"sku": product.sku})
            continue
        lot = None
        if product.lot_tracked:
            if not number:
                errors.append(
                    _("%(sku)s: enter the lot number of what was found.") % {"sku": product.sku}
                )
                continue
            if len(number) > 60:
                errors.append(
                    _("%(sku)s: a lot number has at most 60 characters.") % {"sku": product.sku}
                )
                continue
            try:
                lot = lot_get_or_create(product, number, found.get("expires_on"))
            except ValidationError as exc:
                errors.extend(exc.messages)
                continue
        elif number:
            errors.append(_("%(sku)s does not track lots.") % {"sku": product.sku})
            continue
        key = (product.pk, lot.pk if lot is not None else None)
        listed = key in on_sheet or (lot is None and any(p == product.pk for p, _l in on_sheet))
        if listed:
            errors.append(
                _("%(sku)s is on the sheet already.") % {"sku": product.sku}
                if lot is None
                else _("%(sku)s lot %(lot)s is on the sheet already.")
                % {"sku": product.sku, "lot": lot.number}
            )
            continue
        on_sheet.add(key)
        new_rows.append(
            StocktakeLine(stocktake=locked, product=product, lot=lot, expected=0, counted=counted)
        )
    if errors:
        raise ValidationError({"lines": errors})
    StocktakeLine.objects.bulk_update(changed, ["counted"])
    StocktakeLine.objects.bulk_create(new_rows)
    return step.finish(data={"counted": len(changed), "found": len(new_rows)})


@transaction.atomic
def stocktake_post(*, actor: Actor, stocktake: Stocktake, reason: str = "") -> Stocktake:
    """Write each counted line's difference to the ledger (uncounted lines are left as
    they are)."""
    step = LIFECYCLE.start("post", actor=actor, document=stocktake)
    locked = step.lock()
    reason = (reason or locked.reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": [_("Say why the stock is counted (e.g. month-end count).")]}
        )
    rows = [
        line
        for line in rows_lock(locked.lines.select_related("product", "lot"), of=("self",))
        if line.counted is not None
    ]
    if not rows:
        raise ValidationError({"lines": [_("Enter at least one count before posting.")]})
    place = locked.location_id
    posting = Posting(actor, "stocktake", locked.pk, locked.number)
    posting.lock(
        {(row.product_id, place) for row in rows},
        lots=[(row.lot_id, place) for row in rows if row.lot_id],
    )
    errors = []
    for row in rows:
        balance = posting.balance(row.product, place)
        current = (
            posting.lot_balances[(row.lot_id, place)].on_hand if row.lot_id else balance.on_hand
        )
        difference = row.counted - current
        if difference == 0:
            continue
        if balance.on_hand + difference < balance.reserved:
            errors.append(
                _(
                    "%(sku)s: %(reserved)s are reserved for confirmed orders; the count leaves "
                    "%(left)s."
                )
                % {
                    "sku": row.product.sku,
                    "reserved": decimal_text(balance.reserved),
                    "left": decimal_text(balance.on_hand + difference),
                }
            )
            continue
        posting.move(
            StockMove.Kind.STOCKTAKE, row.product, place, difference, lot=row.lot, reason=reason
        )
    if errors:
        raise ValidationError({"lines": errors})
    posting.save()
    return step.finish(
        fields={"posted_at": timezone.now(), "reason": reason[:300]}, data={"lines": len(rows)}
    )


@transaction.atomic
def stocktake_cancel(*, actor: Actor, stocktake: Stocktake) -> Stocktake:
    return LIFECYCLE.run("cancel", actor=actor, document=stocktake)
