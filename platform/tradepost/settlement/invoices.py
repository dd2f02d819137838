"""Invoices and credit notes (发票 / 红字发票).

    draft → issued → cancelled;  draft → cancelled

An invoice is made from a confirmed order (any part of what is not invoiced yet) or
from a shipped delivery (what it shipped and is not invoiced yet): never more than was
ordered or delivered, counting every invoice that is not cancelled, drafts included.
Line amounts are the order line's, pro rata to the quantity; the last part of a line
takes what is left, so the parts of a line add up to it to the cent.

Issuing numbers it gap-free per year and kind (`invoice`, `credit_note`), converts it
into the account's currency at the issue date's rate (`settlement.money`), posts it to
the ledger — due after the customer's payment terms — and settles it at once with the
order's deposit, if that is still on account. A credit note posts a credit, settles the
invoice it credits (if any) and, when it applies a `SettlementCredit` (a return, a price
adjustment), marks that credit settled.

Cancelling an issued invoice posts a cancellation entry against it; allowed only while
nothing has been allocated to it (unallocate first). Finance managers own all of this
(`settlement.add_invoice`, `issue_invoice`, `cancel_invoice`).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from billing.access import ensure_writable
from tradepost import events
from tradepost.audit.services import audit_record
from tradepost.customers.models import Customer
from tradepost.inventory.models import Delivery
from tradepost.lifecycle import Lifecycle, Transition
from tradepost.lifecycle.rows import row_lock
from tradepost.masterdata.services import document_number_next
from tradepost.pricing import documents
from tradepost.pricing import lines as arithmetic
from tradepost.principals import Actor
from tradepost.sales.models import Order, OrderLine, SettlementCredit
from tradepost.settlement import ledger, money
from tradepost.settlement.models import Invoice, InvoiceLine, LedgerEntry
from tradepost.settlement.selectors import invoices_visible_to

S = Invoice.Status
ZERO = Decimal("0.00")
# Orders that may be invoiced: confirmed and on.
INVOICEABLE_ORDER_STATUSES = (
    Order.Status.CONFIRMED,
    Order.Status.PARTIALLY_SHIPPED,
    Order.Status.SHIPPED,
    Order.Status.DELIVERED,
    Order.Status.CLOSED,
)


def invoice_payload(invoice: Invoice) -> dict[str, Any]:
    entry = invoice.entry
    return {
        "id": invoice.pk,
        "kind": invoice.kind,
        "number": invoice.number,
        "status": invoice.status,
        "customer": invoice.customer_id,
        "order": invoice.order_id,
        "currency": invoice.currency,
        "gross_total": str(invoice.gross_total),
        "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
        "open_amount": str(entry.open_amount) if entry is not None else None,
    }


def _nothing_allocated(actor: Actor, invoice: Invoice, transition: Transition) -> None:
    entry = invoice.entry
    if entry is not None and entry.open_amount != abs(entry.amount):
        raise ValidationError(
            _("Payments or credits are allocated to %(number)s: remove them first.")
            % {"number": invoice.number}
        )


LIFECYCLE: Lifecycle[Invoice] = Lifecycle(
    model=Invoice,
    path=[S.DRAFT, S.ISSUED],
    refusal=gettext_lazy("An invoice that is “%(status)s” cannot be %(action)s."),
    visible=invoices_visible_to,
    not_visible=gettext_lazy("This invoice is not yours to change."),
    payload=invoice_payload,
    refresh=("status", "number", "issue_date", "due_date", "updated_at"),
    transitions=[
        Transition(
            "edit",
            source=[S.DRAFT],
            target=None,
            permission="settlement.change_invoice",
            action="invoice.updated",
            verb=pgettext_lazy("cannot be …", "changed"),
            endpoint=None,
        ),
        Transition(
            "issue",
            source=[S.DRAFT],
            target=S.ISSUED,
            permission="settlement.issue_invoice",
            action="invoice.issued",
            event="invoice.issued",
            verb=pgettext_lazy("cannot be …", "issued"),
        ),
        Transition(
            "cancel",
            source=[S.DRAFT, S.ISSUED],
            target=S.CANCELLED,
            permission="settlement.cancel_invoice",
            action="invoice.cancelled",
            verb=pgettext_lazy("cannot be …", "cancelled"),
            guards=[_nothing_allocated],
        ),
    ],
)


# --- What is left to invoice -------------------------------------------------------------
_LIVE = ~Q(invoice__status=S.CANCELLED) & Q(invoice__kind=Invoice.Kind.INVOICE)


def order_invoiced(order: Order) -> dict[int, tuple[Decimal, Decimal]]:
    """Per order line id: (quantity, net amount) on invoices that are not cancelled."""
    rows = (
        InvoiceLine.objects.filter(_LIVE, order_line__order=order)
        .values("order_line_id")
        .annotate(quantity=Sum("quantity"), net=Sum("net_amount"))
    )
    return {row["order_line_id"]: (row["quantity"], row["net"]) for row in rows}


def order_invoiceable(order: Order) -> dict[int, Decimal]:
    """Per line id of `order`: the quantity not on any live invoice yet (> 0 only)."""
    done = order_invoiced(order)
    left = {}
    for line_id, quantity in order.lines.values_list("pk", "quantity"):
        rest = quantity - done.get(line_id, (ZERO, ZERO))[0]
        if rest > 0:
            left[line_id] = rest
    return left


def delivery_invoiceable(delivery: Delivery) -> dict[int, Decimal]:
    """Per delivery line id: the shipped quantity not on any live invoice yet."""
    done = dict(
        InvoiceLine.objects.filter(_LIVE, delivery_line__delivery=delivery)
        .values("delivery_line_id")
        .annotate(quantity=Sum("quantity"))
        .values_list("delivery_line_id", "quantity")
    )
    return {
        line_id: quantity - done.get(line_id, ZERO)
        for line_id, quantity in delivery.lines.values_list("pk", "quantity")
        if quantity - done.get(line_id, ZERO) > 0
    }


def _line(
    order_line: OrderLine, quantity: Decimal, invoiced: tuple[Decimal, Decimal], position: int
) -> InvoiceLine:
    done_quantity, done_net = invoiced
    if done_quantity + quantity == order_line.quantity:
        net = order_line.net_amount - done_net  # the last part takes what is left
    else:
        net = arithmetic.money(order_line.net_amount * quantity / order_line.quantity)
    tax = arithmetic.money(net * order_line.tax_rate / arithmetic.HUNDRED)
    return InvoiceLine(
        position=position,
        order_line=order_line,
        product_id=order_line.product_id,
        description=order_line.description or order_line.product.name,
        quantity=quantity,
        unit_price=order_line.unit_price,
        tax_rate=order_line.tax_rate,
        net_amount=net,
        tax_amount=tax,
        gross_amount=net + tax,
    )


def _totals(rows: Sequence[InvoiceLine]) -> dict[str, Decimal]:
    net = sum((row.net_amount for row in rows), ZERO)
    tax = sum((row.tax_amount for row in rows), ZERO)
    return {"net_total": net, "tax_total": tax, "gross_total": net + tax}


def _checked_quantities(
    requested: Mapping[int, Decimal], left: Mapping[int, Decimal], labels: Mapping[int, str]
) -> dict[int, Decimal]:
    errors = []
    wanted: dict[int, Decimal] = {}
    for line_id, given in requested.items():
        if line_id not in labels:
            errors.append(_("Line %(id)s is not a line of this document.") % {"id": line_id})
            continue
        quantity = documents.decimal_checked(
            given,
            field="quantity",
            places=documents.QUANTITY_PLACES,
            maximum=documents.MAX_QUANTITY,
        )
        if quantity == 0:
            continue
        if quantity > left.get(line_id, ZERO):
            errors.append(
                _("%(sku)s: at most %(left)s can still be invoiced.")
                % {
                    "sku": labels[line_id],
                    "left": arithmetic.decimal_text(left.get(line_id, ZERO)),
                }
            )
            continue
        wanted[line_id] = quantity
    if errors:
        raise ValidationError({"lines": errors})
    if not wanted:
        raise ValidationError({"lines": [_("Nothing is left to invoice.")]})
    return wanted


def _order_for_invoicing(actor: Actor, order: Order) -> Order:
    documents.require(actor, "settlement.add_invoice")
    ensure_writable()
    locked = row_lock(Order.objects.all(), order.pk)  # invoices of one order, one at a time
    documents.require_customer_visible(actor, locked.customer)
    if locked.status not in INVOICEABLE_ORDER_STATUSES:
        raise ValidationError({"order": [_("Only confirmed orders can be invoiced.")]})
    return locked


def _create(
    *, actor: Actor, order: Order, rows: list[InvoiceLine], notes: str, **fields: Any
) -> Invoice:
    invoice = Invoice.objects.create(
        customer_id=order.customer_id,
        order=order,
        currency=order.currency,
        notes=(notes or "").strip(),
        created_by=documents.actor_user(actor),
        **_totals(rows),
        **fields,
    )
    for row in rows:
        row.invoice = invoice
    InvoiceLine.objects.bulk_create(rows)
    audit_record(actor=actor, action="invoice.created", target=invoice)
    return invoice


@transaction.atomic
def invoice_from_order(
    *,
    actor: Actor,
    order: Order,
    quantities: Mapping[int, Decimal] | None = None,
    notes: str = "",
) -> Invoice:
    """A draft invoice for `quantities` (order line id → quantity; None: all that is
    not invoiced yet) of the confirmed `order`."""
    locked = _order_for_invoicing(actor, order)
    lines = {line.pk: line for line in locked.lines.select_related("product")}
    left = order_invoiceable(locked)
    wanted = _checked_quantities(
        quantities if quantities is not None else left,
        left,
        {pk: line.product.sku for pk, line in lines.items()},
    )
    done = order_invoiced(locked)
    rows = [
        _line(lines[pk], quantity, done.get(pk, (ZERO, ZERO)), position)
        for position, (pk, quantity) in enumerate(sorted(wanted.items()), start=1)
    ]
    return _create(actor=actor, order=locked, rows=rows, notes=notes)


@transaction.atomic
def invoice_from_delivery(*, actor: Actor, delivery: Delivery, notes: str = "") -> Invoice:
    """A draft invoice for what the shipped `delivery` carried and is not invoiced yet."""
    if delivery.status not in (Delivery.Status.SHIPPED, Delivery.Status.DELIVERED):
        raise ValidationError({"delivery": [_("Only shipped deliveries can be invoiced.")]})
    locked = _order_for_invoicing(actor, delivery.order)
    left = delivery_invoiceable(delivery)
    if not left:
        raise ValidationError({"delivery": [_("This delivery is invoiced already.")]})
    order_left = order_invoiceable(locked)
    done = order_invoiced(locked)
    rows = []
    for position, delivery_line in enumerate(
        delivery.lines.filter(pk__in=left).select_related("order_line__product").order_by("pk"),
        start=1,
    ):
        order_line = delivery_line.order_line
        quantity = min(left[delivery_line.pk], order_left.get(order_line.pk, ZERO))
        if quantity <= 0:
            continue
        row = _line(order_line, quantity, done.get(order_line.pk, (ZERO, ZERO)), position)
        row.delivery_line = delivery_line
        rows.append(row)
    if not rows:
        raise ValidationError({"delivery": [_("This delivery's lines are invoiced already.")]})
    return _create(actor=actor, order=locked, rows=rows, notes=notes, delivery=delivery)


@transaction.atomic
def credit_note_create(
    *,
    actor: Actor,
    customer: Customer,
    amount: Decimal,
    reason: str,
    currency: str | None = None,
    tax_rate: Decimal = ZERO,
    credited_invoice: Invoice | None = None,
) -> Invoice:
    """A draft credit note of `amount` (incl. tax at `tax_rate`) to `customer`, for
    `reason`; against `credited_invoice` (at most its total) if given."""
    documents.require(actor, "settlement.add_invoice")
    ensure_writable()
    documents.require_customer_visible(actor, customer)
    return _credit_note_new(
        actor,
        customer,
        amount=amount,
        reason=reason,
        currency=currency,
        tax_rate=tax_rate,
        credited_invoice=credited_invoice,
    )


def _credit_note_new(
    actor: Actor,
    customer: Customer,
    *,
    amount: Decimal,
    reason: str,
    currency: str | None,
    tax_rate: Decimal = ZERO,
    credited_invoice: Invoice | None = None,
    settlement_credit: SettlementCredit | None = None,
) -> Invoice:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say what the credit is for.")]})
    amount = documents.decimal_checked(
        amount, field="amount", places=arithmetic.CENT, maximum=documents.MAX_AMOUNT, positive=True
    )
    tax_rate = documents.decimal_checked(
        tax_rate, field="tax_rate", places=arithmetic.CENT, maximum=arithmetic.HUNDRED
    )
    currency = documents.currency_value(currency, customer.currency)
    if credited_invoice is not None:
        if credited_invoice.customer_id != customer.pk or credited_invoice.is_credit_note:
            raise ValidationError({"credited_invoice": [_("Choose an invoice of this customer.")]})
        if credited_invoice.status != S.ISSUED:
            raise ValidationError(
                {"credited_invoice": [_("Only issued invoices can be credited.")]}
            )
        if credited_invoice.currency != currency or amount > credited_invoice.gross_total:
            raise ValidationError(
                {
                    "amount": [
                        _("At most %(total)s %(currency)s can be credited against %(number)s.")
                        % {
                            "total": credited_invoice.gross_total,
                            "currency": credited_invoice.currency,
                            "number": credited_invoice.number,
                        }
                    ]
                }
            )
    net = arithmetic.money(amount * arithmetic.HUNDRED / (arithmetic.HUNDRED + tax_rate))
    row = InvoiceLine(
        position=1,
        description=reason[:300],
        quantity=Decimal("1"),
        unit_price=net,
        tax_rate=tax_rate,
        net_amount=net,
        tax_amount=amount - net,
        gross_amount=amount,
    )
    if credited_invoice is not None:
        order_id = credited_invoice.order_id
    elif settlement_credit is not None and settlement_credit.order_return is not None:
        order_id = settlement_credit.order_return.order_id
    else:
        order_id = None
    note = Invoice.objects.create(
        kind=Invoice.Kind.CREDIT_NOTE,
        customer=customer,
        order_id=order_id,
        credited_invoice=credited_invoice,
        settlement_credit=settlement_credit,
        currency=currency,
        reason=reason[:300],
        created_by=documents.actor_user(actor),
        **_totals([row]),
    )
    row.invoice = note
    row.save()
    audit_record(actor=actor, action="invoice.created", target=note)
    return note


# --- Changing a draft ----------------------------------------------------------------------
EDITABLE_FIELDS = ("notes", "lines")


def _lines_rebuilt(invoice: Invoice, quantities: Mapping[int, Decimal]) -> list[InvoiceLine]:
    """The locked draft invoice's lines made again for `quantities` (order line id →
    quantity, 0 or absent: not on it), under the rule of `invoice_from_order`: never
    more than ordered, counting every other invoice not cancelled."""
    if invoice.is_credit_note or invoice.order_id is None:
        raise ValidationError({"lines": [_("Only an order's invoice has lines to change.")]})
    if invoice.delivery_id is not None:
        raise ValidationError({"lines": [_("A delivery is invoiced whole: leave out the lines.")]})
    order = row_lock(Order.objects.all(), invoice.order_id)  # as invoice_from_order does
    own = list(invoice.lines.filter(order_line__isnull=False))
    left = order_invoiceable(order)
    done = order_invoiced(order)
    for row in own:  # what this draft holds is its own to change
        line_id = row.order_line_id
        if line_id is None:
            continue
        left[line_id] = left.get(line_id, ZERO) + row.quantity
        quantity, net = done.get(line_id, (ZERO, ZERO))
        done[line_id] = (quantity - row.quantity, net - row.net_amount)
    if not any(quantities.values()):
        raise ValidationError({"lines": [_("Keep at least one line on the draft, or cancel it.")]})
    lines = {line.pk: line for line in order.lines.select_related("product")}
    wanted = _checked_quantities(
        quantities, left, {pk: line.product.sku for pk, line in lines.items()}
    )
    return [
        _line(lines[pk], quantity, done.get(pk, (ZERO, ZERO)), position)
        for position, (pk, quantity) in enumerate(sorted(wanted.items()), start=1)
    ]


@transaction.atomic
def invoice_update(*, actor: Actor, invoice: Invoice, **changes: Any) -> Invoice:
    """Change a draft: its `notes` and, on an invoice made from an order, its `lines`
    (order line id → quantity; the lines given replace the draft's, a line left out or
    of quantity 0 is dropped) — never more than ordered, as when it was made. Issued or
    cancelled: refused with `status`. Needs `settlement.change_invoice`."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"invoice_update() got unexpected fields {sorted(unknown)}")
    step = LIFECYCLE.start("edit", actor=actor, document=invoice)
    locked = step.lock()
    fields: dict[str, Any] = {}
    if "notes" in changes:
        fields["notes"] = (changes["notes"] or "").strip()
    data: dict[str, Any] = {"fields": sorted(changes)}
    if "lines" in changes:
        rows = _lines_rebuilt(locked, changes["lines"])
        locked.lines.all().delete()
        for row in rows:
            row.invoice = locked
        InvoiceLine.objects.bulk_create(rows)
        fields.update(_totals(rows))
        data["gross_total"] = str(fields["gross_total"])
    return step.finish(fields=fields, data=data)


