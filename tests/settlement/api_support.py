"""What the settlement API tests share: issued invoices made through the services as
finance would, and counting settlement rows."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import schema_context

from tests.settlement.conftest import confirmed_order, kettles
from tradepost.inventory import deliveries
from tradepost.inventory.models import Delivery
from tradepost.settlement import invoices
from tradepost.settlement.models import Invoice, LedgerEntry, Payment

INVOICES = "/api/v1/invoices/"
CREDIT_NOTES = "/api/v1/credit-notes/"
PAYMENTS = "/api/v1/payments/"
RECEIVABLES = "/api/v1/receivables/"
LEDGER = "/api/v1/ledger-entries/"
RATES = "/api/v1/exchange-rates/"
OVERRIDES = "/api/v1/credit-overrides/"


def finance(org):
    return org.users["finance_manager"]


def issued(org, customer: str = "rep_own", quantity: str = "2", *, days_ago: int = 0) -> Invoice:
    """An issued invoice of `quantity` kettles (224.87 each, tax included) to
    `customer`, dated `days_ago` days back (due 30 days after)."""
    order = confirmed_order(org, customer, lines=kettles(org, quantity))
    with schema_context(org.schema):
        draft = invoices.invoice_from_order(actor=finance(org), order=order)
        return invoices.invoice_issue(
            actor=finance(org),
            invoice=draft,
            issue_date=timezone.localdate() - datetime.timedelta(days=days_ago),
        )


def shipped_delivery(org, customer: str = "rep_own", quantity: str = "2") -> Delivery:
    order = confirmed_order(org, customer, lines=kettles(org, quantity))
    warehouse = org.users["warehouse_manager"]
    with schema_context(org.schema):
        delivery = deliveries.delivery_create(actor=warehouse, order=order)
        return deliveries.delivery_ship(actor=warehouse, delivery=delivery)


def counts(org) -> tuple[int, int, int]:
    """(invoices, payments, ledger entries) in the workspace."""
    with schema_context(org.schema):
        return (Invoice.objects.count(), Payment.objects.count(), LedgerEntry.objects.count())


D = Decimal
