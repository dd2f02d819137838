"""What the plans tests share: the sales organisation (`sales_org`, tests/support/org.py)
with a hand-built November 2026 of orders (`november`), and a target helper.

The orders (kettle 199.00 net, toaster 259.50 net, lamp 30.00 USD net; the USD rate
7.10 from 1 November):

| order | customer (branch / region)     | date       | lines          | status    | counts in     |
|-------|--------------------------------|------------|----------------|-----------|---------------|
| A     | rep_own (Shanghai)             | 2026-11-05 | 2 kettles      | confirmed | Nov, Q4, 2026 |
| B     | hangzhou_unowned (Hangzhou)    | 2026-11-10 | 1 toaster      | confirmed | Nov, Q4, 2026 |
| C     | north (Beijing, 华北)          | 2026-11-20 | 3 kettles      | shipped   | Nov, Q4, 2026 |
| G     | rep_own (Shanghai), in USD     | 2026-11-12 | 2 lamps        | confirmed | Nov, Q4, 2026 |
| F     | rep_own (Shanghai)             | 2026-10-31 | 1 kettle       | confirmed | Q4, 2026      |
| P     | region_only (上海 region)      | 2026-11-08 | 1 kettle       | confirmed | Nov, Q4, 2026 |
| X     | rep_own                        | 2026-11-06 | 5 kettles      | cancelled | never         |
| Y     | rep_own                        | 2026-11-07 | 7 kettles      | draft     | never         |
| Z     | north                          | 2026-09-15 | 4 kettles      | confirmed | 2026 only     |
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from tests.settlement.conftest import confirmed_order
from tests.support import factories
from tradepost.plans import services
from tradepost.sales import orders
from tradepost.settlement import services as settlement_services

D = Decimal
NOV = datetime.date(2026, 11, 1)
Q4 = datetime.date(2026, 10, 1)
YEAR = datetime.date(2026, 1, 1)


def _line(org, product: str, quantity: str) -> list[dict]:
    return [{"product": org.products[product], "quantity": D(quantity)}]


@pytest.fixture
def november(sales_org):
    """The orders of the table above; returns the org."""
    org = sales_org
    with schema_context(org.schema):
        settlement_services.exchange_rate_set(
            actor=org.users["finance_manager"],
            currency="USD",
            rate=D("7.10"),
            rate_date=datetime.date(2026, 11, 1),
        )
    confirmed_order(
        org, "rep_own", lines=_line(org, "kettle", "2"), order_date=datetime.date(2026, 11, 5)
    )
    confirmed_order(
        org,
        "hangzhou_unowned",
        lines=_line(org, "toaster", "1"),
        order_date=datetime.date(2026, 11, 10),
    )
    shipped = confirmed_order(
        org, "north", lines=_line(org, "kettle", "3"), order_date=datetime.date(2026, 11, 20)
    )
    with schema_context(org.schema):
        orders.order_ship(actor=org.users["warehouse_manager"], order=shipped)
    confirmed_order(
        org,
        "rep_own",
        lines=_line(org, "usd_lamp", "2"),
        currency="USD",
        order_date=datetime.date(2026, 11, 12),
    )
    confirmed_order(
        org, "rep_own", lines=_line(org, "kettle", "1"), order_date=datetime.date(2026, 10, 31)
    )
    confirmed_order(
        org, "region_only", lines=_line(org, "kettle", "1"), order_date=datetime.date(2026, 11, 8)
    )
    cancelled = confirmed_order(
        org, "rep_own", lines=_line(org, "kettle", "5"), order_date=datetime.date(2026, 11, 6)
    )
    with schema_context(org.schema):
        orders.order_cancel(actor=org.owner, order=cancelled, reason="Customer changed their mind")
    factories.order(
        org, "rep_own", lines=_line(org, "kettle", "7"), order_date=datetime.date(2026, 11, 7)
    )
    confirmed_order(
        org, "north", lines=_line(org, "kettle", "4"), order_date=datetime.date(2026, 9, 15)
    )
    return org


def target(
    org,
    who: str = "owner",
    *,
    kind: str = "month",
    start=NOV,
    dimension: str = "company",
    amount: str = "1000.00",
    quantity: str | None = None,
    **objects,
):
    """A target set through the service by `who` (default: the workspace owner)."""
    with schema_context(org.schema):
        return services.target_create(
            actor=org.person(who),
            period_kind=kind,
            period_start=start,
            dimension=dimension,
            amount=D(amount),
            quantity=None if quantity is None else D(quantity),
            **objects,
        )
