"""`Idempotency-Key` on POST: replay, conflict, expiry, and two requests at once."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from api.keys import api_key_create
from api.models import IdempotencyRecord
from tradepost.accounts.models import Invitation

INVITATIONS = "/api/v1/invitations/"


@pytest.fixture
def admin_client(alpha, api_key, api_client):
    return api_client(alpha, api_key(alpha))


def test_the_same_key_and_body_replays_the_first_response_without_writing(alpha, admin_client):
    body = {"email": "once@example.com", "role": "salesperson"}

    first = admin_client.post(INVITATIONS, body, idempotency_key="k-1")
    second = admin_client.post(INVITATIONS, body, idempotency_key="k-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    with schema_context(alpha.schema):
        assert Invitation.objects.count() == 1


def test_the_same_key_with_another_body_is_422(alpha, admin_client):
    admin_client.post(
        INVITATIONS, {"email": "a@example.com", "role": "salesperson"}, idempotency_key="k-2"
    )

    response = admin_client.post(
        INVITATIONS, {"email": "b@example.com", "role": "salesperson"}, idempotency_key="k-2"
    )

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    with schema_context(alpha.schema):
        assert list(Invitation.objects.values_list("email", flat=True)) == ["a@example.com"]


def test_a_validation_error_is_replayed_too(admin_client):
    bad = {"email": "nope", "role": "salesperson"}

    first = admin_client.post(INVITATIONS, bad, idempotency_key="k-3")
    second = admin_client.post(INVITATIONS, bad, idempotency_key="k-3")

    assert first.status_code == second.status_code == 400
    assert second["Idempotent-Replayed"] == "true"


def test_keys_belong_to_their_caller(alpha, admin_client, api_key, api_client):
    other = api_client(alpha, api_key(alpha, name="other"))
    admin_client.post(
        INVITATIONS, {"email": "x@example.com", "role": "salesperson"}, idempotency_key="shared"
    )

    response = other.post(
        INVITATIONS, {"email": "y@example.com", "role": "salesperson"}, idempotency_key="shared"
    )

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response


def test_a_key_expires_after_24_hours(alpha, admin_client):
    body = {"email": "late@example.com", "role": "salesperson"}
    admin_client.post(INVITATIONS, body, idempotency_key="k-4")
    with schema_context(alpha.schema):
        IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
        Invitation.objects.update(revoked_at=timezone.now())  # frees the address again

    response = admin_client.post(INVITATIONS, body, idempotency_key="k-4")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    with schema_context(alpha.schema):
        assert Invitation.objects.count() == 2


def test_an_over_long_key_is_400(admin_client):
    response = admin_client.post(
        INVITATIONS, {"email": "a@example.com", "role": "salesperson"}, idempotency_key="k" * 256
    )

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]


@pytest.fixture
def committed_key(platform_workspaces, django_db_blocker):
    """An API key in alpha, committed (the concurrent requests use their own connections)."""
    alpha = platform_workspaces["alpha"]
    with django_db_blocker.unblock():
        with schema_context(alpha.schema):
            created = api_key_create(actor=None, name="concurrency", role="system_administrator")
        yield alpha, created.secret
        with schema_context(alpha.schema):
            Invitation.objects.filter(email__startswith="race-").delete()
            IdempotencyRecord.objects.all().delete()
            created.api_key.delete()
        connection.set_schema_to_public()


def test_two_concurrent_requests_with_one_key_write_once(committed_key):
    alpha, secret = committed_key
    key = f"race-{uuid.uuid4().hex}"
    body = {"email": f"race-{uuid.uuid4().hex[:8]}@example.com", "role": "salesperson"}
    barrier = threading.Barrier(4)
    responses = []

    def send():
        client = alpha.api(secret)
        barrier.wait()
        try:
            responses.append(client.post(INVITATIONS, body, idempotency_key=key))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert [response.status_code for response in responses] == [201] * 4
    assert len({response.content for response in responses}) == 1
    assert sum(response.has_header("Idempotent-Replayed") for response in responses) == 3
    with schema_context(alpha.schema):
        assert Invitation.objects.filter(email=body["email"]).count() == 1
