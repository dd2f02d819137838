"""What a request costs before its own work, and that the caches doing it are right.

Host → workspace and API key → role permissions are cached (billing.routing,
api.keys); these tests show a cached request skips those queries, and that every change
they depend on — a revoked key, a role's permissions, a domain, a subscription — is
seen by the very next request. The connection is the same across all requests of a
test (as a persistent or pooled connection is across requests of one worker), so the
alternating requests also prove each request runs in its own workspace's schema.
"""

from __future__ import annotations

import datetime
import decimal
import uuid

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext_lazy
from django_tenants.utils import schema_context
from rest_framework.renderers import JSONRenderer

from api.models import ApiKey
from api.renderers import FastJSONRenderer
from billing.models import Subscription
from billing.routing import routing_changed
from tenants.models import Domain
from tradepost.customers import services as customer_services


def _data_queries(captured) -> list[str]:
    """The statements that read or write rows (not transaction bookkeeping)."""
    return [
        q["sql"]
        for q in captured
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "SET search_path"))
    ]


def test_a_repeated_api_request_reads_neither_routing_nor_key_rows(alpha, api_key, api_client):
    client = api_client(alpha, api_key(alpha, role="salesperson"))
    assert client.get("/api/v1/me/").status_code == 200  # fills the caches

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/me/")

    assert response.status_code == 200
    tables = " ".join(_data_queries(queries.captured_queries))
    assert "tenants_domain" not in tables
    assert "api_apikey" not in tables
    assert "auth_permission" not in tables
    assert "tenants_tenant" not in tables


def test_a_revoked_key_is_refused_on_the_next_request_despite_the_cache(alpha, api_key, api_client):
    admin = api_client(alpha, api_key(alpha, name="admin"))
    victim_key = api_key(alpha, role="salesperson", name="victim")
    victim = api_client(alpha, victim_key)
    assert victim.get("/api/v1/me/").status_code == 200  # now cached
    with schema_context(alpha.schema):
        victim_id = ApiKey.objects.get(name="victim").pk

    assert admin.delete(f"/api/v1/api-keys/{victim_id}/").status_code == 204

    assert victim.get("/api/v1/me/").status_code == 401


def test_a_change_of_a_roles_permissions_applies_to_its_keys_at_once(alpha, api_key, api_client):
    client = api_client(alpha, api_key(alpha, role="salesperson"))
    assert client.get("/api/v1/customers/").status_code == 200  # cached with the permission

    with schema_context(alpha.schema):
        view_customer = Permission.objects.get(
            content_type__app_label="customers", codename="view_customer"
        )
        Group.objects.get(name="salesperson").permissions.remove(view_customer)

    assert client.get("/api/v1/customers/").status_code == 403
    assert "customers.view_customer" not in client.get("/api/v1/me/").json()["permissions"]


def test_a_moved_domain_answers_at_its_new_name_only(alpha, api_key, api_client):
    key = api_key(alpha)
    assert api_client(alpha, key).get("/api/v1/me/").status_code == 200  # host cached
    domain = Domain.objects.get(domain=alpha.domain)
    old_name, domain.domain = domain.domain, f"renamed-{alpha.domain}"
    domain.save()

    old = api_client(alpha, key).get("/api/v1/me/")
    moved = api_client(alpha, key).get("/api/v1/me/", HTTP_HOST=domain.domain)

    assert old.status_code == 404, old_name
    assert moved.status_code == 200
    assert moved.json()["workspace"]["slug"] == "alpha"


def test_a_lapsed_subscription_turns_the_workspace_read_only_on_the_next_request(
    alpha, api_key, api_client
):
    client = api_client(alpha, api_key(alpha))
    assert client.post("/api/v1/customers/", {"name": "Before"}, "application/json").status_code
    subscription = Subscription.objects.get(tenant=alpha.tenant)
    subscription.status = Subscription.Status.CANCELED
    subscription.save()

    refused = client.post("/api/v1/customers/", {"name": "After"}, "application/json")

    assert refused.status_code == 403
    assert refused.json()["code"] == "workspace_read_only"


def test_requests_of_two_workspaces_alternating_on_one_connection_see_only_their_rows(
    alpha, beta, api_key, api_client
):
    """One database connection serves every request here, as a persistent connection
    (DB_CONN_MAX_AGE) serves one worker's requests: the search_path set for one
    workspace must never leak into the next request of another."""
    for workspace, name in ((alpha, "Only in alpha"), (beta, "Only in beta")):
        with schema_context(workspace.schema):
            customer_services.customer_create(actor=workspace.owner(), name=name)
    clients = {
        "alpha": api_client(alpha, api_key(alpha)),
        "beta": api_client(beta, api_key(beta)),
    }
    connection_used = id(connection.connection)

    seen = []
    for slug in ("alpha", "beta", "alpha", "alpha", "beta", "beta", "alpha"):
        names = [c["name"] for c in clients[slug].get("/api/v1/customers/").json()["results"]]
        seen.append((slug, names))

    assert id(connection.connection) == connection_used
    for slug, names in seen:
        assert names == [f"Only in {slug}"], seen


def test_a_routing_lookup_that_queries_public_does_not_leave_the_request_there(
    alpha, api_key, api_client
):
    """The search_path is kept between requests of one workspace only when routing
    came from the cache; a lookup that had to read the public schema sets it again."""
    client = api_client(alpha, api_key(alpha))
    assert client.get("/api/v1/customers/").status_code == 200  # on alpha's path now

    routing_changed()  # the next request reads the domain on the public schema
    response = client.get("/api/v1/customers/")

    assert response.status_code == 200
    assert response.json()["count"] == 0


class TestTheJsonRenderer:
    """FastJSONRenderer writes what DRF's JSONRenderer writes, byte for byte."""

    SAMPLE = {
        "money": "1234.50",
        "raw_decimal": decimal.Decimal("12.30"),
        "when": datetime.datetime(2026, 12, 7, 9, 30, 15, 123456, tzinfo=datetime.UTC),
        "when_local": datetime.datetime(
            2026, 12, 7, 17, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
        ),
        "naive": datetime.datetime(2026, 1, 2, 3, 4, 5),  # noqa: DTZ001 - DRF writes these too
        "day": datetime.date(2026, 2, 28),
        "time": datetime.time(8, 15),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "lazy": gettext_lazy("Customers"),
        "chinese": "北京贸易有限公司",
        "separators": "line\u2028paragraph\u2029end",
        "controls": 'quote " backslash \\ tab \t newline \n',
        "numbers": [0, -1, 2**40, 1.5, True, False, None],
        "nested": {"tuple": (1, 2), "empty": {}, 3: "int key"},
    }

    def test_the_output_is_identical_to_drfs(self):
        assert FastJSONRenderer().render(self.SAMPLE) == JSONRenderer().render(self.SAMPLE)

    def test_pretty_printing_is_drfs(self):
        media = "application/json; indent=2"
        assert FastJSONRenderer().render(self.SAMPLE, media) == JSONRenderer().render(
            self.SAMPLE, media
        )

    @pytest.mark.parametrize("value", [None, 2**70])
    def test_what_orjson_cannot_encode_still_renders_as_drf_does(self, value):
        data = None if value is None else {"big": value}
        assert FastJSONRenderer().render(data) == JSONRenderer().render(data)
