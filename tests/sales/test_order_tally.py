"""The order tally (`sales.models.OrderTally`, kept by triggers): a list of every order
shows the workspace's true number of orders without counting the table, stays exact
while orders are entered and deleted at once on several connections, and anything
narrower than every order is still counted row by row."""

from __future__ import annotations

import datetime
import random
import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from tradepost.sales import selectors
from tradepost.sales.models import Order, OrderTally, order_tally

WRITERS = 6
ROUNDS = 12
MONTHS = [datetime.date(2026, 10, 5), datetime.date(2026, 11, 17), datetime.date(2026, 12, 1)]


def _order(customer, owner, when: datetime.date) -> Order:
    return Order(
        customer=customer,
        owner=owner,
        created_by=owner,
        currency=customer.currency,
        order_date=when,
    )


def _some_deleted(customer, rng: random.Random) -> None:
    victims = list(
        Order.objects.filter(customer=customer)
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[: rng.randint(1, 3)]
    )
    Order.objects.filter(pk__in=victims).delete()


@pytest.fixture
def tallied(committed_customer, django_db_blocker):
    """The committed customer of alpha; every order made on it is deleted afterwards."""
    workspace, owner, customer = committed_customer
    yield workspace, owner, customer
    with django_db_blocker.unblock():
        with schema_context(workspace.schema):
            Order.objects.filter(customer=customer).delete()
        connection.set_schema_to_public()


def test_the_tally_stays_exact_under_concurrent_inserts_deletes_and_rollbacks(tallied):
    workspace, owner, customer = tallied
    barrier = threading.Barrier(WRITERS)
    failures: list[BaseException] = []

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            with schema_context(workspace.schema):
                barrier.wait()
                for _ in range(ROUNDS):
                    action = rng.choice(["insert", "insert", "bulk", "delete", "rollback"])
                    if action == "insert":
                        with transaction.atomic():
                            _order(customer, owner, rng.choice(MONTHS)).save()
                    elif action == "bulk":
                        with transaction.atomic():
                            Order.objects.bulk_create(
                                _order(customer, owner, rng.choice(MONTHS))
                                for _ in range(rng.randint(2, 5))
                            )
                    elif action == "delete":
                        with transaction.atomic():
                            _some_deleted(customer, rng)
                    else:  # written and deleted, then rolled back: the tally keeps none of it
                        try:
                            with transaction.atomic():
                                _order(customer, owner, rng.choice(MONTHS)).save()
                                _some_deleted(customer, rng)
                                raise RuntimeError("roll back")
                        except RuntimeError:
                            pass
        except BaseException as exc:  # noqa: BLE001 - asserted below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(seed,)) for seed in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == []
    with schema_context(workspace.schema):
        assert Order.objects.filter(customer=customer).exists()
        assert order_tally() == Order.objects.filter(pk__gt=0).count()
        for month in MONTHS:
            assert (
                order_tally(month=month)
                == Order.objects.filter(
                    order_date__year=month.year, order_date__month=month.month
                ).count()
            )
        # Several connections wrote: their counts sit in more than one slot.
        assert OrderTally.objects.values("slot").distinct().count() > 1
    connection.set_schema_to_public()


def test_a_changed_order_date_moves_the_order_to_its_new_month(sales_org):
    with schema_context(sales_org.schema):
        customer = sales_org.customers["rep_own"]
        order = _order(customer, sales_org.owner, MONTHS[0])
        order.save()
        before = {month: order_tally(month=month) for month in MONTHS}
        Order.objects.filter(pk=order.pk).update(order_date=MONTHS[1])
        Order.objects.filter(pk=order.pk).update(notes="Other notes, same month 备注")
        assert order_tally(month=MONTHS[0]) == before[MONTHS[0]] - 1
        assert order_tally(month=MONTHS[1]) == before[MONTHS[1]] + 1
        assert order_tally() == Order.objects.filter(pk__gt=0).count()


def test_the_plan_counts_this_months_orders_from_the_tally(sales_org):
    today = datetime.date(2026, 12, 7)
    with schema_context(sales_org.schema):
        customer = sales_org.customers["rep_own"]
        before = selectors.orders_this_month_count(today)
        Order.objects.bulk_create(
            [
                _order(customer, sales_org.owner, datetime.date(2026, 12, 1)),
                _order(customer, sales_org.owner, datetime.date(2026, 12, 31)),
                _order(customer, sales_org.owner, datetime.date(2026, 11, 30)),
                _order(customer, sales_org.owner, datetime.date(2025, 12, 7)),
            ]
        )
        assert selectors.orders_this_month_count(today) == before + 2
        assert (
            selectors.orders_this_month_count(today)
            == Order.objects.filter(
                order_date__gte=datetime.date(2026, 12, 1), order_date__lt=datetime.date(2027, 1, 1)
            ).count()
        )


def _counts(queries) -> list[str]:
    return [q["sql"] for q in queries if "COUNT(" in q["sql"] or "sales_ordertally" in q["sql"]]


def test_the_list_of_every_order_shows_the_total_without_counting_the_table(
    sales_org, api_key, api_client
):
    admin = api_client(sales_org.workspace, api_key(sales_org.workspace))
    with schema_context(sales_org.schema):
        customer = sales_org.customers["rep_own"]
        Order.objects.bulk_create(_order(customer, sales_org.owner, MONTHS[2]) for _ in range(7))
        total = Order.objects.filter(pk__gt=0).count()
        drafts = Order.objects.filter(status=Order.Status.DRAFT).count()
    assert total >= 7

    with CaptureQueriesContext(connection) as every:
        response = admin.get("/api/v1/orders/?page_size=5")
    assert response.status_code == 200
    assert response.json()["count"] == total
    counted = _counts(every.captured_queries)
    assert len(counted) == 1 and "sales_ordertally" in counted[0], counted

    with CaptureQueriesContext(connection) as filtered:
        response = admin.get("/api/v1/orders/?status=draft&page_size=5")
    assert response.json()["count"] == drafts
    counted = _counts(filtered.captured_queries)
    assert len(counted) == 1 and 'FROM "sales_order"' in counted[0], counted


def test_a_salesperson_counts_the_orders_of_their_own_customers_not_the_workspaces(sales_org):
    seller = sales_org.users["salesperson"]
    with schema_context(sales_org.schema):
        customers = sales_org.customers
        Order.objects.bulk_create(
            _order(customers[name], sales_org.owner, MONTHS[2])
            for name in customers
            for _ in (1, 2)
        )
        own = selectors.order_list(seller)
        assert 0 < own.count() == len(list(own)) < Order.objects.count()
        assert Order.objects.count() == Order.objects.filter(pk__gt=0).count()
