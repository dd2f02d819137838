"""The billing page, the past-due banner and a read-only workspace, as a person sees
them in a real browser (offline mode: the test settings carry no Stripe keys)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import Subscription
from billing.routing import routing_changed
from tests.support.browser import sign_in

pytestmark = pytest.mark.e2e

STATE = ["status", "past_due_since"]


@pytest.fixture
def alpha_state(run_db, platform_workspaces):
    """Set alpha's subscription (committed, the server sees it); restored afterwards."""
    tenant = platform_workspaces["alpha"].tenant
    before = run_db(lambda: Subscription.objects.filter(tenant=tenant).values(*STATE).get())

    def update(**fields):
        run_db(lambda: Subscription.objects.filter(tenant=tenant).update(**fields))
        routing_changed()  # a queryset update sends no signal: forget the cached routing

    yield update
    update(**before)


def test_the_owner_finds_billing_sees_the_banner_and_a_read_only_refusal(
    page, web_server, platform_workspaces, alpha_state
):
    alpha = platform_workspaces["alpha"]
    sign_in(page, web_server, alpha)

    page.locator("nav.mainnav").get_by_text("Settings").click()  # the administration menu
    page.locator("nav.mainnav").get_by_role("link", name="Billing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Billing")
    expect(page.locator("#billing-plan")).to_contain_text("Pro")
    expect(page.locator("#billing-offline")).to_contain_text("Online payments are not connected")
    expect(page.locator("#billing-usage")).to_contain_text("Users")

    alpha_state(status="past_due", past_due_since=timezone.now() - timedelta(days=1))
    page.goto(web_server.workspace_url(alpha.slug, "/accounts/users/"))
    expect(page.locator(".billing-banner")).to_contain_text("A payment is overdue")

    alpha_state(status="canceled", past_due_since=None)
    page.goto(web_server.workspace_url(alpha.slug, "/accounts/users/"))
    page.get_by_label("E-mail").fill("zhao@example.com")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This change was not saved")
    expect(page.locator("main")).to_contain_text("subscription has lapsed")
    page.get_by_role("link", name="Choose a plan").click()
    page.wait_for_url(web_server.workspace_url(alpha.slug, "/billing/"))
