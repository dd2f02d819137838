"""A quote in a real browser on a phone-sized screen: make it with two lines, send it,
record the customer's yes and convert it into an order — nothing wider than the
screen on the way."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from tests.support.browser import pick, sign_in
from tradepost.audit.models import AuditEntry
from tradepost.customers import services as customer_services
from tradepost.customers.models import Customer
from tradepost.masterdata import services as md
from tradepost.masterdata.models import DocumentSequence, Product
from tradepost.pipeline import services as pipeline
from tradepost.pipeline.models import Opportunity
from tradepost.sales.models import Order, Quote

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
YEAR = timezone.localdate().year


@pytest.fixture
def goods(run_db, platform_workspaces):
    """A committed customer and two products in alpha; removed afterwards with the
    quotes and orders the test made, and the quote numbers given back."""
    alpha = platform_workspaces["alpha"]

    def create():
        with schema_context(alpha.schema):
            owner = alpha.owner()
            last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            sequence = DocumentSequence.objects.filter(key="quote", year=YEAR).first()
            customer = customer_services.customer_create(
                actor=owner, name="杭州明达贸易有限公司 Hangzhou Mingda", code="E2E-QT"
            )
            other = customer_services.customer_create(
                actor=owner, name="Other Trading 其他贸易", code="E2E-QT-O"
            )
            for who, name in ((customer, "E2E kitchen refit"), (other, "E2E other deal")):
                pipeline.opportunity_create(
                    actor=owner, customer=who, name=name, amount=Decimal("1000")
                )
            products = [
                md.product_create(
                    actor=owner, sku="E2E-QT-1", name="电水壶 Kettle", list_price=Decimal("199")
                ),
                md.product_create(
                    actor=owner, sku="E2E-QT-2", name="Toaster", list_price=Decimal("259.50")
                ),
            ]
            return customer.pk, [p.pk for p in products], last, sequence

    customer_id, product_ids, last_audit, sequence = run_db(create)

    def remove():
        with schema_context(alpha.schema):
            Order.objects.filter(customer_id=customer_id).delete()
            Quote.objects.filter(customer_id=customer_id).delete()
            Product.objects.filter(pk__in=product_ids).delete()
            Opportunity.objects.filter(name__startswith="E2E ").delete()
            Customer.objects.filter(code__in=["E2E-QT", "E2E-QT-O"]).delete()
            AuditEntry.objects.filter(pk__gt=last_audit).delete()
            if sequence is None:
                DocumentSequence.objects.filter(key="quote", year=YEAR).delete()
            else:
                sequence.save()

    yield customer_id, product_ids
    run_db(remove)


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_phone_user_quotes_and_converts_the_quote_into_an_order(
    browser, web_server, platform_workspaces, goods, run_db
):
    alpha = platform_workspaces["alpha"]
    customer_id, _products = goods
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, web_server, alpha)

        page.goto(
            web_server.workspace_url(alpha.slug, f"/sales/quotes/new/?customer={customer_id}")
        )
        expect(page.get_by_role("heading", level=1)).to_have_text("New quote")
        _fits(page)
        # The opportunity picker offers the chosen customer's opportunities only.
        offered = page.locator("#id_opportunity option:not([hidden])")
        expect(offered.filter(has_text="E2E kitchen refit")).to_have_count(1)
        expect(offered.filter(has_text="E2E other deal")).to_have_count(0)
        page.select_option(
            "#id_opportunity", label="E2E kitchen refit (杭州明达贸易有限公司 Hangzhou Mingda)"
        )
        pick(page, "#id_lines-0-product", "E2E-QT-1", "E2E-QT-1 — 电水壶 Kettle")
        page.fill("#id_lines-0-quantity", "2")
        pick(page, "#id_lines-1-product", "toaster", "E2E-QT-2 — Toaster", keyboard=True)
        page.fill("#id_lines-1-quantity", "1")
        page.fill("#id_lines-1-discount_percent", "10")
        page.get_by_role("button", name="Save as draft").click()

        expect(page.locator(".message.success")).to_contain_text("saved as a draft")
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"QT-{YEAR}-")
        expect(page.locator("table.list tbody tr")).to_have_count(2)
        # Amount excl. tax: 2 × 199.00 + 259.50 less 10 % (233.55).
        expect(page.locator(".doc-totals")).to_contain_text("631.55")
        _fits(page)

        page.get_by_role("button", name="Mark as sent").click()
        expect(page.locator(".message.success")).to_have_text("Quote marked as sent.")
        page.get_by_role("button", name="Customer accepted").click()
        expect(page.locator(".status-badge")).to_have_text("Accepted")
        page.get_by_role("button", name="Convert to order").click()
        expect(page.locator(".message.success")).to_contain_text("Order created from the quote")
        _fits(page)

        def converted():
            with schema_context(alpha.schema):
                quote = Quote.objects.get(customer_id=customer_id)
                order = Order.objects.get(quote=quote)
                return quote.status, [line.price_source for line in order.lines.all()]

        assert run_db(converted) == ("converted", ["quote", "quote"])
    finally:
        context.close()


def test_the_quote_list_on_a_phone(browser, web_server, platform_workspaces, goods, run_db):
    alpha = platform_workspaces["alpha"]
    customer_id, (kettle_id, _toaster_id) = goods

    def make():
        from tradepost.sales import quotes

        with schema_context(alpha.schema):
            owner = alpha.owner()
            quotes.quote_create(
                actor=owner,
                customer=Customer.objects.get(pk=customer_id),
                lines=[{"product": Product.objects.get(pk=kettle_id), "quantity": Decimal("1")}],
                valid_until=timezone.localdate() + datetime.timedelta(days=2),
            )

    run_db(make)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, web_server, alpha)
        page.goto(web_server.workspace_url(alpha.slug, "/sales/quotes/"))
        page.locator(".filter-panel > summary").click()  # folded on a phone
        page.get_by_label("Expiring within 7 days").check()
        page.get_by_role("button", name="Filter").click()
        rows = page.locator("table.list tbody tr")
        expect(rows).to_have_count(1)
        expect(rows).to_contain_text("杭州明达贸易有限公司")
        _fits(page)
    finally:
        context.close()
