"""Sales targets in a real browser: set a company target and adjust it on a desktop
(1440 px), then read the list on a phone (390 px) — nothing wider than the screen."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from tests.e2e.conftest import TIMEOUT_MS
from tests.support.browser import sign_in
from tradepost.audit.models import AuditEntry
from tradepost.plans.models import SalesTarget, TargetAdjustment

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def no_targets_left(run_db, platform_workspaces):
    """Alpha's targets, adjustments and their audit entries as they were, afterwards."""
    alpha = platform_workspaces["alpha"]

    def mark():
        with schema_context(alpha.schema):
            last_audit = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
            last_target = SalesTarget.objects.order_by("-pk").values_list("pk", flat=True).first()
            return last_audit or 0, last_target or 0

    last_audit, last_target = run_db(mark)

    def remove():
        with schema_context(alpha.schema):
            made = SalesTarget.objects.filter(pk__gt=last_target)
            TargetAdjustment.objects.filter(target__in=made).delete()
            made.delete()
            AuditEntry.objects.filter(pk__gt=last_audit).delete()

    yield
    run_db(remove)


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_set_adjust_and_read_targets_on_a_desktop_and_a_phone(
    browser, web_server, platform_workspaces, no_targets_left
):
    alpha = platform_workspaces["alpha"]
    desktop = browser.new_context(viewport=DESKTOP)
    desktop.set_default_timeout(TIMEOUT_MS)
    page = desktop.new_page()
    try:
        sign_in(page, web_server, alpha)
        page.goto(web_server.workspace_url(alpha.slug, "/plans/targets/new/"))
        page.get_by_label("Period").fill("2031-12")
        page.get_by_label("Target for").select_option("company")
        page.get_by_label("Target amount").fill("250000")
        page.get_by_role("button", name="Set target").click()
        expect(page.locator(".message.success")).to_contain_text("Target set")
        expect(page.get_by_role("heading", level=1)).to_contain_text("2031-12")
        page.get_by_label("New target amount").fill("260000")
        page.get_by_label("Reason").fill("Two new stores")
        page.get_by_role("button", name="Save adjustment").click()
        expect(page.locator(".message.success")).to_contain_text("Target adjusted")
        expect(page.locator("main")).to_contain_text("250,000.00 → 260,000.00")
        expect(page.locator("main")).to_contain_text("Two new stores")
        _fits(page, DESKTOP["width"])
        page.goto(web_server.workspace_url(alpha.slug, "/plans/targets/"))
        expect(page.locator("table.list")).to_contain_text("260,000.00")
        expect(page.locator("table.list meter")).to_have_count(1)
        _fits(page, DESKTOP["width"])
    finally:
        desktop.close()

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone.set_default_timeout(TIMEOUT_MS)
    page = phone.new_page()
    try:
        sign_in(page, web_server, alpha)
        page.goto(web_server.workspace_url(alpha.slug, "/plans/targets/"))
        expect(page.locator("table.list")).to_contain_text("2031-12")
        _fits(page, PHONE["width"])
        page.get_by_role("link", name="2031-12").click()
        expect(page.locator("main")).to_contain_text("Two new stores")
        _fits(page, PHONE["width"])
    finally:
        phone.close()
