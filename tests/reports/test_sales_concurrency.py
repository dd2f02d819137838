"""Orders confirmed at the same time by two sales managers, on real PostgreSQL
connections: every order lands in the sales rollups, which end up equal to the raw
order lines — in the fine table and in the cube."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_context

from tests.inventory.workspaces import workspace_drop, workspace_signup
from tradepost.customers import services as customer_services
from tradepost.inventory.adjustments import adjustment_post
from tradepost.masterdata import services as md
from tradepost.masterdata.models import Location
from tradepost.reports.sales_rollup import (
    CUBE_KEYS,
    RAW_KEYS,
    raw_sales_figures,
    rollup_sales_figures,
    sales_posting_record,
)
from tradepost.sales import orders
from tradepost.sales.models import Order
from tradepost.sales.postings import CONFIRMED, SalesPosting

ORDERS = 8  # per thread


@pytest.fixture
def racing_sales(platform_workspaces, django_db_blocker):
    """A committed workspace of the test's own with two customers and two products in
    stock, dropped afterwards."""
    with django_db_blocker.unblock():
        workspace = workspace_signup("salesrace")
        try:
            with schema_context(workspace.schema):
                owner = workspace.owner()
                products = [
                    md.product_create(
                        actor=owner,
                        sku=f"SR-{n}",
                        name=f"Race {n} 竞争",
                        list_price=Decimal("12.5"),
                    )
                    for n in (1, 2)
                ]
                customers = [
                    customer_services.customer_create(actor=owner, name=f"Racer {n} 客户")
                    for n in (1, 2)
                ]
                adjustment_post(
                    actor=owner,
                    location=Location.objects.get(is_default=True, branch__isnull=True),
                    reason="Opening stock",
                    opening=True,
                    lines=[
                        {"product": p, "quantity": Decimal("1000"), "unit_cost": Decimal("4")}
                        for p in products
                    ],
                )
            connection.set_schema_to_public()
            yield workspace, owner, customers, products
        finally:
            workspace_drop(workspace)


def _race(workspace, work) -> list[BaseException]:
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def run(index: int) -> None:
        try:
            with schema_context(workspace.schema):
                barrier.wait()
                work(index)
        except BaseException as exc:  # noqa: BLE001 - asserted by the caller
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return failures


def _reconciled(workspace) -> dict:
    with schema_context(workspace.schema):
        for key in RAW_KEYS:
            assert rollup_sales_figures([key]) == raw_sales_figures([key]), key
        assert rollup_sales_figures(list(CUBE_KEYS), cube=True) == raw_sales_figures(
            list(CUBE_KEYS)
        )
        totals = raw_sales_figures([])
    connection.set_schema_to_public()
    ((total,),) = [list(totals.values())]
    return total


def test_orders_confirmed_at_once_all_land_in_the_rollup(racing_sales):
    workspace, owner, customers, products = racing_sales

    def manager(index: int) -> None:
        # Both managers sell both products to both customers, in opposite orders.
        pairs = [(c, p) for c in customers for p in products]
        for n in range(ORDERS):
            customer, product = pairs[(n + index) % len(pairs)]
            order = orders.order_create(
                actor=owner,
                customer=customer,
                lines=[{"product": product, "quantity": Decimal(1 + index)}],
            )
            order = orders.order_submit(actor=owner, order=order)
            order = orders.order_approve(actor=owner, order=order)
            orders.order_confirm(actor=owner, order=order)

    assert _race(workspace, manager) == []

    total = _reconciled(workspace)
    assert total["quantity"] == ORDERS * (1 + 2)
    assert total["sales"] == ORDERS * 3 * Decimal("12.50")


def test_first_rows_of_a_month_posted_at_once_are_added_up_not_lost(racing_sales):
    """The rollup's own guarantee, without the stock locks that confirming takes: two
    transactions adding the same new rows at once both count."""
    workspace, owner, customers, products = racing_sales
    with schema_context(workspace.schema):
        made = []
        for _n in range(2):
            order = orders.order_create(
                actor=owner,
                customer=customers[0],
                lines=[{"product": p, "quantity": Decimal("2")} for p in products],
            )
            made.append(order.pk)
        # Confirmed as far as the documents go; the rollup hears of it below.
        Order.objects.filter(pk__in=made).update(status=Order.Status.CONFIRMED)
    connection.set_schema_to_public()

    def record(index: int) -> None:
        with transaction.atomic():
            sales_posting_record(SalesPosting(kind=CONFIRMED, order_id=made[index]))

    assert _race(workspace, record) == []

    total = _reconciled(workspace)
    assert total["quantity"] == Decimal("8")
