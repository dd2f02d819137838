"""Entering an order in a real browser on a phone-sized screen: pick the customer, fill
lines (adding one with "Add a line"), save, see the priced lines and totals, submit it
for review — and nothing is wider than the screen."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from tests.support.browser import pick, sign_in
from tradepost.audit.models import AuditEntry
from tradepost.customers import services as customer_services
from tradepost.masterdata import services as md
from tradepost.masterdata.models import Product, TaxRate
from tradepost.sales.models import Order

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def order_setup(run_db, platform_workspaces):
    """A committed customer and two products in alpha; removed afterwards with the
    orders the test entered."""
    alpha = platform_workspaces["alpha"]

    def create():
        with schema_context(alpha.schema):
            owner = alpha.owner()
            last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            vat = md.tax_rate_create(actor=owner, name="E2E VAT 13%", rate=Decimal("13"))
            customer = customer_services.customer_create(
                actor=owner, name="上海明达 Mingda Shanghai", code="E2E-SO-1"
            )
            products = [
                md.product_create(
                    actor=owner,
                    sku="E2E-KT",
                    name="电水壶 Kettle",
                    list_price=Decimal("199.00"),
                    tax_rate=vat,
                ),
                md.product_create(
                    actor=owner,
                    sku="E2E-TS",
                    name="Toaster",
                    list_price=Decimal("100.00"),
                    tax_rate=vat,
                ),
            ]
            return customer.pk, [p.pk for p in products], vat.pk, last

    customer_id, product_ids, vat_id, last_audit = run_db(create)

    def remove():
        with schema_context(alpha.schema):
            Order.objects.filter(customer_id=customer_id).delete()
            Product.objects.filter(pk__in=product_ids).delete()
            TaxRate.objects.filter(pk=vat_id).delete()
            from tradepost.customers.models import Customer

            Customer.objects.filter(pk=customer_id).delete()
            AuditEntry.objects.filter(pk__gt=last_audit).delete()

    yield customer_id
    run_db(remove)


def test_a_phone_user_enters_an_order_and_submits_it(
    browser, web_server, platform_workspaces, order_setup, run_db
):
    alpha = platform_workspaces["alpha"]
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, web_server, alpha)

        page.goto(
            web_server.workspace_url(alpha.slug, f"/sales/orders/new/?customer={order_setup}")
        )
        expect(page.get_by_role("heading", level=1)).to_have_text("New order")
        # The product boxes are type-ahead: pinyin finds the kettle, ↓ and Enter take it.
        pick(page, "#id_lines-0-product", "dianshuihu", "E2E-KT — 电水壶 Kettle", keyboard=True)
        page.fill("#id_lines-0-quantity", "2")
        rows = page.locator("[data-line-rows] tr")
        expect(rows).to_have_count(3)
        page.get_by_role("button", name="Add a line").click()
        expect(rows).to_have_count(4)
        pick(page, "#id_lines-3-product", "e2e-ts", "E2E-TS — Toaster")
        page.fill("#id_lines-3-quantity", "1")
        page.fill("#id_lines-3-discount_percent", "10")
        # Priced live, before saving: the same totals the saved order shows below.
        expect(page.locator("[data-total=net_total]")).to_have_text("488.00")
        expect(page.locator("[data-total=gross_total]")).to_contain_text("551.44")
        expect(rows.nth(3).locator("[data-live-line]")).to_contain_text("90.00")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.get_by_role("button", name="Save as draft").click()

        expect(page.locator(".message.success")).to_contain_text("Order saved as a draft")
        totals = page.locator("dl.doc-totals")
        expect(totals).to_contain_text("488.00")  # 2 × 199 + 90 (toaster less 10 %)
        expect(totals).to_contain_text("551.44")  # with 13 % tax
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.get_by_role("button", name="Submit for review").click()
        expect(page.locator(".message.success")).to_have_text("Order submitted for review.")
    finally:
        context.close()

    def stored():
        with schema_context(alpha.schema):
            order = Order.objects.get(customer_id=order_setup)
            return order.status, order.lines.count(), order.net_total

    assert run_db(stored) == ("submitted", 2, Decimal("488.00"))
