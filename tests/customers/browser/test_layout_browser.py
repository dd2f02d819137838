"""The customer list's density in a real browser: at 1440×900 at least twelve
customers on the first screen and nothing wider than the window, in English and in
Chinese; on a phone the first customer within the first screen (the filter panel
folded) and nothing wider than the screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from tests.support.browser import sign_in
from tradepost.audit.models import AuditEntry
from tradepost.customers import services
from tradepost.customers.models import Customer

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1440, "height": 900}
# Screenshots of the pages checked, kept (not committed) for a reviewer.
SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def many_customers(run_db, platform_workspaces):
    """Fourteen committed customers in alpha with long names, tags and contacts."""
    alpha = platform_workspaces["alpha"]

    def create():
        with schema_context(alpha.schema):
            owner = alpha.owner()
            last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            ids = [
                services.customer_create(
                    actor=owner,
                    name=f"E2E 宁波海天电器销售有限公司 Ningbo Haitian Appliances {n:02d}",
                    code=f"E2E-D{n:02d}",
                    channel="dealer",
                    tags=["华东重点 East China key account", "VIP"],
                    phone="0574-8888 0001",
                ).pk
                for n in range(14)
            ]
            return ids, last

    ids, last_audit = run_db(create)

    def remove():
        with schema_context(alpha.schema):
            Customer.objects.filter(pk__in=ids).delete()
            AuditEntry.objects.filter(pk__gt=last_audit).delete()

    yield ids
    run_db(remove)


def _rows_on_first_screen(page, height: int) -> int:
    return page.evaluate(
        """height => [...document.querySelectorAll("table.list tbody tr")]
            .filter(row => row.getBoundingClientRect().bottom <= height).length""",
        height,
    )


def test_a_laptop_screen_shows_twelve_customers_in_both_languages(
    browser, web_server, platform_workspaces, many_customers
):
    alpha = platform_workspaces["alpha"]
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    try:
        sign_in(page, web_server, alpha)
        for language, heading in (("en", "Customers"), ("zh-hans", "客户")):
            context.add_cookies(
                [
                    {
                        "name": "django_language",
                        "value": language,
                        "url": web_server.workspace_url(alpha.slug, "/"),
                    }
                ]
            )
            page.goto(web_server.workspace_url(alpha.slug, "/customers/?q=E2E"))
            expect(page.get_by_role("heading", level=1)).to_have_text(heading)

            SCREENSHOTS.mkdir(parents=True, exist_ok=True)  # for a reviewer to look at
            page.screenshot(path=SCREENSHOTS / f"customers-{language}-1440.png")
            assert _rows_on_first_screen(page, LAPTOP["height"]) >= 12
            assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
            # No column runs past the list's card.
            table = page.locator("table.list").bounding_box()
            last_header = page.locator("table.list thead th").last.bounding_box()
            assert last_header["x"] + last_header["width"] <= table["x"] + table["width"] + 1
    finally:
        context.close()


def test_on_a_phone_the_first_customer_is_on_the_first_screen(
    browser, web_server, platform_workspaces, many_customers
):
    alpha = platform_workspaces["alpha"]
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, web_server, alpha)
        page.goto(web_server.workspace_url(alpha.slug, "/customers/"))

        panel = page.locator(".filter-panel")
        assert panel.evaluate("panel => panel.open") is False
        first = page.locator("table.list tbody tr").first.bounding_box()
        assert first["y"] < PHONE["height"]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "customers-en-390.png")
        page.locator(".filter-panel > summary").click()
        expect(page.locator("form.filters input[name=q]")).to_be_visible()
    finally:
        context.close()


def test_keyboard_shortcuts_are_listed_and_work(
    browser, web_server, platform_workspaces, many_customers
):
    alpha = platform_workspaces["alpha"]
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    try:
        sign_in(page, web_server, alpha)
        page.goto(web_server.workspace_url(alpha.slug, "/customers/"))

        page.keyboard.press("?")
        dialog = page.locator("dialog#shortcuts")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("Go to orders")
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()

        page.keyboard.press("/")
        assert page.evaluate("document.activeElement.name") == "q"
        page.keyboard.type("g")  # typed into the search box: no shortcut
        assert page.url.endswith("/customers/")
        page.locator("h1").click()

        page.keyboard.press("n")
        page.wait_for_url("**/customers/new/")
        page.keyboard.press("g")
        page.keyboard.press("o")
        page.wait_for_url("**/sales/orders/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Orders")
    finally:
        context.close()
