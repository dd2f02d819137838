"""A receipt entered on a phone with a barcode scanner (which types the code and
presses Enter): each scan adds a line or one more of a scanned product, an unknown
code says so, Enter never submits the form; then the goods are received and the stock
overview shows them, filtered and sorted — and nothing is wider than the screen."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from tests.inventory.workspaces import workspace_drop, workspace_signup
from tests.support.browser import sign_in
from tradepost.inventory.models import StockBalance
from tradepost.masterdata import services as md

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
BARCODE = "6909990001112"


@pytest.fixture
def scan_products(run_db, platform_workspaces):
    """A workspace of the test's own with two stock products, one with a barcode;
    dropped afterwards with everything the test made (stock moves are never deleted)."""
    workspace = run_db(workspace_signup, "e2e-inv")

    def create():
        with schema_context(workspace.schema):
            owner = workspace.owner()
            kettle = md.product_create(
                actor=owner,
                sku="E2E-INV-KT",
                name="电水壶 Kettle",
                barcode=BARCODE,
                list_price=Decimal("199.00"),
            )
            lamp = md.product_create(
                actor=owner, sku="E2E-INV-LP", name="Lamp", list_price=Decimal("30.00")
            )
            return [kettle.pk, lamp.pk]

    try:
        yield workspace, run_db(create)
    finally:
        run_db(workspace_drop, workspace)


def test_a_receipt_scanned_on_a_phone_shows_in_the_stock(
    browser, web_server, scan_products, run_db
):
    workspace, (kettle_id, lamp_id) = scan_products
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, web_server, workspace)
        new_receipt = web_server.workspace_url(workspace.slug, "/inventory/receipts/new/")
        page.goto(new_receipt)
        expect(page.get_by_role("heading", level=1)).to_have_text("Receive goods")
        page.select_option("#id_location", label="Main warehouse (WH)")

        scan = page.get_by_label("Scan or type a barcode or SKU, then Enter")
        expect(scan).to_be_visible()
        scan.fill(BARCODE)
        scan.press("Enter")
        status = page.locator("[data-scan-status]")
        expect(status).to_contain_text("E2E-INV-KT")
        expect(page.locator("#id_lines-0-product")).to_have_value(str(kettle_id))
        expect(page.locator("#id_lines-0-quantity")).to_have_value("1")
        scan.fill(BARCODE)
        scan.press("Enter")
        expect(page.locator("#id_lines-0-quantity")).to_have_value("2")
        scan.fill("e2e-inv-lp")  # a SKU, typed by hand
        scan.press("Enter")
        expect(page.locator("#id_lines-1-product")).to_have_value(str(lamp_id))
        scan.fill("NOT-A-CODE")
        scan.press("Enter")
        expect(status).to_contain_text("NOT-A-CODE")
        # Enter in the scan box never submitted the receipt.
        assert page.url == new_receipt
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        # One column: the quantity sits under the product, not beside it.
        product_box = page.locator("#id_lines-0-product").bounding_box()
        quantity_box = page.locator("#id_lines-0-quantity").bounding_box()
        assert quantity_box["y"] > product_box["y"] + product_box["height"] - 1
        assert quantity_box["height"] >= 40  # a thumb can hit it

        page.fill("#id_lines-0-unit_cost", "80")
        page.get_by_role("button", name="Save receipt").click()
        expect(page.locator(".message.success")).to_contain_text("saved")
        page.get_by_role("button", name="Receive", exact=True).click()
        expect(page.locator(".message.success")).to_have_text(
            "Goods received: the stock is updated."
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        page.goto(web_server.workspace_url(workspace.slug, "/inventory/stock/?q=E2E-INV"))
        rows = page.locator("table.stock-list tbody tr")
        expect(rows).to_have_count(2)
        expect(page.locator("tfoot")).to_contain_text("3")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()

    desktop = browser.new_context(viewport={"width": 1280, "height": 900})
    page = desktop.new_page()
    try:
        sign_in(page, web_server, workspace)
        page.goto(web_server.workspace_url(workspace.slug, "/inventory/stock/?q=E2E-INV"))
        page.get_by_role("link", name="On hand").click()
        first = page.locator("table.stock-list tbody tr").first
        expect(first).to_contain_text("E2E-INV-LP")  # 1 before 2
        page.get_by_role("link", name="On hand").click()
        expect(page.locator("table.stock-list tbody tr").first).to_contain_text("E2E-INV-KT")
        page.get_by_role("link", name="E2E-INV-KT").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Stock card")
        expect(page.locator("table").last).to_contain_text("+2")
    finally:
        desktop.close()

    def stored():
        with schema_context(workspace.schema):
            return sorted(
                StockBalance.objects.filter(product_id__in=[kettle_id, lamp_id]).values_list(
                    "on_hand", flat=True
                )
            )

    assert run_db(stored) == [Decimal("1"), Decimal("2")]
