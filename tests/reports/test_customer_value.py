"""Customer value: lifetime value, usual interval and churn warning, referral value and
the TOP-N line — on a hand-built set of orders; who sees which customers; another
workspace never showing; bad input refused; a fixed number of queries per page."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from tests.support.queries import assert_list_queries
from tradepost.customers import services
from tradepost.reports.customer_value import customer_value_list, customer_values
from tradepost.reports.models import CustomerValueSettings
from tradepost.sales.models import Order
from tradepost.settlement import money
from tradepost.settlement.models import ExchangeRate

D = Decimal
TODAY = datetime.date.today()
PAGE = "/reports/customer-value/"
API = "/api/v1/reports/customer-value/"
S = Order.Status


def _orders(customer, *specs, owner=None):
    """Orders of `customer`: (days ago, net total[, status[, currency]])."""
    base = money.base_currency()
    for spec in specs:
        days, total, status, currency = (*spec, S.CONFIRMED, base)[:4] if len(spec) == 2 else (
            (*spec, base)[:4]
        )
        Order.objects.create(
            customer=customer,
            owner=owner or customer.owner,
            order_date=TODAY - datetime.timedelta(days=days),
            status=status,
            currency=currency,
            net_total=D(total),
            gross_total=D(total),
        )


@pytest.fixture
def valued(sales_org):
    """rep_own: every 10 days (5 orders), silent 35 days → churn with k = 2.
    hangzhou_unowned: every 10 days, last 12 days ago → regular.
    region_only: 2 orders → no usual interval; a draft and a cancelled one not counted.
    north: referred by rep_own, bought 300."""
    c = sales_org.customers
    with schema_context(sales_org.schema):
        _orders(c["rep_own"], *[(35 + 10 * i, "100.00") for i in range(5)])
        _orders(c["hangzhou_unowned"], *[(12 + 10 * i, "50.00") for i in range(4)])
        _orders(
            c["region_only"],
            (5, "700.00"),
            (40, "100.00", S.DELIVERED),
            (3, "9999.00", S.DRAFT),
            (4, "8888.00", S.CANCELLED),
            (6, "7777.00", S.SUBMITTED),
        )
        services.customer_update(actor=sales_org.owner, customer=c["north"], referred_by=c["rep_own"])
        _orders(c["north"], (20, "300.00", S.SHIPPED))
    return sales_org


def _rows(org, who="owner", **kwargs):
    with schema_context(org.schema):
        rows = customer_values(org.person(who), today=TODAY, **kwargs)
        return {row.pk: row for row in rows}


def test_figures_of_a_hand_built_set(valued):
    c = valued.customers
    rows = _rows(valued)

    quiet = rows[c["rep_own"].pk]
    assert quiet.lifetime_value == D("500.00") and quiet.order_count == 5
    assert quiet.usual_interval == 10.0 and quiet.days_since_last == 35
    assert quiet.churn is True
    assert quiet.referral_value == D("300.00")  # what north, whom they referred, bought

    regular = rows[c["hangzhou_unowned"].pk]
    assert regular.lifetime_value == D("200.00") and regular.churn is False
    assert regular.days_since_last == 12

    two = rows[c["region_only"].pk]
    assert two.lifetime_value == D("800.00")  # draft, submitted, cancelled not counted
    assert two.order_count == 2 and two.usual_interval is None and two.churn is False
    assert two.first_order == TODAY - datetime.timedelta(days=40)

    assert rows[c["north"].pk].referral_value == D("0.00")
    assert [r.pk for r in sorted(rows.values(), key=lambda r: r.value_rank)][:4] == [
        c["region_only"].pk,
        c["rep_own"].pk,
        c["north"].pk,
        c["hangzhou_unowned"].pk,
    ]


def test_the_churn_factor_moves_the_churn_line(valued):
    with schema_context(valued.schema):
        loose = CustomerValueSettings(top_n=20, churn_factor=D("4.0"))
    rows = _rows(valued, settings=loose)
    assert rows[valued.customers["rep_own"].pk].churn is False


def test_top_n_holds_n_customers_and_ties_share_a_rank(valued):
    c = valued.customers
    with schema_context(valued.schema):
        _orders(c["north"], (1, "200.00"))
        # north now 500, as rep_own: a tie at rank 2
        settings = CustomerValueSettings(top_n=2, churn_factor=D("2.0"))
        top = list(customer_value_list(valued.owner, today=TODAY, view="top", settings=settings))
    assert [row.pk for row in top][0] == c["region_only"].pk
    assert {row.pk for row in top[1:]} == {c["rep_own"].pk, c["north"].pk}
    assert [row.value_rank for row in top] == [1, 2, 2]
    assert all(row.top for row in top)


def test_orders_in_another_currency_convert_at_the_rate_of_their_day(valued):
    c = valued.customers
    with schema_context(valued.schema):
        other = "EUR" if money.base_currency() != "EUR" else "USD"
        ExchangeRate.objects.create(
            currency=other, rate_date=TODAY - datetime.timedelta(days=30), rate=D("7.5")
        )
        _orders(c["north"], (10, "10.00", S.CONFIRMED, other), (40, "10.00", S.CONFIRMED, other))
    north = _rows(valued)[c["north"].pk]
    assert north.lifetime_value == D("375.00")  # 300 + 10 × 7.5; no rate yet 40 days ago
