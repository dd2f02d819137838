"""The receivables ledger: the one place that writes ledger entries, allocations and
account balances. Every settlement service posts through here.

Every write to a customer's account starts with `account_lock(customer)`: the account
row, `SELECT … FOR UPDATE`. So writes to one account (postings, allocations, the credit
check of an order confirmation) happen one after the other, and the entries' open
amounts can be read and changed without further locks. The CHECK constraints (open ≥ 0,
open ≤ |amount|) stand behind the arithmetic here.

`post` appends an entry and moves the balance; `allocate` matches a debit with a credit
and lowers both open amounts; `allocate_oldest` settles the oldest open debits first.
`discrepancies` is what `manage.py receivables_check` prints.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Abs, Coalesce
from django.utils.translation import gettext as _

from tradepost.customers.models import Customer
from tradepost.pricing.documents import actor_user
from tradepost.principals import Actor
from tradepost.settlement.models import Allocation, CustomerAccount, LedgerEntry
from tradepost.settlement.money import ONE

ZERO = Decimal("0.00")
K = LedgerEntry.Kind


def account_lock(customer: Customer | int) -> CustomerAccount:
    """The customer's account row, locked until the transaction ends (created on first
    use, in the customer's currency), with its customer read in the same query."""
    customer_id = customer if isinstance(customer, int) else customer.pk
    accounts = CustomerAccount.objects.select_related("customer").select_for_update(of=("self",))
    try:
        return accounts.get(pk=customer_id)
    except CustomerAccount.DoesNotExist:
        pass
    currency = (
        customer.currency
        if isinstance(customer, Customer)
        else Customer.objects.values_list("currency", flat=True).get(pk=customer_id)
    )
    try:
        with transaction.atomic():
            CustomerAccount.objects.create(customer_id=customer_id, currency=currency)
    except IntegrityError:
        pass  # another transaction opened it first; its row is the one to lock
    return accounts.get(pk=customer_id)


def post(
    account: CustomerAccount,
    *,
    actor: Actor,
    kind: str,
    amount: Decimal,
    entry_date: datetime.date,
    document_type: str,
    reference: str,
    document_id: int | None = None,
    due_date: datetime.date | None = None,
    document_currency: str | None = None,
    document_amount: Decimal | None = None,
    exchange_rate: Decimal = ONE,
    reason: str = "",
) -> LedgerEntry:
    """Append one entry of `amount` (account currency; + the customer owes more) to
    the locked `account`, and move its balance."""
    if amount == 0:
        raise ValueError("a ledger entry moves money")
    entry = LedgerEntry.objects.create(
        customer_id=account.customer_id,
        kind=kind,
        amount=amount,
        open_amount=abs(amount),
        currency=account.currency,
        entry_date=entry_date,
        due_date=due_date if amount > 0 else None,
        document_currency=document_currency or account.currency,
        document_amount=abs(document_amount if document_amount is not None else amount),
        exchange_rate=exchange_rate,
        document_type=document_type,
        document_id=document_id,
        reference=reference[:60],
        reason=reason[:300],
        created_by=actor_user(actor),
    )
    account.balance += amount
    account.save(update_fields=["balance", "updated_at"])
    return entry


def allocate(
    *, actor: Actor, debit: LedgerEntry, credit: LedgerEntry, amount: Decimal
) -> Allocation:
    """Settle `amount` of the open `debit` with the open `credit` (both of the locked
    account, read under its lock). Refuses more than either has open."""
    if debit.customer_id != credit.customer_id:
        raise ValidationError(_("A payment can only settle its own customer's invoices."))
    if debit.amount <= 0 or credit.amount >= 0:
        raise ValueError("allocate a credit entry to a debit entry")
    if amount <= 0:
        raise ValidationError({"amount": [_("Must be more than zero.")]})
    if amount > debit.open_amount:
        raise ValidationError(
            {
                "amount": [
                    _("%(reference)s has only %(open)s open.")
                    % {"reference": debit.reference, "open": debit.open_amount}
                ]
            }
        )
    if amount > credit.open_amount:
        raise ValidationError(
            {
                "amount": [
                    _("%(reference)s has only %(open)s left to allocate.")
                    % {"reference": credit.reference, "open": credit.open_amount}
                ]
            }
        )
    debit.open_amount -= amount
    credit.open_amount -= amount
    LedgerEntry.objects.bulk_update([debit, credit], ["open_amount"])
    return Allocation.objects.create(
        debit=debit, credit=credit, amount=amount, created_by=actor_user(actor)
    )


