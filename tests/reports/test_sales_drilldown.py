"""The sales drill-down page, its files and `/api/v1/reports/sales/`: what each role
sees (a salesperson their own customers, a sales manager their branch and region,
cost and margin only with the stock-cost permission), another workspace's sales never
showing, bad input refused naming the field, clicking down to the orders, a fixed
number of queries however many rows, and files that hold what the page shows."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from tests.settlement.api_support import issued
from tests.support import factories
from tests.support.queries import assert_list_queries
from tradepost.customers import services as customer_services
from tradepost.sales import orders

D = Decimal
PAGE = "/reports/sales/"
DOCUMENTS = "/reports/sales/documents/"
API = "/api/v1/reports/sales/"


def _confirmed(org, customer, quantity="2", product="kettle", actor=None):
    order = factories.order(
        org, customer, lines=[{"product": org.products[product], "quantity": D(quantity)}]
    )
    with schema_context(org.schema):
        order = orders.order_submit(actor=org.owner, order=order)
        order = orders.order_approve(actor=org.owner, order=order)
        return orders.order_confirm(actor=actor or org.owner, order=order)


@pytest.fixture
def sold(sales_org):
    """Kettles to Mingda (the salesperson's, Shanghai), toasters to Jinghua (the north
    rep's, Beijing) and kettles to Pudong (a Shanghai region customer)."""
    return {
        "rep_own": _confirmed(sales_org, "rep_own", "3"),
        "north": _confirmed(sales_org, "north", "5", product="toaster"),
        "region_only": _confirmed(sales_org, "region_only", "1"),
    }


def _rows(body) -> dict[str, dict]:
    return {row[next(iter(row))]["name"]: row for row in body["results"]}


@pytest.mark.parametrize("who", ["owner", "executive", "finance_manager"])
def test_who_sees_every_customer_reads_every_sale_with_the_margin(sales_org, sold, who):
    api = sales_org.api(who).get(API, {"dimensions": "customer", "measure": "margin"})
    page = sales_org.client(who).get(PAGE, {"dimensions": "customer", "measure": "margin"})

    assert api.status_code == 200, api.content
    body = api.json()
    names = {row["customer"]["name"] for row in body["results"]}
    assert names == {
        c.name
        for c in sales_org.customers.values()
        if c.pk in {o.customer_id for o in sold.values()}
    }
    assert body["totals"]["sales"] == f"{sum(o.net_total for o in sold.values()):.2f}"
    assert "gross_margin" in body["totals"]
    assert page.status_code == 200
    html = page.content.decode()
    assert "Mingda Trading" in html and "Jinghua Commerce" in html
    assert 'href="/reports/sales/"' in sales_org.client(who).get("/").content.decode()
    assert "echarts.min.js" in html and 'id="sd-chart-data"' in html


def test_a_salesperson_sees_only_their_own_customers_and_no_cost(sales_org, sold):
    api = sales_org.api("salesperson").get(API, {"dimensions": "customer"})
    page = sales_org.client("salesperson").get(PAGE, {"dimensions": "customer"})
    margin = sales_org.api("salesperson").get(API, {"measure": "margin"})
    margin_page = sales_org.client("salesperson").get(PAGE, {"measure": "margin"})

    assert api.status_code == 200
    assert {row["customer"]["name"] for row in api.json()["results"]} == {
        sales_org.customers["rep_own"].name
    }
    assert "cost" not in api.json()["totals"]
    assert api.json()["totals"]["sales"] == f"{sold['rep_own'].net_total:.2f}"
    html = page.content.decode()
    assert "Mingda Trading" in html and "Jinghua" not in html
    assert margin.status_code == 403 and margin_page.status_code == 403


def test_a_sales_manager_sees_their_branch_and_region_not_the_north(sales_org, sold):
    api = sales_org.api("sales_manager").get(API, {"dimensions": "customer,branch"})

    assert api.status_code == 200
    names = {row["customer"]["name"] for row in api.json()["results"]}
    assert names == {
        sales_org.customers["rep_own"].name,
        sales_org.customers["region_only"].name,
    }


@pytest.mark.parametrize("who", ["dealer", "warehouse_manager", "customer_information_manager"])
def test_roles_without_the_report_are_refused(sales_org, sold, who):
    assert sales_org.client(who).get(PAGE).status_code == 403
    assert sales_org.client(who).get(PAGE, {"format": "csv"}).status_code == 403
    assert sales_org.client(who).get(DOCUMENTS).status_code == 403
    assert sales_org.api(who).get(API).status_code == 403
    assert 'href="/reports/sales/"' not in sales_org.client(who).get("/").content.decode()


def test_another_workspace_sees_none_of_it(sales_org, beta_sales_org, sold):
    _confirmed(beta_sales_org, "rep_own", "1")

    beta_api = beta_sales_org.api("owner").get(API, {"dimensions": "customer"}).json()
    beta_page = beta_sales_org.client("owner").get(PAGE, {"dimensions": "customer"})
    beta_file = beta_sales_org.client("owner").get(
        PAGE, {"dimensions": "customer", "format": "csv"}
    )
    beta_documents = beta_sales_org.client("owner").get(DOCUMENTS)

    assert {row["customer"]["name"] for row in beta_api["results"]} == {
        beta_sales_org.customers["rep_own"].name
    }
    assert "Jinghua" not in beta_page.content.decode()
    assert b"Jinghua" not in b"".join(beta_file.streaming_content)
    assert sold["north"].number not in beta_documents.content.decode()
    assert beta_sales_org.workspace.client(sales_org.owner).get(PAGE).status_code in (302, 403)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"dimensions": "colour"}, "dimensions"),
        ({"dimensions": "region,region"}, "dimensions"),
        ({"dimensions": "region,branch,product"}, "dimensions"),
        ({"measure": "profit"}, "measure"),
        ({"period": "week"}, "period"),
        ({"start": "2026-13"}, "start"),
        ({"start": "1999-12"}, "start"),
        ({"start": "2026-05", "end": "2026-01"}, "end"),
        ({"start": "2000-01", "end": "2026-01"}, "end"),
        ({"region": "abc"}, "region"),
        ({"channel": "telepathy"}, "channel"),
        ({"customer": "none"}, "customer"),
        ({"measure": "receivables", "dimensions": "product"}, "dimensions"),
        ({"measure": "receivables", "category": "3"}, "category"),
    ],
)
def test_bad_input_is_a_400_that_says_what_to_fix(sales_org, params, field):
    response = sales_org.api("owner").get(API, params)
    page = sales_org.client("owner").get(PAGE, params)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert field in errors and all(errors[field]), errors
    assert page.status_code == 400
    assert 'role="alert"' in page.content.decode()


