"""The owner confirms the e-mail address before inviting, creating API keys or webhooks."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import schema_context

from api.models import ApiKey
from api.webhooks.models import WebhookEndpoint
from billing.routing import routing_changed
from tenants import verification
from tenants.models import Tenant
from tradepost.accounts.models import Invitation


@pytest.fixture
def unverified(alpha):
    Tenant.objects.filter(pk=alpha.tenant.pk).update(owner_verified_at=None)
    alpha.tenant.owner_verified_at = None
    return alpha


def _link_path(message) -> str:
    return re.search(r"http://alpha\.localhost:8000(/accounts/verify/\S+/)", message.body)[1]


def test_sign_up_e_mails_the_owner_a_confirmation_link(
    public_client, django_capture_on_commit_callbacks
):
    from tests.conftest import PASSWORD

    with django_capture_on_commit_callbacks(execute=True):
        response = public_client.post(
            "/signup/",
            {
                "company_name": "Delta",
                "slug": "delta",
                "owner_email": "boss@delta.test",
                "password": PASSWORD,
            },
        )
    assert response.status_code == 302

    [message] = [m for m in mail.outbox if m.to == ["boss@delta.test"]]
    assert "Confirm your e-mail address" in message.subject
    assert re.search(r"http://delta\.localhost:8000/accounts/verify/\S+/", message.body)
    assert Tenant.objects.get(slug="delta").owner_verified_at is None


def test_an_unconfirmed_owner_cannot_invite_and_nothing_is_sent(unverified):
    client = unverified.client(unverified.owner())

    response = client.post("/accounts/users/", {"email": "x@example.com", "role": "salesperson"})

    assert response.status_code == 400
    assert "Confirm your e-mail address first" in response.content.decode()
    with schema_context(unverified.schema):
        assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_an_unconfirmed_owner_cannot_create_api_keys_or_webhooks(unverified):
    client = unverified.client(unverified.owner())

    key = client.post(
        "/api/v1/api-keys/",
        {"name": "erp", "role": "salesperson"},
        content_type="application/json",
    )
    hook = client.post(
        "/api/v1/webhook-endpoints/",
        {"url": "https://hooks.example.com/x", "event_types": ["user.invited"]},
        content_type="application/json",
    )
    page = client.post("/settings/api-keys/", {"name": "erp", "role": "salesperson"})

    assert key.status_code == 400, key.content
    assert "Confirm your e-mail address first" in key.json()["message"] + str(key.json())
    assert hook.status_code == 400, hook.content
    assert page.status_code in (200, 400)
    assert "Confirm your e-mail address first" in page.content.decode()
    with schema_context(unverified.schema):
        assert not ApiKey.objects.exists()
        assert not WebhookEndpoint.objects.exists()


def test_the_workspace_shows_a_banner_until_confirmed(unverified):
    client = unverified.client(unverified.owner())
    assert "Send the link again" in client.get("/").content.decode()

    Tenant.objects.filter(pk=unverified.tenant.pk).update(owner_verified_at=timezone.now())
    routing_changed()  # a queryset update sends no signal: forget the cached routing

    assert "Send the link again" not in client.get("/").content.decode()


def test_the_link_confirms_and_unlocks_invitations(unverified, django_capture_on_commit_callbacks):
    owner_client = unverified.client(unverified.owner())
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post("/accounts/verify/resend/")
    path = _link_path(mail.outbox[-1])

    scanner = unverified.client()  # not signed in: the link needs no session
    response = scanner.get(path)
    assert response.status_code == 200
    assert "E-mail address confirmed" in response.content.decode()
    assert scanner.get("/").status_code == 302  # and it signs nobody in
    assert Tenant.objects.get(pk=unverified.tenant.pk).owner_verified_at is not None

    invited = owner_client.post(
        "/accounts/users/", {"email": "x@example.com", "role": "salesperson"}
    )
    assert invited.status_code == 302


def test_a_link_of_one_workspace_does_not_confirm_another(unverified, beta):
    Tenant.objects.filter(pk=beta.tenant.pk).update(owner_verified_at=None)
    token = verification.verification_token(unverified.tenant)

    assert beta.client().get(f"/accounts/verify/{token}/").status_code == 400
    assert Tenant.objects.get(pk=beta.tenant.pk).owner_verified_at is None


@pytest.mark.parametrize("token", ["garbage", "a" * 300, "eyJ0IjoxfQ:1abc:def"])
def test_a_bad_or_forged_token_is_refused(unverified, token):
    assert unverified.client().get(f"/accounts/verify/{token}/").status_code == 400
    assert Tenant.objects.get(pk=unverified.tenant.pk).owner_verified_at is None


def test_an_expired_link_is_refused(unverified, settings):
    token = verification.verification_token(unverified.tenant)
    settings.OWNER_VERIFICATION_DAYS = -1

    assert unverified.client().get(f"/accounts/verify/{token}/").status_code == 400


def test_a_link_for_a_previous_owner_address_is_refused(unverified):
    token = verification.verification_token(unverified.tenant)
    Tenant.objects.filter(pk=unverified.tenant.pk).update(owner_email="new@alpha.test")

    assert unverified.client().get(f"/accounts/verify/{token}/").status_code == 400


def test_resending_is_limited(unverified, settings, django_capture_on_commit_callbacks):
    settings.OWNER_VERIFICATION_RESENDS_PER_HOUR = 2
    client = unverified.client(unverified.owner())
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(4):
            client.post("/accounts/verify/resend/")

    assert len(mail.outbox) == 2
    assert "Please wait before asking again" in client.get("/").content.decode()


def test_only_administrators_may_ask_for_the_link_again(unverified, make_user):
    rep = make_user(unverified, "salesperson")

    assert unverified.client(rep).post("/accounts/verify/resend/").status_code == 403
    assert unverified.client().post("/accounts/verify/resend/").status_code == 302  # sign-in
    assert unverified.client(rep).get("/accounts/verify/resend/").status_code in (403, 405)
    assert mail.outbox == []
