"""The demo's settlement: invoices in every state, partial payments, a customer in each
aging bucket, a credit hold and an override — written through the services, once, and
the ledger agrees with the accounts."""

from __future__ import annotations

from django_tenants.utils import schema_context

from tradepost.accounts.models import User
from tradepost.customers.demo import seed_demo as seed_customers
from tradepost.demo import seed_sales_menu
from tradepost.masterdata.demo import seed_demo as seed_masterdata
from tradepost.sales.models import Order
from tradepost.settlement import ledger, selectors
from tradepost.settlement.demo import seed_demo, seed_expenses
from tradepost.settlement.models import (
    CreditOverride,
    ExpenseClaim,
    Invoice,
    LedgerEntry,
    Payment,
    Rebate,
)


def test_seed_demo_fills_settlement_once(alpha, make_user):
    salesperson = make_user(alpha, "salesperson")
    with schema_context(alpha.schema):
        owner = User.objects.get(email=alpha.owner_email)
        seed_masterdata(actor=owner)
        seed_customers(actor=owner)
        seed_sales_menu(actor=owner)  # runs the settlement seed last
        counts = [m.objects.count() for m in (Invoice, Payment, LedgerEntry)]
        assert counts[0] > 5
        assert seed_demo(actor=owner) == 0
        assert [m.objects.count() for m in (Invoice, Payment, LedgerEntry)] == counts

        statuses = set(Invoice.objects.values_list("status", flat=True))
        assert statuses == {"draft", "issued", "cancelled"}
        assert Invoice.objects.filter(kind="credit_note", status="issued").exists()
        open_amounts = [
            (i.entry.open_amount, i.gross_total)
            for i in Invoice.objects.filter(kind="invoice", status="issued").select_related("entry")
        ]
        assert any(open == 0 for open, _total in open_amounts)  # paid
        assert any(0 < open < total for open, total in open_amounts)  # partly paid
        totals = selectors.aging_total(selectors.aging_by_customer(LedgerEntry.objects.all()))
        for bucket in selectors.BUCKET_KEYS:
            assert totals[bucket] > 0, bucket
        assert totals["on_account"] > 0
        held = Order.objects.filter(status="approved", customer__credit_limit=1000)
        assert held.exists()  # refused for credit, waiting
        assert CreditOverride.objects.filter(used_at__isnull=False).count() == 1
        assert Rebate.objects.filter(status="computed").exists()  # last month, for review
        claims = ExpenseClaim.objects.all()
        assert set(claims.values_list("status", flat=True)) == {
            "draft",
            "submitted",
            "approved",
            "rejected",
            "paid",
        }
        assert {claim.claimant.email for claim in claims} == {salesperson.email}
        paid = claims.get(status="paid")
        assert paid.receipt.name and paid.receipt.read(5) == b"%PDF-"
        assert paid.reviewed_by_id != salesperson.pk and paid.paid_by_id is not None
        assert seed_expenses(actor=owner) == 0
        assert claims.count() == 5
        assert ledger.discrepancies() == []