def test_the_api_refuses_unknown_and_repeated_parameters(sales_org):
    unknown = sales_org.api("owner").get(API, {"colour": "red"})
    twice = sales_org.api("owner").get(f"{API}?period=month&period=year")

    assert unknown.status_code == 400 and "colour" in unknown.json()["errors"]
    assert twice.status_code == 400 and "period" in twice.json()["errors"]


def test_region_by_category_with_filters(sales_org, sold):
    with schema_context(sales_org.schema):
        kitchen = sales_org.categories["kitchen"]
        region = sales_org.regions["shanghai"]

    body = (
        sales_org.api("owner")
        .get(
            API,
            {"dimensions": "region,category", "category": sales_org.categories["appliances"].pk},
        )
        .json()
    )
    rows = {(r["region"]["id"], r["category"]["id"]): r for r in body["results"]}

    # Kettles sit in Kitchen (under Appliances); toasters have no category.
    assert set(rows) == {(region.pk, kitchen.pk), (None, kitchen.pk)}
    assert rows[(region.pk, kitchen.pk)]["sales"] == f"{sold['region_only'].net_total:.2f}"
    assert rows[(None, kitchen.pk)]["region"]["name"] in ("Unassigned", "未分配")
    assert body["dimensions"] == ["region", "category"]