# --- Issue and cancel ---------------------------------------------------------------------
def paid_notify(entries: Sequence[LedgerEntry]) -> None:
    """After allocations: `invoice.paid` for every invoice entry among `entries` now
    settled in full."""
    for entry in entries:
        if entry.open_amount == 0 and entry.amount > 0 and entry.kind == LedgerEntry.Kind.INVOICE:
            invoice = Invoice.objects.select_related("entry").filter(entry=entry).first()
            if invoice is not None:
                events.emit("invoice.paid", invoice_payload(invoice))


def _issue(
    actor: Actor, locked: Invoice, issue_date: datetime.date
) -> tuple[dict[str, Any], list[LedgerEntry]]:
    """Number the locked draft and post it; the fields to save and the debits it
    settled (for `invoice.paid`)."""
    if issue_date > timezone.localdate():
        raise ValidationError({"issue_date": [_("An invoice cannot be dated in the future.")]})
    if locked.gross_total <= 0:
        raise ValidationError(_("An invoice of nothing cannot be issued."))
    customer = Customer.objects.get(pk=locked.customer_id)
    account = ledger.account_lock(customer)
    rate = money.factor(locked.currency, account.currency, issue_date)
    amount = money.converted(locked.gross_total, rate)
    credit_note = locked.is_credit_note
    due_date = (
        None if credit_note else issue_date + datetime.timedelta(days=customer.payment_terms_days)
    )
    # Numbering late: the sequence row stays locked until this transaction ends.
    number = document_number_next(
        key="credit_note" if credit_note else "invoice", year=issue_date.year
    )
    entry = ledger.post(
        account,
        actor=actor,
        kind=LedgerEntry.Kind.CREDIT_NOTE if credit_note else LedgerEntry.Kind.INVOICE,
        amount=-amount if credit_note else amount,
        entry_date=issue_date,
        due_date=due_date,
        document_type="invoice",
        document_id=locked.pk,
        reference=number,
        document_currency=locked.currency,
        document_amount=locked.gross_total,
        exchange_rate=rate,
        reason=locked.reason,
    )
    settled: list[LedgerEntry] = []
    if credit_note:
        credited = locked.credited_invoice
        if credited is not None and credited.entry_id is not None:
            debit = LedgerEntry.objects.get(pk=credited.entry_id)
            ledger.settle_with_credits(actor=actor, debit=debit, credits=[entry])
            settled.append(debit)
        if locked.settlement_credit_id is not None:
            SettlementCredit.objects.filter(pk=locked.settlement_credit_id).update(
                status=SettlementCredit.Status.SETTLED
            )
    elif locked.order_id is not None:  # the order's deposit and credits still on account
        credits = list(
            LedgerEntry.objects.filter(
                Q(payment__order_id=locked.order_id)
                | Q(invoice__order_id=locked.order_id, invoice__kind=Invoice.Kind.CREDIT_NOTE),
                amount__lt=0,
                open_amount__gt=0,
            ).order_by("pk")
        )
        ledger.settle_with_credits(actor=actor, debit=entry, credits=credits)
        settled.append(entry)
    fields = {
        "number": number,
        "issue_date": issue_date,
        "due_date": due_date,
        "exchange_rate": rate,
        "entry": entry,
        "issued_at": timezone.now(),
    }
    return fields, settled