def deallocate(allocation: Allocation) -> None:
    """Undo `allocation` (read under the account lock): both sides are open again."""
    debit, credit = allocation.debit, allocation.credit
    debit.open_amount += allocation.amount
    credit.open_amount += allocation.amount
    LedgerEntry.objects.bulk_update([debit, credit], ["open_amount"])
    allocation.delete()


def open_debits(customer_id: int) -> list[LedgerEntry]:
    """The account's open debits, oldest due first (what a payment settles first)."""
    return list(
        LedgerEntry.objects.filter(
            customer_id=customer_id, amount__gt=0, open_amount__gt=0
        ).order_by("due_date", "entry_date", "pk")
    )


def open_credits(customer_id: int) -> list[LedgerEntry]:
    """The account's open credits (on account), oldest first."""
    return list(
        LedgerEntry.objects.filter(
            customer_id=customer_id, amount__lt=0, open_amount__gt=0
        ).order_by("entry_date", "pk")
    )


def allocate_oldest(
    *, actor: Actor, credit: LedgerEntry, debits: Iterable[LedgerEntry] | None = None
) -> list[Allocation]:
    """Settle the oldest open debits (or `debits`, in their order) with `credit` until
    it is used up; what is left stays on account."""
    made = []
    for debit in open_debits(credit.customer_id) if debits is None else debits:
        if credit.open_amount <= 0:
            break
        if debit.open_amount <= 0:
            continue
        amount = min(debit.open_amount, credit.open_amount)
        made.append(allocate(actor=actor, debit=debit, credit=credit, amount=amount))
    return made


def settle_with_credits(
    *, actor: Actor, debit: LedgerEntry, credits: Iterable[LedgerEntry]
) -> list[Allocation]:
    """Settle the open `debit` with `credits` (in their order) while both have money."""
    made = []
    for credit in credits:
        if debit.open_amount <= 0:
            break
        amount = min(debit.open_amount, credit.open_amount)
        if amount > 0:
            made.append(allocate(actor=actor, debit=debit, credit=credit, amount=amount))
    return made


# --- The check -------------------------------------------------------------------------
def discrepancies(customer_ids: Iterable[int] | None = None) -> list[str]:
    """Every way the accounts disagree with their entries, in words; empty when they
    agree. Checks: balance = Σ entries; Σ open debits − Σ open credits = balance; each
    entry's matched part (|amount| − open) = Σ of its allocations."""
    problems: list[str] = []
    accounts = CustomerAccount.objects.all()
    entries = LedgerEntry.objects.all()
    if customer_ids is not None:
        ids = list(customer_ids)
        accounts = accounts.filter(customer_id__in=ids)
        entries = entries.filter(customer_id__in=ids)
    sums: dict[int, dict[str, Any]] = {
        row["customer_id"]: dict(row)
        for row in entries.values("customer_id").annotate(
            total=Sum("amount"),
            open_debits=Coalesce(Sum("open_amount", filter=Q(amount__gt=0)), ZERO),
            open_credits=Coalesce(Sum("open_amount", filter=Q(amount__lt=0)), ZERO),
        )
    }
    for account in accounts:
        row = sums.get(account.customer_id, {})
        total = row.get("total") or ZERO
        if account.balance != total:
            problems.append(
                f"customer {account.customer_id}: balance {account.balance} "
                f"but entries sum to {total}"
            )
        if row and row["open_debits"] - row["open_credits"] != total:
            problems.append(
                f"customer {account.customer_id}: open items {row['open_debits']} − "
                f"{row['open_credits']} differ from the entries' sum {total}"
            )
    # An entry is a debit or a credit, never both: one of the two joins is empty.
    matched = entries.annotate(
        allocated=Coalesce(Sum("settled_by__amount"), ZERO) + Coalesce(Sum("settles__amount"), ZERO)
    ).filter(~Q(allocated=Abs("amount") - F("open_amount")))
    for entry in matched.only("pk", "reference"):
        problems.append(f"entry {entry.pk} ({entry.reference}): allocations ≠ amount − open")
    missing = entries.exclude(customer_id__in=accounts.values("customer_id")).values_list(
        "customer_id", flat=True
    )
    for customer_id in sorted(set(missing)):
        problems.append(f"customer {customer_id}: entries without an account")
    return problems
