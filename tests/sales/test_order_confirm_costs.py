"""`POST /api/v1/orders/{id}/confirm/` with everything confirming does: stock reserved,
the deposit booked as a payment on account, the credit limit checked, the number
given. The order row is locked once through the caller's scope, its lines are read
once under that lock (stock reserves them, the answer shows them), the account once,
and the answer is exactly what reading the order back gives."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tests.inventory import stock_setup
from tradepost.customers import services as customer_services
from tradepost.inventory.models import Reservation
from tradepost.sales import orders
from tradepost.settlement.models import Payment

# In the test's transaction: the service's savepoint and its release, the search_path,
# and what touches rows: the order read for the request (no lines), the order locked
# through the scope, its lines with their products, the balance rows made sure of and
# locked, the reservations, the balances, the account locked, the deposit looked for,
# the payment's number, the ledger entry, the account, the payment, the entry's
# document, the payment's audit entry, the open orders of the credit check, the
# order's number, the order, its search entry, its audit entry (25); then the early
# warning's credit-limit rule, which reads the rule, the order, the account, the open
# orders, the overdue entries, the company profile and the workspace's name again (7) —
# work the credit check has already done, to be handed over in the event instead — and
# the sales rollup's upsert (1).
CONFIRM_QUERIES = 33


@pytest.fixture
def admin(sales_org, api_key, api_client):
    return api_client(sales_org.workspace, api_key(sales_org.workspace))


def _approved(org, quantity: str) -> int:
    with schema_context(org.schema):
        order = orders.order_create(
            actor=org.owner,
            customer=org.customers["rep_own"],
            deposit=Decimal("5.00"),
            lines=[{"product": org.products["kettle"], "quantity": Decimal(quantity)}],
        )
        order = orders.order_submit(actor=org.owner, order=order)
        return orders.order_approve(actor=org.owner, order=order).pk


def test_a_confirmation_reads_each_row_once_and_answers_what_a_read_gives(
    sales_org, admin, django_assert_num_queries
):
    stock_setup.received(sales_org, "50")
    with schema_context(sales_org.schema):
        customer_services.customer_update(
            actor=sales_org.owner,
            customer=sales_org.customers["rep_own"],
            credit_limit=Decimal("100000"),
        )
    first, second = _approved(sales_org, "2"), _approved(sales_org, "3")
    assert admin.post(f"/api/v1/orders/{first}/confirm/").status_code == 200  # warm
    connection.queries_log.clear()  # the set-up's queries could fill the log

    with django_assert_num_queries(CONFIRM_QUERIES) as captured:
        confirmed = admin.post(f"/api/v1/orders/{second}/confirm/")
    statements = [q["sql"] for q in captured.captured_queries]

    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["status"] == "confirmed" and confirmed.json()["number"]
    assert confirmed.content == admin.get(f"/api/v1/orders/{second}/").content
    listing = "\n".join(sql[:160] for sql in statements)
    assert sum('FROM "sales_orderline"' in sql for sql in statements) == 1, listing
    assert (
        sum(sql.endswith("FOR UPDATE") and 'FROM "sales_order" ' in sql for sql in statements) <= 1
    )
    # Locked once for the deposit and the credit check; read once more by the early
    # warning's credit-limit rule (see CONFIRM_QUERIES), which should take it from them.
    assert sum('FROM "settlement_customeraccount"' in sql for sql in statements) == 2
    with schema_context(sales_org.schema):
        assert Reservation.objects.filter(order_id=second).count() == 1
        assert Payment.objects.filter(order_id=second, method="deposit").count() == 1


def test_a_confirmation_out_of_stock_is_refused_and_writes_nothing(sales_org, admin):
    order_id = _approved(sales_org, "100000")  # more kettles than the opening stock

    refused = admin.post(f"/api/v1/orders/{order_id}/confirm/")

    assert refused.status_code == 400, refused.content
    assert refused.json()["code"] == "insufficient_stock"
    read = admin.get(f"/api/v1/orders/{order_id}/").json()
    assert read["status"] == "approved" and read["number"] == ""
    with schema_context(sales_org.schema):
        assert not Reservation.objects.filter(order_id=order_id).exists()
        assert not Payment.objects.filter(order_id=order_id).exists()
