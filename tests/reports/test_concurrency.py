"""Stock posted at the same time by two warehouse clerks, on real PostgreSQL
connections: the month's rollup row of the product and location ends up holding every
posting — equal to the ledger, figure by figure."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_context

from tests.inventory.workspaces import workspace_drop, workspace_signup
from tradepost.inventory.adjustments import adjustment_post
from tradepost.inventory.models import StockBalance, StockMove
from tradepost.masterdata import services as md
from tradepost.masterdata.models import Location
from tradepost.reports import rollup
from tradepost.reports.models import StockMonthly
from tradepost.reports.rollup import ledger_month_figures

POSTINGS = 15  # per thread


@pytest.fixture
def racing_stock(platform_workspaces, django_db_blocker):
    """A committed workspace of the test's own with two products at its warehouse,
    dropped afterwards (the ledger keeps its moves: only dropping removes them)."""
    with django_db_blocker.unblock():
        workspace = workspace_signup("rollup")
        try:
            with schema_context(workspace.schema):
                owner = workspace.owner()
                products = [
                    md.product_create(
                        actor=owner, sku=f"RACE-{n}", name=f"Race {n} 竞争", list_price=Decimal("1")
                    )
                    for n in (1, 2)
                ]
                warehouse = Location.objects.get(is_default=True, branch__isnull=True)
            connection.set_schema_to_public()
            yield workspace, owner, products, warehouse
        finally:
            workspace_drop(workspace)


def test_concurrent_postings_for_one_product_and_location_all_land_in_the_rollup(racing_stock):
    workspace, owner, products, warehouse = racing_stock
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def clerk(quantity: str, cost: str, order: list) -> None:
        try:
            with schema_context(workspace.schema):
                barrier.wait()
                for _ in range(POSTINGS):
                    adjustment_post(
                        actor=owner,
                        location=warehouse,
                        reason="Found 找到",
                        lines=[
                            {
                                "product": product,
                                "quantity": Decimal(quantity),
                                "unit_cost": Decimal(cost),
                            }
                            for product in order
                        ],
                    )
        except BaseException as exc:  # noqa: BLE001 - asserted below
            failures.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=clerk, args=("1.5", "2.25", products)),
        threading.Thread(target=clerk, args=("2", "3.1", products[::-1])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == []
    with schema_context(workspace.schema):
        month = rollup.current_month()
        ledger = ledger_month_figures(month)
        for product in products:
            row = StockMonthly.objects.get(month=month, product=product, location=warehouse)
            figures = {name: getattr(row, name) for name in ledger[(product.pk, warehouse.pk)]}
            assert figures == ledger[(product.pk, warehouse.pk)]
            assert row.adjustments_qty == POSTINGS * Decimal("3.5")
            assert row.adjustments_value == POSTINGS * (
                Decimal("1.5") * Decimal("2.25") + 2 * Decimal("3.1")
            )
            assert (
                row.closing_qty
                == StockBalance.objects.get(product=product, location=warehouse).on_hand
            )
    connection.set_schema_to_public()


def test_concurrent_first_rows_of_a_month_are_added_up_not_lost(racing_stock):
    """The rollup's own guarantee, without the balance lock postings take: two
    transactions inserting the same new month row at once both count."""
    workspace, owner, products, warehouse = racing_stock
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []
    month = rollup.current_month()

    def post(quantity: str) -> None:
        try:
            with schema_context(workspace.schema), transaction.atomic():
                moves = StockMove.objects.bulk_create(
                    [
                        StockMove(
                            kind=StockMove.Kind.RECEIPT,
                            product_id=products[0].pk,
                            location_id=warehouse.pk,
                            quantity=Decimal(quantity),
                            unit_cost=Decimal("4"),
                            document_type="test",
                            document_id=1,
                            reference="RACE",
                        )
                    ]
                )
                barrier.wait()
                rollup.stock_monthly_record(moves)
        except BaseException as exc:  # noqa: BLE001 - asserted below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(q,)) for q in ("5", "7")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    with schema_context(workspace.schema):
        row = StockMonthly.objects.get(month=month, product=products[0], location=warehouse)
        assert (row.receipts_qty, row.receipts_value, row.closing_qty) == (12, 48, 12)
    connection.set_schema_to_public()
