"""The monthly stock report in a browser, on a 1440 px screen and on a phone (390
px): last month is chosen, the rows and totals show with quantities and values, and
nothing is wider than the screen."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from tests.inventory.workspaces import workspace_drop, workspace_signup
from tests.reports.moves import months_ago, posted_on
from tests.support.browser import sign_in
from tradepost.inventory.adjustments import adjustment_post
from tradepost.masterdata import services as md
from tradepost.masterdata.models import Location

pytestmark = pytest.mark.e2e

SCREENS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def stocked(run_db, platform_workspaces):
    """A workspace of the test's own with two products stocked last month; dropped
    afterwards (stock moves are never deleted)."""
    workspace = run_db(workspace_signup, "e2e-rpt")

    def create():
        with schema_context(workspace.schema):
            owner = workspace.owner()
            for sku, name, quantity in (
                ("E2E-RPT-TEA", "Longjing tea 龙井茶 (tin of 250 g)", "1234.5"),
                ("E2E-RPT-MUG", "Mug", "40"),
            ):
                product = md.product_create(
                    actor=owner, sku=sku, name=name, list_price=Decimal("9")
                )
                with posted_on(months_ago(1), 2):
                    adjustment_post(
                        actor=owner,
                        location=Location.objects.get(code="WH"),
                        reason="Opening stock",
                        opening=True,
                        lines=[
                            {
                                "product": product,
                                "quantity": Decimal(quantity),
                                "unit_cost": Decimal("1234.56"),
                            }
                        ],
                    )

    try:
        run_db(create)
        yield workspace
    finally:
        run_db(workspace_drop, workspace)


@pytest.mark.parametrize("screen", SCREENS)
def test_the_report_fits_the_screen(browser, web_server, stocked, screen):
    viewport = SCREENS[screen]
    phone = screen == "phone"
    context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    try:
        sign_in(page, web_server, stocked)
        page.goto(web_server.workspace_url(stocked.slug, "/reports/stock-monthly/"))
        expect(page.get_by_role("heading", level=1)).to_contain_text("Monthly stock report")
        expect(page.locator("#id_month")).to_have_value(f"{months_ago(1):%Y-%m}")
        rows = page.locator("table.stock-report tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.first).to_contain_text("E2E-RPT-MUG")
        # 1,234.5 × 1,234.56 = 1,524,064.32, in the project's number format.
        expect(page.locator("table.stock-report")).to_contain_text("1,524,064.32")
        expect(page.locator("tfoot")).to_contain_text("1,274.5")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        # The table itself fits too: no sideways scrolling inside its frame.
        assert page.evaluate(
            "(() => { const wrap = document.querySelector('.stock-report-wrap');"
            " return wrap.scrollWidth <= wrap.clientWidth; })()"
        )
    finally:
        context.close()