@transaction.atomic
def invoice_issue(
    *, actor: Actor, invoice: Invoice, issue_date: datetime.date | None = None
) -> Invoice:
    """Number the draft, post it to the customer's account and settle what it can."""
    step = LIFECYCLE.start("issue", actor=actor, document=invoice)
    locked = step.lock()
    fields, settled = _issue(actor, locked, issue_date or timezone.localdate())
    finished = step.finish(
        fields=fields,
        data={"number": fields["number"], "gross_total": str(locked.gross_total)},
    )
    paid_notify(settled)
    return finished


def credit_note_for(*, actor: Actor, credit: SettlementCredit) -> Invoice:
    """Settle `credit` (owed by a return or a price adjustment, just posted): an issued
    credit note that settles the customer's oldest open invoices, the rest on account.
    A consequence of the sales step that posted the credit, so it asks no finance
    permission of `actor`."""
    customer = Customer.objects.get(pk=credit.customer_id)
    note = _credit_note_new(
        actor,
        customer,
        amount=credit.amount,
        reason=credit.reason,
        currency=credit.currency,
        settlement_credit=credit,
    )
    fields, _settled = _issue(actor, note, timezone.localdate())
    for name, value in fields.items():
        setattr(note, name, value)
    note.status = S.ISSUED
    note.save(update_fields=[*fields, "status", "updated_at"])
    audit_record(actor=actor, action="invoice.issued", target=note, data={"number": note.number})
    events.emit("invoice.issued", invoice_payload(note))
    entry = fields["entry"]
    paid_notify([a.debit for a in ledger.allocate_oldest(actor=actor, credit=entry)])
    return note


