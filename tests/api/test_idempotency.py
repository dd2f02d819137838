"""`Idempotency-Key` on POST: replay, conflict, expiry, and two requests at once."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from api.keys import api_key_create
from api.models import IdempotencyRecord
from tradepost.accounts.models import Invitation


def _post(client, key, body, **headers):
    return client.post(
        "/api/v1/invitations/",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
        **headers,
    )


@pytest.fixture
def admin_client(alpha, api_key, api_client):
    return api_client(alpha, api_key(alpha))


def test_the_same_key_and_body_replays_the_first_response_without_writing(alpha, admin_client):
    body = {"email": "once@example.com", "role": "salesperson"}

    first = _post(admin_client, "k-1", body)
    second = _post(admin_client, "k-1", body)

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    with schema_context(alpha.schema):
        assert Invitation.objects.count() == 1


def test_the_same_key_with_another_body_is_422(alpha, admin_client):
    _post(admin_client, "k-2", {"email": "a@example.com", "role": "salesperson"})

    response = _post(admin_client, "k-2", {"email": "b@example.com", "role": "salesperson"})

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    with schema_context(alpha.schema):
        assert list(Invitation.objects.values_list("email", flat=True)) == ["a@example.com"]


def test_a_validation_error_is_replayed_too(admin_client):
    bad = {"email": "nope", "role": "salesperson"}

    first = _post(admin_client, "k-3", bad)
    second = _post(admin_client, "k-3", bad)

    assert first.status_code == second.status_code == 400
    assert second["Idempotent-Replayed"] == "true"


def test_keys_belong_to_their_caller(alpha, admin_client, api_key, api_client):
    other = api_client(alpha, api_key(alpha, name="other"))
    _post(admin_client, "shared", {"email": "x@example.com", "role": "salesperson"})

    response = _post(other, "shared", {"email": "y@example.com", "role": "salesperson"})

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response


def test_a_key_expires_after_24_hours(alpha, admin_client):
    body = {"email": "late@example.com", "role": "salesperson"}
    _post(admin_client, "k-4", body)
    with schema_context(alpha.schema):
        IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
        Invitation.objects.update(revoked_at=timezone.now())  # frees the address again

    response = _post(admin_client, "k-4", body)

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    with schema_context(alpha.schema):
        assert Invitation.objects.count() == 2


def test_an_over_long_key_is_400(admin_client):
    response = _post(admin_client, "k" * 256, {"email": "a@example.com", "role": "salesperson"})

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
        client = Client(HTTP_HOST=alpha.domain, HTTP_AUTHORIZATION=f"Bearer {secret}")
        barrier.wait()
        try:
            responses.append(_post(client, key, body))
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
