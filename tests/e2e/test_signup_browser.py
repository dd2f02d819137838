"""Sign-up and workspace isolation, driven through a real browser."""

from __future__ import annotations

import secrets

import pytest
from django_tenants.utils import schema_context, schema_exists
from playwright.sync_api import expect

from tenants import provisioning
from tenants.models import Domain, Tenant
from tests.conftest import PASSWORD
from tradepost import links
from tradepost.accounts.models import User
from tradepost.accounts.roles import Role

pytestmark = pytest.mark.e2e


@pytest.fixture
def signed_up(run_db):
    """Slugs of workspaces a test signs up; dropped (schema included) afterwards.

    The pool is then topped up to its size before the test, in case the refill that
    follows a sign-up did not run here (it is a Celery task: queued, not run, when
    tasks are not executed in-process).
    """
    pool_before = run_db(provisioning.pool_size)
    slugs: list[str] = []
    yield slugs
    run_db(_drop_workspaces, slugs, pool_target=pool_before)


def _drop_workspaces(slugs: list[str], *, pool_target: int) -> None:
    for slug in slugs:
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is not None:
            Domain.objects.filter(tenant=tenant).delete()
            tenant.delete(force_drop=True)
    provisioning.pool_refill(target=pool_target)


def _workspace_state(slug: str, email: str) -> dict:
    tenant = Tenant.objects.get(slug=slug)
    with schema_context(tenant.schema_name):
        owner = User.objects.filter(email=email).first()
        state = {
            "kind": tenant.kind,
            "name": tenant.name,
            "schema_name": tenant.schema_name,
            "domains": list(Domain.objects.filter(tenant=tenant).values_list("domain", flat=True)),
            "owner_password_ok": owner is not None and owner.check_password(PASSWORD),
            "owner_roles": owner.roles if owner else None,
        }
    return state


@pytest.fixture
def links_to_this_server(web_server, settings):
    """Links the app builds come from PUBLIC_URL: point it at this test's server."""
    settings.PUBLIC_URL = web_server.public_url("").rstrip("/")


def test_signup_lands_the_owner_signed_in_on_the_new_workspace(
    signed_up, page, web_server, run_db, links_to_this_server
):
    slug = f"e2e-{secrets.token_hex(4)}"
    signed_up.append(slug)
    company = f"E2E Trading {slug[-4:]}"
    email = f"owner@{slug}.test"

    page.goto(web_server.public_url("/signup/"))
    page.get_by_label("Company name").fill(company)
    page.get_by_label("Workspace address").fill(slug)
    page.get_by_label("Your e-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create workspace").click()

    # Public site → hand-off page on the workspace's own domain (opening it signs
    # nobody in) → "Continue" POSTs there → its home page.
    page.wait_for_url(web_server.workspace_url(slug, "/accounts/welcome/**"))
    page.get_by_role("button", name="Continue to your workspace").click()
    page.wait_for_url(web_server.workspace_url(slug, "/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {email}")
    expect(page.locator("header .brand")).to_have_text(company)
    expect(page.locator("p.lead")).to_contain_text(f"This is the {company} workspace")
    expect(page.locator(".usermenu .muted")).to_have_text(email)

    state = run_db(_workspace_state, slug, email)
    assert state["kind"] == Tenant.Kind.ACTIVE
    assert state["name"] == company
    assert state["schema_name"] == provisioning.workspace_schema_name(slug)
    assert state["domains"] == [links.workspace_domain(slug)]
    assert state["owner_password_ok"]
    assert state["owner_roles"] == [Role.SYSTEM_ADMINISTRATOR]


def _nothing_signed_up(email: str) -> dict:
    return {
        "tenant_by_slug": Tenant.objects.filter(slug="www").exists(),
        "tenant_by_email": Tenant.objects.filter(owner_email__iexact=email).exists(),
        "domain": Domain.objects.filter(domain=links.workspace_domain("www")).exists(),
        "schema": schema_exists(provisioning.workspace_schema_name("www")),
        "active": Tenant.objects.filter(kind=Tenant.Kind.ACTIVE).count(),
    }


def test_signup_with_bad_input_shows_the_errors_and_creates_nothing(page, web_server, run_db):
    email = f"owner@e2e-{secrets.token_hex(4)}.test"
    active_before = run_db(_nothing_signed_up, email)["active"]

    page.goto(web_server.public_url("/signup/"))
    page.get_by_label("Company name").fill("Reserved Name Ltd")
    page.get_by_label("Workspace address").fill("www")
    page.get_by_label("Your e-mail").fill(email)
    page.get_by_label("Password").fill("Zq7#kP")
    with page.expect_response(lambda r: r.request.method == "POST") as response:
        page.get_by_role("button", name="Create workspace").click()
    page.wait_for_load_state()

    assert response.value.status == 400
    assert page.url == web_server.public_url("/signup/")
    slug_field = page.locator(".field.invalid", has=page.locator("#id_slug"))
    expect(slug_field.locator(".error")).to_have_text(
        "This address is reserved. Please choose another."
    )
    password_field = page.locator(".field.invalid", has=page.locator("#id_password"))
    expect(password_field.locator(".error")).to_have_text(
        ["This password is too short. It must contain at least 10 characters."]
    )
    # The fields that were fine are neither flagged nor emptied.
    expect(page.locator(".field.invalid")).to_have_count(2)
    expect(page.get_by_label("Workspace address")).to_have_value("www")
    expect(page.get_by_label("Your e-mail")).to_have_value(email)

    after = run_db(_nothing_signed_up, email)
    assert after == {
        "tenant_by_slug": False,
        "tenant_by_email": False,
        "domain": False,
        "schema": False,
        "active": active_before,
    }


def test_a_session_of_one_workspace_is_refused_on_another(page, web_server, platform_workspaces):
    alpha, beta = platform_workspaces["alpha"], platform_workspaces["beta"]
    alpha_home = web_server.workspace_url(alpha.slug, "/")
    beta_home = web_server.workspace_url(beta.slug, "/")

    page.goto(web_server.workspace_url(alpha.slug, "/accounts/login/"))
    page.get_by_label("E-mail").fill(alpha.owner_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(alpha_home)
    expect(page.locator(".usermenu .muted")).to_have_text(alpha.owner_email)

    context = page.context
    (session,) = [c for c in context.cookies(alpha_home) if c["name"] == "sessionid"]
    # The cookie belongs to alpha's host only: the browser would never send it to beta.
    assert not [c for c in context.cookies(beta_home) if c["name"] == "sessionid"]

    # Replay it on beta's domain, as a stolen cookie would be.
    context.add_cookies([{"name": "sessionid", "value": session["value"], "url": beta_home}])
    page.goto(beta_home)

    # Not signed in there: beta's sign-in page, which would bring us back to its home.
    page.wait_for_url(web_server.workspace_url(beta.slug, "/accounts/login/?next=/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.locator(".usermenu")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(alpha.owner_email)
