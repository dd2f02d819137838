"""Payments received (回款), their allocation to invoices, refunds and adjustments (调帐).

A payment is posted when it is entered: a credit on the customer's account in the
account's currency (converted at the payment date's rate). It is then allocated to
invoices — oldest due first (`allocate="oldest"`, the default), to the invoices and
amounts given, or not at all — and whatever is left stays on account, to be allocated
later or refunded. A refund pays money on account back out: a debit settled at once by
the payment it comes from. An allocation can be removed again (it was wrong); a payment
can be cancelled while nothing of it is allocated or refunded.

An adjustment (调帐) moves the balance by hand, with a reason: + the customer owes more
(due at once), − the customer owes less (a credit on account). It needs
`settlement.adjust_receivable`.

An order's deposit becomes a payment on account when the order is confirmed
(`settlement.credit`), and settles the order's first invoice.

Everything here takes the account lock first (`settlement.ledger.account_lock`).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.access import ensure_writable
from tradepost.audit.services import audit_record
from tradepost.customers.models import Customer
from tradepost.masterdata.services import document_number_next
from tradepost.pricing import documents
from tradepost.pricing import lines as arithmetic
from tradepost.principals import Actor
from tradepost.sales.models import Order
from tradepost.settlement import ledger, money
from tradepost.settlement.invoices import paid_notify
from tradepost.settlement.models import Allocation, Invoice, LedgerEntry, Payment
from tradepost.settlement.selectors import ledger_entries_visible_to, payments_visible_to

K = LedgerEntry.Kind
Allocate = Literal["oldest", "none"] | Mapping[int, Decimal]


def _amount(value: Decimal, field: str = "amount") -> Decimal:
    return documents.decimal_checked(
        value, field=field, places=arithmetic.CENT, maximum=documents.MAX_AMOUNT, positive=True
    )


def _date(value: datetime.date | None, field: str) -> datetime.date:
    today = timezone.localdate()
    value = value or today
    if value > today:
        raise ValidationError({field: [_("The date cannot be in the future.")]})
    return value


def _by_invoice(
    customer_id: int, wanted: Mapping[int, Decimal]
) -> list[tuple[LedgerEntry, Decimal]]:
    """(open invoice entry, amount) for each invoice id → amount asked for."""
    invoices = {
        invoice.pk: invoice
        for invoice in Invoice.objects.filter(pk__in=list(wanted), customer_id=customer_id)
    }
    pairs, errors = [], []
    for invoice_id, given in wanted.items():
        invoice = invoices.get(invoice_id)
        if invoice is None or invoice.status != Invoice.Status.ISSUED or invoice.is_credit_note:
            errors.append(
                _("Invoice %(id)s is not an issued invoice of this customer.") % {"id": invoice_id}
            )
            continue
        amount = _amount(given)
        pairs.append((invoice, amount))
    if errors:
        raise ValidationError({"allocations": errors})
    entries = {e.pk: e for e in LedgerEntry.objects.filter(pk__in=[i.entry_id for i, _a in pairs])}
    return [(entries[invoice.entry_id], amount) for invoice, amount in pairs]  # type: ignore[index]


def _allocate(actor: Actor, credit: LedgerEntry, allocate: Allocate) -> list[Allocation]:
    if allocate == "none":
        return []
    if allocate == "oldest":
        made = ledger.allocate_oldest(actor=actor, credit=credit)
    else:
        pairs = _by_invoice(credit.customer_id, allocate)
        total = sum((amount for _e, amount in pairs), Decimal("0"))
        if total > credit.open_amount:
            raise ValidationError(
                {
                    "allocations": [
                        _("%(total)s is more than the %(open)s left to allocate.")
                        % {"total": total, "open": credit.open_amount}
                    ]
                }
            )
        made = [
            ledger.allocate(actor=actor, debit=entry, credit=credit, amount=amount)
            for entry, amount in pairs
        ]
    paid_notify([allocation.debit for allocation in made])
    return made


@transaction.atomic
def payment_receive(
    *,
    actor: Actor,
    customer: Customer,
    amount: Decimal,
    method: str = Payment.Method.BANK_TRANSFER,
    received_on: datetime.date | None = None,
    currency: str | None = None,
    reference: str = "",
    notes: str = "",
    allocate: Allocate = "oldest",
) -> Payment:
    """Post money received from `customer` and allocate it (see the module docstring)."""
    documents.require(actor, "settlement.add_payment")
    ensure_writable()
    documents.require_customer_visible(actor, customer)
    amount = _amount(amount)
    received_on = _date(received_on, "received_on")
    if method not in Payment.Method.values or method == Payment.Method.DEPOSIT:
        raise ValidationError({"method": [_("Choose how the money came in.")]})
    account = ledger.account_lock(customer)
    currency = documents.currency_value(currency, account.currency)
    payment = _post(
        actor,
        account,
        amount=amount,
        currency=currency,
        received_on=received_on,
        method=method,
        reference=reference,
        notes=notes,
    )
    _allocate(actor, payment.entry, allocate)
    return payment


def _post(
    actor: Actor,
    account: Any,
    *,
    amount: Decimal,
    currency: str,
    received_on: datetime.date,
    method: str,
    reference: str = "",
    notes: str = "",
    order: Order | None = None,
) -> Payment:
    rate = money.factor(currency, account.currency, received_on)
    number = document_number_next(key="payment", year=received_on.year)
    entry = ledger.post(
        account,
        actor=actor,
        kind=K.PAYMENT,
        amount=-money.converted(amount, rate),
        entry_date=received_on,
        document_type="payment",
        reference=number,
        document_currency=currency,
        document_amount=amount,
        exchange_rate=rate,
    )
    payment = Payment.objects.create(
        number=number,
        customer_id=account.customer_id,
        method=method,
        reference=(reference or "").strip()[:100],
        received_on=received_on,
        currency=currency,
        exchange_rate=rate,
        amount=amount,
        order=order,
        notes=(notes or "").strip(),
        entry=entry,
        created_by=documents.actor_user(actor),
    )
    LedgerEntry.objects.filter(pk=entry.pk).update(document_id=payment.pk)
    entry.document_id = payment.pk
    audit_record(
        actor=actor,
        action="payment.received",
        target=payment,
        data={"amount": str(amount), "currency": currency},
    )
    return payment


def deposit_book(*, actor: Actor, order: Order, account: Any) -> Payment | None:
    """The confirmed `order`'s deposit as a payment on account (once per order), in the
    caller's transaction and under its account lock."""
    if order.deposit <= 0 or Payment.objects.filter(order=order, method="deposit").exists():
        return None
    return _post(
        actor,
        account,
        amount=order.deposit,
        currency=order.currency,
        received_on=timezone.localdate(),
        method=Payment.Method.DEPOSIT,
        reference=order.number or "",
        order=order,
    )


