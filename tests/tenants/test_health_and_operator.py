"""/healthz on every host, and the operators' console on the public domain only."""

from __future__ import annotations

from django.test import Client

from tests.conftest import PASSWORD
from tradepost.accounts.models import User


def test_healthz_answers_on_the_public_domain_and_on_workspaces(public_client, alpha):
    for client in (public_client, alpha.client(), Client(HTTP_HOST="127.0.0.1")):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json()["checks"]["database"] == "ok"


def test_healthz_reports_an_unreachable_redis(public_client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = public_client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "checks": {"database": "ok", "redis": "error"}}


def test_an_unknown_host_is_not_served(platform_workspaces, db):
    assert Client(HTTP_HOST="nobody.localhost").get("/").status_code == 404


def test_operators_sign_in_to_the_console_on_the_public_domain(public_client):
    User.objects.create_superuser("ops@example.com", PASSWORD)

    response = public_client.post(
        "/admin/login/?next=/admin/", {"username": "ops@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    listing = public_client.get("/admin/tenants/tenant/")

    assert listing.status_code == 200
    assert "alpha" in listing.content.decode()


def test_a_workspace_owner_is_not_an_operator(public_client, alpha):
    response = public_client.post(
        "/admin/login/?next=/admin/", {"username": alpha.owner_email, "password": PASSWORD}
    )

    assert response.status_code == 200  # the login form again
    assert public_client.get("/admin/tenants/tenant/").status_code == 302


def test_there_is_no_operator_console_on_a_workspace_domain(alpha):
    assert alpha.client(alpha.owner()).get("/admin/").status_code == 404


def test_the_public_site_leads_to_a_workspaces_sign_in(public_client, alpha):
    response = public_client.get("/find/", {"workspace": "Alpha"})

    assert response.status_code == 302
    # PUBLIC_URL's scheme and port (http://localhost:8000 in tests), not the request's.
    assert response["Location"] == "http://alpha.localhost:8000/accounts/login/"


def test_an_unknown_workspace_address_says_so(public_client):
    response = public_client.get("/find/", {"workspace": "nobody-here"})

    assert response.status_code == 404
    assert "No workspace has this address" in response.content.decode()
