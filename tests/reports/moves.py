"""What the report tests share: a clock to post stock moves in a chosen month, and a
history with every kind of move over two months — made through the inventory and
sales services, as the warehouse and finance would."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from unittest import mock

from django_tenants.utils import schema_context

from tests.support import factories
from tradepost.inventory import deliveries, receipts, stocktakes, transfers
from tradepost.inventory.adjustments import adjustment_post
from tradepost.masterdata import services as md
from tradepost.masterdata.models import Location, Product
from tradepost.reports import rollup
from tradepost.sales import orders

D = Decimal


def months_ago(count: int) -> datetime.date:
    month = rollup.current_month()
    for _ in range(count):
        month = rollup.previous_month(month)
    return month


@contextmanager
def posted_on(month: datetime.date, day: int, hour: int = 10) -> Iterator[None]:
    """Stock moves (and everything else stamped with the time) written inside the block
    carry this moment: the ledger stamps `created_at` itself."""
    moment = datetime.datetime(month.year, month.month, day, hour, tzinfo=rollup.report_zone())
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@dataclass
class History:
    first: datetime.date
    second: datetime.date
    tea: Product
    mug: Product
    warehouse: Location
    store: Location


def two_months_of_moves(org) -> History:
    """Tea and mugs over the month before last (`first`) and last month (`second`):
    opening stock, receipts at two costs, an order shipped and partly returned, a
    transfer shipped in one month and received in the next, an adjustment and a
    stocktake — every kind of stock move."""
    first, second = months_ago(2), months_ago(1)
    keeper = org.users["warehouse_manager"]
    with schema_context(org.schema):
        tea = md.product_create(
            actor=org.owner,
            sku="RPT-TEA",
            name="Longjing tea 龙井茶",
            list_price=D("30"),
            category=org.categories["kitchen"],
        )
        mug = md.product_create(actor=org.owner, sku="RPT-MUG", name="Mug 杯子", list_price=D("9"))
        warehouse = Location.objects.get(code="WH")
        store = md.location_create(
            actor=org.owner, name="Report store 报表门店", code="RPT-ST", kind="store"
        )

    with schema_context(org.schema), posted_on(first, 1):
        adjustment_post(
            actor=org.owner,
            location=warehouse,
            reason="Opening stock",
            opening=True,
            # A cost past the ledger's four places: the rollup counts what is stored.
            lines=[{"product": tea, "quantity": D("40"), "unit_cost": D("10.00005")}],
        )
    with schema_context(org.schema), posted_on(first, 5):
        receipt = receipts.receipt_create(
            actor=keeper,
            location=warehouse,
            lines=[
                {"product": tea, "quantity": D("60"), "unit_cost": D("12.5")},
                {"product": mug, "quantity": D("100"), "unit_cost": D("3.3333")},
            ],
        )
        receipts.receipt_receive(actor=keeper, receipt=receipt)
    order = factories.order(org, "rep_own", lines=[{"product": tea, "quantity": D("25")}])
    with schema_context(org.schema), posted_on(first, 10):
        order = orders.order_submit(actor=org.owner, order=order)
        order = orders.order_approve(actor=org.owner, order=order, comment="")
        order = orders.order_confirm(actor=org.owner, order=order)
        delivery = deliveries.delivery_create(actor=keeper, order=order)
        delivery = deliveries.delivery_ship(actor=keeper, delivery=delivery)
        deliveries.delivery_deliver(actor=keeper, delivery=delivery)
    with schema_context(org.schema), posted_on(first, 28):
        transfer = transfers.transfer_create(
            actor=keeper,
            source=warehouse,
            destination=store,
            lines=[{"product": tea, "quantity": D("15")}, {"product": mug, "quantity": D("30")}],
        )
        transfers.transfer_ship(actor=keeper, transfer=transfer)
    with schema_context(org.schema), posted_on(second, 2):
        transfers.transfer_receive(actor=keeper, transfer=transfer)
    with schema_context(org.schema), posted_on(second, 8):
        order.refresh_from_db()
        line = order.lines.get()
        orders.order_return_create(
            actor=org.users["finance_manager"],
            order=order,
            quantities={line.pk: D("4")},
            reason="Damaged tin",
        )
    with schema_context(org.schema), posted_on(second, 15):
        adjustment_post(
            actor=keeper,
            location=store,
            reason="Broken 打碎",
            lines=[{"product": mug, "quantity": D("-2")}],
        )
    with schema_context(org.schema), posted_on(second, 27):
        count = stocktakes.stocktake_create(actor=keeper, location=warehouse, reason="Month end")
        sheet = {line.product_id: line for line in count.lines.all()}
        stocktakes.stocktake_count(
            actor=keeper,
            stocktake=count,
            counts={sheet[tea.pk].pk: D("63"), sheet[mug.pk].pk: D("70")},
        )
        stocktakes.stocktake_post(actor=keeper, stocktake=count)
    return History(first, second, tea, mug, warehouse, store)
