"""End to end: a change in a workspace reaches a local HTTP receiver through a real
Celery worker on real Redis, signed, retried after a failure, and sent again on a
manual redelivery.

The worker is a subprocess on the test database (the harness in
tests/support/celery_worker.py), so everything it must see is committed here
through the API, outside the test's transaction, and removed afterwards. It listens
on a queue of its own and retries after about a second (WEBHOOK_RETRY_BASE_SECONDS
in its environment, read by api.webhooks.conf).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from api.models import ApiKey
from api.webhooks.models import WebhookEndpoint, WebhookEvent
from api.webhooks.signing import verify_signature
from tests.support.celery_worker import (
    Worker,
    committed,
    requires_worker,
    routed_to,
    start_worker,
    wait_until,
)
from tradepost.accounts.models import Invitation
from tradepost.audit.models import AuditEntry
from tradepost.celery import app

pytestmark = requires_worker


@pytest.fixture(scope="module")
def worker(platform_workspaces, tmp_path_factory) -> Iterator[Worker]:
    """A worker that retries a failed delivery after about a second, four times at most."""
    with start_worker(
        tmp_path_factory.mktemp("webhook-worker"),
        WEBHOOK_RETRY_BASE_SECONDS="1",
        WEBHOOK_MAX_ATTEMPTS="4",
        # The receiver is on 127.0.0.1, which the guard refuses unless allowed.
        OUTBOUND_ALLOWED_NETWORKS="127.0.0.1/32",
    ) as running:
        yield running


@pytest.fixture
def to_worker(worker) -> Iterator[Worker]:
    """Route this process's sends to the worker's own queue."""
    assert not app.conf.task_always_eager, "with REDIS_URL set, tasks must go to the broker"
    with routed_to(worker):
        yield worker


@pytest.fixture
def cleanup(alpha) -> Iterator[None]:
    """Delete what the test commits in alpha: keys, endpoints (and their deliveries),
    events, invitations and audit entries."""
    models = [ApiKey, WebhookEndpoint, WebhookEvent, Invitation, AuditEntry]

    def last_ids() -> dict:
        with schema_context(alpha.schema):
            return {m: max(m.objects.values_list("pk", flat=True), default=0) for m in models}

    def restore(before: dict) -> None:
        with schema_context(alpha.schema):
            for model in models:
                model.objects.filter(pk__gt=before[model]).delete()

    before = committed(last_ids)
    yield
    committed(restore, before)


def _api(workspace, key: str) -> Client:
    return Client(HTTP_HOST=workspace.domain, HTTP_AUTHORIZATION=f"Bearer {key}")


def _call(client: Client, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    def request():
        if method == "get":
            response = client.get(path)
        else:
            response = getattr(client, method)(
                path, json.dumps(body or {}), content_type="application/json"
            )
        return response.status_code, response.json() if response.content else {}

    return committed(request)


def _delivery(client: Client, delivery_id: int) -> dict:
    return _call(client, "get", f"/api/v1/webhook-deliveries/{delivery_id}/")[1]


def test_an_invitation_is_delivered_signed_after_a_retry_and_again_on_redelivery(
    alpha, receiver, cleanup, to_worker
):
    # Given an administrator's API key and an endpoint subscribed to invitations,
    # registered through the API, on a receiver that fails the first request
    def make_key() -> str:
        from api.keys import api_key_create

        with schema_context(alpha.schema):
            return api_key_create(actor=None, name="e2e", role="system_administrator").secret

    client = _api(alpha, committed(make_key))
    status, endpoint = _call(
        client,
        "post",
        "/api/v1/webhook-endpoints/",
        {"url": receiver.url, "event_types": ["user.invited"]},
    )
    assert status == 201, endpoint
    secret = endpoint["secret"]
    receiver.script = [500]

    # When an administrator invites someone in alpha
    status, invitation = _call(
        client, "post", "/api/v1/invitations/", {"email": "ann@customer.test", "role": "dealer"}
    )
    assert status == 201, invitation

    # Then the worker delivers the event: the first attempt gets a 500, the retry a 200
    wait_until(lambda: len(receiver.received) >= 2, to_worker, "two requests")
    first, second = receiver.received[:2]
    assert [first.answered, second.answered] == [500, 200]
    for request in (first, second):
        assert verify_signature(secret, request.headers["Tradepost-Signature"], request.body)
        assert request.headers["Tradepost-Event"] == "user.invited"
        assert request.headers["Content-Type"] == "application/json"
    event = second.json()
    assert event["type"] == "user.invited"
    assert event["workspace"] == "alpha"
    assert event["data"] == {
        "invitation_id": invitation["id"],
        "email": "ann@customer.test",
        "role": "dealer",
    }
    assert first.body == second.body
    delivery_id = int(second.headers["Tradepost-Delivery"])

    # and the delivery ends succeeded after two attempts, sent successfully once.
    wait_until(
        lambda: _delivery(client, delivery_id)["status"] == "succeeded",
        to_worker,
        "the delivery succeeding",
    )
    delivery = _delivery(client, delivery_id)
    assert (delivery["attempts"], delivery["response_status"]) == (2, 200)
    assert delivery["event"]["id"] == event["id"]
    time.sleep(2.5)  # longer than any retry the worker could still have planned
    assert len(receiver.received) == 2

    # When an administrator redelivers it through the API
    status, redelivered = _call(
        client, "post", f"/api/v1/webhook-deliveries/{delivery_id}/redeliver/"
    )
    assert status == 200, redelivered
    assert redelivered["status"] == "pending"

    # Then the same event is sent once more, freshly signed, and succeeds at once.
    wait_until(lambda: len(receiver.received) >= 3, to_worker, "the redelivery")
    third = receiver.received[2]
    assert third.answered == 200
    assert third.json() == event
    assert verify_signature(secret, third.headers["Tradepost-Signature"], third.body)
    wait_until(
        lambda: _delivery(client, delivery_id)["status"] == "succeeded",
        to_worker,
        "the redelivery succeeding",
    )
    assert _delivery(client, delivery_id)["attempts"] == 1
    # The worker's log names the delivery and its workspace, never the secret.
    log = to_worker.log()
    assert f"webhook delivery {delivery_id}" in log
    assert "[alpha]" in log
    assert secret not in log
