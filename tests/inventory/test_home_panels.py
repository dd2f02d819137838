"""The warehouse's home-page panels (`inventory.home_panels`): confirmed orders to ship
by requested delivery date, deliveries on the way, stock under its reorder point."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from django.utils import timezone
from django_tenants.utils import schema_context

from tests.settlement.conftest import confirmed_order, kettles
from tests.workspace.dashboard_support import low_kettle
from tradepost.inventory import home_panels

TODAY = timezone.localdate()


def _due(org, days: int | None):
    fields = {}
    if days is not None:
        fields = {
            "order_date": TODAY - datetime.timedelta(days=10),
            "requested_delivery_date": TODAY + datetime.timedelta(days=days),
        }
    return confirmed_order(org, "rep_own", lines=kettles(org, "1"), **fields)


def test_orders_to_ship_are_counted_by_their_requested_date(sales_org):
    org = sales_org
    late = _due(org, -2)
    for days in (0, 3, 30, None):
        _due(org, days)
    warehouse = org.users["warehouse_manager"]

    with schema_context(org.schema):
        figures = home_panels.deliveries_due(SimpleNamespace(user=warehouse), TODAY)

    assert (figures["late"], figures["due_today"], figures["soon"], figures["later"]) == (
        1,
        1,
        1,
        2,
    )
    # The most urgent first, the late one at the top; none beyond the week.
    assert [order.pk for order in figures["urgent"]][0] == late.pk
    assert len(figures["urgent"]) == 3


def test_low_stock_lists_the_furthest_below_first(sales_org):
    org = sales_org
    low_kettle(org, "1500")  # 1,000 on hand: 500 short
    low_kettle(org, "3000", product="toaster")  # 2,000 short

    with schema_context(org.schema):
        figures = home_panels.low_stock(SimpleNamespace(user=org.users["warehouse_manager"]), TODAY)

    assert figures["count"] == 2
    assert [b.product_id for b in figures["worst"]] == [
        org.products["toaster"].pk,
        org.products["kettle"].pk,
    ]
