"""The stock overview and a product's stock card: balances with filters, totals and
sorting, costs only for who may see them, the running balance of the moves, the
scan boxes' product lookup, the menu; per role, per workspace, and with query counts
that do not grow with rows."""

from __future__ import annotations

from decimal import Decimal

from django_tenants.utils import schema_context

from tests.inventory.stock_setup import ROLES, main_warehouse, received, store
from tests.support.queries import assert_list_queries
from tradepost.inventory.adjustments import adjustment_post
from tradepost.masterdata import services as md


def _table(response) -> str:
    html = response.content.decode()
    return html[html.index("<tbody>") :]


def test_the_overview_shows_balances_totals_and_costs_to_who_may_see_them(sales_org):
    received(sales_org, "5")  # kettle: 1,000 opening + 5 at 60
    page = sales_org.client("warehouse_manager").get("/inventory/stock/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "KT-1" in html and "Main warehouse" in html
    assert "1,005" in html  # grouped, not 1005.000
    assert "3,005" in html  # on hand over the three products
    # 1,005 kettles at their average (50.0498) and 2 × 1,000 at 50.00, grouped.
    assert "Value" in html and "150,300.05" in html
    assert 'href="/inventory/stock/product/' in html

    rep = sales_org.client("salesperson").get("/inventory/stock/").content.decode()
    assert "1,005" in rep and "Value" not in rep and "150,300" not in rep


def test_the_overview_filters_and_sorts(sales_org):
    place = store(sales_org)
    with schema_context(sales_org.schema):
        adjustment_post(
            actor=sales_org.owner,
            location=place,
            reason="Opening",
            opening=True,
            lines=[{"product": sales_org.products["toaster"], "quantity": Decimal("7")}],
        )
    client = sales_org.client("warehouse_manager")
    by_place = client.get(f"/inventory/stock/?location={place.pk}").content.decode()
    assert "TS-1" in by_place and "KT-1" not in by_place and "1,000" not in by_place
    by_text = client.get("/inventory/stock/?q=kettle").content.decode()
    assert "KT-1" in by_text and "TS-1" not in by_text
    kitchen = sales_org.categories["appliances"].pk  # the kettle is in Kitchen, below it
    by_category = client.get(f"/inventory/stock/?product_category={kitchen}").content.decode()
    assert "KT-1" in by_category and "TS-1" not in by_category
    # Below reorder point: none has one yet.
    assert "No stock matches this filter." in client.get("/inventory/stock/?low=1").content.decode()
    ordered = _table(client.get("/inventory/stock/?sort=-on_hand"))
    assert ordered.index("Main warehouse") < ordered.index("Nanjing Road store")
    ordered = _table(client.get("/inventory/stock/?sort=on_hand"))
    assert ordered.index("Nanjing Road store") < ordered.index("Main warehouse")
    # Nonsense filters are left out, never an error.
    assert client.get("/inventory/stock/?location=abc&sort=x&per_page=7").status_code == 200


def test_the_stock_card_has_a_running_balance_per_location(sales_org):
    received(sales_org, "5")
    kettle = sales_org.products["kettle"]
    warehouse = main_warehouse(sales_org)
    client = sales_org.client("warehouse_manager")
    card = client.get(f"/inventory/stock/product/{kettle.pk}/")
    assert card.status_code == 200
    html = card.content.decode()
    assert "Opening stock" in html and "Receipt" in html
    assert "+5" in html and "1,005" in html and "+1,000" in html
    here = client.get(f"/inventory/stock/product/{kettle.pk}/?location={warehouse.pk}")
    assert here.status_code == 200 and "Balance here" in here.content.decode()
    # The product page links to it.
    edit = sales_org.client("owner").get(f"/products/{kettle.pk}/edit/").content.decode()
    assert f'href="/inventory/stock/product/{kettle.pk}/"' in edit


def test_the_lookup_finds_a_product_by_barcode_or_sku(sales_org):
    with schema_context(sales_org.schema):
        md.product_update(
            actor=sales_org.owner, product=sales_org.products["toaster"], barcode="6901234567892"
        )
    client = sales_org.client("warehouse_manager")
    by_barcode = client.get("/inventory/products/lookup/?code=6901234567892")
    assert by_barcode.status_code == 200
    assert by_barcode.json()["id"] == sales_org.products["toaster"].pk
    by_sku = client.get("/inventory/products/lookup/?code=kt-1").json()
    assert by_sku["sku"] == "KT-1" and by_sku["lot_tracked"] is False
    missing = client.get("/inventory/products/lookup/?code=nope")
    assert missing.status_code == 404 and "nope" in missing.json()["error"]
    assert client.get("/inventory/products/lookup/?code=").status_code == 400
    assert (
        sales_org.client("dealer").get("/inventory/products/lookup/?code=KT-1").status_code == 403
    )


def test_roles_see_the_stock_pages_and_the_menu_they_may(sales_org):
    kettle = sales_org.products["kettle"]
    allowed = {
        "owner",
        "executive",
        "sales_manager",
        "salesperson",
        "warehouse_manager",
        "finance_manager",
    }
    for role in ROLES:
        client = sales_org.client(role)
        expected = 200 if role in allowed else 403
        assert client.get("/inventory/stock/").status_code == expected, role
        assert client.get(f"/inventory/stock/product/{kettle.pk}/").status_code == expected, role
        home = client.get("/").content.decode()
        assert ('href="/inventory/stock/"' in home) == (role in allowed), role
    warehouse = sales_org.client("warehouse_manager").get("/inventory/stock/").content.decode()
    for entry in ("Receipts", "Transfers", "Stocktakes", "Adjustments", "Locations", "Suppliers"):
        assert f">{entry}</a>" in warehouse
    rep = sales_org.client("salesperson").get("/inventory/stock/").content.decode()
    assert ">Locations</a>" in rep and ">Receipts</a>" not in rep and ">Suppliers</a>" not in rep


def test_another_workspace_sees_none_of_it(sales_org, beta_sales_org):
    received(sales_org, "5")
    beta = beta_sales_org.client("warehouse_manager")
    html = beta.get("/inventory/stock/").content.decode()
    assert "1,005" not in html and "B-KT-1" in html
    # Same ids in both schemas (clones): beta's card shows beta's kettle only.
    # Alpha's product id is nobody's in beta (or beta's own kettle, without the +5).
    card = beta.get(f"/inventory/stock/product/{sales_org.products['kettle'].pk}/")
    assert card.status_code in (200, 404) and "+5" not in card.content.decode()
    assert beta.get("/inventory/stock/product/999999/").status_code == 404


def test_the_overview_and_the_card_run_the_same_queries_for_many_rows(sales_org):
    client = sales_org.client("warehouse_manager")
    kettle = sales_org.products["kettle"]
    counter = iter(range(1, 100))

    def grow():
        place = store(sales_org, code=f"G-{next(counter)}", name="Grow")
        with schema_context(sales_org.schema):
            for _ in range(3):
                adjustment_post(
                    actor=sales_org.owner,
                    location=place,
                    reason="Found",
                    lines=[
                        {"product": product, "quantity": Decimal("2")}
                        for product in sales_org.products.values()
                    ],
                )

    def rows(response):
        return response.content.decode().count("<tr")

    assert_list_queries(lambda: client.get("/inventory/stock/"), grow, queries=10, size=rows)
    assert_list_queries(
        lambda: client.get(f"/inventory/stock/product/{kettle.pk}/"), grow, queries=11, size=rows
    )
