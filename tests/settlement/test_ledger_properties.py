"""Property tests of the receivables ledger, against PostgreSQL: for any sequence of
invoices, payments (allocated oldest first, by hand or left on account), refunds,
credit notes, adjustments and cancellations, the account balance equals the sum of its
entries, each entry's matched part equals its allocations, and the aging buckets less
what is on account add up to the balance — on any day."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradepost.settlement import ledger, payments, selectors
from tradepost.settlement.models import Allocation, CustomerAccount, LedgerEntry

EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
K = LedgerEntry.Kind

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("invoice"), amounts, st.integers(min_value=-120, max_value=30)),
        st.tuples(st.just("pay_oldest"), amounts, st.just(0)),
        st.tuples(st.just("pay_on_account"), amounts, st.just(0)),
        st.tuples(st.just("allocate"), st.just(Decimal("0")), st.integers(0, 9)),
        st.tuples(st.just("refund"), amounts, st.integers(0, 9)),
        st.tuples(st.just("credit_note"), amounts, st.just(0)),
        st.tuples(st.just("adjust"), amounts, st.sampled_from([-1, 1])),
        st.tuples(st.just("unallocate"), st.just(Decimal("0")), st.integers(0, 9)),
    ),
    min_size=1,
    max_size=20,
)


def _invoice(org, account, amount: Decimal, due_in: int) -> None:
    """An invoice as `invoices.invoice_issue` posts it (the document side is tested
    elsewhere): a debit due in `due_in` days."""
    today = timezone.localdate()
    ledger.post(
        account,
        actor=org.owner,
        kind=K.INVOICE,
        amount=amount,
        entry_date=today,
        due_date=today + datetime.timedelta(days=due_in),
        document_type="invoice",
        reference="INV-P",
    )


def _run(org, customer, step) -> None:
    finance = org.users["finance_manager"]
    kind, amount, extra = step
    account = ledger.account_lock(customer)
    if kind == "invoice":
        _invoice(org, account, amount, extra)
    elif kind == "pay_oldest":
        payments.payment_receive(actor=finance, customer=customer, amount=amount)
    elif kind == "pay_on_account":
        payments.payment_receive(actor=finance, customer=customer, amount=amount, allocate="none")
    elif kind == "credit_note":
        entry = ledger.post(
            account,
            actor=finance,
            kind=K.CREDIT_NOTE,
            amount=-amount,
            entry_date=timezone.localdate(),
            document_type="invoice",
            reference="CN-P",
        )
        ledger.allocate_oldest(actor=finance, credit=entry)
    elif kind == "adjust":
        payments.receivable_adjust(
            actor=finance, customer=customer, amount=amount * extra, reason="Property"
        )
    else:
        open_credits = ledger.open_credits(customer.pk)
        if kind == "allocate" and open_credits:
            ledger.allocate_oldest(actor=finance, credit=open_credits[extra % len(open_credits)])
        elif kind == "refund":
            paid = [e for e in open_credits if e.kind == K.PAYMENT]
            if paid:
                entry = paid[extra % len(paid)]
                payments.payment_refund(
                    actor=finance, payment=entry.payment, amount=min(amount, entry.open_amount)
                )
        elif kind == "unallocate":
            made = list(Allocation.objects.filter(debit__customer=customer, debit__kind=K.INVOICE))
            if made:
                payments.allocation_remove(actor=finance, allocation=made[extra % len(made)])


@EXAMPLES
@given(sequence=steps, days_later=st.integers(min_value=0, max_value=200))
def test_any_sequence_keeps_the_ledger_balances_and_aging_consistent(
    sales_org, sequence, days_later
):
    org = sales_org
    with schema_context(org.schema):
        customer = org.customers["rep_own"]
        with transaction.atomic():
            for step in sequence:
                try:
                    with transaction.atomic():
                        _run(org, customer, step)
                except ValidationError:
                    pass  # a refused step writes nothing; the ledger must still agree
            assert ledger.discrepancies() == []
            account = CustomerAccount.objects.get(customer=customer)
            entries = LedgerEntry.objects.filter(customer=customer)
            assert account.balance == sum((e.amount for e in entries), Decimal("0"))
            day = timezone.localdate() + datetime.timedelta(days=days_later)
            aging = selectors.aging_of(customer.pk, today=day)
            assert aging.balance == account.balance
            assert all(amount >= 0 for _key, _label, amount in aging.buckets())
            rows = list(selectors.aging_by_customer(entries, today=day))
            if rows:
                assert rows[0]["balance"] == account.balance
            transaction.set_rollback(True)
