"""Global search in a real browser, on a laptop (1440×900) and a phone (390×844):
Ctrl-K from any page puts the cursor in the header's box, pinyin initials find a
Chinese customer, the results page links to its record, and nothing is wider than
the screen. The CSP check of tests/e2e holds throughout (the shortcut is no inline
script)."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from tests.support.browser import sign_in
from tradepost.audit.models import AuditEntry
from tradepost.customers import services as customer_services
from tradepost.customers.models import Customer

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
NAME = "杭州明达浏览器 E2E"


@pytest.fixture
def customer(run_db, platform_workspaces):
    """A committed customer in alpha (its search document written with it); removed
    afterwards, and its document with it."""
    alpha = platform_workspaces["alpha"]

    def create():
        with schema_context(alpha.schema):
            last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            made = customer_services.customer_create(
                actor=alpha.owner(), name=NAME, code="E2E-SEARCH-1"
            )
            return made.pk, last

    customer_id, last_audit = run_db(create)

    def remove():
        with schema_context(alpha.schema):
            Customer.objects.filter(pk=customer_id).delete()
            AuditEntry.objects.filter(pk__gt=last_audit).delete()

    yield customer_id
    run_db(remove)


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_ctrl_k_then_pinyin_initials_find_the_customer(
    browser, web_server, platform_workspaces, customer, viewport
):
    alpha = platform_workspaces["alpha"]
    phone = viewport is PHONE
    context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    try:
        sign_in(page, web_server, alpha)
        box = page.get_by_role("searchbox", name="Search", exact=True)
        expect(box).to_be_in_viewport()
        if not phone:  # the box keeps the top bar one row high next to the whole menu
            bar = page.locator("header.topbar").bounding_box()
            assert bar is not None and bar["height"] < 80, bar

        page.keyboard.press("Control+k")
        expect(box).to_be_focused()
        page.keyboard.type("hzmdllq")
        page.keyboard.press("Enter")

        page.wait_for_url("**/search/?q=hzmdllq")
        expect(page.get_by_role("heading", level=1)).to_have_text("Search")
        customers = page.get_by_role("region", name="Customers")
        link = customers.get_by_role("link", name=NAME)
        expect(link).to_be_visible()
        expect(customers).to_contain_text("E2E-SEARCH-1")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

        # The shortcut works on the results page too, and the box keeps the words.
        page.keyboard.press("Control+k")
        expect(box).to_be_focused()
        expect(box).to_have_value("hzmdllq")

        link.click()
        page.wait_for_url(f"**/customers/{customer}/")
        expect(page.get_by_role("heading", level=1)).to_contain_text(NAME)
    finally:
        context.close()


def test_an_empty_search_says_what_to_type(page, web_server, platform_workspaces):
    alpha = platform_workspaces["alpha"]
    sign_in(page, web_server, alpha)

    page.get_by_role("searchbox", name="Search", exact=True).press("Enter")

    expect(page.get_by_role("alert")).to_contain_text("Type a name, code, number or pinyin")
