"""Subscription states gate the workspace: trial and active work, past due warns for a
grace period, then (and when unpaid or canceled) the workspace is read-only."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.access import WorkspaceReadOnly
from tradepost.accounts import services as accounts
from tradepost.accounts.models import Invitation, User

READ_ONLY_TEXT = "read-only because its subscription has lapsed"


def _invitations(workspace) -> int:
    with schema_context(workspace.schema):
        return Invitation.objects.count()


def _invite(client):
    return client.post("/accounts/users/", {"email": "new@example.com", "role": "salesperson"})


@pytest.fixture
def lapsed(alpha, set_subscription, plans):
    def lapse(status="canceled", **fields):
        return set_subscription(alpha, status=status, **fields)

    return lapse


@pytest.mark.parametrize("status", ["trialing", "active"])
def test_trial_and_active_workspaces_work_without_a_banner(alpha, set_subscription, plans, status):
    set_subscription(alpha, status=status)
    client = alpha.client(alpha.owner())

    assert _invite(client).status_code == 302
    assert "billing-banner" not in client.get("/").content.decode()


def test_past_due_within_the_grace_period_shows_a_banner_and_keeps_working(alpha, lapsed):
    lapsed("past_due", past_due_since=timezone.now() - timedelta(days=2))
    client = alpha.client(alpha.owner())

    page = client.get("/accounts/users/").content.decode()
    assert "billing-banner" in page
    assert "A payment is overdue" in page
    assert _invite(client).status_code == 302
    assert _invitations(alpha) == 1


@pytest.mark.parametrize(
    "state",
    [
        {"status": "past_due", "past_due_since": timezone.now() - timedelta(days=8)},
        {"status": "unpaid"},
        {"status": "canceled"},
        {"status": "paused"},
    ],
)
def test_a_lapsed_workspace_refuses_writes_in_the_browser_with_the_reason(alpha, lapsed, state):
    lapsed(**state)
    client = alpha.client(alpha.owner())

    response = _invite(client)

    assert response.status_code == 403
    assert READ_ONLY_TEXT in response.content.decode()
    assert "/billing/" in response.content.decode()
    assert _invitations(alpha) == 0


def test_a_lapsed_workspace_refuses_api_writes_with_its_own_error_code(
    alpha, lapsed, api_key, api_client
):
    client = api_client(alpha, api_key(alpha))
    lapsed("unpaid")

    response = client.post(
        "/api/v1/invitations/",
        json.dumps({"email": "new@example.com", "role": "salesperson"}),
        content_type="application/json",
    )

    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "workspace_read_only"
    assert READ_ONLY_TEXT in body["message"]
    assert _invitations(alpha) == 0
    assert client.get("/api/v1/users/").status_code == 200  # reading works


def test_reading_signing_out_and_billing_still_work_when_read_only(alpha, lapsed, stripe_fake):
    lapsed("canceled", stripe_customer_id="cus_a")
    client = alpha.client(alpha.owner())

    assert client.get("/").status_code == 200
    users = client.get("/accounts/users/")
    assert users.status_code == 200
    assert READ_ONLY_TEXT in users.content.decode()  # the banner
    assert client.get("/billing/").status_code == 200
    assert client.post("/billing/portal/", {"client_key": "k-12345678"}).status_code == 302
    checkout = client.post("/billing/checkout/", {"plan": "pro", "interval": "month"})
    assert checkout.status_code == 302 and "checkout.stripe.test" in checkout["Location"]
    assert client.post("/accounts/logout/").status_code == 302


def test_the_service_refuses_too_so_no_other_door_writes(alpha, lapsed):
    lapsed("canceled")
    with schema_context(alpha.schema):
        owner = User.objects.get(email=alpha.owner_email)
        with pytest.raises(WorkspaceReadOnly):
            accounts.invitation_create(actor=owner, email="cli@example.com", role="salesperson")
        assert Invitation.objects.count() == 0


def test_billing_never_deletes_data(alpha, lapsed, make_user):
    make_user(alpha, "salesperson")
    lapsed("canceled")

    alpha.client(alpha.owner()).get("/accounts/users/")

    with schema_context(alpha.schema):
        assert User.objects.count() == 2


def test_another_workspace_is_not_affected(alpha, beta, lapsed):
    lapsed("canceled")

    assert _invite(beta.client(beta.owner())).status_code == 302
    assert _invitations(beta) == 1
