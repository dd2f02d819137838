"""The plans app's home-page figures (`plans.home_panels`): sales per month in the base
currency, as target completion counts them."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import schema_context

from tests.settlement.conftest import confirmed_order
from tests.support import factories
from tradepost.plans import home_panels
from tradepost.settlement import services as settlement_services

D = Decimal
TODAY = timezone.localdate()


def _lamps(org, quantity="2"):
    return [{"product": org.products["usd_lamp"], "quantity": D(quantity)}]


def test_sales_by_month_convert_other_currencies_and_count_what_has_no_rate(sales_org):
    org = sales_org
    this_month = TODAY.replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    confirmed_order(org, "rep_own", lines=[{"product": org.products["kettle"], "quantity": D(1)}])
    confirmed_order(org, "rep_own", lines=_lamps(org), currency="USD", order_date=this_month)
    confirmed_order(org, "north", lines=_lamps(org), currency="USD", order_date=last_month)
    factories.order(org, "north")  # a draft: never counts
    with schema_context(org.schema):
        settlement_services.exchange_rate_set(
            actor=org.users["finance_manager"], currency="USD", rate=D("7.10"), rate_date=this_month
        )

        months, amounts, orders, unconverted = home_panels.sales_by_month(TODAY, 12, "CNY")

    assert len(months) == 12 and months[-1] == this_month
    assert amounts[this_month] == D("199.00") + D("60.00") * D("7.10")
    assert orders[this_month] == 2
    # Last month's lamps were sold before the first rate: left out, counted.
    assert amounts[last_month] == D("0.00") and orders[last_month] == 1
    assert unconverted == 1
