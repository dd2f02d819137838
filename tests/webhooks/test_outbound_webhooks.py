"""Webhooks cannot be pointed at the server's own network: refused when registered
(API, page, service), refused again when sent (a name that turns internal, DNS
rebinding, rows from before the guard), failures recorded in generic words, and the
operator's allow-list lets an internal receiver through.

The receiver is a real HTTP server on 127.0.0.1; `local_receiver` is refused (the real
default: nothing allowed), `receiver` is allowed through OUTBOUND_ALLOWED_NETWORKS."""

from __future__ import annotations

import json
import socket
import struct
import threading

import pytest
from django_tenants.utils import schema_context

from api.webhooks import services
from api.webhooks.delivery import attempt_delivery
from api.webhooks.models import WebhookDelivery, WebhookEndpoint
from tradepost.audit.models import AuditEntry

ENDPOINTS = "/api/v1/webhook-endpoints/"
DELIVERIES = "/api/v1/webhook-deliveries/"
PAGE = "/settings/webhooks/"
PUBLIC = "93.184.215.14"
GENERIC_ERRORS = {
    "The receiver's address is not allowed (private, local or reserved network).",
    "Could not connect to the receiver.",
}

INTERNAL_URLS = [
    "http://127.0.0.1:6379/",
    "http://localhost:8000/admin/",
    "http://0.0.0.0:5432/",
    "http://169.254.169.254/latest/meta-data/iam/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://10.0.0.5/hooks",
    "http://100.64.0.1/",
    "http://[::1]:6379/",
    "http://[::ffff:127.0.0.1]:6379/",
    "http://[fd00:ec2::254]/",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://0x7f.1/",
    "http://127.1/",
]


@pytest.fixture
def admin(alpha, api_key, api_client):
    return api_client(alpha, api_key(alpha))


def _assert_nothing_written(workspace):
    with schema_context(workspace.schema):
        assert not WebhookEndpoint.objects.exists()
        assert not AuditEntry.objects.filter(action__startswith="webhook").exists()


# ------------------------------------------------------------- at registration


def test_the_default_allows_nothing_internal(settings):
    # The refusal tests below run with the real default, not a test override.
    assert settings.OUTBOUND_ALLOWED_NETWORKS == []
    assert settings.OUTBOUND_ALLOWED_HOSTS == []


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_the_api_refuses_an_internal_url_with_a_400_on_url_and_writes_nothing(alpha, admin, url):
    response = admin.post(ENDPOINTS, {"url": url, "event_types": ["user.invited"]})

    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "invalid"
    assert list(error["errors"]) == ["url"]
    assert error["errors"]["url"][0]
    _assert_nothing_written(alpha)


def test_the_refusal_says_why_in_words_a_person_can_act_on(admin):
    response = admin.post(
        ENDPOINTS, {"url": "http://127.0.0.1:6379/", "event_types": ["user.invited"]}
    )

    assert response.json()["errors"]["url"] == [
        "This address is on a private, local or reserved network; webhooks can only go to "
        "public addresses."
    ]


