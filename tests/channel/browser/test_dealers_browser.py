"""Demand plans and a master agreement in a real browser on a phone-sized screen: draw
up a dealer's plan (adding a line row with the button), submit and accept it, see it
in the month's plans vs. orders; draw up an agreement with a capped price and
activate it — nothing wider than the screen."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from tests.e2e.conftest import TIMEOUT_MS
from tests.support.browser import sign_in
from tradepost.audit.models import AuditEntry
from tradepost.channel import plans
from tradepost.channel.models import Agreement, DemandPlan
from tradepost.customers import services as customer_services
from tradepost.customers.models import Customer
from tradepost.masterdata import services as md
from tradepost.masterdata.models import DocumentSequence, Product

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
SEQUENCE = "agreement"


@pytest.fixture
def dealer_and_product(run_db, platform_workspaces):
    """A committed dealer and product in alpha; removed (with the plans and agreements
    the test made of them) afterwards, the agreement numbering as it was."""
    alpha = platform_workspaces["alpha"]
    year = timezone.localdate().year

    def create():
        with schema_context(alpha.schema):
            owner = alpha.owner()
            last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            sequence = DocumentSequence.objects.filter(key=SEQUENCE, year=year).first()
            product = md.product_create(
                actor=owner, sku="E2E-DP", name="Kettle 电水壶 E2E", list_price=Decimal("199.00")
            )
            dealer = customer_services.customer_create(
                actor=owner, name="海天经销 Haitian E2E", code="E2E-DP-D", channel="dealer"
            )
            return product.pk, dealer.pk, last, sequence.last_number if sequence else None

    product_id, dealer_id, last_audit, last_number = run_db(create)

    def remove():
        with schema_context(alpha.schema):
            Agreement.objects.filter(customer_id=dealer_id).delete()  # lines cascade
            DemandPlan.objects.filter(dealer_id=dealer_id).delete()
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


def test_a_phone_user_plans_a_dealers_month_and_signs_an_agreement(
    browser,
    web_server,
    platform_workspaces,
    dealer_and_product,
    run_db,
):
    alpha = platform_workspaces["alpha"]
    product_id, dealer_id = dealer_and_product
    month = f"{plans.next_month():%Y-%m}"
    today = timezone.localdate()
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    url = lambda path: web_server.workspace_url(alpha.slug, path)  # noqa: E731
    try:
        sign_in(page, web_server, alpha)

        # The plan: three empty rows, one more from the button; fill the last one.
        page.goto(url("/sales/demand-plans/new/"))
        page.get_by_label("Dealer").select_option(str(dealer_id))
        expect(page.get_by_label("Month")).to_have_value(month)
        rows = page.locator("tbody[data-line-rows] tr")
        expect(rows).to_have_count(3)
        page.get_by_role("button", name="Add a line").click()
        expect(rows).to_have_count(4)
        page.locator('select[name="lines-3-product"]').select_option(str(product_id))
        page.locator('input[name="lines-3-quantity"]').fill("12")
        _no_sideways_scroll(page)
        page.get_by_role("button", name="Save as draft").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"Plan for {month}")
        expect(page.locator("table.list")).to_contain_text("E2E-DP")
        _no_sideways_scroll(page)

        page.get_by_role("button", name="Submit for review").click()
        expect(page.locator(".message.success")).to_contain_text("Plan submitted")
        page.get_by_role("button", name="Accept").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Accepted")

        page.get_by_role("link", name="Plans vs. orders").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(month)
        row = page.locator("table.list tbody tr", has_text="E2E-DP")
        expect(row.locator("td").nth(1)).to_have_text("12")
        _no_sideways_scroll(page)

        # The agreement: one capped price, then activate.
        page.goto(url("/sales/agreements/new/"))
        page.get_by_label("Customer").select_option(str(dealer_id))
        page.get_by_label("Name").fill("2026 年度框架协议 E2E")
        page.get_by_label("Starts on").fill(today.isoformat())
        page.get_by_label("Ends on").fill(today.replace(month=12, day=31).isoformat())
        page.locator('select[name="lines-0-product"]').select_option(str(product_id))
        page.locator('input[name="lines-0-unit_price"]').fill("150")
        page.locator('input[name="lines-0-max_quantity"]').fill("100")
        _no_sideways_scroll(page)
        page.get_by_role("button", name="Save as draft").click()
        expect(page.locator(".message.success")).to_contain_text("saved as a draft")
        page.get_by_role("button", name="Activate").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Active")
        usage = page.locator("table.list tbody tr", has_text="E2E-DP")
        expect(usage).to_contain_text("150.00")
        expect(usage.locator("td").nth(4)).to_have_text("100")
        _no_sideways_scroll(page)
    finally:
        context.close()

    def saved():
        with schema_context(alpha.schema):
            plan = DemandPlan.objects.get(dealer_id=dealer_id)
            agreement = Agreement.objects.get(customer_id=dealer_id)
            return plan.status, plan.lines.get().quantity, agreement.status

    assert run_db(saved) == ("accepted", Decimal("12.000"), "active")
