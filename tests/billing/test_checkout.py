"""Checkout, the Customer Portal and the lazily created Stripe customer, through the
real SDK against the local fake."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from billing import services
from billing.models import Subscription
from tests.billing.conftest import subscription_of
from tradepost.audit.models import AuditEntry


def _choose(client, plan="starter", interval="month", key="page-key-0001"):
    return client.post(
        "/billing/checkout/", {"plan": plan, "interval": interval, "client_key": key}
    )


def test_choosing_a_plan_sends_the_owner_to_stripe_checkout(alpha, stripe_fake):
    response = _choose(alpha.client(alpha.owner()), plan="pro", interval="year")

    assert response.status_code == 302
    [session] = stripe_fake.checkout_sessions.values()
    assert response["Location"] == session["url"]
    params = session["params"]
    assert params["mode"] == "subscription"
    assert params["line_items[0][price]"] == "price_pro_year"
    assert params["client_reference_id"] == str(alpha.tenant.pk)
    assert params["subscription_data[metadata][tenant_id]"] == str(alpha.tenant.pk)
    assert params["success_url"] == "http://alpha.localhost/billing/?checkout=success"
    # the customer was created on the way, once, and mapped to the workspace
    [customer] = stripe_fake.customers.values()
    assert params["customer"] == customer["id"]
    assert customer["email"] == alpha.owner_email
    assert subscription_of(alpha).stripe_customer_id == customer["id"]
    with schema_context(alpha.schema):
        assert AuditEntry.objects.filter(action="billing.checkout_started").count() == 1


def test_every_write_to_stripe_carries_an_idempotency_key(alpha, stripe_fake, set_subscription):
    client = alpha.client(alpha.owner())
    _choose(client)
    client.post("/billing/portal/", {"client_key": "page-key-0002"})

    posts = stripe_fake.posts()
    assert {r.path for r in posts} == {
        "/v1/customers",
        "/v1/checkout/sessions",
        "/v1/billing_portal/sessions",
    }
    assert all(r.headers.get("idempotency-key") for r in posts)
    assert len({r.headers["idempotency-key"] for r in posts}) == len(posts)


def test_a_double_click_opens_one_checkout_session_and_one_customer(alpha, stripe_fake):
    client = alpha.client(alpha.owner())

    first, second = _choose(client), _choose(client)

    assert first["Location"] == second["Location"]
    assert len(stripe_fake.checkout_sessions) == 1
    assert len(stripe_fake.customers) == 1


def test_two_first_checkouts_at_once_create_one_customer(
    platform_workspaces, stripe_online, django_db_blocker
):
    """Real concurrent requests on their own connections: the fixed idempotency key
    gives both the same customer, and the conditional update maps it once."""
    outcomes: list[object] = []
    barrier = threading.Barrier(2)

    def first_checkout(tenant):
        barrier.wait()
        try:
            outcomes.append(services.customer_ensure(tenant=tenant))
        except Exception as exc:  # noqa: BLE001 - asserted below
            outcomes.append(exc)
        finally:
            connection.close()

    with django_db_blocker.unblock():
        tenant = platform_workspaces["alpha"].tenant
        threads = [threading.Thread(target=first_checkout, args=(tenant,)) for _ in range(2)]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            assert len(set(outcomes)) == 1 and isinstance(outcomes[0], str), outcomes
            assert len(stripe_online.customers) == 1
            assert Subscription.objects.get(tenant=tenant).stripe_customer_id == outcomes[0]
        finally:
            Subscription.objects.filter(tenant=tenant).update(stripe_customer_id="")


def test_with_a_live_subscription_a_plan_change_opens_the_portal_confirmation(
    alpha, stripe_fake, set_subscription
):
    set_subscription(
        alpha,
        status="active",
        plan="starter",
        stripe_customer_id="cus_a",
        stripe_subscription_id="sub_a",
        stripe_item_id="si_a",
    )

    response = _choose(alpha.client(alpha.owner()), plan="pro")

    [session] = stripe_fake.portal_sessions.values()
    assert response["Location"] == session["url"]
    params = session["params"]
    assert params["flow_data[type]"] == "subscription_update_confirm"
    assert params["flow_data[subscription_update_confirm][subscription]"] == "sub_a"
    assert params["flow_data[subscription_update_confirm][items][0][id]"] == "si_a"
    assert params["flow_data[subscription_update_confirm][items][0][price]"] == "price_pro_month"
    assert not stripe_fake.checkout_sessions and not stripe_fake.customers


def test_manage_billing_opens_the_customer_portal(alpha, stripe_fake, set_subscription):
    set_subscription(alpha, stripe_customer_id="cus_a")

    response = alpha.client(alpha.owner()).post("/billing/portal/", {"client_key": "k-12345678"})

    [session] = stripe_fake.portal_sessions.values()
    assert response["Location"] == session["url"]
    assert session["params"]["customer"] == "cus_a"
    assert session["params"]["return_url"] == "http://alpha.localhost/billing/"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"plan": "gold", "interval": "month"}, "Choose one of the listed plans"),
        ({"plan": "free", "interval": "month"}, "cannot be bought online"),
        ({"plan": "pro", "interval": "weekly"}, "Choose monthly or yearly"),
    ],
)
def test_bad_choices_are_explained_and_nothing_reaches_stripe(alpha, stripe_fake, data, message):
    response = alpha.client(alpha.owner()).post("/billing/checkout/", data, follow=True)

    assert message in response.content.decode()
    assert stripe_fake.requests == []


def test_when_stripe_is_down_the_page_says_so_instead_of_failing(alpha, stripe_fake):
    stripe_fake.fail_with = 500

    response = _choose(alpha.client(alpha.owner()))

    assert response.status_code == 302
    assert response["Location"] == "/billing/"
    page = alpha.client(alpha.owner()).get("/billing/")
    assert page.status_code == 200
    assert subscription_of(alpha).stripe_customer_id == ""


@pytest.mark.parametrize("role", ["executive", "finance_manager", "salesperson", "dealer"])
def test_only_administrators_reach_billing(alpha, make_user, stripe_fake, role):
    client = alpha.client(make_user(alpha, role))

    assert client.get("/billing/").status_code == 403
    assert _choose(client).status_code == 403
    assert client.post("/billing/portal/").status_code == 403
    assert stripe_fake.requests == []


def test_offline_there_is_no_payment_flow(alpha, offline):
    client = alpha.client(alpha.owner())

    response = client.post("/billing/checkout/", {"plan": "pro", "interval": "month"}, follow=True)

    assert "Online payments are not connected" in response.content.decode()
    assert subscription_of(alpha).stripe_customer_id == ""
