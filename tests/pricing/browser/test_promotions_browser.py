"""A tiered promotion entered in a real browser on a phone-sized screen: the form shows
only the chosen type's fields, "Add a tier" adds a row, the promotion's page says the
rule in words, the list shows it — and nothing is wider than the screen."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from tests.support.browser import sign_in
from tradepost.audit.models import AuditEntry
from tradepost.pricing.models import Promotion

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
NAME = "E2E volume 阶梯价"


@pytest.fixture
def cleanup(run_db, platform_workspaces):
    """Removes the promotion the test enters, and its audit entries, afterwards."""
    alpha = platform_workspaces["alpha"]

    def last_audit():
        with schema_context(alpha.schema):
            return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    last = run_db(last_audit)

    def remove():
        with schema_context(alpha.schema):
            Promotion.objects.filter(name=NAME).delete()
            AuditEntry.objects.filter(pk__gt=last).delete()

    yield
    run_db(remove)


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_phone_user_enters_a_tiered_promotion(
    browser, web_server, platform_workspaces, cleanup, run_db
):
    alpha = platform_workspaces["alpha"]
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, web_server, alpha)

        page.goto(web_server.workspace_url(alpha.slug, "/sales/promotions/"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Promotions")
        expect(page.locator("main")).to_contain_text("Promotions never add up.")
        _no_sideways_scroll(page)
        page.get_by_role("link", name="New promotion").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("New promotion")

        # Only the chosen type's fields show.
        expect(page.get_by_label("Percent off")).to_be_visible()
        expect(page.get_by_label("Buy (X)")).to_be_hidden()
        page.get_by_label("Type").select_option("buy_x_get_y")
        expect(page.get_by_label("Buy (X)")).to_be_visible()
        expect(page.get_by_label("Percent off")).to_be_hidden()
        expect(page.locator("[data-tiers]")).to_be_hidden()
        page.get_by_label("Type").select_option("tiered_price")
        expect(page.locator("[data-tiers]")).to_be_visible()
        expect(page.get_by_label("Currency")).to_be_visible()

        page.get_by_label("Name").fill(NAME)
        page.get_by_label("Currency").select_option("CNY")
        rows = page.locator("[data-tier-rows] tr")
        expect(rows).to_have_count(2)
        page.get_by_role("button", name="Add a tier").click()
        expect(rows).to_have_count(3)
        page.fill("#id_tiers-0-min_quantity", "10")
        page.fill("#id_tiers-0-unit_price", "90")
        page.fill("#id_tiers-2-min_quantity", "50")
        page.fill("#id_tiers-2-unit_price", "80")
        _no_sideways_scroll(page)
        page.get_by_role("button", name="Save promotion").click()

        expect(page.locator(".message.success")).to_contain_text("saved")
        day = timezone.localdate().isoformat()
        expect(page.locator(".promo-summary")).to_have_text(
            "Tiered price: from 10 units 90.00 CNY each; from 50 units 80.00 CNY each "
            f"on every product for every customer, {day} → {day}"
        )
        _no_sideways_scroll(page)

        page.goto(web_server.workspace_url(alpha.slug, "/sales/promotions/"))
        expect(page.locator("table.list")).to_contain_text(NAME)
        assert (
            page.locator("table.list td").first.evaluate("cell => getComputedStyle(cell).display")
            == "flex"
        )
        _no_sideways_scroll(page)
    finally:
        context.close()

    def stored():
        with schema_context(alpha.schema):
            return Promotion.objects.filter(name=NAME).values_list("kind", "tiers").get()

    assert run_db(stored) == (
        "tiered_price",
        [
            {"min_quantity": "10", "unit_price": "90.00"},
            {"min_quantity": "50", "unit_price": "80.00"},
        ],
    )
