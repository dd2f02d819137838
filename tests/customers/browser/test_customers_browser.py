"""The customer list and the 360° page in a real browser, on a phone-sized screen:
search, open a customer, add a contact — nothing wider than the screen."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from tests.support.browser import sign_in
from tradepost.audit.models import AuditEntry
from tradepost.customers import services
from tradepost.customers.models import Customer

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def customers(run_db, platform_workspaces):
    """Two committed customers in alpha; removed (with what the test added) afterwards."""
    alpha = platform_workspaces["alpha"]

    def create():
        with schema_context(alpha.schema):
            owner = alpha.owner()
            last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            made = [
                services.customer_create(
                    actor=owner,
                    name="杭州明达贸易有限公司 Hangzhou Mingda Trading",
                    code="E2E-1",
                    channel="dealer",
                    tags=["VIP"],
                    phone="0571-8888 0001",
                ),
                services.customer_create(actor=owner, name="Beijing Jinghua 京华", code="E2E-2"),
            ]
            return [c.pk for c in made], last

    ids, last_audit = run_db(create)

    def remove():
        with schema_context(alpha.schema):
            Customer.objects.filter(pk__in=ids).delete()
            AuditEntry.objects.filter(pk__gt=last_audit).delete()

    yield ids
    run_db(remove)


def test_a_phone_user_finds_a_customer_and_adds_a_contact(
    browser, web_server, platform_workspaces, customers
):
    alpha = platform_workspaces["alpha"]
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, web_server, alpha)

        page.locator("label.nav-toggle-label").click()
        page.locator("nav.mainnav").get_by_role("link", name="Customers").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Customers")
        # On a phone the filter panel starts folded, so the rows come first.
        list_search = page.locator("form.filters input[name=q]")
        expect(list_search).to_be_hidden()
        page.locator(".filter-panel > summary").click()
        list_search.fill("明达")
        page.get_by_role("button", name="Filter").click()
        rows = page.locator("table.list tbody tr")
        expect(rows).to_have_count(1)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        # On a phone each row is a card whose cells carry their own labels.
        assert (
            page.locator("table.list td").first.evaluate("cell => getComputedStyle(cell).display")
            == "flex"
        )

        rows.get_by_role(
            "link", name="杭州明达贸易有限公司 Hangzhou Mingda Trading", exact=True
        ).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("杭州明达")
        page.get_by_text("Add a contact").click()
        contacts = page.locator("section[aria-labelledby=contacts-title]")
        contacts.get_by_label("Name", exact=True).fill("王建国 Wang Jianguo")
        contacts.get_by_label("Mobile").fill("13805710001")
        contacts.get_by_label("Primary contact").check()
        contacts.get_by_role("button", name="Add contact").click()
        expect(page.locator(".message.success")).to_have_text("Contact added.")
        expect(contacts).to_contain_text("王建国 Wang Jianguo")
        expect(contacts).to_contain_text("Primary")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()
