"""The report's page, files and API: who may read them (and see values), another
workspace's stock never showing, bad input refused with a message, a fixed number of
queries however many rows, and files that hold what the page shows."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from tests.reports.moves import months_ago, posted_on
from tests.support.queries import assert_list_queries
from tradepost.inventory.adjustments import adjustment_post
from tradepost.masterdata import services as md
from tradepost.masterdata.models import Location
from tradepost.reports import rollup
from tradepost.reports.exports import stock_monthly_pdf
from tradepost.reports.models import StockMonthly
from tradepost.reports.selectors import StockMonthlyFilter, stock_monthly_report

D = Decimal
PAGE = "/reports/stock-monthly/"
API = "/api/v1/reports/stock-monthly/"
ALLOWED = ("owner", "executive", "warehouse_manager", "finance_manager")
REFUSED = ("salesperson", "sales_manager", "dealer", "customer_information_manager")


def _stock(org, sku: str, quantity: str, cost: str = "7.25", month=None, name=None):
    month = month or months_ago(1)
    with schema_context(org.schema):
        product = md.product_create(
            actor=org.owner, sku=sku, name=name or f"Report {sku} 报表", list_price=D("10")
        )
        with posted_on(month, 3):
            adjustment_post(
                actor=org.owner,
                location=Location.objects.get(code="WH"),
                reason="Opening stock",
                opening=True,
                lines=[{"product": product, "quantity": D(quantity), "unit_cost": D(cost)}],
            )
    return product


@pytest.mark.parametrize("who", ALLOWED)
def test_warehouse_finance_and_executives_read_the_report_with_values(sales_org, who):
    _stock(sales_org, "RPT-1", "12")
    month = f"{months_ago(1):%Y-%m}"

    page = sales_org.client(who).get(PAGE, {"month": month})
    api = sales_org.api(who).get(API, {"month": month})

    assert page.status_code == 200
    html = page.content.decode()
    assert "RPT-1" in html and "87.00" in html  # 12 × 7.25, through the number format
    assert 'href="/reports/stock-monthly/"' in sales_org.client(who).get("/").content.decode()
    assert api.status_code == 200
    (row,) = [r for r in api.json()["results"] if r["product"]["sku"] == "RPT-1"]
    assert (row["adjustments_qty"], row["closing_qty"], row["closing_value"]) == (
        "12.000",
        "12.000",
        "87.00",
    )
    assert api.json()["month"] == month


@pytest.mark.parametrize("who", REFUSED)
def test_sales_staff_and_dealers_are_refused(sales_org, who):
    _stock(sales_org, "RPT-1", "12")

    assert sales_org.client(who).get(PAGE).status_code == 403
    assert sales_org.client(who).get(PAGE, {"format": "csv"}).status_code == 403
    assert sales_org.api(who).get(API).status_code == 403
    assert 'href="/reports/stock-monthly/"' not in sales_org.client(who).get("/").content.decode()


def test_without_the_cost_permission_no_value_shows_anywhere(sales_org):
    _stock(sales_org, "RPT-1", "12")
    with schema_context(sales_org.schema):
        readers = Group.objects.create(name="report readers")
        readers.permissions.add(Permission.objects.get(codename="view_stockmonthly"))
        sales_org.users["salesperson"].groups.add(readers)
    month = f"{months_ago(1):%Y-%m}"

    page = sales_org.client("salesperson").get(PAGE, {"month": month})
    api = sales_org.api("salesperson").get(API, {"month": month}).json()
    data = sales_org.client("salesperson").get(PAGE, {"month": month, "format": "csv"})

    assert page.status_code == 200 and "87.00" not in page.content.decode()
    assert "RPT-1" in page.content.decode()
    assert all("closing_value" not in row for row in api["results"])
    assert "closing_value" not in api["totals"]
    header = next(csv.reader(io.StringIO(data.content.decode("utf-8-sig"))))
    assert not any("value" in column for column in header)


def test_another_workspace_sees_none_of_it(sales_org, beta_sales_org):
    _stock(sales_org, "RPT-ALPHA", "5")
    _stock(beta_sales_org, "RPT-BETA", "3")
    month = f"{months_ago(1):%Y-%m}"

    beta_page = beta_sales_org.client("owner").get(PAGE, {"month": month}).content.decode()
    beta_api = beta_sales_org.api("owner").get(API, {"month": month}).json()
    beta_file = beta_sales_org.client("owner").get(PAGE, {"month": month, "format": "csv"})

    assert "RPT-BETA" in beta_page and "RPT-ALPHA" not in beta_page
    assert {row["product"]["sku"] for row in beta_api["results"]} == {"RPT-BETA"}
    assert b"RPT-ALPHA" not in beta_file.content
    # Alpha's session is no key to beta's domain.
    assert beta_sales_org.workspace.client(sales_org.owner).get(PAGE).status_code in (302, 403)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"month": "2026-13"}, "month"),
        ({"month": "last month"}, "month"),
        ({"month": "1999-12"}, "month"),
        ({"month": "2999-01"}, "month"),
        ({"location": "abc"}, "location"),
        ({"location": "999999"}, "location"),
        ({"product": "x1"}, "product"),
        ({"location": ""}, "location"),
        ({"page": "0"}, "page"),
    ],
)
def test_bad_input_is_a_400_that_says_what_to_fix(sales_org, params, field):
    response = sales_org.api("owner").get(API, params)

    assert response.status_code == 400
    body = response.json()
    assert field in body["errors"] and all(body["errors"][field]), body
    if field in ("month", "location") and all(params.values()):  # a blank box is no filter
        page = sales_org.client("owner").get(PAGE, params)
        assert page.status_code == 400
        assert 'role="alert"' in page.content.decode()


def test_a_bad_file_format_or_rebuild_month_changes_nothing(sales_org):
    _stock(sales_org, "RPT-1", "12")
    with schema_context(sales_org.schema):
        rows = list(StockMonthly.objects.order_by("pk").values())

    assert sales_org.client("owner").get(PAGE, {"format": "docx"}).status_code == 400
    refused = sales_org.client("warehouse_manager").post(f"{PAGE}rebuild/", {"month": "2026-1"})
    assert refused.status_code == 400 and "YYYY-MM" in refused.content.decode()
    assert (
        sales_org.client("executive").post(f"{PAGE}rebuild/", {"month": "2026-01"}).status_code
        == 403
    )
    with schema_context(sales_org.schema):
        assert list(StockMonthly.objects.order_by("pk").values()) == rows


def test_the_rebuild_button_recomputes_the_month(sales_org):
    _stock(sales_org, "RPT-1", "12")
    month = months_ago(1)
    with schema_context(sales_org.schema):
        StockMonthly.objects.filter(month=month).update(closing_qty=D("999"))  # drifted

    done = sales_org.client("finance_manager").post(f"{PAGE}rebuild/", {"month": f"{month:%Y-%m}"})

    assert done.status_code == 302 and done["Location"].endswith(f"?month={month:%Y-%m}")
    with schema_context(sales_org.schema):
        assert not StockMonthly.objects.filter(closing_qty=D("999")).exists()


def test_filters_pick_location_category_and_product(sales_org):
    tea = _stock(sales_org, "RPT-TEA", "5")
    _stock(sales_org, "RPT-MUG", "6")
    with schema_context(sales_org.schema):
        md.product_update(
            actor=sales_org.owner, product=tea, category=sales_org.categories["kitchen"]
        )
        store = md.location_create(
            actor=sales_org.owner, name="Empty store", code="RPT-E", kind="store"
        )
    month = f"{months_ago(1):%Y-%m}"
    api = sales_org.api("owner")

    def skus(**params):
        return {
            row["product"]["sku"]
            for row in api.get(API, {"month": month, **params}).json()["results"]
        }

    assert skus(q="rpt-") == {"RPT-TEA", "RPT-MUG"}
    assert skus(q="RPT-TEA") == {"RPT-TEA"}
    assert skus(category=sales_org.categories["appliances"].pk) == {"RPT-TEA"}  # sub-category
    assert skus(product=tea.pk) == {"RPT-TEA"}
    assert skus(location=store.pk) == set()
    assert skus(q="100%_") == set()


def test_the_page_and_the_api_run_a_fixed_number_of_queries(sales_org):
    _stock(sales_org, "RPT-0", "1")
    month = f"{months_ago(1):%Y-%m}"
    count = iter(range(1, 100))

    def grow():
        for _ in range(6):
            _stock(sales_org, f"RPT-{next(count)}", "2")

    browser = sales_org.client("warehouse_manager")
    assert_list_queries(
        lambda: browser.get(PAGE, {"month": month}),
        grow,
        queries=9,
    )
    api = sales_org.api("warehouse_manager")
    assert_list_queries(
        lambda: api.get(API, {"month": month}),
        grow,
        queries=7,
        size=lambda response: response.json()["count"],
    )


def test_the_files_hold_every_row_and_the_totals(sales_org):
    _stock(sales_org, "RPT-A", "12", name="Oolong 乌龙茶")
    _stock(sales_org, "RPT-B", "3", cost="2", name="Green tea")
    month = months_ago(1)
    client = sales_org.client("finance_manager")

    data = client.get(PAGE, {"month": f"{month:%Y-%m}", "format": "csv", "q": "RPT-"})
    book = client.get(PAGE, {"month": f"{month:%Y-%m}", "format": "xlsx", "q": "RPT-"})
    pdf = client.get(PAGE, {"month": f"{month:%Y-%m}", "format": "pdf"})

    assert data.status_code == 200
    assert data["Content-Disposition"] == f'attachment; filename="stock-monthly-{month:%Y-%m}.csv"'
    rows = list(csv.reader(io.StringIO(data.content.decode("utf-8-sig"))))
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert [row[0] for row in body] == ["RPT-A", "RPT-B"]
    closing_value = header.index("Closing value")
    assert body[0][1] == "Oolong 乌龙茶" and body[0][closing_value] == "87.00"
    assert total[0] == "Total" and total[closing_value] == "93.00"

    sheet = load_workbook(io.BytesIO(book.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == tuple(header)
    assert values[1][0] == "RPT-A" and values[1][closing_value] == 87
    assert values[-1][closing_value] == 93

    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf["Content-Type"] == "application/pdf"
    with schema_context(sales_org.schema):
        raw = stock_monthly_pdf(
            stock_monthly_report(StockMonthlyFilter(month=month, search="RPT-")),
            show_cost=True,
            compress=False,
        )
    assert raw.startswith(b"%PDF") and b"(RPT-A)" in raw and b"(Green tea)" in raw
    assert b"(87.00)" in raw and b"(93.00)" in raw
    assert b"+WenQuanYiMicroHei" in raw  # the Chinese names are printed in the CJK font


def test_the_beat_closes_last_month_with_a_row_for_all_stock(sales_org):
    from tradepost.reports.tasks import stock_monthly_close

    _stock(sales_org, "RPT-OLD", "4", month=months_ago(3))
    with schema_context(sales_org.schema):
        assert not StockMonthly.objects.filter(month=months_ago(1)).exists()
        rows = stock_monthly_close.delay().get()
        assert rows >= 1
        carried = StockMonthly.objects.get(month=months_ago(1), product__sku="RPT-OLD")
        assert (carried.opening_qty, carried.closing_qty, carried.adjustments_qty) == (4, 4, 0)
        assert carried.closing_value == D("29")
        assert rollup.current_month() > carried.month


def test_the_report_opens_on_last_month_once_it_has_figures_and_this_month_before(sales_org):
    def shown() -> tuple[str, str]:
        html = sales_org.client("owner").get(PAGE).content.decode()
        heading = html.split('<small class="muted">', 1)[1].split("<", 1)[0]
        return heading, sales_org.api("owner").get(API).json()["month"]

    with schema_context(sales_org.schema):
        StockMonthly.objects.filter(month=months_ago(1)).delete()
    this_month = f"{rollup.current_month():%Y-%m}"
    assert shown() == (this_month, this_month)  # a new workspace: nothing closed yet

    _stock(sales_org, "RPT-9", "3")  # posted last month

    last_month = f"{months_ago(1):%Y-%m}"
    assert shown() == (last_month, last_month)
