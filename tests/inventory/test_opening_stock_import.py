"""Opening stock from a CSV or Excel file: every problem named by row and nothing
posted, or the whole file posted as one opening adjustment per location; and the
export that imports back. Through the API's import endpoint and the import page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from tests.dataio.files import csv_file, xlsx_file
from tradepost.dataio.services import import_run
from tradepost.dataio.spec import get
from tradepost.inventory.checks import ledger_mismatches
from tradepost.inventory.models import StockAdjustment, StockBalance, StockMove
from tradepost.masterdata import services as md
from tradepost.masterdata.models import Location

HEADERS = ["仓库", "编码", "数量", "单位成本", "批号", "有效期"]


@pytest.fixture
def stock_org(sales_org):
    with schema_context(sales_org.schema):
        Location.objects.create(name="Store 门店", code="S1", kind="store")
        sales_org.products["tea"] = md.product_create(
            actor=sales_org.owner, sku="TEA-1", name="Tea 茶", lot_tracked=True
        )
        sales_org.products["service"] = md.product_create(
            actor=sales_org.owner, sku="SVC-1", name="Installation 安装", tracks_stock=False
        )
    return sales_org


def _on_hand(org) -> dict:
    with schema_context(org.schema):
        return {
            (b.location.code, b.product.sku): b.on_hand
            for b in StockBalance.objects.select_related("location", "product")
        }


def test_bad_rows_are_named_and_nothing_is_posted(stock_org):
    org = stock_org
    before = _on_hand(org)
    kettle = org.products["kettle"].sku
    rows = [
        ["S1", kettle, "5", "40", "", ""],
        ["NOWHERE", kettle, "5", "", "", ""],  # row 3
        ["S1", "NO-SKU", "5", "", "", ""],  # row 4
        ["S1", "TEA-1", "5", "", "", ""],  # row 5: the lot is missing
        ["S1", "SVC-1", "1", "", "", ""],  # row 6: a service keeps no stock
        ["S1", kettle, "-2", "", "", ""],  # row 7 (and S1/kettle again)
    ]
    with schema_context(org.schema):
        report = import_run(
            get("opening_stock"),
            csv_file(rows, HEADERS, "stock.csv"),
            actor=org.users["warehouse_manager"],
            name="stock.csv",
        )
    assert not report.ok and not report.applied
    errors = [(e.row, e.column) for e in report.errors]
    assert (3, "location") in errors
    assert (4, "sku") in errors
    assert (5, "lot_number") in errors
    assert (6, "sku") in errors
    assert (7, "quantity") in errors
    assert _on_hand(org) == before
    with schema_context(org.schema):
        assert not StockAdjustment.objects.filter(reason__startswith="Opening stock (imported)")


def test_a_good_excel_file_posts_one_opening_adjustment_per_location(stock_org):
    org = stock_org
    kettle, toaster = org.products["kettle"].sku, org.products["toaster"].sku
    rows = [
        ["S1", kettle, "12", "48.5", "", ""],
        ["S1", toaster, "3", "", "", ""],
        ["WH", "TEA-1", "20", "30", "LJ-1", "2027-03-31"],
        ["WH", "TEA-1", "4", "30", "LJ-2", "2027/6/30"],
    ]
    response = org.client("warehouse_manager").post(
        "/data/opening_stock/import/", {"file": xlsx_file(rows, HEADERS, "stock.xlsx")}
    )
    assert response.status_code == 302, response.content
    stock = _on_hand(org)
    assert stock[("S1", kettle)] == Decimal(12)
    assert stock[("WH", "TEA-1")] == Decimal(24)
    with schema_context(org.schema):
        posted = StockAdjustment.objects.filter(reason="Opening stock (imported)")
        assert sorted(posted.values_list("location__code", flat=True)) == ["S1", "WH"]
        assert StockMove.objects.filter(kind="opening", lot__number="LJ-2").get().lot.expires_on
        assert ledger_mismatches() == []


def test_only_who_keeps_stock_imports_and_only_who_sees_costs_exports(stock_org):
    org = stock_org
    rows = [["S1", org.products["kettle"].sku, "1", "", "", ""]]
    refused = org.client("salesperson").post(
        "/data/opening_stock/import/", {"file": csv_file(rows, HEADERS, "stock.csv")}
    )
    assert refused.status_code == 403
    assert _on_hand(org).get(("S1", org.products["kettle"].sku)) is None
    client = org.client("warehouse_manager")
    export = client.get("/data/opening_stock/export/?format=csv")
    assert export.status_code == 200
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert org.products["kettle"].sku in text and "WH" in text
    assert "1000" in text
    hidden = org.client("salesperson").get("/data/opening_stock/export/?format=csv")
    hidden_text = b"".join(hidden.streaming_content).decode("utf-8-sig")
    assert org.products["kettle"].sku not in hidden_text


def test_the_api_imports_opening_stock_and_exports_it_only_with_costs(stock_org):
    org = stock_org
    kettle = org.products["kettle"].sku
    bad = org.api("warehouse_manager").post(
        "/api/v1/stock/import/", {"file": csv_file([["S1", kettle, "x"]], HEADERS[:3], "s.csv")}
    )
    assert bad.status_code == 400
    assert [(e["row"], e["column"]) for e in bad.json()["report"]["errors"]] == [(2, "quantity")]
    good = org.api("warehouse_manager").post(
        "/api/v1/stock/import/", {"file": csv_file([["S1", kettle, "7"]], HEADERS[:3], "s.csv")}
    )
    assert good.status_code == 200, good.content
    assert _on_hand(org)[("S1", kettle)] == Decimal(7)
    assert (
        org.api("salesperson")
        .post(
            "/api/v1/stock/import/", {"file": csv_file([["S1", kettle, "7"]], HEADERS[:3], "s.csv")}
        )
        .status_code
        == 403
    )
    exported = org.api("finance_manager").get("/api/v1/stock/export/?format=csv")
    assert kettle in b"".join(exported.streaming_content).decode("utf-8-sig")
    hidden = org.api("salesperson").get("/api/v1/stock/export/?format=csv")
    assert kettle not in b"".join(hidden.streaming_content).decode("utf-8-sig")
