"""Clean-up for tests that commit: what settlement wrote for some customers (credit
notes, payments, ledger entries, accounts) and the numbering it used."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from tradepost.masterdata.models import DocumentSequence
from tradepost.settlement.models import (
    Allocation,
    CreditOverride,
    CustomerAccount,
    Invoice,
    LedgerEntry,
    Payment,
)


def settlement_rows_delete(customer_ids: Iterable[int]) -> None:
    """Remove every settlement row of `customer_ids` (in the current schema), children
    first, and the invoice, credit-note and payment sequences."""
    ids = list(customer_ids)
    entries = LedgerEntry.objects.filter(customer_id__in=ids)
    Allocation.objects.filter(Q(debit__in=entries) | Q(credit__in=entries)).delete()
    Payment.objects.filter(customer_id__in=ids, refund_of__isnull=False).delete()
    Payment.objects.filter(customer_id__in=ids).delete()
    Invoice.objects.filter(customer_id__in=ids, kind=Invoice.Kind.CREDIT_NOTE).delete()
    Invoice.objects.filter(customer_id__in=ids).delete()
    CreditOverride.objects.filter(customer_id__in=ids).delete()
    entries.delete()
    CustomerAccount.objects.filter(customer_id__in=ids).delete()
    DocumentSequence.objects.filter(key__in=["invoice", "credit_note", "payment"]).delete()
