"""API keys: hashed, shown once, role-scoped, revocable; isolation between workspaces."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from api.models import ApiKey
from tests.support.api import list_count
from tests.support.queries import assert_list_queries
from tradepost.audit.models import AuditEntry


def test_a_key_authenticates_as_its_role(alpha, api_key, api_client):
    key = api_key(alpha, role="salesperson", name="CRM sync")

    response = api_client(alpha, key).get("/api/v1/me/")

    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "api_key"
    assert body["name"] == "CRM sync"
    assert body["role"] == "salesperson"
    assert "accounts.invite_user" not in body["permissions"]
    assert body["workspace"] == {"slug": "alpha", "name": "Alpha Trading"}


def test_keys_are_stored_hashed_and_use_is_recorded(alpha, api_key, api_client):
    key = api_key(alpha)
    with schema_context(alpha.schema):
        stored = ApiKey.objects.get()
        assert key not in (stored.key_hash, stored.prefix)
        assert stored.last_used_at is None

    api_client(alpha, key).get("/api/v1/me/")

    with schema_context(alpha.schema):
        assert ApiKey.objects.get().last_used_at is not None


def test_a_revoked_key_fails_at_once(alpha, api_key, api_client):
    key = api_key(alpha)
    client = api_client(alpha, key)
    with schema_context(alpha.schema):
        key_id = ApiKey.objects.get().pk
    assert client.get("/api/v1/me/").status_code == 200

    assert client.delete(f"/api/v1/api-keys/{key_id}/").status_code == 204
    response = client.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json() == {
        "code": "authentication_failed",
        "message": "Invalid or revoked API key.",
    }


@pytest.mark.parametrize(
    "header", ["Bearer nonsense", "Bearer tp_0123456789ab_" + "x" * 40, "Bearer "]
)
def test_wrong_keys_are_401_in_the_error_shape(alpha, api_client, header):
    response = api_client(alpha).get("/api/v1/me/", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_no_credentials_is_401(alpha, api_client):
    response = api_client(alpha).get("/api/v1/users/")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_key_of_another_workspace_is_refused(alpha, beta, api_key, api_client):
    beta_key = api_key(beta)

    response = api_client(alpha, beta_key).get("/api/v1/users/")

    assert response.status_code == 401


def test_a_key_never_reaches_another_workspaces_rows_by_id(
    alpha, beta, api_key, api_client, make_user
):
    stranger = make_user(beta, "salesperson", email="stranger@beta.test")
    client = api_client(alpha, api_key(alpha))

    assert client.get(f"/api/v1/users/{stranger.pk}/").status_code == 404
    patched = client.patch(
        f"/api/v1/users/{stranger.pk}/", {"role": "executive"}, content_type="application/json"
    )
    assert patched.status_code == 404
    listing = client.get("/api/v1/users/?search=beta.test").json()
    assert listing["count"] == 0
    with schema_context(beta.schema):
        from tradepost.accounts.models import User

        assert User.objects.get(pk=stranger.pk).roles == ["salesperson"]


def test_the_browser_session_works_on_the_api(alpha):
    response = alpha.client(alpha.owner()).get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json()["email"] == alpha.owner_email


def test_administrators_create_keys_through_the_api_and_see_the_secret_once(
    alpha, api_key, api_client
):
    client = api_client(alpha, api_key(alpha))

    created = client.post(
        "/api/v1/api-keys/",
        {"name": "ERP", "role": "finance_manager"},
        content_type="application/json",
    )

    assert created.status_code == 201
    secret = created.json()["key"]
    assert secret.startswith("tp_")
    listed = client.get(f"/api/v1/api-keys/{created.json()['id']}/").json()
    assert "key" not in listed
    assert api_client(alpha, secret).get("/api/v1/me/").json()["role"] == "finance_manager"
    with schema_context(alpha.schema):
        assert AuditEntry.objects.filter(action="api_key.created").count() == 2


@pytest.mark.parametrize("role", ["salesperson", "sales_manager", "executive", "dealer"])
def test_only_administrators_manage_keys(alpha, api_key, api_client, role):
    client = api_client(alpha, api_key(alpha, role=role))

    response = client.post(
        "/api/v1/api-keys/",
        {"name": "x", "role": "system_administrator"},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    with schema_context(alpha.schema):
        assert ApiKey.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "", "role": "salesperson"}, "name"),
        ({"name": "x", "role": "king"}, "role"),
        ({"role": "dealer"}, "name"),
    ],
)
def test_bad_key_input_writes_nothing(alpha, api_key, api_client, payload, field):
    client = api_client(alpha, api_key(alpha))

    response = client.post("/api/v1/api-keys/", payload, content_type="application/json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    with schema_context(alpha.schema):
        assert ApiKey.objects.count() == 1


def test_create_api_key_command_prints_a_working_key(alpha, api_client, capsys):
    call_command("create_api_key", "alpha", name="Warehouse scanner", role="warehouse_manager")

    secret = capsys.readouterr().out.strip()
    assert api_client(alpha, secret).get("/api/v1/me/").json()["name"] == "Warehouse scanner"


def test_create_api_key_command_refuses_an_unknown_workspace(platform_workspaces, db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No workspace"):
        call_command("create_api_key", "nowhere", name="x", role="dealer")


def test_the_tradepost_command_exposes_create_api_key():
    result = subprocess.run(
        [sys.executable, "-m", "tradepost.cli", "create-api-key", "--help"],
        capture_output=True,
        text=True,
        check=False,
        env={**__import__("os").environ, "TRADEPOST_DEV": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert "--role" in result.stdout


def test_the_keys_page_creates_shows_once_and_revokes(alpha):
    client = alpha.client(alpha.owner())

    page = client.post("/settings/api-keys/", {"name": "Shop", "role": "salesperson"})

    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="new-key">tp_' in body
    assert "shown only once" in body
    again = client.get("/settings/api-keys/").content.decode()
    assert 'data-testid="new-key"' not in again
    with schema_context(alpha.schema):
        key_id = ApiKey.objects.get().pk
    client.post(f"/settings/api-keys/{key_id}/revoke/")
    with schema_context(alpha.schema):
        assert not ApiKey.objects.get().is_active


def test_the_keys_page_is_for_administrators_only(alpha, make_user):
    response = alpha.client(make_user(alpha, "sales_manager")).get("/settings/api-keys/")

    assert response.status_code == 403


def test_the_keys_page_refuses_bad_input(alpha):
    response = alpha.client(alpha.owner()).post("/settings/api-keys/", {"name": "", "role": "x"})

    assert response.status_code == 400
    with schema_context(alpha.schema):
        assert not ApiKey.objects.exists()


def test_the_key_list_takes_the_same_queries_for_one_key_and_many(alpha, api_key, api_client):
    admin = api_client(alpha, api_key(alpha, name="first"))

    def grow():
        for index in range(8):
            api_key(alpha, role="salesperson", name=f"shop {index}")
        admin.get("/api/v1/api-keys/")  # a key change drops the cached keys: read once again

    assert_list_queries(lambda: admin.get("/api/v1/api-keys/"), grow, queries=3, size=list_count)


def test_the_keys_page_takes_the_same_queries_for_one_key_and_many(alpha, api_key):
    api_key(alpha, name="first")
    client = alpha.client(alpha.owner())

    def grow():
        for index in range(8):
            api_key(alpha, role="salesperson", name=f"shop {index}")

    response = assert_list_queries(lambda: client.get("/settings/api-keys/"), grow, queries=6)

    assert "shop 7" in response.content.decode()
