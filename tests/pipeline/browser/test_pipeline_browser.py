"""The pipeline board in a real browser: drag a card to another column and the stage
changes in the database; dropping on won asks why first. On a phone, where dragging is
awkward, the card's "Move to…" does the same — and nothing is wider than the screen."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from tests.support.browser import sign_in
from tradepost.audit.models import AuditEntry
from tradepost.customers import services as customer_services
from tradepost.customers.models import Customer
from tradepost.pipeline import services as pipeline
from tradepost.pipeline.models import Opportunity

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1600, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def deals(run_db, platform_workspaces):
    """A committed customer with two opportunities in alpha; removed afterwards."""
    alpha = platform_workspaces["alpha"]

    def create():
        with schema_context(alpha.schema):
            owner = alpha.owner()
            last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            customer = customer_services.customer_create(
                actor=owner, name="杭州酒店集团 Hangzhou Hotels", code="E2E-PL-1"
            )
            made = {
                name: pipeline.opportunity_create(
                    actor=owner, customer=customer, name=name, amount=Decimal(amount), stage=stage
                ).pk
                for name, amount, stage in (
                    ("Hotel kitchen 酒店厨房", "25000", "prospect"),
                    ("Staff canteen", "8000", "negotiation"),
                )
            }
            return customer.pk, made, last

    customer_id, ids, last_audit = run_db(create)

    def remove():
        with schema_context(alpha.schema):
            Opportunity.objects.filter(customer_id=customer_id).delete()
            Customer.objects.filter(pk=customer_id).delete()
            AuditEntry.objects.filter(pk__gt=last_audit).delete()

    yield ids
    run_db(remove)


def _stored(run_db, alpha, opportunity_id):
    def read():
        with schema_context(alpha.schema):
            row = Opportunity.objects.get(pk=opportunity_id)
            return row.stage, row.close_reason

    return run_db(read)


def _sign_in(page, web_server, alpha):
    sign_in(page, web_server, alpha)
    page.goto(web_server.workspace_url(alpha.slug, "/sales/pipeline/?q=Hangzhou+Hotels"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pipeline")


def test_dragging_a_card_to_another_column_moves_the_opportunity(
    browser, web_server, platform_workspaces, deals, run_db
):
    alpha = platform_workspaces["alpha"]
    kitchen, canteen = deals["Hotel kitchen 酒店厨房"], deals["Staff canteen"]
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        _sign_in(page, web_server, alpha)
        card = page.locator(f'.opp-card[data-id="{kitchen}"]')
        expect(page.locator(".board-column.stage-prospect")).to_contain_text("Hotel kitchen")

        card.drag_to(page.locator(".board-column.stage-vision .board-cards"))

        vision = page.locator(".board-column.stage-vision")
        expect(vision.locator(f'.opp-card[data-id="{kitchen}"]')).to_be_visible()
        expect(vision).to_contain_text("1 opportunity")
        expect(vision).to_contain_text("weighted 10,000.00 CNY")
        expect(page.locator("#board-status")).to_contain_text("Moved.")
        assert _stored(run_db, alpha, kitchen) == ("vision", "")

        # Dropped on won: the board asks why, and only then moves it.
        page.locator(f'.opp-card[data-id="{canteen}"]').drag_to(
            page.locator(".board-column.stage-won")
        )
        dialog = page.locator("#close-dialog")
        expect(dialog).to_be_visible()
        expect(dialog.get_by_role("heading")).to_have_text("Why was it won?")
        assert _stored(run_db, alpha, canteen) == ("negotiation", "")
        dialog.get_by_label("Reason").fill("Best after-sales service")
        dialog.get_by_role("button", name="Save").click()
        expect(
            page.locator(f'.board-column.stage-won .opp-card[data-id="{canteen}"]')
        ).to_be_visible()
        assert _stored(run_db, alpha, canteen) == ("won", "Best after-sales service")
    finally:
        context.close()


def test_on_a_phone_a_card_moves_with_its_move_to_form(
    browser, web_server, platform_workspaces, deals, run_db
):
    alpha = platform_workspaces["alpha"]
    kitchen = deals["Hotel kitchen 酒店厨房"]
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        _sign_in(page, web_server, alpha)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        card = page.locator(f'.opp-card[data-id="{kitchen}"]')
        card.get_by_role("combobox").select_option(label="Lost")
        card.get_by_role("button", name="Move").click()
        dialog = page.locator("#close-dialog")
        expect(dialog.get_by_role("heading")).to_have_text("Why was it lost?")
        dialog.get_by_label("Reason").fill("Chose a cheaper supplier")
        dialog.get_by_role("button", name="Save").click()
        expect(
            page.locator(f'.board-column.stage-lost .opp-card[data-id="{kitchen}"]')
        ).to_be_visible()
        assert _stored(run_db, alpha, kitchen) == ("lost", "Chose a cheaper supplier")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


def test_a_laptop_screen_holds_all_eight_stages(browser, web_server, platform_workspaces, deals):
    alpha = platform_workspaces["alpha"]
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        _sign_in(page, web_server, alpha)

        columns = page.locator(".board-column")
        expect(columns).to_have_count(8)
        right_edges = [
            box["x"] + box["width"] for box in map(lambda c: c.bounding_box(), columns.all())
        ]
        assert max(right_edges) <= 1440
        assert page.evaluate("document.documentElement.scrollWidth") <= 1440
        # "Move to…" is read whole, not cut.
        select = page.locator(".opp-move select").first
        fits = """select => {
            const pen = document.createElement("canvas").getContext("2d");
            pen.font = getComputedStyle(select).font;
            const text = pen.measureText(select.options[select.selectedIndex].text).width;
            return text + 24 <= select.clientWidth;  // 24 px: padding and the arrow
        }"""
        assert select.evaluate(fits)
        # Won and lost fold to their count; "Show" opens one.
        won = page.locator(".board-column.stage-won")
        expect(won.locator(".board-cards")).to_be_hidden()
        won.get_by_text("Show").click()
        expect(won.locator(".board-cards")).to_be_visible()
    finally:
        context.close()
