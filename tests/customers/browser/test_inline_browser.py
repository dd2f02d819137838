"""Changing a customer's credit limit in place on the list, in a real browser at
1440×900: the pencil opens a small form in the cell without widening the table; a bad
amount comes back in the cell with its error and saves nothing; a good one shows in
the cell grouped (50,000.00) and is still there after a reload — in English and in
Chinese."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from tests.support.browser import sign_in
from tradepost.audit.models import AuditEntry
from tradepost.customers import services
from tradepost.customers.models import Customer

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1440, "height": 900}
CODE = "E2E-INL-1"


@pytest.fixture
def customer_id(run_db, platform_workspaces):
    """A committed customer in alpha with a credit limit of 10,000 and long texts in
    its other columns; removed afterwards."""
    alpha = platform_workspaces["alpha"]

    def create():
        with schema_context(alpha.schema):
            last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            customer = services.customer_create(
                actor=alpha.owner(),
                # Long texts fill every column, as a busy list does.
                name="E2E 杭州信达国际贸易有限公司 Hangzhou Xinda International Trading",
                code=CODE,
                channel="dealer",
                tags=["华东重点 East China key account", "VIP"],
                phone="0571-8888 0001",
                credit_limit=Decimal("10000"),
            )
            return customer.pk, last

    pk, last_audit = run_db(create)

    def remove():
        with schema_context(alpha.schema):
            Customer.objects.filter(pk=pk).delete()
            AuditEntry.objects.filter(pk__gt=last_audit).delete()

    yield pk
    run_db(remove)


def _stored_limit(run_db, alpha, pk: int) -> Decimal:
    def read():
        with schema_context(alpha.schema):
            return Customer.objects.get(pk=pk).credit_limit

    return run_db(read)


DENSE_CELL_PX = 11 * 16  # a dense list's widest cell (11rem), tradepost.css


def _table_keeps_its_layout(page, cell) -> None:
    """The cell's form is no wider than a dense list's cell, the window does not
    scroll sideways and the last column is still inside the list's card."""
    form = cell.locator("form").bounding_box()
    assert form["width"] <= DENSE_CELL_PX + 1
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    table = page.locator("table.list").bounding_box()
    last_header = page.locator("table.list thead th").last.bounding_box()
    assert last_header["x"] + last_header["width"] <= table["x"] + table["width"] + 1


@pytest.mark.parametrize(
    ("language", "amount", "shown"),
    [("en", "50000", "50,000.00"), ("zh-hans", "75000.5", "75,000.50")],
)
def test_a_credit_limit_changed_in_place(
    browser, web_server, platform_workspaces, customer_id, run_db, language, amount, shown
):
    alpha = platform_workspaces["alpha"]
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    try:
        sign_in(page, web_server, alpha)
        context.add_cookies(
            [
                {
                    "name": "django_language",
                    "value": language,
                    "url": web_server.workspace_url(alpha.slug, "/"),
                }
            ]
        )
        page.goto(web_server.workspace_url(alpha.slug, f"/customers/?q={CODE}"))
        row = page.locator("table.list tbody tr", has_text=CODE)
        cell = row.locator("td.num")  # the credit limit
        expect(cell).to_contain_text("10,000.00")

        cell.locator("a[data-inline]").click()
        field = cell.locator("input[name=credit_limit]")
        expect(field).to_be_visible()
        _table_keeps_its_layout(page, cell)

        # A bad amount: the error in the cell, the form still open, nothing saved.
        field.fill("-5")
        cell.locator("button[type=submit]").click()
        expect(cell.locator("[role=alert]")).to_be_visible()
        expect(cell.locator("input[name=credit_limit]")).to_be_visible()
        _table_keeps_its_layout(page, cell)
        assert _stored_limit(run_db, alpha, customer_id) == Decimal("10000.00")

        # A good one: the cell shows it grouped, and so does the page reloaded.
        cell.locator("input[name=credit_limit]").fill(amount)
        cell.locator("button[type=submit]").click()
        expect(cell.locator("form")).to_have_count(0)
        expect(cell).to_contain_text(shown)
        assert _stored_limit(run_db, alpha, customer_id) == Decimal(amount)
        page.reload()
        expect(
            page.locator("table.list tbody tr", has_text=CODE).locator("td .amount")
        ).to_contain_text(shown)
    finally:
        context.close()
