"""The profitability page in a real browser: on a 1440 px screen the table and its
columns fit without sideways scrolling; on a 390 px phone each row is a card, nothing
wider than the screen, and the breakdown switch and the files are within reach."""

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
from tradepost.customers import services as customer_services
from tradepost.customers.models import Customer
from tradepost.masterdata import services as md
from tradepost.masterdata.models import Branch
from tradepost.settlement import invoices
from tradepost.settlement.profitability import month_of

pytestmark = pytest.mark.e2e

BRANCH = "华东分公司 East China Branch (E2E)"


@pytest.fixture
def credited_customer(run_db, platform_workspaces):
    """A committed customer of a committed branch in alpha with an issued credit note
    of 113.00 (100.00 net) this month; removed afterwards."""
    alpha = platform_workspaces["alpha"]

    def create():
        with schema_context(alpha.schema):
            owner = alpha.owner()
            last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            branch = md.tree_node_create(actor=owner, model=Branch, name=BRANCH, code="E2E-PF")
            customer = customer_services.customer_create(
                actor=owner, name="明达贸易 Profit E2E", code="E2E-PF-1", branch=branch
            )
            note = invoices.credit_note_create(
                actor=owner,
                customer=customer,
                amount=Decimal("113.00"),
                tax_rate=Decimal("13"),
                reason="Goodwill 补偿",
            )
            invoices.invoice_issue(actor=owner, invoice=note)
            return customer.pk, branch.pk, last

    customer_id, branch_id, last_audit = run_db(create)

    def remove():
        with schema_context(alpha.schema):
            settlement_rows_delete([customer_id])
            Customer.objects.filter(pk=customer_id).delete()
            Branch.objects.filter(pk=branch_id).delete()
            AuditEntry.objects.filter(pk__gt=last_audit).delete()

    yield customer_id
    run_db(remove)


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("width", [1440, 390])
def test_the_table_fits_the_screen(
    browser, web_server, platform_workspaces, credited_customer, width
):
    alpha = platform_workspaces["alpha"]
    phone = width < 500
    context = browser.new_context(
        viewport={"width": width, "height": 900}, is_mobile=phone, has_touch=phone
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        sign_in(page, web_server, alpha)
        page.goto(web_server.workspace_url(alpha.slug, "/finance/profitability/"))
        table = page.locator("table.profitability")
        expect(table).to_contain_text(BRANCH)
        expect(table).to_contain_text("-100.00")
        expect(page.get_by_role("link", name="Excel")).to_be_visible()
        start, end = month_of(timezone.localdate())
        expect(page.get_by_label("From")).to_have_value(start.isoformat())
        expect(page.get_by_label("To")).to_have_value(end.isoformat())
        expect(page.get_by_role("link", name="Product line")).to_be_visible()
        assert _page_width(page) <= width
        if phone:
            # A row is a card: each figure labelled, one under the other.
            row = table.locator("tbody tr").first
            expect(row.locator('td[data-label="Net contribution"]')).to_be_visible()
        else:
            box = table.bounding_box()
            assert box is not None and box["width"] <= width
            # The header row sits above the first row, not over it.
            header = table.locator("thead").bounding_box()
            first = table.locator("tbody tr").first.bounding_box()
            assert header is not None and first is not None
            assert header["y"] + header["height"] <= first["y"] + 1
        page.get_by_role("link", name="Product line").click()
        expect(table).to_contain_text("Unassigned")
        assert _page_width(page) <= width
    finally:
        context.close()
