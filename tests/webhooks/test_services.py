"""Webhook services: the outbox is written in the caller's transaction, endpoints are
validated and administered by administrators only, every change is audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django_tenants.utils import schema_context

from api.keys import api_key_create, api_key_revoke
from api.webhooks import services
from api.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from tradepost import events
from tradepost.accounts import services as accounts
from tradepost.audit.models import AuditEntry


def test_an_invitation_records_one_event_and_a_delivery_per_subscribed_active_endpoint(
    alpha, make_endpoint, queued, django_capture_on_commit_callbacks
):
    # Given endpoints: two subscribed to invitations (one disabled), one to joins only
    subscribed = make_endpoint(alpha, url="https://a.example.test/", event_types=["user.invited"])
    make_endpoint(alpha, url="https://b.example.test/", event_types=["user.joined"])
    make_endpoint(
        alpha, url="https://c.example.test/", event_types=["user.invited"], is_active=False
    )
    both = make_endpoint(
        alpha, url="https://d.example.test/", event_types=["user.joined", "user.invited"]
    )

    # When an administrator invites someone
    with schema_context(alpha.schema):
        with django_capture_on_commit_callbacks() as callbacks:
            invitation = accounts.invitation_create(
                actor=alpha.owner(), email="Ann@Example.com", role="salesperson"
            )

        # Then one event is in the outbox, with the invitation as its data
        event = WebhookEvent.objects.get()
        assert event.event_type == "user.invited"
        assert event.payload == {
            "invitation_id": invitation.pk,
            "email": "ann@example.com",
            "role": "salesperson",
        }
        # and one pending delivery per active subscriber, queued for after commit.
        deliveries = WebhookDelivery.objects.filter(event=event).order_by("endpoint_id")
        assert [(d.endpoint_id, d.status, d.attempts) for d in deliveries] == [
            (subscribed.pk, "pending", 0),
            (both.pk, "pending", 0),
        ]
        assert sorted(queued.deliveries) == sorted(d.pk for d in deliveries)
    # (and the invitation e-mail)
    assert len(callbacks) == 3


def test_a_rolled_back_change_leaves_no_event_and_queues_nothing(
    alpha, make_endpoint, django_capture_on_commit_callbacks
):
    make_endpoint(alpha, event_types=["user.invited"])

    with schema_context(alpha.schema):
        with (
            django_capture_on_commit_callbacks() as callbacks,
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            accounts.invitation_create(
                actor=alpha.owner(), email="gone@example.com", role="salesperson"
            )
            raise RuntimeError("the caller's transaction fails after the change")

        assert WebhookEvent.objects.count() == 0
        assert WebhookDelivery.objects.count() == 0
    assert callbacks == []


def test_without_subscribers_nothing_is_written(alpha, make_endpoint):
    make_endpoint(alpha, event_types=["user.joined"])

    with schema_context(alpha.schema):
        event = services.webhook_emit(event_type="user.invited", payload={"x": 1})

        assert event is None
        assert WebhookEvent.objects.count() == 0


def test_an_unregistered_event_type_is_a_programming_error(alpha):
    with schema_context(alpha.schema), pytest.raises(ValueError, match="tradepost/events/types.py"):
        services.webhook_emit(event_type="order.teleported", payload={})


def test_domain_events_reach_the_outbox_through_tradepost_events(
    alpha, make_endpoint, queued, django_capture_on_commit_callbacks
):
    """Domain code knows only `tradepost.events.emit`; the webhook outbox is installed as
    its writer at start-up, so an emitted event is a row and a queued delivery."""
    endpoint = make_endpoint(alpha, event_types=["customer.updated"])

    with schema_context(alpha.schema):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            event = events.emit("customer.updated", {"id": 7, "changed": ["name"]})

        assert WebhookEvent.objects.get() == event
        assert event.payload == {"id": 7, "changed": ["name"]}
        delivery = WebhookDelivery.objects.get()
        assert delivery.endpoint == endpoint
        assert queued.deliveries == [delivery.pk]
        assert len(callbacks) == 1

        with pytest.raises(ValueError, match="unregistered"):
            events.emit("customer.teleported", {})
        with pytest.raises(ValueError, match="unregistered"):
            events.emit("ping", {})  # only ever sent on request, to one endpoint
        assert WebhookEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("action", "event_type", "data_keys"),
    [
        ("role", "user.role_changed", {"user_id", "email", "role"}),
        ("deactivate", "user.deactivated", {"user_id", "email"}),
        ("activate", "user.activated", {"user_id", "email"}),
        ("key", "api_key.created", {"api_key_id", "name", "role", "prefix"}),
        ("revoke", "api_key.revoked", {"api_key_id", "name", "prefix"}),
    ],
)
def test_account_and_key_changes_emit_their_events(
    alpha, make_user, make_endpoint, action, event_type, data_keys
):
    rep = make_user(alpha, "salesperson")
    with schema_context(alpha.schema):
        owner = alpha.owner()
        key = api_key_create(actor=owner, name="ERP", role="salesperson").api_key
    make_endpoint(alpha, event_types=[event_type])

    with schema_context(alpha.schema):
        if action == "role":
            accounts.user_set_role(actor=owner, user=rep, role="sales_manager")
        elif action == "deactivate":
            accounts.user_set_active(actor=owner, user=rep, active=False)
        elif action == "activate":
            accounts.user_set_active(actor=owner, user=rep, active=True)
        elif action == "key":
            api_key_create(actor=owner, name="CRM", role="executive")
        else:
            api_key_revoke(actor=owner, api_key=key)

        [event] = WebhookEvent.objects.all()
    assert event.event_type == event_type
    assert set(event.payload) == data_keys
    assert "key_hash" not in event.payload


def test_accepting_an_invitation_emits_user_joined(alpha, make_endpoint):
    make_endpoint(alpha, event_types=["user.joined"])
    with schema_context(alpha.schema):
        invitation = accounts.invitation_create(
            actor=alpha.owner(), email="joe@example.com", role="dealer"
        )
        token = accounts.invitation_issue_token(invitation=invitation)

        user = accounts.invitation_accept(
            token=token, full_name="Joe Dealer", password="Sturdy-Password-2026"
        )

        [event] = WebhookEvent.objects.filter(event_type="user.joined")
    assert event.payload == {
        "user_id": user.pk,
        "email": "joe@example.com",
        "full_name": "Joe Dealer",
        "role": "dealer",
    }


def test_an_endpoint_gets_a_secret_and_an_audit_entry_without_it(alpha):
    with schema_context(alpha.schema):
        endpoint = services.webhook_endpoint_create(
            actor=alpha.owner(),
            url=" https://erp.example.test/hooks ",
            event_types=["user.joined", "user.invited", "user.invited"],
            description="ERP",
        )

        assert endpoint.url == "https://erp.example.test/hooks"
        assert endpoint.event_types == ["user.invited", "user.joined"]
        assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 40
        entry = AuditEntry.objects.get(action="webhook_endpoint.created")
        assert entry.target_id == str(endpoint.pk)
        assert endpoint.secret not in str(entry.data)


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"url": "ftp://files.example.test/"}, {"url"}),
        ({"url": "javascript:alert(1)"}, {"url"}),
        ({"url": "not a url"}, {"url"}),
        ({"url": ""}, {"url"}),
        ({"event_types": []}, {"event_types"}),
        ({"event_types": ["user.teleported"]}, {"event_types"}),
        ({"event_types": ["ping"]}, {"event_types"}),
        ({"event_types": "user.invited"}, {"event_types"}),
        ({"description": "x" * 201}, {"description"}),
        ({"description": "ERP\r\nsync"}, {"description"}),
        ({"description": "ERP \u202esync"}, {"description"}),
        ({"url": "mailto:x@example.com", "event_types": []}, {"url", "event_types"}),
    ],
)
def test_bad_endpoints_are_refused_by_field_and_nothing_is_written(alpha, fields, errors):
    arguments = {"url": "https://ok.example.test/", "event_types": ["user.invited"], **fields}

    with schema_context(alpha.schema):
        with pytest.raises(ValidationError) as refused:
            services.webhook_endpoint_create(actor=alpha.owner(), **arguments)

        assert set(refused.value.message_dict) == errors
        assert WebhookEndpoint.objects.count() == 0
        assert not AuditEntry.objects.filter(action__startswith="webhook").exists()


@pytest.mark.parametrize("role", ["salesperson", "executive", "sales_manager", "dealer"])
def test_only_administrators_manage_endpoints(alpha, make_user, make_endpoint, role):
    endpoint = make_endpoint(alpha)
    user = make_user(alpha, role)

    with schema_context(alpha.schema):
        with pytest.raises(PermissionDenied):
            services.webhook_endpoint_create(
                actor=user, url="https://x.example.test/", event_types=["user.invited"]
            )
        with pytest.raises(PermissionDenied):
            services.webhook_endpoint_update(actor=user, endpoint=endpoint, is_active=False)
        with pytest.raises(PermissionDenied):
            services.webhook_endpoint_delete(actor=user, endpoint=endpoint)
        with pytest.raises(PermissionDenied):
            services.webhook_ping(actor=user, endpoint=endpoint)
        assert WebhookEndpoint.objects.filter(is_active=True).count() == 1


def test_update_changes_only_what_is_given_and_audits_the_field_names(alpha, make_endpoint):
    endpoint = make_endpoint(alpha, event_types=["user.invited"])
    with schema_context(alpha.schema):
        updated = services.webhook_endpoint_update(
            actor=alpha.owner(), endpoint=endpoint, event_types=["user.joined"], is_active=False
        )

        assert (updated.url, updated.event_types, updated.is_active) == (
            endpoint.url,
            ["user.joined"],
            False,
        )
        assert updated.secret == endpoint.secret
        entry = AuditEntry.objects.get(action="webhook_endpoint.updated")
        assert entry.data == {"changed": ["event_types", "is_active"]}

        # Nothing changed: no write, no audit entry.
        services.webhook_endpoint_update(actor=alpha.owner(), endpoint=updated, is_active=False)
        assert AuditEntry.objects.filter(action="webhook_endpoint.updated").count() == 1


def test_deleting_an_endpoint_removes_its_deliveries(alpha, make_endpoint):
    endpoint = make_endpoint(alpha)
    with schema_context(alpha.schema):
        services.webhook_emit(event_type="user.invited", payload={})
        assert WebhookDelivery.objects.count() == 1

        services.webhook_endpoint_delete(actor=alpha.owner(), endpoint=endpoint)

        assert WebhookEndpoint.objects.count() == 0
        assert WebhookDelivery.objects.count() == 0
        assert AuditEntry.objects.filter(action="webhook_endpoint.deleted").count() == 1


def test_ping_sends_a_test_event_to_that_endpoint_only(
    alpha, make_endpoint, queued, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(alpha, is_active=False)
    make_endpoint(alpha, url="https://other.example.test/")

    with schema_context(alpha.schema):
        with django_capture_on_commit_callbacks() as callbacks:
            delivery = services.webhook_ping(actor=alpha.owner(), endpoint=endpoint)

        assert delivery.event.event_type == "ping"
        assert delivery.event.payload["endpoint_id"] == endpoint.pk
        assert WebhookDelivery.objects.count() == 1
        assert AuditEntry.objects.filter(action="webhook_endpoint.pinged").count() == 1
    assert queued.deliveries == [delivery.pk]
    assert len(callbacks) == 1


def test_redelivery_starts_the_delivery_over_and_queues_it(
    alpha, make_endpoint, make_user, queued, django_capture_on_commit_callbacks
):
    make_endpoint(alpha)
    with schema_context(alpha.schema):
        services.webhook_emit(event_type="user.invited", payload={})
        delivery = WebhookDelivery.objects.get()
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status="failed", attempts=8, response_status=503, next_attempt_at=None
        )

        with pytest.raises(PermissionDenied):
            services.webhook_redeliver(actor=make_user(alpha, "executive"), delivery=delivery)
        queued.deliveries.clear()
        with django_capture_on_commit_callbacks() as callbacks:
            services.webhook_redeliver(actor=alpha.owner(), delivery=delivery)

        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == ("pending", 0)
        assert delivery.next_attempt_at is not None
        # The last attempt's facts stay until the next attempt replaces them.
        assert delivery.response_status == 503
        entry = AuditEntry.objects.get(action="webhook_delivery.redelivered")
        assert entry.data == {"event_id": delivery.event_id, "event_type": "user.invited"}
    assert queued.deliveries == [delivery.pk]
    assert len(callbacks) == 1


def test_redelivery_to_a_disabled_endpoint_is_refused(alpha, make_endpoint):
    endpoint = make_endpoint(alpha)
    with schema_context(alpha.schema):
        services.webhook_emit(event_type="user.invited", payload={})
        services.webhook_endpoint_update(actor=alpha.owner(), endpoint=endpoint, is_active=False)

        with pytest.raises(ValidationError, match="disabled"):
            services.webhook_redeliver(actor=alpha.owner(), delivery=WebhookDelivery.objects.get())
