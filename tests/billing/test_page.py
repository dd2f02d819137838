"""The workspace's billing page: plan, status, usage against limits, invoices and
the next charge; offline mode says payments are not connected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from billing.models import Plan
from tests.billing.conftest import subscription_of
from tests.support.cache import clear_cache
from tests.support.queries import assert_list_queries


def test_a_new_workspace_is_on_a_trial_of_the_pro_plan(alpha, plans):
    sub = subscription_of(alpha)

    assert (sub.status, sub.plan.code) == ("trialing", "pro")
    assert abs(sub.trial_ends_at - alpha.tenant.activated_at - timedelta(days=14)) < timedelta(
        minutes=1
    )


def test_the_page_shows_plan_trial_and_usage_against_limits(
    alpha, stripe_fake, make_user, api_key, api_client
):
    make_user(alpha, "salesperson")
    clear_cache()
    api = api_client(alpha, api_key(alpha))
    for _ in range(3):
        api.get("/api/v1/me/")

    response = alpha.client(alpha.owner()).get("/billing/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="billing-plan">Pro' in page
    assert "Trial" in page and "Trial ends" in page
    usage = {row.label: (row.used, row.allowed) for row in response.context["overview"].usage}
    assert usage == {
        "Users": (2, 50),
        "Orders this month": (0, 10000),
        "API calls today": (3, 100000),
        "Storage (MB)": (0, 51200),
    }
    assert "Choose plan" in page
    assert "Manage billing" not in page  # no Stripe customer yet
    assert "No invoices yet" in page
    clear_cache()


def test_the_page_lists_invoices_from_stripe_and_the_next_charge(
    alpha, stripe_fake, set_subscription
):
    end = datetime(2027, 1, 15, tzinfo=UTC)
    set_subscription(
        alpha,
        status="active",
        plan="starter",
        interval="year",
        stripe_customer_id="cus_a",
        stripe_subscription_id="sub_a",
        stripe_item_id="si_a",
        current_period_end=end,
    )
    stripe_fake.invoices["cus_a"] = [
        {
            "id": "in_1",
            "object": "invoice",
            "number": "TP-0001",
            "created": 1_790_000_000,
            "total": 29000,
            "currency": "usd",
            "status": "paid",
            "hosted_invoice_url": "https://invoice.stripe.test/i/1",
            "invoice_pdf": "https://invoice.stripe.test/i/1.pdf",
        },
    ]

    page = alpha.client(alpha.owner()).get("/billing/").content.decode()

    assert "TP-0001" in page and "USD 290.00" in page
    assert "https://invoice.stripe.test/i/1.pdf" in page
    assert 'id="billing-next-charge">USD 290.00 on 15 January 2027' in page
    assert "Manage billing" in page
    [listing] = stripe_fake.gets("/v1/invoices")
    assert listing.params["customer"] == "cus_a"


def test_when_stripe_cannot_list_invoices_the_page_still_renders(
    alpha, stripe_fake, set_subscription
):
    set_subscription(alpha, stripe_customer_id="cus_a")
    stripe_fake.fail_with = 500

    response = alpha.client(alpha.owner()).get("/billing/")

    assert response.status_code == 200
    assert "Invoices could not be loaded from Stripe" in response.content.decode()


def test_offline_the_page_says_payments_are_not_connected(alpha, offline):
    page = alpha.client(alpha.owner()).get("/billing/").content.decode()

    assert "Online payments are not connected" in page
    assert "Plans are assigned by the platform operator" in page
    assert "Choose plan" not in page and "Manage billing" not in page
    assert "No invoices: payments are not connected" in page


def test_each_workspace_sees_only_its_own_billing(alpha, beta, stripe_fake, set_subscription):
    set_subscription(alpha, status="active", plan="starter", stripe_customer_id="cus_alpha")
    stripe_fake.invoices["cus_alpha"] = [
        {
            "id": "in_a",
            "number": "ALPHA-1",
            "created": 1_790_000_000,
            "total": 2900,
            "currency": "usd",
            "status": "paid",
        },
    ]

    page = beta.client(beta.owner()).get("/billing/").content.decode()

    assert 'id="billing-plan">Pro' in page and "ALPHA-1" not in page
    assert stripe_fake.gets("/v1/invoices") == []  # beta has no customer: nothing asked
    # alpha's session means nothing on beta's domain
    assert beta.client(alpha.owner()).get("/billing/").status_code == 302


def test_the_billing_menu_entry_is_for_administrators(alpha, make_user, plans):
    owner_page = alpha.client(alpha.owner()).get("/").content.decode()
    rep_page = alpha.client(make_user(alpha, "salesperson")).get("/").content.decode()

    assert 'href="/billing/"' in owner_page
    assert 'href="/billing/"' not in rep_page


def test_the_page_takes_the_same_queries_for_few_plans_and_many(alpha, offline):
    client = alpha.client(alpha.owner())

    def grow():
        for n in range(6):
            Plan.objects.create(code=f"extra{n}", name=f"Extra {n}", sort=50 + n)
        client.get("/billing/")  # a plan change is a routing change: the host is re-read once

    page = assert_list_queries(lambda: client.get("/billing/"), grow, queries=10)

    assert "Extra 5" in page.content.decode()


def test_an_expired_trial_shows_the_free_plan(alpha, set_subscription, offline):
    set_subscription(alpha, trial_ends_at=timezone.now() - timedelta(days=1))

    page = alpha.client(alpha.owner()).get("/billing/").content.decode()

    assert 'id="billing-plan">Free' in page and "your trial has ended" in page
