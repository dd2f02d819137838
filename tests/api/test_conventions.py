"""Conventions every endpoint shares: errors, pagination, filters, throttles."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.support.api import list_count
from tests.support.cache import clear_cache
from tests.support.queries import assert_list_queries
from tradepost.accounts.models import Invitation, User


@pytest.fixture
def admin_client(alpha, api_key, api_client):
    return api_client(alpha, api_key(alpha))


def _invitations(workspace) -> int:
    with schema_context(workspace.schema):
        return Invitation.objects.count()


@pytest.mark.parametrize(
    ("body", "code", "status"),
    [
        ("{not json", "parse_error", 400),
        ("[1, 2]", "invalid", 400),
        (json.dumps({"email": 5, "role": "salesperson"}), "invalid", 400),
        (json.dumps({"email": "a@b.test", "role": "salesperson", "admin": True}), "invalid", 400),
        (json.dumps({"email": "a@b.test", "role": ["salesperson"]}), "invalid", 400),
    ],
)
def test_bad_bodies_are_4xx_in_the_error_shape_and_write_nothing(
    alpha, admin_client, body, code, status
):
    response = admin_client.post("/api/v1/invitations/", body, content_type="application/json")

    assert response.status_code == status
    payload = response.json()
    assert payload["code"] == code
    assert isinstance(payload["message"], str) and payload["message"]
    assert _invitations(alpha) == 0


def test_unknown_fields_are_named_in_the_errors(admin_client):
    response = admin_client.post(
        "/api/v1/invitations/",
        {"email": "a@b.test", "role": "salesperson", "colour": "red"},
        content_type="application/json",
    )

    assert response.json()["errors"] == {"colour": ["Unknown field."]}


def test_an_oversized_body_is_413(alpha, admin_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"email": "a@b.test", "role": "salesperson", "pad": "x" * 2000})

    response = admin_client.post("/api/v1/invitations/", body, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert _invitations(alpha) == 0


def test_a_non_json_body_is_415(admin_client):
    response = admin_client.post(
        "/api/v1/invitations/", "email=a@b.test", content_type="text/plain"
    )

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "query", ["page=0", "page=abc", "page_size=0", "page_size=201", "page_size=-5"]
)
def test_bad_pagination_parameters_are_400(admin_client, query):
    response = admin_client.get(f"/api/v1/users/?{query}")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_a_page_past_the_end_is_404(admin_client):
    assert admin_client.get("/api/v1/users/?page=99").status_code == 404


def test_lists_paginate_search_filter_and_order(alpha, admin_client, make_user):
    for index in range(5):
        make_user(alpha, "salesperson", email=f"rep{index}@alpha.test")
    make_user(alpha, "executive", email="boss@alpha.test")

    page = admin_client.get("/api/v1/users/?page_size=2&ordering=-email").json()
    assert page["count"] == 7
    assert [user["email"] for user in page["results"]] == ["rep4@alpha.test", "rep3@alpha.test"]
    assert page["next"].endswith("page=2&page_size=2&ordering=-email") or "page=2" in page["next"]

    found = admin_client.get("/api/v1/users/?search=boss").json()
    assert [user["email"] for user in found["results"]] == ["boss@alpha.test"]

    executives = admin_client.get("/api/v1/users/?role=executive").json()
    assert [user["role"] for user in executives["results"]] == ["executive"]


def test_updated_since_returns_only_recent_changes(alpha, admin_client, make_user):
    rep = make_user(alpha, "salesperson", email="old@alpha.test")
    with schema_context(alpha.schema):
        User.objects.update(updated_at=timezone.now() - timedelta(days=2))
    cutoff = (timezone.now() - timedelta(days=1)).isoformat()
    admin_client.patch(
        f"/api/v1/users/{rep.pk}/", {"role": "sales_manager"}, content_type="application/json"
    )

    changed = admin_client.get("/api/v1/users/", {"updated_since": cutoff}).json()

    assert [user["email"] for user in changed["results"]] == ["old@alpha.test"]
    assert changed["results"][0]["role"] == "sales_manager"


def test_updated_since_must_be_a_date(admin_client):
    response = admin_client.get("/api/v1/users/?updated_since=yesterday")

    assert response.status_code == 400
    assert "updated_since" in response.json()["errors"]


def test_the_users_list_takes_the_same_queries_for_one_user_and_many(
    alpha, admin_client, make_user
):
    def grow():
        for index in range(20):
            make_user(alpha, "salesperson", email=f"many{index}@alpha.test")

    response = assert_list_queries(
        lambda: admin_client.get("/api/v1/users/?page_size=50"),
        grow,
        queries=4,
        size=list_count,
    )

    assert len(response.json()["results"]) == 21


def test_the_invitation_list_takes_the_same_queries_for_one_invitation_and_many(
    alpha, admin_client
):
    def invite(index):
        response = admin_client.post(
            "/api/v1/invitations/", {"email": f"new{index}@example.com", "role": "salesperson"}
        )
        assert response.status_code == 201

    invite(0)

    assert_list_queries(
        lambda: admin_client.get("/api/v1/invitations/"),
        lambda: [invite(index) for index in range(1, 8)],
        queries=3,
        size=list_count,
    )


@pytest.mark.parametrize("role", ["salesperson", "sales_manager", "finance_manager", "executive"])
def test_every_staff_role_reads_users_but_only_administrators_change_them(
    alpha, api_key, api_client, role, make_user
):
    client = api_client(alpha, api_key(alpha, role=role))
    rep = make_user(alpha, "salesperson", email="target@alpha.test")

    assert client.get("/api/v1/users/").status_code == 200
    response = client.patch(
        f"/api/v1/users/{rep.pk}/", {"is_active": False}, content_type="application/json"
    )

    assert response.status_code == 403
    with schema_context(alpha.schema):
        assert User.objects.get(pk=rep.pk).is_active


def test_a_dealer_key_cannot_read_the_team(alpha, api_key, api_client):
    response = api_client(alpha, api_key(alpha, role="dealer")).get("/api/v1/users/")

    assert response.status_code == 403


def test_administrators_change_roles_and_deactivate_through_the_api(alpha, admin_client, make_user):
    rep = make_user(alpha, "salesperson", email="rep@alpha.test")

    response = admin_client.patch(
        f"/api/v1/users/{rep.pk}/",
        {"role": "sales_manager", "is_active": False},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json()["role"] == "sales_manager"
    assert response.json()["is_active"] is False


def test_a_rule_broken_through_the_api_is_a_400_with_the_reason(alpha, admin_client):
    owner = alpha.owner()

    response = admin_client.patch(
        f"/api/v1/users/{owner.pk}/", {"role": "dealer"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["errors"]["role"] == ["The workspace needs at least one administrator."]


def test_invitations_through_the_api(alpha, admin_client):
    created = admin_client.post(
        "/api/v1/invitations/",
        {"email": "New@Example.com", "role": "dealer"},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["email"] == "new@example.com"

    assert admin_client.get("/api/v1/invitations/?open=true").json()["count"] == 1
    assert admin_client.delete(f"/api/v1/invitations/{created.json()['id']}/").status_code == 204
    assert admin_client.get("/api/v1/invitations/?open=true").json()["count"] == 0


def test_throttling_per_caller_answers_429_with_retry_after(alpha, api_key, api_client, settings):
    settings.API_RATE_PER_CALLER = "3/min"
    clear_cache()
    client = api_client(alpha, api_key(alpha))
    other = api_client(alpha, api_key(alpha, name="other"))

    statuses = [client.get("/api/v1/me/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v1/me/")
    assert int(limited["Retry-After"]) > 0
    assert limited.json()["code"] == "throttled"
    assert other.get("/api/v1/me/").status_code == 200  # another key has its own budget
    clear_cache()


def test_throttling_per_workspace_spares_other_workspaces(
    alpha, beta, api_key, api_client, settings
):
    settings.API_RATE_PER_WORKSPACE = "2/min"
    clear_cache()
    first, second = api_client(alpha, api_key(alpha)), api_client(alpha, api_key(alpha, name="b"))

    assert [first.get("/api/v1/me/").status_code, second.get("/api/v1/me/").status_code] == [
        200,
        200,
    ]
    assert second.get("/api/v1/me/").status_code == 429
    assert api_client(beta, api_key(beta)).get("/api/v1/me/").status_code == 200
    clear_cache()


def test_an_unknown_api_path_is_a_json_404(admin_client, alpha):
    response = admin_client.get("/api/v1/users/not-a-number/")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found."}
    assert alpha.client().get("/no-such-page/")["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "query",
    [
        "role=",
        "is_active=maybe",
        "role=dealer&role=executive",
        "updated_since=0001-01-01T00:00:00+14:00",
    ],
)
def test_bad_filter_values_are_400_not_ignored(admin_client, query):
    response = admin_client.get(f"/api/v1/users/?{query}")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
