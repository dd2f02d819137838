"""Sign-up through the service, the form and the JSON API."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from tenants import provisioning
from tenants.models import Domain, Tenant
from tenants.services import SignupError, tenant_signup
from tests.conftest import PASSWORD
from tradepost.accounts.models import User
from tradepost.accounts.roles import Role

GOOD = {
    "company_name": "Gamma Supplies",
    "slug": "gamma",
    "owner_email": "boss@gamma.test",
    "password": PASSWORD,
}


def _nothing_written(slug: str = "gamma") -> None:
    assert not Tenant.objects.filter(slug=slug).exists()
    assert not Domain.objects.filter(domain__startswith=f"{slug}.").exists()
    assert not schema_exists(provisioning.workspace_schema_name(slug))


def test_signup_creates_a_workspace_with_its_owner_as_administrator(public_client):
    result = tenant_signup(**GOOD)

    assert result.tenant.slug == "gamma"
    assert result.tenant.schema_name == "t_gamma"
    assert Domain.objects.get(tenant=result.tenant).domain == "gamma.localhost"
    with schema_context("t_gamma"):
        owner = User.objects.get()
        assert owner.email == "boss@gamma.test"
        assert owner.check_password(PASSWORD)
        assert owner.roles == [Role.SYSTEM_ADMINISTRATOR]
        assert owner.has_perm("accounts.invite_user")


def test_signup_takes_a_schema_from_the_pool(public_client):
    pooled = set(Tenant.objects.filter(kind=Tenant.Kind.POOLED).values_list("pk", flat=True))
    assert pooled, "the session fixture fills the pool"

    result = tenant_signup(**GOOD)

    assert result.tenant.pk in pooled
    assert result.tenant.kind == Tenant.Kind.ACTIVE


def test_signup_clones_the_template_when_the_pool_is_empty(public_client):
    Tenant.objects.filter(kind=Tenant.Kind.POOLED).update(kind=Tenant.Kind.TEMPLATE)

    result = tenant_signup(**GOOD)

    assert schema_exists("t_gamma")
    with schema_context("t_gamma"):
        assert User.objects.get().email == "boss@gamma.test"
    assert result.tenant.kind == Tenant.Kind.ACTIVE


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"slug": "ab"}, "slug", "3 to 30"),
        ({"slug": "a" * 31}, "slug", "3 to 30"),
        ({"slug": "Gamma!"}, "slug", "lowercase"),
        ({"slug": "-gamma"}, "slug", "lowercase"),
        ({"slug": "gam--ma"}, "slug", "lowercase"),
        ({"slug": "www"}, "slug", "reserved"),
        ({"slug": "admin"}, "slug", "reserved"),
        ({"slug": "pg-data"}, "slug", "reserved"),
        ({"slug": "alpha"}, "slug", "taken"),
        ({"owner_email": "not-an-address"}, "owner_email", "valid e-mail"),
        ({"owner_email": "OWNER@alpha.test"}, "owner_email", "already owns"),
        ({"password": "short"}, "password", "too short"),
        ({"password": "1234567890123"}, "password", "numeric"),
        ({"password": "password1234"}, "password", "too common"),
        ({"company_name": "   "}, "company_name", "company"),
    ],
)
def test_bad_signup_input_is_refused_with_a_clear_message_and_writes_nothing(
    public_client, changes, field, fragment
):
    with pytest.raises(SignupError) as caught:
        tenant_signup(**{**GOOD, **changes})

    messages = " ".join(caught.value.message_dict[field])
    assert fragment in messages.lower() or fragment in messages
    _nothing_written(changes.get("slug", "gamma") if field != "slug" else "gamma")
    if field == "slug" and changes["slug"] != "alpha":
        assert not Tenant.objects.filter(slug=changes["slug"].lower()).exists()


def test_a_failure_after_the_schema_is_claimed_leaves_nothing_behind(public_client, monkeypatch):
    pool_before = set(
        Tenant.objects.filter(kind=Tenant.Kind.POOLED).values_list("schema_name", flat=True)
    )

    def explode(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("tradepost.accounts.services.handoff_create", explode)
    with pytest.raises(RuntimeError):
        tenant_signup(**GOOD)

    connection.set_schema_to_public()
    _nothing_written()
    pool_after = set(
        Tenant.objects.filter(kind=Tenant.Kind.POOLED).values_list("schema_name", flat=True)
    )
    assert pool_after >= pool_before
    for schema in pool_before:
        assert schema_exists(schema)


def test_signup_form_logs_the_owner_in_on_the_workspace_domain(public_client):
    response = public_client.post("/signup/", GOOD)

    assert response.status_code == 302
    # The configured PUBLIC_URL (http://localhost:8000 in tests), not the request's port.
    origin = "http://gamma.localhost:8000"
    assert response["Location"].startswith(f"{origin}/accounts/welcome/")
    path = response["Location"].removeprefix(origin)
    browser = public_client.__class__(HTTP_HOST="gamma.localhost", enforce_csrf_checks=True)
    page = browser.get(path)
    assert page.status_code == 200
    assert "Continue to your workspace" in page.content.decode()
    assert browser.get("/").status_code == 302  # a GET signs nobody in
    csrf = browser.cookies["csrftoken"].value
    landing = browser.post(path, {"csrfmiddlewaretoken": csrf})
    assert landing.status_code == 302 and landing["Location"] == "/"
    home = browser.get("/")
    assert home.status_code == 200
    assert "Gamma Supplies" in home.content.decode()
    # the one-time link does not work twice
    other = public_client.__class__(HTTP_HOST="gamma.localhost")
    assert other.get(path).status_code == 400
    assert other.post(path).status_code == 400


def test_opening_the_hand_off_link_leaves_it_valid(public_client):
    """A mail or chat link scanner fetching the link must not spend it."""
    location = public_client.post("/signup/", GOOD)["Location"]
    path = location.removeprefix("http://gamma.localhost:8000")
    scanner = public_client.__class__(HTTP_HOST="gamma.localhost")
    assert scanner.get(path).status_code == 200
    assert scanner.get(path).status_code == 200
    assert scanner.get("/").status_code == 302

    owner = public_client.__class__(HTTP_HOST="gamma.localhost")
    assert owner.post(path).status_code == 302
    assert owner.get("/").status_code == 200


def test_the_hand_off_post_needs_the_csrf_token_of_the_workspace_page(public_client):
    """Another site cannot sign a visitor into a workspace with a cross-site POST."""
    location = public_client.post("/signup/", GOOD)["Location"]
    path = location.removeprefix("http://gamma.localhost:8000")
    victim = public_client.__class__(HTTP_HOST="gamma.localhost", enforce_csrf_checks=True)

    assert victim.post(path).status_code == 403
    assert victim.get("/").status_code == 302  # not signed in
    assert victim.get(path).status_code == 200  # and the link still works


def test_a_hand_off_link_does_not_work_on_another_workspace(public_client, alpha):
    location = public_client.post("/signup/", GOOD)["Location"]
    path = location.removeprefix("http://gamma.localhost:8000")

    assert alpha.client().get(path).status_code == 400
    assert alpha.client().post(path).status_code == 400


def test_signup_form_shows_errors_next_to_the_fields(public_client):
    response = public_client.post("/signup/", {**GOOD, "slug": "www", "password": "short"})

    assert response.status_code == 400
    body = response.content.decode()
    assert "reserved" in body
    assert "too short" in body
    _nothing_written("www")


def test_signup_form_shows_every_problem_in_one_pass(public_client):
    # The form itself refuses the e-mail; the sign-up rules still judge the address
    # and the password, so all three problems show after one attempt.
    response = public_client.post(
        "/signup/", {**GOOD, "owner_email": "not-an-address", "slug": "www", "password": "short"}
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter a valid email address." in body
    assert "reserved" in body
    assert "too short" in body
    _nothing_written("www")


def test_signup_api_creates_a_workspace(public_client):
    response = public_client.post("/api/v1/signup", GOOD, content_type="application/json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "gamma"
    assert body["workspace_url"] == "http://gamma.localhost:8000/"
    assert body["login_url"].startswith("http://gamma.localhost:8000/accounts/welcome/")
    assert "password" not in body


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**GOOD, "slug": "www"}, "slug"),
        ({**GOOD, "password": "short"}, "password"),
        ({**GOOD, "owner_email": 5}, "owner_email"),
        ({**GOOD, "plan": "gold"}, "plan"),
        ({k: v for k, v in GOOD.items() if k != "slug"}, "slug"),
    ],
)
def test_signup_api_bad_input_is_a_4xx_in_the_error_shape(public_client, payload, field):
    response = public_client.post("/api/v1/signup", payload, content_type="application/json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"]
    assert field in body["errors"]
    _nothing_written()


def test_signup_api_rejects_malformed_json(public_client):
    response = public_client.post("/api/v1/signup", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    _nothing_written()


def test_signup_api_reports_every_field_problem_at_once(public_client):
    response = public_client.post(
        "/api/v1/signup",
        json.dumps({"company_name": "", "slug": "x", "owner_email": "no", "password": "1"}),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {"slug", "owner_email", "password"}


def test_a_cloned_workspace_keeps_the_templates_constraint_names(alpha):
    """Clones carry the declared names of unique constraints (PostgreSQL would name them
    `<table>_<columns>_key`), so a later migration can drop or change them by name."""
    query = """
        SELECT cls.relname, con.conname FROM pg_constraint con
        JOIN pg_class cls ON cls.oid = con.conrelid
        JOIN pg_namespace ns ON ns.oid = cls.relnamespace
        WHERE ns.nspname = %s AND con.contype IN ('u', 'p')
    """
    with connection.cursor() as cursor:
        cursor.execute(query, [settings.TENANT_BASE_SCHEMA])
        template = set(cursor.fetchall())
        cursor.execute(query, [alpha.schema])
        cloned = set(cursor.fetchall())
    assert ("inventory_stockbalance", "stockbalance_unique") in template
    assert cloned == template