@transaction.atomic
def invoice_cancel(*, actor: Actor, invoice: Invoice, reason: str = "") -> Invoice:
    """Cancel a draft, or an issued invoice nothing is allocated to (a cancellation
    entry reverses it on the account)."""
    step = LIFECYCLE.start("cancel", actor=actor, document=invoice)
    locked = step.lock()
    reason = (reason or "").strip()
    if locked.status == S.ISSUED:
        if not reason:
            raise ValidationError({"reason": [_("Say why the invoice is cancelled.")]})
        account = ledger.account_lock(locked.customer_id)
        original = LedgerEntry.objects.get(invoice=locked)
        _nothing_allocated(actor, locked, LIFECYCLE["cancel"])  # re-read under the lock
        reversal = ledger.post(
            account,
            actor=actor,
            kind=LedgerEntry.Kind.CANCELLATION,
            amount=-original.amount,
            entry_date=timezone.localdate(),
            document_type="invoice",
            document_id=locked.pk,
            reference=locked.number,
            document_currency=original.document_currency,
            document_amount=original.document_amount,
            exchange_rate=original.exchange_rate,
            reason=reason,
        )
        debit, credit = (original, reversal) if original.amount > 0 else (reversal, original)
        ledger.allocate(actor=actor, debit=debit, credit=credit, amount=abs(original.amount))
        if locked.settlement_credit_id is not None:  # the credit is owed again
            SettlementCredit.objects.filter(pk=locked.settlement_credit_id).update(
                status=SettlementCredit.Status.OPEN
            )
    return step.finish(
        fields={"cancelled_at": timezone.now(), "cancel_reason": reason[:300]},
        data={"reason": reason[:300]} if reason else None,
    )