def test_a_name_resolving_to_an_internal_address_is_refused_at_registration(alpha, admin, dns):
    dns.names["hooks.example.test"] = ["192.168.0.10"]

    response = admin.post(
        ENDPOINTS, {"url": "https://hooks.example.test/", "event_types": ["user.invited"]}
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["url"]
    assert dns.lookups == {"hooks.example.test": 1}
    _assert_nothing_written(alpha)


def test_changing_the_url_to_an_internal_one_is_refused_and_keeps_the_old(
    alpha, admin, make_endpoint
):
    endpoint = make_endpoint(alpha, url="https://erp.example.test/hooks")

    response = admin.patch(
        f"{ENDPOINTS}{endpoint.pk}/",
        json.dumps({"url": "http://169.254.169.254/latest/"}),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["url"]
    with schema_context(alpha.schema):
        assert WebhookEndpoint.objects.get().url == "https://erp.example.test/hooks"
        assert not AuditEntry.objects.filter(action="webhook_endpoint.updated").exists()


def test_the_page_shows_the_refusal_on_the_url_field_and_writes_nothing(alpha):
    response = alpha.client(alpha.owner()).post(
        PAGE, {"url": "http://localhost:6379/", "event_types": ["user.invited"]}
    )

    assert response.status_code == 400
    assert "webhooks can only go to public addresses" in response.content.decode()
    _assert_nothing_written(alpha)


def test_the_service_refuses_too(alpha):
    from django.core.exceptions import ValidationError

    with schema_context(alpha.schema), pytest.raises(ValidationError) as refused:
        services.webhook_endpoint_create(
            actor=alpha.owner(), url="http://[::1]:5432/", event_types=["user.invited"]
        )

    assert list(refused.value.message_dict) == ["url"]
    _assert_nothing_written(alpha)


def test_an_allowed_internal_receiver_can_be_registered(alpha, admin, receiver):
    response = admin.post(ENDPOINTS, {"url": receiver.url, "event_types": ["user.invited"]})

    assert response.status_code == 201, response.json()


# ------------------------------------------------------------- at send time


def _deliver_once(workspace, endpoint) -> WebhookDelivery:
    with schema_context(workspace.schema):
        event = services.webhook_emit(event_type="user.invited", payload={"n": 1})
        delivery = WebhookDelivery.objects.get(event=event, endpoint=endpoint)
        attempt_delivery(delivery.pk)
        return WebhookDelivery.objects.get(pk=delivery.pk)


def test_a_name_that_turns_internal_after_registration_is_refused_at_send_time(
    alpha, local_receiver, dns, make_endpoint
):
    port = local_receiver.server.server_address[1]
    dns.names["hooks.example.test"] = [PUBLIC]
    endpoint = make_endpoint(alpha, url=f"http://hooks.example.test:{port}/hooks")
    dns.names["hooks.example.test"] = ["127.0.0.1"]

    stored = _deliver_once(alpha, endpoint)

    assert local_receiver.received == []
    assert (stored.status, stored.attempts, stored.response_status) == ("failed", 1, None)
    assert stored.next_attempt_at is None  # not retried
    assert stored.error in GENERIC_ERRORS
    assert stored.response_excerpt == ""
    assert dns.lookups["hooks.example.test"] == 2  # registration, and the send


def test_a_ping_to_an_internal_url_stored_before_the_guard_gets_nothing_back(
    alpha, admin, local_receiver, django_capture_on_commit_callbacks
):
    # A row from before the guard (or written around the service): the send checks.
    local_receiver.reply = b"+PONG redis says hello"
    with schema_context(alpha.schema):
        endpoint = WebhookEndpoint.objects.create(
            url=local_receiver.url, event_types=["user.invited"], secret="whsec_x"
        )

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"{ENDPOINTS}{endpoint.pk}/ping/", {})
    assert response.status_code == 201
    delivery = admin.get(f"{DELIVERIES}{response.json()['id']}/").json()

    assert local_receiver.received == []
    assert delivery["status"] == "failed"
    assert delivery["response_status"] is None
    assert delivery["response_excerpt"] == ""
    assert delivery["error"] in GENERIC_ERRORS
    assert "PONG" not in json.dumps(delivery)


def test_dns_rebinding_public_then_loopback_never_reaches_loopback(
    alpha, local_receiver, dns, make_endpoint, settings
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    port = local_receiver.server.server_address[1]
    dns.names["rebind.example.test"] = [PUBLIC]
    endpoint = make_endpoint(alpha, url=f"http://rebind.example.test:{port}/hooks")
    # At send time: the first answer is public, every later one loopback.
    dns.lookups.clear()
    dns.names["rebind.example.test"] = [[PUBLIC], ["127.0.0.1"]]

    stored = _deliver_once(alpha, endpoint)

    assert dns.lookups == {"rebind.example.test": 1}  # one resolution per send
    assert local_receiver.received == []  # the connection went to the checked address
    assert stored.status == "retrying"  # the public address did not answer
    assert stored.error == "Could not connect to the receiver."


def test_the_send_connects_to_the_address_it_checked(alpha, receiver, dns, make_endpoint):
    # Allowed: 127.0.0.1. The first answer is 127.0.0.1, later ones 127.0.0.2, where
    # nothing listens: only a send pinned to the checked address gets through.
    port = receiver.server.server_address[1]
    dns.names["pinned.example.test"] = [PUBLIC]
    endpoint = make_endpoint(alpha, url=f"http://pinned.example.test:{port}/hooks")
    dns.lookups.clear()
    dns.names["pinned.example.test"] = [["127.0.0.1"], ["127.0.0.2"]]

    stored = _deliver_once(alpha, endpoint)

    assert stored.status == "succeeded", stored.error
    assert dns.lookups == {"pinned.example.test": 1}
    [request] = receiver.received
    assert request.headers["Host"] == f"pinned.example.test:{port}"
    assert request.path == "/hooks"


def test_the_allow_list_lets_an_allowed_local_receiver_through(
    alpha, local_receiver, make_endpoint, settings
):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    endpoint = make_endpoint(alpha, url=local_receiver.url)
    settings.OUTBOUND_ALLOWED_NETWORKS = []

    refused = _deliver_once(alpha, endpoint)
    assert refused.status == "failed" and local_receiver.received == []

    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    delivered = _deliver_once(alpha, endpoint)
    assert (delivered.status, delivered.response_excerpt) == ("succeeded", "ok")
    assert len(local_receiver.received) == 1


def test_an_allowed_host_name_reaches_its_internal_receiver(
    alpha, local_receiver, dns, make_endpoint, settings
):
    settings.OUTBOUND_ALLOWED_HOSTS = ["hooks.corp.test"]
    dns.names["hooks.corp.test"] = ["127.0.0.1"]
    port = local_receiver.server.server_address[1]
    endpoint = make_endpoint(alpha, url=f"http://hooks.corp.test:{port}/in")

    stored = _deliver_once(alpha, endpoint)

    assert stored.status == "succeeded"
    assert local_receiver.received[0].headers["Host"] == f"hooks.corp.test:{port}"


@pytest.fixture
def resetting_port():
    """A port on 127.0.0.1 that accepts connections and drops them at once."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    stop = threading.Event()

    def serve():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close()


def test_closed_and_resetting_ports_read_the_same(alpha, make_endpoint, settings, resetting_port):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    closed = make_endpoint(alpha, url=f"http://127.0.0.1:{closed_port}/")
    resetting = make_endpoint(alpha, url=f"http://127.0.0.1:{resetting_port}/")

    errors = {_deliver_once(alpha, endpoint).error for endpoint in (closed, resetting)}

    assert errors == {"Could not connect to the receiver."}
