"""On a phone (390 px): a count sheet takes goods found on the shelf by scanning them (a
code the sheet does not list lands under it, a second scan adds one), a delivery's lot
is chosen while picking, and a draft receipt is changed — nothing wider than the
screen."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from tests.inventory.workspaces import workspace_drop, workspace_signup
from tests.support.browser import sign_in
from tradepost.customers.services import customer_create
from tradepost.inventory import deliveries, receipts
from tradepost.inventory.models import DeliveryLine, StocktakeLine
from tradepost.masterdata import services as md
from tradepost.masterdata.models import Location
from tradepost.sales import orders

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
BARCODE = "6909990002225"


@pytest.fixture
def warehouse_documents(run_db, platform_workspaces):
    """A workspace of the test's own: a lamp with a barcode and no stock, a lot-tracked
    tea in lots SOON and LATE, a confirmed order of 3 teas picked first-expiring first,
    and a draft receipt of 5 lamps. Dropped afterwards."""
    workspace = run_db(workspace_signup, "e2e-gaps")

    def create():
        today = timezone.localdate()
        with schema_context(workspace.schema):
            owner = workspace.owner()
            warehouse = Location.objects.get(is_default=True, branch__isnull=True)
            lamp = md.product_create(
                actor=owner,
                sku="E2E-LAMP",
                name="Lamp 台灯",
                barcode=BARCODE,
                list_price=Decimal("10"),
            )
            tea = md.product_create(
                actor=owner,
                sku="E2E-TEA",
                name="Tea 茶",
                lot_tracked=True,
                list_price=Decimal("20"),
            )
            stock = receipts.receipt_create(
                actor=owner,
                location=warehouse,
                lines=[
                    {
                        "product": tea,
                        "quantity": Decimal(quantity),
                        "lot_number": number,
                        "expires_on": today + datetime.timedelta(days=days),
                    }
                    for number, quantity, days in (("SOON", "2", 5), ("LATE", "8", 300))
                ],
            )
            receipts.receipt_receive(actor=owner, receipt=stock)
            customer = customer_create(actor=owner, name="Shop 小店", code="E2E-SHOP")
            order = orders.order_create(
                actor=owner, customer=customer, lines=[{"product": tea, "quantity": Decimal(3)}]
            )
            order = orders.order_submit(actor=owner, order=order)
            order = orders.order_approve(actor=owner, order=order)
            order = orders.order_confirm(actor=owner, order=order)
            delivery = deliveries.delivery_create(actor=owner, order=order)
            draft = receipts.receipt_create(
                actor=owner, location=warehouse, lines=[{"product": lamp, "quantity": Decimal(5)}]
            )
            return {
                "lamp": lamp.pk,
                "delivery": delivery.pk,
                "receipt": draft.pk,
                "late": tea.lots.get(number="LATE").pk,
            }

    try:
        yield workspace, run_db(create)
    finally:
        run_db(workspace_drop, workspace)


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_found_goods_lots_and_a_draft_on_a_phone(browser, web_server, warehouse_documents, run_db):
    workspace, made = warehouse_documents
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, web_server, workspace)

        # A count of the warehouse: the lamp is not on the sheet; scanning finds it.
        page.goto(web_server.workspace_url(workspace.slug, "/inventory/stocktakes/new/"))
        page.select_option("#id_location", label="Main warehouse (WH)")
        page.get_by_role("button", name="Start the count").click()
        expect(page.get_by_text("Found on the shelf, not on the sheet")).to_be_visible()
        scan = page.get_by_label("Scan or type a barcode or SKU, then Enter")
        scan.fill(BARCODE)
        scan.press("Enter")
        status = page.locator("[data-scan-status]")
        expect(status).to_contain_text("E2E-LAMP")
        expect(page.locator("#id_found-0-product")).to_have_value(str(made["lamp"]))
        expect(page.locator("#id_found-0-quantity")).to_have_value("1")
        scan.fill(BARCODE)
        scan.press("Enter")
        expect(page.locator("#id_found-0-quantity")).to_have_value("2")
        _fits(page)
        page.get_by_role("button", name="Save counts").click()
        expect(page.locator(".message.success")).to_have_text("Counts saved.")
        expect(page.locator('tr[data-codes~="E2E-LAMP"]')).to_contain_text("+2")
        scan = page.get_by_label("Scan or type a barcode or SKU, then Enter")
        scan.fill(BARCODE)  # now on the sheet: its count goes up
        scan.press("Enter")
        expect(page.locator('tr[data-codes~="E2E-LAMP"] input')).to_have_value("3")
        _fits(page)

        # The delivery's lots while picking.
        page.goto(
            web_server.workspace_url(workspace.slug, f"/inventory/deliveries/{made['delivery']}/")
        )
        picker = page.get_by_label("E2E-TEA — Tea 茶 (3 pcs)")
        expect(picker).to_be_visible()
        expect(picker.locator("option")).to_have_count(3)  # automatic, SOON, LATE
        _fits(page)
        picker.select_option(str(made["late"]))
        page.get_by_role("button", name="Save lots").click()
        expect(page.locator(".message.success")).to_have_text("Lots chosen.")
        _fits(page)

        # The draft receipt changed.
        page.goto(
            web_server.workspace_url(workspace.slug, f"/inventory/receipts/{made['receipt']}/")
        )
        page.get_by_role("link", name="Edit").click()
        expect(page.locator("#id_lines-0-quantity")).to_have_value("5")
        _fits(page)
        page.fill("#id_lines-0-quantity", "6")
        page.get_by_role("button", name="Save changes").click()
        expect(page.locator(".message.success")).to_have_text("Changes saved.")
    finally:
        context.close()

    def stored():
        with schema_context(workspace.schema):
            return (
                list(
                    StocktakeLine.objects.filter(product_id=made["lamp"]).values_list(
                        "counted", flat=True
                    )
                ),
                list(
                    DeliveryLine.objects.filter(delivery_id=made["delivery"]).values_list(
                        "lot_id", "quantity"
                    )
                ),
            )

    counted, picked = run_db(stored)
    assert counted == [Decimal("2")]
    assert picked == [(made["late"], Decimal("3"))]
