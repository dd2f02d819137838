"""Goods found on the shelf that the count sheet did not list: added while counting —
on the page (the product picker or the scan box under the sheet) and through the API —
as a line expected 0, so the count posts as stock found. A lot-tracked product needs
its lot (created with its expiry when new). Bad input is refused with nothing written;
only the warehouse may add; another workspace sees nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.inventory.stock_setup import main_warehouse, management_form, store, tea_in_lots
from tests.support.factories import count_rows
from tradepost.inventory import stocktakes
from tradepost.inventory.models import Lot, LotBalance, StockBalance, StockMove, StocktakeLine
from tradepost.masterdata import services as md

STOCKTAKES = "/api/v1/stocktakes/"


def _sheet(org, location):
    with schema_context(org.schema):
        return stocktakes.stocktake_create(
            actor=org.users["warehouse_manager"], location=location, reason="Spot check"
        )


def _lines(org, sheet) -> list[tuple[str, str, Decimal, Decimal | None]]:
    with schema_context(org.schema):
        return sorted(
            (line.product.sku, line.lot.number if line.lot else "", line.expected, line.counted)
            for line in StocktakeLine.objects.filter(stocktake=sheet).select_related(
                "product", "lot"
            )
        )


def test_found_goods_join_the_sheet_and_post_as_stock_found(sales_org):
    tea, lots = tea_in_lots(sales_org)
    place = store(sales_org)
    sheet = _sheet(sales_org, place)
    keeper = sales_org.users["warehouse_manager"]
    kettle = sales_org.products["kettle"]
    in_a_year = timezone.localdate() + datetime.timedelta(days=365)
    with schema_context(sales_org.schema):
        service = md.product_create(
            actor=sales_org.owner, sku="SVC-1", name="Installation", tracks_stock=False
        )
        refusals = [
            ({"product": tea, "counted": Decimal(2)}, "TEA-1: enter the lot number"),
            (
                {
                    "product": tea,
                    "counted": Decimal(2),
                    "lot_number": "SOON",
                    "expires_on": in_a_year,
                },
                "Lot SOON of TEA-1 expires on",
            ),
            ({"product": kettle, "counted": Decimal(-1)}, "KT-1: enter a count of zero or more"),
            ({"product": kettle, "counted": Decimal(1), "lot_number": "X"}, "does not track lots"),
            ({"product": service, "counted": Decimal(1)}, "SVC-1 does not track stock"),
        ]
        for found, message in refusals:
            with pytest.raises(ValidationError, match=message):
                stocktakes.stocktake_count(actor=keeper, stocktake=sheet, counts={}, add=[found])
        with pytest.raises(ValidationError, match="is on the sheet already"):
            stocktakes.stocktake_count(
                actor=keeper,
                stocktake=sheet,
                counts={},
                add=[
                    {"product": tea, "counted": Decimal(1), "lot_number": "NEW-1"},
                    {"product": tea, "counted": Decimal(1), "lot_number": "NEW-1"},
                ],
            )
        with pytest.raises(PermissionDenied):
            stocktakes.stocktake_count(
                actor=sales_org.users["salesperson"],
                stocktake=sheet,
                counts={},
                add=[{"product": kettle, "counted": Decimal(1)}],
            )
        assert not Lot.objects.filter(number="NEW-1").exists()  # nothing half-written
    assert _lines(sales_org, sheet) == []

    with schema_context(sales_org.schema):
        stocktakes.stocktake_count(
            actor=keeper,
            stocktake=sheet,
            counts={},
            add=[
                {"product": kettle, "counted": Decimal(3)},
                {
                    "product": tea,
                    "counted": Decimal(2),
                    "lot_number": "NEW-1",
                    "expires_on": in_a_year,
                },
                {"product": tea, "counted": Decimal(1), "lot_number": "LATE"},
            ],
        )
        assert tea.lots.get(number="NEW-1").expires_on == in_a_year
        with pytest.raises(ValidationError, match="KT-1 is on the sheet already"):
            stocktakes.stocktake_count(
                actor=keeper, stocktake=sheet, counts={}, add=[{"product": kettle, "counted": 1}]
            )
    assert _lines(sales_org, sheet) == [
        ("KT-1", "", Decimal(0), Decimal(3)),
        ("TEA-1", "LATE", Decimal(0), Decimal(1)),
        ("TEA-1", "NEW-1", Decimal(0), Decimal(2)),
    ]
    with schema_context(sales_org.schema):
        stocktakes.stocktake_post(actor=keeper, stocktake=sheet)
        assert StockBalance.objects.get(product=kettle, location=place).on_hand == Decimal(3)
        assert StockBalance.objects.get(product=tea, location=place).on_hand == Decimal(3)
        assert LotBalance.objects.get(lot__number="NEW-1", location=place).on_hand == Decimal(2)
        moves = StockMove.objects.filter(kind="stocktake", location=place)
        assert sorted(moves.values_list("quantity", flat=True)) == [1, 2, 3]


def test_the_count_page_adds_what_was_found(sales_org, beta_sales_org):
    tea, lots = tea_in_lots(sales_org)
    place = store(sales_org)
    sheet = _sheet(sales_org, place)
    client = sales_org.client("warehouse_manager")
    url = f"/inventory/stocktakes/{sheet.pk}/"
    page = client.get(url).content.decode()
    assert "Found on the shelf, not on the sheet" in page and 'data-scan="count"' in page
    assert 'name="found-0-product"' in page and 'name="found-0-lot_number"' in page
    assert "data-found-message" in page and "Add what you find below." in page

    kettle = sales_org.products["kettle"]
    no_lot = client.post(
        f"{url}count/",
        {
            **management_form("found", total=2),
            "found-0-product": kettle.pk,
            "found-0-quantity": "4",
            "found-1-product": tea.pk,
            "found-1-quantity": "2",
        },
    )
    assert no_lot.status_code == 400
    html = no_lot.content.decode()
    assert "TEA-1: enter the lot number of what was found." in html
    assert 'name="found-0-quantity" value="4"' in html  # what was typed stays
    assert _lines(sales_org, sheet) == []

    half = client.post(f"{url}count/", {**management_form("found"), "found-0-product": kettle.pk})
    assert half.status_code == 400 and "Product found 1: Enter what was counted." in (
        half.content.decode()
    )
    no_product = client.post(
        f"{url}count/", {**management_form("found"), "found-0-lot_number": "L-9"}
    )
    assert no_product.status_code == 400
    assert "Product found 1: Select a product." in no_product.content.decode()
    saved = client.post(
        f"{url}count/",
        {
            **management_form("found", total=2),
            "found-0-product": kettle.pk,
            "found-0-quantity": "4",
            "found-1-product": tea.pk,
            "found-1-quantity": "2",
            "found-1-lot_number": "SHELF-9",
            "found-1-expires_on": "2030-01-31",
        },
    )
    assert saved.status_code == 302, saved.content.decode()[:3000]
    assert _lines(sales_org, sheet) == [
        ("KT-1", "", Decimal(0), Decimal(4)),
        ("TEA-1", "SHELF-9", Decimal(0), Decimal(2)),
    ]
    sheet_now = client.get(url).content.decode()
    assert 'data-codes="KT-1"' in sheet_now and "+4" in sheet_now

    # Who may read but not count sees no picker and may not add.
    executive = sales_org.client("executive")
    assert "Found on the shelf" not in executive.get(url).content.decode()
    found = {**management_form("found"), "found-0-product": kettle.pk, "found-0-quantity": "1"}
    assert executive.post(f"{url}count/", found).status_code == 403
    assert beta_sales_org.client("warehouse_manager").post(f"{url}count/", found).status_code == 404
    assert count_rows(sales_org, StocktakeLine, stocktake=sheet) == 2

    posted = client.post(f"{url}post/", {"reason": "Spot check"})
    assert posted.status_code == 302
    with schema_context(sales_org.schema):
        assert StockBalance.objects.get(product=kettle, location=place).on_hand == Decimal(4)
    assert "Found on the shelf" not in client.get(url).content.decode()


def test_the_api_adds_a_found_lot(sales_org, beta_sales_org):
    tea, lots = tea_in_lots(sales_org)
    warehouse = sales_org.api("warehouse_manager")
    sheet = warehouse.post(STOCKTAKES, {"warehouse": main_warehouse(sales_org).pk}).json()
    path = f"{STOCKTAKES}{sheet['id']}/counts/"

    missing = warehouse.post(path, {"add": [{"product": tea.pk, "counted": "2"}]})
    assert missing.status_code == 400
    assert missing.json()["errors"]["lines"] == ["TEA-1: enter the lot number of what was found."]
    listed = warehouse.post(
        path, {"add": [{"product": tea.pk, "counted": "2", "lot_number": "LATE"}]}
    )
    assert listed.status_code == 400  # LATE is on the sheet: count its line instead
    assert listed.json()["errors"]["lines"] == ["TEA-1 lot LATE is on the sheet already."]

    body = {
        "add": [
            {"product": tea.pk, "counted": "2", "lot_number": "API-7", "expires_on": "2031-05-01"}
        ]
    }
    assert sales_org.api("salesperson").post(path, body).status_code == 403
    assert beta_sales_org.api("warehouse_manager").post(path, body).status_code == 404
    added = warehouse.post(path, body)
    assert added.status_code == 200, added.json()
    line = next(
        row for row in added.json()["lines"] if row["lot"] and row["lot"]["number"] == "API-7"
    )
    assert (line["expected"], line["counted"], line["lot"]["expires_on"]) == (
        "0.000",
        "2.000",
        "2031-05-01",
    )
    assert (
        warehouse.post(f"{STOCKTAKES}{sheet['id']}/post/", {"reason": "Found"}).status_code == 200
    )
    with schema_context(sales_org.schema):
        assert LotBalance.objects.get(
            lot__number="API-7", location=main_warehouse(sales_org)
        ).on_hand == Decimal(2)
