"""A price adjustment in a real browser on a phone-sized screen: report a dealer's
stock, record the price drop, correct the dealer's quantity in its line, approve and
post — nothing wider than the screen."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from tests.e2e.conftest import TIMEOUT_MS
from tests.support.browser import sign_in
from tests.support.settlement import settlement_rows_delete
from tradepost.audit.models import AuditEntry
from tradepost.channel.models import DealerStockReport, PriceAdjustment, PriceAdjustmentLine
from tradepost.customers import services as customer_services
from tradepost.customers.models import Customer
from tradepost.masterdata import services as md
from tradepost.masterdata.models import DocumentSequence, Product
from tradepost.sales.models import SettlementCredit

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
SEQUENCE = "price_adjustment"


@pytest.fixture
def dealer_and_product(run_db, platform_workspaces):
    """A committed dealer and product in alpha; removed (with everything the test made
    of them) afterwards, the numbering sequence as it was."""
    alpha = platform_workspaces["alpha"]
    year = timezone.localdate().year

    def create():
        with schema_context(alpha.schema):
            owner = alpha.owner()
            last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            sequence = DocumentSequence.objects.filter(key=SEQUENCE, year=year).first()
            product = md.product_create(
                actor=owner, sku="E2E-PA", name="Kettle 电水壶 E2E", list_price=Decimal("199.00")
            )
            dealer = customer_services.customer_create(
                actor=owner, name="海天经销 Haitian E2E", code="E2E-PA-D", channel="dealer"
            )
            return product.pk, dealer.pk, last, sequence.last_number if sequence else None

    product_id, dealer_id, last_audit, last_number = run_db(create)

    def remove():
        with schema_context(alpha.schema):
            made = PriceAdjustment.objects.filter(product_id=product_id)
            settlement_rows_delete([dealer_id])
            SettlementCredit.objects.filter(price_adjustment__in=made).delete()
            PriceAdjustmentLine.objects.filter(adjustment__in=made).delete()
            made.delete()
            DealerStockReport.objects.filter(product_id=product_id).delete()
            Customer.objects.filter(pk=dealer_id).delete()
            Product.objects.filter(pk=product_id).delete()
            sequences = DocumentSequence.objects.filter(key=SEQUENCE, year=year)
            if last_number is None:
                sequences.delete()
            else:
                sequences.update(last_number=last_number)
            AuditEntry.objects.filter(pk__gt=last_audit).delete()

    yield product_id, dealer_id
    run_db(remove)


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_phone_user_records_a_price_drop_and_posts_the_dealers_credit(
    browser,
    web_server,
    platform_workspaces,
    dealer_and_product,
    run_db,
):
    alpha = platform_workspaces["alpha"]
    product_id, dealer_id = dealer_and_product
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        sign_in(page, web_server, alpha)

        page.goto(web_server.workspace_url(alpha.slug, "/sales/stock-reports/"))
        page.get_by_label("Dealer").select_option(str(dealer_id))
        page.get_by_label("Product", exact=True).select_option(str(product_id))
        page.get_by_label("Quantity on hand").fill("10")
        page.get_by_role("button", name="Save stock").click()
        expect(page.locator(".message.success")).to_contain_text("Stock saved")
        expect(page.locator("table.list")).to_contain_text("海天经销 Haitian E2E")
        _no_sideways_scroll(page)

        page.goto(web_server.workspace_url(alpha.slug, "/sales/adjustments/new/"))
        page.get_by_label("Product", exact=True).select_option(str(product_id))
        page.get_by_label("New price", exact=True).fill("149.99")
        page.get_by_role("button", name="Compute the dealers' credits").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("PA-")
        lines = page.locator("table.adjustment-lines tbody tr")
        expect(lines).to_have_count(1)
        expect(lines).to_contain_text("490.10")
        _no_sideways_scroll(page)

        lines.get_by_role("spinbutton").fill("4")
        lines.get_by_role("button", name="Save").click()
        expect(page.locator(".message.success")).to_contain_text("now holds 4")
        expect(page.locator(".adjustment-facts")).to_contain_text("196.04")

        page.get_by_role("button", name="Approve").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Approved")
        page.get_by_role("button", name="Post credits").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Posted")
        expect(page.get_by_role("heading", name="Credits posted")).to_be_visible()
        expect(page.locator("main")).to_contain_text("196.04")
        _no_sideways_scroll(page)
    finally:
        context.close()

    def credited():
        with schema_context(alpha.schema):
            return list(
                SettlementCredit.objects.filter(customer_id=dealer_id).values_list(
                    "amount", flat=True
                )
            )

    assert run_db(credited) == [Decimal("196.04")]
