"""Transfers (调拨单): stock moving between two locations — a warehouse restocking a
store, or one store helping another (异地调拨).

    requested → shipped (in transit) → received; requested → cancelled

Shipping takes the goods out of the source (at its average cost; no more than is
available there) and shows them in transit at the destination; receiving puts them on
hand there, re-averaging its cost. Warehouse managers run them
(`inventory.add_transfer`, `change_transfer`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from billing.access import ensure_writable
from tradepost.audit.services import audit_record
from tradepost.inventory.ledger import Posting
from tradepost.inventory.lines import StockLineInput, lines_check, lot_get
from tradepost.inventory.models import StockMove, Transfer, TransferLine
from tradepost.lifecycle import Lifecycle, Transition
from tradepost.lifecycle.rows import lines_replace
from tradepost.masterdata.models import Location
from tradepost.masterdata.services import document_number_next
from tradepost.pricing import documents
from tradepost.principals import Actor

S = Transfer.Status


def transfer_payload(transfer: Transfer) -> dict[str, Any]:
    return {
        "id": transfer.pk,
        "number": transfer.number,
        "status": transfer.status,
        "source": transfer.source_id,
        "destination": transfer.destination_id,
    }


LIFECYCLE: Lifecycle[Transfer] = Lifecycle(
    model=Transfer,
    path=[S.REQUESTED, S.SHIPPED, S.RECEIVED],
    refusal=gettext_lazy("A transfer that is “%(status)s” cannot be %(action)s."),
    payload=transfer_payload,
    refresh=("status", "updated_at"),
    transitions=[
        Transition(
            "ship",
            source=[S.REQUESTED],
            target=S.SHIPPED,
            permission="inventory.change_transfer",
            action="transfer.shipped",
            verb=pgettext_lazy("cannot be …", "shipped"),
        ),
        Transition(
            "receive",
            source=[S.SHIPPED],
            target=S.RECEIVED,
            permission="inventory.change_transfer",
            action="transfer.received",
            verb=pgettext_lazy("cannot be …", "received"),
        ),
        Transition(
            "cancel",
            source=[S.REQUESTED],
            target=S.CANCELLED,
            permission="inventory.change_transfer",
            action="transfer.cancelled",
            verb=pgettext_lazy("cannot be …", "cancelled"),
        ),
    ],
)


@transaction.atomic
def transfer_create(
    *,
    actor: Actor,
    source: Location,
    destination: Location,
    lines: list[StockLineInput],
    notes: str = "",
) -> Transfer:
    """Ask for `lines` to move from `source` to `destination`."""
    documents.require(actor, "inventory.add_transfer")
    ensure_writable()
    errors: dict[str, list[str]] = {}
    if source.pk == destination.pk:
        errors["destination"] = [_("Choose a place other than where the goods are.")]
    for name, place in (("source", source), ("destination", destination)):
        if not place.is_active:
            errors.setdefault(name, []).append(_("This location is inactive."))
    if errors:
        raise ValidationError(errors)
    lines_check(lines)
    transfer = Transfer.objects.create(
        number=document_number_next(key="transfer"),
        source=source,
        destination=destination,
        notes=(notes or "").strip(),
        created_by=documents.actor_user(actor),
    )
    rows = [
        TransferLine(
            transfer=transfer,
            product=line["product"],
            quantity=line["quantity"],
            lot=lot_get(line["product"], line.get("lot_number") or "")
            if line["product"].lot_tracked
            else None,
        )
        for line in lines
    ]
    lines_replace(transfer.lines, rows, new=True)
    audit_record(actor=actor, action="transfer.created", target=transfer)
    return transfer


@transaction.atomic
def transfer_ship(*, actor: Actor, transfer: Transfer) -> Transfer:
    """The goods leave the source: out of its stock, in transit to the destination."""
    step = LIFECYCLE.start("ship", actor=actor, document=transfer)
    locked = step.lock()
    rows = list(locked.lines.select_related("product", "lot"))
    posting = Posting(actor, "transfer", locked.pk, locked.number)
    keys = {
        (row.product_id, place)
        for row in rows
        for place in (locked.source_id, locked.destination_id)
    }
    posting.lock(keys, lots=[(row.lot_id, locked.source_id) for row in rows if row.lot_id])
    for row in rows:
        row.unit_cost = posting.balance(row.product, locked.source_id).average_cost
        posting.move(
            StockMove.Kind.TRANSFER_OUT, row.product, locked.source_id, -row.quantity, lot=row.lot
        )
        posting.transit(row.product, locked.destination_id, row.quantity)
    TransferLine.objects.bulk_update(rows, ["unit_cost"])
    posting.save()
    return step.finish(fields={"shipped_at": timezone.now()})


@transaction.atomic
def transfer_receive(*, actor: Actor, transfer: Transfer) -> Transfer:
    """The goods arrived: on hand at the destination, at the cost they left with."""
    step = LIFECYCLE.start("receive", actor=actor, document=transfer)
    locked = step.lock()
    rows = list(locked.lines.select_related("product", "lot"))
    posting = Posting(actor, "transfer", locked.pk, locked.number)
    posting.lock(
        {(row.product_id, locked.destination_id) for row in rows},
        lots=[(row.lot_id, locked.destination_id) for row in rows if row.lot_id],
    )
    for row in rows:
        posting.transit(row.product, locked.destination_id, -row.quantity)
        posting.move(
            StockMove.Kind.TRANSFER_IN,
            row.product,
            locked.destination_id,
            row.quantity,
            lot=row.lot,
            unit_cost=row.unit_cost,
        )
    posting.save()
    return step.finish(fields={"received_at": timezone.now()})


@transaction.atomic
def transfer_cancel(*, actor: Actor, transfer: Transfer) -> Transfer:
    return LIFECYCLE.run("cancel", actor=actor, document=transfer)
