"""The sales rollups (`SalesMonthly`, `SalesCube`) equal the documents: orders
confirmed, cancelled, delivered and returned through the sales and inventory services
leave figures that match the raw lines grouped by every dimension, the cube matches the
fine table, a rebuild from the documents gives the same rows, and the cost of goods
agrees with profitability's."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.support import factories
from tradepost.reports import rollup
from tradepost.reports.models import SalesCube, SalesMonthly
from tradepost.reports.sales_rollup import (
    CUBE_KEYS,
    RAW_KEYS,
    raw_sales_figures,
    rollup_sales_figures,
    sales_rollup_rebuild,
)
from tradepost.sales import orders
from tradepost.settlement.models import ExchangeRate
from tradepost.settlement.profitability import profitability

D = Decimal


def _confirmed(org, customer, lines, **fields):
    order = factories.order(org, customer, lines=lines, **fields)
    with schema_context(org.schema):
        order = orders.order_submit(actor=org.owner, order=order)
        order = orders.order_approve(actor=org.owner, order=order)
        return orders.order_confirm(actor=org.owner, order=order)


def _history(org) -> dict:
    """Orders of four customers: one delivered and partly returned, one cancelled
    after confirmation, one in USD, one left in draft (counts nothing)."""
    kettle, toaster, lamp = (org.products[name] for name in ("kettle", "toaster", "usd_lamp"))
    warehouse, finance = org.users["warehouse_manager"], org.users["finance_manager"]
    with schema_context(org.schema):
        ExchangeRate.objects.create(
            currency="USD", rate_date=datetime.date(2020, 1, 1), rate=D("7.1234")
        )
    delivered = _confirmed(
        org,
        "rep_own",
        [
            {"product": kettle, "quantity": D("3")},
            {"product": toaster, "quantity": D("2"), "discount_percent": D("10")},
        ],
    )
    with schema_context(org.schema):
        delivered = orders.order_ship(actor=warehouse, order=delivered)
        delivered = orders.order_deliver(actor=warehouse, order=delivered)
        kettle_line = delivered.lines.get(product=kettle)
        orders.order_return_create(
            actor=finance, order=delivered, quantities={kettle_line.pk: D("1")}, reason="Dented"
        )
    kept = _confirmed(org, "north", [{"product": toaster, "quantity": D("5")}])
    cancelled = _confirmed(org, "region_only", [{"product": kettle, "quantity": D("7")}])
    with schema_context(org.schema):
        orders.order_cancel(actor=org.owner, order=cancelled, reason="Changed plans")
    usd = _confirmed(
        org, "hangzhou_unowned", [{"product": lamp, "quantity": D("4")}], currency="USD"
    )
    draft = factories.order(org, "rep_own", lines=[{"product": kettle, "quantity": D("9")}])
    return {"delivered": delivered, "kept": kept, "usd": usd, "draft": draft}


def test_the_rollup_equals_the_raw_lines_by_every_dimension(sales_org):
    made = _history(sales_org)

    with schema_context(sales_org.schema):
        for key in RAW_KEYS:
            assert rollup_sales_figures([key]) == raw_sales_figures([key]), key
        assert rollup_sales_figures(list(RAW_KEYS)) == raw_sales_figures(list(RAW_KEYS))
        for key in CUBE_KEYS:
            assert rollup_sales_figures([key], cube=True) == raw_sales_figures([key]), key
        assert rollup_sales_figures(list(CUBE_KEYS), cube=True) == raw_sales_figures(
            list(CUBE_KEYS)
        )
        ((total,),) = [list(raw_sales_figures([]).values())]
        delivered = made["delivered"]
        delivered.refresh_from_db()
        kettle_line = delivered.lines.get(product=sales_org.products["kettle"])
        returned = kettle_line.return_lines.get().net_amount
        usd_net = made["usd"].lines.get().net_amount
        expected = (
            delivered.net_total
            - returned
            + made["kept"].net_total
            + (usd_net * D("7.1234")).quantize(D("0.01"))
        )
    # What a reader sees: sales of confirmed orders, less the return, the USD order
    # converted; the cancelled order and the draft count nothing.
    assert total["sales"] == expected
    assert total["quantity"] == D("3") - 1 + 2 + 5 + 4
    assert total["unconverted"] == 0


def test_the_cost_of_goods_agrees_with_profitability(sales_org):
    _history(sales_org)
    today = timezone.localdate()

    with schema_context(sales_org.schema):
        cost = sum(
            (row.cost for row in SalesMonthly.objects.filter(month=rollup.current_month())), D(0)
        )
        report = profitability(
            sales_org.owner, start=rollup.current_month(), end=today, by="branch"
        )

    # 3 kettles and 2 toasters delivered at the opening cost of 50, 1 kettle back.
    assert cost == D("200.00")
    assert report.totals.cost_of_goods == cost


def test_a_rebuild_from_the_documents_gives_the_same_rows(sales_org):
    _history(sales_org)
    fields = ["month", "customer_id", "product_id", "salesperson_id", "branch_id", "region_id"]
    measures = ["quantity", "sales", "cost", "unconverted"]

    def rows(model, keys):
        return {
            tuple(row[k] for k in keys): tuple(row[m] for m in measures)
            for row in model.objects.values(*keys, *measures)
            if any(row[m] for m in measures)
        }

    with schema_context(sales_org.schema):
        kept = rows(SalesMonthly, fields)
        cube = rows(SalesCube, ["month", "branch_id", "region_id", "channel", "category_id"])
        SalesMonthly.objects.update(sales=D("0"))  # the rollup gone wrong
        count = sales_rollup_rebuild()

        assert rows(SalesMonthly, fields) == kept
        assert rows(SalesCube, ["month", "branch_id", "region_id", "channel", "category_id"]) == (
            cube
        )
        assert count == SalesMonthly.objects.count()


def test_a_line_without_an_exchange_rate_is_counted_as_unconverted(sales_org):
    _confirmed(
        sales_org,
        "hangzhou_unowned",
        [{"product": sales_org.products["usd_lamp"], "quantity": D("1")}],
        currency="USD",
    )

    with schema_context(sales_org.schema):
        ((total,),) = [list(rollup_sales_figures([]).values())]

    assert total["unconverted"] == 1 and total["sales"] == 0
    assert total["quantity"] == 1


@pytest.mark.parametrize("key", ["nonsense", "amount"])
def test_only_known_keys_group_the_figures(sales_org, key):
    with schema_context(sales_org.schema), pytest.raises(ValueError, match="Group by"):
        raw_sales_figures([key])