def _payment_locked(actor: Actor, payment: Payment, permission: str) -> tuple[Any, Payment]:
    documents.require(actor, permission)
    ensure_writable()
    if not payments_visible_to(actor).filter(pk=payment.pk).exists():
        raise PermissionDenied(_("This payment is not yours to change."))
    account = ledger.account_lock(payment.customer_id)
    locked = Payment.objects.select_related("entry").get(pk=payment.pk)
    if locked.status != Payment.Status.POSTED:
        raise ValidationError({"status": [_("This payment is cancelled.")]})
    return account, locked


@transaction.atomic
def payment_allocate(
    *, actor: Actor, payment: Payment, allocate: Allocate = "oldest"
) -> list[Allocation]:
    """Allocate what `payment` has left on account (see the module docstring)."""
    _account, locked = _payment_locked(actor, payment, "settlement.change_payment")
    if locked.kind != Payment.Kind.RECEIPT:
        raise ValidationError(_("A refund is not allocated."))
    if locked.entry.open_amount <= 0:
        raise ValidationError(
            _("Nothing of %(number)s is left to allocate.") % {"number": locked.number}
        )
    made = _allocate(actor, locked.entry, allocate)
    if not made:
        raise ValidationError(_("No open invoice to allocate to."))
    audit_record(
        actor=actor,
        action="payment.allocated",
        target=locked,
        data={"allocations": [[a.debit.reference, str(a.amount)] for a in made]},
    )
    return made


@transaction.atomic
def payment_refund(
    *,
    actor: Actor,
    payment: Payment,
    amount: Decimal,
    refunded_on: datetime.date | None = None,
    reference: str = "",
    notes: str = "",
) -> Payment:
    """Pay `amount` (account currency) of what `payment` left on account back."""
    account, locked = _payment_locked(actor, payment, "settlement.change_payment")
    amount = _amount(amount)
    refunded_on = _date(refunded_on, "refunded_on")
    credit = locked.entry
    if amount > credit.open_amount:
        raise ValidationError(
            {
                "amount": [
                    _("Only %(open)s of %(number)s is on account.")
                    % {"open": credit.open_amount, "number": locked.number}
                ]
            }
        )
    number = document_number_next(key="payment", year=refunded_on.year)
    debit = ledger.post(
        account,
        actor=actor,
        kind=K.REFUND,
        amount=amount,
        entry_date=refunded_on,
        due_date=refunded_on,
        document_type="payment",
        reference=number,
    )
    ledger.allocate(actor=actor, debit=debit, credit=credit, amount=amount)
    refund = Payment.objects.create(
        number=number,
        kind=Payment.Kind.REFUND,
        customer_id=locked.customer_id,
        method=locked.method if locked.method != Payment.Method.DEPOSIT else Payment.Method.OTHER,
        reference=(reference or "").strip()[:100],
        received_on=refunded_on,
        currency=account.currency,
        amount=amount,
        refund_of=locked,
        notes=(notes or "").strip(),
        entry=debit,
        created_by=documents.actor_user(actor),
    )
    LedgerEntry.objects.filter(pk=debit.pk).update(document_id=refund.pk)
    audit_record(
        actor=actor,
        action="payment.refunded",
        target=locked,
        data={"refund": number, "amount": str(amount)},
    )
    return refund


