"""The webhooks page (`/settings/webhooks/`): administrators add endpoints, see the
secret once, follow deliveries and redeliver."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation
from django_tenants.utils import schema_context

from api.webhooks import services
from api.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.support.queries import assert_list_queries
from tests.workspace.pages import Page
from tradepost.events.types import SUBSCRIBABLE_EVENT_TYPES

PAGE = "/settings/webhooks/"


def test_an_administrator_adds_an_endpoint_and_sees_its_secret_once(alpha):
    client = alpha.client(alpha.owner())

    response = client.post(
        PAGE,
        {
            "url": "https://erp.example.test/hooks",
            "description": "ERP",
            "event_types": ["user.invited", "api_key.revoked"],
        },
    )

    assert response.status_code == 200
    with schema_context(alpha.schema):
        endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_types == ["user.invited", "api_key.revoked"]
    body = response.content.decode()
    assert endpoint.secret in body
    again = client.get(PAGE).content.decode()
    assert "https://erp.example.test/hooks" in again
    assert endpoint.secret not in again


def test_the_form_offers_every_event_type_as_a_checkbox(alpha):
    page = Page(alpha.client(alpha.owner()).get(PAGE).content.decode())

    boxes = {
        e.attrs["value"]
        for e in page.elements
        if e.attrs.get("type") == "checkbox" and e.attrs.get("name") == "event_types"
    }

    assert boxes == set(SUBSCRIBABLE_EVENT_TYPES)
    assert {"user.invited", "user.joined", "api_key.created", "api_key.revoked"} <= boxes


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": "ftp://x.example.test/", "event_types": ["user.invited"]}, "http"),
        ({"url": "https://x.example.test/"}, "required"),
        ({"url": "https://x.example.test/", "event_types": ["user.teleported"]}, "valid choice"),
    ],
)
def test_bad_input_is_shown_and_nothing_is_written(alpha, data, message):
    response = alpha.client(alpha.owner()).post(PAGE, data)

    assert response.status_code == 400
    assert message in response.content.decode()
    with schema_context(alpha.schema):
        assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("role", ["salesperson", "executive", "dealer"])
def test_the_page_is_for_administrators_only(alpha, make_user, make_endpoint, role):
    endpoint = make_endpoint(alpha)
    with schema_context(alpha.schema):
        services.webhook_emit(event_type="user.invited", payload={})
        delivery = WebhookDelivery.objects.get()
    client = alpha.client(make_user(alpha, role))

    assert client.get(PAGE).status_code == 403
    assert (
        client.post(PAGE, {"url": "https://x.test/", "event_types": ["user.invited"]}).status_code
        == 403
    )
    assert client.post(f"{PAGE}{endpoint.pk}/ping/").status_code == 403
    assert client.post(f"{PAGE}{endpoint.pk}/delete/").status_code == 403
    assert client.post(f"{PAGE}deliveries/{delivery.pk}/redeliver/").status_code == 403
    with schema_context(alpha.schema):
        assert WebhookEndpoint.objects.count() == 1
        assert WebhookDelivery.objects.get().status == "pending"


def test_deliveries_are_listed_with_a_redeliver_button_that_works(
    alpha, make_endpoint, django_capture_on_commit_callbacks
):
    make_endpoint(alpha, url="https://erp.example.test/hooks")
    with schema_context(alpha.schema):
        services.webhook_emit(event_type="user.invited", payload={})
        WebhookDelivery.objects.update(status="failed", attempts=8, response_status=503)
        delivery = WebhookDelivery.objects.get()
    client = alpha.client(alpha.owner())

    page = Page(client.get(PAGE).content.decode())
    rows = [e for e in page.elements if e.tag == "tr" and "Redeliver" in e.text]
    assert len(rows) == 1
    assert "Failed" in rows[0].text and "HTTP 503" in rows[0].text
    redeliver = f"{PAGE}deliveries/{delivery.pk}/redeliver/"
    assert any(e.tag == "form" and e.attrs.get("action") == redeliver for e in page.elements)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(redeliver)

    assert response.status_code == 302
    assert len(callbacks) == 1
    with schema_context(alpha.schema):
        assert WebhookDelivery.objects.get().status == "pending"
    assert "being sent again" in client.get(PAGE).content.decode()


def test_endpoints_are_pinged_disabled_and_deleted_from_the_page(alpha, make_endpoint):
    endpoint = make_endpoint(alpha)
    client = alpha.client(alpha.owner())

    assert client.post(f"{PAGE}{endpoint.pk}/ping/").status_code == 302
    assert client.post(f"{PAGE}{endpoint.pk}/active/", {"active": "0"}).status_code == 302
    with schema_context(alpha.schema):
        assert WebhookDelivery.objects.get().event.event_type == "ping"
        assert WebhookEndpoint.objects.get().is_active is False
    assert "Disabled" in client.get(PAGE).content.decode()

    assert client.post(f"{PAGE}{endpoint.pk}/delete/").status_code == 302
    with schema_context(alpha.schema):
        assert not WebhookEndpoint.objects.exists()


def test_another_workspaces_delivery_is_not_found(alpha, beta, make_endpoint):
    make_endpoint(alpha)
    with schema_context(alpha.schema):
        services.webhook_emit(event_type="user.invited", payload={})
        delivery = WebhookDelivery.objects.get()

    response = beta.client(beta.owner()).post(f"{PAGE}deliveries/{delivery.pk}/redeliver/")

    assert response.status_code == 404


def test_the_page_takes_the_same_queries_for_one_endpoint_and_many(alpha, make_endpoint):
    make_endpoint(alpha, url="https://e0.example.test/")
    client = alpha.client(alpha.owner())
    with schema_context(alpha.schema):
        services.webhook_emit(event_type="user.invited", payload={})

    def grow():
        for index in range(1, 6):
            make_endpoint(alpha, url=f"https://e{index}.example.test/")
        with schema_context(alpha.schema):
            for _ in range(4):
                services.webhook_emit(event_type="user.invited", payload={})

    response = assert_list_queries(lambda: client.get(PAGE), grow, queries=8)

    body = response.content.decode()
    assert "e5.example.test" in body
    assert body.count("Redeliver") == 1 + 4 * 6


def test_the_page_reads_in_chinese(alpha):
    client = alpha.client(alpha.owner())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    try:
        body = client.get(PAGE).content.decode()
    finally:
        translation.activate(settings.LANGUAGE_CODE)  # the request left Chinese active

    assert "添加端点" in body and "Add endpoint" not in body
    assert "重新投递" not in body  # (no deliveries yet)
    assert "有人被邀请加入工作区 (user.invited)" in body
