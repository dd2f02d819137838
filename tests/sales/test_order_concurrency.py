"""Confirmations racing each other on real PostgreSQL connections: numbers are never
duplicated and never skipped, and one order is confirmed once."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from tradepost.masterdata import services as md
from tradepost.masterdata.models import DocumentSequence, Product
from tradepost.sales import orders
from tradepost.sales.models import Order

THREADS = 6


@pytest.fixture
def approved_orders(committed_customer, django_db_blocker):  # noqa: F811 - fixture
    """Six approved orders committed in alpha; removed with the numbering afterwards."""
    workspace, owner, customer = committed_customer
    with django_db_blocker.unblock():
        with schema_context(workspace.schema):
            product = md.product_create(
                actor=owner,
                sku="RACE-KT",
                name="Race kettle",
                list_price=Decimal("10.00"),
                tracks_stock=False,  # numbering is raced here; stock in tests/inventory
            )
            made = []
            for _ in range(THREADS):
                order = orders.order_create(
                    actor=owner,
                    customer=customer,
                    lines=[{"product": product, "quantity": Decimal("1")}],
                )
                order = orders.order_submit(actor=owner, order=order)
                made.append(orders.order_approve(actor=owner, order=order))
        connection.set_schema_to_public()
        yield workspace, owner, [order.pk for order in made]
        with schema_context(workspace.schema):
            Order.objects.filter(customer=customer).delete()
            Product.objects.filter(pk=product.pk).delete()
            DocumentSequence.objects.filter(key="order").delete()
        connection.set_schema_to_public()


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
        thread.join(timeout=60)
    return results, failures


def test_concurrent_confirmations_get_distinct_consecutive_numbers(approved_orders):
    workspace, owner, order_ids = approved_orders

    def confirm(order_id):
        def job():
            order = Order.objects.get(pk=order_id)
            return orders.order_confirm(actor=owner, order=order).number

        return job

    numbers, failures = _race(workspace.schema, [confirm(pk) for pk in order_ids])

    assert failures == []
    year = timezone.localdate().year
    assert sorted(numbers) == [f"SO-{year}-{n:05d}" for n in range(1, THREADS + 1)]
    with schema_context(workspace.schema):
        stored = set(Order.objects.filter(pk__in=order_ids).values_list("number", flat=True))
    connection.set_schema_to_public()
    assert stored == set(numbers)


def test_one_order_confirmed_twice_at_once_is_confirmed_once(approved_orders):
    workspace, owner, order_ids = approved_orders
    order_id = order_ids[0]

    def job():
        order = Order.objects.get(pk=order_id)
        return orders.order_confirm(actor=owner, order=order).number

    numbers, failures = _race(workspace.schema, [job, job, job])

    assert len(numbers) == 1
    assert len(failures) == 2 and all(isinstance(exc, ValidationError) for exc in failures)
    with schema_context(workspace.schema):
        sequence = DocumentSequence.objects.get(key="order", year=timezone.localdate().year)
        assert sequence.last_number == 1  # the losers took no number
    connection.set_schema_to_public()