def test_clicking_down_the_rows_reaches_the_orders(sales_org, sold):
    client = sales_org.client("owner")
    page = client.get(PAGE, {"dimensions": "branch"}).content.decode()
    shanghai = sales_org.branches["shanghai"]
    link = re.search(rf'href="([^"]*branch={shanghai.pk}[^"]*)" title="', page)
    assert link, page
    url = link.group(1).replace("&amp;", "&")
    assert "dimensions=region" in url  # branch → the next dimension not filtered yet

    # All the way down: the last dimension leads to the orders of the slice.
    filtered = {
        "branch": shanghai.pk,
        "channel": "direct",
        "salesperson": sales_org.users["salesperson"].pk,
        "customer": sales_org.customers["rep_own"].pk,
        "category": sales_org.categories["kitchen"].pk,
        "dimensions": "product",
        "region": "none",
    }
    last = client.get(PAGE, filtered).content.decode()
    documents = re.search(r'href="(/reports/sales/documents/[^"]*)" title="', last)
    assert documents, last
    orders_page = client.get(documents.group(1).replace("&amp;", "&")).content.decode()
    assert f'href="/sales/orders/{sold["rep_own"].pk}/"' in orders_page
    assert sold["north"].number not in orders_page
    # The breadcrumbs lead back.
    assert "drill-crumbs" in orders_page and "Mingda Trading" in orders_page


def test_files_hold_the_rows_with_formulas_guarded(sales_org, sold):
    with schema_context(sales_org.schema):
        evil = customer_services.customer_create(actor=sales_org.owner, name="=1+2 公式")
        sales_org.customers["evil"] = evil
    _confirmed(sales_org, "evil", "1")
    params = {"dimensions": "customer", "measure": "margin"}

    data = sales_org.client("owner").get(PAGE, {**params, "format": "csv"})
    book = sales_org.client("owner").get(PAGE, {**params, "format": "xlsx"})

    text = b"".join(data.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert "Gross margin" in rows[0]
    assert any(row[0] == "'=1+2 公式" for row in rows), rows
    assert rows[-1][0] == "Total"
    sheet = load_workbook(io.BytesIO(b"".join(book.streaming_content))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert any(str(row[0]).endswith("=1+2 公式") and row[0] != "=1+2 公式" for row in values)


def test_receivables_by_salesperson(sales_org):
    invoice = issued(sales_org, "rep_own", "2")

    body = sales_org.api("finance_manager").get(
        API, {"measure": "receivables", "dimensions": "salesperson"}
    )

    assert body.status_code == 200, body.content
    (row,) = body.json()["results"]
    assert row["salesperson"]["id"] == sales_org.users["salesperson"].pk
    assert row["receivables"] == f"{invoice.gross_total:.2f}"
    page = sales_org.client("finance_manager").get(
        PAGE, {"measure": "receivables", "dimensions": "salesperson"}
    )
    assert page.status_code == 200


def _grower(org):
    counter = iter(range(100))

    def grow():
        for _n in range(4):
            with schema_context(org.schema):
                customer = customer_services.customer_create(
                    actor=org.owner, name=f"More {next(counter)}"
                )
                org.customers[customer.name] = customer
            _confirmed(org, customer.name, "1")

    return grow


def test_the_api_runs_a_fixed_number_of_queries_however_many_rows(sales_org, sold):
    assert_list_queries(
        lambda: sales_org.api("owner").get(API, {"dimensions": "customer,period"}),
        _grower(sales_org),
        queries=29,
        size=lambda response: len(response.json()["results"]),
    )


def test_the_page_runs_a_fixed_number_of_queries_however_many_rows(sales_org, sold):
    assert_list_queries(
        lambda: sales_org.client("owner").get(PAGE, {"dimensions": "customer"}),
        _grower(sales_org),
        queries=34,
        size=lambda response: response.content.count(b'title="Drill down"'),
    )


def test_the_orders_of_a_slice_take_a_fixed_number_of_queries(sales_org, sold):
    assert_list_queries(
        lambda: sales_org.client("owner").get(DOCUMENTS),
        _grower(sales_org),
        queries=27,
        size=lambda response: response.content.count(b'href="/sales/orders/'),
    )
