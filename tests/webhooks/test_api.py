"""`/api/v1/webhook-endpoints/` and `/api/v1/webhook-deliveries/` through HTTP:
administrators only, one workspace only, bad input refused, lists in fixed queries."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from api.webhooks import services
from api.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from tests.support.api import list_count
from tests.support.queries import assert_list_queries
from tradepost.audit.models import AuditEntry

ENDPOINTS = "/api/v1/webhook-endpoints/"
DELIVERIES = "/api/v1/webhook-deliveries/"


@pytest.fixture
def admin(alpha, api_key, api_client):
    return api_client(alpha, api_key(alpha))


def _emit(workspace, event_type="user.invited", payload=None) -> WebhookEvent | None:
    with schema_context(workspace.schema):
        return services.webhook_emit(event_type=event_type, payload=payload or {"n": 1})


def test_an_administrator_creates_an_endpoint_and_sees_the_secret_once(alpha, admin):
    response = admin.post(
        ENDPOINTS,
        {
            "url": "https://erp.example.test/hooks",
            "event_types": ["user.joined", "user.invited"],
            "description": "ERP",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert body["event_types"] == ["user.invited", "user.joined"]
    assert body["is_active"] is True
    with schema_context(alpha.schema):
        assert WebhookEndpoint.objects.get().secret == body["secret"]
    listed = admin.get(ENDPOINTS).json()["results"]
    assert [item["id"] for item in listed] == [body["id"]]
    assert "secret" not in listed[0]
    assert "secret" not in admin.get(f"{ENDPOINTS}{body['id']}/").json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://files.example.test/", "event_types": ["user.invited"]}, "url"),
        ({"url": "javascript:alert(1)", "event_types": ["user.invited"]}, "url"),
        ({"url": "https://ok.example.test/", "event_types": ["user.teleported"]}, "event_types[0]"),
        ({"url": "https://ok.example.test/", "event_types": ["ping"]}, "event_types[0]"),
        ({"url": "https://ok.example.test/", "event_types": []}, "event_types"),
        ({"url": "https://ok.example.test/"}, "event_types"),
        (
            {"url": "https://ok.example.test/", "event_types": ["user.invited"], "secret": "x"},
            "secret",
        ),
        (
            {"url": "https://ok.example.test/", "event_types": ["user.invited"], "colour": "red"},
            "colour",
        ),
    ],
)
def test_bad_input_is_a_400_in_the_error_shape_and_writes_nothing(alpha, admin, body, field):
    response = admin.post(ENDPOINTS, body)

    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "invalid"
    assert error["message"]
    assert list(error["errors"]) == [field]
    with schema_context(alpha.schema):
        assert WebhookEndpoint.objects.count() == 0
        assert not AuditEntry.objects.filter(action__startswith="webhook").exists()


@pytest.mark.parametrize("role", ["salesperson", "executive", "dealer"])
def test_other_roles_get_403_and_nothing_is_written(alpha, api_key, api_client, role):
    client = api_client(alpha, api_key(alpha, role=role))

    created = client.post(
        ENDPOINTS, {"url": "https://x.example.test/", "event_types": ["user.invited"]}
    )

    assert created.status_code == 403
    assert created.json()["code"] == "permission_denied"
    assert client.get(ENDPOINTS).status_code == 403
    assert client.get(DELIVERIES).status_code == 403
    with schema_context(alpha.schema):
        assert WebhookEndpoint.objects.count() == 0


def test_a_signed_in_salesperson_gets_403_too(alpha, make_user):
    client = alpha.client(make_user(alpha, "salesperson"))

    response = client.post(
        ENDPOINTS,
        {"url": "https://x.example.test/", "event_types": ["user.invited"]},
        content_type="application/json",
    )

    assert response.status_code == 403


def test_another_workspace_cannot_reach_alphas_endpoints_or_deliveries(
    alpha, beta, admin, api_key, api_client, make_endpoint
):
    # Given an endpoint and a delivery in alpha
    endpoint = make_endpoint(alpha)
    _emit(alpha)
    with schema_context(alpha.schema):
        delivery = WebhookDelivery.objects.get()
    beta_key = api_key(beta)
    in_beta = api_client(beta, beta_key)

    # Then beta's administrator key finds none of them by id, nor in its lists
    assert in_beta.get(f"{ENDPOINTS}{endpoint.pk}/").status_code == 404
    assert in_beta.get(f"{DELIVERIES}{delivery.pk}/").status_code == 404
    redeliver = in_beta.post(f"{DELIVERIES}{delivery.pk}/redeliver/", {})
    assert redeliver.status_code == 404
    assert redeliver.json()["code"] == "not_found"
    assert in_beta.post(f"{ENDPOINTS}{endpoint.pk}/ping/", {}).status_code == 404
    patch = in_beta.patch(
        f"{ENDPOINTS}{endpoint.pk}/", {"is_active": False}, content_type="application/json"
    )
    assert patch.status_code == 404
    assert in_beta.delete(f"{ENDPOINTS}{endpoint.pk}/").status_code == 404
    assert in_beta.get(ENDPOINTS).json()["count"] == 0
    assert in_beta.get(DELIVERIES).json()["count"] == 0
    assert in_beta.get(DELIVERIES, {"endpoint": endpoint.pk}).status_code == 400
    # and on alpha's domain beta's key is no key at all
    assert api_client(alpha, beta_key).get(ENDPOINTS).status_code == 401
    # while alpha still has everything, untouched.
    with schema_context(alpha.schema):
        stored = WebhookDelivery.objects.get()
        assert (stored.status, stored.attempts) == ("pending", 0)
        assert WebhookEndpoint.objects.get().is_active is True
        assert WebhookEvent.objects.filter(event_type="ping").count() == 0
    assert admin.get(f"{DELIVERIES}{delivery.pk}/").status_code == 200


def test_patch_changes_an_endpoint_and_refuses_unknown_fields(alpha, admin, make_endpoint):
    endpoint = make_endpoint(alpha)

    response = admin.patch(
        f"{ENDPOINTS}{endpoint.pk}/",
        {"is_active": False, "event_types": ["user.joined"]},
        content_type="application/json",
    )
    refused = admin.patch(
        f"{ENDPOINTS}{endpoint.pk}/", {"secret": "whsec_mine"}, content_type="application/json"
    )

    assert response.status_code == 200
    assert (response.json()["is_active"], response.json()["event_types"]) == (
        False,
        ["user.joined"],
    )
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"secret": ["Unknown field."]}
    with schema_context(alpha.schema):
        assert WebhookEndpoint.objects.get().secret == endpoint.secret


def test_delete_removes_an_endpoint(alpha, admin, make_endpoint):
    endpoint = make_endpoint(alpha)

    assert admin.delete(f"{ENDPOINTS}{endpoint.pk}/").status_code == 204

    with schema_context(alpha.schema):
        assert not WebhookEndpoint.objects.exists()
        assert AuditEntry.objects.filter(action="webhook_endpoint.deleted").count() == 1


def test_ping_queues_a_test_event_and_returns_its_delivery(
    alpha, admin, make_endpoint, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(alpha)

    with django_capture_on_commit_callbacks() as callbacks:
        response = admin.post(f"{ENDPOINTS}{endpoint.pk}/ping/", {})

    assert response.status_code == 201
    body = response.json()
    assert (body["endpoint"], body["status"], body["event"]["type"]) == (
        endpoint.pk,
        "pending",
        "ping",
    )
    assert body["endpoint_url"] == endpoint.url
    assert len(callbacks) == 1


def test_ping_accepts_no_body_and_refuses_fields(alpha, admin, make_endpoint):
    endpoint = make_endpoint(alpha)

    empty = admin.post(f"{ENDPOINTS}{endpoint.pk}/ping/", content_type="application/json")
    assert empty.status_code == 201
    refused = admin.post(f"{ENDPOINTS}{endpoint.pk}/ping/", {"url": "https://else.test/"})
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"url": ["Unknown field."]}


def test_the_delivery_log_filters_by_endpoint_status_and_event_type(alpha, admin, make_endpoint):
    first = make_endpoint(alpha, url="https://one.example.test/", event_types=["user.invited"])
    second = make_endpoint(
        alpha, url="https://two.example.test/", event_types=["user.invited", "user.joined"]
    )
    _emit(alpha, "user.invited")
    _emit(alpha, "user.joined")
    with schema_context(alpha.schema):
        WebhookDelivery.objects.filter(endpoint=first).update(status="failed")

    def ids(**params):
        response = admin.get(DELIVERIES, params)
        assert response.status_code == 200, response.json()
        return sorted((d["endpoint"], d["event"]["type"]) for d in response.json()["results"])

    assert ids() == [
        (first.pk, "user.invited"),
        (second.pk, "user.invited"),
        (second.pk, "user.joined"),
    ]
    assert ids(endpoint=second.pk) == [(second.pk, "user.invited"), (second.pk, "user.joined")]
    assert ids(status="failed") == [(first.pk, "user.invited")]
    assert ids(event_type="user.joined") == [(second.pk, "user.joined")]
    assert ids(status="pending", event_type="user.invited") == [(second.pk, "user.invited")]
    for bad in ({"status": "exploded"}, {"event_type": "nope"}, {"endpoint": "abc"}):
        response = admin.get(DELIVERIES, bad)
        assert response.status_code == 400, bad
        assert response.json()["code"] == "invalid"


def test_a_delivery_shows_its_event_and_last_attempt(alpha, admin, make_endpoint):
    make_endpoint(alpha)
    event = _emit(alpha, payload={"email": "ann@x.test"})
    with schema_context(alpha.schema):
        WebhookDelivery.objects.update(
            status="retrying", attempts=2, response_status=502, response_excerpt="bad gateway"
        )
        delivery = WebhookDelivery.objects.get()

    body = admin.get(f"{DELIVERIES}{delivery.pk}/").json()

    assert body["event"] == {
        "id": event.pk,
        "type": "user.invited",
        "created_at": body["event"]["created_at"],
        "data": {"email": "ann@x.test"},
    }
    assert (body["status"], body["attempts"], body["response_status"]) == ("retrying", 2, 502)
    assert body["response_excerpt"] == "bad gateway"


def test_the_delivery_list_takes_the_same_queries_for_one_delivery_and_many(
    alpha, admin, make_endpoint
):
    make_endpoint(alpha, url="https://e0.example.test/")
    _emit(alpha)

    def grow():
        for index in range(1, 6):
            make_endpoint(alpha, url=f"https://e{index}.example.test/", event_types=["user.joined"])
        for _ in range(3):
            _emit(alpha, "user.joined")

    response = assert_list_queries(lambda: admin.get(DELIVERIES), grow, queries=3, size=list_count)

    assert response.json()["count"] == 1 + 3 * 5


def test_the_endpoint_list_takes_the_same_queries_for_one_endpoint_and_many(
    alpha, admin, make_endpoint
):
    make_endpoint(alpha, url="https://e0.example.test/")

    def grow():
        for index in range(1, 8):
            make_endpoint(alpha, url=f"https://e{index}.example.test/", event_types=["user.joined"])

    assert_list_queries(lambda: admin.get(ENDPOINTS), grow, queries=3, size=list_count)


def test_redeliver_starts_a_delivery_over(
    alpha, admin, make_endpoint, django_capture_on_commit_callbacks
):
    make_endpoint(alpha)
    _emit(alpha)
    with schema_context(alpha.schema):
        WebhookDelivery.objects.update(status="failed", attempts=8, next_attempt_at=None)
        delivery = WebhookDelivery.objects.get()

    with django_capture_on_commit_callbacks() as callbacks:
        response = admin.post(f"{DELIVERIES}{delivery.pk}/redeliver/", {})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["attempts"]) == ("pending", 0)
    assert len(callbacks) == 1
    with schema_context(alpha.schema):
        assert AuditEntry.objects.filter(action="webhook_delivery.redelivered").count() == 1


def test_redeliver_to_a_disabled_endpoint_is_a_400(alpha, admin, make_endpoint):
    endpoint = make_endpoint(alpha)
    _emit(alpha)
    with schema_context(alpha.schema):
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
        delivery = WebhookDelivery.objects.get()

    response = admin.post(f"{DELIVERIES}{delivery.pk}/redeliver/", {})

    assert response.status_code == 400
    assert "disabled" in response.json()["errors"]["non_field_errors"][0]


def test_the_operations_are_documented_in_the_schema(alpha):
    document = alpha.client().get("/api/v1/schema/?format=json").json()

    paths = document["paths"]
    assert set(paths[ENDPOINTS]) == {"get", "post"}
    assert set(paths[ENDPOINTS + "{id}/"]) == {"get", "patch", "delete"}
    assert set(paths[ENDPOINTS + "{id}/ping/"]) == {"post"}
    assert set(paths[DELIVERIES]) == {"get"}
    assert set(paths[DELIVERIES + "{id}/redeliver/"]) == {"post"}
    created = paths[ENDPOINTS]["post"]["responses"]["201"]["content"]["application/json"]
    assert created["schema"]["$ref"].endswith("/WebhookEndpointCreated")
    assert "Tradepost-Signature" in paths[ENDPOINTS]["get"]["description"]
    filters = {p["name"] for p in paths[DELIVERIES]["get"]["parameters"]}
    assert {"endpoint", "status", "event_type"} <= filters
    for path in (ENDPOINTS + "{id}/ping/", DELIVERIES + "{id}/redeliver/"):
        responses = paths[path]["post"]["responses"]
        assert {"400", "401", "403", "404"} <= set(responses), path
