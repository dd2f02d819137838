"""Receipts (入库单): goods in from a supplier, with what they cost.

    draft → received; draft → cancelled

Receiving posts one ledger move per line into the receipt's location, creates the
lots it names (with their expiry) and re-averages each product's cost there.
Warehouse managers enter and receive (`inventory.add_receipt`, `change_receipt`).
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
from tradepost.inventory.lines import StockLineInput, lines_check, lot_get_or_create
from tradepost.inventory.models import Receipt, ReceiptLine, StockMove
from tradepost.lifecycle import Lifecycle, Transition
from tradepost.lifecycle.rows import lines_replace
from tradepost.masterdata.models import Location, Supplier
from tradepost.masterdata.services import document_number_next
from tradepost.pricing import documents
from tradepost.principals import Actor

S = Receipt.Status


def receipt_payload(receipt: Receipt) -> dict[str, Any]:
    return {
        "id": receipt.pk,
        "number": receipt.number,
        "status": receipt.status,
        "location": receipt.location_id,
        "supplier": receipt.supplier_id,
    }


LIFECYCLE: Lifecycle[Receipt] = Lifecycle(
    model=Receipt,
    path=[S.DRAFT, S.RECEIVED],
    refusal=gettext_lazy("A receipt that is “%(status)s” cannot be %(action)s."),
    payload=receipt_payload,
    refresh=("status", "updated_at"),
    transitions=[
        Transition(
            "edit",
            source=[S.DRAFT],
            target=None,
            permission="inventory.change_receipt",
            action="receipt.updated",
            verb=pgettext_lazy("cannot be …", "changed"),
            endpoint=None,
        ),
        Transition(
            "receive",
            source=[S.DRAFT],
            target=S.RECEIVED,
            permission="inventory.change_receipt",
            action="receipt.received",
            verb=pgettext_lazy("cannot be …", "received"),
        ),
        Transition(
            "cancel",
            source=[S.DRAFT],
            target=S.CANCELLED,
            permission="inventory.change_receipt",
            action="receipt.cancelled",
            verb=pgettext_lazy("cannot be …", "cancelled"),
        ),
    ],
)


def _place(location: Location) -> Location:
    if not location.is_active:
        raise ValidationError({"location": [_("This location is inactive.")]})
    return location


def _rows(lines: list[StockLineInput]) -> list[ReceiptLine]:
    return [
        ReceiptLine(
            product=line["product"],
            quantity=line["quantity"],
            unit_cost=line.get("unit_cost") or 0,
            lot_number=(line.get("lot_number") or "").strip(),
            expires_on=line.get("expires_on"),
        )
        for line in lines_check(lines)
    ]


@transaction.atomic
def receipt_create(
    *,
    actor: Actor,
    location: Location,
    lines: list[StockLineInput],
    supplier: Supplier | None = None,
    supplier_reference: str = "",
    notes: str = "",
) -> Receipt:
    """A draft receipt into `location`."""
    documents.require(actor, "inventory.add_receipt")
    ensure_writable()
    rows = _rows(lines)
    if supplier is not None and not supplier.is_active:
        raise ValidationError({"supplier": [_("This supplier is inactive.")]})
    receipt = Receipt.objects.create(
        number=document_number_next(key="receipt"),
        supplier=supplier,
        location=_place(location),
        supplier_reference=(supplier_reference or "").strip()[:100],
        notes=(notes or "").strip(),
        created_by=documents.actor_user(actor),
    )
    for row in rows:
        row.receipt = receipt
    lines_replace(receipt.lines, rows, new=True)
    audit_record(actor=actor, action="receipt.created", target=receipt)
    return receipt


@transaction.atomic
def receipt_update(
    *,
    actor: Actor,
    receipt: Receipt,
    lines: list[StockLineInput] | None = None,
    location: Location | None = None,
    supplier: Supplier | None = None,
    supplier_reference: str | None = None,
    notes: str | None = None,
) -> Receipt:
    step = LIFECYCLE.start("edit", actor=actor, document=receipt)
    locked = step.lock()
    fields: dict[str, Any] = {}
    if location is not None:
        fields["location"] = _place(location)
    if supplier is not None:
        fields["supplier"] = supplier
    if supplier_reference is not None:
        fields["supplier_reference"] = supplier_reference.strip()[:100]
    if notes is not None:
        fields["notes"] = notes.strip()
    if lines is not None:
        rows = _rows(lines)
        for row in rows:
            row.receipt = locked
        lines_replace(locked.lines, rows)
    return step.finish(
        fields=fields, data={"fields": sorted(fields) + (["lines"] if lines else [])}
    )


@transaction.atomic
def receipt_receive(*, actor: Actor, receipt: Receipt) -> Receipt:
    """The goods are in: post them to the ledger at their cost."""
    step = LIFECYCLE.start("receive", actor=actor, document=receipt)
    locked = step.lock()
    rows = list(locked.lines.select_related("product"))
    lots = {
        row.pk: lot_get_or_create(row.product, row.lot_number, row.expires_on)
        for row in rows
        if row.product.lot_tracked
    }
    posting = Posting(actor, "receipt", locked.pk, locked.number)
    posting.lock(
        {(row.product_id, locked.location_id) for row in rows},
        lots=[(lot.pk, locked.location_id) for lot in lots.values()],
    )
    for row in rows:
        posting.move(
            StockMove.Kind.RECEIPT,
            row.product,
            locked.location_id,
            row.quantity,
            lot=lots.get(row.pk),
            unit_cost=row.unit_cost,
        )
    posting.save()
    return step.finish(fields={"received_at": timezone.now()}, data={"lines": len(rows)})


@transaction.atomic
def receipt_cancel(*, actor: Actor, receipt: Receipt) -> Receipt:
    return LIFECYCLE.run("cancel", actor=actor, document=receipt)
