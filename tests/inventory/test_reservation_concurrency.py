"""Fifty confirmations racing for the last ten units of one product, on real
PostgreSQL connections: exactly ten are reserved, forty refused with a clear message
and nothing half-written — through the service and through the API."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from api.keys import api_key_create
from tests.inventory.workspaces import workspace_drop, workspace_signup
from tradepost.customers.services import customer_create
from tradepost.inventory.adjustments import adjustment_post
from tradepost.inventory.checks import ledger_mismatches
from tradepost.inventory.models import Reservation, StockBalance
from tradepost.masterdata import services as md
from tradepost.masterdata.models import Location, Product
from tradepost.sales import orders
from tradepost.sales.models import Order

RACERS = 50
UNITS = Decimal("10")


@pytest.fixture
def racing_orders(platform_workspaces, django_db_blocker):
    """Fifty approved orders of one unit each of a product with ten units in stock,
    committed in a workspace of this test's own, dropped afterwards (the ledger keeps
    its moves: only dropping the workspace removes them)."""
    with django_db_blocker.unblock():
        workspace = workspace_signup("race")
        try:
            with schema_context(workspace.schema):
                owner = workspace.owner()
                customer = customer_create(actor=owner, name="Race 竞争客户", code="RACE-1")
                product = md.product_create(
                    actor=owner,
                    sku="RACE-STOCK",
                    name="Last units 最后十件",
                    list_price=Decimal("5"),
                )
                warehouse = Location.objects.get(is_default=True, branch__isnull=True)
                adjustment_post(
                    actor=owner,
                    location=warehouse,
                    reason="Race stock",
                    opening=True,
                    lines=[{"product": product, "quantity": UNITS}],
                )
                made = []
                for _ in range(RACERS):
                    order = orders.order_create(
                        actor=owner,
                        customer=customer,
                        lines=[{"product": product, "quantity": Decimal("1")}],
                    )
                    order = orders.order_submit(actor=owner, order=order)
                    made.append(orders.order_approve(actor=owner, order=order).pk)
            connection.set_schema_to_public()
            yield workspace, owner, product, warehouse, made
        finally:
            workspace_drop(workspace)


def _race(schema: str, jobs: list) -> tuple[list, list[BaseException]]:
    barrier = threading.Barrier(len(jobs))
    results, failures, lock = [], [], threading.Lock()

    def run(job) -> None:
        try:
            with schema_context(schema):
                barrier.wait()
                value = job()
            with lock:
                results.append(value)
        except BaseException as exc:  # noqa: BLE001 - asserted by the caller
            with lock:
                failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, failures


def _outcome(schema: str, product: Product, warehouse: Location, order_ids: list[int]):
    with schema_context(schema):
        balance = StockBalance.objects.get(product=product, location=warehouse)
        confirmed = Order.objects.filter(pk__in=order_ids, status=Order.Status.CONFIRMED)
        still_approved = Order.objects.filter(pk__in=order_ids, status=Order.Status.APPROVED)
        numbers = sorted(confirmed.values_list("number", flat=True))
        held = Reservation.objects.filter(product=product)
        result = {
            "reserved": balance.reserved,
            "on_hand": balance.on_hand,
            "confirmed": confirmed.count(),
            "approved": still_approved.count(),
            "numbers": numbers,
            "reservation_rows": held.count(),
            "reservations_of_confirmed": set(held.values_list("order_id", flat=True))
            == set(confirmed.values_list("pk", flat=True)),
            "ledger": ledger_mismatches(),
        }
    connection.set_schema_to_public()
    return result


def _assert_ten_of_fifty(outcome) -> None:
    assert outcome["reserved"] == UNITS
    assert outcome["on_hand"] == UNITS  # reserving moves nothing
    assert outcome["confirmed"] == 10
    assert outcome["approved"] == 40  # refused ones are exactly as they were
    assert outcome["reservation_rows"] == 10 and outcome["reservations_of_confirmed"]
    # Numbers are handed out only to the confirmed, gap-free.
    assert [int(n.rsplit("-", 1)[1]) for n in outcome["numbers"]] == list(range(1, 11))
    assert outcome["ledger"] == []


def test_fifty_confirmations_for_ten_units_reserve_exactly_ten(racing_orders):
    workspace, owner, product, warehouse, order_ids = racing_orders

    def confirm(order_id):
        def job():
            return orders.order_confirm(actor=owner, order=Order.objects.get(pk=order_id)).number

        return job

    numbers, failures = _race(workspace.schema, [confirm(pk) for pk in order_ids])

    assert len(numbers) == 10
    assert len(failures) == 40
    messages = {str(exc) for exc in failures}
    assert all("RACE-STOCK" in message and "0 available" in message for message in messages)
    _assert_ten_of_fifty(_outcome(workspace.schema, product, warehouse, order_ids))


def test_fifty_api_confirmations_for_ten_units_reserve_exactly_ten(racing_orders):
    from tests.support.api import ApiClient

    workspace, owner, product, warehouse, order_ids = racing_orders
    with schema_context(workspace.schema):
        key = api_key_create(actor=None, name="race", role="system_administrator").secret
    connection.set_schema_to_public()

    def confirm(order_id):
        def job():
            client = ApiClient(workspace.domain, key)
            response = client.post(f"/api/v1/orders/{order_id}/confirm/")
            return response.status_code, response.json()

        return job

    answers, failures = _race(workspace.schema, [confirm(pk) for pk in order_ids])

    assert failures == []
    codes = sorted(status for status, _body in answers)
    assert codes == [200] * 10 + [400] * 40
    refused = [body for status, body in answers if status == 400]
    assert {body["code"] for body in refused} == {"insufficient_stock"}
    assert all("RACE-STOCK" in body["errors"]["lines"][0] for body in refused)
    _assert_ten_of_fifty(_outcome(workspace.schema, product, warehouse, order_ids))
