"""Whatever id a caller tries, it only ever reaches its own workspace's rows.

Both workspaces are clones of one template, so their rows share primary keys: an id
that names an object in alpha very likely names a different object in beta too. The
sweep sends beta's administrator key at every detail route for every id alpha uses
(and a few beyond), reading and writing, and checks that nothing of alpha's comes
back and nothing of alpha's changes.
"""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from api.models import ApiKey
from api.webhooks.models import WebhookEndpoint
from tests.support.cache import clear_cache
from tradepost.accounts.models import Invitation, User
from tradepost.audit.models import AuditEntry

DETAIL_ROUTES = {
    "/api/v1/users/{id}/": User,
    "/api/v1/invitations/{id}/": Invitation,
    "/api/v1/api-keys/{id}/": ApiKey,
    "/api/v1/webhook-endpoints/{id}/": WebhookEndpoint,
    "/api/v1/staff/{id}/": User,
    "/api/v1/audit-entries/{id}/": AuditEntry,
}


def _snapshot(workspace) -> dict[str, list[tuple]]:
    with schema_context(workspace.schema):
        return {
            "users": list(
                User.objects.order_by("pk").values_list("pk", "email", "is_active", "updated_at")
            ),
            "invitations": list(
                Invitation.objects.order_by("pk").values_list("pk", "email", "revoked_at")
            ),
            "api_keys": list(ApiKey.objects.order_by("pk").values_list("pk", "name", "revoked_at")),
            "endpoints": list(
                WebhookEndpoint.objects.order_by("pk").values_list("pk", "url", "is_active")
            ),
        }


@pytest.fixture
def alpha_rows(alpha, make_user, api_key):
    for role in ("salesperson", "sales_manager", "executive"):
        make_user(alpha, role, email=f"{role}@alpha-only.test")
    with schema_context(alpha.schema):
        owner = User.objects.get(email=alpha.owner_email)
        from tradepost.accounts.services import invitation_create

        for index in range(3):
            invitation_create(actor=owner, email=f"invitee{index}@alpha-only.test", role="dealer")
        WebhookEndpoint.objects.create(
            url="https://alpha-only.test/hook", event_types=["user.invited"], secret="whsec_alpha"
        )
    for index in range(2):
        api_key(alpha, name=f"alpha-only-{index}")
    return _snapshot(alpha)


def test_beta_never_reads_or_changes_alphas_rows_whatever_the_id(
    alpha, beta, alpha_rows, api_key, api_client, settings
):
    # hundreds of requests in a row: lift the rate limits for this sweep
    settings.API_RATE_PER_CALLER = settings.API_RATE_PER_WORKSPACE = "100000/min"
    clear_cache()
    client = api_client(beta, api_key(beta, name="beta-admin"))
    with schema_context(beta.schema):
        own_key = ApiKey.objects.get(name="beta-admin").pk
    # Every id alpha uses and its neighbours (ids keep growing over a test session, as
    # sequences are not rolled back, so a range from 1 would grow with the suite).
    ids = sorted(
        {row[0] + offset for rows in alpha_rows.values() for row in rows for offset in (-1, 0, 1)}
    )

    for route in DETAIL_ROUTES:
        for object_id in ids:
            read = client.get(route.format(id=object_id))
            assert read.status_code in (200, 404), (route, object_id, read.status_code)
            assert b"alpha-only" not in read.content and b"alpha.test" not in read.content
    for route in DETAIL_ROUTES:  # writes last: they change beta's own rows
        for object_id in ids:
            if route.startswith("/api/v1/api-keys/") and object_id == own_key:
                continue  # revoking the caller's own key would end the sweep
            path = route.format(id=object_id)
            assert (
                client.patch(
                    path, {"is_active": False}, content_type="application/json"
                ).status_code
                < 500
            )
            assert client.delete(path).status_code < 500

    for listing in (
        "/api/v1/users/",
        "/api/v1/invitations/",
        "/api/v1/api-keys/",
        "/api/v1/webhook-endpoints/",
        "/api/v1/staff/",
        "/api/v1/audit-entries/",
    ):
        body = client.get(listing, {"search": "alpha"}).content
        assert b"alpha-only" not in body and b"alpha.test" not in body, listing

    assert _snapshot(alpha) == alpha_rows


def test_alphas_key_is_refused_on_betas_domain_for_every_route(alpha, beta, api_key, api_client):
    client = api_client(beta, api_key(alpha))

    for route in DETAIL_ROUTES:
        assert client.get(route.format(id=1)).status_code == 401
    assert client.get("/api/v1/users/").status_code == 401
