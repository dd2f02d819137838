"""The operator console's workspace list and page: signed-up workspaces by default
(template and pool one filter away), with plan, billing status, active users and last
sign-in read in one query for the page; the slug is not editable; a workspace's page
links into it; the console's home leads to the billing dashboard."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from tenants.models import Tenant
from tenants.selectors import workspace_usage
from tests.conftest import PASSWORD
from tradepost.accounts.models import User


@pytest.fixture
def operator(public_client) -> Client:
    user = User.objects.create_superuser("ops@example.com", PASSWORD)
    public_client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return public_client


def _slugs(body: str) -> set[str]:
    return set(re.findall(r'<th class="field-slug"><a href="[^"]+">([^<]+)</a>', body))


def test_the_list_shows_signed_up_workspaces_with_plan_status_and_usage(operator, alpha, beta):
    body = operator.get("/admin/tenants/tenant/").content.decode()

    assert {"alpha", "beta"} <= _slugs(body)
    assert Tenant.objects.filter(kind__in=["template", "pooled"]).exists()
    assert "template" not in body.split('id="result_list"', 1)[1].split("</table>", 1)[0]
    assert 'class="field-plan"' in body and 'class="field-billing_status"' in body
    with schema_context(alpha.schema):
        active = User.objects.filter(is_active=True).count()
    assert re.search(rf'<td class="field-users">{active}</td>', body)

    everything = operator.get("/admin/tenants/tenant/", {"kind": "all"}).content.decode()
    assert "field-slug" in everything and everything.count("<tr") > body.count("<tr")


def test_the_list_reads_usage_in_one_query_for_the_whole_page(operator, alpha, beta):
    with CaptureQueriesContext(connection) as queries:
        body = operator.get("/admin/tenants/tenant/", {"kind": "all"}).content.decode()

    listed = len(_slugs(body)) + body.count(
        '<th class="field-slug"><a href="/admin/tenants/tenant/'
    )
    assert listed >= 3  # alpha, beta, the template (and the pool)
    usage = [q["sql"] for q in queries.captured_queries if ".accounts_user" in q["sql"]]
    assert len(usage) == 1 and "UNION ALL" in usage[0]


def test_usage_is_read_per_schema(alpha, beta, db):
    usage = workspace_usage(Tenant.objects.filter(slug__in=["alpha", "beta"]))

    with schema_context(alpha.schema):
        alpha_users = User.objects.filter(is_active=True).count()
    assert usage[alpha.schema].users == alpha_users >= 1
    assert set(usage) == {alpha.schema, beta.schema}
    assert workspace_usage([]) == {}


def test_a_workspace_page_links_into_it_and_keeps_its_slug(operator, alpha):
    tenant = Tenant.objects.get(slug="alpha")
    url = f"/admin/tenants/tenant/{tenant.pk}/change/"

    page = operator.get(url).content.decode()
    assert "http://alpha.localhost:8000/" in page
    assert 'name="slug"' not in page  # shown, not editable
    assert "active users" in page

    assert '<div class="readonly">alpha</div>' in page


def test_the_console_home_leads_to_the_billing_dashboard(operator):
    home = operator.get("/admin/").content.decode()

    assert 'href="/admin/billing/subscription/dashboard/"' in home
    assert operator.get("/admin/billing/subscription/dashboard/").status_code == 200
