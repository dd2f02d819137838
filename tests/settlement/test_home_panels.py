"""Finance's and the salesperson's home-page panels (`settlement.home_panels`): aging
buckets per currency, collections of the week, a salesperson's overdue in scope."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone
from django_tenants.utils import schema_context

from tests.workspace.dashboard_support import overdue_invoice
from tradepost.settlement import collections, home_panels, payments

D = Decimal
TODAY = timezone.localdate()


def _as(org, who):
    return SimpleNamespace(user=org.users[who])


def test_aging_puts_each_open_invoice_in_its_bucket(sales_org):
    org = sales_org
    overdue_invoice(org, "rep_own", "1", days=10)  # 224.87, 1–30
    overdue_invoice(org, "north", "2", days=45)  # 449.74, 31–60

    with schema_context(org.schema):
        (row,) = home_panels.aging(_as(org, "finance_manager"), TODAY)["rows"]

    assert row["currency"] == "CNY"
    assert (row["days_1_30"], row["days_31_60"], row["overdue"]) == (
        D("224.87"),
        D("449.74"),
        D("674.61"),
    )
    assert row["overdue_customers"] == 2
    shares = {bucket["key"]: bucket["share"] for bucket in row["buckets"]}
    assert shares["days_31_60"] == 100 and 40 < shares["days_1_30"] < 60


def test_collections_count_the_weeks_payments_and_promises(sales_org):
    org = sales_org
    finance = org.users["finance_manager"]
    overdue_invoice(org, "rep_own", "1")
    monday = TODAY - datetime.timedelta(days=TODAY.weekday())
    with schema_context(org.schema):
        customer = org.customers["north"]
        payments.payment_receive(actor=finance, customer=customer, amount=D("100.00"))
        payments.payment_receive(
            actor=finance,
            customer=customer,
            amount=D("50.00"),
            received_on=monday - datetime.timedelta(days=1),  # last week: not counted
        )
        collections.collection_note_add(
            actor=finance,
            customer=org.customers["rep_own"],
            text="Will pay on Friday",
            promised_on=monday + datetime.timedelta(days=6),
            promised_amount=D("224.87"),
        )

        figures = home_panels.collections(_as(org, "finance_manager"), TODAY)

    assert [(r["currency"], r["amount"], r["count"]) for r in figures["received"]] == [
        ("CNY", D("100.00"), 1)
    ]
    assert figures["promises"]["count"] == 1
    assert [(r["amount"], r["customers"]) for r in figures["overdue"]] == [(D("224.87"), 1)]


def test_a_salespersons_overdue_is_only_their_customers(sales_org):
    org = sales_org
    overdue_invoice(org, "rep_own", "1")
    overdue_invoice(org, "north", "3")

    with schema_context(org.schema):
        mine = home_panels.my_overdue(_as(org, "salesperson"), TODAY)["rows"]
        theirs = home_panels.my_overdue(_as(org, "north_rep"), TODAY)["rows"]

    assert [row["overdue"] for row in mine] == [D("224.87")]
    assert [row["overdue"] for row in theirs] == [D("674.61")]
