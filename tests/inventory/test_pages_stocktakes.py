"""Stocktake pages: start a count, enter counts on the sheet, post with a reason; bad
counts and a missing reason are 400 with nothing written; roles; another workspace;
list query counts."""

from __future__ import annotations

from decimal import Decimal

from django_tenants.utils import schema_context

from tests.inventory.stock_setup import ROLES, main_warehouse, store
from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.inventory import stocktakes
from tradepost.inventory.models import StockBalance, StockMove, Stocktake, StocktakeLine

KEEPERS = {"owner", "warehouse_manager"}
READERS = KEEPERS | {"executive", "finance_manager"}


def _lines(org, stocktake_id):
    with schema_context(org.schema):
        return {
            line.product.sku: line
            for line in StocktakeLine.objects.filter(stocktake_id=stocktake_id).select_related(
                "product"
            )
        }


def test_a_count_is_entered_and_posted(sales_org):
    client = sales_org.client("warehouse_manager")
    warehouse = main_warehouse(sales_org)
    response = client.post(
        "/inventory/stocktakes/new/", {"location": warehouse.pk, "reason": "Month-end count"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    stocktake_id = int(response["Location"].rstrip("/").split("/")[-1])
    sheet = client.get(f"/inventory/stocktakes/{stocktake_id}/").content.decode()
    assert 'data-scan="count"' in sheet and 'data-codes="KT-1"' in sheet
    assert "1,000" in sheet  # expected, grouped

    lines = _lines(sales_org, stocktake_id)
    kettle, toaster = lines["KT-1"], lines["TS-1"]
    bad = client.post(
        f"/inventory/stocktakes/{stocktake_id}/count/",
        {f"count-{kettle.pk}": "lots", f"count-{toaster.pk}": "-1"},
    )
    assert bad.status_code == 400
    assert "KT-1: enter a quantity of zero or more." in bad.content.decode()
    assert f'name="count-{kettle.pk}" aria-label' in bad.content.decode()
    assert 'value="lots"' in bad.content.decode()  # what was typed stays to correct
    assert _lines(sales_org, stocktake_id)["KT-1"].counted is None

    saved = client.post(
        f"/inventory/stocktakes/{stocktake_id}/count/",
        {f"count-{kettle.pk}": "997", f"count-{toaster.pk}": ""},
    )
    assert saved.status_code == 302
    assert _lines(sales_org, stocktake_id)["KT-1"].counted == Decimal("997")
    page = client.get(f"/inventory/stocktakes/{stocktake_id}/").content.decode()
    assert "-3" in page  # the difference, before posting

    no_reason = client.post(f"/inventory/stocktakes/{stocktake_id}/post/", {"reason": " "})
    # The sheet's own reason stands in when none is typed.
    assert no_reason.status_code == 302
    with schema_context(sales_org.schema):
        assert Stocktake.objects.get(pk=stocktake_id).status == "posted"
        kettle_here = StockBalance.objects.get(
            product=sales_org.products["kettle"], location=warehouse
        )
        assert kettle_here.on_hand == Decimal("997")
        assert StockBalance.objects.get(
            product=sales_org.products["toaster"], location=warehouse
        ).on_hand == Decimal("1000")
    posted = client.get(f"/inventory/stocktakes/{stocktake_id}/").content.decode()
    assert 'name="count-' not in posted and "Post stocktake" not in posted


def test_posting_without_a_reason_or_a_count_is_refused(sales_org):
    client = sales_org.client("warehouse_manager")
    with schema_context(sales_org.schema):
        sheet = stocktakes.stocktake_create(
            actor=sales_org.owner, location=main_warehouse(sales_org)
        )
    no_reason = client.post(f"/inventory/stocktakes/{sheet.pk}/post/", {"reason": ""})
    assert no_reason.status_code == 400
    assert "Say why the stock is counted" in no_reason.content.decode()
    no_count = client.post(f"/inventory/stocktakes/{sheet.pk}/post/", {"reason": "Spot check"})
    assert 'name="count-' in no_count.content.decode()
    assert no_count.status_code == 400
    assert "Enter at least one count before posting." in no_count.content.decode()
    assert count_rows(sales_org, StockMove, kind="stocktake") == 0
    bad_place = client.post("/inventory/stocktakes/new/", {"location": "999999"})
    assert bad_place.status_code == 400 and count_rows(sales_org, Stocktake) == 1


def test_roles_and_another_workspace(sales_org, beta_sales_org):
    with schema_context(sales_org.schema):
        sheet = stocktakes.stocktake_create(
            actor=sales_org.owner, location=main_warehouse(sales_org)
        )
    for role in ROLES:
        client = sales_org.client(role)
        expected = 200 if role in READERS else 403
        assert client.get("/inventory/stocktakes/").status_code == expected, role
        assert client.get(f"/inventory/stocktakes/{sheet.pk}/").status_code == expected, role
        expected = 200 if role in KEEPERS else 403
        assert client.get("/inventory/stocktakes/new/").status_code == expected, role
    executive = sales_org.client("executive")
    assert (
        'name="count-' not in executive.get(f"/inventory/stocktakes/{sheet.pk}/").content.decode()
    )
    assert executive.post(f"/inventory/stocktakes/{sheet.pk}/cancel/").status_code == 403

    beta = beta_sales_org.client("warehouse_manager")
    assert beta.get(f"/inventory/stocktakes/{sheet.pk}/").status_code == 404
    assert beta.post(f"/inventory/stocktakes/{sheet.pk}/cancel/").status_code == 404
    assert count_rows(sales_org, Stocktake, pk=sheet.pk, status="counting") == 1


def test_the_list_runs_the_same_queries_for_many_rows(sales_org):
    client = sales_org.client("warehouse_manager")
    counter = iter(range(100))

    def start():
        place = store(sales_org, code=f"C-{next(counter)}", name="Count")
        with schema_context(sales_org.schema):
            stocktakes.stocktake_create(actor=sales_org.owner, location=place)

    start()
    assert_list_queries(
        lambda: client.get("/inventory/stocktakes/"),
        lambda: [start() for _ in range(3)],
        queries=8,
        size=lambda response: response.content.decode().count("<tr"),
    )
