"""Two confirmations of one customer's orders at the same moment, on real PostgreSQL
connections, each of which fits the credit limit alone but not together: exactly one
is confirmed, the other refused with the figures — the account lock makes the second
see the first."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context

from tests.support.settlement import settlement_rows_delete
from tradepost.customers import services as customer_services
from tradepost.masterdata import services as md
from tradepost.masterdata.models import DocumentSequence, Product
from tradepost.sales import orders
from tradepost.sales.models import Order
from tradepost.settlement.ledger import discrepancies

RACERS = 8


@pytest.fixture
def racing_orders(committed_customer, django_db_blocker):
    """Eight approved orders of 100.00 for a customer with a limit of 150.00,
    committed in alpha; every row they made is removed afterwards."""
    workspace, owner, customer = committed_customer
    with django_db_blocker.unblock():
        with schema_context(workspace.schema):
            customer = customer_services.customer_update(
                actor=owner, customer=customer, credit_limit=Decimal("150.00")
            )
            product = md.product_create(
                actor=owner,
                sku="RACE-CREDIT",
                name="Credit race 信用竞赛",
                list_price=Decimal("100"),
                tracks_stock=False,
            )
            made = []
            for _ in range(RACERS):
                order = orders.order_create(
                    actor=owner,
                    customer=customer,
                    lines=[
                        {"product": product, "quantity": Decimal("1"), "tax_rate": Decimal("0")}
                    ],
                )
                order = orders.order_submit(actor=owner, order=order)
                made.append(orders.order_approve(actor=owner, order=order).pk)
        connection.set_schema_to_public()
        yield workspace, owner, customer, made
        with schema_context(workspace.schema):
            settlement_rows_delete([customer.pk])
            Order.objects.filter(customer=customer).delete()
            Product.objects.filter(pk=product.pk).delete()
            DocumentSequence.objects.filter(key="order").delete()
        connection.set_schema_to_public()


def test_two_confirmations_cannot_pass_the_limit_together(racing_orders):
    workspace, owner, customer, order_ids = racing_orders
    barrier = threading.Barrier(len(order_ids))
    confirmed, refused, failures, lock = [], [], [], threading.Lock()

    def run(order_id: int) -> None:
        try:
            with schema_context(workspace.schema):
                order = Order.objects.get(pk=order_id)
                barrier.wait()
                try:
                    orders.order_confirm(actor=owner, order=order)
                    with lock:
                        confirmed.append(order_id)
                except ValidationError as error:
                    with lock:
                        refused.append(error.error_dict["customer"][0])
        except BaseException as exc:  # noqa: BLE001 - asserted below
            with lock:
                failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(pk,)) for pk in order_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == []
    assert len(confirmed) == 1 and len(refused) == RACERS - 1
    assert {error.code for error in refused} == {"credit_limit_exceeded"}
    assert all("would owe 200.00" in error.message for error in refused)
    with schema_context(workspace.schema):
        statuses = list(Order.objects.filter(pk__in=order_ids).values_list("status", flat=True))
        assert sorted(statuses) == ["approved"] * (RACERS - 1) + ["confirmed"]
        assert discrepancies() == []
    connection.set_schema_to_public()