@transaction.atomic
def payment_cancel(*, actor: Actor, payment: Payment, reason: str) -> Payment:
    """Cancel a payment entered by mistake: only while nothing of it is allocated or
    refunded. A cancellation entry reverses it."""
    account, locked = _payment_locked(actor, payment, "settlement.change_payment")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the payment is cancelled.")]})
    entry = locked.entry
    if locked.kind != Payment.Kind.RECEIPT or entry.open_amount != abs(entry.amount):
        raise ValidationError(
            _("%(number)s is allocated or refunded: remove its allocations first.")
            % {"number": locked.number}
        )
    reversal = ledger.post(
        account,
        actor=actor,
        kind=K.CANCELLATION,
        amount=-entry.amount,
        entry_date=timezone.localdate(),
        due_date=timezone.localdate(),
        document_type="payment",
        document_id=locked.pk,
        reference=locked.number,
        document_currency=entry.document_currency,
        document_amount=entry.document_amount,
        exchange_rate=entry.exchange_rate,
        reason=reason,
    )
    ledger.allocate(actor=actor, debit=reversal, credit=entry, amount=abs(entry.amount))
    locked.status = Payment.Status.CANCELLED
    locked.cancelled_at = timezone.now()
    locked.cancel_reason = reason[:300]
    locked.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    audit_record(
        actor=actor, action="payment.cancelled", target=locked, data={"reason": reason[:300]}
    )
    return locked


@transaction.atomic
def allocation_remove(*, actor: Actor, allocation: Allocation) -> None:
    """Undo an allocation made by mistake: both sides are open again by its amount."""
    documents.require(actor, "settlement.change_payment")
    ensure_writable()
    if not ledger_entries_visible_to(actor).filter(pk=allocation.debit_id).exists():
        raise PermissionDenied(_("This allocation is not yours to change."))
    ledger.account_lock(allocation.debit.customer_id)
    locked = Allocation.objects.select_related("debit", "credit").get(pk=allocation.pk)
    if locked.debit.kind != K.INVOICE:
        raise ValidationError(_("Only allocations to invoices can be removed."))
    if locked.credit.kind not in (K.PAYMENT, K.CREDIT_NOTE, K.ADJUSTMENT):
        raise ValidationError(_("This allocation belongs to a cancellation and stays."))
    ledger.deallocate(locked)
    audit_record(
        actor=actor,
        action="payment.unallocated",
        target=None,
        data={
            "invoice": locked.debit.reference,
            "by": locked.credit.reference,
            "amount": str(locked.amount),
        },
    )


@transaction.atomic
def receivable_adjust(
    *,
    actor: Actor,
    customer: Customer,
    amount: Decimal,
    reason: str,
    entry_date: datetime.date | None = None,
) -> LedgerEntry:
    """调帐: move `customer`'s balance by `amount` (account currency; + owes more)."""
    documents.require(actor, "settlement.adjust_receivable")
    ensure_writable()
    documents.require_customer_visible(actor, customer)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the balance is adjusted.")]})
    amount = documents.decimal_checked(
        amount,
        field="amount",
        places=arithmetic.CENT,
        maximum=documents.MAX_AMOUNT,
        minimum=-documents.MAX_AMOUNT,
    )
    if amount == 0:
        raise ValidationError({"amount": [_("Enter an amount other than zero.")]})
    entry_date = _date(entry_date, "entry_date")
    account = ledger.account_lock(customer)
    entry = ledger.post(
        account,
        actor=actor,
        kind=K.ADJUSTMENT,
        amount=amount,
        entry_date=entry_date,
        due_date=entry_date,
        document_type="adjustment",
        reference=_("Adjustment"),
        reason=reason,
    )
    if amount < 0:  # a credit settles the oldest open debits, as a payment would
        paid_notify([a.debit for a in ledger.allocate_oldest(actor=actor, credit=entry)])
    audit_record(
        actor=actor,
        action="receivable.adjusted",
        target=customer,
        data={"amount": str(amount), "reason": reason[:300]},
    )
    return entry
