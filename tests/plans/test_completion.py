"""Completion of sales targets against the hand-built November of tests/plans/conftest:
only orders confirmed or later in the period count, net of tax and in the base
currency; branch and region targets take their subtrees, a salesperson's their orders,
a category's the lines of its subtree; the run-rate forecast; the child targets."""

from __future__ import annotations

import datetime

from django_tenants.utils import schema_context

from tests.plans.conftest import Q4, YEAR, D, target
from tests.support.queries import count_queries
from tradepost.plans.selectors import completion

MID_NOVEMBER = datetime.date(2026, 11, 15)


def _figures(org, targets, today=MID_NOVEMBER):
    with schema_context(org.schema):
        return completion(targets, today=today)


def test_actuals_count_confirmed_orders_of_the_period_per_dimension(november):
    org = november
    b, r, c = org.branches, org.regions, org.categories
    made = {
        "company": target(org, amount="3000.00", quantity="10"),
        "east": target(org, dimension="branch", branch=b["east"]),
        "shanghai": target(org, dimension="branch", branch=b["shanghai"]),
        "north": target(org, dimension="branch", branch=b["north"]),
        "east_china": target(org, dimension="region", region=r["east_china"]),
        "north_china": target(org, dimension="region", region=r["north_china"]),
        "rep": target(org, dimension="salesperson", salesperson=org.users["salesperson"]),
        "appliances": target(org, dimension="category", category=c["appliances"]),
        "kitchen": target(org, dimension="category", category=c["kitchen"]),
        "q4": target(org, kind="quarter", start=Q4),
        "year": target(org, kind="year", start=YEAR),
    }
    figures = _figures(org, list(made.values()))
    actual = {name: figures[t.pk].actual_amount for name, t in made.items()}
    # November: A 398.00 + B 259.50 + C 597.00 + G 2 × 30 USD × 7.10 = 426.00 + P 199.00;
    # the cancelled X, the draft Y, October's F and September's Z are out.
    assert actual["company"] == D("1879.50")
    assert figures[made["company"].pk].actual_quantity == D("9")
    # East's subtree is Shanghai (A, G) and Hangzhou (B); P has no branch.
    assert actual["east"] == D("1083.50")
    assert actual["shanghai"] == D("824.00")
    assert actual["north"] == D("597.00")
    # Regions: only P's customer is in 华东 (上海); C's in 华北.
    assert actual["east_china"] == D("199.00")
    assert actual["north_china"] == D("597.00")
    # The salesperson's own orders: A and G.
    assert actual["rep"] == D("824.00")
    # Kettles are in Kitchen under Appliances: A, C and P (the toaster and lamp are not).
    assert actual["appliances"] == actual["kitchen"] == D("1194.00")
    assert figures[made["kitchen"].pk].actual_quantity == D("6")
    # The quarter adds October's F; the year adds September's Z too.
    assert actual["q4"] == D("2078.50")
    assert actual["year"] == D("2874.50")
    company = figures[made["company"].pk]
    assert company.amount_percent == D("62.7")  # 1879.50 / 3000
    assert company.quantity_percent == D("90.0")  # 9 / 10
    assert company.unconverted == 0


def test_sales_in_a_currency_without_a_rate_are_left_out_and_counted(november):
    org = november
    with schema_context(org.schema):
        from tradepost.settlement.models import ExchangeRate

        ExchangeRate.objects.all().delete()
    company = target(org)
    figures = _figures(org, [company])[company.pk]
    assert figures.actual_amount == D("1453.50")  # without G's 426.00
    assert figures.unconverted == 1


def test_the_forecast_runs_the_pace_to_the_periods_end(november):
    org = november
    company = target(org, amount="3000.00", quantity="12")
    mid = _figures(org, [company])[company.pk]
    # 15 of 30 days gone: the pace doubles the actual.
    assert (mid.elapsed_days, mid.period_days) == (15, 30)
    assert mid.forecast_amount == D("3759.00")
    assert mid.forecast_quantity == D("18.000")
    assert mid.forecast_percent == D("125.3")
    before = _figures(org, [company], today=datetime.date(2026, 10, 20))[company.pk]
    assert before.elapsed_days == 0 and before.forecast_amount is None
    after = _figures(org, [company], today=datetime.date(2027, 2, 1))[company.pk]
    assert after.elapsed_days == 30 and after.forecast_amount == after.actual_amount


def test_a_parent_target_shows_its_childrens_targets_beside_it(november):
    org = november
    b = org.branches
    east = target(org, dimension="branch", branch=b["east"], amount="5000.00", quantity="50")
    target(org, dimension="branch", branch=b["shanghai"], amount="3000.00", quantity="20")
    target(org, dimension="branch", branch=b["hangzhou"], amount="1500.00")
    target(org, dimension="branch", branch=b["hangzhou"], kind="quarter", start=Q4, amount="9.00")
    north = target(org, dimension="branch", branch=b["north"], amount="800.00")
    figures = _figures(org, [east, north])
    assert figures[east.pk].children_count == 2  # the quarter's target is another period
    assert figures[east.pk].children_amount == D("4500.00")  # short of 5000.00
    assert figures[east.pk].children_quantity == D("20")
    assert figures[north.pk].children_count == 0 and figures[north.pk].children_amount is None


def test_a_page_of_targets_takes_the_same_queries_however_many(november):
    org = november
    b, c = org.branches, org.categories
    few = [
        target(org),
        target(org, dimension="branch", branch=b["east"]),
        target(org, dimension="region", region=org.regions["east_china"]),
        target(org, dimension="salesperson", salesperson=org.users["salesperson"]),
        target(org, dimension="category", category=c["kitchen"]),
    ]
    many = [
        *few,
        target(org, kind="quarter", start=Q4),
        target(org, kind="year", start=YEAR),
        target(org, dimension="branch", branch=b["shanghai"]),
        target(org, dimension="branch", branch=b["north"]),
        target(org, dimension="region", region=org.regions["north_china"]),
        target(org, dimension="salesperson", salesperson=org.users["north_rep"]),
        target(org, dimension="category", category=c["appliances"]),
    ]
    with schema_context(org.schema):
        completion(few, today=MID_NOVEMBER, base="CNY")  # the schema is set
        with count_queries() as one:
            completion(few, today=MID_NOVEMBER, base="CNY")
        with count_queries() as other:
            completion(many, today=MID_NOVEMBER, base="CNY")
    # One GROUP BY per dimension, the exchange rates, the child targets.
    assert len(one) == len(other) == 7
