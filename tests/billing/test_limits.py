"""Plan limits hold in the services: the browser and the API refuse alike, with the
limit's name and the way to upgrade; nothing is written."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from api.throttling import tenant_rates
from billing import access
from billing.access import PlanLimitReached, limit_check, register_usage_counter
from tests.support.cache import clear_cache
from tradepost.accounts import services as accounts
from tradepost.accounts.models import Invitation, User

LIMIT_TEXT = "Your Free plan allows 3 users"
UPGRADE_TEXT = "upgrade the plan on the Billing page (/billing/)"


@pytest.fixture
def on_free(alpha, set_subscription, plans, make_user):
    """alpha on the Free plan (3 users) with 3 people already."""
    set_subscription(alpha, plan="free", status="active")
    make_user(alpha, "salesperson")
    make_user(alpha, "sales_manager")
    return alpha


def _invitations(workspace) -> int:
    with schema_context(workspace.schema):
        return Invitation.objects.count()


def test_the_user_over_the_limit_is_refused_in_the_browser(on_free):
    response = on_free.client(on_free.owner()).post(
        "/accounts/users/", {"email": "fourth@example.com", "role": "salesperson"}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert LIMIT_TEXT in page and UPGRADE_TEXT in page
    assert _invitations(on_free) == 0


def test_the_user_over_the_limit_is_refused_through_the_api(on_free, api_key, api_client):
    response = api_client(on_free, api_key(on_free)).post(
        "/api/v1/invitations/",
        json.dumps({"email": "fourth@example.com", "role": "salesperson"}),
        content_type="application/json",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "plan_limit_reached"
    assert LIMIT_TEXT in body["message"] and UPGRADE_TEXT in body["message"]
    assert _invitations(on_free) == 0


def test_open_invitations_hold_seats(alpha, set_subscription, plans):
    set_subscription(alpha, plan="free", status="active")
    with schema_context(alpha.schema):
        owner = User.objects.get(email=alpha.owner_email)
        accounts.invitation_create(actor=owner, email="a@example.com", role="salesperson")
        accounts.invitation_create(actor=owner, email="b@example.com", role="salesperson")
        with pytest.raises(PlanLimitReached, match="has 3"):
            accounts.invitation_create(actor=owner, email="c@example.com", role="salesperson")


def test_an_invitation_cannot_be_accepted_after_a_downgrade_left_no_seat(
    alpha, set_subscription, plans, make_user
):
    with schema_context(alpha.schema):
        owner = User.objects.get(email=alpha.owner_email)
        invitation = accounts.invitation_create(
            actor=owner, email="late@example.com", role="dealer"
        )
        token = accounts.invitation_issue_token(invitation=invitation)
    make_user(alpha, "salesperson")
    make_user(alpha, "executive")
    set_subscription(alpha, plan="free", status="active")

    response = alpha.client().post(
        f"/accounts/invitations/{token}/",
        {
            "full_name": "Late Comer",
            "password": "Another-Sturdy-2026",
            "password_confirm": "Another-Sturdy-2026",
        },
    )

    assert response.status_code == 400
    assert LIMIT_TEXT in response.content.decode()
    with schema_context(alpha.schema):
        assert not User.objects.filter(email="late@example.com").exists()


def test_reactivating_a_user_counts_against_the_limit(on_free, make_user):
    extra = make_user(on_free, "dealer")
    with schema_context(on_free.schema):
        User.objects.filter(pk=extra.pk).update(is_active=False)

    response = on_free.client(on_free.owner()).post(
        f"/accounts/users/{extra.pk}/active/", {"active": "1"}, follow=True
    )

    assert LIMIT_TEXT in response.content.decode()
    with schema_context(on_free.schema):
        assert not User.objects.get(pk=extra.pk).is_active


def test_the_orders_limit_uses_the_counter_the_sales_module_registers(
    alpha, set_subscription, plans
):
    set_subscription(alpha, plan="free", status="active")  # 100 orders a month
    registered = access._USAGE_COUNTERS.get("orders_per_month")
    register_usage_counter("orders_per_month", lambda: 100)
    try:
        with schema_context(alpha.schema), pytest.raises(PlanLimitReached) as refused:
            limit_check(limit="orders_per_month")
        assert "allows 100 orders a month" in refused.value.messages[0]
        with schema_context(alpha.schema):
            limit_check(limit="orders_per_month", used=99)  # a caller's own count works too
    finally:
        if registered is not None:  # the sales module's own counter, put back
            register_usage_counter("orders_per_month", registered)


def test_an_expired_trial_falls_back_to_the_free_plans_limits(
    alpha, set_subscription, plans, make_user
):
    set_subscription(alpha, trial_ends_at=timezone.now() - timedelta(minutes=1))
    make_user(alpha, "salesperson")
    make_user(alpha, "executive")

    response = alpha.client(alpha.owner()).post(
        "/accounts/users/", {"email": "fourth@example.com", "role": "salesperson"}
    )

    assert response.status_code == 400
    assert LIMIT_TEXT in response.content.decode()


def test_api_calls_per_day_come_from_the_plan(
    alpha, beta, set_subscription, plans, api_key, api_client
):
    plans["free"].api_calls_per_day = 3
    plans["free"].save()
    set_subscription(alpha, plan="free", status="active")
    clear_cache()
    client = api_client(alpha, api_key(alpha))

    statuses = [client.get("/api/v1/me/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/v1/me/")
    assert refused.json()["code"] == "throttled"
    assert "3 API calls a day" in refused.json()["message"]
    assert "/billing/" in refused.json()["message"]
    assert int(refused["Retry-After"]) > 0
    assert api_client(beta, api_key(beta)).get("/api/v1/me/").status_code == 200  # Pro trial
    with schema_context(alpha.schema):
        assert tenant_rates()["workspace_daily"] == "3/day"
    with schema_context(beta.schema):
        assert tenant_rates()["workspace_daily"] == "100000/day"
    clear_cache()
