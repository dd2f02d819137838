"""The production / purchasing plan (以销定产, `/plans/production/` and
`/api/v1/production-plan/`): a hand-built month with every figure asserted, who may
see it, another workspace out of reach, bad input refused, the files, and a fixed
number of queries however many products.

The month M (next month) — kettle (alone in Kitchen), toaster:

| source                                         | kettle           | toaster |
|------------------------------------------------|------------------|---------|
| the dealer's accepted demand plan for M        | 10               | 4       |
| North's submitted (not accepted) plan for M    | (100, ignored)   |         |
| Kitchen's quantity target for M                | 5                |         |
| order of 8, partially shipped (3 shipped)      | 5                |         |
| a draft order (not confirmed)                  | (50, ignored)    |         |
| stock: 6 (5 reserved) + 4 in two locations     | 10 on hand       | 9       |
| a draft receipt / a received one               | 3 / (100 ignored)|         |
| demand − supply                                | 20 − 13 = 7      | 4 − 9 → 0 |
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from tests.plans.conftest import target
from tests.settlement.conftest import confirmed_order
from tests.support import factories
from tests.support.api import list_count
from tests.support.queries import assert_list_queries
from tradepost.channel import plans as channel_plans
from tradepost.channel.models import DemandPlan, DemandPlanLine
from tradepost.inventory.models import Receipt, ReceiptLine, StockBalance
from tradepost.masterdata.models import Location
from tradepost.plans import production
from tradepost.sales.models import Order, OrderLine

D = Decimal
PAGE = "/plans/production/"
API = "/api/v1/production-plan/"


def _location(code: str) -> Location:
    return Location.objects.create(name=f"Store {code}", code=code, kind=Location.Kind.STORE)


def build_month(org):
    """The table above; returns M."""
    month = channel_plans.next_month()
    p = org.products
    plan = factories.demand_plan(
        org,
        month=month,
        lines=[
            {"product": p["kettle"], "quantity": D("10")},
            {"product": p["toaster"], "quantity": D("4")},
        ],
    )
    target(
        org,
        start=month,
        dimension="category",
        category=org.categories["kitchen"],
        quantity="5",
    )
    ordered = confirmed_order(org, "rep_own", lines=[{"product": p["kettle"], "quantity": D("8")}])
    factories.order(org, "rep_own", lines=[{"product": p["kettle"], "quantity": D("50")}])
    with schema_context(org.schema):
        DemandPlan.objects.filter(pk=plan.pk).update(status=DemandPlan.Status.ACCEPTED)
        ignored = DemandPlan.objects.create(
            dealer=org.customers["north"], month=month, status=DemandPlan.Status.SUBMITTED
        )
        DemandPlanLine.objects.create(plan=ignored, product=p["kettle"], quantity=D("100"))
        Order.objects.filter(pk=ordered.pk).update(status=Order.Status.PARTIALLY_SHIPPED)
        OrderLine.objects.filter(order=ordered).update(shipped_quantity=D("3"))
        # The workspace starts with stock of everything in its warehouse; the month's
        # stock is set here (the order's 5 still to ship stay reserved).
        one, two = Location.objects.get(pk=ordered.warehouse_id), _location("P2")
        StockBalance.objects.update(on_hand=D("0"), reserved=D("0"))
        StockBalance.objects.update_or_create(
            product=p["kettle"], location=one, defaults={"on_hand": D("6"), "reserved": D("5")}
        )
        StockBalance.objects.create(product=p["kettle"], location=two, on_hand=D("4"))
        StockBalance.objects.update_or_create(
            product=p["toaster"], location=one, defaults={"on_hand": D("9")}
        )
        due = Receipt.objects.create(number="R-DUE", location=one)
        ReceiptLine.objects.create(receipt=due, product=p["kettle"], quantity=D("3"))
        done = Receipt.objects.create(number="R-DONE", location=one, status=Receipt.Status.RECEIVED)
        ReceiptLine.objects.create(receipt=done, product=p["kettle"], quantity=D("100"))
    return month


KETTLE = {
    "demand_plans": D("10"),
    "targets": D("5"),
    "open_orders": D("5"),
    "demand": D("20"),
    "on_hand": D("10"),
    "reserved": D("5"),
    "receipts_due": D("3"),
    "supply": D("13"),
    "plan": D("7"),
}
TOASTER = {
    "demand_plans": D("4"),
    "targets": D("0"),
    "open_orders": D("0"),
    "demand": D("4"),
    "on_hand": D("9"),
    "reserved": D("0"),
    "receipts_due": D("0"),
    "supply": D("9"),
    "plan": D("0"),
}


def test_the_plan_explains_every_figure(sales_org):
    org = sales_org
    month = build_month(org)
    with schema_context(org.schema):
        plan = production.production_plan(month=month, actor=org.users["executive"])
    rows = {row.product_id: row.figures for row in plan.rows}
    assert rows == {org.products["kettle"].pk: KETTLE, org.products["toaster"].pk: TOASTER}
    assert plan.totals["plan"] == D("7") and plan.totals["demand"] == D("24")


def test_the_page_shows_the_plan_with_filters_and_links_from_targets(sales_org):
    org = sales_org
    month = build_month(org)
    client = org.client("warehouse_manager")
    text = client.get(PAGE).content.decode()  # default: next month
    assert f"{month:%Y-%m}" in text
    assert org.products["kettle"].sku in text and org.products["toaster"].sku in text
    assert "Dealers&#x27; demand plans" in text and "To make or buy" in text
    kitchen = client.get(PAGE, {"category": org.categories["kitchen"].pk}).content.decode()
    assert org.products["kettle"].sku in kitchen and org.products["toaster"].sku not in kitchen
    searched = client.get(PAGE, {"q": org.products["toaster"].sku}).content.decode()
    assert org.products["toaster"].sku in searched and org.products["kettle"].sku not in searched
    targets = org.client("executive").get("/plans/targets/").content.decode()
    assert PAGE in targets
    assert PAGE not in org.client("salesperson").get("/plans/targets/").content.decode()


def test_csv_and_excel_have_every_row_and_the_totals(sales_org):
    org = sales_org
    month = build_month(org)
    client = org.client("executive")
    response = client.get(PAGE, {"month": f"{month:%Y-%m}", "format": "csv"})
    assert response.status_code == 200
    assert f"production-plan-{month:%Y-%m}.csv" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(body)))
    assert table[0][:4] == ["SKU", "Product", "Category", "Unit"]
    assert table[0][-1] == "To make or buy"
    kettle = next(row for row in table if row[0] == org.products["kettle"].sku)
    assert [D(value) for value in kettle[4:]] == list(KETTLE.values())
    assert table[-1][0] == "Total" and D(table[-1][-1]) == D("7")
    excel = client.get(PAGE, {"format": "xlsx"})
    assert excel.status_code == 200
    assert excel["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_formula_like_product_name_is_guarded_in_the_csv(sales_org):
    org = sales_org
    with schema_context(org.schema):
        product = factories.product(org, name="=HYPERLINK(1)")
        StockBalance.objects.create(product=product, location=_location("F1"), on_hand=D("1"))
    response = org.client("executive").get(PAGE, {"format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in body


def test_the_api_lists_the_plan_paginated(sales_org):
    org = sales_org
    month = build_month(org)
    body = org.api("finance_manager").get(API, {"month": f"{month:%Y-%m}"}).json()
    assert body["count"] == 2 and body["month"] == f"{month:%Y-%m}"
    kettle = next(
        row for row in body["results"] if row["product"]["id"] == org.products["kettle"].pk
    )
    assert {name: D(kettle[name]) for name in production.FIGURES} == KETTLE
    assert D(body["totals"]["plan"]) == D("7")
    later = org.api("finance_manager").get(API, {"month": "2030-01"}).json()["results"]
    kettle_later = next(row for row in later if row["product"]["id"] == org.products["kettle"].pk)
    assert D(kettle_later["demand_plans"]) == D(kettle_later["targets"]) == D("0")
    assert D(kettle_later["open_orders"]) == D("5")  # open orders count in any month


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("executive", 200),
        ("owner", 200),
        ("warehouse_manager", 200),
        ("sales_manager", 200),
        ("finance_manager", 200),
        ("salesperson", 403),
        ("dealer", 403),
        ("customer_information_manager", 403),
    ],
)
def test_who_may_see_the_plan(sales_org, who, status):
    org = sales_org
    assert org.client(who).get(PAGE).status_code == status
    assert org.api(who).get(API).status_code == status


def test_another_workspace_plan_is_out_of_reach(sales_org, beta_sales_org):
    build_month(beta_sales_org)
    rows = sales_org.api("executive").get(API).json()["results"]
    assert rows  # alpha's own stock
    for row in rows:  # nothing of beta's plans, orders or receipts
        assert D(row["demand"]) == D(row["receipts_due"]) == D(row["reserved"]) == D("0")
    text = sales_org.client("executive").get(PAGE).content.decode()
    assert 'Dealers&#x27; demand plans">10</td>' not in text


@pytest.mark.parametrize(
    "params",
    [{"month": "2026-13"}, {"month": "next"}, {"month": "1999-12"}, {"category": "x"}],
)
def test_bad_input_is_a_clear_400(sales_org, params):
    org = sales_org
    page = org.client("executive").get(PAGE, params)
    assert page.status_code == 400
    assert 'role="alert"' in page.content.decode()
    api = org.api("executive").get(API, params)
    assert api.status_code == 400
    assert set(api.json()["errors"]) & {"month", "category"}


def test_an_unknown_file_format_is_refused(sales_org):
    page = sales_org.client("executive").get(PAGE, {"format": "pdf"})
    assert page.status_code == 400 and "Choose CSV or Excel." in page.content.decode()


def _grow(org):
    def grow():
        with schema_context(org.schema):
            location = _location("G1")
            for index in range(6):
                product = factories.product(org, sku=f"GROW-{index}")
                StockBalance.objects.create(product=product, location=location, on_hand=D("2"))
                receipt = Receipt.objects.create(number=f"R-G{index}", location=location)
                ReceiptLine.objects.create(receipt=receipt, product=product, quantity=D("1"))

    return grow


def test_the_page_takes_a_fixed_number_of_queries(sales_org):
    org = sales_org
    build_month(org)
    client = org.client("executive")
    assert_list_queries(
        lambda: client.get(PAGE),
        _grow(org),
        queries=QUERIES_PAGE,
        size=lambda response: response.content.decode().count("<tr>"),
    )


def test_the_api_takes_a_fixed_number_of_queries(sales_org):
    org = sales_org
    build_month(org)
    api = org.api("executive")
    assert_list_queries(lambda: api.get(API), _grow(org), queries=QUERIES_API, size=list_count)


# Session, user, permissions and roles; the categories of the filter; a GROUP BY per
# figure (stock gives two), the targets and their categories' products; the products.
QUERIES_PAGE = 14
# The same without the page's category list.
QUERIES_API = 13
